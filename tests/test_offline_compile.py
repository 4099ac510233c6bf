"""`bundle compile`: bundles from the addons tree alone, the bytes `bundle build` stores."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from odoo_assets import tools
from odoo_assets.storage import attachments as att
from odoo_assets.storage.filestore import Filestore
from tests.conftest import RTLCSS, AddonsTree, CliRunnerFn, OdooTestDb

PROJECT = Path(__file__).resolve().parent.parent


def addons_args(tree: AddonsTree) -> list[str]:
    return ["--addons-path", ",".join(str(p) for p in tree.paths)]


def compile_cli(run_cli: CliRunnerFn, tree: AddonsTree, out: Path, *args: str) -> Any:
    return run_cli(*addons_args(tree), "bundle", "compile", "-o", str(out), *args)


def manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return data


def entry(data: dict[str, Any], file: str) -> dict[str, Any]:
    return next(b for b in data["bundles"] if b["file"] == file)


def test_data_file_records_shape_the_bundle(
    run_cli: CliRunnerFn, addons_tree: AddonsTree, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = compile_cli(
        run_cli, addons_tree, out, "demo_records.assets_records", "--modules", "demo_records"
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "demo_records.assets_records.min.css",
        "demo_records.assets_records.min.js",
        "manifest.json",
    ]
    # Prepend (sequence 1) and auto_sequence (10) before the manifest, the updated record and
    # the CSV row after it; inactive, website-only, demo and unlisted records absent.
    assert (out / "demo_records.assets_records.min.js").read_text(encoding="utf-8") == (
        "\n/* /demo_records/static/src/first.js */\nwindow.records_first=1;;\n"
        "\n/* /demo_records/static/src/auto_sequence.js */\nwindow.records_auto_sequence=1;;\n"
        "\n/* /demo_records/static/src/main.js */\nwindow.records_main=1;;\n"
        "\n/* /demo_records/static/src/twice_v2.js */\nwindow.records_twice_v2=1;;\n"
        "\n/* /demo_records/static/src/csv_late.js */\nwindow.records_csv_late=1;"
    )
    assert (out / "demo_records.assets_records.min.css").read_text(encoding="utf-8") == (
        "\n/* /demo_records/static/src/main.scss */\n .records-main{color: #123;}\n"
        "\n/* /demo_records/static/src/csv.scss */\n .records-csv{color: #456;}"
    )
    data = manifest(out)
    assert data["source"] == {
        "kind": "addons",
        "modules": ["demo_records"],
        "installed": ["base", "web", "website", "demo_records"],
        "server_wide_modules": ["base", "web"],
    }
    js = entry(data, "demo_records.assets_records.min.js")
    assert [(i["path"], i["origin"], i["directive"], i["bytes"], i["measure"]) for i in js["inputs"]] == [
        (
            "/demo_records/static/src/first.js",
            "demo_records/data/ir_asset.xml:demo_records.asset_first",
            "prepend",
            66,
            "compiled",
        ),
        (
            "/demo_records/static/src/auto_sequence.js",
            "demo_records/data/ir_asset.xml:demo_records.asset_auto_sequence",
            "append",
            82,
            "compiled",
        ),
        ("/demo_records/static/src/main.js", "demo_records/__manifest__.py", "append", 64, "compiled"),
        (
            "/demo_records/static/src/twice_v2.js",
            "demo_records/data/ir_asset.xml:demo_records.asset_twice",
            "append",
            72,
            "compiled",
        ),
        (
            "/demo_records/static/src/csv_late.js",
            "demo_records/data/ir.asset.csv:demo_records.asset_csv_late",
            "append",
            70,
            "compiled",
        ),
    ]
    assert (js["size"], js["templates"], js["other"]) == (354, 0, 0)
    assert js["url"] == f"/web/assets/{js['version']}/demo_records.assets_records.min.js"


def test_default_bundles_and_sizes_add_up(
    run_cli: CliRunnerFn, addons_tree: AddonsTree, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = compile_cli(run_cli, addons_tree, out, "--modules", "demo_shop", "--debug", "--pages-only")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "web.assets_frontend.css",
        "web.assets_frontend.css.map",
        "web.assets_frontend.min.css",
        "web.assets_frontend_lazy.js",
        "web.assets_frontend_lazy.js.map",
        "web.assets_frontend_lazy.min.js",
        "web.assets_frontend_minimal.js",
        "web.assets_frontend_minimal.js.map",
        "web.assets_frontend_minimal.min.js",
        "web.assets_web.css",
        "web.assets_web.css.map",
        "web.assets_web.js",
        "web.assets_web.js.map",
        "web.assets_web.min.css",
        "web.assets_web.min.js",
    ]
    data = manifest(out)
    for item in data["bundles"]:
        written = (out / item["file"]).read_bytes()
        assert item["size"] == len(written)
        compiled = sum(i["bytes"] for i in item["inputs"] if i["measure"] == "compiled")
        assert compiled + item["templates"] + item["other"] == item["size"], item["file"]
        assert item["map"] is None or (out / item["map"]["file"]).stat().st_size == item["map"]["size"]
    web = entry(data, "web.assets_web.min.js")
    templates = [i for i in web["inputs"] if i["path"].endswith(".xml")]
    assert templates and all(i["measure"] == "source" for i in templates) and web["templates"] > 0
    # The debug file names its map by the URL Odoo serves it at.
    debug = entry(data, "web.assets_web.js")
    assert (
        (out / "web.assets_web.js")
        .read_text(encoding="utf-8")
        .endswith(f"//# sourceMappingURL={debug['map']['url']}")
    )
    assert data["total"] == sum(item["size"] for item in data["bundles"])


def test_auto_install_modules_count(run_cli: CliRunnerFn, addons_tree: AddonsTree, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = compile_cli(run_cli, addons_tree, out, "--all", "--modules", "demo_shop", "--json")
    data = json.loads(result.output)
    assert data["installed"] == ["base", "web", "demo_blog", "website", "demo_shop", "demo_auto"]
    assert data["auto_installed"] == ["base", "demo_auto", "web"]
    compiled = {(b["bundle"], b["ext"]) for b in data["bundles"] if b["status"] == "compiled"}
    assert ("demo_auto.assets_auto", "min.js") in compiled
    backend = (out / "web.assets_backend.min.js").read_text(encoding="utf-8")
    assert "demo_never" not in backend  # its auto_install trigger was not installed
    # The company report styles live in the database only: Odoo has no file for them either.
    assert data["failures"] == [
        "web.report_assets_common.min.css: bundle 'web.report_assets_common':"
        " web/static/asset_styles_company_report.scss: Could not get content for"
        " web/static/asset_styles_company_report.scss."
    ]
    assert (
        "web/__manifest__.py [web.report_assets_common] append 'web/static/asset_styles_company_report.scss':"
        " no such file and no attachment with this URL"
    ) in data["warnings"]
    assert result.exit_code == 1
    assert not (out / "web.report_assets_common.min.css").exists()


def stored_files(db: OdooTestDb) -> dict[str, bytes]:
    """Every bundle file `bundle build` stored without a website, by file name."""
    store = Filestore(db.filestore)
    with db.connect() as conn:
        rows = att.list_bundle_attachments(conn)
    found = {}
    for row in rows:
        url = row.url or ""
        if url.count("/") == 4:  # /web/assets/<unique>/<name>: no website segment
            assert row.store_fname is not None
            found[url.rsplit("/", 1)[1]] = store.read_blob(row.store_fname)
    return found


@pytest.mark.skipif(RTLCSS is None, reason=tools.RTLCSS.missing())
def test_compile_equals_what_build_stores(run_cli: CliRunnerFn, odoo_db: OdooTestDb, tmp_path: Path) -> None:
    """The database's modules, and ir.asset rows its data files would create: same bytes,
    same versions (the file names and URLs), for every variant without website."""
    bundles = [
        "web.assets_web",
        "web.assets_frontend",
        "web.assets_frontend_minimal",
        "web.assets_frontend_lazy",
        "demo_shop.assets_shop",
    ]
    built = run_cli("bundle", "build", *bundles, "--all-websites", "--rtl", "--debug", "--force", db=odoo_db)
    assert built.exit_code == 0, built.output
    stored = stored_files(odoo_db)
    out = tmp_path / "out"
    result = compile_cli(
        run_cli,
        odoo_db.addons,
        out,
        *bundles,
        "--modules",
        "demo_shop,theme_demo,theme_other",
        "--rtl",
        "--debug",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = manifest(out)
    compiled = {item["file"]: item["url"] for item in data["bundles"]}
    compiled.update({item["map"]["file"]: item["map"]["url"] for item in data["bundles"] if item["map"]})
    assert len(compiled) == 39  # 13 variants (no CSS in frontend_minimal), each min, debug, map
    for name in compiled:
        assert name in stored, name
        assert (out / name).read_bytes() == stored[name], name
    # The same versions: the URLs Odoo gives them.
    with odoo_db.connect() as conn:
        urls = {row.url for row in att.list_bundle_attachments(conn)}
    assert set(compiled.values()) <= urls


NO_DRIVER = """
import sys


