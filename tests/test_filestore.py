"""The sharded filestore and its garbage collector, on a real directory and a real PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import psycopg
import pytest

from odoo_assets.errors import StorageError
from odoo_assets.series import profile_for
from odoo_assets.storage import attachments as att
from odoo_assets.storage import filestore
from odoo_assets.storage.filestore import BlobWrite, Filestore, collect_garbage, storage_location
from tests.conftest import OdooTestDb, insert_bundle_row

CONTENT = b"body{color:red}\n"
SHA = "21ef14208c03845349614a37d516463738e52e04"
OTHER = b"other content"
OTHER_SHA = "fc436fef492fd917ec8ffae16c74013d8181af95"


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- paths -----------------------------------------------------------------------------------


def test_names_are_the_sha1_of_the_content() -> None:
    assert hashlib.sha1(CONTENT).hexdigest() == SHA
    assert hashlib.sha1(OTHER).hexdigest() == OTHER_SHA
    assert Filestore.store_fname_for(SHA) == "21/21ef14208c03845349614a37d516463738e52e04"


def test_path_for_sanitises_like_odoo(tmp_path: Path) -> None:
    store = Filestore(tmp_path / "fs")
    root = tmp_path / "fs"
    assert store.path_for("ab/abcdef") == root / "ab" / "abcdef"
    # Every dot goes, then outer slashes and backslashes.
    assert store.path_for("../../etc/passwd") == root / "etc" / "passwd"
    assert store.path_for("/ab/a.b.c/") == root / "ab" / "abc"
    assert store.path_for("\\ab/cd\\") == root / "ab" / "cd"
    assert store.path_for("..\\../x") == root / "x"


@pytest.mark.parametrize("bad", ["", ".", "..", "/", "./..", "\\/"])
def test_path_for_refuses_names_that_are_not_a_file_inside(tmp_path: Path, bad: str) -> None:
    with pytest.raises(StorageError, match="does not name a file inside"):
        Filestore(tmp_path / "fs").path_for(bad)


# --- writing ---------------------------------------------------------------------------------


def test_write_blob_content_addressed_with_checklist_entry(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    result = Filestore(root).write_blob(CONTENT)
    assert result == BlobWrite(store_fname=f"{SHA[:2]}/{SHA}", sha1=SHA, created=True)
    assert (root / SHA[:2] / SHA).read_bytes() == CONTENT
    entry = root / "checklist" / SHA[:2] / SHA
    assert entry.is_file() and entry.stat().st_size == 0
    assert files_under(root) == [f"{SHA[:2]}/{SHA}", f"checklist/{SHA[:2]}/{SHA}"]


def test_identical_blob_is_not_rewritten_and_gets_no_checklist_entry(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    blob = root / SHA[:2] / SHA
    blob.parent.mkdir(parents=True)
    blob.write_bytes(CONTENT)
    os.utime(blob, (1000000000, 1000000000))
    inode = blob.stat().st_ino
    result = Filestore(root).write_blob(CONTENT)
    assert result == BlobWrite(f"{SHA[:2]}/{SHA}", SHA, created=False)
    assert blob.stat().st_ino == inode and blob.stat().st_mtime == 1000000000
    assert not (root / "checklist").exists()


def test_write_is_atomic_and_durable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Temp file in the shard directory, fsync of the file, rename, fsync of the directory."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        events.append(("fsync", kind))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append(("replace", f"{Path(src).parent == Path(dst).parent}:{Path(src).name[:5]}"))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    Filestore(tmp_path / "fs").write_blob(CONTENT)
    assert events == [("fsync", "file"), ("replace", "True:.tmp-"), ("fsync", "dir")]


def test_failed_write_leaves_neither_blob_nor_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", replace)
    root = tmp_path / "fs"
    with pytest.raises(StorageError, match=f"cannot write blob {root}/{SHA[:2]}/{SHA}: No space left"):
        Filestore(root).write_blob(CONTENT)
    assert files_under(root) == []


def test_different_content_under_the_name_is_a_collision_and_is_kept(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    blob = root / SHA[:2] / SHA
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"damaged")
    with pytest.raises(StorageError) as info:
        Filestore(root).write_blob(CONTENT)
    assert str(info.value) == f"The attachment collides with an existing file: {blob}"
    assert blob.read_bytes() == b"damaged"
    assert files_under(root) == [f"{SHA[:2]}/{SHA}"]


def test_prefix_of_the_content_is_not_the_same_content(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    blob = root / SHA[:2] / SHA
    blob.parent.mkdir(parents=True)
    blob.write_bytes(CONTENT[:-1])
    with pytest.raises(StorageError, match="collides"):
        Filestore(root).write_blob(CONTENT)
    blob.write_bytes(CONTENT + b"x")
    with pytest.raises(StorageError, match="collides"):
        Filestore(root).write_blob(CONTENT)


def test_replace_damaged_repairs_a_file_whose_hash_is_not_its_name(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    blob = root / SHA[:2] / SHA
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"damaged")
    result = Filestore(root).write_blob(CONTENT, replace_damaged=True)
    assert result == BlobWrite(f"{SHA[:2]}/{SHA}", SHA, created=True)
    assert blob.read_bytes() == CONTENT
    assert (root / "checklist" / SHA[:2] / SHA).is_file()


def test_replace_damaged_never_replaces_a_file_whose_hash_is_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Different bytes with the right SHA-1 would be a real collision: refused in every mode."""
    root = tmp_path / "fs"
    blob = root / SHA[:2] / SHA
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"colliding")
    monkeypatch.setattr(filestore, "file_sha1", lambda path: SHA)
    with pytest.raises(StorageError, match="collides with an existing file"):
        Filestore(root).write_blob(CONTENT, replace_damaged=True)
    assert blob.read_bytes() == b"colliding"


