"""The library behind the commands: build, list, purge, regenerate, check and inspect bundles.

Everything a command does is a function here taking a Workspace (one open Odoo database seen
through its server's configuration) and a request, and returning a result record.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from odoo_assets import sources
from odoo_assets.addons import (
    AddonIndex,
    active_addons,
    addons_search_path,
    installed_addons,
    sort_addons,
)
from odoo_assets.compilation import CompiledFile, CompileOptions, SourceAsset, compile_css, compile_js
from odoo_assets.compilation.cache import CompileCache, compilation_key
from odoo_assets.config import Settings
from odoo_assets.errors import CompilationError, ConfigError, OdooAssetsError, ResolutionError
from odoo_assets.resolution import (
    AttachmentAsset,
    BundleEntry,
    IrAssetRow,
    ResolutionContext,
    ResolvedBundle,
    known_bundles,
    resolve_bundle,
)
from odoo_assets.storage import attachments as att
from odoo_assets.storage import database
from odoo_assets.storage.database import OdooDatabase, StoredFile, Website
from odoo_assets.storage.filestore import Filestore
from odoo_assets.versions import attachment_url, bundle_version

log = logging.getLogger("odoo_assets")

AssetType = Literal["js", "css"]
ANY_UNIQUE = "_______"
JS_EXTENSIONS = ("js", "xml")
CSS_EXTENSIONS = ("css", "scss", "sass", "less")

# What Odoo 17 pages load (t-call-assets in web and website templates), per asset type.
BACKEND_TARGETS: tuple[tuple[str, AssetType], ...] = (
    ("web.assets_web", "js"),
    ("web.assets_web", "css"),
)
FRONTEND_TARGETS: tuple[tuple[str, AssetType], ...] = (
    ("web.assets_frontend", "css"),
    ("web.assets_frontend_minimal", "js"),
    ("web.assets_frontend_lazy", "js"),
)


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
    _contexts: dict[int | None, ResolutionContext] = field(default_factory=dict)
    _resolved: dict[tuple[str, int | None], ResolvedBundle] = field(default_factory=dict)
    _stored: dict[tuple[str, int | None], StoredFile | None] = field(default_factory=dict)
    _files: dict[str, SourceAsset] = field(default_factory=dict)
    _defaults: tuple[int | None, bool] | None = None
    css_error_fallback: bool = False

    @property
    def series(self) -> str:
        return self.db.series

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
        )

    def resolve(self, bundle: str, website_id: int | None) -> ResolvedBundle:
        key = (bundle, website_id)
        if key not in self._resolved:
            self._resolved[key] = resolve_bundle(self.context(website_id), bundle)
        return self._resolved[key]

    def known_bundles(self) -> list[str]:
        return known_bundles(self.context(None))

    def compile_options(self) -> CompileOptions:
        web = self.addons.get("web")
        base = self.addons.get("base")
        return CompileOptions(
            series=self.series,
            bootstrap_scss_dir=web.path / "static" / "lib" / "bootstrap" / "scss" if web else None,
            rtlcss_config=base.path / "data" / "rtlcss.json" if base else None,
            css_error_fallback=self.css_error_fallback,
        )

    def load_sources(self, entries: Sequence[BundleEntry], website_id: int | None) -> list[SourceAsset]:
        return sources.load_sources(
            entries,
            addons_paths=self.addons_paths,
            lookup=lambda url: self.stored_file(url, website_id),
            filestore=self.filestore,
            file_cache=self._files,
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


@contextmanager
def open_workspace(settings: Settings, dbname: str) -> Iterator[Workspace]:
    """Open the database and read everything resolution needs, once."""
    with database.open_database(settings, dbname) as db:
        conn = db.conn
        paths = addons_search_path(settings.addons_paths, settings.data_dir, db.series)
        db_installed = database.installed_modules(conn)
        website_installed = "website" in db_installed
        index = AddonIndex(paths)
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
            filestore=Filestore(settings.filestore(dbname)),
            location=att.storage_location(conn),
        )
        conn.rollback()
        yield ws


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
    wanted = JS_EXTENSIONS if asset_type == "js" else CSS_EXTENSIONS
    return [entry for entry in resolved.entries if entry.extension in wanted]


def variant_url(variant: Variant, unique: str, ext: str | None = None) -> str:
    return attachment_url(
        variant.bundle,
        unique,
        ext or variant.ext,
        website_id=variant.website_id,
        rtl=variant.rtl and variant.asset_type == "css",
    )


def current_version(ws: Workspace, variant: Variant) -> str:
    resolved = ws.resolve(variant.bundle, variant.website_id)
    return bundle_version(resolved.entries, variant.asset_type, variant.rtl)


# --- Build -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildRequest:
    bundles: tuple[str, ...] = ()
    all_bundles: bool = False
    websites: tuple[int, ...] = ()
    all_websites: bool = False
    rtl: bool = False
    debug: bool = False
    force: bool = False
    dry_run: bool = False
    css_error_fallback: bool = False


@dataclass
class Outcome:
    """What happened to one variant."""

    bundle: str
    ext: str
    website_id: int | None
    rtl: bool
    status: str  # built, skipped, would-build, empty, failed, removed, would-remove
    url: str | None = None
    version: str | None = None
    size: int | None = None
    attachment_ids: list[int] = field(default_factory=list)
    shared: bool = False
    error: str | None = None


@dataclass
class BuildResult:
    database: str
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def to_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return {
            "database": self.database,
            "dry_run": self.dry_run,
            "summary": counts,
            "bundles": [asdict(o) for o in self.outcomes],
        }


def _website_scopes(ws: Workspace, request: BuildRequest, frontend: bool) -> list[int | None]:
    if request.websites:
        for website_id in request.websites:
            ws.website(website_id)
        return list(request.websites)
    all_ids: list[int | None] = [w.id for w in ws.websites]
    if request.all_websites:
        return [None, *all_ids]
    if frontend and ws.website_installed and all_ids:
        return all_ids
    return [None]


def plan_variants(ws: Workspace, request: BuildRequest) -> list[Variant]:
    """Every variant the request asks for, in a stable order."""
    if request.bundles or request.all_bundles:
        if request.all_bundles:
            names = [b for b in ws.known_bundles() if not b.rsplit(".", 1)[-1].startswith("_")]
        else:
            names = list(request.bundles)
            known = ws.known_bundles()
            for name in names:
                if name not in known:
                    ws.resolve(name, None)  # raises the "unknown bundle" error with suggestions
        frontend_names = {b for b, _ in FRONTEND_TARGETS}
        targets: list[tuple[str, AssetType, bool]] = [
            (name, t, name in frontend_names) for name in names for t in ("js", "css")
        ]
    else:
        defined = set(ws.known_bundles())
        targets = [(b, t, False) for b, t in BACKEND_TARGETS if b in defined]
        targets += [(b, t, True) for b, t in FRONTEND_TARGETS if b in defined]
    variants = []
    for name, asset_type, frontend in targets:
        for website_id in _website_scopes(ws, request, frontend):
            directions = [False, True] if request.rtl and asset_type == "css" else [False]
            for rtl in directions:
                variants.append(Variant(name, asset_type, website_id, rtl))
                if request.debug:
                    variants.append(Variant(name, asset_type, website_id, rtl, debug=True))
    return variants


def _blob_ok(ws: Workspace, row: att.BundleAttachment) -> bool:
    return row_status(ws, row) == "ok"


def row_status(ws: Workspace, row: att.BundleAttachment) -> str:
    """ok, missing or corrupt: does the stored content still match the row's checksum?"""
    if row.store_fname:
        return ws.filestore.blob_status(row.store_fname, row.checksum)
    content = att.read_db_datas(ws.db.conn, row.id)
    if content is None:
        return "missing"
    return "ok" if hashlib.sha1(content).hexdigest() == row.checksum else "corrupt"


