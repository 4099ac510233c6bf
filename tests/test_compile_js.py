"""JS bundles: assembly, minification, templates, debug bundles with source maps."""

from __future__ import annotations

import json

import pytest

from odoo_assets.compilation import CompileOptions, SourceAsset, compile_js
from odoo_assets.errors import CompilationError
from tests.conftest import AddonsTree
from tests.goldens import check_golden, read_sources

OPTIONS = CompileOptions()
MODULE = SourceAsset("/web/static/src/a.js", "/** @odoo-module */\nexport const a = 1;\n")
PLAIN = SourceAsset("/web/static/lib/b.js", "var b = 2;   // two\n")
TEMPLATES = SourceAsset(
    "/web/static/src/t.xml",
    '<templates>\n    <t t-name="web.T">\n        <div>`${x}`</div>\n    </t>\n</templates>\n',
)
TRANSPILED_A = (
    "odoo.define('@web/a', [], function (require) {\n'use strict';\nlet __exports = {};\n"
    "/** @odoo-module */\nconst a = __exports.a = 1;\n\nreturn __exports;\n});\n"
)
PAD, INNER = " " * 20, " " * 24


def block(bundle: str, xml: str) -> str:
    return (
        f"\n\n{PAD}/*******************************************\n"
        f"{PAD}*  Templates                               *\n"
        f"{PAD}*******************************************/\n\n"
        f"{PAD}odoo.define('{bundle}.bundle.xml', ['@web/core/registry'], function(require){{\n"
        f"{INNER}'use strict';\n{INNER}const {{ registry }} = require('@web/core/registry');\n"
        f"{INNER}registry.category(`xml_templates`).add(`{bundle}`, "
        f'`<?xml version="1.0" encoding="UTF-8"?>\n<templates xml:space="preserve">\n{xml}\n</templates>`);\n'
        f"{PAD}}});"
    )


def test_minified_bundle() -> None:
    [out] = compile_js("web.b", [MODULE, TEMPLATES, PLAIN], OPTIONS)
    assert out.ext == "min.js" and out.mimetype == "application/javascript"
    assert out.content == (
        "\n/* /web/static/src/a.js */\n"
        "odoo.define('@web/a',[],function(require){'use strict';let __exports={};const a=__exports.a=1;return __exports;});"
        ";\n\n/* /web/static/lib/b.js */\nvar b=2;"
        + block("web.b", '<t t-name="web.T">\n        <div>\\`\\${x}\\`</div>\n    </t>\n')
    )


def test_bundle_without_templates_has_no_template_block() -> None:
    [out] = compile_js("web.b", [PLAIN], OPTIONS)
    assert out.content == "\n/* /web/static/lib/b.js */\nvar b=2;"
    [only_templates] = compile_js("web.b", [TEMPLATES], OPTIONS)
    assert only_templates.content.startswith(f"\n\n{PAD}/****")


def test_stylesheets_are_not_part_of_js_bundles() -> None:
    [out] = compile_js("web.b", [PLAIN, SourceAsset("/web/static/src/x.scss", "a { b: c; }")], OPTIONS)
    assert out.content == "\n/* /web/static/lib/b.js */\nvar b=2;"


def test_unreadable_files() -> None:
    missing_js = SourceAsset("/web/static/src/gone.js", None, "File /web/static/src/gone.js does not exist.")
    missing_xml = SourceAsset(
        "/web/static/src/gone.xml", None, "File /web/static/src/gone.xml does not exist."
    )
    [out] = compile_js("web.b", [missing_js, missing_xml], OPTIONS)
    # The script reports itself in the browser console; the template file adds nothing.
    assert out.content == (
        '\n/* /web/static/src/gone.js */\nconsole.error("File /web/static/src/gone.js does not exist.");'
        + block("web.b", "")
    )


def test_invalid_xml_becomes_a_parsing_error_template() -> None:
    [out] = compile_js(
        "web.b", [SourceAsset("/web/static/src/bad.xml", "<templates><t></templates>")], OPTIONS
    )
    # The parser's message (its column numbers vary with the libxml2 version) is shown as is.
    assert (
        '<t t-name="parsing_error_web_static_src_bad.xml"><parsererror>Invalid XML template: /web/static/src/bad.xml \n'
        " Opening and ending tag mismatch: t line 1 and templates, line 1, column "
    ) in out.content
    assert out.content.endswith(" </parsererror></t>\n</templates>`);\n" + PAD + "});")


def test_module_outside_static_names_bundle_and_file() -> None:
    asset = SourceAsset("/web/controllers/x.js", "\n\n// @odoo-module\nexport const x = 1;")
    with pytest.raises(
        CompilationError, match=r"^bundle 'web\.b': /web/controllers/x\.js:3: an Odoo module must live"
    ):
        compile_js("web.b", [asset], OPTIONS)


def test_template_errors_name_bundle_file_and_line() -> None:
    child = SourceAsset(
        "/web/static/src/c.xml",
        '<?xml version="1.0"?>\n<templates>\n    <t t-name="B"/>\n\n    <t t-name="C"\n       t-inherit="web.Nope"/>\n</templates>',
    )
    with pytest.raises(
        CompilationError,
        match=r"^bundle 'web\.b': /web/static/src/c\.xml:5: template web\.C inherits web\.Nope, which is not",
    ):
        compile_js("web.b", [TEMPLATES, child], OPTIONS)