class NoDriver:
    def find_spec(self, name, path=None, target=None):
        if name == "psycopg" or name.startswith(("psycopg.", "psycopg_")):
            raise ImportError("no PostgreSQL driver here")
        return None


sys.meta_path.insert(0, NoDriver())
from odoo_assets.cli import run

code = run(sys.argv[1:])
print("psycopg loaded:", any(m == "psycopg" or m.startswith("psycopg") for m in sys.modules))
sys.exit(code)
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_compile_needs_no_database_nor_driver(addons_tree: AddonsTree, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {
        **os.environ,
        "PGHOST": "127.0.0.1",
        "PGPORT": str(closed_port()),
        "PGDATABASE": "nowhere",
        "ODOO_ASSETS_CACHE_DIR": str(tmp_path / "cache"),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_DRIVER,
            *addons_args(addons_tree),
            "bundle",
            "compile",
            "--modules",
            "demo_shop",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "psycopg loaded: False"
    assert (out / "web.assets_web.min.js").is_file()


def write(tree: AddonsTree, relative: str, text: str) -> None:
    path = tree.root / "addons" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_failures_name_file_and_line(run_cli: CliRunnerFn, addons_tree: AddonsTree, tmp_path: Path) -> None:
    write(addons_tree, "demo_blog/static/src/blog.scss", ".blog {\n  color: $nowhere;\n}\n")
    out = tmp_path / "out"
    result = compile_cli(run_cli, addons_tree, out, "demo_blog.assets_blog", "--modules", "demo_blog")
    assert result.exit_code == 1
    assert (
        "error: demo_blog.assets_blog.min.css: /demo_blog/static/src/blog.scss:2:10: SCSS error:"
        " Undefined variable: \"$nowhere\". (bundle 'demo_blog.assets_blog')"
    ) in result.output.splitlines()
    # The other file of the bundle is written; the failed one is not, and the manifest says why.
    assert sorted(p.name for p in out.iterdir()) == ["demo_blog.assets_blog.min.js", "manifest.json"]
    assert [f["file"] for f in manifest(out)["failures"]] == ["demo_blog.assets_blog.min.css"]


def test_strict_turns_warnings_into_failures(
    run_cli: CliRunnerFn, addons_tree: AddonsTree, tmp_path: Path
) -> None:
    manifest_file = addons_tree.root / "addons" / "demo_blog" / "__manifest__.py"
    text = manifest_file.read_text(encoding="utf-8")
    manifest_file.write_text(
        text.replace(
            '"demo_blog/static/src/blog.scss",',
            '"demo_blog/static/src/blog.scss",\n            "demo_blog/static/src/nope/*.js",',
        ),
        encoding="utf-8",
    )
    args = ("demo_blog.assets_blog", "--modules", "demo_blog")
    warning = "demo_blog/__manifest__.py [demo_blog.assets_blog] append 'demo_blog/static/src/nope/*.js': glob matches no file"
    lenient = compile_cli(run_cli, addons_tree, tmp_path / "a", *args)
    assert lenient.exit_code == 0, lenient.output
    assert f"warning: {warning}" in lenient.output.splitlines()
    strict = compile_cli(run_cli, addons_tree, tmp_path / "b", *args, "--strict")
    assert strict.exit_code == 1
    assert f"error: {warning} (a warning, failing with --strict)" in strict.output.splitlines()
    assert strict.output.splitlines()[-1].startswith(
        "2 compiled (932 B), 0 failed, 1 warning; 3 modules installed;"
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--modules", "demo_shopp"],
            1,
            "odoo-assets: error: module 'demo_shopp' is not in the addons path (did you mean: demo_shop, demo_blog, demo_auto?)",
        ),
        ([], 2, "say what to install: --modules M[,M…] or --all-modules"),
        (["--modules", "web", "--all-modules"], 2, "say what to install"),
        (
            ["--modules", "web", "--series", "15.0"],
            2,
            "odoo-assets: error: Odoo 15.0: odoo-assets compiles the bundles of 16.0, 17.0, 18.0, 19.0 only",
        ),
        (["--modules", "web", "web.nope"], 1, "odoo-assets: error: unknown bundle 'web.nope'"),
        (
            ["--modules", "web", "--series", "11.0"],
            2,
            "odoo-assets: error: Odoo 11.0 is not a supported series",
        ),
    ],
)
def test_usage_and_input_errors(
    run_cli: CliRunnerFn, addons_tree: AddonsTree, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    result = compile_cli(run_cli, addons_tree, tmp_path / "out", *args)
    assert result.exit_code == code
    assert message in result.output


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        (
            "broken.js",
            '/** @odoo-module **/\n\nimport { x } from "./shop_dashboard";\nimport { y } from "../../../../outside";\n',
            "/demo_shop/static/src/backend/broken.js:4: require('../../../../outside') points to /outside,"
            " outside static/src, static/lib and static/tests",
        ),
        (
            "broken.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n<templates>\n\n    <t t-name="demo_shop.Fine"><div/></t>\n\n'
            '    <t t-inherit="web.Nope" t-inherit-mode="extension">\n'
            '        <xpath expr="//div" position="inside"><span/></xpath>\n    </t>\n</templates>\n',
            "/demo_shop/static/src/backend/broken.xml:6: template demo_shop.None inherits web.Nope,"
            " which is not defined earlier in the bundle",
        ),
    ],
)
def test_script_and_template_failures_name_the_line(
    run_cli: CliRunnerFn, addons_tree: AddonsTree, tmp_path: Path, name: str, text: str, line: str
) -> None:
    write(addons_tree, f"demo_shop/static/src/backend/{name}", text)
    result = compile_cli(
        run_cli, addons_tree, tmp_path / "out", "web.assets_backend", "--modules", "demo_shop"
    )
    assert result.exit_code == 1
    errors = [row for row in result.output.splitlines() if row.startswith("error: ")]
    assert errors == [f"error: web.assets_backend.min.js: bundle 'web.assets_backend': {line}"]


