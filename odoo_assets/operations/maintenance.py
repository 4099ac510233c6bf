"""Stored bundles: list, purge, regenerate and check."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from odoo_assets.errors import OdooAssetsError
from odoo_assets.installation import collect_warnings
from odoo_assets.operations.building import (
    BuildRequest,
    BuildResult,
    Compiler,
    Outcome,
    ensure_writable,
    run_variants,
)
from odoo_assets.operations.workspace import (
    Progress,
    Variant,
    Workspace,
    addons_path_error,
    current_version,
    entries_of_type,
    log,
    log_removal,
    report_warnings,
    row_status,
    variant_url,
)
from odoo_assets.planning import plan_variants
from odoo_assets.resolution import AssetWarning
from odoo_assets.storage import attachments as att
from odoo_assets.versions import AssetType


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

    def variant(self, reason: str = "") -> Variant:
        debug = not self.ext.startswith("min.")
        asset_type: AssetType = (
            "js" if self.ext.split(".")[-1 if not self.ext.endswith("map") else -2] == "js" else "css"
        )
        return Variant(self.bundle, asset_type, self.website_id, self.rtl, debug, reason=reason)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("row")
        return data


def _is_current(ws: Workspace, variant: Variant, version: str) -> bool | None:
    try:
        return current_version(ws, variant) == version
    except OdooAssetsError:
        return None


def list_bundles(
    ws: Workspace, website_id: int | None = None, current_only: bool = False
) -> list[StoredBundle]:
    """Every bundle attachment (Odoo's own definition), with blob status and currency
    (unknown when installed modules are missing from the addons path: it cannot be judged),
    or only the current versions' rows."""
    judge = not ws.missing_modules
    if not judge:
        log.warning(
            "bundle versions not judged: %s",
            addons_path_error(ws.db.name, ws.missing_modules, ws.addons_paths),
        )
    stored = []
    for row in att.list_bundle_attachments(ws.db.conn, ws.profile.urls.like):
        parsed = ws.profile.parse_url(row.url or "")
        # Series whose URLs carry the row's id: a URL naming another row is not this row's.
        if parsed is None or parsed.attachment_id not in (None, row.id):
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
        if judge:
            item.current = _is_current(ws, item.variant(), parsed.unique)
        if item.current or not current_only:
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


def select_for_purge(
    ws: Workspace, rows: Sequence[StoredBundle], request: PurgeRequest
) -> list[StoredBundle]:
    chosen = [r for r in rows if not request.bundles or r.bundle in request.bundles]
    if request.keep is not None:
        groups: dict[str, list[StoredBundle]] = {}
        for row in chosen:
            groups.setdefault(ws.profile.urls.any_version(row.url), []).append(row)
        chosen = [
            row
            for group in groups.values()
            for row in sorted(group, key=lambda r: r.id, reverse=True)[request.keep :]
        ]
    if request.stale:
        chosen = [r for r in chosen if r.current is False]
    return chosen


def purge(ws: Workspace, request: PurgeRequest) -> PurgeResult:
    """Remove bundle rows; blobs go to their collector (the filestore's checklist, an object
    storage's fs_file_gc), never deleted while referenced."""
    rows = list_bundles(ws, website_id=request.website_id)
    chosen = select_for_purge(ws, rows, request)
    result = PurgeResult(database=ws.db.name, dry_run=request.dry_run, removed=chosen)
    if request.dry_run or not chosen:
        return result
    remove_rows(ws, chosen, reason="purge")
    return result


def remove_rows(ws: Workspace, rows: Sequence[StoredBundle], reason: str) -> None:
    conn = ws.db.conn
    try:
        ws.blobs.lock_gc_table(conn)
        deleted = att.delete_attachments(conn, ws.blobs, [r.id for r in rows], ws.profile.urls.like)
        by_id = {r.id: r for r in rows}
        for row in deleted:
            log_removal(ws, by_id[row.id].bundle if row.id in by_id else "?", row, reason)
        att.signal_workers(conn, ws.profile.signals)
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
    all_rows: bool = False  # repair-only series: remove every bundle row, not only broken ones
    strict: bool = False


def regenerate(
    ws: Workspace,
    request: RegenerateRequest,
    progress: Progress | None = None,
    compiler: Compiler | None = None,
) -> BuildResult:
    """Remove rows whose blob is missing or corrupt, then rebuild current versions.

    On a repair-only series nothing is rebuilt: the broken rows (every row with `all_rows`)
    are removed and the workers signalled, so the server builds them on the next page view.
    """
    if ws.profile.buildable:
        ensure_writable(ws)
    rows = [
        r
        for r in list_bundles(ws)
        if (not request.bundles or r.bundle in request.bundles)
        and (not request.websites or r.website_id in request.websites)
    ]
    repair_only = not ws.profile.buildable
    broken = [r for r in rows if r.blob != "ok" or (repair_only and request.all_rows)]
    result = BuildResult(database=ws.db.name, dry_run=request.dry_run, strict=request.strict)
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
        remove_rows(ws, broken, reason="blob missing or corrupt" if not request.all_rows else "all rows")
    if repair_only:
        return result
    source = broken if request.missing_only else rows
    variants: list[Variant] = []
    for row in source:
        if row.ext.endswith(".map"):
            continue
        variant = row.variant("stored" if row.blob == "ok" else f"blob {row.blob}")
        if variant not in variants:
            variants.append(variant)
    if not request.missing_only and not request.bundles:
        plan = plan_variants(ws, BuildRequest(websites=request.websites, strict=request.strict))
        result.warnings += plan.warnings
        for variant in plan.variants:
            if variant not in variants:
                variants.append(variant)
    result.warnings += collect_warnings(ws, variants)
    report_warnings(ws, result.warnings)
    result.outcomes += run_variants(
        ws, variants, dry_run=request.dry_run, progress=progress, compiler=compiler, strict=request.strict
    )
    return result


# --- Check -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    kind: str  # missing-blob, corrupt-blob, duplicate, stale, not-built, orphan-blob, failed, warning
    message: str
    url: str | None = None
    attachment_id: int | None = None
    size: int | None = None


AWAITING_COLLECTOR = frozenset({"orphan-blob"})


@dataclass
class CheckResult:
    database: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[AssetWarning] = field(default_factory=list)
    strict: bool = False  # the warnings are problems too

    @property
    def healthy(self) -> bool:
        """Blobs waiting on a collector's checklist are reported, not failed: every purge
        leaves some until the server's daily collector runs."""
        return all(problem.kind in AWAITING_COLLECTOR for problem in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "healthy": self.healthy,
            "rows": self.rows,
            "summary": dict(Counter(problem.kind for problem in self.problems)),
            "stale_bytes": sum(p.size or 0 for p in self.problems if p.kind == "stale"),
            "problems": [asdict(p) for p in self.problems],
            "warnings": [w.to_dict() for w in self.warnings],
            "strict": self.strict,
        }


def check(ws: Workspace, websites: tuple[int, ...] = (), strict: bool = False) -> CheckResult:
    """Read-only health report of the stored bundles, and the warnings of the bundles a build
    would write (with `strict`, each warning is also a problem)."""
    rows = list_bundles(ws)
    if websites:
        rows = [r for r in rows if r.website_id in websites or r.website_id is None]
    result = CheckResult(database=ws.db.name, rows=len(rows), strict=strict)
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
    stored_identities = {ws.profile.urls.identity(url) for url in by_url}
    try:
        # A repair-only series' current versions are not known: only stored rows are judged.
        if ws.profile.buildable:
            plan = plan_variants(ws, BuildRequest(websites=websites, strict=strict))
            variants = plan.variants
            result.warnings = [*plan.warnings, *collect_warnings(ws, variants)]
        else:
            variants = []
    except OdooAssetsError as exc:
        result.problems.append(Problem("failed", str(exc)))
        variants = []
    if strict:
        result.problems += [Problem("warning", w.message()) for w in result.warnings]
    for variant in variants:
        try:
            resolved = ws.resolve(variant.bundle, variant.website_id)
            if not entries_of_type(resolved, variant.asset_type):
                continue
            url = variant_url(ws, variant, current_version(ws, variant))
        except OdooAssetsError as exc:
            result.problems.append(Problem("failed", f"{variant.label()}: {exc}"))
            continue
        if url not in stored_identities:
            result.problems.append(Problem("not-built", f"{url}: current version not built", url))
    for store_fname in ws.blobs.unreferenced(ws.db.conn):
        queue = "fs_file_gc" if ws.blobs.remote_for(store_fname) else "checklist"
        result.problems.append(
            Problem("orphan-blob", f"{store_fname}: blob referenced by no attachment ({queue})")
        )
    ws.db.conn.rollback()
    return result
