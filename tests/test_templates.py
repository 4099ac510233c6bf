"""QWeb templates in JS bundles: reading, t-inherit (primary, extension), the template block."""

from __future__ import annotations

import pytest
from lxml import etree

from odoo_assets.compilation.templates import (
    merge_templates,
    read_template_file,
    template_block,
    templates_string,
)
from odoo_assets.errors import CompilationError
from odoo_assets.series import profile_for

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
        match=r"^/web/static/src/m\.xml: template web\.x\.Y inherits web\.Nope, which is not defined earlier",
    ):
        merge_templates([read("/web/static/src/d.xml", DIALOG), read("/web/static/src/m.xml", missing)])
    bad_mode = '<templates><t t-name="Z" t-inherit="web.Dialog" t-inherit-mode="sideways"/></templates>'
    with pytest.raises(CompilationError, match=r"^/web/static/src/z\.xml: invalid t-inherit-mode 'sideways'"):
        merge_templates([read("/web/static/src/d.xml", DIALOG), read("/web/static/src/z.xml", bad_mode)])
    other_addon = '<templates><t t-name="Z" t-inherit="shop.Nope"/></templates>'
    with pytest.raises(
        CompilationError,
        match=r"^/web/static/src/o\.xml: template 'Z' inherits 'shop\.Nope', whose addon 'shop' has no templates",
    ):
        merge_templates([read("/web/static/src/d.xml", DIALOG), read("/web/static/src/o.xml", other_addon)])
    with pytest.raises(
        CompilationError, match=r"^/web/static/src/d2\.xml: template 'Dialog' already exists in addon 'web'"
    ):
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


def extension(body: str) -> str:
    return f'<templates>\n    <t t-inherit="web.Dialog" t-inherit-mode="extension">\n        {body}\n    </t>\n</templates>'


def merged_dialog(child: str, debug: bool = False) -> str:
    return merge_templates(
        [read("/web/static/src/d.xml", DIALOG), read("/shop/static/src/e.xml", child)], debug
    )


# Expected outputs checked against Odoo 17's own view inheritance on the same inputs.
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            '<xpath expr="//main" position="after">\n            <aside/>\n        </xpath>',
            '<t t-name="web.Dialog">\n        <div class="modal o_dialog">\n            <main><t t-slot="default"/></main>\n            <aside/>\n            <footer><button class="btn">Ok</button></footer>\n        </div>\n    </t>\n',
            id="after",
        ),
        pytest.param(
            '<xpath expr="//footer" position="before">text<hr/></xpath>',
            '<t t-name="web.Dialog">\n        <div class="modal o_dialog">\n            <main><t t-slot="default"/></main>text<hr/>\n            <footer><button class="btn">Ok</button></footer>\n        </div>\n    </t>\n',
            id="before-with-text",
        ),
        pytest.param(
            '<xpath expr="//main" position="replace">\n            <section>$0</section>\n        </xpath>',
            '<t t-name="web.Dialog">\n        <div class="modal o_dialog">\n            <section><main><t t-slot="default"/></main>\n            </section>\n        <footer><button class="btn">Ok</button></footer>\n        </div>\n    </t>\n',
            id="replace-with-$0",
        ),
        pytest.param(
            '<xpath expr="//footer" position="replace" mode="inner">\n            <a/>x\n        </xpath>',
            '<t t-name="web.Dialog">\n        <div class="modal o_dialog">\n            <main><t t-slot="default"/></main>\n            <footer>\n            <a/>x\n        </footer>\n        </div>\n    </t>\n',
            id="replace-inner",
        ),
        pytest.param(
            '<xpath expr="//button" position="attributes">\n            <attribute name="class" remove="btn" add="btn-primary o_ok" separator=" "/>\n'
            '            <attribute name="title">Close</attribute>\n        </xpath>\n'
            '        <xpath expr="//div" position="attributes"><attribute name="class"></attribute></xpath>',
            '<t t-name="web.Dialog">\n        <div>\n            <main><t t-slot="default"/></main>\n            <footer><button class="btn-primary o_ok" title="Close">Ok</button></footer>\n        </div>\n    </t>\n',
            id="attributes",
        ),
        pytest.param(
            '<xpath expr="//main" position="before">\n            <footer position="move"/>\n        </xpath>',
            '<t t-name="web.Dialog">\n        <div class="modal o_dialog">\n            <footer><button class="btn">Ok</button></footer><main><t t-slot="default"/></main>\n            \n        </div>\n    </t>\n',
            id="move",
        ),
        pytest.param(
            '<main position="inside">\n            <p>more</p>\n        </main>',
            '<t t-name="web.Dialog">\n        <div class="modal o_dialog">\n            <main><t t-slot="default"/>\n            <p>more</p></main>\n            <footer><button class="btn">Ok</button></footer>\n        </div>\n    </t>\n',
            id="element-match-inside",
        ),
        pytest.param(
            "<xpath expr=\"//div[hasclass('modal', 'o_dialog')]\" position=\"inside\"><i/></xpath>",
            '<t t-name="web.Dialog">\n        <div class="modal o_dialog">\n            <main><t t-slot="default"/></main>\n            <footer><button class="btn">Ok</button></footer><i/>\n        </div>\n    </t>\n',
            id="hasclass-two-classes",
        ),
        pytest.param(
            '<xpath expr="." position="replace">\n            <section class="new"/>\n        </xpath>',
            '<section class="new" t-name="web.Dialog"/>\n        ',
            id="replace-root-keeps-t-name",
        ),
        pytest.param(
            '<data><xpath expr="//main" position="attributes"><attribute name="id">m</attribute></xpath><footer position="replace"/></data>',
            '<t t-name="web.Dialog">\n        <div class="modal o_dialog">\n            <main id="m"><t t-slot="default"/></main>\n            </div>\n    </t>\n',
            id="data-wrapper",
        ),
    ],
)
def test_inheritance_specs(spec: str, expected: str) -> None:
    assert merged_dialog(extension(spec)) == expected


