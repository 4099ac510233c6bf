"""A compilation cache keyed by content, shared by runs, websites and databases.

The key covers everything compilation depends on (the ordered inputs' urls and contents,
series, direction, debug, the source map URL, the tool version, the versions of the
compiling libraries, the rtlcss and lessc executables where they are used), so a hit is
always valid.
Entries are written atomically (temporary file + rename), carry their own checksum so a damaged
entry is detected and dropped, and the directory is pruned to a size bound, oldest use first.
Several processes may share one directory.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from odoo_assets import __version__
from odoo_assets.compilation import CompiledFile, CompileOptions, SourceAsset

DEFAULT_MAX_BYTES = 512 * 1024 * 1024


@functools.cache
def library_versions() -> tuple[str, ...]:
    """libsass, rjsmin, rcssmin and lxml change output bytes between releases."""
    versions = []
    for name in ("libsass", "rjsmin", "rcssmin", "lxml"):
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    return tuple(versions)


def default_cache_dir(env: dict[str, str] | None = None) -> Path:
    """$ODOO_ASSETS_CACHE_DIR, else $XDG_CACHE_HOME/odoo-assets, else ~/.cache/odoo-assets."""
    env = dict(os.environ) if env is None else env
    if env.get("ODOO_ASSETS_CACHE_DIR"):
        return Path(env["ODOO_ASSETS_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", "/tmp")) / ".cache")
    return Path(base) / "odoo-assets"


def compilation_key(
    bundle: str,
    asset_type: str,
    assets: Sequence[SourceAsset],
    options: CompileOptions,
    *,
    rtl: bool,
    debug: bool,
    map_url: str | None,
) -> str:
    digest = hashlib.sha256()
    head = (
        __version__,
        library_versions(),
        bundle,
        asset_type,
        rtl,
        debug,
        map_url,
        options.scripts,
        options.styles,
        str(options.bootstrap_scss_dir),
        str(options.rtlcss_config),
        options.css_error_fallback,
        options.js_minifier,
        options.import_roots,
        options.rtlcss_command if rtl else None,
        options.lessc_command if any(asset.url.endswith(".less") for asset in assets) else None,
    )
    digest.update(repr(head).encode())
    for asset in assets:
        digest.update(b"\0" + asset.url.encode() + b"\0")
        digest.update((asset.content or "").encode() + b"\0" + (asset.error or "").encode())
    return digest.hexdigest()


@dataclass
class CompileCache:
    root: Path
    max_bytes: int = DEFAULT_MAX_BYTES
    hits: int = field(default=0, init=False)
    misses: int = field(default=0, init=False)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> tuple[CompiledFile, ...] | None:
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        try:
            envelope = json.loads(raw)
            payload = envelope["payload"]
            if hashlib.sha256(payload.encode()).hexdigest() != envelope["sha256"]:
                raise ValueError("checksum mismatch")
            files = tuple(CompiledFile(f["ext"], f["content"]) for f in json.loads(payload))
        except (ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # damaged: drop it and compile again
            self.misses += 1
            return None
        os.utime(path)  # recently used: pruned last
        self.hits += 1
        return files

    def put(self, key: str, files: Sequence[CompiledFile]) -> None:
        path = self._path(key)
        payload = json.dumps([{"ext": f.ext, "content": f.content} for f in files])
        envelope = json.dumps({"sha256": hashlib.sha256(payload.encode()).hexdigest(), "payload": payload})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(envelope)
            os.replace(tmp, path)
        except OSError:
            return  # a cache that cannot be written only costs time
        self.prune()

    def prune(self) -> None:
        entries = []
        total = 0
        for path in self.root.glob("*/*.json"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
            total += stat.st_size
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
