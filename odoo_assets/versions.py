"""Bundle versions ("unique") and attachment URLs, computed as Odoo 17/18 computes them.

The version hashes file paths and modification times, never contents: it matches the server's
only when computed from the same files with the same mtimes under the same addons paths.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from odoo_assets.resolution import BundleEntry

AssetType = Literal["js", "css"]
JS_EXTENSIONS = ("js",)
TEMPLATE_EXTENSIONS = ("xml",)
STYLESHEET_EXTENSIONS = ("css", "scss", "sass", "less")
BUNDLE_EXTENSIONS = ("min.js", "min.css", "js", "css", "js.map", "css.map")


def _mtime_text(entry: BundleEntry) -> str:
    return str(entry.last_modified) if entry.last_modified is not None else "-1"


def checksum_descriptors(
    entries: Sequence[BundleEntry], asset_type: AssetType, rtl: bool = False
) -> list[str]:
    """The strings Odoo joins and hashes: JS then XML entries, or stylesheets with direction."""
    if asset_type == "js":
        scripts = [e for e in entries if e.extension in JS_EXTENSIONS]
        templates = [e for e in entries if e.extension in TEMPLATE_EXTENSIONS]
        return [f"{e.url},{_mtime_text(e)}" for e in (*scripts, *templates)]
    direction = "rtl" if rtl else "ltr"
    return [f"{e.url},{_mtime_text(e)},{direction}" for e in entries if e.extension in STYLESHEET_EXTENSIONS]


def bundle_checksum(entries: Sequence[BundleEntry], asset_type: AssetType, rtl: bool = False) -> str:
    """SHA-512 of the joined descriptors, first 64 hex digits."""
    text = ",".join(checksum_descriptors(entries, asset_type, rtl))
    return hashlib.sha512(text.encode("utf-8")).hexdigest()[:64]


def bundle_version(entries: Sequence[BundleEntry], asset_type: AssetType, rtl: bool = False) -> str:
    """The 7-character version that appears in bundle URLs."""
    return bundle_checksum(entries, asset_type, rtl)[:7]


def attachment_url(
    bundle: str, unique: str, ext: str, *, website_id: int | None = None, rtl: bool = False
) -> str:
    """`/web/assets/[<website>/]<unique>/<bundle>[.rtl].<ext>` (Odoo 17/18)."""
    if ext not in BUNDLE_EXTENSIONS:
        raise ValueError(f"not a bundle file extension: {ext!r}")
    is_css = ext.split(".")[-2 if ext.endswith(".map") else -1] == "css"
    name = f"{bundle}{'.rtl' if rtl and is_css else ''}.{ext}"
    prefix = f"/web/assets/{website_id}" if website_id else "/web/assets"
    return f"{prefix}/{unique}/{name}"
