"""Where a bundle's bytes live, per database: the filestore, the row's db_datas, or an object
storage reached through fsspec (fs_storage's storages, camptocamp's S3 bucket).

`BlobStores` answers for one database: where a new blob of some mimetype and size goes
(`route`), how to read and verify the blob a row names (`status`, `read_blob`), and how to
hand a blob nobody may need any more to the right garbage collector (`mark_for_gc`: the
filestore's checklist, or fs_attachment's `fs_file_gc` table).

Writing to an object storage, the guarantee is the filestore's: a committed row always has its
object; an object without a row is garbage its collector removes. So: the rows' ids are drawn
first (an object's name contains its row's id), the objects are put on fs_file_gc in a
separate, committed transaction, then the rows are inserted and the objects uploaded inside
the storing transaction, before its commit (see `RemoteWrite`).

Credentials (fs_storage options, AWS_* variables) never reach a message: every string of a
storage's options is masked in the errors raised here.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from odoo_assets.errors import StorageError
from odoo_assets.storage import objectstorage as obj
from odoo_assets.storage.database import Conn
from odoo_assets.storage.filestore import BlobStatus, Filestore
from odoo_assets.storage.server_env import ServerEnvironment

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

log = logging.getLogger(__name__)

SUPERUSER_ID = 1
S3_EXTRA = "pip install 'odoo-assets[s3]'"


class GcMarker(Protocol):
    """What row deletions hand their blobs to (the filestore, or BlobStores)."""

    def mark_for_gc(self, store_fname: str) -> None: ...


class BlobReader(Protocol):
    """What reading an attachment's content needs (the filestore, or BlobStores)."""

    def read_blob(self, store_fname: str) -> bytes: ...

    def where(self, store_fname: str) -> str: ...


