"""Resolving a bundle into its ordered list of files, as Odoo 17's ir.asset does.

Inputs are plain records (addons, installed modules, ir_asset rows, the website); the output
is a ResolvedBundle whose entries keep where each file came from, for `bundle inspect`.
"""

from __future__ import annotations

import difflib
import glob
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from odoo_assets.addons import Addon, AddonIndex
from odoo_assets.errors import ResolutionError

log = logging.getLogger(__name__)

# ir.asset rows with a lower sequence come before every manifest entry, the others after.
DEFAULT_SEQUENCE = 16
ASSET_EXTENSIONS = frozenset({"js", "css", "scss", "sass", "less", "xml"})
TARGETED_DIRECTIVES = frozenset({"before", "after", "replace"})
DIRECTIVES = frozenset({"append", "prepend", "remove", "include"}) | TARGETED_DIRECTIVES
WILDCARD_CHARS = frozenset("*?[]")


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

    def describe(self) -> str:
        where = (
            f"{self.addon}/__manifest__.py" if self.source == "manifest" else (f"ir.asset #{self.asset_id}")
        )
        return f"{where} [{self.bundle}] {self.directive} {self.path!r}"


@dataclass(frozen=True)
class BundleEntry:
    """One file of a resolved bundle, keyed by its web path as Odoo keys it."""

    url: str
    filename: str | None
    bundle: str
    last_modified: float | None
    origin: Origin
    kind: str = "file"  # "file" | "attachment" | "external"

    @property
    def extension(self) -> str:
        return self.url.rpartition(".")[2]


@dataclass(frozen=True)
class TraceEvent:
    """Something that happened to a path while resolving, in order."""

    # added, prepended, inserted-before, inserted-after, replaced, removed, duplicate, no-match
    action: str
    url: str
    origin: Origin
    index: int | None = None


@dataclass(frozen=True)
class ResolvedBundle:
    name: str
    website_id: int | None
    entries: tuple[BundleEntry, ...]
    externals: tuple[BundleEntry, ...]
    trace: tuple[TraceEvent, ...]


@dataclass(frozen=True)
class ResolutionContext:
    """What the server knows when it resolves a bundle for one website (or none)."""

    addons: AddonIndex
    installed: frozenset[str]
    addon_order: tuple[str, ...]
    ir_assets: Mapping[str, tuple[IrAssetRow, ...]]
    website_installed: bool = False
    website_id: int | None = None
    attachment_lookup: Callable[[str], AttachmentAsset | None] = lambda url: None


# --- Paths -------------------------------------------------------------------------------------


def can_aggregate(url: str) -> bool:
    """Local paths are bundled; URLs with a scheme or host, and /web/content, stay external."""
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("/web/content")


def is_wildcard(path: str) -> bool:
    return any(char in WILDCARD_CHARS for char in path)


@dataclass(frozen=True)
class PathMatch:
    url: str
    filename: str | None
    last_modified: float | None
    kind: str


def _glob_static(pattern: str) -> list[tuple[str, float]]:
    found = []
    for name in glob.glob(pattern, recursive=True):
        if name.rpartition(".")[2] in ASSET_EXTENSIONS:
            found.append((name, os.path.getmtime(name)))
    return sorted(found)


def get_paths(ctx: ResolutionContext, path_def: str, bundle: str) -> list[PathMatch]:
    """Expand a path or glob of a bundle definition into web paths, as Odoo 17 does."""
    parts = [part for part in path_def.split("/") if part]
    addon: Addon | None = ctx.addons.get(parts[0]) if parts else None
    matches: list[PathMatch] = []
    if addon is not None:
        if addon.name not in ctx.installed:
            raise ResolutionError(
                f"bundle {bundle!r}: {path_def!r} belongs to addon {addon.name!r}, which is not installed"
            )
        root = str(addon.addons_path)
        full_path = os.path.normpath(os.sep.join([root, *parts]))
        static_prefix = os.sep.join([root, addon.name, "static", ""])
        # normpath has neutralised "..": anything outside <addon>/static/ is not globbed.
        if full_path.startswith(static_prefix):
            matches = [
                PathMatch(name[len(root) :].replace(os.sep, "/"), name, mtime, "file")
                for name, mtime in _glob_static(full_path)
            ]
    if matches:
        return matches
    if not can_aggregate(path_def):
        return [PathMatch(path_def, None, -1.0, "external")]
    if not is_wildcard(path_def):
        stored = ctx.attachment_lookup(path_def)
        return [PathMatch(path_def, None, stored.last_modified if stored else None, "attachment")]
    log.warning('IrAsset: the path "%s" did not resolve to anything.', path_def)
    return []


