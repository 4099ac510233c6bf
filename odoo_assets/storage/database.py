"""The Odoo PostgreSQL database: connecting, recognising Odoo, and reading the models we use."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from odoo_assets.config import Settings
from odoo_assets.errors import DatabaseUnavailable, NotOdooDatabase

SUPPORTED_SERIES = ("16.0", "17.0", "18.0")


@dataclass
class OdooDatabase:
    """An open connection to an Odoo database of a known series."""

    name: str
    conn: psycopg.Connection[tuple[object, ...]]
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


def connect(settings: Settings, dbname: str) -> psycopg.Connection[tuple[object, ...]]:
    """Open a connection (autocommit off); the password never reaches the message."""
    try:
        return psycopg.connect(**settings.connection_kwargs(dbname), connect_timeout=10)
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


def detect_series(conn: psycopg.Connection[tuple[object, ...]], dbname: str) -> str:
    """The Odoo series of the database, from the installed version of the `base` module."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
        row = cur.fetchone()
        if not row or not row[0]:
            conn.rollback()
            raise NotOdooDatabase(f"database {dbname!r} is not an Odoo database (no ir_module_module)")
        cur.execute(
            "SELECT latest_version, state FROM ir_module_module WHERE name = 'base'"
        )
        row = cur.fetchone()
    conn.rollback()
    if not row:
        raise NotOdooDatabase(f"database {dbname!r} is not an Odoo database (no base module)")
    version, state = row
    series = series_from_version(str(version) if version else None)
    if state != "installed" and series is None:
        raise NotOdooDatabase(f"database {dbname!r}: module base is not installed")
    if series not in SUPPORTED_SERIES:
        supported = ", ".join(SUPPORTED_SERIES)
        raise NotOdooDatabase(
            f"database {dbname!r} is Odoo {series or version!s}, supported series: {supported}"
        )
    return series


def open_database(settings: Settings, dbname: str) -> OdooDatabase:
    """Connect and check that this is an Odoo database of a supported series."""
    conn = connect(settings, dbname)
    try:
        series = detect_series(conn, dbname)
    except BaseException:
        conn.close()
        raise
    return OdooDatabase(name=dbname, conn=conn, series=series)