def _map_url(variant: Variant, unique: str) -> str | None:
    return variant_url(variant, unique, f"{variant.asset_type}.map") if variant.debug else None


@dataclass(frozen=True)
class CompileJob:
    """Everything one compilation needs; picklable, so it can run in another process."""

    bundle: str
    asset_type: AssetType
    assets: tuple[SourceAsset, ...]
    options: CompileOptions
    rtl: bool = False
    debug: bool = False
    map_url: str | None = None
    previous_css: str | None = None  # the last good CSS, for the error fallback

    def key(self) -> str:
        extra = () if self.previous_css is None else (SourceAsset("<previous>", self.previous_css),)
        return compilation_key(
            self.bundle,
            self.asset_type,
            (*self.assets, *extra),
            self.options,
            rtl=self.rtl,
            debug=self.debug,
            map_url=self.map_url,
        )

    def run(self) -> tuple[CompiledFile, ...]:
        if self.asset_type == "js":
            return compile_js(self.bundle, self.assets, self.options, debug=self.debug, map_url=self.map_url)
        return compile_css(
            self.bundle,
            self.assets,
            self.options,
            rtl=self.rtl,
            debug=self.debug,
            map_url=self.map_url,
            previous_css=self.previous_css,
        )


def run_job(job: CompileJob) -> tuple[CompiledFile, ...] | CompilationError:
    """Compile, returning the error instead of raising it (pool-friendly)."""
    try:
        return job.run()
    except CompilationError as exc:
        return exc


