"""Reading the contents of a resolved bundle's entries: files on disk or ir_attachment rows.

This is the only place between resolution and compilation that touches the disk or the
database, so compilation stays a pure function of its inputs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from odoo_assets.compilation import SourceAsset
from odoo_assets.errors import ResolutionError
from odoo_assets.resolution import ASSET_EXTENSIONS, BundleEntry

if TYPE_CHECKING:
    # Types only: reading files must not load the database driver (offline compile).
    from odoo_assets.storage.blobstores import BlobReader
    from odoo_assets.storage.database import StoredFile

StoredFileLookup = Callable[[str], "StoredFile | None"]


def _inside(path: str, roots: Iterable[str], real_dirs: dict[str, str]) -> bool:
    """Whether the real file (symlinks followed) lies under one of the real roots.

    `real_dirs` memoises the directories' real paths: a bundle's files share few directories,
    and resolving each file's whole path costs one lstat per component.
    """
    directory, name = os.path.split(path)
    real = os.path.join(_real_dir(directory, real_dirs), name)
    if os.path.islink(real):
        real = os.path.realpath(real)
    return any(real.startswith(root) for root in roots)


def _real_dir(directory: str, real_dirs: dict[str, str]) -> str:
    if directory not in real_dirs:
        real_dirs[directory] = os.path.realpath(directory)
    return real_dirs[directory]


def read_file_entry(entry: BundleEntry, roots: Sequence[str], real_dirs: dict[str, str]) -> SourceAsset:
    """Read an on-disk asset; only asset extensions inside an addons path are opened.

    `roots` are the real (symlink-resolved) addons paths, each ending with a separator.
    """
    path = entry.filename
    assert path is not None
    inside = _inside(path, roots, real_dirs)
    if os.path.splitext(path)[1][1:] not in ASSET_EXTENSIONS or not inside:
        raise ResolutionError(
            f"bundle {entry.bundle!r}: {entry.url} is outside the addons paths or not an asset"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        # No newline translation and a BOM kept as U+FEFF, as Odoo reads them.
        return SourceAsset(url=entry.url, content=data.decode("utf-8"))
    except FileNotFoundError:
        raise ResolutionError(f"bundle {entry.bundle!r}: file {path} disappeared") from None
    except UnicodeDecodeError as exc:
        raise ResolutionError(
            f"bundle {entry.bundle!r}: {path} is not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    except OSError as exc:
        raise ResolutionError(f"bundle {entry.bundle!r}: cannot read {path}: {exc.strerror}") from None


def read_attachment_entry(
    entry: BundleEntry, lookup: StoredFileLookup, blobs: BlobReader | None
) -> SourceAsset:
    """Read an attachment-URL entry (website customisations, DB-only files), wherever its
    content lives (db_datas, filestore, object storage).

    Without an attachment at that URL (a missing file, a path outside static/, a stale
    ir.asset row) the content is None: compilation puts Odoo's error in its place, as Odoo
    still builds and serves the bundle. The path itself is never opened.
    """
    stored = lookup(entry.url)
    if stored is None:
        return SourceAsset(url=entry.url, content=None)
    if stored.store_fname:
        if blobs is None:
            raise ResolutionError(f"bundle {entry.bundle!r}: {entry.url} is in a filestore, and none is open")
        try:
            data = blobs.read_blob(stored.store_fname)
        except OSError:
            raise ResolutionError(
                f"bundle {entry.bundle!r}: blob {stored.store_fname} of attachment"
                f" {stored.id} ({entry.url}) is missing from {blobs.where(stored.store_fname)}"
            ) from None
    else:
        data = stored.db_datas or b""
    try:
        return SourceAsset(url=entry.url, content=data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ResolutionError(
            f"bundle {entry.bundle!r}: attachment {stored.id} ({entry.url}) is not UTF-8"
        ) from None


def load_sources(
    entries: Sequence[BundleEntry],
    *,
    addons_paths: Sequence[Path],
    lookup: StoredFileLookup,
    blobs: BlobReader | None,
    file_cache: dict[str, SourceAsset] | None = None,
    real_dirs: dict[str, str] | None = None,
) -> list[SourceAsset]:
    """The compilation input for the given (non-external) entries, in bundle order.

    `file_cache` (filename → source) lets one run read each file once, whatever the number
    of bundles and websites that contain it; `real_dirs` (directory → real path) likewise
    spares resolving the same directories again.
    """
    cache = {} if file_cache is None else file_cache
    real_dirs = {} if real_dirs is None else real_dirs
    roots = [_real_dir(str(path), real_dirs) + os.sep for path in addons_paths]
    sources = []
    for entry in entries:
        if entry.kind == "file":
            assert entry.filename is not None
            if entry.filename not in cache:
                cache[entry.filename] = read_file_entry(entry, roots, real_dirs)
            sources.append(cache[entry.filename])
        elif entry.kind == "attachment":
            sources.append(read_attachment_entry(entry, lookup, blobs))
    return sources
