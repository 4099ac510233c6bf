"""One workspace for many websites: resolved as each alone, each shared blob checked once."""

from __future__ import annotations

import pytest

from odoo_assets import operations
from odoo_assets.storage.filestore import BlobStatus, Filestore
from tests.conftest import OdooTestDb

SHARED = "/_custom/web.assets_frontend/shared.scss"


def add_websites(db: OdooTestDb) -> None:
    """3 and 6 are alike (website 1's theme, no rows of their own); 4 too, but it owns the
    attachment a row for every website points at; 5 has website 2's theme."""
    db.execute(
        "INSERT INTO website (id, name, sequence, company_id, default_lang_id, user_id, theme_id,"
        " cdn_activated) VALUES (3, 'Third', 30, 1, 1, 2, 4, false), (4, 'Fourth', 40, 1, 1, 2, 4, false),"
        " (5, 'Fifth', 50, 1, 1, 2, 5, false), (6, 'Sixth', 60, 1, 1, 2, 4, false)"
    )
    db.execute(
        "INSERT INTO ir_asset (name, bundle, directive, path, active, sequence)"
        " VALUES ('shared customisation', 'website.assets_custom', 'append', %s, true, 16),"
        " ('shared style', 'website.assets_custom', 'append', 'website/static/src/snippets/s_banner.scss', true, 16)",
        (SHARED,),
    )
    db.execute(
        "INSERT INTO ir_attachment (name, res_id, type, url, db_datas, mimetype, website_id,"
        " create_uid, write_uid, create_date, write_date) VALUES ('shared.scss', 0, 'binary', %s,"
        " convert_to('$x: 1;', 'UTF8'), 'text/scss', 4, 1, 1, '2024-05-01', '2024-05-01 10:00:00')",
        (SHARED,),
    )


def test_each_website_resolves_as_if_alone(odoo_db: OdooTestDb) -> None:
    add_websites(odoo_db)
    order = [3, 1, 4, 6, 2, 5, None]
    bundles = ["web.assets_frontend", "website.assets_custom"]
    with operations.open_workspace(odoo_db.settings(), odoo_db.name) as ws:
        together = {(b, w): ws.resolve(b, w) for b in bundles for w in order}
    for key in together:
        with operations.open_workspace(odoo_db.settings(), odoo_db.name) as ws:
            assert together[key] == ws.resolve(*key), key
    frontend = {w: together["web.assets_frontend", w] for w in order}
    custom = {w: together["website.assets_custom", w] for w in order}
    # Alike websites share one resolution; the others differ from it.
    assert frontend[6].entries is frontend[3].entries
    assert frontend[5].urls() != frontend[3].urls() != frontend[1].urls()
    # A bundle that looks an attachment up is resolved for each website: website 4 has it.
    dates = {w: [e.last_modified for e in custom[w].entries if e.url == SHARED] for w in order}
    assert dates[4] != dates[3] == dates[6] == [None]


def test_a_blob_shared_by_website_rows_is_hashed_once_per_run(
    odoo_db: OdooTestDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_websites(odoo_db)  # 3, 4 and 6 get the same frontend CSS
    request = operations.BuildRequest(bundles=("web.assets_frontend",), websites=(3, 4, 6))
    with operations.open_workspace(odoo_db.settings(), odoo_db.name) as ws:
        operations.build(ws, request)
    hashed: list[str] = []
    original = Filestore.blob_status

    def counting(self: Filestore, store_fname: str, checksum: str | None) -> BlobStatus:
        hashed.append(store_fname)
        return original(self, store_fname, checksum)

    monkeypatch.setattr(Filestore, "blob_status", counting)
    with operations.open_workspace(odoo_db.settings(), odoo_db.name) as ws:
        rows = operations.list_bundles(ws)
        css = [r for r in rows if r.ext == "min.css"]
        assert [r.website_id for r in css] == [3, 4, 6] and len({r.row.store_fname for r in css}) == 1
        assert all(r.blob == "ok" for r in rows)
        assert sorted(hashed) == sorted({r.row.store_fname for r in rows})  # once per blob
        ws.filestore.path_for(css[0].row.store_fname or "").write_bytes(b"damaged")
        assert operations.row_status(ws, css[0].row) == "ok"  # what this run saw
        assert operations.row_status(ws, css[0].row, fresh=True) == "corrupt"
