"""One Odoo database seen through its server's configuration, and the bundle variants in it."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from odoo_assets.addons import AddonIndex, addons_search_path, installed_addons, server_wide_modules
from odoo_assets.config import Settings
from odoo_assets.errors import AddonsPathError, ConfigError
from odoo_assets.installation import (
    DatabaseFacts,
    Installation,
    Progress,
    Variant,
    current_version,
    entries_of_type,
    group_by_bundle,
    map_url,
    variant_url,
)
from odoo_assets.resolution import AssetWarning, IrAssetRow
from odoo_assets.series import profile_for, supported_series
from odoo_assets.storage import attachments as att
from odoo_assets.storage import database
from odoo_assets.storage.blobstores import BlobStores, open_blob_stores
from odoo_assets.storage.database import OdooDatabase, StoredFile
from odoo_assets.storage.filestore import BlobStatus, Filestore
from odoo_assets.storage.server_env import ServerEnvironment, load_server_environment

__all__ = [
    "DatabaseFacts",
    "Progress",
    "Variant",
    "Workspace",
    "addons_path_error",
    "blob_ok",
    "current_version",
    "entries_of_type",
    "list_databases",
    "log_removal",
    "map_url",
    "open_workspace",
    "read_facts",
    "report_warnings",
    "row_status",
    "variant_url",
]

log = logging.getLogger("odoo_assets")


# --- Workspace ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Workspace(Installation):
    """One Odoo database, its server's addons and filestore, and caches for one run."""

    db: OdooDatabase
    filestore: Filestore
    location: str
    blobs: BlobStores  # where each blob lives: filestore, db_datas, object storage
    missing_modules: tuple[str, ...] = ()  # installed, but not on the addons path
    _lz4: bool | None = None
    _blob_status: dict[tuple[str, str | None], BlobStatus] = field(default_factory=dict)
    _stored: dict[tuple[str, int | None], StoredFile | None] = field(default_factory=dict)
    _defaults: tuple[int | None, bool] | None = None

    def attachment_defaults(self) -> tuple[int | None, bool]:
        """company_id of new rows, and whether ir_attachment has website columns (read once)."""
        if self._defaults is None:
            conn = self.db.conn
            self._defaults = (
                att.company_of_superuser(conn),
                database.has_column(conn, "ir_attachment", "website_id"),
            )
        return self._defaults

    @property
    def lz4(self) -> bool:
        """Whether the server can compress the rows' index_content with lz4 (asked once)."""
        if self._lz4 is None:
            self._lz4 = database.lz4_available(self.db.conn)
        return self._lz4

    def blob_status(self, store_fname: str, checksum: str | None, *, fresh: bool = False) -> BlobStatus:
        """The status of the blob a store_fname names (filestore or object storage), hashing
        each blob once per run (the website variants of a bundle share theirs) unless
        `fresh`; blobs this run writes are forgotten."""
        key = (store_fname, checksum)
        if fresh or key not in self._blob_status:
            self._blob_status[key] = self.blobs.status(store_fname, checksum)
        return self._blob_status[key]

    def forget_blob(self, store_fname: str) -> None:
        for key in [key for key in self._blob_status if key[0] == store_fname]:
            del self._blob_status[key]

    @property
    def blob_store(self) -> BlobStores:
        return self.blobs

    def stored_file(self, url: str, website_id: int | None) -> StoredFile | None:
        key = (url, website_id)
        if key not in self._stored:
            self._stored[key] = database.find_stored_file(self.db.conn, url, website_id)
        return self._stored[key]


def _ir_asset_rows(raw: list[dict[str, Any]]) -> dict[str, tuple[IrAssetRow, ...]]:
    return group_by_bundle(IrAssetRow.from_values(row["id"], row) for row in raw)


def read_facts(db: OdooDatabase, settings: Settings, index: AddonIndex) -> DatabaseFacts:
    """Installed modules, ir.asset rows, websites and themes, as the database holds them."""
    conn = db.conn
    db_installed = database.installed_modules(conn)
    website_installed = "website" in db_installed
    return DatabaseFacts(
        series=db.series,
        installed=installed_addons(db_installed, settings.server_wide_modules, index),
        ir_assets=_ir_asset_rows(database.read_ir_assets(conn)),
        websites=tuple(database.read_websites(conn)) if website_installed else (),
        themes=database.theme_modules(conn) if website_installed else frozenset(),
        website_installed=website_installed,
        rtl_languages=database.rtl_languages(conn),
    )


def _server_environment(settings: Settings, index: AddonIndex) -> ServerEnvironment:
    manifest = index.locate("server_environment_files")
    return load_server_environment(
        config_file=settings.config_file,
        files_addon=manifest.parent if manifest else None,
        environ=os.environ,
    )


