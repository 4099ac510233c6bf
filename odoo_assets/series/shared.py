"""Values several series profiles share."""

from __future__ import annotations

import re
from collections.abc import Sequence

from odoo_assets.compilation.rules import ScriptRules, StyleRules
from odoo_assets.errors import OdooAssetsError
from odoo_assets.resolution import BundleEntry
from odoo_assets.series.profile import SeriesProfile
from odoo_assets.versions import AssetType, UrlScheme

# Where the web client names bundles it loads on demand: the loaders' calls
# (`loadBundle("web.chartjs_lib")`, `getBundle('…')`, 19.0's `loadCssFromBundle(node, "…")`,
# 16.0's `loadWysiwyg(['…'])`) and the lists of bundles handed to them (16.0's
# `additionnalAssets: ['…']`, `xmlids = ['…', …]`). The names are the quoted dotted words of
# the call's or list's first 400 characters up to its end (`;` or `]`), so a choice written as
# `dark ? "web.assets_backend_lazy_dark" : "web.assets_backend_lazy"` gives both; only names
# of defined bundles are kept by the planner.
LOAD_BUNDLE_CALL = re.compile(
    r"(?<![\w$])(?:(?:load|get)Bundle|load(?:Css|Js)FromBundle|loadWysiwyg)\((?P<call>[^;]{0,400})"
    r"|(?<![\w$])(?:additionnalAssets|xmlids)\s*[:=]\s*\[(?P<list>[^\]]{0,400})"
)
_BUNDLE_NAME = re.compile(r"""(?P<q>["'`])(?P<name>[a-z_]\w*(?:\.\w+)+)(?P=q)""")


_LOADER_WORDS = ("Bundle(", "loadWysiwyg(", "additionnalAssets", "xmlids")


def lazy_bundle_names(loader: re.Pattern[str], script: str) -> list[str]:
    """The bundle names a script hands to the loaders `loader` finds, in order."""
    # Most scripts name no loader: a substring test is far cheaper than the pattern.
    if not any(word in script for word in _LOADER_WORDS):
        return []
    names: list[str] = []
    for match in loader.finditer(script):
        window = match["call"] if match["call"] is not None else match["list"]
        names += [found["name"] for found in _BUNDLE_NAME.finditer(window or "")]
    return names


def repair_only(series: str, urls: UrlScheme, signal_sequences: tuple[str, ...]) -> SeriesProfile:
    """A series whose bundle rows odoo-assets recognises and repairs but does not build:
    deleting a broken row (and signalling the workers) makes the server build it again."""
    return SeriesProfile(
        series=series,
        buildable=False,
        not_buildable_hint=(
            f"odoo-assets repairs {series} bundles but does not build them: run `bundle regenerate`"
            " (it deletes the broken rows, and the server rebuilds them on the next page view)"
        ),
        scripts=ScriptRules(define_form="async", templates="loadxml"),
        styles=StyleRules(),
        version=_no_version,
        urls=urls,
        page_bundles=(),
        lazy_loader=None,
        signals=tuple(("sequence", name) for name in signal_sequences),
        legacy_shard=True,
        generates_on_request=False,
        glob_scope="addon",
    )


def _no_version(entries: Sequence[BundleEntry], asset_type: AssetType, rtl: bool = False) -> str:
    raise OdooAssetsError("this series' bundle versions are not computed by odoo-assets")


# 12.0–14.0: `/web/content/<id>-<unique>/[<website>/][rtl/]<bundle>[.<part>].<js|css>`
# (12.0 numbers every stylesheet part, `.0.css` included).
CONTENT_URLS = UrlScheme(
    like="/web/content/%",
    pattern=re.compile(
        r"^/web/content/(?P<id>\d+)-(?P<unique>[0-9a-f]{7})/(?:(?P<website>[1-9]\d*)/)?(?P<rtl>rtl/)?"
        r"(?P<name>[^/.][^/]*?)(?:\.(?P<part>\d+))?\.(?P<ext>js|css)$"
    ),
    rtl_form="segment",
    carries_id=True,
)
