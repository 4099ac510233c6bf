"""Bundle rows of ir_attachment, written, found and cleaned as Odoo 17 writes, finds and cleans them.

Nothing here commits: every function works in the caller's transaction.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from psycopg import sql
from psycopg.rows import class_row

from odoo_assets.storage.blobstores import GcMarker, RemoteWrite
from odoo_assets.storage.database import Conn, has_column
from odoo_assets.storage.filestore import BlobWrite, Filestore, storage_location
from odoo_assets.versions import ANY_UNIQUE

__all__ = [
    "ANY_UNIQUE",
    "BUNDLE_URL_LIKE",
    "SUPERUSER_ID",
    "BundleAttachment",
    "KeptVersion",
    "bundle_locks",
    "clean_other_versions",
    "company_of_superuser",
    "delete_attachments",
    "find_bundle_attachments",
    "index_content",
    "insert_bundle_attachments",
    "list_bundle_attachments",
    "newest_by_url",
    "read_db_datas",
    "signal_assets_changed",
    "storage_location",
    "try_bundle_lock",
]

SUPERUSER_ID = 1
BUNDLE_URL_LIKE = "/web/assets/%"
_PRINTABLE_RUNS = re.compile(rb"[\x20-\x7E]{4,}")
_NOW = "(now() at time zone 'UTC')"


@dataclass(frozen=True)
class BundleAttachment:
    """The columns of a bundle row the tool works with (db_datas only as a flag)."""

    id: int
    name: str
    url: str | None
    store_fname: str | None
    checksum: str | None
    file_size: int | None
    mimetype: str | None
    website_id: int | None
    create_date: datetime | None
    write_date: datetime | None
    has_db_datas: bool


@functools.lru_cache(maxsize=16)  # website variants of one bundle share their content
def _printable_runs(content: bytes) -> str:
    return "\n".join(run.decode("ascii") for run in _PRINTABLE_RUNS.findall(content))


def index_content(content: bytes, mimetype: str) -> str:
    """What Odoo stores in index_content: runs of >= 4 printable ASCII bytes joined by newlines
    for text/* mimetypes, else the mimetype's major type."""
    major = mimetype.split("/")[0]
    return _printable_runs(content) if major == "text" else major


def company_of_superuser(conn: Conn) -> int | None:
    """The company Odoo's superuser environment writes into new rows."""
    with conn.cursor() as cur:
        cur.execute("SELECT company_id FROM res_users WHERE id = %s", (SUPERUSER_ID,))
        row = cur.fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _website_column(conn: Conn, known: bool | None) -> bool:
    return has_column(conn, "ir_attachment", "website_id") if known is None else known


def _row_columns(website_column: bool, table: str = "ir_attachment") -> str:
    website = f"{table}.website_id" if website_column else "NULL::int4"
    return ", ".join(
        f"{table}.{column}"
        for column in ("id", "name", "url", "store_fname", "checksum", "file_size", "mimetype")
    ) + (
        f", {website} AS website_id, {table}.create_date, {table}.write_date,"
        f" {table}.db_datas IS NOT NULL AS has_db_datas"
    )


# SQL types of the columns a bundle row sets, for the INSERT … SELECT of several rows.
_COLUMN_TYPES = {
    "name": "varchar",
    "description": "text",
    "res_model": "varchar",
    "res_field": "varchar",
    "res_id": "int4",
    "company_id": "int4",
    "type": "varchar",
    "public": "bool",
    "access_token": "varchar",
    "db_datas": "bytea",
    "store_fname": "varchar",
    "file_size": "int4",
    "checksum": "varchar",
    "mimetype": "varchar",
    "index_content": "text",
    "create_uid": "int4",
    "write_uid": "int4",
}
# Columns that differ from row to row: the id and, in an object storage, the object's name.
_ROW_COLUMN_TYPES = {
    "url": "varchar",
    "id": "int4",
    "store_fname": "varchar",
    "fs_filename": "varchar",
    "fs_storage_id": "int4",
    "fs_storage_code": "varchar",
    "fs_url": "varchar",
    "website_id": "int4",
}


def insert_bundle_attachments(
    conn: Conn,
    filestore: Filestore,
    *,
    name: str,
    urls: Sequence[str],
    content: bytes,
    mimetype: str,
    location: str,
    company_id: int | None,
    website_column: bool | None = None,
    legacy_shard: bool = True,
    index_other_types: bool = True,
    replace_damaged: bool = True,
    lz4: bool = False,
    blob: BlobWrite | None = None,
    remote: RemoteWrite | None = None,
    website_ids: Sequence[int | None] | None = None,
    id_in_url: bool = False,
) -> list[BundleAttachment]:
    """Store content once (blob + checklist entry, or db_datas) and INSERT one bundle row per
    URL, with the values Odoo 17 gives a bundle it saves, in the caller's transaction.

    The website variants of a bundle share their content: one statement sends it (and its
    index_content) once for all of them. Rows get ids in the order of `urls`.

    `website_ids` fills the rows' website_id (series whose website bundles carry it). With
    `id_in_url`, each url holds a `%` where the row's own id goes (16.0 and older): the rows
    are inserted, then their urls written with their ids, as the server does.

    The table lock taken first is the one every writer of ir_attachment takes anyway; it
    makes Odoo's garbage collector wait for this transaction, so it cannot unlink the blob
    between its write and the commit of the row naming it. A blob whose bytes no longer
    match its name is replaced (see Filestore.write_blob).

    With lz4 (see database.lz4_available), the server compresses index_content, which copies
    the content into every row, with lz4 rather than pglz: about ten times cheaper for the
    rows of many websites, and transparent to every reader (the server that can write lz4
    values reads them).

    `blob` is the result of writing content to the filestore earlier (while other bundles
    were still compiling): it is only checked, and written again if it went missing.

    `remote` puts the content in an object storage instead (see BlobStores.plan_remote): the
    rows get the ids drawn for them and their objects' names, then the objects are uploaded,
    all before the caller commits. Holding the table lock from the INSERT on keeps the
    storage's collector, which locks ir_attachment first, from removing them meanwhile.
    """
    if not urls:
        return []
    with conn.cursor() as cur:
        if lz4:
            cur.execute("SET LOCAL default_toast_compression = lz4")
        if remote is not None and remote.gc_names:
            cur.execute("LOCK TABLE fs_file_gc IN ROW EXCLUSIVE MODE")
        cur.execute("LOCK TABLE ir_attachment IN ROW EXCLUSIVE MODE")
    values: dict[str, Any] = {
        "name": name,
        "description": None,
        "res_model": "ir.ui.view",
        "res_field": None,
        "res_id": 0,
        "company_id": company_id,
        "type": "binary",
        "public": True,
        "access_token": None,
        "db_datas": None,
        "store_fname": None,
        # Odoo computes nothing from empty content: these stay NULL.
        "file_size": None,
        "checksum": None,
        "mimetype": mimetype,
        "index_content": None,
        "create_uid": SUPERUSER_ID,
        "write_uid": SUPERUSER_ID,
    }
    per_row: dict[str, list[Any]] = {"url": list(urls)}
    if website_ids is not None:
        per_row["website_id"] = list(website_ids)
    if content:
        values["file_size"] = len(content)
        if index_other_types or mimetype.startswith("text/"):
            values["index_content"] = index_content(content, mimetype)
        if remote is not None:
            assert len(remote.ids) == len(urls)
            values["checksum"] = hashlib.sha1(content).hexdigest()
            del values["store_fname"]
            per_row.update({"id": list(remote.ids), **remote.columns})
        elif location == "db":
            values["checksum"] = hashlib.sha1(content).hexdigest()
            values["db_datas"] = content
        else:
            if blob is None or not filestore.still_there(blob, len(content)):
                blob = filestore.write_blob(
                    content, legacy_shard=legacy_shard, replace_damaged=replace_damaged
                )
            values["checksum"] = blob.sha1
            values["store_fname"] = blob.store_fname
    columns = ", ".join([*values, *per_row])
    selected = ", ".join(
        [f"%({key})s::{_COLUMN_TYPES[key]}" for key in values] + [f"u.{key}" for key in per_row]
    )
    arrays = ", ".join(f"%(row_{key})s::{_ROW_COLUMN_TYPES[key]}[]" for key in per_row)
    returning = _row_columns(_website_column(conn, website_column))
    with conn.cursor(row_factory=class_row(BundleAttachment)) as cur:
        cur.execute(
            f"INSERT INTO ir_attachment ({columns}, create_date, write_date)"
            f" SELECT {selected}, {_NOW}, {_NOW}"
            f" FROM unnest({arrays}) WITH ORDINALITY AS u({', '.join(per_row)}, n) ORDER BY u.n"
            f" RETURNING {returning}",
            {**values, **{f"row_{key}": value for key, value in per_row.items()}},
        )
        rows = sorted(cur.fetchall(), key=lambda row: row.id)
        if id_in_url:
            cur.execute(
                "UPDATE ir_attachment"
                " SET url = overlay(url placing id::text from position('%%' in url) for 1)"
                f" WHERE id = ANY(%s) RETURNING {returning}",
                ([row.id for row in rows],),
            )
            rows = sorted(cur.fetchall(), key=lambda row: row.id)
    assert len(rows) == len(urls)
    if remote is not None and content:
        # Again in this transaction: the collector may have run since they were recorded.
        remote.mark_again(conn)
        remote.upload()
    return rows


def _newest_rows(
    conn: Conn, per: str, url_condition: str, param: object, website_column: bool | None
) -> list[BundleAttachment]:
    """The shape of Odoo's `get_attachments` query: the newest bundle row per `per` (a column)
    among those whose url meets the condition, ordered by name."""
    columns = _row_columns(_website_column(conn, website_column))
    with conn.cursor(row_factory=class_row(BundleAttachment)) as cur:
        cur.execute(
            f"SELECT {columns} FROM ir_attachment WHERE id IN ("
            f" SELECT max(id) FROM ir_attachment WHERE create_uid = %s AND {url_condition}"
            f" AND res_model = 'ir.ui.view' AND res_id = 0 AND public = true GROUP BY {per}"
            ") ORDER BY name",
            (SUPERUSER_ID, param),
        )
        return list(cur.fetchall())


def find_bundle_attachments(
    conn: Conn, url_pattern: str, *, website_column: bool | None = None
) -> list[BundleAttachment]:
    """Odoo's `get_attachments` lookup: the newest bundle row per name whose url is LIKE the
    pattern (an exact URL, or one with ANY_UNIQUE), ordered by name."""
    return _newest_rows(conn, "name", "url LIKE %s", url_pattern, website_column)


def newest_by_url(
    conn: Conn, urls: Sequence[str], *, website_column: bool | None = None
) -> dict[str, BundleAttachment]:
    """The newest bundle row of each of these exact URLs that has one."""
    rows = _newest_rows(conn, "url", "url = ANY(%s)", list(urls), website_column)
    return {row.url or "": row for row in rows}


def list_bundle_attachments(
    conn: Conn, like: str = BUNDLE_URL_LIKE, *, website_column: bool | None = None
) -> list[BundleAttachment]:
    """Every bundle row by Odoo's own definition (what `regenerate_assets_bundles` deletes),
    ordered by url then id."""
    columns = _row_columns(_website_column(conn, website_column))
    with conn.cursor(row_factory=class_row(BundleAttachment)) as cur:
        cur.execute(
            f"SELECT {columns} FROM ir_attachment"
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


def _unlink(
    conn: Conn,
    garbage: GcMarker,
    where: str,
    params: Sequence[Any],
    *,
    website_column: bool | None = None,
    joined: str = "",
) -> list[BundleAttachment]:
    """Odoo's `_unlink_attachments`: find the rows, delete those no other transaction holds
    (SKIP LOCKED), and hand the blob of every row found to its collector (the filestore's
    checklist, or an object storage's fs_file_gc) — the collector keeps whatever is still
    referenced. Returns the deleted rows, by id.

    `joined` is an extra FROM item (a JOIN clause) the condition may refer to; the condition
    then names ir_attachment's columns with the table name.
    """
    columns = _row_columns(_website_column(conn, website_column))
    with conn.cursor(row_factory=class_row(BundleAttachment)) as cur:
        cur.execute(
            f"SELECT DISTINCT {columns} FROM ir_attachment{joined} WHERE {where} ORDER BY ir_attachment.id",
            params,
        )
        found = list(cur.fetchall())
        if not found:
            return []
        cur.execute(
            "DELETE FROM ir_attachment WHERE id IN ("
            " SELECT id FROM ir_attachment WHERE id = ANY(%s) FOR NO KEY UPDATE SKIP LOCKED"
            f") RETURNING {columns}",
            ([row.id for row in found],),
        )
        deleted = sorted(cur.fetchall(), key=lambda row: row.id)
    for store_fname in sorted({row.store_fname for row in found if row.store_fname}):
        garbage.mark_for_gc(store_fname)
    return deleted


class KeptVersion(NamedTuple):
    """A bundle URL just saved (and its row): other rows LIKE `pattern` are older versions."""

    pattern: str
    url: str
    id: int | None = None


def clean_other_versions(
    conn: Conn, garbage: GcMarker, kept: Sequence[KeptVersion], *, website_column: bool | None = None
) -> list[BundleAttachment]:
    """Odoo's `_clean_attachments` after saving bundles: for each kept URL, remove the public
    rows whose url is LIKE its pattern (the URL with ANY_UNIQUE) other than the URL itself.

    With an id, earlier rows of the kept URL go too (a forced rebuild replaces them). One
    statement serves every kept URL, e.g. the website variants of one bundle.
    """
    if not kept:
        return []
    where = (
        "ir_attachment.url LIKE k.pattern"
        " AND (ir_attachment.url != k.url OR ir_attachment.id < coalesce(k.id, 0))"
        " AND ir_attachment.public = true AND ir_attachment.res_field IS NULL"
    )
    params: list[Any] = [[k.pattern for k in kept], [k.url for k in kept], [k.id for k in kept]]
    if all(k.pattern.startswith("/web/assets/") for k in kept):
        # A constant prefix lets the url index narrow the scan to bundle rows.
        where += " AND ir_attachment.url LIKE %s"
        params.append(BUNDLE_URL_LIKE)
    joined = " JOIN unnest(%s::varchar[], %s::varchar[], %s::int4[]) AS k(pattern, url, id) ON true"
    return _unlink(conn, garbage, where, params, website_column=website_column, joined=joined)


def delete_attachments(
    conn: Conn, garbage: GcMarker, ids: list[int], like: str = BUNDLE_URL_LIKE
) -> list[BundleAttachment]:
    """Remove rows by id, but only rows that are bundle rows by Odoo's definition (`like`:
    the series' bundle URL prefix)."""
    return _unlink(
        conn,
        garbage,
        "ir_attachment.id = ANY(%s) AND public = true AND url LIKE %s AND res_model = 'ir.ui.view'"
        " AND res_id = 0 AND create_uid = %s AND res_field IS NULL",
        (list(ids), like, SUPERUSER_ID),
    )


def signal_assets_changed(conn: Conn, name: str, kind: str = "sequence") -> int | None:
    """Signal running workers to drop cached paths, mtimes and links: bump the sequence
    (up to 18.0) or add a row to the insert-only table (19.0) the series profile names.

    None when it does not exist: no server has loaded this database since it was created or
    restored, so no worker holds a cache to drop.
    """
    if kind == "table":
        query = sql.SQL("INSERT INTO {} DEFAULT VALUES RETURNING id").format(sql.Identifier(name))
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
            row = cur.fetchone()
            if not row or not row[0]:
                return None
            cur.execute(query)
            row = cur.fetchone()
        return None if row is None else int(row[0])
    with conn.cursor() as cur:
        # nextval() of a text argument looks the sequence up only when the CASE reaches it.
        cur.execute("SELECT CASE WHEN to_regclass(%s) IS NOT NULL THEN nextval(%s::text) END", (name, name))
        row = cur.fetchone()
    return None if row is None or row[0] is None else int(row[0])


def signal_workers(conn: Conn, signals: Sequence[tuple[str, str]]) -> None:
    """Every (kind, name) signal of a series profile, after writing or removing bundles."""
    for kind, name in signals:
        signal_assets_changed(conn, name, kind)


def _lock_key(key: str) -> int:
    """A stable signed 64-bit key: the first 8 bytes of the key's SHA-1."""
    return int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big", signed=True)


def bundle_locks(conn: Conn, keys: Sequence[str]) -> None:
    """Wait for the transaction-scoped advisory locks of keys (bundle URLs): one writer at a
    time per URL. Taken in one statement, in a fixed order, so that two writers wanting
    overlapping sets cannot deadlock."""
    numbers = sorted({_lock_key(key) for key in keys})
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(pg_advisory_xact_lock(k))"
            " FROM (SELECT k FROM unnest(%s::int8[]) WITH ORDINALITY AS t(k, n) ORDER BY n) AS ordered",
            (numbers,),
        )


def try_bundle_lock(conn: Conn, key: str) -> bool:
    """Take the advisory lock of key if free; False when another transaction holds it."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_xact_lock(%s)", (_lock_key(key),))
        row = cur.fetchone()
    return bool(row and row[0])
