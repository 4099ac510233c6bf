"""The size report of a database's bundles: compiled in memory (through the compilation
cache), measured per addon and per file; nothing is stored."""

from __future__ import annotations

from dataclasses import replace

from odoo_assets.installation import Progress
from odoo_assets.jobs import Compiler, compile_variants
from odoo_assets.operations.workspace import Workspace
from odoo_assets.planning import VariantChoice, plan_variants
from odoo_assets.sizes import SizeManifest, size_manifest


def size_report(
    ws: Workspace,
    choice: VariantChoice,
    *,
    website_id: int | None = None,
    compiler: Compiler | None = None,
    progress: Progress | None = None,
) -> SizeManifest:
    """The chosen bundles (by default what pages load) as one website sees them, or as the
    backend does (no website)."""
    if website_id is not None:
        ws.website(website_id)  # an unknown id fails here, naming the known ones
    # What pages load: the size report leaves lazily loaded bundles and automatic
    # right-to-left CSS out.
    pages = replace(choice, websites=(), all_websites=False, pages_only=True, no_rtl=not choice.rtl)
    planned = plan_variants(ws, pages).variants
    variants = list(dict.fromkeys(replace(v, website_id=website_id) for v in planned))
    items = compile_variants(ws, variants, compiler or Compiler(), progress)
    source = {"kind": "database", "database": ws.db.name, "website_id": website_id}
    return size_manifest(ws, items, source)
