"""Resolving a bundle into its ordered list of files, as Odoo 17/18's ir.asset does.

Inputs are plain records (addons, installed modules, ir_asset rows, the website); the output
is a ResolvedBundle whose entries keep where each file came from, for `bundle inspect`.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from odoo_assets.addons import Addon, AddonIndex
from odoo_assets.errors import ResolutionError
from odoo_assets.globbing import Globber

# ir.asset rows with a lower sequence come before every manifest command, the others after.
DEFAULT_SEQUENCE = 16
ASSET_EXTENSIONS = frozenset({"js", "css", "scss", "sass", "less", "xml"})
TARGETED_DIRECTIVES = frozenset({"before", "after", "replace"})
DIRECTIVES = frozenset({"append", "prepend", "remove", "include"}) | TARGETED_DIRECTIVES
WILDCARD_CHARS = frozenset("*?[]")

# Trace actions, in the words `bundle inspect --why` shows.
ADDED = "added"
PREPENDED = "prepended"
INSERTED_BEFORE = "inserted-before"
INSERTED_AFTER = "inserted-after"
REPLACED = "replaced"
REMOVED = "removed"
DUPLICATE = "duplicate"
NO_MATCH = "no-match"


@dataclass(frozen=True)
class IrAssetRow:
    """One row of the ir_asset table."""

    id: int
    name: str
    bundle: str
    directive: str | None
    path: str
    target: str | None
    active: bool
    sequence: int
    website_id: int | None = None
    key: str | None = None

    @classmethod
    def from_values(cls, row_id: int, values: Mapping[str, Any]) -> IrAssetRow:
        """A row from its field values, as the database or a data file gives them."""
        return cls(
            id=row_id,
            name=values["name"],
            bundle=values["bundle"],
            directive=values["directive"],
            path=values["path"],
            target=values["target"],
            active=bool(values["active"]),
            sequence=int(values["sequence"]),
            website_id=values["website_id"],
            key=values["key"],
        )


@dataclass(frozen=True)
class AttachmentAsset:
    """An ir_attachment serving an attachment-URL entry (website customisation, DB-only file)."""

    url: str
    content: bytes
    last_modified: float


@dataclass(frozen=True)
class Origin:
    """The command that brought an entry in: a manifest line or an ir.asset row."""

    source: str  # "manifest" | "ir.asset"
    bundle: str
    directive: str
    path: str
    addon: str | None = None
    asset_id: int | None = None
    target: str | None = None
    asset_name: str | None = None  # the ir.asset row's name

    def describe(self) -> str:
        where = f"{self.addon}/__manifest__.py" if self.source == "manifest" else f"ir.asset #{self.asset_id}"
        target = f" {self.target!r}" if self.target is not None else ""
        return f"{where} [{self.bundle}] {self.directive}{target} {self.path!r}"


@dataclass(frozen=True)
class AssetWarning:
    """Something Odoo builds a bundle around instead of refusing it.

    kind: "missing" (no file and no attachment: Odoo puts an error in its place),
    "outside-static" (never read from disk), "no-match" (a glob that finds nothing),
    "extension" (no asset type: Odoo ignores the entry), or "rtl-skipped" (planning: no
    rtlcss for the right-to-left outputs), which has no path or origin.
    """

    kind: str
    reason: str
    path: str | None = None
    origin: Origin | None = None

    def where(self) -> str:
        origin = self.origin
        if origin is None:
            return ""
        if origin.source == "manifest":
            return f"{origin.addon}/__manifest__.py"
        return f"ir.asset #{origin.asset_id} {origin.asset_name!r}"

    def message(self, where: str | None = None) -> str:
        """One line: where the entry was written (`where` overrides it), bundle, directive,
        target and path as written, and the reason."""
        if self.origin is None:
            return self.reason
        origin = self.origin
        target = f" {origin.target!r}" if origin.target is not None else ""
        where = where or self.where()
        return f"{where} [{origin.bundle}] {origin.directive}{target} {self.path!r}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        origin = self.origin
        manifest = origin is not None and origin.source == "manifest"
        return {
            "kind": self.kind,
            "file": self.where() if manifest else None,
            "row": origin.asset_id if origin is not None and not manifest else None,
            "row_name": origin.asset_name if origin is not None and not manifest else None,
            "bundle": origin.bundle if origin is not None else None,
            "directive": origin.directive if origin is not None else None,
            "path": self.path,
            "reason": self.reason,
            "message": self.message(),
        }


# What Odoo's URL parser (werkzeug 2) accepts as a scheme; "+-." is a range, so ',' too.
_SCHEME = re.compile(r"[a-zA-Z0-9+,\-.]+")


def _scheme_and_netloc(url: str) -> tuple[str, str]:
    """Scheme and host of `url` as werkzeug's url_parse splits them (ValueError as it raises).

    Unlike urllib, a scheme may start with a digit, and `name:<digits>` is a path, not a scheme.
    """
    scheme = ""
    colon = url.find(":")
    if colon > 0 and _SCHEME.fullmatch(url[:colon]):
        rest = url[colon + 1 :]
        if not rest or not rest.isdigit() or not rest.isascii():
            scheme, url = url[:colon].lower(), rest
    netloc = ""
    if url.startswith("//"):
        ends = [i for i in (url.find(c, 2) for c in "/?#") if i >= 0]
        netloc = url[2 : min(ends, default=len(url))]
        if ("[" in netloc) != ("]" in netloc):
            raise ValueError("Invalid IPv6 URL")
    return scheme, netloc


def can_aggregate(url: str) -> bool:
    """Local paths are bundled; URLs with a scheme or host, and /web/content, stay external."""
    scheme, netloc = _scheme_and_netloc(url)
    return not scheme and not netloc and not url.startswith("/web/content")


def _aggregatable(path: str, bundle: str) -> bool:
    try:
        return can_aggregate(path)
    except ValueError as exc:
        raise ResolutionError(f"bundle {bundle!r}: invalid URL {path!r}: {exc}") from None


def is_wildcard(path: str) -> bool:
    return any(char in WILDCARD_CHARS for char in path)


@dataclass(frozen=True)
class BundleEntry:
    """One file of a resolved bundle, keyed by its web path exactly as Odoo keys it.

    `filename` is the absolute path of a file on disk; attachment-URL entries (served from
    ir_attachment by exact url) and external URLs have none.
    """

    url: str
    filename: str | None
    bundle: str
    last_modified: float | None
    origin: Origin

    @property
    def kind(self) -> str:
        if self.filename is not None:
            return "file"
        return "attachment" if can_aggregate(self.url) else "external"

    @property
    def extension(self) -> str:
        return self.url.rpartition(".")[2]


@dataclass(frozen=True)
class TraceEvent:
    """Something that happened to a path while resolving, in order.

    `index` is the position in the list at that moment (None for skips and empty globs);
    `bundle` the bundle being filled.
    """

    action: str
    url: str
    origin: Origin
    index: int | None = None
    bundle: str | None = None


@dataclass(frozen=True)
class ResolvedBundle:
    name: str
    website_id: int | None
    entries: tuple[BundleEntry, ...]
    externals: tuple[BundleEntry, ...]
    trace: tuple[TraceEvent, ...]
    warnings: tuple[AssetWarning, ...] = ()

    def urls(self) -> list[str]:
        return [entry.url for entry in self.entries]


def _no_attachment(url: str) -> AttachmentAsset | None:
    return None


@dataclass(frozen=True)
class ResolutionContext:
    """What the server knows when it resolves a bundle for one website (or none).

    `installed`: modules the registry loaded ∪ server-wide modules (paths of other addons
    are refused); `addon_order`: the active addons in Odoo's order (addons.sort_addons);
    `ir_assets`: every row per bundle, inactive ones and every website's included.
    """

    addons: AddonIndex
    installed: frozenset[str]
    addon_order: tuple[str, ...]
    ir_assets: Mapping[str, tuple[IrAssetRow, ...]]
    website_installed: bool = False
    website_id: int | None = None
    attachment_lookup: Callable[[str], AttachmentAsset | None] = _no_attachment
    # Glob results by absolute pattern, and the directory listings behind them, shareable
    # by the contexts of one run (the files do not depend on the website).
    glob_cache: dict[str, list[tuple[str, float]]] | None = None
    globber: Globber = field(default_factory=Globber)


# --- Paths -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathMatch:
    """One result of expanding a path definition: (web path, absolute file, mtime)."""

    url: str
    filename: str | None
    last_modified: float | None


def _glob_static(pattern: str, globber: Globber) -> list[tuple[str, float]]:
    """Python's recursive glob, asset extensions only, sorted by (absolute path, mtime)."""
    found = []
    for name in globber.glob(pattern):
        if name.rpartition(".")[2] in ASSET_EXTENSIONS:
            found.append((name, os.path.getmtime(name)))
    return sorted(found)


