"""The Odoo PostgreSQL database: connecting, recognising Odoo, and reading the models we use."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from odoo_assets.config import Settings
from odoo_assets.errors import DatabaseUnavailable, NotOdooDatabase

Conn = psycopg.Connection[Any]


@dataclass
class OdooDatabase:
    """An open connection to an Odoo database of a known series."""

    name: str
    conn: Conn
    series: str

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> OdooDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # libpq prefixes every attempt with "connection to server at ... failed:"; keep the reason.
    return lines[-1] if lines else type(exc).__name__


def connect(settings: Settings, dbname: str) -> Conn:
    """Open a connection (autocommit off); the password never reaches the message."""
    try:
        conninfo = make_conninfo("", **settings.connection_kwargs(dbname))
        return psycopg.connect(conninfo, connect_timeout=10)
    except psycopg.OperationalError as exc:
        message = _one_line(exc)
        if settings.db_password:
            message = message.replace(settings.db_password, "***")
        raise DatabaseUnavailable(f"cannot connect to database {dbname!r}: {message}") from None


def series_from_version(version: str | None) -> str | None:
    """'17.0.1.3' → '17.0'; saas versions and garbage → None."""
    if not version:
        return None
    parts = version.split(".")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return f"{parts[0]}.{parts[1]}"


def detect_series(conn: Conn, dbname: str, supported: Collection[str]) -> str:
    """The Odoo series of the database, from the installed version of the `base` module; one
    of `supported` (the series that have a profile)."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
        row = cur.fetchone()
        if not row or not row[0]:
            conn.rollback()
            raise NotOdooDatabase(f"database {dbname!r} is not an Odoo database (no ir_module_module)")
        cur.execute("SELECT latest_version, state FROM ir_module_module WHERE name = 'base'")
        row = cur.fetchone()
    conn.rollback()
    if not row:
        raise NotOdooDatabase(f"database {dbname!r} is not an Odoo database (no base module)")
    version, state = row
    series = series_from_version(str(version) if version else None)
    if state != "installed" and series is None:
        raise NotOdooDatabase(f"database {dbname!r}: module base is not installed")
    if series is None or series not in supported:
        raise NotOdooDatabase(
            f"database {dbname!r} is Odoo {series or version!s}, supported series: {', '.join(supported)}"
        )
    return series


def open_database(settings: Settings, dbname: str, supported: Collection[str]) -> OdooDatabase:
    """Connect and check that this is an Odoo database of a supported series."""
    conn = connect(settings, dbname)
    try:
        series = detect_series(conn, dbname, supported)
    except BaseException:
        conn.close()
        raise
    return OdooDatabase(name=dbname, conn=conn, series=series)


# --- Reading the Odoo models the pipeline needs -------------------------------------------------

INSTALLED_STATES = ("installed", "to upgrade", "to remove")
THEME_CATEGORY = ("base", "module_category_theme")
HIDDEN_CATEGORIES = (("base", "module_category_hidden"), ("base", "module_category_theme_hidden"))


@dataclass(frozen=True)
class Website:
    """A website row, with the technical name of its theme module if any."""

    id: int
    name: str
    domain: str | None
    theme: str | None


@dataclass(frozen=True)
class StoredFile:
    """An ir_attachment that serves a bundle entry kept as an "attachment URL"."""

    id: int
    url: str
    db_datas: bytes | None
    store_fname: str | None
    write_date: datetime

    @property
    def last_modified(self) -> float:
        """write_date as the UTC POSIX timestamp Odoo puts into bundle versions."""
        return self.write_date.replace(tzinfo=timezone.utc).timestamp()


def has_column(conn: Conn, table: str, column: str) -> bool:
    """Whether the table (looked up as an unqualified name would be) has this column.

    pg_attribute, not information_schema.columns: the catalog answers in a fraction of the time.
    """
    with conn.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s"
            " AND attnum > 0 AND NOT attisdropped",
            (table, column),
        )
        return cur.fetchone() is not None


