"""Odoo 15.0: repair only. Bundle rows:
`/web/assets/<id>-<unique>/[<website>/][rtl/]<bundle>.<min.js|min.css|js|css|js.map|css.map>`."""

from __future__ import annotations

import re

from odoo_assets.series.legacy import repair_only
from odoo_assets.versions import UrlScheme

URLS = UrlScheme(
    like="/web/assets/%",
    pattern=re.compile(
        r"^/web/assets/(?P<id>\d+)-(?P<unique>[0-9a-f]{7})/(?:(?P<website>[1-9]\d*)/)?(?P<rtl>rtl/)?"
        r"(?P<name>[^/.][^/]*?)\.(?P<ext>min\.js|min\.css|js\.map|css\.map|js|css)$"
    ),
    rtl_form="segment",
    carries_id=True,
)

PROFILE = repair_only("15.0", URLS, ("base_cache_signaling",))
