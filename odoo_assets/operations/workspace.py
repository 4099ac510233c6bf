"""One Odoo database seen through its server's configuration, and the bundle variants in it."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from odoo_assets import sources
from odoo_assets.addons import (
    AddonIndex,
    active_addons,
    addons_search_path,
    installed_addons,
    sort_addons,
)
from odoo_assets.compilation import CompileOptions, SourceAsset
from odoo_assets.config import Settings
from odoo_assets.errors import ConfigError, ResolutionError
from odoo_assets.globbing import Globber
from odoo_assets.resolution import (
    AttachmentAsset,
    BundleEntry,
    IrAssetRow,
    ResolutionContext,
    ResolvedBundle,
    known_bundles,
    resolve_bundle,
)
from odoo_assets.series import SeriesProfile, profile_for, supported_series
from odoo_assets.storage import attachments as att
from odoo_assets.storage import database
from odoo_assets.storage.blobstores import BlobStores, open_blob_stores
from odoo_assets.storage.database import OdooDatabase, StoredFile, Website
from odoo_assets.storage.filestore import BlobStatus, Filestore
from odoo_assets.storage.server_env import ServerEnvironment, load_server_environment
from odoo_assets.versions import (
    JS_EXTENSIONS,
    STYLESHEET_EXTENSIONS,
    TEMPLATE_EXTENSIONS,
    AssetType,
)

log = logging.getLogger("odoo_assets")


@dataclass(frozen=True)
class Progress:
    """Callbacks for long work; the default does nothing (cron, pipes, library use)."""

    start: Callable[[int], None] = lambda total: None
    advance: Callable[[str], None] = lambda item: None


# --- Workspace ---------------------------------------------------------------------------------


@dataclass
class Workspace:
    """One Odoo database, its server's addons and filestore, and caches for one run."""

    settings: Settings
    db: OdooDatabase
    addons: AddonIndex
    addons_paths: tuple[Path, ...]
    installed: frozenset[str]
    ir_assets: dict[str, tuple[IrAssetRow, ...]]
    websites: list[Website]
    themes: frozenset[str]
    website_installed: bool
    filestore: Filestore
    location: str
    blobs: BlobStores  # where each blob lives: filestore, db_datas, object storage
    _lz4: bool | None = None
    _blob_status: dict[tuple[str, str | None], BlobStatus] = field(default_factory=dict)
    _contexts: dict[int | None, ResolutionContext] = field(default_factory=dict)
    _resolved: dict[tuple[str, int | None], ResolvedBundle] = field(default_factory=dict)
    # Bundles resolved without looking up any attachment, by what their resolution depended on.
    _twins: dict[tuple[str, tuple[object, ...]], ResolvedBundle] = field(default_factory=dict)
    _lookups: dict[int | None, int] = field(default_factory=dict)
    _stored: dict[tuple[str, int | None], StoredFile | None] = field(default_factory=dict)
    _files: dict[str, SourceAsset] = field(default_factory=dict)
    _real_dirs: dict[str, str] = field(default_factory=dict)
    _globs: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    _globber: Globber = field(default_factory=Globber)
    _defaults: tuple[int | None, bool] | None = None
    css_error_fallback: bool = False

    @property
    def series(self) -> str:
        return self.db.series

    @property
    def profile(self) -> SeriesProfile:
        return profile_for(self.db.series)

    def website(self, website_id: int) -> Website:
        for website in self.websites:
            if website.id == website_id:
                return website
        known = ", ".join(str(w.id) for w in self.websites) or "none"
        raise ResolutionError(f"unknown website id {website_id} (websites: {known})")

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

    def stored_file(self, url: str, website_id: int | None) -> StoredFile | None:
        key = (url, website_id)
        if key not in self._stored:
            self._stored[key] = database.find_stored_file(self.db.conn, url, website_id)
        return self._stored[key]

    def context(self, website_id: int | None) -> ResolutionContext:
        if website_id not in self._contexts:
            self._contexts[website_id] = self._make_context(website_id)
        return self._contexts[website_id]

    def _make_context(self, website_id: int | None) -> ResolutionContext:
        active = active_addons(
            self.installed,
            theme_modules=self.themes if self.website_installed else (),
            website_theme=self.website(website_id).theme if website_id else None,
            website_id=website_id if self.website_installed else None,
        )
        order = sort_addons(self.addons, active)

        def lookup(url: str) -> AttachmentAsset | None:
            self._lookups[website_id] = self._lookups.get(website_id, 0) + 1
            stored = self.stored_file(url, website_id)
            if stored is None:
                return None
            # Content is read later by the sources stage; resolution only needs the date.
            return AttachmentAsset(url=url, content=b"", last_modified=stored.last_modified)

        return ResolutionContext(
            addons=self.addons,
            installed=self.installed,
            addon_order=order,
            ir_assets=self.ir_assets,
            website_installed=self.website_installed,
            website_id=website_id if self.website_installed else None,
            attachment_lookup=lookup,
            glob_cache=self._globs,
            globber=self._globber,
        )

    def resolve(self, bundle: str, website_id: int | None) -> ResolvedBundle:
        key = (bundle, website_id)
        if key not in self._resolved:
            twin_key = (bundle, self._resolution_inputs(website_id))
            twin = self._twins.get(twin_key)
            if twin is not None:
                self._resolved[key] = replace(twin, website_id=twin.website_id and website_id)
            else:
                lookups = self._lookups.get(website_id, 0)
                self._resolved[key] = resolve_bundle(self.context(website_id), bundle)
                if self._lookups.get(website_id, 0) == lookups:
                    self._twins[twin_key] = self._resolved[key]
        return self._resolved[key]

    def _resolution_inputs(self, website_id: int | None) -> tuple[object, ...]:
        """What a website changes in resolution: its theme and its own ir.asset rows.

        Websites alike in both resolve every bundle alike, unless an attachment is looked up
        (attachments may be per website): such bundles are resolved for each website.
        """
        if not website_id or not self.website_installed:
            return ("no website",)
        own = sorted(r.id for rows in self.ir_assets.values() for r in rows if r.website_id == website_id)
        return ("website", self.website(website_id).theme, tuple(own))

    def known_bundles(self) -> list[str]:
        return known_bundles(self.context(None))

    def compile_options(self) -> CompileOptions:
        web = self.addons.get("web")
        base = self.addons.get("base")
        return CompileOptions(
            scripts=self.profile.scripts,
            styles=self.profile.styles,
            bootstrap_scss_dir=web.path / "static" / "lib" / "bootstrap" / "scss" if web else None,
            rtlcss_config=base.path / "data" / "rtlcss.json" if base else None,
            rtlcss_command=self.settings.rtlcss,
            lessc_command=self.settings.lessc,
            css_error_fallback=self.css_error_fallback,
            import_roots=self.import_roots(),
        )

    def import_roots(self) -> tuple[str, ...]:
        """Where the server's file lookups search: the addons paths, then Odoo's own directory
        (the parent of the `odoo/addons` directory that holds `base`)."""
        roots = [str(path) for path in self.addons_paths]
        base = self.addons.get("base")
        if base and base.path.parent.name == "addons":
            roots.append(str(base.path.parent.parent))
        return tuple(roots)

    def load_sources(self, entries: Sequence[BundleEntry], website_id: int | None) -> list[SourceAsset]:
        return sources.load_sources(
            entries,
            addons_paths=self.addons_paths,
            lookup=lambda url: self.stored_file(url, website_id),
            blobs=self.blobs,
            file_cache=self._files,
            real_dirs=self._real_dirs,
        )


