"""Odoo's sharded filestore: `<data_dir>/filestore/<db>/<sha1[:2]>/<sha1>` plus the GC checklist.

Blobs are content-addressed and never rewritten. Nothing here deletes a blob on its own:
removals go through checklist entries and `collect_garbage`, which deletes only blobs no
ir_attachment row references, under the same table lock Odoo's collector takes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psycopg
from psycopg import sql

from odoo_assets.errors import StorageError
from odoo_assets.storage.database import Conn

BlobStatus = Literal["ok", "missing", "corrupt"]

CHUNK = 1 << 16
CHECKLIST = "checklist"
# Odoo checks names against ir_attachment in chunks of this size.
GC_CHUNK = 1000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BlobWrite:
    """Where content went: its store_fname, SHA-1, and whether a file was written."""

    store_fname: str
    sha1: str
    created: bool


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once: blobs get the permissions a file created by the Odoo process would get.
FILE_MODE = 0o666 & ~_current_umask()


def _owner(path: Path) -> tuple[int, int]:
    """uid/gid of the nearest existing directory at or above path."""
    for candidate in (path, *path.parents):
        try:
            info = candidate.stat()
        except OSError:
            continue
        return info.st_uid, info.st_gid
    return os.geteuid(), os.getegid()


def _adopt(path: Path, owner: tuple[int, int]) -> None:
    """Run as root, give what we create to the filestore's owner (the user Odoo runs as),
    so that Odoo can read it and its garbage collector can delete it."""
    if os.geteuid() == 0 and owner[0] != 0:
        os.chown(path, *owner)


def _make_dirs(path: Path) -> None:
    missing = [p for p in (path, *path.parents) if not p.exists()][::-1]
    owner = _owner(path)
    for directory in missing:
        directory.mkdir(exist_ok=True)
        _adopt(directory, owner)


def _sanitize(store_fname: str) -> str:
    """Odoo's `_full_path` cleaning: every dot removed, outer slashes and backslashes stripped."""
    return store_fname.replace(".", "").strip("/\\")


def file_sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _same_content(path: Path, content: bytes) -> bool:
    view = memoryview(content)
    offset = 0
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if chunk != view[offset : offset + CHUNK]:
                return False
            if not chunk:
                return True
            offset += len(chunk)


@dataclass(frozen=True)
class Filestore:
    """The filestore directory of one database."""

    root: Path

    def path_for(self, store_fname: str) -> Path:
        """Odoo's `_full_path`, refusing anything that does not name a file inside the root."""
        cleaned = _sanitize(store_fname)
        root = os.path.abspath(self.root)
        path = os.path.abspath(os.path.join(root, cleaned))
        if not cleaned or os.path.commonpath([path, root]) != root or path == root:
            raise StorageError(f"store_fname {store_fname!r} does not name a file inside {self.root}")
        return Path(path)

    @staticmethod
    def store_fname_for(sha1: str) -> str:
        return f"{sha1[:2]}/{sha1}"

    def _target(self, sha1: str, legacy_shard: bool) -> str:
        """Series up to 17.0 keep using a blob already stored in the old 3-character shard."""
        if legacy_shard:
            legacy = f"{sha1[:3]}/{sha1}"
            if self.path_for(legacy).is_file():
                return legacy
        return self.store_fname_for(sha1)

    def write_blob(
        self, content: bytes, *, legacy_shard: bool = True, replace_damaged: bool = False
    ) -> BlobWrite:
        """Store content under its SHA-1, atomically, with a checklist entry when a file is written.

        An existing file with the same bytes is left alone (no checklist entry, as in Odoo).
        An existing file with other bytes is never overwritten: StorageError, as Odoo's
        "collides" error. With replace_damaged, a file whose own SHA-1 no longer matches its
        name (so every row naming it is already broken) is replaced by the right content.
        """
        sha1 = hashlib.sha1(content).hexdigest()
        store_fname = self._target(sha1, legacy_shard)
        path = self.path_for(store_fname)
        try:
            if path.is_file():
                if _same_content(path, content):
                    return BlobWrite(store_fname, sha1, created=False)
                if not replace_damaged or file_sha1(path) == sha1:
                    raise StorageError(f"The attachment collides with an existing file: {path}")
                log.warning("replacing damaged blob %s", path)
            self._write_new(path, content)
            self.mark_for_gc(store_fname)
        except OSError as exc:
            raise StorageError(f"cannot write blob {path}: {exc.strerror or exc}") from None
        return BlobWrite(store_fname, sha1, created=True)

    def _write_new(self, path: Path, content: bytes) -> None:
        """Temp file in the same directory, fsync, rename over, fsync the directory."""
        _make_dirs(path.parent)
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fchmod(handle.fileno(), FILE_MODE)  # mkstemp makes it private
                os.fsync(handle.fileno())
            _adopt(Path(tmp_name), _owner(path.parent))
            # A concurrent writer may have won the race: same name means same bytes.
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)

    def checklist_path(self, store_fname: str) -> Path:
        cleaned = _sanitize(store_fname)
        if not cleaned:
            raise StorageError(f"store_fname {store_fname!r} does not name a file inside {self.root}")
        return self.path_for(CHECKLIST) / cleaned

    def mark_for_gc(self, store_fname: str) -> None:
        """Ask the garbage collector to look at this blob once the transaction is over."""
        entry = self.checklist_path(store_fname)
        if entry.exists():
            return
        _make_dirs(entry.parent)
        entry.touch()
        _adopt(entry, _owner(entry.parent))

    def still_there(self, blob: BlobWrite, size: int) -> bool:
        """Whether a blob written earlier in this run is still in place (the collector may
        have removed it before the row naming it was locked in): its name and size match."""
        try:
            return self.path_for(blob.store_fname).stat().st_size == size
        except OSError:
            return False

    def read_blob(self, store_fname: str) -> bytes:
        """The blob's bytes; OSError (FileNotFoundError) when it is not there."""
        return self.path_for(store_fname).read_bytes()

    def where(self, store_fname: str) -> str:
        """Where a blob is looked for, for messages."""
        return str(self.root)

    def blob_status(self, store_fname: str, checksum: str | None) -> BlobStatus:
        """ok, missing, or corrupt (the file's SHA-1 is not the row's checksum)."""
        try:
            digest = file_sha1(self.path_for(store_fname))
        except OSError:
            return "missing"
        if checksum and digest != checksum:
            return "corrupt"
        return "ok"

    def checklist_entries(self) -> dict[str, Path]:
        """store_fname → checklist file, named as Odoo's collector names them
        (`<directory name>/<file name>`)."""
        base = self.root / CHECKLIST
        entries: dict[str, Path] = {}
        for dirpath, _dirs, filenames in os.walk(base):
            for filename in filenames:
                entries[f"{os.path.basename(dirpath)}/{filename}"] = Path(dirpath) / filename
        return entries

    def checklist(self) -> list[str]:
        """store_fnames waiting in the checklist, sorted."""
        return sorted(self.checklist_entries())

    def unreferenced_checklist_blobs(self, conn: Conn) -> list[str]:
        """Checklisted blobs that exist and no ir_attachment row references (read only)."""
        names = [n for n in self.checklist() if _is_blob_name(n) and self.path_for(n).is_file()]
        if not names:
            return []
        referenced = _referenced(conn, names)
        return [n for n in names if n not in referenced]


