"""Versions hash `url,mtime` descriptors (never contents), per spec; URLs per series."""

from __future__ import annotations

import hashlib

import pytest

from odoo_assets.resolution import BundleEntry, Origin
from odoo_assets.versions import attachment_url, bundle_checksum, bundle_version

ORIGIN = Origin("manifest", "web.x", "append", "x", addon="web")


def entry(url: str, mtime: float | None) -> BundleEntry:
    return BundleEntry(url, "/abs" + url, "web.x", mtime, ORIGIN)


ENTRIES = [
    entry("/web/static/src/b.xml", 1700000000.0),
    entry("/web/static/src/a.js", 1700000000.25),
    entry("/web/static/src/s.scss", 1700000001.0),
    entry("web/static/asset_styles_company_report.scss", None),
    entry("/web/static/src/c.js", 1727345849.0),
    entry("/web/static/src/r.css", 1700000002.5),
]


def sha(text: str) -> str:
    return hashlib.sha512(text.encode()).hexdigest()


def test_js_version_hashes_scripts_then_templates() -> None:
    expected = sha(
        "/web/static/src/a.js,1700000000.25,/web/static/src/c.js,1727345849.0,"
        "/web/static/src/b.xml,1700000000.0"
    )
    assert bundle_checksum(ENTRIES, "js") == expected[:64]
    assert bundle_version(ENTRIES, "js") == expected[:7]


def test_css_version_carries_direction_and_unknown_mtime() -> None:
    ltr = sha(
        "/web/static/src/s.scss,1700000001.0,ltr,web/static/asset_styles_company_report.scss,-1,ltr,"
        "/web/static/src/r.css,1700000002.5,ltr"
    )
    assert bundle_version(ENTRIES, "css") == ltr[:7]
    assert bundle_version(ENTRIES, "css", rtl=True) == sha((
        "/web/static/src/s.scss,1700000001.0,rtl,web/static/asset_styles_company_report.scss,-1,rtl,"
        "/web/static/src/r.css,1700000002.5,rtl"
    ))[:7]


@pytest.mark.parametrize(
    ("args", "kwargs", "url"),
    [
        (("web.assets_web", "25a758f", "min.js"), {}, "/web/assets/25a758f/web.assets_web.min.js"),
        (("web.assets_web", "b72ce09", "min.css"), {"rtl": True}, "/web/assets/b72ce09/web.assets_web.rtl.min.css"),
        (("web.assets_web", "b72ce09", "min.js"), {"rtl": True}, "/web/assets/b72ce09/web.assets_web.min.js"),
        (("web.assets_frontend", "c87748c", "min.css"), {"website_id": 1}, "/web/assets/1/c87748c/web.assets_frontend.min.css"),
        (("web.assets_web", "1234567", "css.map"), {"rtl": True}, "/web/assets/1234567/web.assets_web.rtl.css.map"),
        (("web.assets_web", "_______", "js"), {}, "/web/assets/_______/web.assets_web.js"),
    ],
)
def test_attachment_urls(args: tuple[str, str, str], kwargs: dict[str, object], url: str) -> None:
    assert attachment_url(*args, **kwargs) == url  # type: ignore[arg-type]