def _static_location(ctx: ResolutionContext, parts: Sequence[str]) -> tuple[Addon | None, str, str]:
    """The addon a path names, the path's absolute form under it (after normpath, so `..`
    cannot leave unnoticed) and the addon's `static/` prefix; ('', '') without an addon."""
    addon = ctx.addons.get(parts[0])
    if addon is None:
        return None, "", ""
    root = str(addon.addons_path)
    full_path = os.path.normpath(os.sep.join([root, *parts]))
    return addon, full_path, os.sep.join([root, addon.name, "static", ""])


def get_paths(ctx: ResolutionContext, path_def: str, bundle: str) -> list[PathMatch]:
    """Expand a path, glob or URL of a bundle definition, as Odoo 17 does.

    Files are only looked for under `<addon>/static/` of the addon named by the first path
    part (after normpath, so `..` cannot leave it). A non-glob that finds no file is kept
    verbatim as an attachment-URL entry; a glob that finds nothing gives nothing (the
    resolver records a warning for both).
    """
    parts = [part for part in path_def.split("/") if part]
    if not parts:
        raise ResolutionError(f"bundle {bundle!r}: empty asset path {path_def!r}")
    addon, full_path, static_prefix = _static_location(ctx, parts)
    matches: list[PathMatch] = []
    if addon is not None:
        if addon.name not in ctx.installed:
            raise ResolutionError(
                f"bundle {bundle!r}: Unallowed to fetch files from addon {addon.name} for file"
                f" {path_def} (addon {addon.name} is not installed)"
            )
        if full_path.startswith(static_prefix):
            cache = ctx.glob_cache
            found = cache.get(full_path) if cache is not None else None
            if found is None:
                found = _glob_static(full_path, ctx.globber)
                if cache is not None:
                    cache[full_path] = found
            root = str(addon.addons_path)
            matches = [
                PathMatch(name[len(root) :].replace(os.sep, "/"), name, mtime) for name, mtime in found
            ]
    if matches:
        return matches
    if not _aggregatable(path_def, bundle):
        return [PathMatch(path_def, None, -1)]
    if not is_wildcard(path_def):
        stored = ctx.attachment_lookup(path_def)
        return [PathMatch(path_def, None, stored.last_modified if stored is not None else None)]
    return []


