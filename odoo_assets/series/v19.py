"""Odoo 19.0: 18.0 and these differences (see the series table in the README)."""

from __future__ import annotations

from dataclasses import replace

from odoo_assets.series import v18
from odoo_assets.series.profile import PageBundle
from odoo_assets.versions import bundle_version_19

PROFILE = replace(
    v18.PROFILE,
    series="19.0",
    scripts=replace(v18.PROFILE.scripts, bare_import_keeps_indent=True, translations_per_module=True),
    styles=replace(v18.PROFILE.styles, vendor_prefixes=False),
    version=bundle_version_19,
    page_bundles=tuple(
        PageBundle("website.assets_wysiwyg", "css", "frontend")
        if page.bundle == "website.assets_wysiwyg_inside"
        else page
        for page in v18.PROFILE.page_bundles
    ),
    # 19.0 signals through insert-only tables (sequences do not replicate).
    signals=(("table", "orm_signaling_assets"),),
    index_other_types=False,
    asset_element=True,
)