Output = tuple[CompiledFile, ...] | CompilationError


@dataclass
class Compiler:
    """Runs compile jobs: from the cache when it can, on several processes when asked.

    Jobs are submitted while the run is still preparing the next variants, so reading and
    resolving overlap with compiling.
    """

    workers: int = 1
    cache: CompileCache | None = None
    ran: list[str] = field(default_factory=list)  # keys of the jobs that really ran a compiler
    last_results: dict[str, Output] = field(default_factory=dict)
    last_jobs: dict[str, CompileJob] = field(default_factory=dict)

    @property
    def compiled(self) -> int:
        return len(self.ran)

    @contextmanager
    def session(self) -> Iterator[CompileSession]:
        parallel = self.workers > 1 and threading.active_count() == 1
        pool = (
            ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"))
            if parallel
            else None
        )
        try:
            yield CompileSession(self, pool)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    def run(self, jobs: dict[str, CompileJob]) -> dict[str, Output]:
        with self.session() as session:
            for key, job in jobs.items():
                session.submit(key, job)
            return session.results()


@dataclass
class CompileSession:
    compiler: Compiler
    pool: ProcessPoolExecutor | None
    jobs: dict[str, CompileJob] = field(default_factory=dict)
    done: dict[str, Output] = field(default_factory=dict)
    futures: dict[str, Future[Output]] = field(default_factory=dict)

    def submit(self, key: str, job: CompileJob) -> None:
        if key in self.jobs:
            return
        self.jobs[key] = job
        cache = self.compiler.cache
        cached = cache.get(key) if cache else None
        if cached is not None:
            self.done[key] = cached
        elif self.pool is not None:
            self.futures[key] = self.pool.submit(run_job, job)

    def results(self) -> dict[str, Output]:
        for key, job in self.jobs.items():
            if key in self.done:
                continue
            output = self.futures[key].result() if key in self.futures else run_job(job)
            self.done[key] = output
            self.compiler.ran.append(key)
            if self.compiler.cache is not None and not isinstance(output, CompilationError):
                self.compiler.cache.put(key, output)
        self.compiler.last_results = dict(self.done)
        self.compiler.last_jobs = dict(self.jobs)
        return self.done


def _existing_intact(ws: Workspace, url: str) -> att.BundleAttachment | None:
    rows = att.find_bundle_attachments(ws.db.conn, url)
    intact = [row for row in rows if _blob_ok(ws, row)]
    return intact[0] if intact else None


@dataclass
class _Planned:
    variant: Variant
    outcome: Outcome
    unique: str = ""
    key: str | None = None


def _prepare(ws: Workspace, variant: Variant, force: bool, jobs: dict[str, CompileJob]) -> _Planned:
    """Resolve, version and check one variant; register its compile job when it needs one."""
    planned = _Planned(
        variant, Outcome(variant.bundle, variant.ext, variant.website_id, variant.rtl, "empty")
    )
    resolved = ws.resolve(variant.bundle, variant.website_id)
    entries = entries_of_type(resolved, variant.asset_type)
    if not entries:
        return planned
    planned.unique = bundle_version(resolved.entries, variant.asset_type, variant.rtl)
    outcome = planned.outcome
    outcome.url, outcome.version = variant_url(variant, planned.unique), planned.unique
    if not force:
        existing = _existing_intact(ws, outcome.url)
        ws.db.conn.rollback()
        if existing:
            outcome.status, outcome.size = "skipped", existing.file_size
            outcome.attachment_ids = [existing.id]
            return planned
    job = CompileJob(
        variant.bundle,
        variant.asset_type,
        tuple(ws.load_sources(entries, variant.website_id)),
        ws.compile_options(),
        rtl=variant.rtl,
        debug=variant.debug,
        map_url=_map_url(variant, planned.unique),
        previous_css=_previous_css(ws, variant) if ws.css_error_fallback else None,
    )
    planned.key = job.key()
    outcome.shared = planned.key in jobs
    jobs.setdefault(planned.key, job)
    return planned


