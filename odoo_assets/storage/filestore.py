"""Odoo's sharded filestore: `<data_dir>/filestore/<db>/<sha1[:2]>/<sha1>` plus the GC checklist.

Blobs are content-addressed and never rewritten. Nothing here deletes a blob that an
ir_attachment row references: removals go through the checklist, as Odoo's own do.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from odoo_assets.errors import StorageError

CHUNK = 1 << 16
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BlobWrite:
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


def _same_content(path: Path, content: bytes) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(content) + 1) == content


@dataclass(frozen=True)
class Filestore:
    """The filestore directory of one database."""

    root: Path

    def path_for(self, store_fname: str) -> Path:
        """Odoo's `_full_path`: dots removed, slashes stripped, kept inside the root."""
        cleaned = store_fname.replace(".", "").strip("/\\")
        path = self.root / cleaned
        if os.path.commonpath([os.path.abspath(path), os.path.abspath(self.root)]) != str(
            os.path.abspath(self.root)
        ):
            raise StorageError(f"store_fname {store_fname!r} escapes the filestore {self.root}")
        return path

    @staticmethod
    def store_fname_for(sha1: str) -> str:
        return f"{sha1[:2]}/{sha1}"

    def write_blob(self, content: bytes, series: str = "17.0") -> BlobWrite:
        """Store content under its SHA-1, atomically; an identical blob is reused as is,
        a damaged one is replaced."""
        sha1 = hashlib.sha1(content).hexdigest()
        store_fname = self.store_fname_for(sha1)
        if series in ("16.0", "17.0"):
            legacy = f"{sha1[:3]}/{sha1}"
            if self.path_for(legacy).is_file():
                store_fname = legacy
        path = self.path_for(store_fname)
        if path.is_file():
            if _same_content(path, content):
                return BlobWrite(store_fname, sha1, created=False)
            # The name is the SHA-1 of the content, so a different file there is a damaged
            # copy of this very content: replacing it can only repair other references.
            log.warning("replacing corrupt blob %s", path)
        try:
            _make_dirs(path.parent)
            fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(content)
                    handle.flush()
                    os.fchmod(handle.fileno(), FILE_MODE)  # mkstemp makes it private
                    os.fsync(handle.fileno())
                _adopt(Path(tmp_name), _owner(path.parent))
                # A concurrent writer may have won the race: same name means same content.
                os.replace(tmp_name, path)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
            _fsync_dir(path.parent)
            self.mark_for_gc(store_fname)
        except OSError as exc:
            raise StorageError(f"cannot write blob {path}: {exc.strerror or exc}") from None
        return BlobWrite(store_fname, sha1, created=True)

    def checklist_path(self, store_fname: str) -> Path:
        return self.root / "checklist" / store_fname.replace(".", "").strip("/\\")

    def mark_for_gc(self, store_fname: str) -> None:
        """Tell Odoo's collector to look at this blob once the transaction is over."""
        entry = self.checklist_path(store_fname)
        _make_dirs(entry.parent)
        entry.touch()
        _adopt(entry, _owner(entry.parent))

    def read_blob(self, store_fname: str) -> bytes:
        return self.path_for(store_fname).read_bytes()

    def blob_status(self, store_fname: str, checksum: str | None) -> str:
        """ok, missing or corrupt (content no longer matches the row's SHA-1)."""
        path = self.path_for(store_fname)
        digest = hashlib.sha1()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            return "missing"
        except OSError:
            return "missing"
        if checksum and digest.hexdigest() != checksum:
            return "corrupt"
        return "ok"

    def checklist(self) -> list[str]:
        """store_fnames waiting in the checklist."""
        base = self.root / "checklist"
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(base)).replace(os.sep, "/") for p in base.rglob("*") if p.is_file())

    def unreferenced_checklist_blobs(self, conn: psycopg.Connection[Any]) -> list[str]:
        """Checklist entries whose blob exists and no ir_attachment row references (read only)."""
        names = [n for n in self.checklist() if self.path_for(n).is_file()]
        if not names:
            return []
        with conn.cursor() as cur:
            cur.execute("SELECT store_fname FROM ir_attachment WHERE store_fname = ANY(%s)", (names,))
            referenced = {row[0] for row in cur.fetchall()}
        return [n for n in names if n not in referenced]


def collect_garbage(conn: psycopg.Connection[Any], filestore: Filestore) -> list[str]:
    """Odoo's filestore GC: unlink checklisted blobs that no row references.

    Runs in its own transaction under `LOCK ir_attachment IN SHARE MODE`, so no row can be
    inserted or changed while it decides; gives up quietly when the lock is not granted.
    """
    conn.commit()
    removed: list[str] = []
    with conn.cursor() as cur:
        cur.execute("SET LOCAL lock_timeout = '10s'")
        try:
            cur.execute("LOCK ir_attachment IN SHARE MODE")
        except psycopg.errors.LockNotAvailable:
            conn.rollback()
            return removed
        names = filestore.checklist()
        referenced: set[str] = set()
        for start in range(0, len(names), 1000):
            chunk = names[start : start + 1000]
            cur.execute("SELECT store_fname FROM ir_attachment WHERE store_fname = ANY(%s)", (chunk,))
            referenced.update(row[0] for row in cur.fetchall())
        for name in names:
            if name not in referenced:
                try:
                    filestore.path_for(name).unlink()
                    removed.append(name)
                except FileNotFoundError:
                    pass
            filestore.checklist_path(name).unlink(missing_ok=True)
    conn.commit()
    return removed
