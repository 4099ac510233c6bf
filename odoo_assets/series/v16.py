"""Odoo 16.0: one version per bundle, attachment ids in URLs, bundles built while rendering."""

from __future__ import annotations

from odoo_assets.compilation.rules import ScriptRules, StyleRules
from odoo_assets.series.profile import PageBundle, SeriesProfile
from odoo_assets.series.shared import LOAD_BUNDLE_CALL
from odoo_assets.versions import ID_UNIQUE_16, bundle_version_per_bundle_16

PROFILE = SeriesProfile(
    series="16.0",
    buildable=True,
    scripts=ScriptRules(
        module_header="strict",
        transpile_static_sources=False,
        define_form="async",
        templates="loadxml",
    ),
    # 16.0 wrote the map comment with a typo (`//*#`), which its browsers ignore.
    styles=StyleRules(source_map_comment="//*#", odoo_importer=True),
    version=bundle_version_per_bundle_16,
    urls=ID_UNIQUE_16,
    page_bundles=(
        PageBundle("web.assets_common", "js", "backend"),
        PageBundle("web.assets_common", "css", "backend"),
        PageBundle("web.assets_backend", "js", "backend"),
        PageBundle("web.assets_backend", "css", "backend"),
        PageBundle("web.assets_backend_prod_only", "js", "backend"),
        PageBundle("web.assets_frontend", "css", "frontend"),
        PageBundle("web.assets_frontend_minimal", "js", "frontend"),
        PageBundle("web.assets_frontend_lazy", "js", "frontend"),
        # The public Discuss page (`/chat/…`, `/discuss/channel/…`).
        PageBundle("mail.assets_common_discuss_public", "js", "backend"),
        PageBundle("mail.assets_common_discuss_public", "css", "backend"),
        PageBundle("mail.assets_discuss_public", "js", "backend"),
        PageBundle("mail.assets_discuss_public", "css", "backend"),
        # The Website app's fallback frame (`/website/iframefallback`).
        PageBundle("website.assets_wysiwyg_inside", "css", "frontend"),
    ),
    lazy_loader=LOAD_BUNDLE_CALL,
    signals=(("sequence", "base_cache_signaling"),),
    legacy_shard=True,
    rows_carry_website=True,
)