def _extension(path: str) -> str:
    name = path.rpartition("/")[2]
    return name.rpartition(".")[2] if "." in name else ""


def entry_warning(ctx: ResolutionContext, entry: BundleEntry) -> AssetWarning | None:
    """Why an attachment-URL entry brings no file, if it does not: it names no file under its
    addon's static/ and no attachment has its URL, or it points outside static/ (never read
    from disk), or its extension is no asset type (Odoo ignores it)."""
    origin = entry.origin
    extension = _extension(entry.url)
    if extension not in ASSET_EXTENSIONS:
        shown = f".{extension}" if extension else "no extension"
        return AssetWarning(
            "extension", f"{shown} is not an asset type: Odoo ignores the entry", entry.url, origin
        )
    attached = entry.last_modified is not None
    addon, full_path, static_prefix = _static_location(ctx, [p for p in entry.url.split("/") if p])
    if addon is not None and not full_path.startswith(static_prefix):
        reason = f"outside {addon.name}/static/, never read from disk"
        if not attached:
            reason += "; no attachment with this URL"
        return AssetWarning("outside-static", reason, entry.url, origin)
    if attached:
        return None
    return AssetWarning("missing", "no such file and no attachment with this URL", entry.url, origin)


# --- ir.asset rows -----------------------------------------------------------------------------


def website_rows(rows: Iterable[IrAssetRow], website_id: int | None) -> list[IrAssetRow]:
    """The website module's filter_duplicate, on rows of any active state.

    Without a website only generic rows count. For website W: W's rows, generic rows
    without key, and generic rows whose key no row of W (even an inactive one) carries.
    """
    rows = list(rows)
    if not website_id:
        return [r for r in rows if r.website_id is None]
    rows = [r for r in rows if r.website_id is None or r.website_id == website_id]
    overridden = {r.key for r in rows if r.website_id == website_id}
    return [r for r in rows if r.website_id == website_id or not r.key or r.key not in overridden]


def related_rows(ctx: ResolutionContext, bundle: str) -> list[IrAssetRow]:
    """The bundle's ir.asset rows for this website, ordered by (sequence, id), active only."""
    rows = sorted(ctx.ir_assets.get(bundle, ()), key=lambda r: (r.sequence, r.id))
    if ctx.website_installed:
        rows = website_rows(rows, ctx.website_id)
    return [r for r in rows if r.active]


# --- The fill algorithm ------------------------------------------------------------------------