def test_debug_output_shows_files_and_specs() -> None:
    spec = '<xpath expr="//button" position="attributes"><attribute name="title">Close</attribute></xpath>'
    assert merged_dialog(extension(spec), debug=True) == (
        "<!-- Filepath: /web/static/src/d.xml => /shop/static/src/e.xml -->\n"
        '<t t-name="web.Dialog">\n        <div class="modal o_dialog">\n'
        '            <main><t t-slot="default"/></main>\n'
        "            <footer><!-- Filepath: /shop/static/src/e.xml ; position=\"attributes\" ; {'expr': '//button'} -->"
        '<button class="btn" title="Close">Ok</button></footer>\n        </div>\n    </t>\n'
    )


def test_hasclass_is_not_registered_globally() -> None:
    merged_dialog(extension('<xpath expr="//div[hasclass(\'modal\')]" position="inside"><i/></xpath>'))
    with pytest.raises(etree.XPathEvalError):
        etree.XPath("//*[hasclass('x')]")(etree.fromstring("<a class='x'/>"))


def test_unmatched_hasclass_names_the_spec() -> None:
    spec = "<xpath expr=\"//div[hasclass('modal', 'nope')]\" position=\"inside\"><i/></xpath>"
    with pytest.raises(
        CompilationError,
        match=r"^/shop/static/src/e\.xml: element '<xpath expr=\"//div\[hasclass\('modal', 'nope'\)\]\">' cannot be located",
    ):
        merged_dialog(extension(spec))


def test_parent_names_short_dotted_and_own_addon() -> None:
    own = """<templates>
    <t t-name="shop.Base"><div/></t>
    <t t-name="Short" t-inherit="Base" t-inherit-mode="primary"><xpath expr="//div" position="inside"><b/></xpath></t>
    <t t-name="with.dots"><p/></t>
    <t t-name="Dotted" t-inherit="with.dots" t-inherit-mode="primary"><xpath expr="//p" position="inside"><i/></xpath></t>
</templates>"""
    # A primary template is a copy of its parent, tail text included.
    assert merge_templates([read("/shop/static/src/o.xml", own)]) == (
        '<t t-name="shop.Base"><div/></t>\n    '
        '<t t-name="Short"><div><b/></div></t>\n    '
        '<t t-name="with.dots"><p/></t>\n    '
        '<t t-name="Dotted"><p><i/></p></t>\n    '
    )


def test_templates_are_grouped_by_addon_in_first_seen_order() -> None:
    files = [
        read("/web/static/src/a.xml", '<templates><t t-name="web.A"/></templates>'),
        read("/shop/static/src/b.xml", '<templates><t t-name="shop.B"/></templates>'),
        read("/web/static/src/c.xml", '<templates><t t-name="web.C"/><t t-extend="web.A"/></templates>'),
    ]
    assert (
        merge_templates(files)
        == '<t t-name="web.A"/><t t-name="web.C"/><t t-extend="web.A"/><t t-name="shop.B"/>'
    )


def test_unreadable_file_contributes_nothing_but_its_addon_slot() -> None:
    files = [
        (
            "/shop/static/src/missing.xml",
            read_template_file("/shop/static/src/missing.xml", None, "File missing."),
        ),
        read("/web/static/src/a.xml", '<templates><t t-name="web.A"/></templates>'),
        read("/shop/static/src/b.xml", '<templates><t t-name="shop.B"/></templates>'),
    ]
    assert files[0][1] == 'console.error("File missing.");'
    assert merge_templates(files) == '<t t-name="shop.B"/><t t-name="web.A"/>'


def test_template_without_name_is_an_error() -> None:
    with pytest.raises(CompilationError, match=r"^/web/static/src/n\.xml: a template has no t-name"):
        merge_templates([read("/web/static/src/n.xml", "<templates><t><div/></t></templates>")])
    primary = '<templates><t t-inherit="web.Dialog" t-inherit-mode="primary"><xpath expr="//main" position="inside"/></t></templates>'
    with pytest.raises(CompilationError, match=r"^/web/static/src/p\.xml: a primary template needs a t-name"):
        merge_templates([read("/web/static/src/d.xml", DIALOG), read("/web/static/src/p.xml", primary)])


def test_attribute_add_with_a_value_is_an_error() -> None:
    spec = '<xpath expr="//div" position="attributes"><attribute name="class" add="x">y</attribute></xpath>'
    with pytest.raises(CompilationError, match="add/remove cannot be combined with a value"):
        merged_dialog(extension(spec))


def test_series_16_template_block_uses_load_xml() -> None:
    pad, inner = " " * 20, " " * 24
    assert template_block("web.b", "T\nU", profile_for("16.0").scripts.templates) == (
        f"\n\n{pad}/*******************************************\n"
        f"{pad}*  Templates                               *\n"
        f"{pad}*******************************************/\n\n"
        f"{pad}odoo.define('web.b.bundle.xml', function(require){{\n"
        f"{inner}'use strict';\n{inner}const {{ loadXML }} = require('@web/core/assets');\n"
        f"{inner}const templates = `T\nU`;\n{inner}return loadXML(templates);\n{pad}}});"
    )
