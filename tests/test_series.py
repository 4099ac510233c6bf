"""Series profiles: what each series changes, pinned on small inputs (18.0 and 19.0 were checked
byte for byte against live servers; these keep the differences from drifting)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from odoo_assets.compilation import CompileOptions, SourceAsset, compile_css, compile_js
from odoo_assets.compilation.javascript import is_odoo_module, transpile
from odoo_assets.compilation.templates import registration_block
from odoo_assets.errors import CompilationError, NotOdooDatabase
from odoo_assets.resolution import BundleEntry
from odoo_assets.series import PROFILES, profile_for, supported_series
from odoo_assets.versions import bundle_checksum, checksum_descriptors
from tests.conftest import OdooTestDb
from tests.test_cli import cli
from tests.test_versions import entry

URL = "/web/static/src/a.js"
PAD, INNER = " " * 20, " " * 24


def test_every_series_from_12_to_19_has_a_profile() -> None:
    assert supported_series() == ("12.0", "13.0", "14.0", "15.0", "16.0", "17.0", "18.0", "19.0")
    assert [s for s, p in PROFILES.items() if p.buildable] == ["16.0", "17.0", "18.0", "19.0"]
    with pytest.raises(NotOdooDatabase, match=r"Odoo 11\.0 is not a supported series"):
        profile_for("11.0")


def test_page_bundles_per_series() -> None:
    def pages(series: str) -> list[tuple[str, str, str]]:
        return [(p.bundle, p.asset_type, p.scope) for p in profile_for(series).page_bundles]

    frontend = [
        ("web.assets_frontend", "css", "frontend"),
        ("web.assets_frontend_minimal", "js", "frontend"),
        ("web.assets_frontend_lazy", "js", "frontend"),
    ]
    discuss = [("mail.assets_public", "js", "backend"), ("mail.assets_public", "css", "backend")]
    assert pages("17.0") == [
        ("web.assets_web", "js", "backend"),
        ("web.assets_web", "css", "backend"),
        *frontend,
        *discuss,
        ("website.assets_wysiwyg", "css", "frontend"),
    ]
    backend18 = [
        ("web.assets_web", "js", "backend"),
        ("web.assets_web", "css", "backend"),
        ("web.assets_web_print", "css", "backend"),
    ]
    assert pages("18.0") == [
        *backend18,
        *frontend,
        *discuss,
        ("website.assets_wysiwyg_inside", "css", "frontend"),
    ]
    assert pages("19.0") == [*backend18, *frontend, *discuss, ("website.assets_wysiwyg", "css", "frontend")]
    assert ("website.assets_wysiwyg_inside", "css", "frontend") in pages("16.0")
    assert pages("14.0") == []


def test_lazy_bundles_are_named_by_every_loader_of_every_series() -> None:
    lazy = profile_for("17.0").lazy_bundles_in
    assert lazy('loadCssFromBundle(this.shadowRoot, "mail.assets_message_email");') == [
        "mail.assets_message_email"
    ]
    assert lazy(
        'await loadBundle(\n    cookie.get("color_scheme") === "dark"\n'
        '        ? "web.assets_backend_lazy_dark"\n        : "web.assets_backend_lazy"\n);'
    ) == ["web.assets_backend_lazy_dark", "web.assets_backend_lazy"]
    assert lazy("prepare = loadWysiwyg(['website.assets_wysiwyg_inside']);") == [
        "website.assets_wysiwyg_inside"
    ]
    assert lazy("const xmlids = ['web_editor.assets_wysiwyg', ...additionnalAssets];") == [
        "web_editor.assets_wysiwyg"
    ]
    assert lazy(
        "getWysiwygClass({ moduleName: 'website.wysiwyg', additionnalAssets: ['website.assets_wysiwyg'] })"
    ) == ["website.assets_wysiwyg"]
    assert lazy('const x = "web.assets_emoji"; loadBundle(name); _t("Loading...");') == []


def test_lazy_bundles_are_found_in_scripts() -> None:
    script = (
        "await loadBundle('web.chartjs_lib');\nloadBundle(`web.ace_lib`, {}); loadBundle(name);"
        ' this.loadBundle( "web.x" ); preloadBundle("web.no"); $loadBundle("web.no");'
    )
    assert profile_for("17.0").lazy_bundles_in(script) == ["web.chartjs_lib", "web.ace_lib", "web.x"]


def test_filestore_shard_and_signals_per_series() -> None:
    assert [profile_for(s).legacy_shard for s in ("16.0", "17.0", "18.0", "19.0")] == [
        True,
        True,
        False,
        False,
    ]
    assert profile_for("16.0").signals == (("sequence", "base_cache_signaling"),)
    assert profile_for("18.0").signals == (("sequence", "base_cache_signaling_assets"),)
    assert profile_for("19.0").signals == (("table", "orm_signaling_assets"),)


# --- URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("series", "url", "parsed"),
    [
        (
            "17.0",
            "/web/assets/1/abcdef0/web.assets_frontend.rtl.min.css",
            (1, "abcdef0", "web.assets_frontend", "min.css", True, None),
        ),
        (
            "16.0",
            "/web/assets/514-9f8e7d6/1/rtl/web.assets_frontend.min.css",
            (1, "9f8e7d6", "web.assets_frontend", "min.css", True, 514),
        ),
        (
            "15.0",
            "/web/assets/77-9f8e7d6/2/web.assets_common.min.js",
            (2, "9f8e7d6", "web.assets_common", "min.js", False, 77),
        ),
        (
            "14.0",
            "/web/content/12-9f8e7d6/web.assets_backend.css",
            (None, "9f8e7d6", "web.assets_backend", "css", False, 12),
        ),
        (
            "12.0",
            "/web/content/12-9f8e7d6/1/web.assets_backend.0.css",
            (1, "9f8e7d6", "web.assets_backend", "css", False, 12),
        ),
    ],
)
def test_bundle_urls_are_recognised_per_series(series: str, url: str, parsed: tuple[object, ...]) -> None:
    assert tuple(profile_for(series).parse_url(url) or ()) == parsed


def test_other_series_urls_are_not_bundle_rows() -> None:
    assert profile_for("17.0").parse_url("/web/assets/514-9f8e7d6/web.assets_common.min.js") is None
    assert profile_for("14.0").parse_url("/web/assets/abcdef0/web.assets_web.min.js") is None
    assert profile_for("14.0").parse_url("/web/content/12-9f8e7d6/report.pdf") is None


def test_16_urls_carry_the_attachment_id() -> None:
    urls = profile_for("16.0").urls
    assert urls.build("web.assets_common", "abc1234", "min.css", website_id=2, rtl=True, attachment_id=9) == (
        "/web/assets/9-abc1234/2/rtl/web.assets_common.min.css"
    )


# --- Versions ---------------------------------------------------------------------------------


def _entry(url: str, mtime: float) -> BundleEntry:
    return entry(url, mtime)


def test_19_stylesheet_descriptors_end_with_the_autoprefix_flag() -> None:
    entries = [_entry("/web/static/src/a.scss", 1727345849.0), _entry("/web/static/src/b.js", 1.5)]
    assert checksum_descriptors(entries, "css", css_suffix=",") == [
        "/web/static/src/a.scss,1727345849.0,ltr,"
    ]
    v17, v19 = profile_for("17.0").version, profile_for("19.0").version
    assert v17(entries, "css", False) == bundle_checksum(entries, "css")[:7]
    assert v19(entries, "css", False) == bundle_checksum(entries, "css", css_suffix=",")[:7]
    assert v19(entries, "css", False) != v17(entries, "css", False)
    assert v19(entries, "js", False) == v17(entries, "js", False)


# --- Scripts ----------------------------------------------------------------------------------


def test_18_and_19_transpile_every_static_src_file_unless_ignored() -> None:
    for series in ("18.0", "19.0"):
        rules = profile_for(series).scripts
        assert is_odoo_module(URL, "const a = 1;", rules)
        assert not is_odoo_module(URL, "/** @odoo-module ignore */\nconst a = 1;", rules)
    assert not is_odoo_module(URL, "const a = 1;", profile_for("17.0").scripts)


def test_19_keeps_the_indentation_of_bare_imports() -> None:
    source = '/** @odoo-module */\nif (x) {\n    import "@web/a";\n}\n'
    assert '\n    require("@web/a");' in transpile(URL, source, profile_for("19.0").scripts)
    assert '\nrequire("@web/a");' in transpile(URL, source, profile_for("18.0").scripts)


def test_19_binds_t_to_the_module_addon() -> None:
    source = 'import { _t, markup } from "@web/core/l10n/translation";\nexport const a = _t("A");\n'
    out = transpile("/mail/static/src/x.js", source, profile_for("19.0").scripts)
    assert (
        'const { appTranslateFn, markup } = require("@web/core/l10n/translation");'
        'const _t = (str, ...args) => appTranslateFn(str, "mail", ...args);\n'
    ) in out
    assert 'const { _t, markup } = require("@web/core/l10n/translation");\n' in transpile(
        "/mail/static/src/x.js", source, profile_for("18.0").scripts
    )
    both = 'import { _t, appTranslateFn } from "@web/core/l10n/translation";\n'
    assert "const { __not_defined__, appTranslateFn }" in transpile(
        "/mail/static/src/x.js", both, profile_for("19.0").scripts
    )
    test_file = transpile("/mail/static/tests/x.test.js", source, profile_for("19.0").scripts)
    assert "appTranslateFn" not in test_file


def test_18_error_lines_under_static_src_are_modules_too() -> None:
    missing = SourceAsset("/web/static/src/nope.js", None)
    [js18] = compile_js("web.b", [missing], CompileOptions(scripts=profile_for("18.0").scripts))
    assert js18.content.startswith(
        "\n/* /web/static/src/nope.js */\nodoo.define('@web/nope',[],function(require){'use strict';"
    )
    assert "console.error(\"'Could not get content for /web/static/src/nope.js.' in file" in js18.content


def test_map_rows_are_text_from_18_on() -> None:
    assert [profile_for(s).map_mimetype for s in ("17.0", "18.0", "19.0")] == [
        "application/octet-stream",
        "text/plain",
        "text/plain",
    ]


def test_18_script_errors_name_the_file() -> None:
    missing = SourceAsset("web/static/src/nope.js", None)
    [js17] = compile_js("web.b", [missing], CompileOptions(scripts=profile_for("17.0").scripts))
    [js18] = compile_js("web.b", [missing], CompileOptions(scripts=profile_for("18.0").scripts))
    assert (
        js17.content
        == '\n/* web/static/src/nope.js */\nconsole.error("Could not get content for web/static/src/nope.js.");'
    )
    assert js18.content == (
        "\n/* web/static/src/nope.js */\n"
        "console.error(\"'Could not get content for web/static/src/nope.js.' in file 'web/static/src/nope.js'\");"
    )


# --- Templates (18.0+) ------------------------------------------------------------------------


def _block(lines: str, pad: str = PAD) -> str:
    inner = pad + "    "
    return (
        f"\n\n{pad}/*******************************************\n"
        f"{pad}*  Templates                               *\n"
        f"{pad}*******************************************/\n\n"
        f'{pad}odoo.define("web.b.bundle.xml", ["@web/core/templates"], function(require) {{\n'
        f'{inner}"use strict";\n'
        f'{inner}const {{ checkPrimaryTemplateParents, registerTemplate, registerTemplateExtension }} = require("@web/core/templates");\n'
        f"{inner}/* web.b */\n"
        f"{inner}{lines}\n"
        f"{pad}}});\n"
    )


def test_templates_register_one_by_one_and_extensions_group_by_parent() -> None:
    first = (
        '<templates>\n<t t-name="web.A"><div>a</div></t>\n'
        '<t t-name="web.B" t-inherit="web.Missing"><div/></t>\n'
        '<t t-inherit="web.A" t-inherit-mode="extension"><xpath expr="//div" position="inside">1</xpath></t>\n'
        "</templates>"
    )
    second = (
        '<templates><t t-inherit="web.Gone" t-inherit-mode="extension"><div/></t>'
        '<t t-inherit="web.A" t-inherit-mode="extension"><span>`${x}`</span></t></templates>'
    )
    block = registration_block(
        "web.b", [("/web/static/src/a.xml", first, None), ("/web/static/src/b.xml", second, None)]
    )
    assert block == _block(
        'registerTemplate("web.A", `/web/static/src/a.xml`, `<t t-name="web.A" xml:space="preserve"><div>a</div></t>\n`);\n'
        'registerTemplate("web.B", `/web/static/src/a.xml`, `<t t-name="web.B" t-inherit="web.Missing" xml:space="preserve"><div/></t>\n`);\n'
        'registerTemplateExtension("web.A", `/web/static/src/a.xml`, `<t t-inherit="web.A" t-inherit-mode="extension" xml:space="preserve"><xpath expr="//div" position="inside">1</xpath></t>\n`);\n'
        'registerTemplateExtension("web.A", `/web/static/src/b.xml`, `<t t-inherit="web.A" t-inherit-mode="extension" xml:space="preserve"><span>\\`\\${x}\\`</span></t>`);\n'
        'registerTemplateExtension("web.Gone", `/web/static/src/b.xml`, `<t t-inherit="web.Gone" t-inherit-mode="extension" xml:space="preserve"><div/></t>`);\n'
        'checkPrimaryTemplateParents(["web.Missing"]);\n'
        'console.error("Missing (extension) parent templates: web.Gone");'
    )


def test_a_one_line_block_is_dedented_like_the_servers_source() -> None:
    block = registration_block(
        "web.b", [("/web/static/src/a.xml", '<templates><t t-name="x">y</t></templates>', None)]
    )
    line = 'registerTemplate("x", `/web/static/src/a.xml`, `<t t-name="x" xml:space="preserve">y</t>`);'
    assert block == _block(line, pad="")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "'Could not get content for /web/static/src/a.xml.' in file '/web/static/src/a.xml'"),
        ("<templates><t t-name=", "'Invalid XML template: "),
        (
            '<templates><t t-name="x" t-inherit="y" t-inherit-mode="nope"/></templates>',
            '\'Invalid inherit mode. Module "web"',
        ),
        ("<templates><div/></templates>", "'Template name is missing.' in file '/web/static/src/a.xml'"),
    ],
)
def test_a_template_file_error_becomes_one_throw(content: str | None, message: str) -> None:
    block = registration_block("web.b", [("/web/static/src/a.xml", content, None)])
    [line] = [line for line in block.split("\n") if "throw new Error(" in line]
    assert line.startswith("    throw new Error(") and line.endswith(");")
    assert json.loads(line.strip()[len("throw new Error(") : -2]).startswith(message)
    assert "registerTemplate(" not in block


def test_18_js_bundle_ends_with_the_registration_block() -> None:
    xml = SourceAsset("/web/static/src/a.xml", '<templates><t t-name="x">y</t></templates>')
    [out] = compile_js("web.b", [xml], CompileOptions(scripts=profile_for("18.0").scripts))
    assert out.content == registration_block("web.b", [("/web/static/src/a.xml", xml.content, None)])


# --- Stylesheets ------------------------------------------------------------------------------


def test_19_adds_no_vendor_prefixes(tmp_path: Path) -> None:
    sheet = [SourceAsset("/web/static/src/a.scss", ".a { display: flex; }")]
    [css17] = compile_css("web.b", sheet, CompileOptions(styles=profile_for("17.0").styles))
    [css19] = compile_css("web.b", sheet, CompileOptions(styles=profile_for("19.0").styles))
    assert (
        css17.content
        == "\n/* /web/static/src/a.scss */\n .a{display: -webkit-box; display: -webkit-flex; display: flex;}"
    )
    assert css19.content == "\n/* /web/static/src/a.scss */\n .a{display: flex;}"


def test_odoo_path_imports_resolve_under_addons_roots_from_16_and_18_on(tmp_path: Path) -> None:
    bootstrap = tmp_path / "addons" / "web" / "static" / "lib" / "bootstrap" / "scss"
    bootstrap.mkdir(parents=True)
    (bootstrap / "_functions.scss").write_text("$from-bootstrap: 1px;\n")
    shared = tmp_path / "addons" / "theme" / "static" / "src"
    shared.mkdir(parents=True)
    (shared / "_colors.scss").write_text("$brand: #123456;\n")
    sheet = [
        SourceAsset(
            "/web/static/src/a.scss",
            '@import "functions";\n@import "theme/static/src/colors";\n.a { color: $brand; width: $from-bootstrap; }',
        )
    ]
    roots = (str(tmp_path / "addons"),)
    for series in ("16.0", "18.0", "19.0"):
        options = CompileOptions(
            styles=profile_for(series).styles, bootstrap_scss_dir=bootstrap, import_roots=roots
        )
        [css] = compile_css("web.b", sheet, options)
        assert re.search(r"\.a\{color: #123456; width: 1px;\}$", css.content), series
    options17 = CompileOptions(
        styles=profile_for("17.0").styles, bootstrap_scss_dir=bootstrap, import_roots=roots
    )
    with pytest.raises(
        CompilationError, match="File to import not found or unreadable: theme/static/src/colors"
    ):
        compile_css("web.b", sheet, options17)


# --- Whole builds on 18.0 and 19.0 databases ----------------------------------------------------


def _build(db: OdooTestDb, *args: str) -> dict[str, Any]:
    result = cli(db, "bundle", "build", "web.assets_web", "web.assets_frontend", "--json", *args)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


@pytest.mark.parametrize("series", ["18.0", "19.0"])
def test_a_newer_series_database_is_built_with_its_profile(odoo_db: OdooTestDb, series: str) -> None:
    reference = {(o["bundle"], o["ext"], o["website_id"]): o["version"] for o in _build(odoo_db)["bundles"]}
    odoo_db.execute(f"UPDATE ir_module_module SET latest_version = '{series}.1.3' WHERE name = 'base'")
    odoo_db.execute("DELETE FROM ir_attachment WHERE url LIKE '/web/assets/%'")
    built = _build(odoo_db)["bundles"]
    versions = {(o["bundle"], o["ext"], o["website_id"]): o["version"] for o in built}
    assert set(versions) == set(reference)
    for key, version in versions.items():
        # JS versions hash the same descriptors; 19.0's stylesheet descriptors differ.
        same = key[1] == "min.js" or series == "18.0"
        assert (version == reference[key]) is same, key
    [(js_fname,)] = odoo_db.query(
        "SELECT store_fname FROM ir_attachment WHERE url = %s",
        (f"/web/assets/{versions['web.assets_web', 'min.js', None]}/web.assets_web.min.js",),
    )
    js = (odoo_db.data_dir / "filestore" / odoo_db.name / js_fname).read_text()
    assert 'odoo.define("web.assets_web.bundle.xml", ["@web/core/templates"]' in js
    assert "registry.category(`xml_templates`)" not in js
    assert js_fname[2] == "/"  # 2-character shard, never the legacy one
    [(index,)] = odoo_db.query(
        "SELECT index_content FROM ir_attachment WHERE store_fname = %s LIMIT 1", (js_fname,)
    )
    assert index == (None if series == "19.0" else "application")


def test_legacy_rtl_segments_are_recognised() -> None:
    assert tuple(
        profile_for("15.0").parse_url("/web/assets/8-abcdef0/1/rtl/web.assets_common.min.css") or ()
    ) == (
        1,
        "abcdef0",
        "web.assets_common",
        "min.css",
        True,
        8,
    )
    assert tuple(
        profile_for("13.0").parse_url("/web/content/8-abcdef0/rtl/web.assets_backend.css") or ()
    ) == (
        None,
        "abcdef0",
        "web.assets_backend",
        "css",
        True,
        8,
    )


def test_a_16_database_gets_rows_whose_urls_carry_their_ids(odoo_db: OdooTestDb) -> None:
    odoo_db.execute("UPDATE ir_module_module SET latest_version = '16.0.1.3' WHERE name = 'base'")
    odoo_db.execute("CREATE SEQUENCE base_cache_signaling; SELECT nextval('base_cache_signaling')")
    result = cli(odoo_db, "bundle", "build", "web.assets_frontend", "--json", "--rtl")
    assert result.exit_code == 0, result.output
    rows = odoo_db.query(
        "SELECT id, url, name, website_id FROM ir_attachment WHERE url LIKE '/web/assets/%' ORDER BY id"
    )
    assert rows, result.output
    versions = set()
    for row_id, url, name, website_id in rows:
        match = re.fullmatch(
            r"/web/assets/(\d+)-([0-9a-f]{7})/([12])/(rtl/)?(web\.assets_frontend\.min\.(?:js|css))", url
        )
        assert match, url
        assert int(match[1]) == row_id and int(match[3]) == website_id and match[5] == name
        versions.add((website_id, match[2]))
    # One version per bundle and website, whatever the type or direction.
    assert len(versions) == len({w for w, _ in versions}) == 2
    [(signal,)] = odoo_db.query("SELECT last_value FROM base_cache_signaling")
    assert signal > 1  # workers drop their cached links (with ids) after each write
    again = cli(odoo_db, "bundle", "build", "web.assets_frontend", "--json", "--rtl")
    assert {o["status"] for o in json.loads(again.output)["bundles"]} == {"skipped"}
    check = cli(odoo_db, "bundle", "check")
    assert "web.assets_frontend.min.css: current version not built" not in check.output
    assert "web/assets/%-" in check.output  # the pages not built yet are named by their pattern


@pytest.mark.parametrize(("series", "built"), [("17.0", False), ("18.0", True), ("19.0", True)])
def test_the_print_bundle_is_a_backend_page_bundle_from_18_on(
    odoo_db: OdooTestDb, series: str, built: bool
) -> None:
    manifest = odoo_db.addons.root / "addons" / "web" / "__manifest__.py"
    text = manifest.read_text()
    manifest.write_text(
        text.replace(
            '"web.assets_web": [',
            '"web.assets_web_print": [\n            ("include", "web._assets_helpers"),\n            "web/static/src/scss/report.scss",\n        ],\n        "web.assets_web": [',
            1,
        )
    )
    odoo_db.execute(f"UPDATE ir_module_module SET latest_version = '{series}.1.0' WHERE name = 'base'")
    result = cli(odoo_db, "bundle", "build", "--json")
    assert result.exit_code == 0, result.output
    names = {(o["bundle"], o["ext"]) for o in json.loads(result.output)["bundles"] if o["status"] == "built"}
    assert (("web.assets_web_print", "min.css") in names) is built
    assert ("web.assets_web_print", "min.js") not in names


def test_website_backends_plan_the_backend_for_each_website(odoo_db: OdooTestDb) -> None:
    one = json.loads(cli(odoo_db, "bundle", "build", "--dry-run", "--json", "--no-website-backends").output)
    result = cli(odoo_db, "bundle", "build", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    planned = json.loads(result.output)["bundles"]
    web = {(o["ext"], o["website_id"], o["rtl"]) for o in planned if o["bundle"] == "web.assets_web"}
    assert web == {
        (ext, w, rtl)
        for ext, rtl in (("min.js", False), ("min.css", False), ("min.css", True))
        for w in (None, 1, 2)
    }
    assert {o["website_id"] for o in one["bundles"] if o["bundle"] == "web.assets_web"} == {None}
    reasons = {
        o.get("reason")
        for o in planned
        if o["bundle"] == "web.assets_web" and o["website_id"] == 2 and not o["rtl"]
    }
    assert reasons == {"page: backend with website 2 selected"}