def test_debug_bundle_and_map() -> None:
    map_url = "/web/assets/abcdef0/web.b.js.map"
    code, source_map = compile_js("web.b", [MODULE, PLAIN], OPTIONS, debug=True, map_url=map_url)
    assert (code.ext, source_map.ext) == ("js", "js.map")
    assert source_map.mimetype == "application/octet-stream"
    assert code.content == (
        "\n/***********************************\n"
        "*  Filepath: /web/static/src/a.js  *\n"
        "*  Lines: 8                        *\n"
        "***********************************/\n" + TRANSPILED_A + ";\n"
        "\n/***********************************\n"
        "*  Filepath: /web/static/lib/b.js  *\n"
        "*  Lines: 1                        *\n"
        "***********************************/\n"
        "var b = 2;   // two\n"
        "\n\n//# sourceMappingURL=/web/assets/abcdef0/web.b.js.map"
    )
    assert source_map.content.startswith(")]}'\n")
    data = json.loads(source_map.content[5:])
    assert data == {
        "version": 3,
        "sources": ["/web/static/src/a.js", "/web/static/lib/b.js"],
        # Transpiled files map from their original text, past the 5 banner and 3 wrapper lines.
        "mappings": "AAAA;;;;;;;;AAAA;AACA;AACA;;;;ACFA;;;;;AAAA;AACA",
        "sourcesContent": [MODULE.content, PLAIN.content],
        "file": "/web/assets/abcdef0/web.b.js",
        "sourceRoot": "../../../",
    }


def test_debug_templates_show_inheritance() -> None:
    child = SourceAsset(
        "/shop/static/src/c.xml",
        '<templates><t t-inherit="web.T" t-inherit-mode="extension">'
        '<xpath expr="//div" position="inside"><b/></xpath></t></templates>',
    )
    code, _ = compile_js(
        "web.b", [TEMPLATES, child], OPTIONS, debug=True, map_url="/web/assets/1/web.b.js.map"
    )
    assert code.content == (
        block(
            "web.b",
            "<!-- Filepath: /web/static/src/t.xml => /shop/static/src/c.xml -->\n"
            '<t t-name="web.T">\n        <div>\\`\\${x}\\`<!-- Filepath: /shop/static/src/c.xml ; position="inside" ;'
            " {'expr': '//div'} --><b/></div>\n    </t>\n",
        )
        + "\n\n//# sourceMappingURL=/web/assets/1/web.b.js.map"
    )


def test_debug_needs_a_map_url() -> None:
    with pytest.raises(ValueError, match="source map"):
        compile_js("web.b", [PLAIN], OPTIONS, debug=True)


# --- Golden outputs of the fixture bundles -------------------------------------------------------
# The compiler reproduced a real Odoo 17 server's bundles byte for byte; these files pin its
# output on the fixture addons. After an intended change: ODOO_ASSETS_UPDATE_GOLDEN=1 pytest
# tests/test_compile_js.py, then read the diff of tests/golden/.

GOLDEN_BUNDLES = {
    # web.assets_web of the fixture web addon, with demo_shop's backend files and a website template.
    "web.assets_web": [
        "/web/static/src/module_loader.js",
        "/web/static/src/legacy/jquery_like.js",
        "/web/static/src/legacy/polyfill.js",
        "/web/static/src/core/browser.js",
        "/web/static/src/core/l10n.js",
        "/web/static/src/core/registry.js",
        "/web/static/src/core/templates.xml",
        "/web/static/src/core/utils/functions.js",
        "/web/static/src/core/utils/strings.js",
        "/web/static/src/views/list.xml",
        "/web/static/src/views/list_view.js",
        "/web/static/src/main.js",
        "/web/static/src/start.js",
        "/demo_shop/static/src/backend/shop_dashboard.js",
        "/demo_shop/static/src/backend/shop_dashboard.xml",
        "/website/static/src/xml/website.xml",
    ],
    "web.assets_frontend": [
        "/web/static/src/module_loader.js",
        "/web/static/src/public/minimal_dom.js",
        "/web/static/src/public/lazyloader.js",
        "/web/static/src/core/registry.js",
        "/web/static/src/core/utils/functions.js",
        "/web/static/src/core/utils/strings.js",
        "/web/static/src/public/early.js",
        "/web/static/src/public/frontend.js",
        "/web/static/src/core/templates.xml",
        "/demo_shop/static/src/frontend/cart.js",
    ],
}


@pytest.mark.parametrize("bundle", list(GOLDEN_BUNDLES))
def test_golden_minified(bundle: str, addons_tree: AddonsTree) -> None:
    [out] = compile_js(bundle, read_sources(addons_tree, GOLDEN_BUNDLES[bundle]), OPTIONS)
    check_golden(f"{bundle}.min.js", out.content)


def test_golden_debug(addons_tree: AddonsTree) -> None:
    bundle = "web.assets_web"
    sources = read_sources(addons_tree, GOLDEN_BUNDLES[bundle])
    map_url = f"/web/assets/0123456/{bundle}.js.map"
    code, source_map = compile_js(bundle, sources, OPTIONS, debug=True, map_url=map_url)
    check_golden(f"{bundle}.js", code.content)
    check_golden(f"{bundle}.js.map", source_map.content)


def test_the_python_minifier_keeps_what_odoo_keeps_after_a_regex_literal() -> None:
    # rjsmin's pure-Python minifier (Odoo's on Python 3.11+) keeps this newline; the C one drops it.
    source = "x = [/(a|b)/i\n  // a comment\n];"
    from odoo_assets.compilation.javascript import minified_script

    python, c = minified_script("/x.js", source, "python"), minified_script("/x.js", source, "c")
    assert python == "\n/* /x.js */\nx=[/(a|b)/i\n];"
    assert c == "\n/* /x.js */\nx=[/(a|b)/i];"
