"""Which variants to build, each with the reason it is built. No database here: `bundle build`,
`bundle compile` and the size report plan alike.

Without bundle names, the plan is every bundle a visitor can request:

    pages   what the backend page and each website's layout load (the series profile's
            page_bundles), for every website where the bundle is a frontend one;
    lazy    bundles the client loads on demand: the profile's lazy loader (`loadBundle("x")`
            in 17.0) found in the pages' scripts, then in those bundles' own scripts, kept when
            they are defined; requested from the scope of the page whose file holds the call
            (a backend file: no website; a frontend file: that website);
    rtl     the right-to-left CSS of each of those, where a right-to-left language is active
            (backend: any active one; a website: one of its languages).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

from odoo_assets import tools
from odoo_assets.errors import OdooAssetsError
from odoo_assets.installation import Installation, Variant, entries_of_type
from odoo_assets.resolution import AssetWarning
from odoo_assets.series.profile import Scope
from odoo_assets.versions import AssetType

ASSET_TYPES: tuple[AssetType, ...] = ("js", "css")


@dataclass(frozen=True)
class VariantChoice:
    """Which bundles and forms: named ones, every one (`all_bundles`), or what visitors request."""

    bundles: tuple[str, ...] = ()
    all_bundles: bool = False
    websites: tuple[int, ...] = ()
    all_websites: bool = False
    rtl: bool = False  # every CSS variant also right-to-left, rtlcss or not
    debug: bool = False
    no_rtl: bool = False  # no automatic right-to-left variants
    pages_only: bool = False  # the page bundles without the lazily loaded ones
    # the backend bundles also for each website, as served after the Website app selects one
    website_backends: bool = True
    strict: bool = False  # warnings are errors: automatic right-to-left variants stay without rtlcss


@dataclass
class Plan:
    """The variants to build in order, and what planning has to say about them."""

    variants: list[Variant] = field(default_factory=list)
    warnings: list[AssetWarning] = field(default_factory=list)


@dataclass(frozen=True)
class _Target:
    """A bundle and type to build for one website (or none), before directions and debug."""

    bundle: str
    asset_type: AssetType
    website_id: int | None
    scope: Scope  # whose languages decide the right-to-left variant
    reason: str


def _website_scopes(inst: Installation, choice: VariantChoice, frontend: bool) -> list[int | None]:
    if choice.websites:
        for website_id in choice.websites:
            inst.website(website_id)
        return list(choice.websites)
    all_ids: list[int | None] = [w.id for w in inst.websites]
    if choice.all_websites:
        return [None, *all_ids]
    if frontend and inst.website_installed and all_ids:
        return all_ids
    return [None]


def _named_targets(inst: Installation, choice: VariantChoice) -> list[_Target]:
    """Named bundles, or every one (`all_bundles`) but include-only helpers (names whose last
    part starts with `_`)."""
    if choice.all_bundles:
        names = [b for b in inst.known_bundles() if not b.rsplit(".", 1)[-1].startswith("_")]
    else:
        names = list(choice.bundles)
        known = inst.known_bundles()
        for name in names:
            if name not in known:
                inst.resolve(name, None)  # raises the "unknown bundle" error with suggestions
    reason = "--all" if choice.all_bundles else "requested"
    frontend_names = {page.bundle for page in inst.profile.bundles_of("frontend")}
    targets = []
    for name in names:
        scope: Scope = "frontend" if name in frontend_names else "backend"
        for asset_type in ASSET_TYPES:
            for website_id in _website_scopes(inst, choice, scope == "frontend"):
                targets.append(_Target(name, asset_type, website_id, scope, reason))
    return targets


def _page_targets(inst: Installation, choice: VariantChoice) -> list[_Target]:
    """The series' page bundles that some installed addon defines; with `website_backends`,
    the backend ones also for each website: a user who opened the Website app has that website
    selected for the whole backend, whose bundles then carry it."""
    defined = set(inst.known_bundles())
    targets = []
    for page in inst.profile.page_bundles:
        if page.bundle not in defined:
            continue
        frontend = page.scope == "frontend"
        for website_id in _website_scopes(inst, choice, frontend):
            targets.append(
                _Target(page.bundle, page.asset_type, website_id, page.scope, f"page: {page.scope}")
            )
        if not frontend and choice.website_backends and not choice.websites and not choice.all_websites:
            for website in inst.websites:
                reason = f"page: backend with website {website.id} selected"
                targets.append(_Target(page.bundle, page.asset_type, website.id, page.scope, reason))
    return targets


def _lazy_calls(inst: Installation, bundle: str, website_id: int | None) -> list[tuple[str, str]]:
    """(script url, bundle name) of every lazy-loader call in a bundle's scripts, in bundle
    order; nothing for a bundle that does not resolve or read (building it reports why)."""
    try:
        resolved = inst.resolve(bundle, website_id)
        scripts = inst.load_sources([e for e in resolved.entries if e.extension == "js"], website_id)
    except OdooAssetsError:
        return []
    return [(source.url, name) for source in scripts for name in inst.lazy_bundles_in(source)]


def _has_files(inst: Installation, bundle: str, website_id: int | None, asset_type: AssetType) -> bool:
    try:
        return bool(entries_of_type(inst.resolve(bundle, website_id), asset_type))
    except OdooAssetsError:
        return True  # built anyway, so that the error is reported


def _lazy_targets(inst: Installation, pages: list[_Target]) -> list[_Target]:
    """The defined bundles the pages' scripts load on demand, and those theirs load, each
    for the website (or none) of the page that loads it; grouped by bundle, then type."""
    defined = set(inst.known_bundles())
    queue = [(t.bundle, t.website_id, t.scope) for t in pages if t.asset_type == "js"]
    scanned: set[tuple[str, int | None]] = set()
    found: dict[tuple[str, int | None], tuple[str, Scope]] = {}  # → (calling script, scope)
    while queue:
        bundle, website_id, scope = queue.pop(0)
        if (bundle, website_id) in scanned:
            continue
        scanned.add((bundle, website_id))
        for url, name in _lazy_calls(inst, bundle, website_id):
            if name in defined and (name, website_id) not in found:
                found[name, website_id] = (url, scope)
                queue.append((name, website_id, scope))
    targets = []
    for name in dict.fromkeys(name for name, _ in found):
        for asset_type in ASSET_TYPES:
            for (bundle, website_id), (url, scope) in found.items():
                if bundle == name and _has_files(inst, bundle, website_id, asset_type):
                    targets.append(
                        _Target(bundle, asset_type, website_id, scope, f"lazy: loadBundle in {url}")
                    )
    return targets


def _rtl_languages(inst: Installation, target: _Target) -> tuple[str, ...]:
    """The active right-to-left languages a target's visitors may use."""
    if target.scope == "frontend" and target.website_id:
        return inst.website(target.website_id).rtl_languages
    return inst.facts.rtl_languages


