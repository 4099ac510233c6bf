"""Filestore and attachment rows against a real PostgreSQL and a real directory."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from odoo_assets.errors import StorageError
from odoo_assets.series import profile_for
from odoo_assets.storage import attachments as att
from odoo_assets.storage.filestore import Filestore, collect_garbage
from odoo_assets.versions import UNIQUE_PATH, attachment_url
from tests.conftest import OdooTestDb, insert_bundle_row

CONTENT = b"console.log('bundle');\n"
SHA = hashlib.sha1(CONTENT).hexdigest()


def test_write_blob_is_content_addressed_with_checklist(tmp_path: Path) -> None:
    store = Filestore(tmp_path / "fs")
    first = store.write_blob(CONTENT)
    assert first.store_fname == f"{SHA[:2]}/{SHA}" and first.created
    assert (tmp_path / "fs" / SHA[:2] / SHA).read_bytes() == CONTENT
    assert (tmp_path / "fs" / "checklist" / SHA[:2] / SHA).is_file()
    again = store.write_blob(CONTENT)
    assert again.store_fname == first.store_fname and not again.created
    assert not [p for p in (tmp_path / "fs" / SHA[:2]).iterdir() if p.name.startswith(".tmp")]


def test_legacy_three_char_directory_is_reused_by_16_and_17_only(tmp_path: Path) -> None:
    store = Filestore(tmp_path / "fs")
    legacy = tmp_path / "fs" / SHA[:3] / SHA
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(CONTENT)
    assert (
        store.write_blob(CONTENT, legacy_shard=profile_for("17.0").legacy_shard).store_fname
        == f"{SHA[:3]}/{SHA}"
    )
    assert (
        store.write_blob(CONTENT, legacy_shard=profile_for("18.0").legacy_shard).store_fname
        == f"{SHA[:2]}/{SHA}"
    )


def test_damaged_blob_is_reported_and_replaced(tmp_path: Path) -> None:
    store = Filestore(tmp_path / "fs")
    fname = store.write_blob(CONTENT).store_fname
    assert store.blob_status(fname, SHA) == "ok"
    store.path_for(fname).write_bytes(b"garbage")
    assert store.blob_status(fname, SHA) == "corrupt"
    assert store.blob_status("ab/" + "0" * 40, SHA) == "missing"
    with pytest.raises(StorageError, match="collides with an existing file"):
        store.write_blob(CONTENT)
    store.write_blob(CONTENT, replace_damaged=True)
    assert store.read_blob(fname) == CONTENT


def test_store_fname_cannot_escape(tmp_path: Path) -> None:
    store = Filestore(tmp_path / "fs")
    assert store.path_for("../../etc/passwd") == tmp_path / "fs" / "etc" / "passwd"


def test_parse_bundle_url_round_trips() -> None:
    for kwargs in ({}, {"website_id": 3}, {"rtl": True}, {"website_id": 2, "rtl": True}):
        for ext in ("min.js", "min.css", "js", "css", "js.map", "css.map"):
            url = attachment_url("web.assets_web", "abc1234", ext, **kwargs)  # type: ignore[arg-type]
            parsed = UNIQUE_PATH.parse(url)
            assert parsed is not None
            assert (parsed.bundle, parsed.unique, parsed.ext) == ("web.assets_web", "abc1234", ext)
            assert parsed.website_id == kwargs.get("website_id")
            assert parsed.rtl == (bool(kwargs.get("rtl")) and "css" in ext)
    assert UNIQUE_PATH.parse("/web/assets/debug/web.assets_web.js") is None
    assert UNIQUE_PATH.parse("/web/content/12") is None


def test_index_content_rule() -> None:
    assert att.index_content(b"ab\nabcd\x00xyzw \x01hi", "text/css") == "abcd\nxyzw "
    assert att.index_content(b"whatever", "application/javascript") == "application"


def insert(
    conn: psycopg.Connection, store: Filestore, url: str, content: bytes = CONTENT
) -> att.BundleAttachment:
    return insert_bundle_row(conn, store, url, content, mimetype="application/javascript")


def test_clean_other_versions_touches_only_that_url_pattern(bare_odoo_db: OdooTestDb) -> None:
    store = Filestore(bare_odoo_db.filestore)
    urls = [
        "/web/assets/aaaaaaa/web.assets_web.min.js",
        "/web/assets/bbbbbbb/web.assets_web.min.js",
        "/web/assets/1/ccccccc/web.assets_web.min.js",
        "/web/assets/ddddddd/web.assets_web.min.css",
        "/web/assets/eeeeeee/web.assets_web.rtl.min.css",
        "/web/assets/fffffff/web.assets_frontend.min.js",
    ]
    with bare_odoo_db.connect() as conn:
        for index, url in enumerate(urls):
            insert(conn, store, url, CONTENT + bytes([index]))
        removed = att.clean_other_versions(
            conn, store, [att.KeptVersion("/web/assets/_______/web.assets_web.min.js", urls[1])]
        )
        conn.commit()
    assert [r.url for r in removed] == [urls[0]]
    left = [u for (u,) in bare_odoo_db.query("SELECT url FROM ir_attachment ORDER BY id")]
    assert left == urls[1:]


def test_delete_skips_rows_locked_by_another_transaction(bare_odoo_db: OdooTestDb) -> None:
    store = Filestore(bare_odoo_db.filestore)
    with bare_odoo_db.connect() as conn:
        a = insert(conn, store, "/web/assets/aaaaaaa/web.assets_web.min.js", b"a")
        b = insert(conn, store, "/web/assets/bbbbbbb/web.assets_web.min.js", b"b")
        conn.commit()
    with bare_odoo_db.connect() as locker, bare_odoo_db.connect() as conn:
        locker.execute("SELECT id FROM ir_attachment WHERE id = %s FOR UPDATE", (a.id,))
        deleted = att.delete_attachments(conn, store, [a.id, b.id])
        conn.commit()
        locker.rollback()
    assert [r.id for r in deleted] == [b.id]


def test_delete_attachments_refuses_non_bundle_rows(bare_odoo_db: OdooTestDb) -> None:
    bare_odoo_db.execute(
        "INSERT INTO ir_attachment (id, name, type, url, res_model, res_id, public, create_uid)"
        " VALUES (50, 'x.js', 'binary', '/web/assets/1234567/x.min.js', 'res.partner', 3, true, 1)"
    )
    with bare_odoo_db.connect() as conn:
        assert att.delete_attachments(conn, Filestore(bare_odoo_db.filestore), [50]) == []


def test_advisory_lock_excludes_a_second_writer(bare_odoo_db: OdooTestDb) -> None:
    with bare_odoo_db.connect() as first, bare_odoo_db.connect() as second:
        att.bundle_locks(first, ["/web/assets/x/web.assets_web.min.js"])
        assert not att.try_bundle_lock(second, "/web/assets/x/web.assets_web.min.js")
        assert att.try_bundle_lock(second, "/web/assets/x/web.assets_frontend.min.js")
        first.rollback()
        assert att.try_bundle_lock(second, "/web/assets/x/web.assets_web.min.js")


def test_garbage_collection_keeps_referenced_blobs(bare_odoo_db: OdooTestDb) -> None:
    store = Filestore(bare_odoo_db.filestore)
    kept = store.write_blob(b"kept").store_fname
    gone = store.write_blob(b"gone").store_fname
    bare_odoo_db.execute(
        "INSERT INTO ir_attachment (name, type, store_fname) VALUES ('n', 'binary', %s)", (kept,)
    )
    with bare_odoo_db.connect() as conn:
        assert collect_garbage(conn, store) == [gone]
    assert store.path_for(kept).is_file() and not store.path_for(gone).exists()
    assert store.checklist() == []


def _build_process(db: OdooTestDb) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "odoo_assets", *db.cli_args(), "-q", "bundle", "build"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _assert_rows_have_blobs(db: OdooTestDb) -> list[str]:
    rows = db.query("SELECT url, store_fname, checksum FROM ir_attachment WHERE url LIKE '/web/assets/%%'")
    for url, fname, checksum in rows:
        path = db.filestore / fname
        assert path.is_file(), f"{url}: blob {fname} missing"
        assert hashlib.sha1(path.read_bytes()).hexdigest() == checksum
    return [url for url, _, _ in rows]


@pytest.mark.usefixtures("rtlcss")
def test_concurrent_builds_create_one_row_per_url(odoo_db: OdooTestDb) -> None:
    processes = [_build_process(odoo_db) for _ in range(4)]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    urls = _assert_rows_have_blobs(odoo_db)
    assert len(urls) == 33 and len(set(urls)) == 33  # the plan on the fixtures: see test_cli


@pytest.mark.usefixtures("rtlcss")
def test_killed_builds_never_leave_rows_without_blobs(odoo_db: OdooTestDb) -> None:
    chance = random.Random(17)
    for _ in range(4):
        process = _build_process(odoo_db)
        time.sleep(chance.uniform(0.2, 0.9))
        process.send_signal(signal.SIGKILL)
        process.wait()
        _assert_rows_have_blobs(odoo_db)
    final = _build_process(odoo_db)
    assert final.wait(timeout=120) == 0
    assert len(_assert_rows_have_blobs(odoo_db)) == 33
    assert os.path.isdir(odoo_db.filestore / "checklist")


def test_blobs_are_readable_and_owned_like_the_filestore(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    root.mkdir()
    if os.geteuid() == 0:
        import pwd

        nobody = pwd.getpwnam("nobody")
        os.chown(root, nobody.pw_uid, nobody.pw_gid)
    fname = Filestore(root).write_blob(CONTENT).store_fname
    blob = root / fname
    assert blob.stat().st_mode & 0o777 == 0o666 & ~_umask()
    for path in (blob, blob.parent, root / "checklist" / fname, (root / "checklist" / fname).parent):
        assert path.stat().st_uid == root.stat().st_uid


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # an exited orphan may wait to be reaped


def test_compile_workers_end_with_a_killed_build(odoo_db: OdooTestDb) -> None:
    # A forked compile worker holds the build's database socket: outliving a killed build, it
    # would keep its session, and the advisory locks the build held, open for good.
    slow = odoo_db.addons.web / "static/src/scss/webclient.scss"
    slow.write_text(slow.read_text() + "@for $i from 1 through 40000 { .w#{$i} { width: $i * 1px; } }\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "odoo_assets", *odoo_db.cli_args(), "bundle", "build", "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(workers := _children(process.pid)) < 2:
        assert process.poll() is None and time.monotonic() < deadline, "no compile workers seen"
        time.sleep(0.01)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in workers):
        assert time.monotonic() < deadline, "compile workers outlived the killed build"
        time.sleep(0.05)
