"""Building bundles: plan the variants, compile each distinct input once, store in order."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from odoo_assets.compilation import CompiledFile, CompileOptions, SourceAsset, compile_css, compile_js
from odoo_assets.compilation.cache import CompileCache, compilation_key
from odoo_assets.errors import CompilationError, OdooAssetsError
from odoo_assets.operations.workspace import (
    Progress,
    Variant,
    Workspace,
    blob_ok,
    entries_of_type,
    log,
    log_removal,
    variant_url,
)
from odoo_assets.storage import attachments as att
from odoo_assets.storage.filestore import BlobWrite
from odoo_assets.versions import ANY_UNIQUE, AssetType


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
    elapsed_s: float | None = None  # wall time of the run, once the caller has measured it

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "dry_run": self.dry_run,
            "summary": dict(Counter(outcome.status for outcome in self.outcomes)),
            "elapsed_s": None if self.elapsed_s is None else round(self.elapsed_s, 3),
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
        frontend_names = {page.bundle for page in ws.profile.bundles_of("frontend")}
        targets: list[tuple[str, AssetType, bool]] = [
            (name, t, name in frontend_names) for name in names for t in ("js", "css")
        ]
    else:
        defined = set(ws.known_bundles())
        targets = [
            (page.bundle, page.asset_type, page.scope == "frontend")
            for page in ws.profile.page_bundles
            if page.bundle in defined
        ]
    variants = []
    for name, asset_type, frontend in targets:
        for website_id in _website_scopes(ws, request, frontend):
            directions = [False, True] if request.rtl and asset_type == "css" else [False]
            for rtl in directions:
                variants.append(Variant(name, asset_type, website_id, rtl))
                if request.debug:
                    variants.append(Variant(name, asset_type, website_id, rtl, debug=True))
    return variants


def _map_url(ws: Workspace, variant: Variant, unique: str) -> str | None:
    return variant_url(ws, variant, unique, f"{variant.asset_type}.map") if variant.debug else None


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
        # Forked workers only from a single-threaded process (fork copies one thread).
        session = CompileSession(self, self.workers if threading.active_count() == 1 else 1)
        try:
            yield session
        finally:
            if session.pool is not None:
                session.pool.shutdown(cancel_futures=True)

    def run(self, jobs: dict[str, CompileJob]) -> dict[str, Output]:
        with self.session() as session:
            for key, job in jobs.items():
                session.submit(key, job)
            return session.results()


@dataclass
class CompileSession:
    compiler: Compiler
    workers: int = 1
    pool: Executor | None = None  # started by the first job that has to be compiled
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
        elif self.workers > 1:
            if self.pool is None:
                # Imported here: a run with nothing to compile should not pay for it.
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                context = multiprocessing.get_context("fork")
                self.pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=context,
                    initializer=_exit_with_parent,
                    initargs=(os.getpid(),),
                )
            self.futures[key] = self.pool.submit(run_job, job)

    def results(self, on_result: Callable[[str, Output], None] | None = None) -> dict[str, Output]:
        """Every job's output. `on_result` sees each one as soon as it is known: cached ones
        first, then pool results as they complete, so the caller's work on them overlaps
        with the compilations still running."""
        for key in list(self.done):
            if on_result is not None:
                on_result(key, self.done[key])
        pending = {future: key for key, future in self.futures.items()}
        for future in as_completed(pending):
            self._record(pending[future], future.result(), on_result)
        for key, job in self.jobs.items():
            if key not in self.done:
                self._record(key, run_job(job), on_result)
        self.compiler.last_results = {key: self.done[key] for key in self.jobs}
        self.compiler.last_jobs = dict(self.jobs)
        return self.compiler.last_results

    def _record(self, key: str, output: Output, on_result: Callable[[str, Output], None] | None) -> None:
        self.done[key] = output
        self.compiler.ran.append(key)
        if self.compiler.cache is not None and not isinstance(output, CompilationError):
            self.compiler.cache.put(key, output)
        if on_result is not None:
            on_result(key, output)


def _exit_with_parent(parent: int) -> None:
    """Start of a compile worker: end it when the build process is gone (killed, say).

    A forked worker holds a copy of the build's database socket; outliving the build, it would
    keep that session open, and with it the advisory locks the build held, blocking every
    later build of those bundles."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.1)
        os._exit(1)

    threading.Thread(target=watch, name="odoo-assets-parent-watch", daemon=True).start()


