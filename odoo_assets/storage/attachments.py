"""Bundle rows of ir_attachment, written and cleaned exactly as Odoo 17 writes and cleans them."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row

from odoo_assets.storage.filestore import Filestore

Conn = psycopg.Connection[Any]

SUPERUSER_ID = 1
ANY_UNIQUE = "_______"
BUNDLE_URL_LIKE = "/web/assets/%"
# /web/assets/[<website>/]<unique>/<bundle>[.rtl].<ext>
_BUNDLE_URL = re.compile(
    r"^/web/assets/(?:(?P<website>\d+)/)?(?P<unique>[^/]{7})/"
    r"(?P<bundle>[^/]+?)(?P<rtl>\.rtl)?\.(?P<ext>min\.js|min\.css|js\.map|css\.map|js|css)$"
)
_PRINTABLE_RUNS = re.compile(rb"[\x20-\x7E]{4,}")

_ROW_COLUMNS = (
    "id, name, url, store_fname, checksum, file_size, mimetype, create_date, write_date,"
    " db_datas IS NOT NULL AS has_db_datas"
)


@dataclass(frozen=True)
class BundleAttachment:
    id: int
    name: str
    url: str | None
    store_fname: str | None
    checksum: str | None
    file_size: int | None
    mimetype: str | None
    create_date: datetime | None
    write_date: datetime | None
    has_db_datas: bool


@dataclass(frozen=True)
class BundleUrl:
    website_id: int | None
    unique: str
    bundle: str
    ext: str
    rtl: bool


def parse_bundle_url(url: str) -> BundleUrl | None:
    """Split a 17/18 bundle URL; None for anything else (debug links, other files)."""
    match = _BUNDLE_URL.match(url)
    if not match:
        return None
    website = match["website"]
    return BundleUrl(
        website_id=int(website) if website else None,
        unique=match["unique"],
        bundle=match["bundle"],
        ext=match["ext"],
        rtl=bool(match["rtl"]),
    )


def any_version_pattern(url: str) -> str:
    """The LIKE pattern matching every version of the same bundle URL."""
    parsed = parse_bundle_url(url)
    if parsed is None:
        return url
    prefix = f"/web/assets/{parsed.website_id}" if parsed.website_id else "/web/assets"
    rtl = ".rtl" if parsed.rtl else ""
    return f"{prefix}/{ANY_UNIQUE}/{parsed.bundle}{rtl}.{parsed.ext}"


@functools.lru_cache(maxsize=32)  # website variants of one bundle share their content
def index_content(content: bytes, mimetype: str) -> str:
    """What Odoo stores in index_content: printable runs for text/*, else the major type."""
    major = mimetype.split("/")[0]
    if major == "text":
        return "\n".join(run.decode("ascii") for run in _PRINTABLE_RUNS.findall(content))
    return major


def storage_location(conn: Conn) -> str:
    """`db` only when ir_attachment.location says exactly that; the filestore otherwise."""
    with conn.cursor() as cur:
        cur.execute("SELECT value FROM ir_config_parameter WHERE key = 'ir_attachment.location'")
        row = cur.fetchone()
    return "db" if row and row[0] == "db" else "file"


def company_of_superuser(conn: Conn) -> int | None:
    with conn.cursor() as cur:
        cur.execute("SELECT company_id FROM res_users WHERE id = %s", (SUPERUSER_ID,))
        row = cur.fetchone()
    return int(row[0]) if row and row[0] is not None else None


def insert_bundle_attachment(
    conn: Conn,
    filestore: Filestore,
    *,
    name: str,
    url: str,
    content: bytes,
    mimetype: str,
    location: str,
    company_id: int | None,
    series: str = "17.0",
    website_column: bool = True,
) -> BundleAttachment:
    """Write the blob (or db_datas) and INSERT the row, in the caller's transaction."""
    checksum = hashlib.sha1(content).hexdigest()
    store_fname: str | None = None
    db_datas: bytes | None = None
    if not content:
        checksum = None  # type: ignore[assignment]
    elif location == "db":
        db_datas = content
    else:
        store_fname = filestore.write_blob(content, series).store_fname
    values: dict[str, Any] = {
        "name": name,
        "res_model": "ir.ui.view",
        "res_id": 0,
        "company_id": company_id,
        "type": "binary",
        "url": url,
        "public": True,
        "db_datas": db_datas,
        "store_fname": store_fname,
        "file_size": len(content) if content else None,
        "checksum": checksum,
        "mimetype": mimetype,
        "index_content": index_content(content, mimetype),
        "create_uid": SUPERUSER_ID,
        "write_uid": SUPERUSER_ID,
    }
    columns = ", ".join(values)
    placeholders = ", ".join(f"%({key})s" for key in values)
    now = "(now() at time zone 'UTC')"
    with conn.cursor(row_factory=class_row(BundleAttachment)) as cur:
        cur.execute(
            f"INSERT INTO ir_attachment ({columns}, create_date, write_date)"
            f" VALUES ({placeholders}, {now}, {now}) RETURNING {_ROW_COLUMNS}",
            values,
        )
        row = cur.fetchone()
    assert row is not None
    return row


def find_bundle_attachments(conn: Conn, url_pattern: str) -> list[BundleAttachment]:
    """Odoo's lookup: the newest bundle row per name whose url matches the LIKE pattern."""
    with conn.cursor(row_factory=class_row(BundleAttachment)) as cur:
        cur.execute(
            f"SELECT {_ROW_COLUMNS} FROM ir_attachment WHERE id IN ("
            " SELECT max(id) FROM ir_attachment"
            " WHERE create_uid = %s AND url LIKE %s AND res_model = 'ir.ui.view'"
            " AND res_id = 0 AND public = true GROUP BY name"
            ") ORDER BY name",
            (SUPERUSER_ID, url_pattern),
        )
        return list(cur.fetchall())


def list_bundle_attachments(conn: Conn, like: str = BUNDLE_URL_LIKE) -> list[BundleAttachment]:
    """Every bundle row by Odoo's own definition (what regenerate_assets_bundles deletes)."""
    with conn.cursor(row_factory=class_row(BundleAttachment)) as cur:
        cur.execute(
            f"SELECT {_ROW_COLUMNS} FROM ir_attachment"
            " WHERE public = true AND url LIKE %s AND res_model = 'ir.ui.view'"
            " AND res_id = 0 AND create_uid = %s AND res_field IS NULL ORDER BY url, id",
            (like, SUPERUSER_ID),
        )
        return list(cur.fetchall())


def read_db_datas(conn: Conn, attachment_id: int) -> bytes | None:
    with conn.cursor() as cur:
        cur.execute("SELECT db_datas FROM ir_attachment WHERE id = %s", (attachment_id,))
        row = cur.fetchone()
    return bytes(row[0]) if row and row[0] is not None else None


def _delete(conn: Conn, filestore: Filestore, where: str, params: tuple[Any, ...]) -> list[BundleAttachment]:
    """Delete rows not locked by another transaction; their blobs go to the checklist."""
    with conn.cursor(row_factory=class_row(BundleAttachment)) as cur:
        cur.execute(
            f"DELETE FROM ir_attachment WHERE id IN ("
            f" SELECT id FROM ir_attachment WHERE {where} FOR NO KEY UPDATE SKIP LOCKED"
            f") RETURNING {_ROW_COLUMNS}",
            params,
        )
        deleted = list(cur.fetchall())
    for row in deleted:
        if row.store_fname:
            filestore.mark_for_gc(row.store_fname)
    return deleted


def clean_other_versions(
    conn: Conn, filestore: Filestore, pattern: str, keep_url: str, keep_id: int | None = None
) -> list[BundleAttachment]:
    """Remove the other versions of one bundle URL, as Odoo does after saving a bundle; with
    keep_id, earlier rows of the kept URL itself go too (a forced rebuild replaces them)."""
    params: tuple[object, ...]
    if keep_id is None:
        where, params = "url LIKE %s AND url != %s", (pattern, keep_url)
    else:
        where, params = "url LIKE %s AND id != %s", (pattern, keep_id)
    return _delete(conn, filestore, f"{where} AND public = true AND res_field IS NULL", params)


def delete_attachments(conn: Conn, filestore: Filestore, ids: list[int]) -> list[BundleAttachment]:
    """Remove bundle rows by id; only rows that are bundle rows by Odoo's definition."""
    return _delete(
        conn,
        filestore,
        "id = ANY(%s) AND public = true AND url LIKE %s AND res_model = 'ir.ui.view'"
        " AND res_id = 0 AND create_uid = %s",
        (ids, BUNDLE_URL_LIKE, SUPERUSER_ID),
    )


def signal_assets_changed(conn: Conn, series: str) -> int:
    """Bump the sequence workers poll, so they drop cached paths, mtimes and links."""
    sequence = "base_cache_signaling" if series == "16.0" else "base_cache_signaling_assets"
    with conn.cursor() as cur:
        cur.execute(f"SELECT nextval('{sequence}')")
        row = cur.fetchone()
    assert row is not None
    return int(row[0])


def _lock_key(key: str) -> int:
    return int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big", signed=True)


def bundle_lock(conn: Conn, key: str) -> None:
    """A transaction-scoped advisory lock per bundle URL: one writer at a time."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(key),))


def try_bundle_lock(conn: Conn, key: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_xact_lock(%s)", (_lock_key(key),))
        row = cur.fetchone()
    return bool(row and row[0])
