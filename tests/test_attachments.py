"""Bundle rows of ir_attachment in a real PostgreSQL: values, lookups, cleaning, locks, signalling."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from odoo_assets.series import profile_for
from odoo_assets.storage import attachments as att
from odoo_assets.storage import database
from odoo_assets.storage.filestore import Filestore
from odoo_assets.versions import UNIQUE_PATH, BundleUrl, attachment_url
from tests.conftest import OdooTestDb, insert_bundle_row

parse_bundle_url = UNIQUE_PATH.parse

JS = b'\n/* /web/static/src/a.js */\nconsole.log("\xc3\xa9t\xc3\xa9");'
JS_SHA = hashlib.sha1(JS).hexdigest()
CSS = b'\n/* /web/static/src/a.scss */\n.o_a{content:"\xe2\x86\x92"}\n\tab\x01cdef'
CSS_SHA = hashlib.sha1(CSS).hexdigest()

Row = dict[str, Any]


def insert(
    conn: psycopg.Connection[Any], store: Filestore, url: str, content: bytes = JS, **options: Any
) -> att.BundleAttachment:
    return insert_bundle_row(conn, store, url, content, **options)


def full_row(db: OdooTestDb, attachment_id: int) -> Row:
    with psycopg.connect(db.conninfo, autocommit=True) as conn:
        cur = conn.cursor(row_factory=psycopg.rows.dict_row)
        cur.execute("SELECT * FROM ir_attachment WHERE id = %s", (attachment_id,))
        row = cur.fetchone()
    assert row is not None
    return dict(row)


def urls(db: OdooTestDb) -> list[str]:
    return [
        u for (u,) in db.query("SELECT url FROM ir_attachment WHERE url LIKE '/web/assets/%%' ORDER BY id")
    ]


@pytest.fixture
def store(bare_odoo_db: OdooTestDb) -> Filestore:
    return Filestore(bare_odoo_db.filestore)


@pytest.fixture
def conn(bare_odoo_db: OdooTestDb) -> Iterator[psycopg.Connection[Any]]:
    with bare_odoo_db.connect() as connection:
        yield connection


# --- the row ---------------------------------------------------------------------------------


def test_js_row_has_every_column_odoo_writes(bare_odoo_db: OdooTestDb, store: Filestore, conn: Any) -> None:
    url = "/web/assets/25a758f/web.assets_web.min.js"
    returned = insert(conn, store, url)
    [(now,)] = conn.execute("SELECT now() at time zone 'UTC'").fetchall()
    conn.commit()
    row = full_row(bare_odoo_db, returned.id)
    assert row == {
        "id": returned.id,
        "name": "web.assets_web.min.js",
        "description": None,
        "res_model": "ir.ui.view",
        "res_field": None,
        "res_id": 0,
        "company_id": 1,
        "type": "binary",
        "url": url,
        "public": True,
        "access_token": None,
        "db_datas": None,
        "store_fname": f"{JS_SHA[:2]}/{JS_SHA}",
        "file_size": len(JS),
        "checksum": JS_SHA,
        "mimetype": "application/javascript",
        "index_content": "application",
        "original_id": None,
        "website_id": None,
        "key": None,
        "theme_template_id": None,
        "create_uid": 1,
        "create_date": now,
        "write_uid": 1,
        "write_date": now,
    }
    assert returned == att.BundleAttachment(
        id=returned.id,
        name="web.assets_web.min.js",
        url=url,
        store_fname=f"{JS_SHA[:2]}/{JS_SHA}",
        checksum=JS_SHA,
        file_size=len(JS),
        mimetype="application/javascript",
        website_id=None,
        create_date=now,
        write_date=now,
        has_db_datas=False,
    )
    assert (bare_odoo_db.filestore / JS_SHA[:2] / JS_SHA).read_bytes() == JS
    assert (bare_odoo_db.filestore / "checklist" / JS_SHA[:2] / JS_SHA).is_file()


def test_css_row_indexes_printable_runs(bare_odoo_db: OdooTestDb, store: Filestore, conn: Any) -> None:
    # RTL: the name has no `.rtl`, the URL has.
    returned = insert(conn, store, "/web/assets/b72ce09/web.assets_web.rtl.min.css", CSS)
    conn.commit()
    row = full_row(bare_odoo_db, returned.id)
    assert (row["name"], row["mimetype"], row["file_size"], row["checksum"]) == (
        "web.assets_web.min.css",
        "text/css",
        len(CSS),
        CSS_SHA,
    )
    assert row["index_content"] == '/* /web/static/src/a.scss */\n.o_a{content:"\ncdef'


def test_website_column_absent(bare_odoo_db: OdooTestDb, store: Filestore) -> None:
    """Without the website module ir_attachment has no website_id: rows read back with None."""
    bare_odoo_db.execute("ALTER TABLE ir_attachment DROP COLUMN website_id")
    with bare_odoo_db.connect() as conn:
        row = insert(conn, store, "/web/assets/1234567/web.assets_web.min.js")
        conn.commit()
        assert row.website_id is None
        assert [r.id for r in att.list_bundle_attachments(conn)] == [row.id]
        assert [r.id for r in att.find_bundle_attachments(conn, row.url or "")] == [row.id]
        assert [r.id for r in att.delete_attachments(conn, store, [row.id])] == [row.id]


def test_database_storage_keeps_content_in_db_datas(bare_odoo_db: OdooTestDb, store: Filestore) -> None:
    bare_odoo_db.execute(
        "INSERT INTO ir_config_parameter (key, value) VALUES ('ir_attachment.location', 'db')"
    )
    with bare_odoo_db.connect() as conn:
        location = att.storage_location(conn)
        assert location == "db"
        returned = insert(conn, store, "/web/assets/303fc99/web.assets_web.min.css", CSS, location=location)
        conn.commit()
    row = full_row(bare_odoo_db, returned.id)
    assert bytes(row["db_datas"]) == CSS
    assert (row["store_fname"], row["file_size"], row["checksum"]) == (None, len(CSS), CSS_SHA)
    assert row["index_content"] == '/* /web/static/src/a.scss */\n.o_a{content:"\ncdef'
    assert returned.has_db_datas and returned.store_fname is None
    assert not bare_odoo_db.filestore.exists()
    with bare_odoo_db.connect() as conn:
        assert att.read_db_datas(conn, returned.id) == CSS


@pytest.mark.parametrize(
    ("value", "expected"), [(None, "file"), ("db", "db"), ("file", "file"), ("DB", "file"), ("db ", "file")]
)
def test_storage_location(bare_odoo_db: OdooTestDb, value: str | None, expected: str) -> None:
    if value is not None:
        bare_odoo_db.execute(
            "INSERT INTO ir_config_parameter (key, value) VALUES ('ir_attachment.location', %s)", (value,)
        )
    with bare_odoo_db.connect() as conn:
        assert att.storage_location(conn) == expected


def test_company_of_superuser(bare_odoo_db: OdooTestDb) -> None:
    with bare_odoo_db.connect() as conn:
        assert att.company_of_superuser(conn) == 1
    bare_odoo_db.execute(
        "CREATE TEMP TABLE other AS SELECT * FROM res_company WHERE id = 1;"
        """ UPDATE other SET id = 7, name = '{"en_US": "Other"}';"""
        " INSERT INTO res_company SELECT * FROM other;"
        " UPDATE res_users SET company_id = 7 WHERE id = 1"
    )
    with bare_odoo_db.connect() as conn:
        assert att.company_of_superuser(conn) == 7


def test_empty_content_computes_nothing(bare_odoo_db: OdooTestDb, store: Filestore, conn: Any) -> None:
    returned = insert(
        conn, store, "/web/assets/1234567/web.assets_web.js.map", b"", mimetype="application/json"
    )
    conn.commit()
    row = full_row(bare_odoo_db, returned.id)
    assert [row[k] for k in ("store_fname", "db_datas", "file_size", "checksum", "index_content")] == [
        None
    ] * 5
    assert not bare_odoo_db.filestore.exists()


def test_index_content_rule() -> None:
    assert att.index_content(b"ab\nabcd\x00xyzw \x01hi\x7fjklm", "text/css") == "abcd\nxyzw \njklm"
    assert att.index_content("é€abcd".encode(), "text/plain") == "abcd"
    assert att.index_content(b"", "text/css") == ""
    assert att.index_content(b"console.log(1)", "application/javascript") == "application"
    assert att.index_content(b"{}", "application/octet-stream") == "application"
    assert att.index_content(b"<x/>", "text/xml") == "<x/>"


def test_insert_does_not_commit(bare_odoo_db: OdooTestDb, store: Filestore, conn: Any) -> None:
    insert(conn, store, "/web/assets/1234567/web.assets_web.min.js")
    conn.rollback()
    assert urls(bare_odoo_db) == []
    # The blob stays for the collector: it is on the checklist.
    assert store.checklist() == [f"{JS_SHA[:2]}/{JS_SHA}"]


def test_same_content_twice_shares_one_blob(bare_odoo_db: OdooTestDb, store: Filestore, conn: Any) -> None:
    first = insert(conn, store, "/web/assets/1234567/web.assets_frontend.min.js")
    second = insert(conn, store, "/web/assets/1/1234567/web.assets_frontend.min.js")
    conn.commit()
    assert first.store_fname == second.store_fname == f"{JS_SHA[:2]}/{JS_SHA}"
    assert sorted(p.name for p in bare_odoo_db.filestore.rglob("*") if p.is_file()) == [JS_SHA, JS_SHA]


def test_insert_repairs_a_damaged_blob(store: Filestore, conn: Any) -> None:
    path = store.root / JS_SHA[:2] / JS_SHA
    path.parent.mkdir(parents=True)
    path.write_bytes(b"truncated")
    insert(conn, store, "/web/assets/1234567/web.assets_web.min.js")
    assert path.read_bytes() == JS


# --- lookups ---------------------------------------------------------------------------------


def add_raw(db: OdooTestDb, **values: object) -> int:
    columns: dict[str, object] = {
        "name": "web.assets_web.min.js",
        "type": "binary",
        "res_model": "ir.ui.view",
        "res_id": 0,
        "public": True,
        "create_uid": 1,
        **values,
    }
    keys = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    [(new_id,)] = db.query(
        f"INSERT INTO ir_attachment ({keys}) VALUES ({marks}) RETURNING id", list(columns.values())
    )
    return int(new_id)


def test_find_bundle_attachments_is_odoos_lookup(bare_odoo_db: OdooTestDb) -> None:
    url = "/web/assets/aaaaaaa/web.assets_web.min.js"
    older = add_raw(bare_odoo_db, url=url)
    newest = add_raw(bare_odoo_db, url=url)
    add_raw(bare_odoo_db, url="/web/assets/bbbbbbb/web.assets_web.min.js", name="x.min.js", create_uid=2)
    add_raw(bare_odoo_db, url="/web/assets/bbbbbbb/web.assets_web.min.js", name="y.min.js", res_id=3)
    add_raw(bare_odoo_db, url="/web/assets/bbbbbbb/web.assets_web.min.js", name="z.min.js", public=False)
    add_raw(
        bare_odoo_db, url="/web/assets/bbbbbbb/web.assets_web.min.js", name="w.min.js", res_model="ir.qweb"
    )
    other_version = add_raw(bare_odoo_db, url="/web/assets/ccccccc/web.assets_web.min.js")
    map_row = add_raw(
        bare_odoo_db, url="/web/assets/aaaaaaa/web.assets_web.min.js.map", name="web.assets_web.js.map"
    )
    with bare_odoo_db.connect() as conn:
        assert [r.id for r in att.find_bundle_attachments(conn, url)] == [newest]
        assert [r.id for r in att.find_bundle_attachments(conn, url + "%")] == [map_row, newest]
        any_version = "/web/assets/_______/web.assets_web.min.js"
        assert [r.id for r in att.find_bundle_attachments(conn, any_version)] == [other_version]
    assert older < newest < other_version


def test_list_bundle_attachments_by_odoos_definition(odoo_db: OdooTestDb) -> None:
    website = add_raw(odoo_db, url="/web/assets/1/aaaaaaa/web.assets_frontend.min.js", website_id=1)
    plain = add_raw(odoo_db, url="/web/assets/aaaaaaa/web.assets_frontend.min.js")
    add_raw(odoo_db, url="/web/assets/aaaaaaa/x.min.js", res_field="datas")
    add_raw(odoo_db, url="/web/assets/aaaaaaa/y.min.js", create_uid=2)
    add_raw(odoo_db, url="/web/content/12", name="web.assets_frontend.min.js")
    with odoo_db.connect() as conn:
        rows = att.list_bundle_attachments(conn)
        assert [(r.id, r.website_id) for r in rows] == [(website, 1), (plain, None)]
        assert [r.id for r in att.list_bundle_attachments(conn, "/web/assets/1/%")] == [website]


# --- cleaning --------------------------------------------------------------------------------

CLEAN_URLS = [
    "/web/assets/aaaaaaa/web.assets_web.min.js",  # 0 older version: removed
    "/web/assets/bbbbbbb/web.assets_web.min.js",  # 1 kept
    "/web/assets/1/ccccccc/web.assets_web.min.js",  # 2 website variant
    "/web/assets/ddddddd/web.assets_web.min.css",  # 3 other type
    "/web/assets/eeeeeee/web.assets_web.rtl.min.css",  # 4 rtl
    "/web/assets/fffffff/web.assets_frontend.min.js",  # 5 other bundle
    "/web/assets/debug/web.assets_web.min.js",  # 6 not a version
    "/web/assets/ggggggg/web.assets_web.js",  # 7 debug attachment
    "/web/assets/hhhhhhh/web.assets_web.min.js",  # 8 older version: removed
]


def test_clean_other_versions_touches_only_that_pattern(bare_odoo_db: OdooTestDb, store: Filestore) -> None:
    with bare_odoo_db.connect() as conn:
        rows = [insert(conn, store, url, JS + bytes([i])) for i, url in enumerate(CLEAN_URLS[:6])]
        rows.append(insert(conn, store, CLEAN_URLS[7], JS + b"7"))
        rows.append(insert(conn, store, CLEAN_URLS[8], JS + b"8"))
        add_raw(bare_odoo_db, url=CLEAN_URLS[6])  # committed elsewhere: the newest id
        conn.commit()
    for name in store.checklist():
        store.checklist_path(name).unlink()
    with bare_odoo_db.connect() as conn:
        removed = att.clean_other_versions(
            conn, store, [att.KeptVersion("/web/assets/_______/web.assets_web.min.js", CLEAN_URLS[1])]
        )
        conn.commit()
    assert [r.url for r in removed] == [CLEAN_URLS[0], CLEAN_URLS[8]]
    assert urls(bare_odoo_db) == [u for i, u in enumerate(CLEAN_URLS) if i not in (0, 6, 8)] + [CLEAN_URLS[6]]
    # Blobs are never deleted here, only put on the checklist.
    assert store.checklist() == sorted([rows[0].store_fname or "", rows[-1].store_fname or ""])
    assert all(store.path_for(r.store_fname or "").is_file() for r in rows)


def test_clean_website_variant_leaves_the_plain_one(bare_odoo_db: OdooTestDb, store: Filestore) -> None:
    with bare_odoo_db.connect() as conn:
        plain = insert(conn, store, "/web/assets/aaaaaaa/web.assets_frontend.min.css", CSS)
        old_w1 = insert(conn, store, "/web/assets/1/aaaaaaa/web.assets_frontend.min.css", CSS)
        new_w1 = insert(conn, store, "/web/assets/1/bbbbbbb/web.assets_frontend.min.css", CSS + b"1")
        w2 = insert(conn, store, "/web/assets/2/ccccccc/web.assets_frontend.min.css", CSS)
        w1_rtl = insert(conn, store, "/web/assets/1/ddddddd/web.assets_frontend.rtl.min.css", CSS)
        removed = att.clean_other_versions(
            conn,
            store,
            [att.KeptVersion("/web/assets/1/_______/web.assets_frontend.min.css", new_w1.url or "")],
        )
        conn.commit()
    assert [r.id for r in removed] == [old_w1.id]
    left = [r for (r,) in bare_odoo_db.query("SELECT id FROM ir_attachment ORDER BY id")]
    assert left == [plain.id, new_w1.id, w2.id, w1_rtl.id]


def test_clean_with_keep_id_replaces_earlier_rows_of_the_same_url(
    bare_odoo_db: OdooTestDb, store: Filestore
) -> None:
    url = "/web/assets/aaaaaaa/web.assets_web.min.js"
    with bare_odoo_db.connect() as conn:
        first = insert(conn, store, url)
        other = insert(conn, store, "/web/assets/bbbbbbb/web.assets_web.min.js")
        second = insert(conn, store, url)
        removed = att.clean_other_versions(
            conn, store, [att.KeptVersion("/web/assets/_______/web.assets_web.min.js", url, second.id)]
        )
        conn.commit()
    assert [r.id for r in removed] == [first.id, other.id]
    assert [i for (i,) in bare_odoo_db.query("SELECT id FROM ir_attachment")] == [second.id]


def test_clean_skips_rows_locked_elsewhere_but_marks_their_blobs(
    bare_odoo_db: OdooTestDb, store: Filestore
) -> None:
    with bare_odoo_db.connect() as conn:
        locked = insert(conn, store, "/web/assets/aaaaaaa/web.assets_web.min.js", b"locked")
        free = insert(conn, store, "/web/assets/bbbbbbb/web.assets_web.min.js", b"free")
        keep = insert(conn, store, "/web/assets/ccccccc/web.assets_web.min.js", b"keep")
        conn.commit()
    for name in store.checklist():
        store.checklist_path(name).unlink()
    with bare_odoo_db.connect() as locker, bare_odoo_db.connect() as conn:
        locker.execute("SELECT id FROM ir_attachment WHERE id = %s FOR UPDATE", (locked.id,))
        conn.execute("SET lock_timeout = '2s'")  # waiting instead of skipping fails the test
        removed = att.clean_other_versions(
            conn, store, [att.KeptVersion("/web/assets/_______/web.assets_web.min.js", keep.url or "")]
        )
        conn.commit()
        locker.rollback()
    assert [r.id for r in removed] == [free.id]
    assert sorted(i for (i,) in bare_odoo_db.query("SELECT id FROM ir_attachment")) == [locked.id, keep.id]
    assert store.checklist() == sorted([locked.store_fname or "", free.store_fname or ""])


def test_delete_attachments_skips_locked_rows_and_refuses_other_rows(
    bare_odoo_db: OdooTestDb, store: Filestore
) -> None:
    with bare_odoo_db.connect() as conn:
        a = insert(conn, store, "/web/assets/aaaaaaa/web.assets_web.min.js", b"a")
        b = insert(conn, store, "/web/assets/bbbbbbb/web.assets_web.min.js", b"b")
        conn.commit()
    stranger = add_raw(bare_odoo_db, url="/web/assets/ccccccc/x.min.js", res_model="res.partner", res_id=3)
    outside = add_raw(bare_odoo_db, url="/web/content/x.min.js")
    with bare_odoo_db.connect() as locker, bare_odoo_db.connect() as conn:
        locker.execute("SELECT id FROM ir_attachment WHERE id = %s FOR NO KEY UPDATE", (a.id,))
        conn.execute("SET lock_timeout = '2s'")  # waiting instead of skipping fails the test
        deleted = att.delete_attachments(conn, store, [a.id, b.id, stranger, outside])
        conn.commit()
        locker.rollback()
    assert [r.id for r in deleted] == [b.id]
    left = sorted(i for (i,) in bare_odoo_db.query("SELECT id FROM ir_attachment"))
    assert left == sorted([a.id, stranger, outside])
    with bare_odoo_db.connect() as conn:
        assert [r.id for r in att.delete_attachments(conn, store, [a.id])] == [a.id]
        assert att.delete_attachments(conn, store, []) == []
        conn.commit()


# --- signalling and locks --------------------------------------------------------------------


def last_value(db: OdooTestDb, sequence: str) -> int:
    [(value,)] = db.query(f"SELECT last_value FROM {sequence}")
    return int(value)


def test_website_variants_share_one_statement_one_blob_and_get_ids_in_order(
    bare_odoo_db: OdooTestDb, store: Filestore, conn: Any
) -> None:
    variant_urls = [f"/web/assets/{w}/1234567/web.assets_frontend.min.css" for w in (3, 1, 2)]
    rows = att.insert_bundle_attachments(
        conn,
        store,
        name="web.assets_frontend.min.css",
        urls=variant_urls,
        content=CSS,
        mimetype="text/css",
        location="file",
        company_id=1,
    )
    conn.commit()
    assert [r.url for r in rows] == variant_urls
    assert [r.id for r in rows] == sorted(r.id for r in rows)
    assert {r.store_fname for r in rows} == {f"{CSS_SHA[:2]}/{CSS_SHA}"}
    assert store.checklist() == [f"{CSS_SHA[:2]}/{CSS_SHA}"]
    [(now,)] = bare_odoo_db.query("SELECT max(create_date) FROM ir_attachment")
    for row, url in zip(rows, variant_urls, strict=True):
        assert full_row(bare_odoo_db, row.id) == {
            "id": row.id,
            "name": "web.assets_frontend.min.css",
            "description": None,
            "res_model": "ir.ui.view",
            "res_field": None,
            "res_id": 0,
            "company_id": 1,
            "type": "binary",
            "url": url,
            "public": True,
            "access_token": None,
            "db_datas": None,
            "store_fname": f"{CSS_SHA[:2]}/{CSS_SHA}",
            "file_size": len(CSS),
            "checksum": CSS_SHA,
            "mimetype": "text/css",
            "index_content": '/* /web/static/src/a.scss */\n.o_a{content:"\ncdef',
            "original_id": None,
            "website_id": None,
            "key": None,
            "theme_template_id": None,
            "create_uid": 1,
            "create_date": now,
            "write_uid": 1,
            "write_date": now,
        }


@pytest.mark.parametrize("lz4", [False, True])
def test_index_content_compression(bare_odoo_db: OdooTestDb, store: Filestore, conn: Any, lz4: bool) -> None:
    if lz4 and not database.lz4_available(conn):
        pytest.skip("this PostgreSQL has no lz4")
    content = b"".join(b".o_%d{color:red}\n" % i for i in range(2000))
    row = insert(conn, store, "/web/assets/1234567/web.assets_web.min.css", content, lz4=lz4)
    conn.commit()
    [(method, text)] = bare_odoo_db.query(
        "SELECT pg_column_compression(index_content), index_content FROM ir_attachment WHERE id = %s",
        (row.id,),
    )
    assert (method, text) == ("lz4" if lz4 else "pglz", content.decode().rstrip("\n"))


def test_a_blob_written_earlier_is_written_again_if_it_went_missing(
    bare_odoo_db: OdooTestDb, store: Filestore, conn: Any
) -> None:
    early = store.write_blob(JS)
    store.path_for(early.store_fname).unlink()  # the collector ran before the row was stored
    row = insert(conn, store, "/web/assets/1234567/web.assets_web.min.js", JS, blob=early)
    conn.commit()
    assert (row.store_fname, row.checksum) == (early.store_fname, JS_SHA)
    assert store.path_for(early.store_fname).read_bytes() == JS


def test_clean_many_applies_each_pattern_to_its_own_url(bare_odoo_db: OdooTestDb, store: Filestore) -> None:
    frontend = "/web/assets/{}/{}/web.assets_frontend.min.css"
    with bare_odoo_db.connect() as conn:
        old_1 = insert(conn, store, frontend.format(1, "aaaaaaa"), CSS)
        new_1 = insert(conn, store, frontend.format(1, "bbbbbbb"), CSS + b"1")
        old_2 = insert(conn, store, frontend.format(2, "aaaaaaa"), CSS)
        new_2 = insert(conn, store, frontend.format(2, "bbbbbbb"), CSS + b"1")
        w3 = insert(conn, store, frontend.format(3, "aaaaaaa"), CSS)
        plain = insert(conn, store, "/web/assets/aaaaaaa/web.assets_frontend.min.css", CSS)
        kept = [
            att.KeptVersion(frontend.format(w, "_______"), row.url or "", row.id)
            for w, row in ((1, new_1), (2, new_2))
        ]
        removed = att.clean_other_versions(conn, store, kept)
        conn.commit()
    assert [r.id for r in removed] == [old_1.id, old_2.id]
    left = [r for (r,) in bare_odoo_db.query("SELECT id FROM ir_attachment ORDER BY id")]
    assert left == [new_1.id, new_2.id, w3.id, plain.id]


def test_newest_by_url_gives_the_newest_row_of_each_exact_url(
    bare_odoo_db: OdooTestDb, store: Filestore, conn: Any
) -> None:
    a, b = "/web/assets/aaaaaaa/web.assets_web.min.js", "/web/assets/bbbbbbb/web.assets_web.min.js"
    insert(conn, store, a)
    newest_a = insert(conn, store, a, b"again")
    only_b = insert(conn, store, b)
    found = att.newest_by_url(conn, [a, b, "/web/assets/ccccccc/web.assets_web.min.js"])
    assert {url: row.id for url, row in found.items()} == {a: newest_a.id, b: only_b.id}


def test_signal_assets_changed_bumps_the_assets_sequence(bare_odoo_db: OdooTestDb) -> None:
    before = last_value(bare_odoo_db, "base_cache_signaling_assets")
    default = last_value(bare_odoo_db, "base_cache_signaling_default")
    with bare_odoo_db.connect() as conn:
        assert att.signal_assets_changed(conn, profile_for("17.0").signals[0][1]) == before + 1
        assert att.signal_assets_changed(conn, profile_for("18.0").signals[0][1]) == before + 2
        conn.commit()
    assert last_value(bare_odoo_db, "base_cache_signaling_assets") == before + 2
    assert last_value(bare_odoo_db, "base_cache_signaling_default") == default


def test_signal_16_uses_the_single_cache_sequence(bare_odoo_db: OdooTestDb) -> None:
    with bare_odoo_db.connect() as conn:
        assert (
            att.signal_assets_changed(conn, profile_for("16.0").signals[0][1]) is None
        )  # no such sequence yet
    bare_odoo_db.execute("CREATE SEQUENCE base_cache_signaling; SELECT nextval('base_cache_signaling')")
    with bare_odoo_db.connect() as conn:
        assert att.signal_assets_changed(conn, profile_for("16.0").signals[0][1]) == 2
        conn.commit()
    assert last_value(bare_odoo_db, "base_cache_signaling") == 2


def test_bundle_lock_blocks_a_second_transaction(bare_odoo_db: OdooTestDb) -> None:
    key = "/web/assets/1234567/web.assets_web.min.js"
    with bare_odoo_db.connect() as first, bare_odoo_db.connect() as second:
        att.bundle_locks(first, [key])
        assert not att.try_bundle_lock(second, key)
        assert att.try_bundle_lock(second, "/web/assets/1234567/web.assets_web.min.css")
        second.execute("SET LOCAL lock_timeout = '100ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            att.bundle_locks(second, [key])
        second.rollback()
        first.commit()  # transaction-scoped: released at the end of the transaction
        att.bundle_locks(second, [key])
        assert not att.try_bundle_lock(first, key)
        second.rollback()
        assert att.try_bundle_lock(first, key)
        first.rollback()


def test_bundle_locks_takes_every_key(bare_odoo_db: OdooTestDb) -> None:
    keys = [f"/web/assets/{w}/1234567/web.assets_frontend.min.css" for w in (1, 2, 3)]
    with bare_odoo_db.connect() as first, bare_odoo_db.connect() as second:
        att.bundle_locks(first, keys)
        assert [att.try_bundle_lock(second, key) for key in [*keys, "/other"]] == [False, False, False, True]
        first.commit()
        assert all(att.try_bundle_lock(second, key) for key in keys)
        second.rollback()


def test_lock_key_is_stable() -> None:
    # The same key in every process and every run: the first 8 bytes of the SHA-1, signed.
    assert att._lock_key("/web/assets/1234567/web.assets_web.min.js") == int.from_bytes(
        hashlib.sha1(b"/web/assets/1234567/web.assets_web.min.js").digest()[:8], "big", signed=True
    )
    assert att._lock_key("a") == -8721251224300181508


# --- URLs ------------------------------------------------------------------------------------


def test_parse_bundle_url_literal_17_urls() -> None:
    assert parse_bundle_url("/web/assets/25a758f/web.assets_web.min.js") == BundleUrl(
        None, "25a758f", "web.assets_web", "min.js", False
    )
    assert parse_bundle_url("/web/assets/b72ce09/web.assets_web.rtl.min.css") == BundleUrl(
        None, "b72ce09", "web.assets_web", "min.css", True
    )
    assert parse_bundle_url("/web/assets/1/c87748c/web.assets_frontend.min.css") == BundleUrl(
        1, "c87748c", "web.assets_frontend", "min.css", False
    )
    assert parse_bundle_url("/web/assets/12/_______/web.assets_web.rtl.css.map") == BundleUrl(
        12, "_______", "web.assets_web", "css.map", True
    )
    assert parse_bundle_url("/web/assets/1234567/web.assets_web.js") == BundleUrl(
        None, "1234567", "web.assets_web", "js", False
    )
    # `.rtl` only marks stylesheets.
    assert parse_bundle_url("/web/assets/1234567/web.x.rtl.min.js") == BundleUrl(
        None, "1234567", "web.x.rtl", "min.js", False
    )
    parsed = parse_bundle_url("/web/assets/3/f432d7d/web.assets_web.js.map")
    assert parsed is not None
    website_id, unique, bundle, ext, rtl, attachment_id = parsed  # a plain tuple too
    assert (website_id, unique, bundle, ext, rtl, attachment_id) == (
        3,
        "f432d7d",
        "web.assets_web",
        "js.map",
        False,
        None,
    )


@pytest.mark.parametrize(
    "url",
    [
        "/web/assets/debug/web.assets_web.js",
        "/web/assets/1/debug/web.assets_web.rtl.css",
        "/web/assets/45-25a758f/web.assets_web.min.js",  # 16.0
        "/web/assets/45-25a758f/1/rtl/web.assets_web.min.css",
        "/web/assets/25a758f/web.assets_web.min.xml",
        "/web/assets/25a758f/.min.js",
        "/web/assets/0/25a758f/web.assets_web.min.js",
        "/web/content/25a758f/web.assets_web.min.js",
        "/web/assets/25a758f/sub/web.assets_web.min.js",
        "",
    ],
)
def test_parse_bundle_url_rejects_other_urls(url: str) -> None:
    assert parse_bundle_url(url) is None


@pytest.mark.parametrize("ext", ["min.js", "min.css", "js", "css", "js.map", "css.map"])
@pytest.mark.parametrize(("website_id", "rtl"), [(None, False), (None, True), (3, False), (27, True)])
def test_parse_bundle_url_round_trips_attachment_url(ext: str, website_id: int | None, rtl: bool) -> None:
    url = attachment_url("web.assets_frontend_lazy", "abc1234", ext, website_id=website_id, rtl=rtl)
    expected_rtl = rtl and ext in ("css", "min.css", "css.map")
    assert parse_bundle_url(url) == BundleUrl(
        website_id, "abc1234", "web.assets_frontend_lazy", ext, expected_rtl
    )
    assert UNIQUE_PATH.any_version(url) == attachment_url(
        "web.assets_frontend_lazy", "_______", ext, website_id=website_id, rtl=rtl
    )


def test_any_version_pattern_leaves_other_urls_alone() -> None:
    assert UNIQUE_PATH.any_version("/web/content/1") == "/web/content/1"
    assert (
        UNIQUE_PATH.any_version("/web/assets/debug/web.assets_web.js")
        == "/web/assets/debug/web.assets_web.js"
    )


def test_signal_19_adds_a_row_to_the_insert_only_table(bare_odoo_db: OdooTestDb) -> None:
    [(kind, name)] = profile_for("19.0").signals
    with bare_odoo_db.connect() as conn:
        assert att.signal_assets_changed(conn, name, kind) is None  # no such table yet
    bare_odoo_db.execute(
        "CREATE TABLE orm_signaling_assets (id SERIAL PRIMARY KEY, date TIMESTAMP DEFAULT now());"
        " INSERT INTO orm_signaling_assets DEFAULT VALUES"
    )
    with bare_odoo_db.connect() as conn:
        assert att.signal_assets_changed(conn, name, kind) == 2
        conn.commit()
    assert bare_odoo_db.query("SELECT max(id) FROM orm_signaling_assets") == [(2,)]
