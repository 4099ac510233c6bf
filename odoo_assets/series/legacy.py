"""What the repair-only series (12.0–15.0) share."""

from __future__ import annotations

import re
from collections.abc import Sequence

from odoo_assets.compilation.rules import ScriptRules, StyleRules
from odoo_assets.errors import OdooAssetsError
from odoo_assets.resolution import BundleEntry
from odoo_assets.series.profile import SeriesProfile
from odoo_assets.versions import AssetType, UrlScheme


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