def _ir_asset_rows(raw: list[dict[str, Any]]) -> dict[str, tuple[IrAssetRow, ...]]:
    grouped: dict[str, list[IrAssetRow]] = {}
    for row in raw:
        grouped.setdefault(row["bundle"], []).append(
            IrAssetRow(
                id=row["id"],
                name=row["name"],
                bundle=row["bundle"],
                directive=row["directive"],
                path=row["path"],
                target=row["target"],
                active=bool(row["active"]),
                sequence=row["sequence"],
                website_id=row["website_id"],
                key=row["key"],
            )
        )
    return {bundle: tuple(rows) for bundle, rows in grouped.items()}


def _server_environment(settings: Settings, index: AddonIndex) -> ServerEnvironment:
    manifest = index.locate("server_environment_files")
    return load_server_environment(
        config_file=settings.config_file,
        files_addon=manifest.parent if manifest else None,
        environ=os.environ,
    )


@contextmanager
def open_workspace(settings: Settings, dbname: str) -> Iterator[Workspace]:
    """Open the database and read everything resolution needs, once."""
    with database.open_database(settings, dbname, supported_series()) as db:
        conn = db.conn
        paths = addons_search_path(settings.addons_paths, settings.data_dir, db.series)
        db_installed = database.installed_modules(conn)
        website_installed = "website" in db_installed
        index = AddonIndex(paths)
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
            installed=installed_addons(db_installed, settings.server_wide_modules, index),
            ir_assets=_ir_asset_rows(database.read_ir_assets(conn)),
            websites=database.read_websites(conn) if website_installed else [],
            themes=database.theme_modules(conn) if website_installed else frozenset(),
            website_installed=website_installed,
            filestore=filestore,
            location=location,
            blobs=blobs,
        )
        conn.rollback()
        try:
            yield ws
        finally:
            blobs.close()


# --- Variants, versions and URLs ---------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One stored form of a bundle: type, website, direction, debug."""

    bundle: str
    asset_type: AssetType
    website_id: int | None = None
    rtl: bool = False
    debug: bool = False

    @property
    def ext(self) -> str:
        return self.asset_type if self.debug else f"min.{self.asset_type}"

    def label(self) -> str:
        parts = [f"{self.bundle}.{self.ext}"]
        if self.rtl:
            parts.append("rtl")
        if self.website_id:
            parts.append(f"website {self.website_id}")
        return " ".join(parts)


def entries_of_type(resolved: ResolvedBundle, asset_type: AssetType) -> list[BundleEntry]:
    wanted = JS_EXTENSIONS + TEMPLATE_EXTENSIONS if asset_type == "js" else STYLESHEET_EXTENSIONS
    return [entry for entry in resolved.entries if entry.extension in wanted]


def variant_url(ws: Workspace, variant: Variant, unique: str, ext: str | None = None) -> str:
    return ws.profile.urls.build(
        variant.bundle,
        unique,
        ext or variant.ext,
        website_id=variant.website_id,
        rtl=variant.rtl and variant.asset_type == "css",
    )


def current_version(ws: Workspace, variant: Variant) -> str:
    resolved = ws.resolve(variant.bundle, variant.website_id)
    return ws.profile.version(resolved.entries, variant.asset_type, variant.rtl)


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