def _mask(text: str, secrets: Sequence[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _reason(exc: BaseException, secrets: Sequence[str]) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return _mask(lines[0] if lines else type(exc).__name__, secrets)


@dataclass
class FsspecStore:
    """One object storage: objects named `<code>://<path>` live at `<root>/<path>`."""

    code: str
    protocol: str
    options: Mapping[str, Any] = field(repr=False)
    root: str
    local_root: str | None = None  # the `odoofs` protocol: a directory under the filestore
    gc_table: bool = True  # fs_attachment's fs_file_gc; camptocamp's addons have no collector
    _fs: AbstractFileSystem | None = field(default=None, repr=False)

    @property
    def secrets(self) -> list[str]:
        return obj.secret_values(self.options)

    def filesystem(self) -> AbstractFileSystem:
        if self._fs is None:
            try:
                import fsspec
            except ImportError:
                raise StorageError(
                    f"storage {self.code!r} keeps attachments in object storage ({self.protocol}):"
                    f" install the s3 extra ({S3_EXTRA})"
                ) from None
            try:
                if self.local_root is not None:
                    self._fs = fsspec.filesystem("file", auto_mkdir=True)
                else:
                    self._fs = fsspec.filesystem(self.protocol, **dict(self.options))
            except Exception as exc:
                hint = f" ({S3_EXTRA})" if isinstance(exc, ImportError) else ""
                raise StorageError(
                    f"storage {self.code!r}: cannot open protocol {self.protocol!r}:"
                    f" {_reason(exc, self.secrets)}{hint}"
                ) from None
        return self._fs

    def path_of(self, store_fname: str) -> str:
        prefix = f"{self.code}://"
        if not store_fname.startswith(prefix):
            raise StorageError(f"{store_fname!r} is not an object of storage {self.code!r}")
        return self.key(store_fname[len(prefix) :])

    def key(self, path: str) -> str:
        root = self.local_root if self.local_root is not None else self.root
        return obj.object_key(root, path)

    def _error(self, action: str, key: str, exc: BaseException) -> StorageError:
        return StorageError(f"storage {self.code!r}: cannot {action} {key}: {_reason(exc, self.secrets)}")

    def read(self, store_fname: str) -> bytes:
        """The object's bytes; FileNotFoundError when it is not there."""
        key = self.path_of(store_fname)
        try:
            return bytes(self.filesystem().cat_file(key))
        except FileNotFoundError:
            raise FileNotFoundError(key) from None
        except Exception as exc:  # each backend has its own errors (botocore's are not OSErrors)
            raise self._error("read", key, exc) from None

    def status(self, store_fname: str, checksum: str | None) -> BlobStatus:
        try:
            content = self.read(store_fname)
        except FileNotFoundError:
            return "missing"
        if checksum and hashlib.sha1(content).hexdigest() != checksum:
            return "corrupt"
        return "ok"

    def write(self, path: str, content: bytes) -> None:
        key = self.key(path)
        try:
            self.filesystem().pipe_file(key, content)
        except Exception as exc:
            raise self._error("write", key, exc) from None

    def has(self, store_fname: str) -> bool:
        key = self.path_of(store_fname)
        try:
            return bool(self.filesystem().exists(key))
        except Exception as exc:
            raise self._error("look up", key, exc) from None

    def where(self, store_fname: str) -> str:
        return f"storage {self.code!r} ({self.protocol})"


@dataclass(frozen=True)
class DatabaseStore:
    """Content kept in the row itself (db_datas)."""

    conn: Conn

    def read(self, attachment_id: int) -> bytes | None:
        with self.conn.cursor() as cur:
            cur.execute("SELECT db_datas FROM ir_attachment WHERE id = %s", (attachment_id,))
            row = cur.fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def status(self, attachment_id: int, checksum: str | None) -> BlobStatus:
        content = self.read(attachment_id)
        if content is None:
            return "missing"
        return "ok" if hashlib.sha1(content).hexdigest() == checksum else "corrupt"


@dataclass
class RemoteWrite:
    """The rows of one content in an object storage: their ids (drawn beforehand), the
    columns each row gets, and the objects to upload once the rows are inserted."""

    store: FsspecStore
    ids: list[int]
    columns: dict[str, list[Any]]  # column → one value per row
    objects: dict[str, bytes]  # path → content
    gc_names: list[str]

    def mark_again(self, conn: Conn) -> None:
        if self.gc_names:
            _insert_gc(conn, self.gc_names)

    def upload(self) -> None:
        for path, content in self.objects.items():
            self.store.write(path, content)


@dataclass
class BlobStores:
    """The blob stores of one database and the rules choosing between them."""

    conn: Conn
    filestore: Filestore
    location: str  # ir_attachment.location as core Odoo reads it: file or db
    fs: obj.FsAttachmentSetup | None = None
    camptocamp: obj.CamptocampS3 | None = None
    disabled: bool = False
    open_side_connection: Callable[[], Conn] | None = field(default=None, repr=False)
    _remotes: dict[str, FsspecStore] = field(default_factory=dict, repr=False)
    _side: Conn | None = field(default=None, repr=False)

    @property
    def database(self) -> DatabaseStore:
        return DatabaseStore(self.conn)

    def route(self, mimetype: str, size: int) -> obj.Destination:
        return obj.route(
            location=self.location,
            fs=self.fs,
            camptocamp=self.camptocamp,
            disabled=self.disabled,
            mimetype=mimetype,
            size=size,
        )

    # --- Reading --------------------------------------------------------------------------------

    def remote_for(self, store_fname: str) -> FsspecStore | None:
        """The object storage a store_fname names (`<code>://...`), if any."""
        code, sep, _rest = store_fname.partition("://")
        if not sep:
            return None
        return self.remote(code, missing_ok=True)

    def remote(self, code: str, *, missing_ok: bool = False) -> FsspecStore | None:
        if code not in self._remotes:
            store = self._make_remote(code)
            if store is None:
                if missing_ok:
                    return None
                raise StorageError(f"no storage with code {code!r} in this database")
            self._remotes[code] = store
        return self._remotes[code]

    def _make_remote(self, code: str) -> FsspecStore | None:
        storage = self.fs.by_code(code) if self.fs is not None else None
        if storage is not None:
            local = None
            if storage.protocol == "odoofs":
                local = os.path.join(self.filestore.root, "storage")
                if storage.directory_path:
                    local = os.path.join(local, storage.directory_path)
            return FsspecStore(code, storage.protocol, storage.options, storage.directory_path, local)
        if self.camptocamp is not None and code == "s3":
            return FsspecStore("s3", "s3", self.camptocamp.options, "", gc_table=False)
        return None

    def status(self, store_fname: str, checksum: str | None) -> BlobStatus:
        remote = self.remote_for(store_fname)
        if remote is not None:
            # With storages disabled the server cannot read objects: for it they are missing.
            return "missing" if self.disabled else remote.status(store_fname, checksum)
        return self.filestore.blob_status(store_fname, checksum)

    def read_blob(self, store_fname: str) -> bytes:
        """The bytes a store_fname names; OSError (FileNotFoundError) when it is not there."""
        remote = self.remote_for(store_fname)
        if remote is not None:
            if self.disabled:
                raise FileNotFoundError(f"{store_fname} (attachment storages are disabled)")
            return remote.read(store_fname)
        return self.filestore.read_blob(store_fname)

    def where(self, store_fname: str) -> str:
        remote = self.remote_for(store_fname)
        return remote.where(store_fname) if remote is not None else str(self.filestore.root)

    # --- Garbage ------------------------------------------------------------------------------

    def lock_gc_table(self, conn: Conn) -> None:
        """Before a transaction writes ir_attachment: fs_file_gc first, in the order the
        addon's collector locks them, so that the two cannot deadlock."""
        if self.fs is not None:
            with conn.cursor() as cur:
                cur.execute("LOCK TABLE fs_file_gc IN ROW EXCLUSIVE MODE")

    def mark_for_gc(self, store_fname: str) -> None:
        """In the caller's transaction: a row naming this blob went or is going."""
        remote = self.remote_for(store_fname)
        if remote is None:
            self.filestore.mark_for_gc(store_fname)
        elif remote.gc_table and not self.disabled:
            _insert_gc(self.conn, [store_fname])
        # camptocamp's addons have no collector, and with storages disabled (a copy of a
        # production database, say) objects are none of this server's business: left in place.

    def unreferenced(self, conn: Conn) -> list[str]:
        """Blobs waiting for a collector that exist and no row names (read only)."""
        names = self.filestore.unreferenced_checklist_blobs(conn)
        if self.fs is None or self.disabled:
            return names
        with conn.cursor() as cur:
            cur.execute(
                "SELECT g.store_fname FROM fs_file_gc g WHERE NOT EXISTS ("
                " SELECT 1 FROM ir_attachment a WHERE a.store_fname = g.store_fname)"
                " ORDER BY g.store_fname"
            )
            candidates = [str(name) for (name,) in cur.fetchall()]
        for name in candidates:
            remote = self.remote_for(name)
            if remote is not None and remote.has(name):
                names.append(name)
        return names

    # --- Writing ------------------------------------------------------------------------------

    def plan_remote(self, code: str, *, name: str, mimetype: str, content: bytes, count: int) -> RemoteWrite:
        """Draw `count` row ids and name their objects; the names go on fs_file_gc at once,
        in their own committed transaction, so that an upload whose rows never commit is
        collected. Call before the storing transaction locks ir_attachment."""
        store = self.remote(code)
        assert store is not None
        sha1 = hashlib.sha1(content).hexdigest()
        ids = _draw_ids(self.conn, count)
        columns: dict[str, list[Any]] = {"store_fname": []}
        objects: dict[str, bytes] = {}
        if self.fs is not None:
            storage = self.fs.by_code(code)
            assert storage is not None
            for column in ("fs_filename", "fs_storage_id", "fs_storage_code", "fs_url"):
                columns[column] = []
            for attachment_id in ids:
                named = obj.object_name(storage, sha1, name, attachment_id, mimetype)
                objects[named.path] = content
                columns["store_fname"].append(named.store_fname(code))
                columns["fs_filename"].append(named.fs_filename)
                columns["fs_storage_id"].append(storage.id)
                columns["fs_storage_code"].append(code)
                columns["fs_url"].append(named.fs_url)
        else:
            assert self.camptocamp is not None
            path = f"{self.camptocamp.bucket}/{sha1}"
            objects[path] = content
            columns["store_fname"] = [f"s3://{path}"] * count
        gc_names = sorted(set(columns["store_fname"])) if store.gc_table else []
        if gc_names:
            self._mark_committed(gc_names)
        return RemoteWrite(store, ids, columns, objects, gc_names)

    def _mark_committed(self, names: list[str]) -> None:
        if self.open_side_connection is None:
            raise StorageError("no connection to record objects for the storage's garbage collector")
        if self._side is None or self._side.closed:
            self._side = self.open_side_connection()
            self._side.autocommit = True
        _insert_gc(self._side, names)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _draw_ids(conn: Conn, count: int) -> list[int]:
    """Ids from ir_attachment's own sequence, in increasing order (a sequence is outside
    transactions: an id drawn for a row that never commits is simply skipped)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence('ir_attachment', 'id')) FROM generate_series(1, %s)",
            (count,),
        )
        return sorted(int(row[0]) for row in cur.fetchall())


def _insert_gc(conn: Conn, names: Sequence[str]) -> None:
    """fs_attachment's `_mark_for_gc`: one fs_file_gc row per name, existing ones kept."""
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO fs_file_gc (store_fname, fs_storage_code, create_date, write_date,"
            " create_uid, write_uid)"
            " SELECT n, split_part(n, '://', 1), now() at time zone 'UTC', now() at time zone 'UTC', %s, %s"
            " FROM unnest(%s::varchar[]) AS n ON CONFLICT DO NOTHING",
            (SUPERUSER_ID, SUPERUSER_ID, list(names)),
        )


def open_blob_stores(
    conn: Conn,
    *,
    dbname: str,
    filestore: Filestore,
    location: str,
    server_env: Callable[[], ServerEnvironment],
    environ: Mapping[str, str],
    open_side_connection: Callable[[], Conn],
) -> BlobStores:
    """Detect the object-storage addons of a database; a database without them gets the
    filestore and db_datas only, as before. `server_env` loads the server environment
    (only read when fs_attachment is installed)."""
    fs = None
    if obj.fs_attachment_installed(conn):
        fs = obj.read_fs_attachment(conn, dbname, server_env(), environ)
    camptocamp = obj.read_camptocamp(conn, dbname, environ) if fs is None else None
    disabled = obj.storage_disabled(environ) if (fs or camptocamp) else False
    return BlobStores(
        conn,
        filestore,
        location,
        fs=fs,
        camptocamp=camptocamp,
        disabled=disabled,
        open_side_connection=open_side_connection,
    )


__all__ = [
    "BlobReader",
    "BlobStores",
    "DatabaseStore",
    "FsspecStore",
    "GcMarker",
    "RemoteWrite",
    "open_blob_stores",
]