def _rtlcss_missing(inst: Installation, targets: list[_Target]) -> AssetWarning | None:
    """One warning when right-to-left languages want CSS that rtlcss is not there to flip
    (found as the compiler finds it: --rtlcss, $ODOO_ASSETS_RTLCSS, node_modules, PATH)."""
    codes = sorted({code for t in targets if t.asset_type == "css" for code in _rtl_languages(inst, t)})
    command = inst.compile_options().rtlcss_command
    if not codes or (command is not None and shutil.which(command) is not None):
        return None
    why = tools.RTLCSS.missing() if command is None else f"rtlcss {command!r} is not an executable file"
    return AssetWarning(
        "rtl-skipped",
        f"right-to-left CSS not built although {', '.join(codes)} {'is' if len(codes) == 1 else 'are'}"
        f" active: {why}; --no-rtl skips it",
    )


def plan_variants(inst: Installation, choice: VariantChoice) -> Plan:
    """Every variant the choice asks for, in a stable order, each with its reason.

    Named bundles (or `all_bundles`) are built as asked: right-to-left only with `rtl`.
    Otherwise the plan is the pages, the lazily loaded bundles (unless `pages_only`) and,
    unless `no_rtl`, the right-to-left CSS wherever such a language is active; without rtlcss
    those are left out with one warning (with `strict` they stay in, and fail).
    """
    plan = Plan()
    if choice.bundles or choice.all_bundles:
        targets = _named_targets(inst, choice)
    else:
        targets = _page_targets(inst, choice)
        if not choice.pages_only:
            targets += _lazy_targets(inst, targets)
    automatic = not (choice.bundles or choice.all_bundles or choice.rtl or choice.no_rtl)
    if automatic and not choice.strict:
        missing = _rtlcss_missing(inst, targets)
        if missing is not None:
            plan.warnings.append(missing)
            automatic = False
    variants: list[Variant] = []
    for target in targets:
        directions = [(False, target.reason)]
        if target.asset_type == "css":
            if choice.rtl:
                directions.append((True, "rtl: --rtl"))
            elif automatic and (codes := _rtl_languages(inst, target)):
                directions.append((True, f"rtl: {', '.join(codes)} active"))
        for rtl, reason in directions:
            for debug in (False, True) if choice.debug else (False,):
                variants.append(
                    Variant(target.bundle, target.asset_type, target.website_id, rtl, debug, reason=reason)
                )
    plan.variants = list(dict.fromkeys(variants))
    return plan
