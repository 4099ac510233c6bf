"""What a plain `bundle build` plans: the pages, the bundles their scripts load lazily, and the
right-to-left CSS where a right-to-left language is active; each with the reason it is built."""

from __future__ import annotations

import json
from typing import Any

import pytest

from odoo_assets import tools
from tests.conftest import CliRunnerFn, OdooTestDb

EMOJI = "lazy: loadBundle in /web/static/src/core/emoji_picker/emoji_picker.js"
CHART = "lazy: loadBundle in /web/static/src/views/graph_view.js"
SHOP = "lazy: loadBundle in /demo_shop/static/src/frontend/product_zoom.js"
RTL = "rtl: ar_001 active"

PAGES = [
    ("web.assets_web", "min.js", None, False, "page: backend"),
    ("web.assets_web", "min.css", None, False, "page: backend"),
    ("web.assets_web", "min.css", None, True, RTL),
    ("web.assets_frontend", "min.css", 1, False, "page: frontend"),
    ("web.assets_frontend", "min.css", 1, True, RTL),
    ("web.assets_frontend", "min.css", 2, False, "page: frontend"),
    ("web.assets_frontend_minimal", "min.js", 1, False, "page: frontend"),
    ("web.assets_frontend_minimal", "min.js", 2, False, "page: frontend"),
    ("web.assets_frontend_lazy", "min.js", 1, False, "page: frontend"),
    ("web.assets_frontend_lazy", "min.js", 2, False, "page: frontend"),
]
LAZY = [
    ("web.assets_emoji", "min.js", None, False, EMOJI),
    ("web.assets_emoji", "min.css", None, False, EMOJI),
    ("web.assets_emoji", "min.css", None, True, RTL),
    ("web.chartjs_lib", "min.js", None, False, CHART),
    ("demo_shop.assets_shop", "min.js", 1, False, SHOP),
    ("demo_shop.assets_shop", "min.js", 2, False, SHOP),
    ("demo_shop.assets_shop", "min.css", 1, False, SHOP),
    ("demo_shop.assets_shop", "min.css", 1, True, RTL),
    ("demo_shop.assets_shop", "min.css", 2, False, SHOP),
]


# These tests are about pages, lazy bundles and directions: the backend as served with a
# website selected (see test_series) is left out.
ONE_BACKEND = "--no-website-backends"


def plan(run_cli: CliRunnerFn, db: OdooTestDb, *options: str) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    result = run_cli("bundle", "build", "--dry-run", "--json", ONE_BACKEND, *options, db=db)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = [(b["bundle"], b["ext"], b["website_id"], b["rtl"], b["reason"]) for b in data["bundles"]]
    return rows, data


@pytest.mark.usefixtures("rtlcss")
def test_plain_build_plans_pages_lazy_bundles_and_rtl(run_cli: CliRunnerFn, odoo_db: OdooTestDb) -> None:
    rows, data = plan(run_cli, odoo_db)
    # Website 1 speaks Arabic, website 2 does not; the backend follows every active language.
    # The lazy bundles are asked for where their loader runs: backend files without a website,
    # the frontend file for each website; web.chartjs_lib has no stylesheet.
    assert rows == PAGES + LAZY
    assert data["warnings"] == [] and data["summary"] == {"would-build": len(PAGES + LAZY)}
    text = run_cli("bundle", "build", "--dry-run", ONE_BACKEND, db=odoo_db).stdout.splitlines()
    assert text[0].split() == ["status", "bundle", "website", "version", "size", "reason", "note"]
    assert text[11].split()[0:2] == ["would-build", "web.assets_emoji.min.js"]
    assert text[11].endswith(EMOJI)


@pytest.mark.usefixtures("rtlcss")
def test_pages_only_and_no_rtl(run_cli: CliRunnerFn, odoo_db: OdooTestDb) -> None:
    assert plan(run_cli, odoo_db, "--pages-only")[0] == PAGES
    assert plan(run_cli, odoo_db, "--pages-only", "--no-rtl")[0] == [row for row in PAGES if not row[3]]
    assert plan(run_cli, odoo_db, "--no-rtl")[0] == [row for row in PAGES + LAZY if not row[3]]


