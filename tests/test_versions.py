"""Versions hash `url,mtime` descriptors (never contents); URLs per series. Hashes are
recomputed here with hashlib from descriptor strings written out literally."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from odoo_assets.addons import AddonIndex, sort_addons
from odoo_assets.resolution import BundleEntry, Origin, ResolutionContext, resolve_bundle
from odoo_assets.versions import (
    ID_UNIQUE_16,
    attachment_url,
    bundle_checksum,
    bundle_checksum_16,
    bundle_version,
    bundle_version_16,
    checksum_descriptors,
    checksum_input_16,
    debug_url,
)

ORIGIN = Origin("manifest", "web.x", "append", "x", addon="web")


def entry(url: str, mtime: float | None, filename: str | None = "") -> BundleEntry:
    return BundleEntry(url, "/srv/addons" + url if filename == "" else filename, "web.x", mtime, ORIGIN)


ENTRIES = [
    entry("/web/static/src/b.xml", 1700000000.0),
    entry("/web/static/src/a.js", 1700000000.25),
    entry("/web/static/src/s.scss", 1700000001.0),
    entry("web/static/asset_styles_company_report.scss", None, None),
    entry("https://cdn.example.com/lib.js", -1, None),
    entry("https://cdn.example.com/lib.css", -1, None),
    entry("/web/static/src/c.js", 1727345849.0),
    entry("/_custom/web.x/web/static/src/r.css", 1709289000.598335, None),
    entry("/web/static/src/x.sass", 1700000000.5),
    entry("/web/static/src/y.less", 1700000000.0),
    entry("/web/static/img/logo.svg", 1700000000.0),
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
    descriptors = [
        "/web/static/src/s.scss,1700000001.0,{d}",
        "web/static/asset_styles_company_report.scss,-1,{d}",
        "/_custom/web.x/web/static/src/r.css,1709289000.598335,{d}",
        "/web/static/src/x.sass,1700000000.5,{d}",
        "/web/static/src/y.less,1700000000.0,{d}",
    ]
    ltr = sha(",".join(d.format(d="ltr") for d in descriptors))
    rtl = sha(",".join(d.format(d="rtl") for d in descriptors))
    assert bundle_checksum(ENTRIES, "css") == ltr[:64]
    assert bundle_version(ENTRIES, "css") == ltr[:7]
    assert bundle_version(ENTRIES, "css", rtl=True) == rtl[:7]
    assert ltr[:7] != rtl[:7]


def test_mtime_formatting_is_python_float_str() -> None:
    entries = [
        entry("/a/static/a.js", 0.0),
        entry("/a/static/b.js", 1700000000),
        entry("/a/static/c.js", 1e10),
        entry("/a/static/d.js", 1700000000.1234567),
    ]
    assert checksum_descriptors(entries, "js") == [
        "/a/static/a.js,0.0",
        "/a/static/b.js,1700000000.0",
        "/a/static/c.js,10000000000.0",
        "/a/static/d.js,1700000000.1234567",
    ]


def test_empty_bundle_and_bad_asset_type() -> None:
    assert bundle_checksum([], "js") == sha("")[:64]
    assert bundle_version(ENTRIES[:1], "css") == sha("")[:7]
    with pytest.raises(ValueError, match="asset type"):
        bundle_version(ENTRIES, "xml")  # type: ignore[arg-type]


def test_version_of_a_resolved_bundle_follows_the_files_mtimes(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    files = {
        "web/static/src/b.xml": 1700000000.5,
        "web/static/src/a.js": 1700000000.0,
        "web/static/src/z.scss": 1700000002.0,
        "web/static/src/m.css": 1700000003.0,
    }
    (root / "web").mkdir(parents=True)
    (root / "web" / "__manifest__.py").write_text(
        repr(
            {
                "assets": {
                    "web.b": [
                        "web/static/src/*.xml",
                        "web/static/src/*.scss",
                        "web/static/src/*.js",
                        "web/static/src/m.css",
                        "web/static/src/custom.js",
                    ]
                }
            }
        )
    )
    for relative, mtime in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("x")
        os.utime(root / relative, (mtime, mtime))
    index = AddonIndex([root])
    ctx = ResolutionContext(index, frozenset({"web"}), sort_addons(index, {"web"}), {})
    entries = resolve_bundle(ctx, "web.b").entries
    assert (
        bundle_version(entries, "js")
        == sha(
            "/web/static/src/a.js,1700000000.0,web/static/src/custom.js,-1,/web/static/src/b.xml,1700000000.5"
        )[:7]
    )
    assert (
        bundle_version(entries, "css")
        == sha("/web/static/src/z.scss,1700000002.0,ltr,/web/static/src/m.css,1700000003.0,ltr")[:7]
    )
    os.utime(root / "web/static/src/a.js", (1700000009.25, 1700000009.25))
    entries = resolve_bundle(ctx, "web.b").entries
    assert (
        bundle_version(entries, "js")
        == sha(
            "/web/static/src/a.js,1700000009.25,web/static/src/custom.js,-1,/web/static/src/b.xml,1700000000.5"
        )[:7]
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "url"),
    [
        (("web.assets_web", "25a758f", "min.js"), {}, "/web/assets/25a758f/web.assets_web.min.js"),
        (("web.assets_web", "303fc99", "min.css"), {}, "/web/assets/303fc99/web.assets_web.min.css"),
        (
            ("web.assets_web", "b72ce09", "min.css"),
            {"rtl": True},
            "/web/assets/b72ce09/web.assets_web.rtl.min.css",
        ),
        (("web.assets_web", "b72ce09", "min.js"), {"rtl": True}, "/web/assets/b72ce09/web.assets_web.min.js"),
        (
            ("web.assets_frontend", "c87748c", "min.css"),
            {"website_id": 1},
            "/web/assets/1/c87748c/web.assets_frontend.min.css",
        ),
        (
            ("web.assets_frontend", "c87748c", "min.css"),
            {"website_id": 2, "rtl": True},
            "/web/assets/2/c87748c/web.assets_frontend.rtl.min.css",
        ),
        (
            ("web.assets_web", "1234567", "css.map"),
            {"rtl": True},
            "/web/assets/1234567/web.assets_web.rtl.css.map",
        ),
        (("web.assets_web", "1234567", "css"), {"rtl": True}, "/web/assets/1234567/web.assets_web.rtl.css"),
        (
            ("web.assets_web", "1234567", "js.map"),
            {"rtl": True, "website_id": 3},
            "/web/assets/3/1234567/web.assets_web.js.map",
        ),
        (("web.assets_web", "_______", "js"), {"website_id": 0}, "/web/assets/_______/web.assets_web.js"),
    ],
)
def test_attachment_urls(args: tuple[str, str, str], kwargs: dict[str, object], url: str) -> None:
    assert attachment_url(*args, **kwargs) == url  # type: ignore[arg-type]


def test_attachment_url_refuses_other_extensions() -> None:
    with pytest.raises(ValueError, match="not a bundle file extension: 'xml'"):
        attachment_url("web.assets_web", "1234567", "xml")


def test_debug_urls() -> None:
    assert debug_url("web.assets_web", "js") == "/web/assets/debug/web.assets_web.js"
    assert debug_url("web.assets_web", "css", rtl=True) == "/web/assets/debug/web.assets_web.rtl.css"
    assert debug_url("web.assets_frontend", "js", website_id=1, rtl=True) == (
        "/web/assets/1/debug/web.assets_frontend.js"
    )


# --- 16.0 ---------------------------------------------------------------------------------------


def test_16_checksum_input_is_json_of_files_then_dates() -> None:
    entries = [
        entry("/web/static/src/a.js", 1700000000.0),
        entry("https://cdn.example.com/lib.js", -1, None),
        entry("/web/static/src/b.xml", 1700000000.5),
        entry("/_custom/web.x/web/static/src/s.scss", 1709289000.598335, None),
        entry("web/static/src/missing.css", None, None),
    ]
    expected = (
        '[{"atype": "text/javascript", "content": "", "filename": "/srv/addons/web/static/src/a.js",'
        ' "media": null, "url": "/web/static/src/a.js"},'
        ' {"atype": "text/xml", "content": "", "filename": "/srv/addons/web/static/src/b.xml",'
        ' "media": null, "url": "/web/static/src/b.xml"},'
        ' {"atype": "text/scss", "content": "", "filename": false,'
        ' "media": null, "url": "/_custom/web.x/web/static/src/s.scss"},'
        ' {"atype": "text/css", "content": "", "filename": false,'
        ' "media": null, "url": "web/static/src/missing.css"}]'
        "2023-11-14 22:13:20,2023-11-14 22:13:20.500000,2024-03-01 10:30:00.598335,1970-01-01 00:00:00"
    )
    assert checksum_input_16(entries) == expected
    assert bundle_checksum_16(entries) == sha(expected)[:64]
    assert bundle_version_16(entries) == sha(expected)[:7]
    assert '"media": "print"' in checksum_input_16(entries, media="print")


def test_16_attachment_urls() -> None:
    build = ID_UNIQUE_16.build
    assert build("web.assets_common", "abcdef0", "min.js", attachment_id=42) == (
        "/web/assets/42-abcdef0/web.assets_common.min.js"
    )
    assert build("web.assets_common", "abcdef0", "min.css", website_id=1, rtl=True, attachment_id=42) == (
        "/web/assets/42-abcdef0/1/rtl/web.assets_common.min.css"
    )
    assert build("web.assets_common", "abcdef0", "js", rtl=True, attachment_id=42) == (
        "/web/assets/42-abcdef0/web.assets_common.js"
    )
