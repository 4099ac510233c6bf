"""A wrong addons path is caught before anything is resolved: every installed and server-wide
module must be found on it, or the commands that resolve stop with one line and exit 2."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEMPLATE_FULL, CliRunnerFn, OdooTestDb, Server, _clone, _drop

pytestmark = pytest.mark.usefixtures("rtlcss")

RESOLVING = [
    ("build",),
    ("build", "web.assets_web", "--dry-run"),
    ("regenerate",),
    ("purge", "--all"),
    ("check",),
    ("inspect", "web.assets_web"),
    ("list", "--current"),
]


def with_addons_path(db: OdooTestDb, value: str) -> list[str]:
    args = db.cli_args()
    args[args.index("--addons-path") + 1] = value
    return args


def snapshot(db: OdooTestDb) -> tuple[list[tuple[Any, ...]], dict[str, str], int]:
    rows = db.query("SELECT * FROM ir_attachment ORDER BY id")
    files = {
        str(path.relative_to(db.filestore)): hashlib.sha1(path.read_bytes()).hexdigest()
        if path.is_file()
        else "dir"
        for path in sorted(db.filestore.rglob("*"))
    }
    [(signal,)] = db.query("SELECT last_value FROM base_cache_signaling_assets")
    return rows, files, signal


@pytest.mark.parametrize("command", RESOLVING, ids=" ".join)
def test_an_empty_addons_path_stops_every_resolving_command_and_changes_nothing(
    run_cli: CliRunnerFn, odoo_db: OdooTestDb, command: tuple[str, ...]
) -> None:
    assert run_cli("bundle", "build", db=odoo_db).exit_code == 0
    # A broken blob, so that regenerate would have something to delete.
    [(store_fname,)] = odoo_db.query(
        "SELECT DISTINCT store_fname FROM ir_attachment WHERE name = 'web.assets_web.min.js'"
    )
    (odoo_db.filestore / store_fname).write_text("damaged")
    before = snapshot(odoo_db)
    result = run_cli(*with_addons_path(odoo_db, ""), "bundle", *command)
    assert result.exit_code == 2
    assert result.output == (
        "odoo-assets: error: base, demo_blog, demo_shop, theme_demo, theme_other, … (7 modules) are"
        f" installed in {odoo_db.name} but not on the addons path (empty); pass -c odoo.conf or --addons-path\n"
    )
    assert snapshot(odoo_db) == before


def test_one_module_missing_is_named_with_the_addons_path_used(
    run_cli: CliRunnerFn, odoo_db: OdooTestDb
) -> None:
    addons = odoo_db.addons.root / "addons"
    result = run_cli(*with_addons_path(odoo_db, str(addons)), "bundle", "check")
    assert result.exit_code == 2
    assert result.output == (
        f"odoo-assets: error: base (1 module) is installed in {odoo_db.name} but not on the addons path"
        f" ({addons}); pass -c odoo.conf or --addons-path\n"
    )
    # A server-wide module counts as installed.
    result = run_cli(
        *odoo_db.cli_args(), "bundle", "check", env={"ODOO_RC": str(_config(odoo_db, "base,web,ghost"))}
    )
    assert result.exit_code == 2 and result.output.startswith(
        "odoo-assets: error: ghost (1 module) is installed"
    )


def _config(db: OdooTestDb, server_wide: str) -> Path:
    path = db.data_dir.parent / "odoo.conf"
    path.write_text(f"[options]\nserver_wide_modules = {server_wide}\n")
    return path


def test_plain_list_still_lists_but_judges_no_version(run_cli: CliRunnerFn, odoo_db: OdooTestDb) -> None:
    assert run_cli("bundle", "build", "web.assets_web", db=odoo_db).exit_code == 0
    result = run_cli(*with_addons_path(odoo_db, ""), "bundle", "list", "--json")
    assert result.exit_code == 0
    assert result.stderr.startswith("WARNING bundle versions not judged: base, demo_blog,")
    rows = json.loads(result.stdout)
    assert [(r["bundle"], r["blob"], r["current"]) for r in rows] == [
        ("web.assets_web", "ok", None),
        ("web.assets_web", "ok", None),
    ]
    listed = json.loads(run_cli("bundle", "list", "--current", "--json", db=odoo_db).stdout)
    assert [(r["ext"], r["current"]) for r in listed] == [("min.js", True), ("min.css", True)]


def test_in_a_fleet_the_misconfigured_database_is_named_and_the_others_proceed(
    run_cli: CliRunnerFn, odoo_db: OdooTestDb, pg_cluster: Server
) -> None:
    other = _clone(pg_cluster, TEMPLATE_FULL)
    try:
        with pg_cluster.connect(other) as conn:
            conn.execute(
                "INSERT INTO ir_module_module (name, state, latest_version) VALUES ('ghost', 'installed', '17.0.1.0')"
            )
        args = [a for a in odoo_db.cli_args() if a not in ("-d", odoo_db.name)]
        result = run_cli(*args, "-d", odoo_db.name, "-d", other, "bundle", "build", "--pages-only")
        assert result.exit_code == 2
        assert (
            f"odoo-assets: error: ghost (1 module) is installed in {other} but not on the addons path"
            in result.stderr
        )
        summary = result.stdout.rsplit("database", 1)[1].split()
        assert dict(zip(summary[1::2], summary[2::2], strict=True)) == {
            odoo_db.name: "ok",
            other: "misconfigured",
        }
        assert odoo_db.query("SELECT count(*) FROM ir_attachment WHERE url LIKE '/web/assets/%%'") != [(0,)]
        with pg_cluster.connect(other) as conn:
            assert conn.execute(
                "SELECT count(*) FROM ir_attachment WHERE url LIKE '/web/assets/%%'"
            ).fetchall() == [(0,)]
    finally:
        _drop(pg_cluster, other)