def _newest_by_url(ws: Workspace) -> dict[str, att.BundleAttachment]:
    """The row Odoo serves for each bundle URL (its newest), read once per run for planning."""
    newest: dict[str, att.BundleAttachment] = {}
    identity = ws.profile.urls.identity
    for row in att.list_bundle_attachments(
        ws.db.conn, ws.profile.urls.like, website_column=ws.attachment_defaults()[1]
    ):
        key = identity(row.url or "")
        if key not in newest or newest[key].id < row.id:
            newest[key] = row
    ws.db.conn.rollback()
    return newest


@dataclass
class _Planned:
    variant: Variant
    outcome: Outcome
    unique: str = ""
    key: str | None = None


def _prepare(
    ws: Workspace,
    variant: Variant,
    force: bool,
    jobs: dict[str, CompileJob],
    newest: Mapping[str, att.BundleAttachment],
) -> _Planned:
    """Resolve, version and check one variant; register its compile job when it needs one.

    `newest` is the stored row of each URL (see _newest_by_url); a variant whose row is
    there with an intact blob is skipped unless `force`."""
    planned = _Planned(
        variant, Outcome(variant.bundle, variant.ext, variant.website_id, variant.rtl, "empty")
    )
    resolved = ws.resolve(variant.bundle, variant.website_id)
    entries = entries_of_type(resolved, variant.asset_type)
    if not entries:
        return planned
    planned.unique = ws.profile.version(resolved.entries, variant.asset_type, variant.rtl)
    outcome = planned.outcome
    outcome.url, outcome.version = variant_url(ws, variant, planned.unique), planned.unique
    existing = None if force else newest.get(outcome.url)
    if existing is not None:
        intact = blob_ok(ws, existing)
        ws.db.conn.rollback()
        if intact:
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
        map_url=_map_url(ws, variant, planned.unique),
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
    rows = att.find_bundle_attachments(ws.db.conn, variant_url(ws, variant, ANY_UNIQUE))
    ws.db.conn.rollback()
    if not rows:
        return None
    row = max(rows, key=lambda r: r.id)
    try:
        if row.store_fname:
            data = ws.blobs.read_blob(row.store_fname)
        else:
            data = att.read_db_datas(ws.db.conn, row.id) or b""
            ws.db.conn.rollback()
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def ensure_writable(ws: Workspace) -> None:
    """Only write what the server will serve unchanged: the profile says whether odoo-assets
    builds this series."""
    if not ws.profile.buildable:
        raise OdooAssetsError(f"database {ws.db.name!r} is Odoo {ws.series}: {ws.profile.not_buildable_hint}")


def run_variants(
    ws: Workspace,
    variants: Sequence[Variant],
    *,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    compiler: Compiler | None = None,
) -> list[Outcome]:
    """Prepare every variant, compile what is needed (once per distinct input) and store in
    plan order, one transaction per compiled output (website variants share theirs), each as
    soon as it can be. A failing variant does not stop the others."""
    ensure_writable(ws)
    progress = progress or Progress()
    compiler = compiler or Compiler()
    progress.start(2 * len(variants))
    jobs: dict[str, CompileJob] = {}
    newest = {} if force else _newest_by_url(ws)
    variants = list(dict.fromkeys(variants))  # a variant named twice is built once
    by_index: dict[int, _Planned] = {}
    with compiler.session() as session:
        # Stylesheets first: libsass is the longest job, so it should start first.
        for index in sorted(range(len(variants)), key=lambda i: variants[i].asset_type != "css"):
            variant = variants[index]
            try:
                item = _prepare(ws, variant, force, jobs, newest)
                if item.key is not None:
                    session.submit(item.key, jobs[item.key])
            except OdooAssetsError as exc:
                ws.db.conn.rollback()
                item = _Planned(variant, _failed(ws, variant, exc))
            by_index[index] = item
            progress.advance(variant.label())
        planned = [by_index[index] for index in range(len(variants))]
        by_key: dict[str, list[_Planned]] = {}
        for item in planned:
            if item.key is not None:
                by_key.setdefault(item.key, []).append(item)
        storer = _Storer(ws, list(by_key.items()), force=force, dry_run=dry_run, progress=progress)
        session.results(storer.add)
    for item in planned:
        if item.key is None:
            progress.advance(item.variant.label())
    return [item.outcome for item in planned]


