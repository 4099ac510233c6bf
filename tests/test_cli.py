"""The command line against a real PostgreSQL: exit codes, one-line errors, the main commands."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from odoo_assets import operations
from odoo_assets.cli import main
from odoo_assets.compilation import error_stylesheet
from odoo_assets.versions import bundle_version, checksum_descriptors
from tests.conftest import OdooTestDb, Server

# Plain builds plan right-to-left CSS (ar_001 is active): the same on every machine.
pytestmark = pytest.mark.usefixtures("rtlcss")


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env or {}, catch_exceptions=False)


def cli(db: OdooTestDb, *args: str) -> Result:
    return run(*db.cli_args(), *args)


def bundle_rows(db: OdooTestDb) -> list[tuple[str, str]]:
    return db.query("SELECT url, store_fname FROM ir_attachment WHERE url LIKE '/web/assets/%' ORDER BY url")


# What a plain `bundle build` writes on the fixtures: pages, lazily loaded bundles and the
# right-to-left CSS of both (see test_plain_build_plans_pages_lazy_bundles_and_rtl).
PLAN_SIZE = 33


# --- help and errors ---------------------------------------------------------------------------


def test_help_lists_every_command() -> None:
    top = run("--help")
    assert top.exit_code == 0 and "bundle" in top.output and "Exit codes" in top.output
    sub = run("bundle", "--help")
    for command in ("build", "check", "inspect", "list", "purge", "regenerate"):
        assert f"  {command} " in sub.output


def test_missing_config_file(tmp_path: Path) -> None:
    result = run("-c", str(tmp_path / "nope.conf"), "-d", "x", "bundle", "list")
    assert result.exit_code == 2
    assert result.output.strip() == f"odoo-assets: error: config file not found: {tmp_path / 'nope.conf'}"


def test_unreachable_server_hides_password(tmp_path: Path) -> None:
    result = run(
        "--db-host", "127.0.0.1", "--db-port", "1", "--db-password", "hunter2", "-d", "x", "bundle", "list"
    )
    assert result.exit_code == 3
    assert result.output.startswith("odoo-assets: error: cannot connect to database 'x':")
    assert "hunter2" not in result.output and len(result.output.strip().splitlines()) == 1


def test_unknown_database(pg_cluster: Server) -> None:
    result = run(
        "--db-host",
        pg_cluster.host,
        "--db-port",
        str(pg_cluster.port),
        "--db-user",
        pg_cluster.user,
        "-d",
        "no_such_db",
        "bundle",
        "list",
    )
    assert result.exit_code == 3
    assert 'database "no_such_db" does not exist' in result.output


def test_not_an_odoo_database(pg_cluster: Server, empty_db: str) -> None:
    result = run(
        "--db-host",
        pg_cluster.host,
        "--db-port",
        str(pg_cluster.port),
        "--db-user",
        pg_cluster.user,
        "-d",
        empty_db,
        "bundle",
        "list",
    )
    assert result.exit_code == 3
    assert result.output.strip() == (
        f"odoo-assets: error: database '{empty_db}' is not an Odoo database (no ir_module_module)"
    )


def test_unsupported_series(bare_odoo_db: OdooTestDb) -> None:
    bare_odoo_db.execute("UPDATE ir_module_module SET latest_version = '11.0.1.3' WHERE name = 'base'")
    result = cli(bare_odoo_db, "bundle", "list")
    assert result.exit_code == 3
    assert "is Odoo 11.0, supported series: 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0" in result.output


def test_unknown_bundle_suggests(odoo_db: OdooTestDb) -> None:
    result = cli(odoo_db, "bundle", "inspect", "web.assets_wbe")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "odoo-assets: error: unknown bundle 'web.assets_wbe' (did you mean: web.assets_web, web.assets_backend, web.assets_emoji?)"
    )


def test_no_database_is_a_usage_error(tmp_path: Path) -> None:
    result = run("bundle", "list", env={"HOME": str(tmp_path)})
    assert result.exit_code == 2 and "no database given" in result.output


# --- inspect -----------------------------------------------------------------------------------


def test_inspect_json_with_db_backed_entries(odoo_db: OdooTestDb) -> None:
    result = cli(odoo_db, "bundle", "inspect", "web.assets_frontend", "--website", "1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["bundle"] == "web.assets_frontend" and data["website_id"] == 1
    assert data["series"] == "17.0"
    files = [(f["url"], f["path"] if f["source"] != "file" else "file") for f in data["files"]]
    custom = "/_custom/web.assets_frontend/website/static/src/scss/options/user_values.scss"
    assert files[:6] == [
        ("/web/static/src/public/early.js", "file"),
        ("/web/static/lib/bootstrap/scss/_functions.scss", "file"),
        ("/web/static/src/scss/primary_variables.scss", "file"),
        ("/website/static/src/scss/primary_variables.scss", "file"),
        (custom, "attachment"),
        ("/theme_demo/static/src/scss/primary_variables.scss", "file"),
    ]
    tail = [f["url"] for f in data["files"]][-4:]
    assert tail == [
        "/website/static/src/snippets/s_banner.scss",
        "/website/static/src/snippets/s_extra.scss",
        "/website/static/src/snippets/s_w1.scss",
        "/website/static/src/snippets/s_text.js",
    ]
    early = data["files"][0]
    assert early["origin"] == "ir.asset #1 [web.assets_frontend]" and early["directive"] == "append"
    assert data["urls"]["css"] == f"/web/assets/1/{data['versions']['css']}/web.assets_frontend.min.css"


def test_inspect_why(odoo_db: OdooTestDb) -> None:
    result = cli(
        odoo_db, "bundle", "inspect", "web.assets_web", "--why", "web/static/src/legacy/jquery_like.js"
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("why:")]
    assert lines == [
        "why: added /web/static/src/legacy/jquery_like.js by append 'web/static/src/legacy/**/*.js' in web/__manifest__.py [web.assets_backend]",
        "why: removed /web/static/src/legacy/jquery_like.js by replace 'demo_shop/static/src/legacy_replacement.js' target web/static/src/legacy/jquery_like.js in demo_shop/__manifest__.py [web.assets_backend]",
    ]


# --- build, list, purge, regenerate, check ------------------------------------------------------


def test_build_writes_rows_and_blobs_then_skips(odoo_db: OdooTestDb) -> None:
    before = odoo_db.query("SELECT last_value FROM base_cache_signaling_assets")[0][0]
    result = cli(odoo_db, "bundle", "build", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"] == {"built": PLAN_SIZE}
    rows = bundle_rows(odoo_db)
    assert [url.split("/")[-1] for url, _ in rows].count("web.assets_frontend.min.css") == 2
    for _url, store_fname in rows:
        blob = odoo_db.filestore / store_fname
        assert (
            blob.is_file()
            and store_fname == f"{store_fname[:2]}/{hashlib.sha1(blob.read_bytes()).hexdigest()}"
        )
        assert (odoo_db.filestore / "checklist" / store_fname).exists()
    assert odoo_db.query("SELECT last_value FROM base_cache_signaling_assets")[0][0] > before
    again = json.loads(cli(odoo_db, "bundle", "build", "--json").stdout)
    assert again["summary"] == {"skipped": PLAN_SIZE}
    assert bundle_rows(odoo_db) == rows
    assert again["elapsed_s"] > 0 and data["elapsed_s"] > 0
    text = cli(odoo_db, "bundle", "build").stdout.splitlines()[-1]
    assert re.fullmatch(rf"{odoo_db.name}: {PLAN_SIZE} skipped in \d+\.\d\d s", text), text


def test_build_row_columns_match_odoo(odoo_db: OdooTestDb) -> None:
    assert cli(odoo_db, "bundle", "build", "web.assets_web").exit_code == 0
    [row] = odoo_db.query(
        "SELECT name, description, res_model, res_field, res_id, company_id, type, public,"
        " access_token, db_datas, file_size, checksum, mimetype, index_content, create_uid,"
        " write_uid, original_id, website_id, key, store_fname, url,"
        " create_date = write_date AND write_date > now() at time zone 'UTC' - interval '1 hour'"
        " FROM ir_attachment WHERE name = 'web.assets_web.min.js'"
    )
    content = (odoo_db.filestore / row[19]).read_bytes()
    assert row[:19] == (
        "web.assets_web.min.js",
        None,
        "ir.ui.view",
        None,
        0,
        1,
        "binary",
        True,
        None,
        None,
        len(content),
        hashlib.sha1(content).hexdigest(),
        "application/javascript",
        "application",
        1,
        1,
        None,
        None,
        None,
    )
    assert row[20].startswith("/web/assets/") and row[20].endswith("/web.assets_web.min.js")
    assert row[21] is True
    [css] = odoo_db.query(
        "SELECT mimetype, index_content FROM ir_attachment WHERE name = 'web.assets_web.min.css'"
    )
    assert css[0] == "text/css" and css[1].startswith(
        '@import "/web/static/src/css/fonts.css";\n/* <inline asset> */\n@charset "UTF-8";'
    )


def test_build_with_db_storage(odoo_db: OdooTestDb) -> None:
    odoo_db.execute("INSERT INTO ir_config_parameter (key, value) VALUES ('ir_attachment.location', 'db')")
    assert cli(odoo_db, "bundle", "build", "web.assets_web").exit_code == 0
    rows = odoo_db.query(
        "SELECT store_fname, length(db_datas), file_size FROM ir_attachment WHERE url LIKE '/web/assets/%'"
    )
    assert rows and all(r[0] is None and r[1] == r[2] for r in rows)
    assert not odoo_db.filestore.exists()


def test_regenerate_after_filestore_loss_and_corruption(odoo_db: OdooTestDb, tmp_path: Path) -> None:
    assert cli(odoo_db, "bundle", "build").exit_code == 0
    rows = bundle_rows(odoo_db)
    shutil.rmtree(odoo_db.filestore)
    check = cli(odoo_db, "bundle", "check")
    assert check.exit_code == 1 and check.output.count(": missing-blob: ") == PLAN_SIZE
    result = cli(odoo_db, "bundle", "regenerate", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary == {"removed": PLAN_SIZE, "built": PLAN_SIZE}
    assert sorted(url for url, _ in bundle_rows(odoo_db)) == sorted(url for url, _ in rows)
    for _, store_fname in bundle_rows(odoo_db):
        assert (odoo_db.filestore / store_fname).is_file()
    # Corrupt one blob (two website rows share it): only those are rebuilt with --missing-only.
    [store_fname] = {
        b for url, b in bundle_rows(odoo_db) if url.endswith("/web.assets_frontend_minimal.min.js")
    }
    (odoo_db.filestore / store_fname).write_text("garbage")
    assert "corrupt-blob" in cli(odoo_db, "bundle", "check").output
    result = json.loads(cli(odoo_db, "bundle", "regenerate", "--missing-only", "--json").stdout)
    assert result["summary"] == {"removed": 2, "built": 2}
    assert cli(odoo_db, "bundle", "check").exit_code == 0


def test_purge_never_deletes_a_blob_still_referenced(odoo_db: OdooTestDb) -> None:
    assert cli(odoo_db, "bundle", "build", "web.assets_web").exit_code == 0
    [(_url, store_fname)] = [r for r in bundle_rows(odoo_db) if r[0].endswith(".min.js")]
    odoo_db.execute(
        "INSERT INTO ir_attachment (name, type, store_fname, res_model, res_id, public)"
        " VALUES ('copy.js', 'binary', %s, 'res.partner', 3, false)",
        (store_fname,),
    )
    dry = cli(odoo_db, "bundle", "purge", "--all", "--dry-run")
    assert dry.exit_code == 0 and "would remove" in dry.output and len(bundle_rows(odoo_db)) == 2
    assert cli(odoo_db, "bundle", "purge", "--all").exit_code == 0
    assert bundle_rows(odoo_db) == []
    from odoo_assets.storage.filestore import Filestore, collect_garbage

    with odoo_db.connect() as conn:
        removed = collect_garbage(conn, Filestore(odoo_db.filestore))
    assert store_fname not in removed and (odoo_db.filestore / store_fname).is_file()
    assert len(removed) == 1 and not (odoo_db.filestore / removed[0]).exists()


def test_purge_stale_and_keep(odoo_db: OdooTestDb) -> None:
    assert cli(odoo_db, "bundle", "build", "web.assets_web").exit_code == 0
    # An older version of the same bundle URL, as a previous deploy would have left.
    odoo_db.execute(
        "INSERT INTO ir_attachment (name, type, url, res_model, res_id, public, create_uid, db_datas,"
        " checksum, file_size) VALUES ('web.assets_web.min.js', 'binary',"
        " '/web/assets/0000000/web.assets_web.min.js', 'ir.ui.view', 0, true, 1, 'x', %s, 1)",
        (hashlib.sha1(b"x").hexdigest(),),
    )
    listing = json.loads(cli(odoo_db, "bundle", "list", "--json").stdout)
    states = {row["url"]: row["current"] for row in listing}
    assert states["/web/assets/0000000/web.assets_web.min.js"] is False
    assert sum(states.values()) == 2
    result = json.loads(cli(odoo_db, "bundle", "purge", "--stale", "--json").stdout)
    assert [r["url"] for r in result["removed"]] == ["/web/assets/0000000/web.assets_web.min.js"]
    assert len(bundle_rows(odoo_db)) == 2


def test_build_website_bundles_share_one_blob(odoo_db: OdooTestDb) -> None:
    result = json.loads(
        cli(odoo_db, "bundle", "build", "web.assets_frontend_minimal", "--all-websites", "--json").stdout
    )
    built = [b for b in result["bundles"] if b["status"] == "built"]
    assert [(b["website_id"], b["shared"]) for b in built] == [(None, False), (1, True), (2, True)]
    rows = odoo_db.query(
        "SELECT url, store_fname FROM ir_attachment WHERE name = 'web.assets_frontend_minimal.min.js' ORDER BY id"
    )
    assert len(rows) == 3 and len({r[1] for r in rows}) == 1
    assert [r[0].split("/")[3] for r in rows][1:] == ["1", "2"]


def test_failed_bundle_leaves_database_and_filestore_untouched(odoo_db: OdooTestDb) -> None:
    broken = odoo_db.addons.web / "static/src/scss/webclient.scss"
    broken.write_text(".o_web_client { color: $undefined-variable; }\n")
    result = cli(odoo_db, "bundle", "build", "web.assets_web")
    assert result.exit_code == 1
    assert "/web/static/src/scss/webclient.scss:1:" in result.output
    assert "Undefined variable" in result.output
    # The JS half still builds; no CSS row and no stray blob for the failed half.
    assert [u.rsplit("/", 1)[1] for u, _ in bundle_rows(odoo_db)] == ["web.assets_web.min.js"]
    blobs = [p for p in odoo_db.filestore.rglob("*") if p.is_file() and "checklist" not in p.parts]
    assert len(blobs) == 1


def test_dry_run_changes_nothing(odoo_db: OdooTestDb) -> None:
    result = cli(odoo_db, "bundle", "build", "--dry-run")
    assert result.exit_code == 0 and f"{PLAN_SIZE} would-build" in result.output
    assert bundle_rows(odoo_db) == [] and not odoo_db.filestore.exists()


def test_fleet_check_reports_each_database(odoo_db: OdooTestDb, pg_cluster: Server, empty_db: str) -> None:
    from tests.conftest import TEMPLATE_FULL, _clone, _drop

    broken = _clone(pg_cluster, TEMPLATE_FULL)
    try:
        args = [a for a in odoo_db.cli_args() if a not in ("-d", odoo_db.name)]
        assert run(*args, "-d", odoo_db.name, "-d", broken, "bundle", "build").exit_code == 0
        shutil.rmtree(odoo_db.data_dir / "filestore" / broken)
        pattern = f"^({odoo_db.name}|{broken}|{empty_db})$"
        result = run(*args, "bundle", "check", "--all-databases", "--db-filter", pattern, "--jobs", "2")
        assert result.exit_code == 1
        assert f"{empty_db}: skipped: database '{empty_db}' is not an Odoo database" in result.stdout
        assert f"{odoo_db.name}: ok ({PLAN_SIZE} bundle rows)" in result.stdout
        assert f"{broken}: {PLAN_SIZE} problems ({PLAN_SIZE} missing-blob)" in result.stdout
        summary = result.stdout.rsplit("database", 1)[1].split()
        statuses = dict(zip(summary[1::2], summary[2::2], strict=True))
        assert statuses == {broken: "problems", empty_db: "skipped", odoo_db.name: "ok"}
        data = json.loads(
            run(*args, "bundle", "check", "--all-databases", "--db-filter", pattern, "--json").stdout
        )
        assert {d["database"]: d.get("healthy", d.get("skipped")) for d in data} == {
            odoo_db.name: True,
            broken: False,
            empty_db: True,
        }
    finally:
        _drop(pg_cluster, broken)


def test_forced_rebuild_replaces_rows_and_logs_json(odoo_db: OdooTestDb) -> None:
    assert cli(odoo_db, "bundle", "build", "web.assets_web").exit_code == 0
    first = bundle_rows(odoo_db)
    result = run(
        *odoo_db.cli_args(), "--log-format", "json", "-v", "bundle", "build", "web.assets_web", "--force"
    )
    assert result.exit_code == 0
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    writes = [e for e in events if e.get("event") == "write"]
    removals = [e for e in events if e.get("event") == "remove"]
    assert [w["url"] for w in writes] == [url for url, _ in first]
    assert {w["database"] for w in writes} == {odoo_db.name}
    assert all(w["attachment_id"] and w["version"] and w["size"] for w in writes)
    assert len(removals) == 2
    rows = odoo_db.query("SELECT id, url FROM ir_attachment WHERE url LIKE '/web/assets/%%' ORDER BY url")
    assert [url for _, url in rows] == [url for url, _ in first]
    assert {row_id for row_id, _ in rows} == {w["attachment_id"] for w in writes}
    check = cli(odoo_db, "bundle", "check").stdout
    assert "duplicate" not in check and "not-built: /web/assets/1/" in check


def test_purge_keep_newest_versions_per_url(odoo_db: OdooTestDb) -> None:
    assert cli(odoo_db, "bundle", "build", "web.assets_web").exit_code == 0
    for unique in ("0000001", "0000002"):
        odoo_db.execute(
            "INSERT INTO ir_attachment (name, type, url, res_model, res_id, public, create_uid,"
            " db_datas, checksum, file_size) VALUES ('web.assets_web.min.js', 'binary', %s,"
            " 'ir.ui.view', 0, true, 1, 'x', %s, 1)",
            (f"/web/assets/{unique}/web.assets_web.min.js", hashlib.sha1(b"x").hexdigest()),
        )
    built_js = [url for url, _ in bundle_rows(odoo_db) if url.endswith(".min.js") and "/000000" not in url]
    result = json.loads(cli(odoo_db, "bundle", "purge", "web.assets_web", "--keep", "2", "--json").stdout)
    # Per URL pattern the two newest rows stay: for .min.js the two inserted last.
    assert [r["url"] for r in result["removed"]] == built_js
    left = [url for url, _ in bundle_rows(odoo_db)]
    assert "/web/assets/0000001/web.assets_web.min.js" in left
    assert "/web/assets/0000002/web.assets_web.min.js" in left
    assert len([u for u in left if u.endswith(".min.js")]) == 2
    assert len([u for u in left if u.endswith(".min.css")]) == 1


def test_regenerate_after_moving_data_dir(odoo_db: OdooTestDb, tmp_path: Path) -> None:
    assert cli(odoo_db, "bundle", "build").exit_code == 0
    moved = tmp_path / "moved-data"
    shutil.move(str(odoo_db.data_dir), moved)
    args = [a if a != str(odoo_db.data_dir) else str(moved) for a in odoo_db.cli_args()]
    # Pointed at the new place, every blob is found: nothing to repair.
    result = json.loads(run(*args, "bundle", "regenerate", "--json").stdout)
    assert result["summary"] == {"skipped": PLAN_SIZE}
    # Pointed at the old, now empty place: every row is repaired there.
    result = json.loads(cli(odoo_db, "bundle", "regenerate", "--json").stdout)
    assert result["summary"] == {"removed": PLAN_SIZE, "built": PLAN_SIZE}
    assert cli(odoo_db, "bundle", "check").exit_code == 0


def test_css_error_fallback_keeps_the_previous_style(odoo_db: OdooTestDb) -> None:
    assert cli(odoo_db, "bundle", "build", "web.assets_web").exit_code == 0
    [(good_url, good_blob)] = [r for r in bundle_rows(odoo_db) if r[0].endswith(".min.css")]
    good = (odoo_db.filestore / good_blob).read_text()
    scss = odoo_db.addons.web / "static/src/scss/webclient.scss"
    scss.write_text(".o_web_client { color: $nope; }\n")
    os.utime(scss, (1700000100.0, 1700000100.0))  # a new version, as an edited file would get
    assert cli(odoo_db, "bundle", "build", "web.assets_web").exit_code == 1
    result = cli(odoo_db, "bundle", "build", "web.assets_web", "--css-error-fallback")
    assert result.exit_code == 0, result.output
    [(url, blob)] = [r for r in bundle_rows(odoo_db) if r[0].endswith(".min.css")]
    assert url != good_url
    content = (odoo_db.filestore / blob).read_text()
    assert content.startswith(good + "\n\n/* ## CSS error message ##*/\nbody::before {")
    assert "Undefined variable" in content


def test_repair_only_series_are_read_but_not_built(bare_odoo_db: OdooTestDb) -> None:
    bare_odoo_db.execute("UPDATE ir_module_module SET latest_version = '14.0.1.3' WHERE name = 'base'")
    result = cli(bare_odoo_db, "bundle", "build")
    assert result.exit_code == 1
    assert (
        "is Odoo 14.0: odoo-assets repairs 14.0 bundles but does not build them: run `bundle regenerate`"
        in (result.output)
    )
    assert cli(bare_odoo_db, "bundle", "list").exit_code == 0
    assert bundle_rows(bare_odoo_db) == []


def _add_to_manifest(db: OdooTestDb, addon: str, bundle: str, command: str) -> None:
    manifest = db.addons.root / "addons" / addon / "__manifest__.py"
    text = manifest.read_text()
    manifest.write_text(text.replace(f'"{bundle}": [', f'"{bundle}": [\n            {command},', 1))


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            '("include", "web.assets_web")',
            "Circular assets bundle declaration: web.assets_web > web.assets_backend > web.assets_web",
        ),
        ('"demo_uninstalled/static/src/never.js"', "Unallowed to fetch files from addon demo_uninstalled"),
        (
            '("remove", "web/static/src/core/gone.js")',
            "bundle 'web.assets_backend': cannot remove 'web/static/src/core/gone.js', not found in bundle",
        ),
        (
            '("before", "web/static/src/core/gone.js", "web/static/src/main.js")',
            "bundle 'web.assets_backend': before target 'web/static/src/core/gone.js' not found in bundle",
        ),
    ],
)
def test_what_odoo_refuses_still_fails_cleanly(odoo_db: OdooTestDb, command: str, message: str) -> None:
    # Odoo answers 500 (unallowed addon, cycle) or 404 (remove/before target) for these bundles.
    _add_to_manifest(odoo_db, "web", "web.assets_backend", command)
    result = cli(odoo_db, "bundle", "build", "web.assets_web")
    assert result.exit_code == 1
    assert message in result.output
    assert bundle_rows(odoo_db) == []


def _blob_of(db: OdooTestDb, name: str) -> str:
    [(store_fname,)] = db.query(
        "SELECT store_fname FROM ir_attachment WHERE name = %s AND url LIKE '/web/assets/%%'", (name,)
    )
    return (db.filestore / store_fname).read_text()


@pytest.mark.parametrize(
    ("path", "kind", "reason"),
    [
        ("web/static/src/core/missing.js", "missing", "no such file and no attachment with this URL"),
        (
            "web/static/../../../../../etc/passwd.js",
            "outside-static",
            "outside web/static/, never read from disk; no attachment with this URL",
        ),
        (
            "web/controllers/secret.js",
            "outside-static",
            "outside web/static/, never read from disk; no attachment with this URL",
        ),
    ],
)
def test_a_script_without_file_or_attachment_builds_with_odoos_placeholder(
    odoo_db: OdooTestDb, path: str, kind: str, reason: str
) -> None:
    secret = odoo_db.addons.web / "controllers" / "secret.js"
    secret.parent.mkdir()
    secret.write_text('alert("never read");\n')
    _add_to_manifest(odoo_db, "web", "web.assets_backend", repr(path).replace("'", '"'))
    result = cli(odoo_db, "bundle", "build", "web.assets_web", "--json")
    assert result.exit_code == 0, result.output
    script = _blob_of(odoo_db, "web.assets_web.min.js")
    # Odoo's bytes: the file's header, then the error it logs in the browser console.
    placeholder = f'\n/* {path} */\nconsole.error("Could not get content for {path}.");'
    assert (
        f"/* /web/static/src/legacy/polyfill.js */\n{POLYFILL};\n{placeholder};\n\n/* /web/static/src/module_loader.js */"
        in script
    )
    assert "never read" not in script
    message = f"web/__manifest__.py [web.assets_backend] append {path!r}: {reason}"
    assert result.stderr.splitlines() == [f"WARNING {message} db={odoo_db.name}"]
    [warning] = json.loads(result.stdout)["warnings"]
    assert warning == {
        "kind": kind,
        "file": "web/__manifest__.py",
        "row": None,
        "row_name": None,
        "bundle": "web.assets_backend",
        "directive": "append",
        "path": path,
        "reason": reason,
        "message": message,
    }
    # The entry's version descriptor is `<path>,-1`, as Odoo's for an entry it cannot date.
    with operations.open_workspace(odoo_db.settings(), odoo_db.name) as ws:
        entries = ws.resolve("web.assets_web", None).entries
    assert f"{path},-1" in checksum_descriptors(entries, "js")
    [(url,)] = odoo_db.query("SELECT url FROM ir_attachment WHERE name = 'web.assets_web.min.js'")
    assert url == f"/web/assets/{bundle_version(entries, 'js')}/web.assets_web.min.js"


POLYFILL = "if(!Array.prototype.at){Array.prototype.at=function at(index){return this[index<0?this.length+index:index];};}"


def test_a_missing_template_file_contributes_no_template(odoo_db: OdooTestDb) -> None:
    assert cli(odoo_db, "bundle", "build", "web.assets_web").exit_code == 0
    before = _blob_of(odoo_db, "web.assets_web.min.js")
    [(first_url,)] = odoo_db.query("SELECT url FROM ir_attachment WHERE name = 'web.assets_web.min.js'")
    _add_to_manifest(odoo_db, "web", "web.assets_backend", '"web/static/src/core/missing.xml"')
    result = cli(odoo_db, "bundle", "build", "web.assets_web")
    assert result.exit_code == 0, result.output
    assert "'web/static/src/core/missing.xml': no such file and no attachment with this URL" in result.stderr
    # Same bytes (in 17.0 the file's error text lands among the templates and is dropped)
    # under a new version: the entry counts in it.
    assert _blob_of(odoo_db, "web.assets_web.min.js") == before
    [(url,)] = odoo_db.query("SELECT url FROM ir_attachment WHERE name = 'web.assets_web.min.js'")
    assert url != first_url


def test_a_missing_stylesheet_fails_unless_odoos_fallback_is_asked(odoo_db: OdooTestDb) -> None:
    _add_to_manifest(odoo_db, "web", "web.assets_backend", '"web/static/src/scss/missing.scss"')
    result = cli(odoo_db, "bundle", "build", "web.assets_web", "--json")
    assert result.exit_code == 1
    [failed] = [b for b in json.loads(result.stdout)["bundles"] if b["status"] == "failed"]
    assert (failed["ext"], failed["error"]) == (
        "min.css",
        "bundle 'web.assets_web': web/static/src/scss/missing.scss:"
        " Could not get content for web/static/src/scss/missing.scss.",
    )
    assert [url.rsplit("/", 1)[1] for url, _ in bundle_rows(odoo_db)] == ["web.assets_web.min.js"]
    result = cli(odoo_db, "bundle", "build", "web.assets_web", "--css-error-fallback")
    assert result.exit_code == 0, result.output
    assert _blob_of(odoo_db, "web.assets_web.min.css") == error_stylesheet(
        ["Could not get content for web/static/src/scss/missing.scss."]
    )


def test_globs_matching_nothing_and_extensions_that_fit_no_type_are_warned(odoo_db: OdooTestDb) -> None:
    _add_to_manifest(odoo_db, "web", "web.assets_backend", '"web/static/src/nothing/**/*.js"')
    _add_to_manifest(odoo_db, "web", "web.assets_backend", '"web/static/src/core/notes.txt"')
    (odoo_db.addons.web / "static/src/core/notes.txt").write_text("secret notes\n")
    result = cli(odoo_db, "bundle", "build", "web.assets_web")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "WARNING web/__manifest__.py [web.assets_backend] append 'web/static/src/core/notes.txt':"
        f" .txt is not an asset type: Odoo ignores the entry db={odoo_db.name}",
        "WARNING web/__manifest__.py [web.assets_backend] append 'web/static/src/nothing/**/*.js':"
        f" glob matches no file db={odoo_db.name}",
    ]
    assert "secret notes" not in _blob_of(odoo_db, "web.assets_web.min.js")


def test_a_stale_ir_asset_row_is_warned_with_its_id_and_name_and_strict_refuses_it(
    odoo_db: OdooTestDb,
) -> None:
    odoo_db.execute(
        "INSERT INTO ir_asset (id, name, bundle, directive, path, active, sequence)"
        " VALUES (12, 'old snippet', 'web.assets_frontend', 'append', 'website/static/src/snippets/s_old.js', true, 16)"
    )
    message = (
        "ir.asset #12 'old snippet' [web.assets_frontend] append 'website/static/src/snippets/s_old.js':"
        " no such file and no attachment with this URL"
    )
    check = cli(odoo_db, "bundle", "check")
    assert check.exit_code == 1  # nothing built yet
    assert f"{odoo_db.name}: warning: {message}" in check.stdout.splitlines()
    data = json.loads(cli(odoo_db, "bundle", "check", "--json").stdout)
    assert [(w["row"], w["row_name"], w["file"], w["kind"]) for w in data["warnings"]] == [
        (12, "old snippet", None, "missing")
    ]
    # --strict: the frontend scripts that hold the entry fail and are not written; the rest builds.
    strict = cli(odoo_db, "bundle", "build", "--strict", "--json")
    assert strict.exit_code == 1
    failed = [
        (b["bundle"], b["website_id"])
        for b in json.loads(strict.stdout)["bundles"]
        if b["status"] == "failed"
    ]
    assert failed == [("web.assets_frontend_lazy", 1), ("web.assets_frontend_lazy", 2)]
    assert not [url for url, _ in bundle_rows(odoo_db) if "frontend_lazy" in url]
    backend = [b["status"] for b in json.loads(strict.stdout)["bundles"] if b["bundle"] == "web.assets_web"]
    assert backend and set(backend) == {"built"}
    inspect = cli(odoo_db, "bundle", "inspect", "web.assets_frontend", "--strict")
    assert (
        inspect.exit_code == 1
        and inspect.stderr.splitlines()[-1] == "odoo-assets: error: 1 warning (--strict)"
    )
    # Without --strict everything builds, then check is healthy and still names the row.
    assert cli(odoo_db, "bundle", "build").exit_code == 0
    check = cli(odoo_db, "bundle", "check")
    assert check.exit_code == 0
    assert check.stdout.splitlines()[-2:] == [
        f"{odoo_db.name}: warning: {message}",
        f"{odoo_db.name}: ok ({PLAN_SIZE} bundle rows, 1 warning)",
    ]
    strict_check = cli(odoo_db, "bundle", "check", "--strict")
    assert strict_check.exit_code == 1
    assert strict_check.stdout.splitlines()[-2:] == [
        f"{odoo_db.name}: warning: {message}",
        f"{odoo_db.name}: 1 problems (1 warning)",
    ]
    assert cli(odoo_db, "bundle", "regenerate", "--strict").exit_code == 1


def test_broken_manifest_names_the_file(odoo_db: OdooTestDb) -> None:
    manifest = odoo_db.addons.root / "addons" / "demo_shop" / "__manifest__.py"
    manifest.write_text(manifest.read_text().replace('"sequence": 5,', '"sequence": 5,,'))
    result = cli(odoo_db, "bundle", "build")
    assert result.exit_code == 1
    assert f"broken manifest {manifest}: line 5" in result.output
    assert bundle_rows(odoo_db) == []


def test_check_names_every_kind_of_problem(odoo_db: OdooTestDb) -> None:
    assert cli(odoo_db, "bundle", "build").exit_code == 0
    assert cli(odoo_db, "bundle", "check").exit_code == 0
    [(url, _)] = [
        r for r in bundle_rows(odoo_db) if re.fullmatch(r"/web/assets/\w{7}/web\.assets_web\.min\.js", r[0])
    ]
    # A second row for the same URL, as two racing workers leave.
    odoo_db.execute(
        "INSERT INTO ir_attachment (name, type, url, res_model, res_id, public, create_uid,"
        " store_fname, checksum, file_size) SELECT name, type, url, res_model, res_id, public,"
        " create_uid, store_fname, checksum, file_size FROM ir_attachment WHERE url = %s",
        (url,),
    )
    # An old version of a bundle.
    odoo_db.execute(
        "INSERT INTO ir_attachment (name, type, url, res_model, res_id, public, create_uid, db_datas,"
        " checksum, file_size) VALUES ('web.assets_web.min.css', 'binary',"
        " '/web/assets/0000000/web.assets_web.min.css', 'ir.ui.view', 0, true, 1, 'x', %s, 1)",
        (hashlib.sha1(b"x").hexdigest(),),
    )
    # A checklisted blob nothing references.
    orphan = odoo_db.filestore / "ab" / ("ab" + "1" * 38)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"orphan")
    (odoo_db.filestore / "checklist" / "ab").mkdir(parents=True, exist_ok=True)
    (odoo_db.filestore / "checklist" / "ab" / orphan.name).touch()
    result = cli(odoo_db, "bundle", "check", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["summary"] == {"duplicate": 1, "stale": 1, "orphan-blob": 1}
    assert data["stale_bytes"] == 1
    kinds = {p["kind"]: p for p in data["problems"]}
    assert kinds["duplicate"]["url"] == url
    assert kinds["stale"]["url"] == "/web/assets/0000000/web.assets_web.min.css"
    assert kinds["orphan-blob"]["message"].startswith(f"ab/{orphan.name}:")


def test_blobs_awaiting_the_collector_alone_leave_check_healthy(odoo_db: OdooTestDb) -> None:
    assert cli(odoo_db, "bundle", "build").exit_code == 0
    orphan = odoo_db.filestore / "cd" / ("cd" + "2" * 38)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left by a purge")
    (odoo_db.filestore / "checklist" / "cd").mkdir(parents=True, exist_ok=True)
    (odoo_db.filestore / "checklist" / "cd" / orphan.name).touch()
    result = cli(odoo_db, "bundle", "check", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["healthy"] is True
    assert data["summary"] == {"orphan-blob": 1}


def test_a_bundle_named_twice_is_built_once(odoo_db: OdooTestDb) -> None:
    result = cli(odoo_db, "bundle", "build", "web.assets_web", "web.assets_web", "--json")
    assert result.exit_code == 0, result.output
    assert [(b["bundle"], b["ext"]) for b in json.loads(result.stdout)["bundles"]] == [
        ("web.assets_web", "min.js"),
        ("web.assets_web", "min.css"),
    ]
    urls = [url for url, _ in bundle_rows(odoo_db)]
    assert len(urls) == len(set(urls)) == 2


def test_build_runs_the_rtlcss_given_by_option_or_environment(odoo_db: OdooTestDb, tmp_path: Path) -> None:
    def fake_rtlcss(name: str) -> Path:
        # Marks its output; "left" becomes the script's name so each run shows which one ran.
        path = tmp_path / name
        path.write_text(f"#!/bin/sh\n[ \"$1\" = -c ] && shift 2\nsed 's/left/{name}/g'\n")
        path.chmod(0o755)
        return path

    def rtl_css(*args: str, env: dict[str, str] | None = None) -> str:
        result = run(
            *odoo_db.cli_args(), *args, "bundle", "build", "web.assets_web", "--rtl", "--force", env=env
        )
        assert result.exit_code == 0, result.output
        [(store_fname,)] = odoo_db.query(
            "SELECT store_fname FROM ir_attachment WHERE url LIKE '%%/web.assets_web.rtl.min.css'"
        )
        return (odoo_db.filestore / store_fname).read_text()

    by_flag, by_env = fake_rtlcss("by_flag"), fake_rtlcss("by_env")
    env = {"ODOO_ASSETS_RTLCSS": str(by_env)}
    assert "by_flag" in rtl_css("--rtlcss", str(by_flag), env=env)
    css = rtl_css(env=env)
    assert "by_env" in css and "by_flag" not in css


def test_verbose_text_logs_name_what_was_stored_and_removed(odoo_db: OdooTestDb) -> None:
    assert cli(odoo_db, "bundle", "build", "web.assets_web").exit_code == 0
    [(old_id, old_url)] = odoo_db.query(
        "SELECT id, url FROM ir_attachment WHERE url LIKE '%%/web.assets_web.min.js'"
    )
    result = run(*odoo_db.cli_args(), "-v", "bundle", "build", "web.assets_web", "--force")
    assert result.exit_code == 0, result.output
    [(new_id, url, size)] = odoo_db.query(
        "SELECT id, url, file_size FROM ir_attachment WHERE url LIKE '%%/web.assets_web.min.js'"
    )
    version = url.split("/")[-2]
    lines = result.stderr.splitlines()
    size_text = f"{size / 1024:.1f} KiB"
    assert (
        f"INFO stored web.assets_web.min.js db={odoo_db.name} id={new_id} version={version}"
        f" size={size_text} url={url}"
    ) in lines
    assert (
        f"INFO removed (older version) web.assets_web.min.js db={odoo_db.name} id={old_id}"
        f" version={old_url.split('/')[-2]} size="
    ) in "\n".join(lines)
    assert len([line for line in lines if line.startswith("INFO stored ")]) == 2  # min.js, min.css
    frontend = run(*odoo_db.cli_args(), "-v", "bundle", "build", "web.assets_frontend", "--force")
    stored = sorted(
        line
        for line in frontend.stderr.splitlines()
        if line.startswith("INFO stored web.assets_frontend.min.css")
    )
    assert [line.split(" db=")[0] for line in stored] == [
        "INFO stored web.assets_frontend.min.css website=1",
        "INFO stored web.assets_frontend.min.css website=2",
    ]