def _previous_css(ws: Workspace, variant: Variant) -> str | None:
    """The newest stored CSS of this variant, whatever its version (Odoo's error fallback)."""
    if variant.asset_type != "css":
        return None
    rows = att.find_bundle_attachments(ws.db.conn, variant_url(variant, ANY_UNIQUE))
    ws.db.conn.rollback()
    if not rows:
        return None
    row = max(rows, key=lambda r: r.id)
    try:
        if row.store_fname:
            data = ws.filestore.read_blob(row.store_fname)
        else:
            data = att.read_db_datas(ws.db.conn, row.id) or b""
            ws.db.conn.rollback()
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


WRITABLE_SERIES = ("17.0",)


def ensure_writable(ws: Workspace) -> None:
    """Only write what the server will serve unchanged: 16.0 and 18.0 differ in URLs,
    versions or template registration, which are not implemented for writing yet."""
    if ws.series not in WRITABLE_SERIES:
        raise OdooAssetsError(
            f"database {ws.db.name!r} is Odoo {ws.series}: building bundles is supported for"
            f" {', '.join(WRITABLE_SERIES)} only (inspect, list, check and purge work)"
        )


def run_variants(
    ws: Workspace,
    variants: Sequence[Variant],
    *,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    compiler: Compiler | None = None,
) -> list[Outcome]:
    """Prepare every variant, compile what is needed (once per distinct input), then store
    in plan order, one transaction per variant. A failing variant does not stop the others."""
    ensure_writable(ws)
    progress = progress or Progress()
    compiler = compiler or Compiler()
    progress.start(2 * len(variants))
    jobs: dict[str, CompileJob] = {}
    planned: list[_Planned] = []
    with compiler.session() as session:
        for variant in variants:
            try:
                item = _prepare(ws, variant, force, jobs)
                if item.key is not None:
                    session.submit(item.key, jobs[item.key])
                planned.append(item)
            except OdooAssetsError as exc:
                ws.db.conn.rollback()
                planned.append(_Planned(variant, _failed(variant, exc)))
            progress.advance(variant.label())
        compiled = session.results()
    for item in planned:
        if item.key is not None:
            output = compiled[item.key]
            if isinstance(output, CompilationError):
                item.outcome = _failed(item.variant, output)
            else:
                item.outcome.size = len(output[0].content.encode("utf-8"))
                if dry_run:
                    item.outcome.status = "would-build"
                else:
                    try:
                        item.outcome.attachment_ids = _store(
                            ws, item.variant, item.unique, output, force=force
                        )
                        item.outcome.status = "built"
                    except OdooAssetsError as exc:
                        item.outcome = _failed(item.variant, exc)
        progress.advance(item.variant.label())
    return [item.outcome for item in planned]


def _failed(variant: Variant, exc: Exception) -> Outcome:
    log.error("%s: %s", variant.label(), exc)
    return Outcome(variant.bundle, variant.ext, variant.website_id, variant.rtl, "failed", error=str(exc))


def _store(
    ws: Workspace, variant: Variant, unique: str, files: Sequence[CompiledFile], *, force: bool
) -> list[int]:
    """Write blobs and rows, clean older versions and signal workers: one transaction."""
    conn = ws.db.conn
    ids: list[int] = []
    company_id, website_column = ws.attachment_defaults()
    try:
        primary_url = variant_url(variant, unique)
        att.bundle_lock(conn, primary_url)
        # Another run may have stored it while we compiled.
        if not force and _existing_intact(ws, primary_url):
            conn.rollback()
            return []
        for compiled in files:
            url = variant_url(variant, unique, compiled.ext)
            row = att.insert_bundle_attachment(
                conn,
                ws.filestore,
                name=f"{variant.bundle}.{compiled.ext}",
                url=url,
                content=compiled.content.encode("utf-8"),
                mimetype=compiled.mimetype,
                location=ws.location,
                company_id=company_id,
                website_column=website_column,
            )
            ids.append(row.id)
            log.info(
                "stored",
                extra={
                    "event": "write",
                    "database": ws.db.name,
                    "bundle": variant.bundle,
                    "url": url,
                    "attachment_id": row.id,
                    "version": unique,
                    "size": row.file_size,
                },
            )
            pattern = variant_url(variant, ANY_UNIQUE, compiled.ext)
            for old in att.clean_other_versions(conn, ws.filestore, pattern, keep_url=url, keep_id=row.id):
                _log_removal(ws, variant.bundle, old, "older version")
        att.signal_assets_changed(conn, ws.series)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return ids


