"""Stylesheets: per-file rewriting, one SCSS compilation per bundle, minification, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from odoo_assets.compilation import CompileOptions, SourceAsset, compile_css
from odoo_assets.compilation.stylesheets import (
    add_vendor_prefixes,
    rewrite_stylesheet,
    sanitize_imports,
)
from odoo_assets.errors import CompilationError

OPTIONS = CompileOptions()


def test_rewrite_relative_urls_imports_and_charset() -> None:
    css = '@charset "UTF-8";\n@import "fonts.css";\n@import url(x.css);\na { background: url(../img/a.png); b: url( "i.svg" ); c: url(/abs.png); d: url(data:x); e: url("q.png"); }'
    assert rewrite_stylesheet("/web/static/src/css/r.css", "css", css) == (
        '\n@import "/web/static/src/css/fonts.css";\n@import url(/web/static/src/css/x.css);\n'
        'a { background: url(/web/static/src/css/../img/a.png); b: url("/web/static/src/css/i.svg" );'
        ' c: url(/abs.png); d: url(data:x); e: url("/web/static/src/css/q.png"); }'
    )
    # SCSS keeps its @import lines for the compiler's own rules.
    assert rewrite_stylesheet("/web/static/src/a.scss", "scss", '@import "x";') == '@import "x";'


def test_import_sanitising_keeps_include_path_partials_once() -> None:
    errors: list[str] = []
    out = sanitize_imports(
        '@import "functions";\n@import "functions";\n@import "./x";\n@import \'a.css\'', errors
    )
    assert out == '@import "functions";\n\n\n'
    assert errors == [
        f"Local import '{ref}' is forbidden for security reasons. Please remove all @import "
        "{your_file} imports in your custom files. In Odoo you have to import all files in the "
        "assets, and not through the @import statement."
        for ref in ("functions", "./x", "a.css")
    ]


def test_vendor_prefixes() -> None:
    assert add_vendor_prefixes(
        "a {\n  appearance: none;\n  display: inline-flex !important;\n  justify-content: flex-end;\n"
        "  flex-flow: row wrap;\n  flex-direction: column;\n  flex-wrap: wrap;\n  flex: 1 1 auto;\n}"
    ) == (
        "a {\n  -webkit-appearance: none; -moz-appearance: none; appearance: none;\n"
        "  display: -webkit-inline-box !important; display: -webkit-inline-flex !important; display: inline-flex !important;\n"
        "  -webkit-box-pack: end; justify-content: flex-end;\n"
        "  -webkit-flex-flow: row wrap; flex-flow: row wrap;\n"
        "  -webkit-box-orient: vertical; -webkit-box-direction: normal; -webkit-flex-direction: column; flex-direction: column;\n"
        "  -webkit-flex-wrap: wrap; flex-wrap: wrap;\n"
        "  -webkit-box-flex: 1; -webkit-flex: 1 1 auto; flex: 1 1 auto;\n}"
    )


def test_bundle_minified_with_inline_chunk_and_hoisted_imports() -> None:
    assets = [
        SourceAsset("/a/static/src/v.scss", "$c: #123456;\n"),
        SourceAsset("/a/static/src/r.css", '@import "f.css";\n/* note */\nb  {  color : red ; }\n'),
        SourceAsset("/a/static/src/s.scss", '.x::before { content: "›"; color: $c; }\n'),
        SourceAsset("/a/static/src/ignored.js", "x"),
    ]
    [out] = compile_css("a.b", assets, OPTIONS)
    assert out.ext == "min.css" and out.mimetype == "text/css"
    assert out.content == (
        '@import "/a/static/src/f.css";\n'
        '\n/* <inline asset> */\n@charset "UTF-8"; \n'
        "\n/* /a/static/src/v.scss */\n \n"
        "\n/* /a/static/src/r.css */\n b{color : red ;}\n"
        '\n/* /a/static/src/s.scss */\n .x::before{content: "›"; color: #123456;}'
    )


def test_scss_error_names_original_file_and_line() -> None:
    assets = [
        SourceAsset("/a/static/src/ok.scss", "$a: 1;\n$b: 2;\n"),
        SourceAsset("/a/static/src/broken.scss", ".x {\n  color: $nope;\n}\n"),
    ]
    with pytest.raises(
        CompilationError, match=r"^/a/static/src/broken.scss:2:\d+: SCSS error: Undefined variable"
    ):
        compile_css("a.b", assets, OPTIONS)


def test_forbidden_import_is_an_error_unless_fallback() -> None:
    assets = [SourceAsset("/a/static/src/x.scss", '@import "../secret";\n.a { b: c; }\n')]
    with pytest.raises(CompilationError, match=r"bundle 'a.b': Local import '../secret' is forbidden"):
        compile_css("a.b", assets, OPTIONS)
    [out] = compile_css("a.b", assets, CompileOptions(css_error_fallback=True), previous_css="old{}")
    assert out.content.startswith(
        "old{}\n\n/* ## CSS error message ##*/\nbody::before {\n  font-weight: bold;"
    )
    assert "css_error_message {\n  content: \"Local import '../secret' is forbidden" in out.content


def test_rtl_without_rtlcss_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(CompilationError, match="npm install -g rtlcss"):
        compile_css("a.b", [SourceAsset("/a/static/src/x.css", "a{left:0}")], OPTIONS, rtl=True)


@pytest.mark.skipif(shutil.which("rtlcss") is None, reason="rtlcss is not installed (npm install -g rtlcss)")
def test_rtl_flips_css(tmp_path: Path) -> None:
    config = Path(__file__).resolve().parent.parent / "fixtures/odoo/addons/base/data/rtlcss.json"
    [out] = compile_css(
        "a.b",
        [
            SourceAsset("/a/static/src/x.scss", ".a { margin-left: 1px; }"),
            SourceAsset("/a/static/src/y.css", ".b { float: left; }"),
        ],
        CompileOptions(rtlcss_config=config),
        rtl=True,
    )
    assert (
        out.content
        == "\n/* /a/static/src/x.scss */\n .a{margin-right: 1px;}\n\n/* /a/static/src/y.css */\n .b{float: right;}"
    )


def test_debug_css_and_map() -> None:
    assets = [SourceAsset("/a/static/src/r.css", '@import "f.css";\nb { c: d; }\n')]
    css, css_map = compile_css("a.b", assets, OPTIONS, debug=True, map_url="/web/assets/1234567/a.b.css.map")
    assert css.ext == "css" and css_map.ext == "css.map"
    assert css.content == (
        '@import "/a/static/src/f.css";\n\n/* /a/static/src/r.css */\n/* @import "/a/static/src/f.css"; */\nb { c: d; }\n'
        "\n/*# sourceMappingURL=/web/assets/1234567/a.b.css.map */"
    )
    assert css_map.content.startswith(
        ')]}\'\n{"version": 3, "sources": ["/a/static/src/r.css"], "mappings": '
    )
    assert css_map.content.endswith('"file": "/web/assets/1234567/a.b.css", "sourceRoot": "../../../"}')
    assert css_map.mimetype == "application/octet-stream"
