"""Addons and manifests: where each addon lives, what its manifest says, and Odoo's addon order."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from manifestoo_core.manifest import InvalidManifest, Manifest

from odoo_assets.errors import AddonError

MANIFEST_NAMES = ("__manifest__.py", "__openerp__.py")


@dataclass(frozen=True)
class Addon:
    """An addon directory and its manifest (read, never executed)."""

    name: str
    path: Path
    addons_path: Path
    manifest: Mapping[str, Any]

    @property
    def depends(self) -> tuple[str, ...]:
        return tuple(self.manifest.get("depends") or ())

    @property
    def application(self) -> bool:
        return bool(self.manifest.get("application", False))

    @property
    def sequence(self) -> int:
        return int(self.manifest.get("sequence", 100))

    @property
    def assets(self) -> Mapping[str, list[Any]]:
        return self.manifest.get("assets") or {}


def _manifest_file(addon_dir: Path) -> Path | None:
    for name in MANIFEST_NAMES:
        candidate = addon_dir / name
        if candidate.is_file():
            return candidate
    return None


def read_manifest(path: Path) -> dict[str, Any]:
    """Parse a manifest as a Python literal; any problem names the file on one line."""
    try:
        manifest = Manifest.from_str(path.read_text(encoding="utf-8"), source=str(path))
    except InvalidManifest as exc:
        cause = exc.__cause__
        if isinstance(cause, SyntaxError):
            raise AddonError(f"broken manifest {path}: line {cause.lineno}: {cause.msg}") from None
        raise AddonError(f"broken manifest {path}: not a dict literal") from None
    except ValueError:
        raise AddonError(f"broken manifest {path}: not a plain Python literal") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AddonError(f"cannot read manifest {path}: {exc}") from None
    data = dict(manifest.manifest_dict)
    _check_manifest(path, data)
    return data


def _check_manifest(path: Path, data: dict[str, Any]) -> None:
    depends = data.get("depends", [])
    if not isinstance(depends, (list, tuple)) or not all(isinstance(d, str) for d in depends):
        raise AddonError(f"broken manifest {path}: 'depends' must be a list of module names")
    assets = data.get("assets", {})
    if not isinstance(assets, dict):
        raise AddonError(f"broken manifest {path}: 'assets' must be a dict of bundle → list")
    for bundle, commands in assets.items():
        if not isinstance(commands, (list, tuple)):
            raise AddonError(f"broken manifest {path}: assets of bundle {bundle!r} must be a list")
    try:
        int(data.get("sequence", 100))
    except (TypeError, ValueError):
        raise AddonError(f"broken manifest {path}: 'sequence' must be an integer") from None


@dataclass
class AddonIndex:
    """Addons found over an ordered addons path; the first path holding an addon wins.

    Manifests are parsed on first use, so a broken manifest of an addon that is never
    needed does not get in the way.
    """

    paths: Sequence[Path]
    _cache: dict[str, Addon | None] = field(default_factory=dict)

    def get(self, name: str) -> Addon | None:
        if name not in self._cache:
            self._cache[name] = self._load(name)
        return self._cache[name]

    def _load(self, name: str) -> Addon | None:
        if not name or "/" in name or name.startswith("."):
            return None
        for root in self.paths:
            manifest_path = _manifest_file(root / name)
            if manifest_path is not None:
                module_dir = Path(os.path.normpath(root / name))
                return Addon(
                    name=name,
                    path=module_dir,
                    addons_path=module_dir.parent,
                    manifest=read_manifest(manifest_path),
                )
        return None

    def names(self) -> list[str]:
        found: set[str] = set()
        for root in self.paths:
            if root.is_dir():
                found.update(p.name for p in root.iterdir() if _manifest_file(p))
        return sorted(found)


def _normalise(path: Path) -> Path:
    return Path(os.path.normcase(os.path.abspath(path)))


def odoo_package_addons() -> Path | None:
    """The addons directory of an importable `odoo` package, if there is one."""
    try:
        spec = importlib.util.find_spec("odoo")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "addons"


def addons_search_path(addons_paths: Sequence[Path], data_dir: Path, series: str) -> tuple[Path, ...]:
    """The server's `odoo.addons.__path__`: data_dir addons, then --addons-path entries.

    When `base` is in none of them, the `odoo` package's own addons directory is appended
    (where a packaged installation keeps base and web).
    """
    paths: list[Path] = []
    data_addons = data_dir / "addons" / series
    if data_addons.is_dir() and os.access(data_addons, os.R_OK):
        paths.append(_normalise(data_addons))
    for entry in addons_paths:
        normalised = _normalise(entry)
        if normalised not in paths:
            paths.append(normalised)
    if not any(_manifest_file(p / "base") for p in paths):
        package_addons = odoo_package_addons()
        if package_addons is not None and package_addons.is_dir():
            paths.append(_normalise(package_addons))
    return tuple(paths)


def sort_addons(index: AddonIndex, active: Iterable[str]) -> tuple[str, ...]:
    """Odoo's asset addon order: applications first, then manifest sequence, then name;
    then depth-first over each manifest's `depends`, in the order they are written."""

    def key(name: str) -> tuple[bool, int, str]:
        addon = index.get(name)
        if addon is None:
            return (True, 100, name)
        return (not addon.application, addon.sequence, name)

    ordered = sorted(set(active), key=key)
    depends: dict[str, tuple[str, ...]] = {}
    for name in ordered:
        addon = index.get(name)
        depends[name] = addon.depends if addon else ()
    result: list[str] = []
    visited: set[str] = set()

    def visit(name: str) -> None:
        if name in visited:
            return
        visited.add(name)
        for dep in depends[name]:
            if dep in depends:
                visit(dep)
        result.append(name)

    for name in ordered:
        visit(name)
    return tuple(result)


def active_addons(
    installed: frozenset[str],
    *,
    theme_modules: frozenset[str] = frozenset(),
    website_theme: str | None = None,
    website_id: int | None = None,
) -> frozenset[str]:
    """Addons whose assets count: with a website, every theme but its own is left out."""
    if not website_id:
        return installed
    return installed - (theme_modules - {website_theme} if website_theme else theme_modules)
