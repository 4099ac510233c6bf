"""Stylesheets: per-file rewriting, one SCSS compilation per bundle, minification, errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sass

from odoo_assets import tools
from odoo_assets.compilation import CompileOptions, SourceAsset, compile_css, stylesheets
from odoo_assets.compilation.stylesheets import (
    Stylesheet,
    _marked_source,
    add_vendor_prefixes,
    rewrite_stylesheet,
    sanitize_imports,
)
from odoo_assets.errors import CompilationError
from odoo_assets.series import profile_for
from tests.conftest import RTLCSS, AddonsTree, needs_rtlcss
from tests.goldens import check_golden, fixture_options, read_sources

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
    forbidden: list[tuple[str, int]] = []
    out = sanitize_imports(
        '@import "functions";\n@import "functions";\n@import "./x";\n// @import \'a.css\'\n@import"mixins"',
        forbidden,
    )
    # Removed even when repeated or commented out; kept ones are normalised to double quotes.
    assert out == '@import "functions";\n\n\n// \n@import "mixins"'
    assert forbidden == [("functions", 2), ("./x", 3), ("a.css", 4)]


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


def libsass_alone(text: str) -> str:
    """`line:column` where libsass puts the error of one file compiled on its own."""
    with pytest.raises(sass.CompileError) as raised:
        sass.compile(string=text, output_style="expanded", precision=8)
    found = re.search(r"on line (\d+):(\d+) of stdin", str(raised.value))
    assert found is not None, raised.value
    return f"{found[1]}:{found[2]}"


def scss_error(assets: list[SourceAsset], options: CompileOptions = OPTIONS) -> str:
    with pytest.raises(CompilationError) as raised:
        compile_css("a.b", assets, options)
    return str(raised.value)


BROKEN_LINE_5 = "// colours\n$a: 1;\n\n.x {\n  color: $no-such-variable;\n}\n"
UNDEFINED = "SCSS error: Undefined variable: \"$no-such-variable\". (bundle 'a.b')"


@pytest.mark.parametrize(
    ("before", "text", "expected"),
    [
        # the concatenated string has other files and markers before it: lines are the file's own
        ("$a: 1;\n$b: 2;\n", BROKEN_LINE_5, "5:10"),
        # the preceding file has no trailing newline
        ("$b: 2; // no newline", BROKEN_LINE_5, "5:10"),
        ("$b: 2;", ".x { color: $no-such-variable; }\n.y { b: c; }\n", "1:13"),  # first line
        # last line, without a trailing newline
        ("$b: 2;\n", ".y { b: c; }\n\n.x { color: $no-such-variable; }", "3:13"),
        # CRLF line endings, in the file and the one before it
        ("$b: 2;\r\n", BROKEN_LINE_5.replace("\n", "\r\n"), "5:10"),
        (None, BROKEN_LINE_5.replace("\n", "\r\n"), "5:10"),  # the bundle's first file
    ],
)
def test_scss_error_position_is_the_one_libsass_gives_on_the_file_alone(
    before: str | None, text: str, expected: str
) -> None:
    assert libsass_alone(text) == expected
    assets = [SourceAsset("/a/static/src/ok.scss", before)] if before is not None else []
    assets.append(SourceAsset("/a/static/src/broken.scss", text))
    assets.append(SourceAsset("/a/static/src/after.scss", ".z { a: b; }\n"))
    assert scss_error(assets) == f"/a/static/src/broken.scss:{expected}: {UNDEFINED}"


@pytest.mark.parametrize("text", ["}\n.a { b: c; }\n", "\n  // only a comment first\n}\n"])
def test_a_syntax_error_before_the_files_first_token(text: str) -> None:
    # libsass places it right after the file's marker, on the marker line: the file's 1:1.
    assert libsass_alone(text) == "1:1"
    assets = [
        SourceAsset("/a/static/src/ok.scss", "$b: 2;\n"),
        SourceAsset("/a/static/src/broken.scss", text),
    ]
    assert scss_error(assets).startswith("/a/static/src/broken.scss:1:1: SCSS error: Invalid CSS after ")


def test_scss_error_in_a_mixin_points_at_the_mixin_then_the_include() -> None:
    text = "$a: 1;\n@mixin m {\n  color: $no-such-variable;\n}\n.x {\n  @include m;\n}\n"
    assert libsass_alone(text) == "3:10"
    assets = [
        SourceAsset("/a/static/src/ok.scss", "$b: 2;\n"),
        SourceAsset("/a/static/src/broken.scss", text),
    ]
    assert scss_error(assets) == (
        '/a/static/src/broken.scss:3:10: SCSS error: Undefined variable: "$no-such-variable".'
        " (from /a/static/src/broken.scss:6:12) (bundle 'a.b')"
    )


def test_scss_error_inside_an_imported_partial(tmp_path: Path) -> None:
    # Odoo's include directory is web's Bootstrap: a partial there is named by its web path,
    # at its own line and column (what libsass gives on it alone), then where it was imported.
    include = tmp_path / "web/static/lib/bootstrap/scss"
    include.mkdir(parents=True)
    partial = "$x: 1;\n.b { width: $missing; }\n"
    (include / "_broken.scss").write_text(partial)
    assert libsass_alone(partial) == "2:13"
    assets = [
        SourceAsset("/a/static/src/v.scss", "$c: 1;\n"),
        SourceAsset("/a/static/src/main.scss", '.a { b: c; }\n@import "broken";\n'),
    ]
    assert scss_error(assets, CompileOptions(bootstrap_scss_dir=include)) == (
        '/web/static/lib/bootstrap/scss/_broken.scss:2:13: SCSS error: Undefined variable: "$missing".'
        " (from /a/static/src/main.scss:2:9) (bundle 'a.b')"
    )
    # Elsewhere, by its absolute path.
    other = tmp_path / "includes"
    other.mkdir()
    (other / "_broken.scss").write_text(partial)
    assert scss_error(assets, CompileOptions(bootstrap_scss_dir=other)).startswith(
        f"{other / '_broken.scss'}:2:13: SCSS error: Undefined variable"
    )


def test_forbidden_import_is_an_error_unless_fallback() -> None:
    assets = [
        SourceAsset("/a/static/src/ok.scss", "$a: 1;\n"),
        SourceAsset("/a/static/src/x.scss", '.a { b: c; }\n@import "../secret";\n'),
    ]
    with pytest.raises(
        CompilationError,
        match=r"^/a/static/src/x\.scss:2: Local import '\.\./secret' is forbidden for security reasons\. Please"
        r" remove all @import \{your_file\} imports in your custom files\. In Odoo you have to import all"
        r" files in the assets, and not through the @import statement\. \(bundle 'a\.b'\)$",
    ):
        compile_css("a.b", assets, OPTIONS)
    [out] = compile_css("a.b", assets, CompileOptions(css_error_fallback=True), previous_css="old{}")
    assert out.ext == "min.css"
    assert out.content == (
        "old{}\n\n/* ## CSS error message ##*/\nbody::before {\n  font-weight: bold;\n"
        '  content: "A css error occured, using an old style to render this page";\n'
        "  position: fixed;\n  left: 0;\n  bottom: 0;\n  z-index: 100000000000;\n"
        "  background-color: #C00;\n  color: #DDD;\n}\n\n"
        "css_error_message {\n  content: \"Local import '../secret' is forbidden for security reasons. Please"
        " remove all @import {your_file} imports in your custom files. In Odoo you have to import all files"
        ' in the assets, and not through the @import statement.";\n}\n'
    )


def test_fallback_keeps_the_previous_style_before_an_older_banner() -> None:
    assets = [SourceAsset("/a/static/src/x.css", None, 'File "x".css does not exist.\n*')]
    previous = "good{}\n\n/* ## CSS error message ##*/\nold banner"
    [out] = compile_css(
        "a.b", assets, CompileOptions(css_error_fallback=True), debug=True, previous_css=previous
    )
    assert out.ext == "css"
    assert out.content.startswith("good{}\n\n/* ## CSS error message ##*/\nbody::before {")
    assert out.content.endswith(
        'css_error_message {\n  content: "File \\"x\\".css does not exist.\\A\\*";\n}\n'
    )
    [empty] = compile_css("a.b", assets, CompileOptions(css_error_fallback=True))
    assert empty.content.startswith("\n\n/* ## CSS error message ##*/\nbody::before {")


def test_unreadable_stylesheet_is_a_css_error() -> None:
    assets = [SourceAsset("/a/static/src/x.css", None, "File /a/static/src/x.css does not exist.")]
    with pytest.raises(
        CompilationError,
        match=r"^bundle 'a\.b': /a/static/src/x\.css: File /a/static/src/x\.css does not exist\.$",
    ):
        compile_css("a.b", assets, OPTIONS)


def test_several_errors_are_counted_and_odoo_lists_them_all() -> None:
    assets = [
        SourceAsset("/a/static/src/x.scss", '@import "a.css";\n@import "b.css";\n.x { color: $nope; }\n'),
    ]
    with pytest.raises(
        CompilationError, match=r"^/a/static/src/x\.scss:1: Local import 'a\.css'.* \(and 2 more errors\)$"
    ):
        compile_css("a.b", assets, OPTIONS)
    [out] = compile_css("a.b", assets, CompileOptions(css_error_fallback=True))
    message = out.content.split('css_error_message {\n  content: "')[1]
    assert message.startswith("Local import 'a.css' is forbidden")
    assert "\\ALocal import 'b.css' is forbidden" in message
    # libsass' own report, then the bundle and its preprocessed files, as Odoo words it.
    assert (
        '\\AError: Undefined variable: \\"$nope\\".\\A        on line 4:13 of stdin\\A>> .x { color: $nope; }\\A\\A'
        "   ------------^\\AThis error occurred while compiling the bundle 'a.b' containing:\\A"
        '    - /a/static/src/x.scss";\n}\n'
    ) in message


def test_missing_less_compiler(tmp_path: Path) -> None:
    assets = [SourceAsset("/a/static/src/x.less", "@c: red; .a { color: @c; }")]
    with pytest.raises(
        CompilationError,
        match=r"^bundle 'a\.b' has LESS files \(/a/static/src/x\.less\) but lessc not found \(searched --lessc,"
        r" \$ODOO_ASSETS_LESSC, the checkout's node_modules/\.bin and PATH\); install it with `make node-tools`"
        r" .* or `npm install -g less`, or give its path with --lessc$",
    ):
        compile_css("a.b", assets, CompileOptions())
    [out] = compile_css("a.b", assets, CompileOptions(css_error_fallback=True))
    assert (
        "Could not execute command 'lessc'This error occurred while compiling the bundle 'a.b'" in out.content
    )
    gone = str(tmp_path / "no-such-lessc")
    with pytest.raises(CompilationError, match=rf"but lessc '{re.escape(gone)}' is not an executable file$"):
        compile_css("a.b", assets, CompileOptions(lessc_command=gone))


def test_missing_sass_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(
        CompilationError, match=r"^bundle 'a\.b' has SASS files \(/a/static/src/x\.sass\) but 'sass'"
    ):
        compile_css("a.b", [SourceAsset("/a/static/src/x.sass", ".a\n  color: red\n")], OPTIONS)


def test_a_comment_looking_like_a_marker_is_refused() -> None:
    assets = [SourceAsset("/a/static/src/x.scss", "/*! decaf */\n.a { b: c; }\n")]
    with pytest.raises(
        CompilationError, match=r"the comment '/\*! decaf \*/' in a stylesheet looks like a bundle marker"
    ):
        compile_css("a.b", assets, OPTIONS)


def test_sass_sources_are_reindented_to_four_spaces() -> None:
    sheet = Stylesheet(
        url="/a/x.sass", kind="sass", source="  .a\n    color: red\n    .b\n      x: y\n", marker="m"
    )
    assert _marked_source(sheet) == "/*! m */\n.a\n    color: red\n    .b\n        x: y\n"
    four = Stylesheet(url="/a/x.sass", kind="sass", source=".a\n    color: red\n", marker="m")
    assert _marked_source(four) == "/*! m */\n.a\n    color: red\n"


def test_rtl_without_rtlcss_says_how_to_install() -> None:
    css = [SourceAsset("/a/static/src/x.css", "a{left:0}")]
    with pytest.raises(
        CompilationError,
        match=r"^bundle 'a\.b': right-to-left CSS needs rtlcss: rtlcss not found \(searched --rtlcss, .*"
        r"`make node-tools` .* `npm install -g rtlcss`, or give its path with --rtlcss$",
    ):
        compile_css("a.b", css, OPTIONS, rtl=True)
    # Even with the error fallback: Odoo would serve unflipped CSS, which is not what was asked.
    with pytest.raises(CompilationError, match="right-to-left CSS needs rtlcss"):
        compile_css("a.b", css, CompileOptions(css_error_fallback=True), rtl=True)


@needs_rtlcss
def test_rtl_flips_css(tmp_path: Path) -> None:
    config = Path(__file__).resolve().parent.parent / "fixtures/odoo/addons/base/data/rtlcss.json"
    [out] = compile_css(
        "a.b",
        [
            SourceAsset("/a/static/src/x.scss", ".a { margin-left: 1px; }"),
            SourceAsset("/a/static/src/y.css", ".b { float: left; }"),
        ],
        CompileOptions(rtlcss_config=config, rtlcss_command=RTLCSS),
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


def test_minification_of_one_stylesheet() -> None:
    css = (
        "/*! license */\na  {\n  color : red ;\n  /*rtl:ignore*/\n  left: 0;\n}\n"
        "/*# sourceMappingURL=m.css.map */\n@media print {  .b { x: y } }\n"
    )
    [out] = compile_css("a.b", [SourceAsset("/a/static/src/m.css", css)], OPTIONS)
    assert out.content == "\n/* /a/static/src/m.css */\n a{color : red ; left: 0;}@media print{.b{x: y}}"


def test_import_rules_are_hoisted_from_anywhere() -> None:
    assets = [
        SourceAsset("/a/static/src/x.css", ".x{}"),
        SourceAsset("/a/static/src/i.css", '@import url("https://x/f.css") screen;\n.a{}\n@import "b.css";'),
    ]
    [out] = compile_css("a.b", assets, OPTIONS)
    assert out.content == (
        '@import url("https://x/f.css") screen;\n@import "/a/static/src/b.css";\n'
        "\n/* /a/static/src/x.css */\n.x{}\n\n/* /a/static/src/i.css */\n .a{}"
    )


def test_markers_split_the_compiled_scss_back_per_file() -> None:
    assets = [
        SourceAsset("/a/static/src/vars.scss", "$w: 2px;\n@mixin m { border: $w solid; }\n"),
        SourceAsset("/a/static/src/plain.css", ".p { x: y; }"),
        SourceAsset("/a/static/src/one.scss", ".one { @include m; display: flex; }\n"),
        SourceAsset("/a/static/src/two.scss", "// only a comment\n"),
        SourceAsset("/a/static/src/three.scss", ".three { appearance: none; }\n"),
    ]
    [out] = compile_css("a.b", assets, OPTIONS)
    assert out.content == (
        "\n/* /a/static/src/vars.scss */\n \n"
        "\n/* /a/static/src/plain.css */\n.p{x: y;}\n"
        "\n/* /a/static/src/one.scss */\n .one{border: 2px solid; display: -webkit-box; display: -webkit-flex; display: flex;}\n"
        "\n/* /a/static/src/two.scss */\n \n"
        "\n/* /a/static/src/three.scss */\n .three{-webkit-appearance: none; -moz-appearance: none; appearance: none;}"
    )


def test_source_map_structure() -> None:
    assets = [SourceAsset("/a/static/src/x.css", "a{}"), SourceAsset("/a/static/src/y.css", "b{}\nc{}")]
    css, css_map = compile_css(
        "a.b", assets, OPTIONS, debug=True, map_url="/web/assets/1/abcdef0/a.b.css.map"
    )
    assert css.content == (
        "\n\n/* /a/static/src/x.css */\na{}\n\n/* /a/static/src/y.css */\nb{}\nc{}"
        "\n/*# sourceMappingURL=/web/assets/1/abcdef0/a.b.css.map */"
    )
    assert css_map.content.startswith(")]}'\n{")
    data = json.loads(css_map.content[5:])
    assert list(data) == ["version", "sources", "mappings", "sourcesContent", "file", "sourceRoot"]
    assert data == {
        "version": 3,
        "sources": ["/a/static/src/x.css", "/a/static/src/y.css"],
        "mappings": ";AAAA;AACA;AACA;ACFA;AACA;AACA;AACA",
        "sourcesContent": ["\n/* /a/static/src/x.css */\na{}", "\n/* /a/static/src/y.css */\nb{}\nc{}"],
        "file": "/web/assets/1/abcdef0/a.b.css",
        # One `..` per segment of the URL below /web/assets, website prefix included.
        "sourceRoot": "../../../../",
    }


def test_debug_css_with_inline_chunk_and_series_16_comment() -> None:
    assets = [SourceAsset("/a/static/src/s.scss", '.x::before { content: "›"; }\n')]
    css, css_map = compile_css(
        "a.b",
        assets,
        CompileOptions(styles=profile_for("16.0").styles),
        debug=True,
        map_url="/web/assets/2/a.b.css.map",
    )
    assert css.content == (
        '\n\n/* <inline asset> */\n@charset "UTF-8";\n\n\n/* /a/static/src/s.scss */\n\n.x::before {\n  content: "›";\n}'
        "\n//*# sourceMappingURL=/web/assets/2/a.b.css.map */"
    )
    assert json.loads(css_map.content[5:])["sources"] == ["/a/static/src/s.scss"]


def test_debug_needs_a_map_url() -> None:
    with pytest.raises(ValueError, match="source map"):
        compile_css("a.b", [SourceAsset("/a/static/src/x.css", "a{}")], OPTIONS, debug=True)


# --- Golden outputs of the fixture bundles -------------------------------------------------------
# The compiler reproduced a real Odoo 17 server's bundles byte for byte; these files pin its
# output on the fixture addons. After an intended change: ODOO_ASSETS_UPDATE_GOLDEN=1 pytest
# tests/test_compile_css.py, then read the diff of tests/golden/.

HELPERS = [
    "/web/static/lib/bootstrap/scss/_functions.scss",
    "/web/static/src/scss/primary_variables.scss",
    "/web/static/src/scss/secondary_variables.scss",
    "/web/static/lib/bootstrap/scss/_variables.scss",
    "/web/static/lib/bootstrap/scss/_mixins.scss",
    "/web/static/lib/bootstrap/scss/_root.scss",
    "/web/static/lib/bootstrap/scss/_buttons.scss",
    "/web/static/lib/bootstrap/scss/_utilities.scss",
]
GOLDEN_BUNDLES = {
    "web.assets_web": [
        *HELPERS,
        "/web/static/src/scss/bootstrap_backend.scss",
        "/web/static/src/css/reset.css",
        "/web/static/src/scss/webclient.scss",
        "/web/static/src/css/fonts.css",
    ],
    "web.assets_frontend": [
        *HELPERS,
        "/web/static/src/public/frontend.scss",
        "/demo_shop/static/src/frontend/helpers.scss",
    ],
}


@pytest.mark.parametrize("bundle", list(GOLDEN_BUNDLES))
def test_golden_minified(bundle: str, addons_tree: AddonsTree) -> None:
    sources = read_sources(addons_tree, GOLDEN_BUNDLES[bundle])
    [out] = compile_css(bundle, sources, fixture_options(addons_tree))
    check_golden(f"{bundle}.min.css", out.content)


def test_golden_debug(addons_tree: AddonsTree) -> None:
    bundle = "web.assets_web"
    sources = read_sources(addons_tree, GOLDEN_BUNDLES[bundle])
    map_url = f"/web/assets/0123456/{bundle}.css.map"
    code, source_map = compile_css(bundle, sources, fixture_options(addons_tree), debug=True, map_url=map_url)
    check_golden(f"{bundle}.css", code.content)
    check_golden(f"{bundle}.css.map", source_map.content)


@needs_rtlcss
def test_golden_rtl(addons_tree: AddonsTree) -> None:
    bundle = "web.assets_web"
    sources = read_sources(addons_tree, GOLDEN_BUNDLES[bundle])
    [out] = compile_css(bundle, sources, fixture_options(addons_tree), rtl=True)
    check_golden(f"{bundle}.rtl.min.css", out.content)


def fake_command(tmp_path: Path, name: str, script: str) -> str:
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return str(path)


def test_less_goes_through_lessc_after_scss(tmp_path: Path) -> None:
    # A stand-in lessc that rewrites what it reads shows what it was given and where it lands.
    lessc = fake_command(tmp_path, "lessc", "sed 's/c: d/less: yes/'")
    assets = [
        SourceAsset("/a/static/src/x.less", ".l { c: d; }"),
        SourceAsset("/a/static/src/y.scss", ".s { c: d; }"),
    ]
    [out] = compile_css("a.b", assets, CompileOptions(lessc_command=lessc))
    assert (
        out.content
        == "\n/* /a/static/src/x.less */\n .l{less: yes;}\n\n/* /a/static/src/y.scss */\n .s{c: d;}"
    )


LESSC = tools.find_tool(tools.LESSC)


@pytest.mark.skipif(LESSC is None, reason=tools.LESSC.missing())
def test_less_with_the_real_lessc() -> None:
    assets = [SourceAsset("/a/static/src/x.less", "@c: red;\n.a { .b { color: @c; } }\n")]
    [out] = compile_css("a.b", assets, CompileOptions(lessc_command=LESSC))
    assert out.content == "\n/* /a/static/src/x.less */\n .a .b{color: red;}"


def test_failing_tools_are_css_errors(tmp_path: Path) -> None:
    lessc = fake_command(tmp_path, "lessc", "echo 'ParseError: bad' >&2; exit 1")
    assets = [SourceAsset("/a/static/src/x.less", ".l { c: d; }")]
    with pytest.raises(CompilationError, match=r"^bundle 'a\.b': .*/lessc failed: ParseError: bad$"):
        compile_css("a.b", assets, CompileOptions(lessc_command=lessc))
    rtlcss = fake_command(tmp_path, "rtlcss", "echo out; echo 'rtl broke' >&2; exit 3")
    css = [SourceAsset("/a/static/src/x.css", "a{left:0}")]
    with pytest.raises(CompilationError, match=r"^bundle 'a\.b': rtlcss failed: rtl broke$"):
        compile_css("a.b", css, CompileOptions(rtlcss_command=rtlcss), rtl=True)
    [out] = compile_css("a.b", css, CompileOptions(rtlcss_command=rtlcss, css_error_fallback=True), rtl=True)
    assert (
        "content: \"rtl broke\\AThis error occurred while compiling the bundle 'a.b' containing:\";"
        in out.content
    )
    silent = fake_command(tmp_path, "silent", "cat > /dev/null")
    with pytest.raises(CompilationError, match=r"rtlcss failed: rtlcss: error processing payload$"):
        compile_css("a.b", css, CompileOptions(rtlcss_command=silent), rtl=True)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\t ",
        "a",
        " a",
        "a ",
        "  a  b\n\nc\t",
        "a\u00a0\u2003b\x1c\x1dc",
        "\u3000x\u2028",
        ".a { b }\n",
    ],
)
def test_collapse_whitespace_is_the_regex_substitution(text: str) -> None:
    assert stylesheets.collapse_whitespace(text) == re.sub(r"\s+", " ", text)