def test_large_blob_round_trips(tmp_path: Path) -> None:
    content = bytes(range(256)) * 5000  # several read chunks
    store = Filestore(tmp_path / "fs")
    fname = store.write_blob(content).store_fname
    assert store.read_blob(fname) == content
    assert not store.write_blob(content).created


def test_legacy_three_character_shard_is_reused_by_16_and_17_only(tmp_path: Path) -> None:
    root = tmp_path / "fs"
    legacy = root / SHA[:3] / SHA
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(CONTENT)
    store = Filestore(root)
    assert store.write_blob(CONTENT, legacy_shard=profile_for("16.0").legacy_shard) == BlobWrite(
        f"{SHA[:3]}/{SHA}", SHA, created=False
    )
    assert store.write_blob(CONTENT, legacy_shard=profile_for("17.0").legacy_shard) == BlobWrite(
        f"{SHA[:3]}/{SHA}", SHA, created=False
    )
    assert files_under(root) == [f"{SHA[:3]}/{SHA}"]
    assert store.write_blob(CONTENT, legacy_shard=profile_for("18.0").legacy_shard) == BlobWrite(
        f"{SHA[:2]}/{SHA}", SHA, created=True
    )
    assert files_under(root) == [f"{SHA[:2]}/{SHA}", f"{SHA[:3]}/{SHA}", f"checklist/{SHA[:2]}/{SHA}"]


def test_damaged_legacy_blob_is_a_collision_too(tmp_path: Path) -> None:
    legacy = tmp_path / "fs" / SHA[:3] / SHA
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"damaged")
    with pytest.raises(StorageError, match=f"collides with an existing file: {legacy}$"):
        Filestore(tmp_path / "fs").write_blob(CONTENT)


# --- reading, status, checklist ----------------------------------------------------------


def test_blob_status(tmp_path: Path) -> None:
    store = Filestore(tmp_path / "fs")
    fname = store.write_blob(CONTENT).store_fname
    assert store.blob_status(fname, SHA) == "ok"
    assert store.blob_status(fname, None) == "ok"
    assert store.blob_status(fname, OTHER_SHA) == "corrupt"
    store.path_for(fname).write_bytes(b"garbage")
    assert store.blob_status(fname, SHA) == "corrupt"
    store.path_for(fname).unlink()
    assert store.blob_status(fname, SHA) == "missing"
    assert store.blob_status(f"{SHA[:2]}", SHA) == "missing"  # a directory is not a blob


def test_read_blob_missing_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Filestore(tmp_path / "fs").read_blob(f"{SHA[:2]}/{SHA}")


