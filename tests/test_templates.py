"""QWeb templates in JS bundles: reading, t-inherit (primary, extension), the template block."""

from __future__ import annotations

import pytest

from odoo_assets.compilation.templates import (
    merge_templates,
    read_template_file,
    template_block,
    templates_string,
)
from odoo_assets.errors import CompilationError

DIALOG = """<?xml version="1.0"?>
<templates xml:space="preserve">
    <!-- dropped -->
    <t t-name="web.Dialog">
        <div class="modal o_dialog">
            <main><t t-slot="default"/></main>
            <footer><button class="btn">Ok</button></footer>
        </div>
    </t>
</templates>
"""


def read(url: str, text: str) -> tuple[str, str]:
    return url, read_template_file(url, text)


def test_reading_keeps_children_and_tails_and_drops_comments() -> None:
    assert read_template_file("/web/static/src/d.xml", DIALOG) == (
        '<t t-name="web.Dialog">\n        <div class="modal o_dialog">\n'
        '            <main><t t-slot="default"/></main>\n'
        '            <footer><button class="btn">Ok</button></footer>\n        </div>\n    </t>\n'
    )


def test_parse_error_becomes_an_error_template() -> None:
    text = read_template_file("/web/static/src/bad.xml", "<templates><t></templates>")
    assert text.startswith(
        '<t t-name="parsing_error_web_static_src_bad.xml"><parsererror>Invalid XML template: /web/static/src/bad.xml \n'
    )


def test_primary_inheritance_creates_a_new_template() -> None:
    child = """<templates>
    <t t-name="web.List" t-inherit="web.Dialog" t-inherit-mode="primary">
        <xpath expr="//main" position="inside">
            <table/>
        </xpath>
        <xpath expr="//button" position="attributes">
            <attribute name="class" add="o_close" separator=" "/>
        </xpath>
    </t>
</templates>"""
    merged = merge_templates([read("/web/static/src/d.xml", DIALOG), read("/web/static/src/l.xml", child)])
    assert merged == (
        '<t t-name="web.Dialog">\n        <div class="modal o_dialog">\n'
        '            <main><t t-slot="default"/></main>\n'
        '            <footer><button class="btn">Ok</button></footer>\n        </div>\n    </t>\n'
        '<t t-name="web.List">\n        <div class="modal o_dialog">\n'
        '            <main><t t-slot="default"/>\n            <table/></main>\n'
        '            <footer><button class="btn o_close">Ok</button></footer>\n        </div>\n    </t>\n'
    )


def test_extension_modifies_the_parent_in_place_across_addons() -> None:
    ext = """<templates>
    <t t-inherit="web.Dialog" t-inherit-mode="extension">
        <xpath expr="//div[hasclass('o_dialog')]" position="before">
            <span>hi</span>
        </xpath>
        <footer position="replace"/>
    </t>
</templates>"""
    merged = merge_templates([read("/web/static/src/d.xml", DIALOG), read("/shop/static/src/e.xml", ext)])
    assert merged == (
        '<t t-name="web.Dialog">\n            <span>hi</span>\n        <div class="modal o_dialog">\n'
        '            <main><t t-slot="default"/></main>\n            </div>\n    </t>\n'
    )


def test_inheritance_errors_name_the_file() -> None:
    missing = '<templates><t t-name="x.Y" t-inherit="web.Nope" t-inherit-mode="primary"/></templates>'
    with pytest.raises(
        CompilationError,
        match=r"/web/static/src/m.xml: template 'x.Y' inherits 'web.Nope'|/web/static/src/m.xml: template web.x.Y inherits web.Nope",
    ):
        merge_templates([read("/web/static/src/d.xml", DIALOG), read("/web/static/src/m.xml", missing)])
    bad_mode = '<templates><t t-name="Z" t-inherit="web.Dialog" t-inherit-mode="sideways"/></templates>'
    with pytest.raises(CompilationError, match="invalid t-inherit-mode 'sideways'"):
        merge_templates([read("/web/static/src/d.xml", DIALOG), read("/web/static/src/z.xml", bad_mode)])
    with pytest.raises(CompilationError, match="template 'Dialog' already exists in addon 'web'"):
        merge_templates([read("/web/static/src/d.xml", DIALOG), read("/web/static/src/d2.xml", DIALOG)])
    with pytest.raises(CompilationError, match="cannot be located"):
        merge_templates(
            [
                read("/web/static/src/d.xml", DIALOG),
                read(
                    "/web/static/src/x.xml",
                    '<templates><t t-inherit="web.Dialog" t-inherit-mode="extension"><xpath expr="//aside" position="inside"/></t></templates>',
                ),
            ]
        )


def test_template_block_and_escaping() -> None:
    text = templates_string('<t t-name="a">`${x}` \\n\n   \n</t>')
    assert text == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<templates xml:space="preserve">\n'
        '<t t-name="a">\\`\\${x}\\` \\\\n\n   \n</t>\n</templates>'
    )
    block = template_block("web.b", text)
    pad, inner = " " * 20, " " * 24
    assert block == (
        f"\n\n{pad}/*******************************************\n"
        f"{pad}*  Templates                               *\n"
        f"{pad}*******************************************/\n\n"
        f"{pad}odoo.define('web.b.bundle.xml', ['@web/core/registry'], function(require){{\n"
        f"{inner}'use strict';\n{inner}const {{ registry }} = require('@web/core/registry');\n"
        f"{inner}registry.category(`xml_templates`).add(`web.b`, `"
        '<?xml version="1.0" encoding="UTF-8"?>\n<templates xml:space="preserve">\n'
        '<t t-name="a">\\`\\${x}\\` \\\\n\n\n</t>\n</templates>`);\n'
        f"{pad}}});"
    )