@dataclass
class _Storer:
    """Stores each group of variants sharing one compiled output (in plan order) as soon
    as its output and those of the groups before it are known, while later ones compile."""

    ws: Workspace
    groups: list[tuple[str, list[_Planned]]]
    force: bool
    dry_run: bool
    progress: Progress
    outputs: dict[str, Output] = field(default_factory=dict)
    stored: int = 0  # groups done, in order
    written: _BlobWriter = field(init=False)

    def __post_init__(self) -> None:
        self.written = _BlobWriter(self.ws, enabled=not self.dry_run)

    def add(self, key: str, output: Output) -> None:
        self.written.add(key, output)
        self.outputs[key] = output
        while self.stored < len(self.groups) and self.groups[self.stored][0] in self.outputs:
            key, group = self.groups[self.stored]
            self.stored += 1
            self._finish(key, group, self.outputs[key])

    def _finish(self, key: str, group: list[_Planned], output: Output) -> None:
        if isinstance(output, CompilationError):
            for item in group:
                item.outcome = _failed(self.ws, item.variant, output)
                self.progress.advance(item.variant.label())
            return
        datas = self.written.datas(key, output)
        for item in group:
            item.outcome.size = len(datas[0])
            item.outcome.status = "would-build" if self.dry_run else "built"
        if not self.dry_run:
            try:
                new_ids = _store(
                    self.ws,
                    [(item.variant, item.unique) for item in group],
                    output,
                    force=self.force,
                    datas=datas,
                    blobs=self.written.blobs.get(key),
                )
                for item, ids in zip(group, new_ids, strict=True):
                    item.outcome.attachment_ids = ids
            except OdooAssetsError as exc:
                for item in group:
                    item.outcome = _failed(self.ws, item.variant, exc)
        for item in group:
            self.progress.advance(item.variant.label())


@dataclass
class _BlobWriter:
    """Writes the blobs of each compiled output as soon as it is known, while other bundles
    still compile; the rows naming them are inserted later, in plan order. A blob the
    collector removes in between is written again when its row is stored."""

    ws: Workspace
    enabled: bool
    blobs: dict[str, list[BlobWrite | None]] = field(default_factory=dict)
    encoded: dict[str, list[bytes]] = field(default_factory=dict)

    def datas(self, key: str, output: Sequence[CompiledFile]) -> list[bytes]:
        if key not in self.encoded:
            self.encoded[key] = [compiled.content.encode("utf-8") for compiled in output]
        return self.encoded[key]

    def add(self, key: str, output: Output) -> None:
        if not self.enabled or isinstance(output, CompilationError):
            return
        # On failure, storing the rows writes the blob again and reports the problem there.
        # Only filestore blobs are written early: an object's name needs its row's id.
        with contextlib.suppress(OdooAssetsError):
            self.blobs[key] = [
                self.ws.filestore.write_blob(
                    data, legacy_shard=self.ws.profile.legacy_shard, replace_damaged=True
                )
                if data and self.ws.blobs.route(stored_mimetype(self.ws, compiled), len(data)).kind == "file"
                else None
                for compiled, data in zip(output, self.datas(key, output), strict=True)
            ]
        for blob in self.blobs.get(key, ()):
            if blob is not None:
                self.ws.forget_blob(blob.store_fname)


def stored_mimetype(ws: Workspace, compiled: CompiledFile) -> str:
    """The mimetype a compiled file's row gets (source maps: the series' own)."""
    return ws.profile.map_mimetype if compiled.ext.endswith(".map") else compiled.mimetype


def _failed(ws: Workspace, variant: Variant, exc: Exception) -> Outcome:
    log.error(
        "%s: %s",
        variant.label(),
        exc,
        extra={"event": "fail", "database": ws.db.name, "bundle": variant.bundle},
    )
    return Outcome(variant.bundle, variant.ext, variant.website_id, variant.rtl, "failed", error=str(exc))