@dataclass
class _State:
    """The list being built, the set of its web paths (global de-duplication) and the trace."""

    entries: list[BundleEntry] = field(default_factory=list)
    memo: set[str] = field(default_factory=set)
    trace: list[TraceEvent] = field(default_factory=list)
    warnings: list[AssetWarning] = field(default_factory=list)

    def warn(self, warning: AssetWarning | None) -> None:
        if warning is not None and warning not in self.warnings:
            self.warnings.append(warning)

    def index_of(self, url: str) -> int | None:
        if url not in self.memo:
            return None
        return next(i for i, entry in enumerate(self.entries) if entry.url == url)

    def insert(
        self, matches: Sequence[PathMatch], bundle: str, origin: Origin, index: int, action: str
    ) -> list[BundleEntry]:
        """Insert the paths not yet in the bundle at `index`; returns the new entries."""
        new: list[BundleEntry] = []
        for match in matches:
            if match.url in self.memo:
                self.trace.append(TraceEvent(DUPLICATE, match.url, origin, None, bundle))
                continue
            self.memo.add(match.url)
            new.append(BundleEntry(match.url, match.filename, bundle, match.last_modified, origin))
        self.entries[index:index] = new
        for offset, entry in enumerate(new):
            self.trace.append(TraceEvent(action, entry.url, origin, index + offset, bundle))
        return new

    def remove(self, matches: Sequence[PathMatch], bundle: str, origin: Origin) -> bool:
        """Remove every given path present, wherever it came from; False when none is."""
        present = {m.url for m in matches if m.url in self.memo}
        if not present:
            return False
        for index, entry in enumerate(self.entries):
            if entry.url in present:
                self.trace.append(TraceEvent(REMOVED, entry.url, origin, index, bundle))
        self.entries[:] = [e for e in self.entries if e.url not in present]
        self.memo -= present
        return True


def manifest_command(addon: Addon, bundle: str, command: object) -> tuple[str, str | None, str]:
    """(directive, target, path) of one manifest command; a malformed one names the manifest."""
    if isinstance(command, str):
        return "append", None, command
    if isinstance(command, (list, tuple)) and command and all(isinstance(c, str) for c in command):
        directive = command[0]
        if directive in TARGETED_DIRECTIVES and len(command) == 3:
            return directive, command[1], command[2]
        if directive not in TARGETED_DIRECTIVES and len(command) == 2:
            return directive, None, command[1]
    raise ResolutionError(f"bundle {bundle!r}: malformed asset command {command!r} in {addon.manifest_file}")