def missing_modules(index: AddonIndex, db_installed: Iterable[str], server_wide: Iterable[str]) -> list[str]:
    """Installed and server-wide modules that no addons path holds, sorted."""
    return sorted(name for name in {*db_installed, *server_wide} if index.locate(name) is None)


def addons_path_error(dbname: str, missing: Sequence[str], paths: Sequence[Path]) -> AddonsPathError:
    """One line: the first few modules not found, how many, and the addons path used."""
    shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
    count = f"{len(missing)} module{'s' if len(missing) > 1 else ''}"
    verb = "are" if len(missing) > 1 else "is"
    where = ", ".join(str(p) for p in paths) or "empty"
    return AddonsPathError(
        f"{shown} ({count}) {verb} installed in {dbname} but not on the addons path ({where});"
        " pass -c odoo.conf or --addons-path"
    )


@contextmanager
def open_workspace(settings: Settings, dbname: str, *, require_addons: bool = True) -> Iterator[Workspace]:
    """Open the database and read everything resolution needs, once.

    Every installed and server-wide module must be on the addons path, otherwise whatever is
    resolved differs from what the server serves: AddonsPathError, before anything else is
    read, unless `require_addons` is False (the workspace then lists what is missing).
    """
    with database.open_database(settings, dbname, supported_series()) as db:
        conn = db.conn
        paths = addons_search_path(settings.addons_paths, settings.data_dir, db.series)
        index = AddonIndex(paths)
        db_installed = database.installed_modules(conn)
        missing = missing_modules(index, db_installed, server_wide_modules(settings.server_wide_modules))
        # Repair-only series resolve nothing: their bundle rows are judged by themselves.
        if missing and require_addons and profile_for(db.series).buildable:
            conn.rollback()
            raise addons_path_error(dbname, missing, paths)
        filestore = Filestore(settings.filestore(dbname))
        location = att.storage_location(conn)
        blobs = open_blob_stores(
            conn,
            dbname=dbname,
            filestore=filestore,
            location=location,
            server_env=lambda: _server_environment(settings, index),
            environ=os.environ,
            open_side_connection=lambda: database.connect(settings, dbname),
        )
        ws = Workspace(
            settings=settings,
            db=db,
            addons=index,
            addons_paths=paths,
            facts=read_facts(db, settings, index),
            filestore=filestore,
            location=location,
            blobs=blobs,
            missing_modules=tuple(missing),
        )
        conn.rollback()
        try:
            yield ws
        finally:
            blobs.close()


def report_warnings(ws: Workspace, warnings: Iterable[AssetWarning]) -> None:
    """Log each warning once (stderr), its fields under `warning` for JSON log lines."""
    for warning in warnings:
        fields = {k: v for k, v in warning.to_dict().items() if k != "message"}
        log.warning(
            "%s",
            warning.message(),
            extra={"event": "warning", "database": ws.db.name, "bundle": fields["bundle"], "warning": fields},
        )


# --- Stored rows ------------------------------------------------------------------------------


def blob_ok(ws: Workspace, row: att.BundleAttachment, *, fresh: bool = False) -> bool:
    return row_status(ws, row, fresh=fresh) == "ok"


def row_status(ws: Workspace, row: att.BundleAttachment, *, fresh: bool = False) -> str:
    """ok, missing or corrupt: does the stored content (filestore, object storage or
    db_datas) still match the row's checksum?

    A blob is hashed once per run; `fresh` looks again (as under a lock, before deciding)."""
    if row.store_fname:
        return ws.blob_status(row.store_fname, row.checksum, fresh=fresh)
    return ws.blobs.database.status(row.id, row.checksum)


def log_removal(ws: Workspace, bundle: str, row: att.BundleAttachment, reason: str) -> None:
    parsed = ws.profile.parse_url(row.url or "")
    log.info(
        "removed (%s)",
        reason,
        extra={
            "event": "remove",
            "database": ws.db.name,
            "bundle": bundle,
            "website_id": parsed.website_id if parsed else None,
            "url": row.url,
            "attachment_id": row.id,
            "version": parsed.unique if parsed else None,
            "size": row.file_size,
        },
    )


# --- Fleets ------------------------------------------------------------------------------------


def list_databases(settings: Settings, db_filter: str | None = None) -> list[str]:
    """Databases of the server that accept connections, optionally filtered by a regex."""
    try:
        pattern = re.compile(db_filter) if db_filter else None
    except re.error as exc:
        raise ConfigError(f"invalid --db-filter {db_filter!r}: {exc}") from None
    with database.connect(settings, "postgres") as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate"
            " AND datname != 'postgres' ORDER BY datname"
        ).fetchall()
    return [name for (name,) in rows if pattern is None or pattern.search(name)]