def _store(
    ws: Workspace,
    variants: Sequence[tuple[Variant, str]],
    files: Sequence[CompiledFile],
    *,
    force: bool,
    datas: Sequence[bytes],
    blobs: Sequence[BlobWrite | None] | None = None,
) -> list[list[int]]:
    """Write the blobs and the rows of variants that share their compiled files (the website
    variants of one bundle), clean older versions and signal workers: one transaction.

    Each file goes where the database's storage rules send its mimetype: the filestore,
    db_datas, or an object storage (uploaded inside the transaction, before its commit).

    Returns the new row ids of each variant, in order; none for a variant that another run
    stored while this one compiled. `datas` are the files' bytes, `blobs` where they were
    already written, if they were.
    """
    blobs = blobs or [None] * len(files)
    conn = ws.db.conn
    company_id, website_column = ws.attachment_defaults()
    ids: list[list[int]] = [[] for _ in variants]
    try:
        primary = [variant_url(ws, variant, unique) for variant, unique in variants]
        att.bundle_locks(conn, primary)
        todo = list(range(len(variants)))
        if not force:
            newest = _stored_versions(ws, primary, website_column)
            todo = [
                i for i in todo if primary[i] not in newest or not blob_ok(ws, newest[primary[i]], fresh=True)
            ]
        if not todo:
            conn.rollback()
            return ids
        kept: list[att.KeptVersion] = []
        names = [f"{variants[0][0].bundle}.{compiled.ext}" for compiled in files]
        mimetypes = [stored_mimetype(ws, compiled) for compiled in files]
        destinations = [
            ws.blobs.route(mimetype, len(data)) for mimetype, data in zip(mimetypes, datas, strict=True)
        ]
        # Objects in an object storage are named before any table lock (see BlobStores).
        remotes = [
            ws.blobs.plan_remote(dest.code, name=name, mimetype=mimetype, content=data, count=len(todo))
            if dest.kind == "remote" and dest.code and data
            else None
            for data, name, mimetype, dest in zip(datas, names, mimetypes, destinations, strict=True)
        ]
        ws.blobs.lock_gc_table(conn)
        for compiled, data, blob, name, mimetype, dest, remote in zip(
            files, datas, blobs, names, mimetypes, destinations, remotes, strict=True
        ):
            urls = [variant_url(ws, variants[i][0], variants[i][1], compiled.ext) for i in todo]
            rows = att.insert_bundle_attachments(
                conn,
                ws.filestore,
                name=name,
                urls=urls,
                content=data,
                mimetype=mimetype,
                location="db" if dest.kind == "db" else "file",
                company_id=company_id,
                website_column=website_column,
                legacy_shard=ws.profile.legacy_shard,
                index_other_types=ws.profile.index_other_types,
                website_ids=[variants[i][0].website_id for i in todo]
                if ws.profile.rows_carry_website
                else None,
                id_in_url=ws.profile.urls.carries_id,
                lz4=ws.lz4,
                blob=blob,
                remote=remote,
            )
            if rows and rows[0].store_fname:
                ws.forget_blob(rows[0].store_fname)
            for i, row in zip(todo, rows, strict=True):
                variant, unique = variants[i]
                ids[i].append(row.id)
                pattern = variant_url(ws, variant, ANY_UNIQUE, compiled.ext)
                kept.append(att.KeptVersion(pattern, row.url or "", row.id))
                log.info(
                    "stored",
                    extra={
                        "event": "write",
                        "database": ws.db.name,
                        "bundle": variant.bundle,
                        "website_id": variant.website_id,
                        "url": row.url,
                        "attachment_id": row.id,
                        "version": unique,
                        "size": row.file_size,
                    },
                )
        removed = att.clean_other_versions(conn, ws.blobs, kept, website_column=website_column)
        for old in removed:
            log_removal(ws, variants[0][0].bundle, old, "older version")
        for kind, name in ws.profile.signals:
            att.signal_assets_changed(conn, name, kind)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return ids


def _stored_versions(
    ws: Workspace, urls: Sequence[str], website_column: bool
) -> dict[str, att.BundleAttachment]:
    """The newest row of each URL; where URLs carry the row's id, of each URL pattern."""
    if not ws.profile.urls.carries_id:
        return att.newest_by_url(ws.db.conn, urls, website_column=website_column)
    found = {}
    for url in urls:
        rows = att.find_bundle_attachments(ws.db.conn, url, website_column=website_column)
        if rows:
            found[url] = max(rows, key=lambda row: row.id)
    return found


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