class _Resolver:
    def __init__(self, ctx: ResolutionContext) -> None:
        self.ctx = ctx
        self.state = _State()

    def fill(self, bundle: str, seen: tuple[str, ...]) -> None:
        if bundle in seen:
            chain = " > ".join((*seen, bundle))
            raise ResolutionError(f"bundle {seen[0]!r}: Circular assets bundle declaration: {chain}")
        start = len(self.state.entries)
        rows = related_rows(self.ctx, bundle)
        for row in rows:
            if row.sequence < DEFAULT_SEQUENCE:
                self._row(row, bundle, seen, start)
        for name in self.ctx.addon_order:
            addon = self.ctx.addons.get(name)
            if addon is None:
                continue
            for command in addon.assets.get(bundle, ()):
                directive, target, path = manifest_command(addon, bundle, command)
                origin = Origin("manifest", bundle, directive, path, addon=name, target=target)
                self.process(directive, target, path, bundle, seen, start, origin)
        for row in rows:
            if row.sequence >= DEFAULT_SEQUENCE:
                self._row(row, bundle, seen, start)

    def _row(self, row: IrAssetRow, bundle: str, seen: tuple[str, ...], start: int) -> None:
        origin = Origin(
            "ir.asset",
            bundle,
            row.directive or "",
            row.path,
            asset_id=row.id,
            target=row.target,
            asset_name=row.name,
        )
        self.process(row.directive, row.target, row.path, bundle, seen, start, origin)

    def _target_index(
        self, target: str | None, bundle: str, origin: Origin
    ) -> tuple[int, list[PathMatch]] | None:
        """Where a before/after/replace command points; None when Odoo silently skips it."""
        if not target:
            raise ResolutionError(
                f"bundle {bundle!r}: {origin.directive} without a target in {origin.describe()}"
            )
        target_matches = get_paths(self.ctx, target, bundle)
        if not target_matches and target.rpartition(".")[2] not in ASSET_EXTENSIONS:
            self.state.trace.append(TraceEvent(NO_MATCH, target, origin, None, bundle))
            return None
        key = target_matches[0].url if target_matches else target
        index = self.state.index_of(key)
        if index is None:
            raise ResolutionError(
                f"bundle {bundle!r}: {origin.directive} target {target!r} not found in bundle"
                f" ({origin.describe()})"
            )
        return index, target_matches

    def process(
        self,
        directive: str | None,
        target: str | None,
        path: str,
        bundle: str,
        seen: tuple[str, ...],
        start: int,
        origin: Origin,
    ) -> None:
        if directive == "include":
            self.fill(path, (*seen, bundle))
            return
        # Expand first, as Odoo does: a refused path wins over a bad directive.
        matches = (
            get_paths(self.ctx, path, bundle) if _aggregatable(path, bundle) else [PathMatch(path, None, -1)]
        )
        if not matches:
            self.state.trace.append(TraceEvent(NO_MATCH, path, origin, None, bundle))
            # Odoo logs 'IrAsset: the path "…" did not resolve to anything.'
            self.state.warn(AssetWarning("no-match", "glob matches no file", path, origin))
        index = 0
        target_matches: list[PathMatch] = []
        if directive in TARGETED_DIRECTIVES:
            found = self._target_index(target, bundle, origin)
            if found is None:
                return
            index, target_matches = found
        state = self.state
        new: list[BundleEntry] = []
        if directive == "append":
            new = state.insert(matches, bundle, origin, len(state.entries), ADDED)
        elif directive == "prepend":
            new = state.insert(matches, bundle, origin, start, PREPENDED)
        elif directive == "before":
            new = state.insert(matches, bundle, origin, index, INSERTED_BEFORE)
        elif directive == "after":
            new = state.insert(matches, bundle, origin, index + 1, INSERTED_AFTER)
        elif directive == "replace":
            new = state.insert(matches, bundle, origin, index, REPLACED)
            state.remove(target_matches, bundle, origin)
        elif directive == "remove":
            if not state.remove(matches, bundle, origin) and matches:
                raise ResolutionError(
                    f"bundle {bundle!r}: cannot remove {path!r}, not found in bundle ({origin.describe()})"
                )
        else:
            raise ResolutionError(
                f"bundle {bundle!r}: Unexpected directive {directive!r} in {origin.describe()}"
            )
        for entry in new:
            if entry.kind == "attachment":
                state.warn(entry_warning(self.ctx, entry))


# --- Bundle names ------------------------------------------------------------------------------


def _included(commands: Iterable[object]) -> Iterable[str]:
    for command in commands:
        if (
            isinstance(command, (list, tuple))
            and len(command) == 2
            and command[0] == "include"
            and isinstance(command[1], str)
        ):
            yield command[1]


def known_bundles(ctx: ResolutionContext) -> list[str]:
    """Bundle names that the active addons' manifests or the ir.asset rows mention."""
    names: set[str] = set(ctx.ir_assets)
    for rows in ctx.ir_assets.values():
        names.update(r.path for r in rows if r.directive == "include")
    for name in ctx.addon_order:
        addon = ctx.addons.get(name)
        if addon is None:
            continue
        names.update(addon.assets)
        for commands in addon.assets.values():
            names.update(_included(commands))
    return sorted(names)


def closest_bundles(name: str, known: Sequence[str]) -> list[str]:
    """Up to three known bundle names that look like `name`, best first."""
    return difflib.get_close_matches(name, known, n=3, cutoff=0.6)


def unknown_bundle_error(name: str, known: Sequence[str]) -> ResolutionError:
    hint = closest_bundles(name, known)
    suffix = f" (did you mean: {', '.join(hint)}?)" if hint else ""
    return ResolutionError(f"unknown bundle {name!r}{suffix}")


def resolve_bundle(ctx: ResolutionContext, bundle: str) -> ResolvedBundle:
    """The ordered entries of a bundle; raises ResolutionError where Odoo raises.

    `entries` holds files and attachment-URL entries in bundle order, `externals` the
    external URLs (kept apart, as Odoo renders them as their own links).
    """
    known = known_bundles(ctx)
    if bundle not in known:
        raise unknown_bundle_error(bundle, known)
    resolver = _Resolver(ctx)
    resolver.fill(bundle, ())
    entries = resolver.state.entries
    return ResolvedBundle(
        name=bundle,
        website_id=ctx.website_id,
        entries=tuple(e for e in entries if e.kind != "external"),
        externals=tuple(e for e in entries if e.kind == "external"),
        trace=tuple(resolver.state.trace),
        warnings=tuple(resolver.state.warnings),
    )