def _log_removal(ws: Workspace, bundle: str, row: att.BundleAttachment, reason: str) -> None:
    parsed = att.parse_bundle_url(row.url or "")
    log.info(
        "removed (%s)",
        reason,
        extra={
            "event": "remove",
            "database": ws.db.name,
            "bundle": bundle,
            "url": row.url,
            "attachment_id": row.id,
            "version": parsed.unique if parsed else None,
            "size": row.file_size,
        },
    )


def build(
    ws: Workspace,
    request: BuildRequest,
    progress: Progress | None = None,
    compiler: Compiler | None = None,
) -> BuildResult:
    """Build every variant the request names; a failing bundle does not stop the others."""
    ws.css_error_fallback = request.css_error_fallback
    result = BuildResult(database=ws.db.name, dry_run=request.dry_run)
    result.outcomes = run_variants(
        ws,
        plan_variants(ws, request),
        force=request.force,
        dry_run=request.dry_run,
        progress=progress,
        compiler=compiler,
    )
    return result


# --- List --------------------------------------------------------------------------------------


@dataclass
class StoredBundle:
    """A bundle attachment row as `bundle list` shows it."""

    id: int
    bundle: str
    ext: str
    website_id: int | None
    rtl: bool
    version: str
    url: str
    size: int | None
    blob: str  # ok, missing, corrupt
    current: bool | None  # None: the bundle no longer resolves
    row: att.BundleAttachment

    def variant(self) -> Variant:
        debug = not self.ext.startswith("min.")
        asset_type: AssetType = (
            "js" if self.ext.split(".")[-1 if not self.ext.endswith("map") else -2] == "js" else "css"
        )
        return Variant(self.bundle, asset_type, self.website_id, self.rtl, debug)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("row")
        return data


def _is_current(ws: Workspace, variant: Variant, version: str) -> bool | None:
    try:
        return current_version(ws, variant) == version
    except OdooAssetsError:
        return None


def list_bundles(ws: Workspace, website_id: int | None = None) -> list[StoredBundle]:
    """Every bundle attachment (Odoo's own definition), with blob status and currency."""
    stored = []
    for row in att.list_bundle_attachments(ws.db.conn):
        parsed = att.parse_bundle_url(row.url or "")
        if parsed is None:
            continue
        if website_id is not None and parsed.website_id != website_id:
            continue
        item = StoredBundle(
            id=row.id,
            bundle=parsed.bundle,
            ext=parsed.ext,
            website_id=parsed.website_id,
            rtl=parsed.rtl,
            version=parsed.unique,
            url=row.url or "",
            size=row.file_size,
            blob=row_status(ws, row),
            current=None,
            row=row,
        )
        item.current = _is_current(ws, item.variant(), parsed.unique)
        stored.append(item)
    ws.db.conn.rollback()
    return stored


# --- Purge -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeRequest:
    bundles: tuple[str, ...] = ()
    stale: bool = False
    all_rows: bool = False
    keep: int | None = None
    website_id: int | None = None
    dry_run: bool = False


@dataclass
class PurgeResult:
    database: str
    dry_run: bool
    removed: list[StoredBundle] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "dry_run": self.dry_run,
            "removed": [r.to_dict() for r in self.removed],
            "bytes": sum(r.size or 0 for r in self.removed),
        }


def select_for_purge(rows: Sequence[StoredBundle], request: PurgeRequest) -> list[StoredBundle]:
    chosen = [r for r in rows if not request.bundles or r.bundle in request.bundles]
    if request.keep is not None:
        groups: dict[str, list[StoredBundle]] = {}
        for row in chosen:
            groups.setdefault(att.any_version_pattern(row.url), []).append(row)
        chosen = [
            row
            for group in groups.values()
            for row in sorted(group, key=lambda r: r.id, reverse=True)[request.keep :]
        ]
    if request.stale:
        chosen = [r for r in chosen if r.current is False]
    return chosen