def _is_blob_name(name: str) -> bool:
    # A file lying directly in checklist/ gets the name "checklist/<file>": not a blob.
    return not name.startswith(f"{CHECKLIST}/")


def _referenced(conn: Conn, names: list[str]) -> set[str]:
    referenced: set[str] = set()
    with conn.cursor() as cur:
        for start in range(0, len(names), GC_CHUNK):
            chunk = names[start : start + GC_CHUNK]
            cur.execute("SELECT store_fname FROM ir_attachment WHERE store_fname = ANY(%s)", (chunk,))
            referenced.update(str(row[0]) for row in cur.fetchall())
    return referenced


def storage_location(conn: Conn) -> Literal["file", "db"]:
    """`db` only when ir_config_parameter `ir_attachment.location` is exactly `db`."""
    with conn.cursor() as cur:
        cur.execute("SELECT value FROM ir_config_parameter WHERE key = 'ir_attachment.location'")
        row = cur.fetchone()
    return "db" if row and row[0] == "db" else "file"


def collect_garbage(
    conn: Conn,
    filestore: Filestore,
    names: Iterable[str] | None = None,
    *,
    lock_timeout: str = "10s",
) -> list[str]:
    """Odoo's filestore collector: unlink checklisted blobs that no ir_attachment row names.

    Commits the caller's transaction first (as Odoo does), then works in a transaction
    that starts with `LOCK ir_attachment IN SHARE MODE`: no row can be inserted, changed
    or deleted while it decides, and writers still in progress make it wait. It gives up
    quietly (returns []) when the lock is not granted within lock_timeout, and does
    nothing when attachments are stored in the database. `names` limits the run to those
    checklist entries. Processed entries leave the checklist (except when a blob could not
    be unlinked). Returns the store_fnames whose blob was unlinked.
    """
    conn.commit()
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(lock_timeout)))
        try:
            cur.execute("LOCK ir_attachment IN SHARE MODE")
        except psycopg.errors.LockNotAvailable:
            conn.rollback()
            return []
    try:
        if storage_location(conn) != "file":
            conn.commit()
            return []
        entries = filestore.checklist_entries()
        if names is not None:
            wanted = set(names)
            entries = {name: entry for name, entry in entries.items() if name in wanted}
        blob_names = sorted(name for name in entries if _is_blob_name(name))
        referenced = _referenced(conn, blob_names)
        removed: list[str] = []
        for name in sorted(entries):
            if _is_blob_name(name) and name not in referenced:
                try:
                    filestore.path_for(name).unlink()
                    removed.append(name)
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    # Keep the entry so that a later run tries again.
                    log.warning("cannot unlink %s: %s", filestore.path_for(name), exc.strerror or exc)
                    continue
            entries[name].unlink(missing_ok=True)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return removed
