"""12.0–15.0 databases: recognise their bundle rows exactly, report the broken ones, and repair
by deleting them (the server rebuilds them on the next page view). Never an ordinary attachment,
never a blob another row still uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from odoo_assets.storage.filestore import Filestore
from tests.conftest import OdooTestDb
from tests.test_cli import cli, run

# url template ({id} is the row's own id), name template, as each series writes them.
SHAPES = {
    "12.0": (
        "/web/content/{id}-{v}/{w}web.assets_backend.0.css",
        "/web/content/{id}-{v}/{w}web.assets_backend.0.css",
    ),
    "14.0": ("/web/content/{id}-{v}/{w}web.assets_backend.css", "web.assets_backend.css"),
    "15.0": ("/web/assets/{id}-{v}/{w}web.assets_backend.min.css", "web.assets_backend.min.css"),
}


def _store(db: OdooTestDb, content: bytes) -> str:
    return Filestore(db.data_dir / "filestore" / db.name).write_blob(content).store_fname


def _insert(
    db: OdooTestDb, series: str, content: bytes, *, website: str = "", version: str = "abcdef0"
) -> int:
    url, name = SHAPES[series]
    fname = _store(db, content)
    [(row_id,)] = db.query(
        "INSERT INTO ir_attachment (name, type, res_model, res_id, public, store_fname, checksum,"
        " file_size, mimetype, create_uid, write_uid) VALUES ('pending', 'binary', 'ir.ui.view', 0, true,"
        " %s, %s, %s, 'text/css', 1, 1) RETURNING id",
        (fname, fname.split("/")[1], len(content)),
    )
    final = url.format(id=row_id, v=version, w=website)
    db.execute(
        "UPDATE ir_attachment SET url = %s, name = %s WHERE id = %s",
        (final, name.format(id=row_id, v=version, w=website), row_id),
    )
    return int(row_id)


@pytest.fixture(params=sorted(SHAPES))
def legacy(
    request: pytest.FixtureRequest, bare_odoo_db: OdooTestDb
) -> tuple[OdooTestDb, str, dict[str, int]]:
    series = request.param
    db = bare_odoo_db
    db.execute(f"UPDATE ir_module_module SET latest_version = '{series}.1.0' WHERE name = 'base'")
    ids = {
        "intact": _insert(db, series, b".a{color:red}"),
        "shared": _insert(db, series, b".shared{}", website="1/", version="1111111"),
        "lost": _insert(db, series, b".lost{}", version="2222222"),
        "corrupt": _insert(db, series, b".corrupt{}", version="3333333"),
    }
    # An ordinary attachment sharing the lost row's blob name, and one sharing an intact blob.
    [(lost_fname,)] = db.query("SELECT store_fname FROM ir_attachment WHERE id = %s", (ids["lost"],))
    [(shared_fname,)] = db.query("SELECT store_fname FROM ir_attachment WHERE id = %s", (ids["shared"],))
    for fname in (lost_fname, shared_fname):
        [(other,)] = db.query(
            "INSERT INTO ir_attachment (name, type, res_model, res_id, store_fname, mimetype, create_uid)"
            " VALUES ('invoice.css', 'binary', 'account.move', 7, %s, 'text/css', 2) RETURNING id",
            (fname,),
        )
        ids[f"ordinary {fname}"] = other
    # A row whose URL names another id is not a bundle row of these series.
    _insert(db, series, b".x{}", version="4444444")
    db.execute(
        "UPDATE ir_attachment SET url = regexp_replace(url, '/[0-9]+-4444444/', '/999999-4444444/')"
        " WHERE url LIKE '%4444444%'"
    )
    filestore = db.data_dir / "filestore" / db.name
    (filestore / lost_fname).unlink()
    [(corrupt_fname,)] = db.query("SELECT store_fname FROM ir_attachment WHERE id = %s", (ids["corrupt"],))
    (filestore / corrupt_fname).write_bytes(b"damaged")
    return db, series, ids


def _ids(db: OdooTestDb) -> set[int]:
    return {row_id for (row_id,) in db.query("SELECT id FROM ir_attachment")}


def test_check_names_exactly_the_broken_bundle_rows(legacy: tuple[OdooTestDb, str, dict[str, int]]) -> None:
    db, _series, ids = legacy
    result = cli(db, "bundle", "check", "--json")
    assert result.exit_code == 1, result.output
    problems = json.loads(result.output)["problems"]
    assert sorted((p["kind"], p["attachment_id"]) for p in problems) == sorted(
        [("missing-blob", ids["lost"]), ("corrupt-blob", ids["corrupt"])]
    )
    listed = cli(db, "bundle", "list", "--json")
    assert listed.exit_code == 0
    assert sorted(r["id"] for r in json.loads(listed.output)) == sorted(
        [ids["intact"], ids["shared"], ids["lost"], ids["corrupt"]]
    )


def test_regenerate_removes_exactly_the_broken_rows(legacy: tuple[OdooTestDb, str, dict[str, int]]) -> None:
    db, _series, ids = legacy
    before = _ids(db)
    files_before = sorted(p.name for p in (db.data_dir / "filestore" / db.name).rglob("*") if p.is_file())
    dry = cli(db, "bundle", "regenerate", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    planned = sorted(i for o in json.loads(dry.output)["bundles"] for i in o["attachment_ids"])
    assert planned == sorted([ids["lost"], ids["corrupt"]])
    assert _ids(db) == before
    done = cli(db, "bundle", "regenerate", "--json")
    assert done.exit_code == 0, done.output
    assert _ids(db) == before - {ids["lost"], ids["corrupt"]}
    # Blobs are never deleted directly: they go to the checklist for Odoo's collector.
    files_after = sorted(p.name for p in (db.data_dir / "filestore" / db.name).rglob("*") if p.is_file())
    assert set(files_before) <= set(files_after)
    [(signal,)] = (
        db.query("SELECT last_value FROM base_cache_signaling")
        if db.query("SELECT to_regclass('base_cache_signaling') IS NOT NULL") == [(True,)]
        else [(None,)]
    )
    assert signal is None or signal >= 1


def test_regenerate_all_removes_every_bundle_row_and_nothing_else(
    legacy: tuple[OdooTestDb, str, dict[str, int]],
) -> None:
    db, _series, ids = legacy
    before = _ids(db)
    result = cli(db, "bundle", "regenerate", "--all")
    assert result.exit_code == 0, result.output
    bundle_rows = {ids["intact"], ids["shared"], ids["lost"], ids["corrupt"]}
    assert _ids(db) == before - bundle_rows
    assert all(ids[k] in _ids(db) for k in ids if k.startswith("ordinary"))


def test_build_refuses_and_says_to_regenerate(legacy: tuple[OdooTestDb, str, dict[str, int]]) -> None:
    db, series, _ = legacy
    result = cli(db, "bundle", "build")
    assert result.exit_code == 1
    assert (
        f"odoo-assets repairs {series} bundles but does not build them: run `bundle regenerate`"
        in result.output
    )


def test_repair_needs_no_addons_path(legacy: tuple[OdooTestDb, str, dict[str, int]], tmp_path: Path) -> None:
    db, _series, ids = legacy
    args = db.cli_args()
    args[args.index("--addons-path") + 1] = str(tmp_path)  # no module of the database there
    result = run(*args, "bundle", "regenerate", "--json")
    assert result.exit_code == 0, result.output
    assert ids["lost"] not in _ids(db) and ids["intact"] in _ids(db)