def test_mark_for_gc_and_checklist_names(tmp_path: Path) -> None:
    store = Filestore(tmp_path / "fs")
    store.mark_for_gc(f"{SHA[:2]}/{SHA}")
    store.mark_for_gc(f"{OTHER_SHA[:3]}/{OTHER_SHA}")
    store.mark_for_gc(f"{SHA[:2]}/{SHA}")
    assert store.checklist() == sorted([f"{SHA[:2]}/{SHA}", f"{OTHER_SHA[:3]}/{OTHER_SHA}"])
    assert files_under(tmp_path / "fs") == sorted(
        [f"checklist/{SHA[:2]}/{SHA}", f"checklist/{OTHER_SHA[:3]}/{OTHER_SHA}"]
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")
def test_as_root_everything_created_belongs_to_the_filestore_owner(tmp_path: Path) -> None:
    import pwd

    root = tmp_path / "fs"
    root.mkdir()
    nobody = pwd.getpwnam("nobody")
    os.chown(root, nobody.pw_uid, nobody.pw_gid)
    Filestore(root).write_blob(CONTENT)
    for path in (
        root / SHA[:2],
        root / SHA[:2] / SHA,
        root / "checklist",
        root / "checklist" / SHA[:2] / SHA,
    ):
        assert (path.stat().st_uid, path.stat().st_gid) == (nobody.pw_uid, nobody.pw_gid), path


# --- garbage collection (real database) ----------------------------------------------------


def add_row(db: OdooTestDb, store_fname: str, **values: object) -> int:
    columns = {"name": "file.bin", "type": "binary", "store_fname": store_fname, **values}
    keys = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    [(new_id,)] = db.query(
        f"INSERT INTO ir_attachment ({keys}) VALUES ({marks}) RETURNING id", list(columns.values())
    )
    return int(new_id)


def test_gc_unlinks_unreferenced_checklisted_blobs_only(bare_odoo_db: OdooTestDb) -> None:
    store = Filestore(bare_odoo_db.filestore)
    kept = store.write_blob(CONTENT).store_fname
    gone = store.write_blob(OTHER).store_fname
    add_row(bare_odoo_db, kept, res_model="res.partner", res_id=3)
    # Unreferenced but not on the checklist: not the collector's business.
    unlisted = bare_odoo_db.filestore / "ab" / ("ab" + "0" * 38)
    unlisted.parent.mkdir(parents=True)
    unlisted.write_bytes(b"x")
    with bare_odoo_db.connect() as conn:
        assert collect_garbage(conn, store) == [gone]
    assert store.path_for(kept).read_bytes() == CONTENT
    assert not store.path_for(gone).exists()
    assert unlisted.exists()
    assert store.checklist() == []


def test_gc_keeps_a_blob_another_attachment_still_uses(bare_odoo_db: OdooTestDb) -> None:
    """A bundle row is removed while a non-bundle attachment has the same content."""
    store = Filestore(bare_odoo_db.filestore)
    with bare_odoo_db.connect() as conn:
        row = insert_bundle_row(conn, store, "/web/assets/1234567/web.assets_web.min.css", CONTENT)
        conn.commit()
    other = add_row(bare_odoo_db, f"{SHA[:2]}/{SHA}", name="copy.css", res_model="res.partner", res_id=3)
    with bare_odoo_db.connect() as conn:
        assert [r.id for r in att.delete_attachments(conn, store, [row.id])] == [row.id]
        conn.commit()
        assert store.checklist() == [f"{SHA[:2]}/{SHA}"]
        assert collect_garbage(conn, store) == []
        assert store.read_blob(f"{SHA[:2]}/{SHA}") == CONTENT
        assert store.checklist() == []
    bare_odoo_db.execute("DELETE FROM ir_attachment WHERE id = %s", (other,))
    store.mark_for_gc(f"{SHA[:2]}/{SHA}")
    with bare_odoo_db.connect() as conn:
        assert collect_garbage(conn, store) == [f"{SHA[:2]}/{SHA}"]
    assert files_under(bare_odoo_db.filestore) == []


def test_gc_waits_for_a_writer_and_never_takes_its_blob(bare_odoo_db: OdooTestDb) -> None:
    """Between writing the blob and committing the row, the collector cannot run."""
    store = Filestore(bare_odoo_db.filestore)
    with bare_odoo_db.connect() as writer, bare_odoo_db.connect() as collector:
        insert_bundle_row(writer, store, "/web/assets/1234567/web.assets_web.min.js", CONTENT)
        assert store.checklist() == [f"{SHA[:2]}/{SHA}"]
        assert collect_garbage(collector, store, lock_timeout="200ms") == []
        assert store.read_blob(f"{SHA[:2]}/{SHA}") == CONTENT
        assert store.checklist() == [f"{SHA[:2]}/{SHA}"]
        writer.commit()
        assert collect_garbage(collector, store) == []
        assert store.read_blob(f"{SHA[:2]}/{SHA}") == CONTENT
        assert store.checklist() == []


def test_gc_cannot_run_between_the_blob_write_and_the_insert(
    bare_odoo_db: OdooTestDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The blob is on disk and on the checklist before its row exists: a collector starting
    right then must wait instead of unlinking it."""
    store = Filestore(bare_odoo_db.filestore)
    real_write = Filestore.write_blob
    results: list[list[str]] = []
    with bare_odoo_db.connect() as writer, bare_odoo_db.connect() as collector:

        def write_then_collect(self: Filestore, content: bytes, *args: object, **kwargs: object) -> BlobWrite:
            written = real_write(self, content, *args, **kwargs)  # type: ignore[arg-type]
            results.append(collect_garbage(collector, self, lock_timeout="200ms"))
            return written

        monkeypatch.setattr(Filestore, "write_blob", write_then_collect)
        insert_bundle_row(writer, store, "/web/assets/1234567/web.assets_web.min.js", CONTENT)
        writer.commit()
    assert results == [[]]
    assert store.read_blob(f"{SHA[:2]}/{SHA}") == CONTENT


def test_gc_collects_the_blob_of_a_rolled_back_insert(bare_odoo_db: OdooTestDb) -> None:
    store = Filestore(bare_odoo_db.filestore)
    with bare_odoo_db.connect() as conn:
        insert_bundle_row(conn, store, "/web/assets/1234567/web.assets_web.min.js", CONTENT)
        conn.rollback()
        assert store.path_for(f"{SHA[:2]}/{SHA}").is_file()
        assert collect_garbage(conn, store) == [f"{SHA[:2]}/{SHA}"]
    assert files_under(bare_odoo_db.filestore) == []


def test_gc_only_the_names_given(bare_odoo_db: OdooTestDb) -> None:
    store = Filestore(bare_odoo_db.filestore)
    first = store.write_blob(CONTENT).store_fname
    second = store.write_blob(OTHER).store_fname
    with bare_odoo_db.connect() as conn:
        assert collect_garbage(conn, store, names=[second, "zz/" + "z" * 40]) == [second]
    assert store.checklist() == [first]
    assert store.path_for(first).is_file() and not store.path_for(second).exists()


def test_gc_does_nothing_when_attachments_live_in_the_database(bare_odoo_db: OdooTestDb) -> None:
    store = Filestore(bare_odoo_db.filestore)
    fname = store.write_blob(CONTENT).store_fname
    bare_odoo_db.execute(
        "INSERT INTO ir_config_parameter (key, value) VALUES ('ir_attachment.location', 'db')"
    )
    with bare_odoo_db.connect() as conn:
        assert storage_location(conn) == "db"
        assert collect_garbage(conn, store) == []
    assert store.path_for(fname).is_file() and store.checklist() == [fname]


def test_gc_commits_the_callers_transaction_first(bare_odoo_db: OdooTestDb) -> None:
    store = Filestore(bare_odoo_db.filestore)
    with bare_odoo_db.connect() as conn:
        conn.execute("INSERT INTO ir_config_parameter (key, value) VALUES ('x.y', 'z')")
        collect_garbage(conn, store)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert bare_odoo_db.query("SELECT value FROM ir_config_parameter WHERE key = 'x.y'") == [("z",)]


def test_gc_removes_stray_entries_without_touching_anything_else(bare_odoo_db: OdooTestDb) -> None:
    store = Filestore(bare_odoo_db.filestore)
    checklist = bare_odoo_db.filestore / "checklist"
    (checklist / "ab").mkdir(parents=True)
    (checklist / "stray").touch()  # directly in checklist/: names no blob
    (checklist / "ab" / ("ab" + "1" * 38)).touch()  # names a blob that is not there
    with bare_odoo_db.connect() as conn:
        assert collect_garbage(conn, store) == []
    assert files_under(bare_odoo_db.filestore) == []


def test_unreferenced_checklist_blobs_is_read_only(bare_odoo_db: OdooTestDb) -> None:
    store = Filestore(bare_odoo_db.filestore)
    kept = store.write_blob(CONTENT).store_fname
    gone = store.write_blob(OTHER).store_fname
    add_row(bare_odoo_db, kept)
    with bare_odoo_db.connect() as conn:
        assert store.unreferenced_checklist_blobs(conn) == [gone]
    assert store.path_for(gone).is_file() and store.checklist() == sorted([kept, gone])
