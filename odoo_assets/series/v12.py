"""Odoo 12.0: repair only.

Bundle rows: `/web/content/<id>-<unique>/[<website>/][rtl/]<bundle>[.<n>].<ext>`.
"""

from __future__ import annotations

from odoo_assets.series.legacy import CONTENT_URLS, repair_only

PROFILE = repair_only("12.0", CONTENT_URLS, ("base_cache_signaling",))
