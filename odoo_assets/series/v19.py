"""Odoo 19.0: as 18.0 for bundles (see the series table in docs/series.md for what else moved)."""

from __future__ import annotations

from odoo_assets.compilation.rules import ScriptRules, StyleRules
from odoo_assets.series.profile import PageBundle, SeriesProfile
from odoo_assets.series.shared import LOAD_BUNDLE_CALL
from odoo_assets.versions import UNIQUE_PATH, bundle_version_19

PROFILE = SeriesProfile(
    series="19.0",
    buildable=True,
    scripts=ScriptRules(
        module_header="loose",
        transpile_static_sources=True,
        define_form="dependencies",
        templates="per_template",
        errors_name_file=True,
        bare_import_keeps_indent=True,
        translations_per_module=True,
    ),
    styles=StyleRules(source_map_comment="/*#", odoo_importer=True, vendor_prefixes=False),
    version=bundle_version_19,
    urls=UNIQUE_PATH,
    page_bundles=(
        PageBundle("web.assets_web", "js", "backend"),
        PageBundle("web.assets_web", "css", "backend"),
        PageBundle("web.assets_web_print", "css", "backend"),
        PageBundle("web.assets_frontend", "css", "frontend"),
        PageBundle("web.assets_frontend_minimal", "js", "frontend"),
        PageBundle("web.assets_frontend_lazy", "js", "frontend"),
    ),
    lazy_loader=LOAD_BUNDLE_CALL,
    # 19.0 signals through insert-only tables (sequences do not replicate).
    signals=(("table", "orm_signaling_assets"),),
    legacy_shard=False,
    generates_on_request=True,
    map_mimetype="text/plain",
    index_other_types=False,
)
