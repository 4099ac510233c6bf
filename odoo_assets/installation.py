"""An Odoo installation's bundles: resolution with per-run caches, variants, versions and URLs.

Resolving needs the addons on disk and a few facts a database holds (installed modules,
ir.asset rows, websites, themes): DatabaseFacts. operations.workspace reads them from a
database and adds its storage; odoo_assets.offline derives them from the addons' data files,
with no database at all. Nothing here imports the database driver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from odoo_assets import sources
from odoo_assets.addons import AddonIndex, active_addons, sort_addons
from odoo_assets.compilation import CompileOptions, SourceAsset
from odoo_assets.config import Settings
from odoo_assets.errors import OdooAssetsError, ResolutionError
from odoo_assets.globbing import Globber
from odoo_assets.resolution import (
    AssetWarning,
    AttachmentAsset,
    BundleEntry,
    IrAssetRow,
    Origin,
    ResolutionContext,
    ResolvedBundle,
    known_bundles,
    resolve_bundle,
)
from odoo_assets.series import SeriesProfile, profile_for
from odoo_assets.versions import JS_EXTENSIONS, STYLESHEET_EXTENSIONS, TEMPLATE_EXTENSIONS, AssetType

if TYPE_CHECKING:
    from odoo_assets.storage.blobstores import BlobReader
    from odoo_assets.storage.database import StoredFile, Website


@dataclass(frozen=True)
class Progress:
    """Callbacks for long work; the default does nothing (cron, pipes, library use)."""

    start: Callable[[int], None] = lambda total: None
    advance: Callable[[str], None] = lambda item: None


@dataclass(frozen=True)
class DatabaseFacts:
    """What resolving bundles needs beyond the addons on disk.

    `installed`: the modules a registry loads ∪ the server-wide modules (addons.installed_addons);
    `ir_assets`: every ir.asset row per bundle, inactive and website-specific ones included.
    """

    series: str
    installed: frozenset[str]
    ir_assets: Mapping[str, tuple[IrAssetRow, ...]]
    websites: tuple[Website, ...] = ()
    themes: frozenset[str] = frozenset()
    website_installed: bool = False
    # Where rows came from when not from a database: `<data file>:<xmlid>` by row id.
    row_origins: Mapping[int, str] = field(default_factory=dict)
    rtl_languages: tuple[str, ...] = ()  # codes of the active right-to-left languages


def group_by_bundle(rows: Iterable[IrAssetRow]) -> dict[str, tuple[IrAssetRow, ...]]:
    grouped: dict[str, list[IrAssetRow]] = {}
    for row in rows:
        grouped.setdefault(row.bundle, []).append(row)
    return {bundle: tuple(rows) for bundle, rows in grouped.items()}


@dataclass(kw_only=True)
class Installation:
    """The addons of one server and the facts of one database, with caches for one run.

    Without a database nothing is stored: attachment-URL entries find no attachment.
    """

    settings: Settings
    addons: AddonIndex
    addons_paths: tuple[Path, ...]
    facts: DatabaseFacts
    css_error_fallback: bool = False
    _contexts: dict[int | None, ResolutionContext] = field(default_factory=dict)
    _resolved: dict[tuple[str, int | None], ResolvedBundle] = field(default_factory=dict)
    # Bundles resolved without looking up any attachment, by what their resolution depended on.
    _twins: dict[tuple[str, tuple[object, ...]], ResolvedBundle] = field(default_factory=dict)
    _lookups: dict[int | None, int] = field(default_factory=dict)
    _files: dict[str, SourceAsset] = field(default_factory=dict)
    _real_dirs: dict[str, str] = field(default_factory=dict)
    _globs: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    _globber: Globber = field(default_factory=Globber)
    _lazy: dict[SourceAsset, tuple[str, ...]] = field(default_factory=dict)

    @property
    def series(self) -> str:
        return self.facts.series

    @property
    def profile(self) -> SeriesProfile:
        return profile_for(self.facts.series)

    @property
    def installed(self) -> frozenset[str]:
        return self.facts.installed

    @property
    def ir_assets(self) -> Mapping[str, tuple[IrAssetRow, ...]]:
        return self.facts.ir_assets

    @property
    def websites(self) -> tuple[Website, ...]:
        return self.facts.websites

    @property
    def themes(self) -> frozenset[str]:
        return self.facts.themes

    @property
    def website_installed(self) -> bool:
        return self.facts.website_installed

    @property
    def blob_store(self) -> BlobReader | None:
        """Where attachment blobs are read from; none without a database."""
        return None

    def stored_file(self, url: str, website_id: int | None) -> StoredFile | None:
        """The attachment serving an attachment-URL entry; none without a database."""
        return None

    def origin_text(self, origin: Origin) -> str:
        """Where an entry came from: `<addon>/__manifest__.py`, a data file record, a row."""
        if origin.source == "manifest":
            addon = self.addons.get(origin.addon or "")
            return f"{origin.addon}/{addon.manifest_file.name if addon else '__manifest__.py'}"
        found = self.facts.row_origins.get(origin.asset_id or 0)
        return found or f"ir.asset #{origin.asset_id}"

    def warning_text(self, warning: AssetWarning) -> str:
        """A warning as one line, its origin named as origin_text names it where that says
        more (a data file record, a manifest of another name)."""
        origin = warning.origin
        if origin is not None and (origin.source == "manifest" or origin.asset_id in self.facts.row_origins):
            return warning.message(self.origin_text(origin))
        return warning.message()

    def website(self, website_id: int) -> Website:
        for website in self.websites:
            if website.id == website_id:
                return website
        known = ", ".join(str(w.id) for w in self.websites) or "none"
        raise ResolutionError(f"unknown website id {website_id} (websites: {known})")

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

    def lazy_bundles_in(self, source: SourceAsset) -> tuple[str, ...]:
        """Bundles a script loads on demand (the profile's lazy loader), scanned once per run
        whatever the number of bundles and websites that hold it."""
        if source not in self._lazy:
            self._lazy[source] = tuple(self.profile.lazy_bundles_in(source.content or ""))
        return self._lazy[source]

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
            js_minifier=self.settings.js_minifier,
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
            blobs=self.blob_store,
            file_cache=self._files,
            real_dirs=self._real_dirs,
        )


# --- Variants, versions and URLs ---------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One stored form of a bundle: type, website, direction, debug."""

    bundle: str
    asset_type: AssetType
    website_id: int | None = None
    rtl: bool = False
    debug: bool = False
    # Why the variant is built ("page: backend", "lazy: loadBundle in …"); not part of its identity.
    reason: str = field(default="", compare=False)

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


def _extensions(asset_type: AssetType) -> tuple[str, ...]:
    return JS_EXTENSIONS + TEMPLATE_EXTENSIONS if asset_type == "js" else STYLESHEET_EXTENSIONS


def entries_of_type(resolved: ResolvedBundle, asset_type: AssetType) -> list[BundleEntry]:
    wanted = _extensions(asset_type)
    return [entry for entry in resolved.entries if entry.extension in wanted]


def warnings_of_type(resolved: ResolvedBundle, asset_type: AssetType) -> list[AssetWarning]:
    """The resolution's warnings that concern one type: those whose path has that type's
    extension, and those whose path has no asset extension (a glob like `**/*`, a `.py`)."""
    wanted = _extensions(asset_type)
    every = JS_EXTENSIONS + TEMPLATE_EXTENSIONS + STYLESHEET_EXTENSIONS
    return [
        w
        for w in resolved.warnings
        if (extension := (w.path or "").rpartition(".")[2]) in wanted or extension not in every
    ]


def collect_warnings(inst: Installation, variants: Iterable[Variant]) -> list[AssetWarning]:
    """The warnings of the variants' bundles, each once, in plan order; bundles that do not
    resolve have none (their error is reported with the variant)."""
    found: dict[AssetWarning, None] = {}
    for variant in variants:
        try:
            resolved = inst.resolve(variant.bundle, variant.website_id)
        except OdooAssetsError:
            continue
        found.update(dict.fromkeys(warnings_of_type(resolved, variant.asset_type)))
    return list(found)


def variant_url(inst: Installation, variant: Variant, unique: str, ext: str | None = None) -> str:
    return inst.profile.urls.build(
        variant.bundle,
        unique,
        ext or variant.ext,
        website_id=variant.website_id,
        rtl=variant.rtl and variant.asset_type == "css",
    )


def map_url(inst: Installation, variant: Variant, unique: str) -> str | None:
    """The URL of a debug variant's source map (which the debug file names)."""
    return variant_url(inst, variant, unique, f"{variant.asset_type}.map") if variant.debug else None


def current_version(inst: Installation, variant: Variant) -> str:
    resolved = inst.resolve(variant.bundle, variant.website_id)
    return inst.profile.version(resolved.entries, variant.asset_type, variant.rtl)