def purge(ws: Workspace, request: PurgeRequest) -> PurgeResult:
    """Remove bundle rows; blobs go to the checklist, never deleted while referenced."""
    rows = list_bundles(ws, website_id=request.website_id)
    chosen = select_for_purge(rows, request)
    result = PurgeResult(database=ws.db.name, dry_run=request.dry_run, removed=chosen)
    if request.dry_run or not chosen:
        return result
    remove_rows(ws, chosen, reason="purge")
    return result


def remove_rows(ws: Workspace, rows: Sequence[StoredBundle], reason: str) -> None:
    conn = ws.db.conn
    try:
        deleted = att.delete_attachments(conn, ws.filestore, [r.id for r in rows])
        by_id = {r.id: r for r in rows}
        for row in deleted:
            _log_removal(ws, by_id[row.id].bundle if row.id in by_id else "?", row, reason)
        att.signal_assets_changed(conn, ws.series)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


# --- Regenerate --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegenerateRequest:
    bundles: tuple[str, ...] = ()
    missing_only: bool = False
    websites: tuple[int, ...] = ()
    dry_run: bool = False


def regenerate(
    ws: Workspace,
    request: RegenerateRequest,
    progress: Progress | None = None,
    compiler: Compiler | None = None,
) -> BuildResult:
    """Remove rows whose blob is missing or corrupt, then rebuild current versions."""
    ensure_writable(ws)
    rows = [
        r
        for r in list_bundles(ws)
        if (not request.bundles or r.bundle in request.bundles)
        and (not request.websites or r.website_id in request.websites)
    ]
    broken = [r for r in rows if r.blob != "ok"]
    result = BuildResult(database=ws.db.name, dry_run=request.dry_run)
    for row in broken:
        result.outcomes.append(
            Outcome(
                row.bundle,
                row.ext,
                row.website_id,
                row.rtl,
                "would-remove" if request.dry_run else "removed",
                url=row.url,
                version=row.version,
                size=row.size,
                attachment_ids=[row.id],
                error=f"blob {row.blob}",
            )
        )
    if broken and not request.dry_run:
        remove_rows(ws, broken, reason="blob missing or corrupt")
    source = broken if request.missing_only else rows
    variants: list[Variant] = []
    for row in source:
        if row.ext.endswith(".map"):
            continue
        variant = row.variant()
        if variant not in variants:
            variants.append(variant)
    if not request.missing_only and not request.bundles:
        for variant in plan_variants(ws, BuildRequest(websites=request.websites)):
            if variant not in variants:
                variants.append(variant)
    result.outcomes += run_variants(
        ws, variants, dry_run=request.dry_run, progress=progress, compiler=compiler
    )
    return result


# --- Check -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    kind: str  # missing-blob, corrupt-blob, duplicate, stale, not-built, orphan-blob, failed
    message: str
    url: str | None = None
    attachment_id: int | None = None
    size: int | None = None


@dataclass
class CheckResult:
    database: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for problem in self.problems:
            counts[problem.kind] = counts.get(problem.kind, 0) + 1
        return {
            "database": self.database,
            "healthy": self.healthy,
            "rows": self.rows,
            "summary": counts,
            "stale_bytes": sum(p.size or 0 for p in self.problems if p.kind == "stale"),
            "problems": [asdict(p) for p in self.problems],
        }


