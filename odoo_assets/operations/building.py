"""Building bundles: plan the variants, compile each distinct input once, store in order."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from odoo_assets.compilation import CompiledFile
from odoo_assets.errors import CompilationError, OdooAssetsError
from odoo_assets.installation import collect_warnings, map_url, warnings_of_type
from odoo_assets.jobs import CompileJob, Compiler, CompileSession, Output, run_job
from odoo_assets.operations.workspace import (
    Progress,
    Variant,
    Workspace,
    blob_ok,
    entries_of_type,
    log,
    log_removal,
    report_warnings,
    variant_url,
)
from odoo_assets.planning import VariantChoice, plan_variants
from odoo_assets.resolution import AssetWarning
from odoo_assets.storage import attachments as att
from odoo_assets.storage.filestore import BlobWrite
from odoo_assets.versions import ANY_UNIQUE

__all__ = [
    "BuildRequest",
    "BuildResult",
    "CompileJob",
    "CompileSession",
    "Compiler",
    "Outcome",
    "build",
    "ensure_writable",
    "plan_variants",
    "run_job",
    "run_variants",
]


@dataclass(frozen=True)
class BuildRequest(VariantChoice):
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
    reason: str = ""  # why it is in the plan: "page: backend", "lazy: loadBundle in …", "rtl: …"


@dataclass
class BuildResult:
    database: str
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[AssetWarning] = field(default_factory=list)
    elapsed_s: float | None = None  # wall time of the run, once the caller has measured it
    strict: bool = False  # the warnings are errors

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def unsuccessful(self) -> bool:
        """Whether the command should exit 1: a failed variant, or a warning with --strict."""
        return bool(self.failed) or (self.strict and bool(self.warnings))

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "dry_run": self.dry_run,
            "summary": dict(Counter(outcome.status for outcome in self.outcomes)),
            "elapsed_s": None if self.elapsed_s is None else round(self.elapsed_s, 3),
            "bundles": [asdict(o) for o in self.outcomes],
            "warnings": [w.to_dict() for w in self.warnings],
        }


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
    strict: bool = False,
) -> _Planned:
    """Resolve, version and check one variant; register its compile job when it needs one.

    `newest` is the stored row of each URL (see _newest_by_url); a variant whose row is
    there with an intact blob is skipped unless `force`. With `strict`, a variant whose
    resolution has warnings fails."""
    planned = _Planned(
        variant,
        Outcome(variant.bundle, variant.ext, variant.website_id, variant.rtl, "empty", reason=variant.reason),
    )
    resolved = ws.resolve(variant.bundle, variant.website_id)
    entries = entries_of_type(resolved, variant.asset_type)
    if not entries:
        return planned
    warnings = warnings_of_type(resolved, variant.asset_type) if strict else []
    if warnings:
        more = f", and {len(warnings) - 1} more" if len(warnings) > 1 else ""
        raise OdooAssetsError(f"{warnings[0].message()} (--strict{more})")
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
        map_url=map_url(ws, variant, planned.unique),
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
    strict: bool = False,
) -> list[Outcome]:
    """Prepare every variant, compile what is needed (once per distinct input) and store in
    plan order, one transaction per compiled output (website variants share theirs), each as
    soon as it can be. A failing variant does not stop the others; with `strict`, a variant
    whose bundle has warnings fails."""
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
                item = _prepare(ws, variant, force, jobs, newest, strict)
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
    return Outcome(
        variant.bundle,
        variant.ext,
        variant.website_id,
        variant.rtl,
        "failed",
        error=str(exc),
        reason=variant.reason,
    )


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
        att.signal_workers(conn, ws.profile.signals)
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
    """Build every variant the request names; a failing bundle does not stop the others.

    Warnings (entries Odoo builds around, right-to-left CSS left out) are logged once each
    and kept in the result."""
    ws.css_error_fallback = request.css_error_fallback
    result = BuildResult(database=ws.db.name, dry_run=request.dry_run, strict=request.strict)
    ensure_writable(ws)
    plan = plan_variants(ws, request)
    result.warnings = [*plan.warnings, *collect_warnings(ws, plan.variants)]
    report_warnings(ws, result.warnings)
    result.outcomes = run_variants(
        ws,
        plan.variants,
        force=request.force,
        dry_run=request.dry_run,
        progress=progress,
        compiler=compiler,
        strict=request.strict,
    )
    return result