# --- ir.asset rows -----------------------------------------------------------------------------


def related_rows(ctx: ResolutionContext, bundle: str) -> list[IrAssetRow]:
    """The bundle's ir.asset rows for this website, ordered by (sequence, id), active only."""
    rows = sorted(ctx.ir_assets.get(bundle, ()), key=lambda r: (r.sequence, r.id))
    if ctx.website_installed:
        website_id = ctx.website_id or None
        if website_id is None:
            rows = [r for r in rows if r.website_id is None]
        else:
            rows = [r for r in rows if r.website_id in (None, website_id)]
            overridden = {r.key for r in rows if r.website_id == website_id and r.key}
            rows = [r for r in rows if r.website_id == website_id or not r.key or r.key not in overridden]
    return [r for r in rows if r.active]


# --- The fill algorithm ------------------------------------------------------------------------


@dataclass
class _State:
    entries: list[BundleEntry] = field(default_factory=list)
    memo: set[str] = field(default_factory=set)
    trace: list[TraceEvent] = field(default_factory=list)

    def index_of(self, url: str) -> int:
        for index, entry in enumerate(self.entries):
            if entry.url == url:
                return index
        raise ValueError(url)

    def insert(
        self, matches: Sequence[PathMatch], bundle: str, origin: Origin, index: int, action: str
    ) -> None:
        new = []
        for match in matches:
            if match.url in self.memo:
                self.trace.append(TraceEvent("duplicate", match.url, origin))
                continue
            self.memo.add(match.url)
            new.append(
                BundleEntry(match.url, match.filename, bundle, match.last_modified, origin, match.kind)
            )
        self.entries[index:index] = new
        for offset, entry in enumerate(new):
            self.trace.append(TraceEvent(action, entry.url, origin, index + offset))

    def remove(self, matches: Sequence[PathMatch], origin: Origin) -> bool:
        """Remove the given paths; False when none of them is present."""
        present = {m.url for m in matches if m.url in self.memo}
        if not present:
            return False
        for index, entry in enumerate(self.entries):
            if entry.url in present:
                self.trace.append(TraceEvent("removed", entry.url, origin, index))
        self.entries[:] = [e for e in self.entries if e.url not in present]
        self.memo -= present
        return True


def _manifest_command(addon: Addon, bundle: str, command: object) -> tuple[str, str | None, str]:
    """(directive, target, path) of one manifest command."""
    if isinstance(command, str):
        return "append", None, command
    if isinstance(command, (list, tuple)) and command and all(isinstance(c, str) for c in command):
        directive = command[0]
        if directive in TARGETED_DIRECTIVES and len(command) == 3:
            return directive, command[1], command[2]
        if directive not in TARGETED_DIRECTIVES and len(command) == 2:
            return directive, None, command[1]
    raise ResolutionError(
        f"bundle {bundle!r}: malformed asset command {command!r} in {addon.path}/__manifest__.py"
    )