def check(ws: Workspace, websites: tuple[int, ...] = ()) -> CheckResult:
    """Read-only health report of the stored bundles."""
    rows = list_bundles(ws)
    if websites:
        rows = [r for r in rows if r.website_id in websites or r.website_id is None]
    result = CheckResult(database=ws.db.name, rows=len(rows))
    by_url: dict[str, list[StoredBundle]] = {}
    for row in rows:
        by_url.setdefault(row.url, []).append(row)
        if row.blob != "ok":
            where = row.row.store_fname or "db_datas"
            result.problems.append(
                Problem(
                    f"{row.blob}-blob",
                    f"{row.url} (id {row.id}): blob {row.blob} ({where})",
                    row.url,
                    row.id,
                    row.size,
                )
            )
        if row.current is False:
            result.problems.append(
                Problem(
                    "stale",
                    f"{row.url} (id {row.id}): not the current version",
                    row.url,
                    row.id,
                    row.size,
                )
            )
    for url, group in by_url.items():
        if len(group) > 1:
            ids = ", ".join(str(r.id) for r in group)
            result.problems.append(Problem("duplicate", f"{url}: {len(group)} rows ({ids})", url))
    request = BuildRequest(websites=websites)
    try:
        variants = plan_variants(ws, request)
    except OdooAssetsError as exc:
        result.problems.append(Problem("failed", str(exc)))
        variants = []
    for variant in variants:
        try:
            resolved = ws.resolve(variant.bundle, variant.website_id)
            if not entries_of_type(resolved, variant.asset_type):
                continue
            url = variant_url(variant, current_version(ws, variant))
        except OdooAssetsError as exc:
            result.problems.append(Problem("failed", f"{variant.label()}: {exc}"))
            continue
        if url not in by_url:
            result.problems.append(Problem("not-built", f"{url}: current version not built", url))
    for store_fname in ws.filestore.unreferenced_checklist_blobs(ws.db.conn):
        result.problems.append(
            Problem("orphan-blob", f"{store_fname}: blob referenced by no attachment (checklist)")
        )
    ws.db.conn.rollback()
    return result


# --- Inspect -----------------------------------------------------------------------------------


def inspect_bundle(
    ws: Workspace,
    bundle: str,
    *,
    website_id: int | None = None,
    rtl: bool = False,
    why: str | None = None,
) -> dict[str, Any]:
    """Everything about one bundle: ordered files with origins, versions, URLs, stored rows."""
    if website_id is not None:
        ws.website(website_id)
    resolved = ws.resolve(bundle, website_id)
    versions: dict[str, str | None] = {}
    urls: dict[str, str | None] = {}
    for asset_type in ("js", "css"):
        variant = Variant(bundle, asset_type, website_id, rtl)
        if entries_of_type(resolved, asset_type):
            versions[asset_type] = bundle_version(resolved.entries, asset_type, rtl)
            urls[asset_type] = variant_url(variant, versions[asset_type] or "")
        else:
            versions[asset_type] = urls[asset_type] = None
    files = []
    for entry in (*resolved.entries, *resolved.externals):
        size = None
        if entry.filename:
            try:
                size = Path(entry.filename).stat().st_size
            except OSError:
                size = None
        origin = entry.origin
        files.append(
            {
                "url": entry.url,
                "path": entry.filename or ("external" if entry.kind == "external" else "attachment"),
                "kind": entry.extension,
                "source": entry.kind,
                "size": size,
                "mtime": entry.last_modified,
                "bundle": entry.bundle,
                "origin": _origin_text(origin),
                "directive": origin.directive,
            }
        )
    stored = []
    for url in (u for u in urls.values() if u):
        for row in att.find_bundle_attachments(ws.db.conn, url):
            stored.append({"id": row.id, "url": row.url, "size": row.file_size, "blob": row_status(ws, row)})
    ws.db.conn.rollback()
    data: dict[str, Any] = {
        "bundle": bundle,
        "website_id": website_id,
        "series": ws.series,
        "versions": versions,
        "urls": urls,
        "files": files,
        "attachments": stored,
    }
    if why:
        data["why"] = explain(resolved, why)
    return data


def _origin_text(origin: Any) -> str:
    if origin.source == "manifest":
        return f"{origin.addon}/__manifest__.py [{origin.bundle}]"
    return f"ir.asset #{origin.asset_id} [{origin.bundle}]"


def explain(resolved: ResolvedBundle, path: str) -> list[dict[str, Any]]:
    """The trace events of the resolution that concern PATH, in order."""
    wanted = "/" + path.lstrip("/")
    events = []
    for event in resolved.trace:
        url = getattr(event, "url", "")
        if url in (path, wanted) or url.lstrip("/") == path.lstrip("/"):
            events.append(
                {
                    "action": event.action,
                    "url": url,
                    "origin": _origin_text(event.origin),
                    "directive": event.origin.directive,
                    "written": event.origin.path,
                    "target": event.origin.target,
                    "position": getattr(event, "index", None),
                }
            )
    return events


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
