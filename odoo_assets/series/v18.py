"""Odoo 18.0: every static/src|tests script is a module, templates register one by one,
an SCSS importer for Odoo paths, a print bundle on the backend page, no 3-character shard."""

from __future__ import annotations

from odoo_assets.compilation.rules import ScriptRules, StyleRules
from odoo_assets.series.profile import PageBundle, SeriesProfile
from odoo_assets.series.shared import LOAD_BUNDLE_CALL
from odoo_assets.versions import UNIQUE_PATH, bundle_version

PROFILE = SeriesProfile(
    series="18.0",
    buildable=True,
    scripts=ScriptRules(
        module_header="loose",
        transpile_static_sources=True,
        define_form="dependencies",
        templates="per_template",
        errors_name_file=True,
    ),
    styles=StyleRules(source_map_comment="/*#", odoo_importer=True),
    version=bundle_version,
    urls=UNIQUE_PATH,
    page_bundles=(
        PageBundle("web.assets_web", "js", "backend"),
        PageBundle("web.assets_web", "css", "backend"),
        PageBundle("web.assets_web_print", "css", "backend"),
        PageBundle("web.assets_frontend", "css", "frontend"),
        PageBundle("web.assets_frontend_minimal", "js", "frontend"),
        PageBundle("web.assets_frontend_lazy", "js", "frontend"),
        # The public Discuss page (`/chat/…`, `/discuss/channel/…`).
        PageBundle("mail.assets_public", "js", "backend"),
        PageBundle("mail.assets_public", "css", "backend"),
        # The Website app's fallback frame (`/website/iframefallback`).
        PageBundle("website.assets_wysiwyg_inside", "css", "frontend"),
    ),
    lazy_loader=LOAD_BUNDLE_CALL,
    signals=(("sequence", "base_cache_signaling_assets"),),
    legacy_shard=False,
    map_mimetype="text/plain",
)