def test_all_modules_and_server_wide_modules(
    run_cli: CliRunnerFn, addons_tree: AddonsTree, tmp_path: Path
) -> None:
    # Every installable addon: demo_uninstalled too, so demo_never's condition holds.
    everything = compile_cli(
        run_cli, addons_tree, tmp_path / "all", "web.assets_backend", "--all-modules", "--json"
    )
    assert everything.exit_code == 0, everything.output
    data = json.loads(everything.output)
    assert data["installed"] == [
        "base",
        "web",
        "demo_blog",
        "demo_uninstalled",
        "website",
        "demo_never",
        "demo_records",
        "demo_shop",
        "theme_demo",
        "theme_other",
        "demo_auto",
    ]
    backend = (tmp_path / "all" / "web.assets_backend.min.js").read_text(encoding="utf-8")
    assert "/* /demo_never/static/src/never.js */" in backend
    # A server-wide module (odoo.conf) counts as installed for assets, without being installed.
    conf = tmp_path / "odoo.conf"
    conf.write_text(
        f"[options]\naddons_path = {','.join(str(p) for p in addons_tree.paths)}\n"
        "server_wide_modules = base,web,demo_blog\n",
        encoding="utf-8",
    )
    args = ("bundle", "compile", "demo_blog.assets_blog", "--modules", "web", "--json")
    wide = run_cli("-c", str(conf), *args, "-o", str(tmp_path / "wide"))
    assert wide.exit_code == 0, wide.output
    assert json.loads(wide.output)["installed"] == ["base", "web"]
    narrow = compile_cli(
        run_cli, addons_tree, tmp_path / "narrow", "demo_blog.assets_blog", "--modules", "web"
    )
    assert narrow.exit_code == 1 and "unknown bundle 'demo_blog.assets_blog'" in narrow.output