@pytest.mark.usefixtures("rtlcss")
def test_rtl_follows_active_languages_of_the_backend_and_of_each_website(
    run_cli: CliRunnerFn, odoo_db: OdooTestDb
) -> None:
    # Hebrew (inactive) counts nowhere; Arabic moves from website 1 to website 2.
    odoo_db.execute("DELETE FROM website_lang_rel WHERE lang_id = 2")
    odoo_db.execute("INSERT INTO website_lang_rel (website_id, lang_id) VALUES (2, 2), (2, 4)")
    rows = plan(run_cli, odoo_db, "--pages-only")[0]
    assert [(r[0], r[2]) for r in rows if r[3]] == [("web.assets_web", None), ("web.assets_frontend", 2)]
    # No active right-to-left language: no right-to-left CSS at all.
    odoo_db.execute("UPDATE res_lang SET active = false WHERE code = 'ar_001'")
    assert not [r for r in plan(run_cli, odoo_db)[0] if r[3]]


@pytest.mark.usefixtures("no_rtlcss")
def test_without_rtlcss_the_automatic_rtl_is_skipped_with_one_warning(
    run_cli: CliRunnerFn, odoo_db: OdooTestDb
) -> None:
    message = (
        f"right-to-left CSS not built although ar_001 is active: {tools.RTLCSS.missing()}; --no-rtl skips it"
    )
    result = run_cli("bundle", "build", ONE_BACKEND, db=odoo_db)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"WARNING {message} db={odoo_db.name}"]
    rows = odoo_db.query(
        "SELECT url FROM ir_attachment WHERE url LIKE '/web/assets/%%' AND url LIKE '%%.rtl.%%'"
    )
    assert rows == []
    rows, data = plan(run_cli, odoo_db, "--force")
    assert rows == [row for row in PAGES + LAZY if not row[3]]
    assert [(w["kind"], w["reason"]) for w in data["warnings"]] == [("rtl-skipped", message)]
    # --no-rtl: nothing to say. An explicit --rtl, and --strict, fail as without rtlcss before.
    assert run_cli("bundle", "build", "--no-rtl", ONE_BACKEND, db=odoo_db).stderr == ""
    explicit = run_cli("bundle", "build", "web.assets_web", "--rtl", db=odoo_db)
    assert explicit.exit_code == 1 and "right-to-left CSS needs rtlcss: rtlcss not found" in explicit.stdout
    strict = run_cli("bundle", "build", "--strict", "--json", ONE_BACKEND, db=odoo_db)
    assert strict.exit_code == 1
    failed = [
        (b["bundle"], b["website_id"])
        for b in json.loads(strict.stdout)["bundles"]
        if b["status"] == "failed"
    ]
    assert failed == [
        ("web.assets_web", None),
        ("web.assets_frontend", 1),
        ("web.assets_emoji", None),
        ("demo_shop.assets_shop", 1),
    ]


@pytest.mark.usefixtures("rtlcss")
def test_lazy_bundles_are_found_recursively_and_kept_only_when_defined(
    run_cli: CliRunnerFn, odoo_db: OdooTestDb
) -> None:
    web = odoo_db.addons.web
    emoji = web / "static/src/emoji/emoji_data.js"
    emoji.write_text(
        emoji.read_text() + 'loadBundle("web.assets_emoji_fonts");\nloadBundle("web.nowhere");\n'
    )
    (web / "static/src/emoji/fonts.css").write_text("@font-face { font-family: emoji; }\n")
    manifest = web / "__manifest__.py"
    manifest.write_text(
        manifest.read_text().replace(
            '"web.assets_emoji": [',
            '"web.assets_emoji_fonts": ["web/static/src/emoji/fonts.css"],\n"web.assets_emoji": [',
        )
    )
    rows = plan(run_cli, odoo_db, "--no-rtl")[0]
    lazy = [(r[0], r[1], r[4]) for r in rows if r[4].startswith("lazy")]
    assert lazy == [
        ("web.assets_emoji", "min.js", EMOJI),
        ("web.assets_emoji", "min.css", EMOJI),
        ("web.chartjs_lib", "min.js", CHART),
        ("demo_shop.assets_shop", "min.js", SHOP),
        ("demo_shop.assets_shop", "min.js", SHOP),
        ("demo_shop.assets_shop", "min.css", SHOP),
        ("demo_shop.assets_shop", "min.css", SHOP),
        ("web.assets_emoji_fonts", "min.css", "lazy: loadBundle in /web/static/src/emoji/emoji_data.js"),
    ]