class _Resolver:
    def __init__(self, ctx: ResolutionContext) -> None:
        self.ctx = ctx
        self.state = _State()

    def fill(self, bundle: str, seen: tuple[str, ...]) -> None:
        if bundle in seen:
            chain = " > ".join((*seen, bundle))
            raise ResolutionError(f"Circular assets bundle declaration: {chain}")
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
                directive, target, path = _manifest_command(addon, bundle, command)
                origin = Origin("manifest", bundle, directive, path, addon=name, target=target)
                self.process(directive, target, path, bundle, seen, start, origin)
        for row in rows:
            if row.sequence >= DEFAULT_SEQUENCE:
                self._row(row, bundle, seen, start)

    def _row(self, row: IrAssetRow, bundle: str, seen: tuple[str, ...], start: int) -> None:
        origin = Origin("ir.asset", bundle, row.directive or "", row.path, asset_id=row.id, target=row.target)
        self.process(row.directive, row.target, row.path, bundle, seen, start, origin)

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
        if directive not in DIRECTIVES:
            raise ResolutionError(
                f"bundle {bundle!r}: unexpected directive {directive!r} in {origin.describe()}"
            )
        if directive == "include":
            self.fill(path, (*seen, bundle))
            return
        if can_aggregate(path):
            matches = get_paths(self.ctx, path, bundle)
        else:
            matches = [PathMatch(path, None, -1.0, "external")]
        if not matches:
            self.state.trace.append(TraceEvent("no-match", path, origin))
        state = self.state
        target_index = 0
        target_matches: list[PathMatch] = []
        if directive in TARGETED_DIRECTIVES:
            target = target or ""
            target_matches = get_paths(self.ctx, target, bundle)
            if not target_matches and target.rpartition(".")[2] not in ASSET_EXTENSIONS:
                self.state.trace.append(TraceEvent("no-match", target, origin))
                return
            key = target_matches[0].url if target_matches else target
            try:
                target_index = state.index_of(key)
            except ValueError:
                raise ResolutionError(
                    f"bundle {bundle!r}: {directive} target {target!r} is not in the bundle"
                    f" ({origin.describe()})"
                ) from None
        if directive == "append":
            state.insert(matches, bundle, origin, len(state.entries), "added")
        elif directive == "prepend":
            state.insert(matches, bundle, origin, start, "prepended")
        elif directive == "before":
            state.insert(matches, bundle, origin, target_index, "inserted-before")
        elif directive == "after":
            state.insert(matches, bundle, origin, target_index + 1, "inserted-after")
        elif directive == "replace":
            state.insert(matches, bundle, origin, target_index, "replaced")
            state.remove(target_matches or [PathMatch(target or "", None, None, "attachment")], origin)
        elif directive == "remove" and not state.remove(matches, origin) and matches:
            raise ResolutionError(
                f"bundle {bundle!r}: cannot remove {path!r}, it is not in the bundle ({origin.describe()})"
            )


def known_bundles(ctx: ResolutionContext) -> list[str]:
    """Bundle names mentioned by the active addons' manifests or by ir.asset rows."""
    names: set[str] = set(ctx.ir_assets)
    for name in ctx.addon_order:
        addon = ctx.addons.get(name)
        if addon is not None:
            names.update(addon.assets)
            for commands in addon.assets.values():
                names.update(
                    c[1]
                    for c in commands
                    if isinstance(c, (list, tuple)) and len(c) == 2 and c[0] == "include"
                )
    return sorted(names)


def closest_bundles(name: str, known: Sequence[str]) -> list[str]:
    return difflib.get_close_matches(name, known, n=3, cutoff=0.6)


def resolve_bundle(ctx: ResolutionContext, bundle: str) -> ResolvedBundle:
    """The ordered entries of a bundle; raises ResolutionError where Odoo raises."""
    known = known_bundles(ctx)
    if bundle not in known:
        hint = closest_bundles(bundle, known)
        suffix = f" (did you mean: {', '.join(hint)}?)" if hint else ""
        raise ResolutionError(f"unknown bundle {bundle!r}{suffix}")
    resolver = _Resolver(ctx)
    resolver.fill(bundle, ())
    entries = resolver.state.entries
    return ResolvedBundle(
        name=bundle,
        website_id=ctx.website_id,
        entries=tuple(e for e in entries if e.kind != "external"),
        externals=tuple(e for e in entries if e.kind == "external"),
        trace=tuple(resolver.state.trace),
    )