def lz4_available(conn: Conn) -> bool:
    """Whether the server can compress new values with lz4 (PostgreSQL >= 14 built with it)."""
    if conn.info.server_version < 140000:
        return False
    with conn.cursor() as cur:
        cur.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cur.fetchone()
    return bool(row and row[0])


def installed_modules(conn: Conn) -> frozenset[str]:
    """Modules a registry would load: installed, to upgrade, to remove."""
    with conn.cursor() as cur:
        cur.execute("SELECT name FROM ir_module_module WHERE state = ANY(%s)", (list(INSTALLED_STATES),))
        return frozenset(str(name) for (name,) in cur.fetchall())


def read_ir_assets(conn: Conn) -> list[dict[str, object]]:
    """Every ir_asset row (inactive and website-specific included), in (sequence, id) order;
    none before 15.0, which has no such table."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('ir_asset') IS NOT NULL")
        row = cur.fetchone()
        if not row or not row[0]:
            return []
    website_cols = has_column(conn, "ir_asset", "website_id")
    extra = ", website_id, key" if website_cols else ", NULL AS website_id, NULL AS key"
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(
            "SELECT id, name, bundle, directive, path, target, active, sequence"
            f"{extra} FROM ir_asset ORDER BY sequence, id"
        )
        return list(cur.fetchall())


def read_websites(conn: Conn) -> list[Website]:
    """Websites in model order (sequence, id); empty when the website module is absent."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('website') IS NOT NULL")
        row = cur.fetchone()
        if not row or not row[0]:
            return []
        cur.execute(
            "SELECT w.id, w.name, w.domain, m.name FROM website w"
            " LEFT JOIN ir_module_module m ON m.id = w.theme_id ORDER BY w.sequence, w.id"
        )
        return [Website(i, n, d or None, t or None) for i, n, d, t in cur.fetchall()]


def _xmlid_res_id(conn: Conn, module: str, name: str) -> int | None:
    with conn.cursor() as cur:
        cur.execute("SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s", (module, name))
        row = cur.fetchone()
        return int(row[0]) if row else None


def theme_modules(conn: Conn) -> frozenset[str]:
    """Theme modules as the website module defines them (spec §1.8)."""
    theme_category = _xmlid_res_id(conn, *THEME_CATEGORY)
    if theme_category is None:
        return frozenset()
    hidden = [c for c in (_xmlid_res_id(conn, *x) for x in HIDDEN_CATEGORIES) if c is not None]
    with conn.cursor() as cur:
        cur.execute(
            "SELECT m.name FROM ir_module_module m"
            " JOIN ir_module_category c ON c.id = m.category_id"
            " WHERE m.state != 'uninstallable'"
            " AND (c.id = %s OR c.parent_id = %s) AND NOT (c.id = ANY(%s))",
            (theme_category, theme_category, hidden),
        )
        return frozenset(str(name) for (name,) in cur.fetchall())


def find_stored_file(conn: Conn, url: str, website_id: int | None) -> StoredFile | None:
    """The attachment Odoo would serve for an attachment-URL bundle entry (spec §2.1)."""
    website_cols = has_column(conn, "ir_attachment", "website_id")
    query = (
        "SELECT id, url, db_datas, store_fname, write_date FROM ir_attachment"
        " WHERE type = 'binary' AND url = %s AND res_field IS NULL"
    )
    params: list[object] = [url]
    if website_cols:
        if website_id:
            query += " AND (website_id IS NULL OR website_id = %s)"
            params.append(website_id)
        query += " ORDER BY website_id, id DESC LIMIT 1"
    else:
        query += " ORDER BY id DESC LIMIT 1"
    with conn.cursor() as cur:
        cur.execute(query, params)
        row = cur.fetchone()
    if row is None:
        return None
    att_id, att_url, db_datas, store_fname, write_date = row
    return StoredFile(
        id=att_id,
        url=att_url,
        db_datas=bytes(db_datas) if db_datas is not None else None,
        store_fname=store_fname,
        write_date=write_date,
    )