@pytest.mark.usefixtures("rtlcss")
def test_a_loader_on_one_websites_pages_plans_that_website_only(
    run_cli: CliRunnerFn, odoo_db: OdooTestDb
) -> None:
    loader = odoo_db.addons.root / "addons/website/static/src/snippets/s_w1.js"
    loader.write_text('loadBundle("web.chartjs_lib");\n')
    odoo_db.execute(
        "INSERT INTO ir_asset (name, bundle, directive, path, active, sequence, website_id)"
        " VALUES ('charts on website 1', 'web.assets_frontend', 'append', 'website/static/src/snippets/s_w1.js',"
        " true, 16, 1)"
    )
    rows = plan(run_cli, odoo_db, "--no-rtl")[0]
    chart = "lazy: loadBundle in /website/static/src/snippets/s_w1.js"
    assert [r for r in rows if r[0] == "web.chartjs_lib"] == [
        ("web.chartjs_lib", "min.js", None, False, CHART),
        ("web.chartjs_lib", "min.js", 1, False, chart),
    ]


@pytest.mark.usefixtures("rtlcss")
def test_the_plan_is_built_then_checked_healthy(run_cli: CliRunnerFn, odoo_db: OdooTestDb) -> None:
    assert run_cli("bundle", "build", db=odoo_db).exit_code == 0
    urls = [url for (url,) in odoo_db.query("SELECT url FROM ir_attachment WHERE url LIKE '/web/assets/%%'")]
    # Backend-loaded bundles without a website segment, and again for each website (the backend
    # as served with a website selected); the frontend-loaded one per website.
    shapes = sorted(
        (url.split("/")[3] if url.count("/") == 5 else "-", url.rsplit("/", 1)[1])
        for url in urls
        if "emoji" in url or "chartjs" in url or "assets_shop" in url
    )
    backend = [
        "web.assets_emoji.min.css",
        "web.assets_emoji.min.js",
        "web.assets_emoji.rtl.min.css",
        "web.chartjs_lib.min.js",
    ]
    assert shapes == sorted(
        [(scope, name) for scope in ("-", "1", "2") for name in backend]
        + [
            ("1", "demo_shop.assets_shop.min.css"),
            ("1", "demo_shop.assets_shop.min.js"),
            ("1", "demo_shop.assets_shop.rtl.min.css"),
            ("2", "demo_shop.assets_shop.min.css"),
            ("2", "demo_shop.assets_shop.min.js"),
        ]
    )
    backend_pages = [row for row in PAGES if row[4] == "page: backend" or (row[2] is None and row[3])]
    assert len(urls) == len(PAGES + LAZY) + 2 * (len(backend_pages) + 4)
    check = run_cli("bundle", "check", db=odoo_db)
    assert check.exit_code == 0 and check.stdout == f"{odoo_db.name}: ok ({len(urls)} bundle rows)\n"
    # A lazy bundle's row gone is noticed.
    [emoji] = [url for url in urls if url.endswith("/web.assets_emoji.rtl.min.css") and url.count("/") == 4]
    odoo_db.execute("DELETE FROM ir_attachment WHERE url = %s", (emoji,))
    check = run_cli("bundle", "check", db=odoo_db)
    assert check.exit_code == 1 and f"not-built: {emoji}: current version not built" in check.stdout