def test_modules_left_out_are_warnings(run_cli: CliRunnerFn, addons_tree: AddonsTree, tmp_path: Path) -> None:
    write(addons_tree, "old_lib/__manifest__.py", repr({"depends": ["web"], "installable": False}))
    write(addons_tree, "uses_old/__manifest__.py", repr({"depends": ["old_lib"]}))
    args = ("web.assets_web", "--modules", "uses_old,demo_blog")
    lenient = compile_cli(run_cli, addons_tree, tmp_path / "a", *args, "--json")
    assert lenient.exit_code == 0, lenient.output
    data = json.loads(lenient.output)
    assert data["installed"] == ["base", "web", "demo_blog"]
    assert data["warnings"] == [
        "module 'uses_old' is not loaded: one of its dependencies cannot be installed"
    ]
    assert compile_cli(run_cli, addons_tree, tmp_path / "b", *args, "--strict").exit_code == 1


def test_default_bundles_include_the_lazily_loaded_ones(
    run_cli: CliRunnerFn, addons_tree: AddonsTree, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = compile_cli(run_cli, addons_tree, out, "--modules", "demo_shop")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "demo_shop.assets_shop.min.css",
        "demo_shop.assets_shop.min.js",
        "manifest.json",
        "web.assets_emoji.min.css",
        "web.assets_emoji.min.js",
        "web.assets_frontend.min.css",
        "web.assets_frontend_lazy.min.js",
        "web.assets_frontend_minimal.min.js",
        "web.assets_web.min.css",
        "web.assets_web.min.js",
        "web.chartjs_lib.min.js",
    ]
