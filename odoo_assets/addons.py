"""Addons and manifests: where each addon lives, what its manifest says, and Odoo's addon order."""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from manifestoo_core.manifest import InvalidManifest, Manifest

from odoo_assets.errors import AddonError

log = logging.getLogger(__name__)

MANIFEST_NAMES = ("__manifest__.py", "__openerp__.py")
# What Odoo loads when the server configuration leaves `server_wide_modules` empty.
DEFAULT_SERVER_WIDE_MODULES = ("base", "web")


@dataclass(frozen=True)
class Addon:
    """An addon directory and its manifest (read, never executed)."""

    name: str
    path: Path
    addons_path: Path
    manifest: Mapping[str, Any]
    manifest_path: Path | None = None

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
    def installable(self) -> bool:
        return bool(self.manifest.get("installable", True))

    @property
    def assets(self) -> Mapping[str, Sequence[Any]]:
        assets: Mapping[str, Sequence[Any]] = self.manifest.get("assets") or {}
        return assets

    @property
    def manifest_file(self) -> Path:
        return self.manifest_path or self.path / MANIFEST_NAMES[0]


def manifest_file(addon_dir: Path) -> Path | None:
    """The manifest of an addon directory, in Odoo's order of preference."""
    for name in MANIFEST_NAMES:
        candidate = addon_dir / name
        if candidate.is_file():
            return candidate
    return None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def read_manifest(path: Path) -> dict[str, Any]:
    """Parse a manifest as a Python literal (ast.literal_eval: nothing is executed).

    Any problem raises AddonError naming the file, with the reason on the same line.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise AddonError(f"cannot read manifest {path}: {_one_line(exc.strerror or str(exc))}") from None
    except UnicodeDecodeError as exc:
        raise AddonError(f"broken manifest {path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        manifest = Manifest.from_str(text, source=str(path))
    except InvalidManifest as exc:
        cause = exc.__cause__
        if isinstance(cause, SyntaxError):
            raise AddonError(f"broken manifest {path}: line {cause.lineno}: {_one_line(cause.msg)}") from None
        raise AddonError(f"broken manifest {path}: not a dict literal with string keys") from None
    except (ValueError, TypeError):
        # literal_eval refuses names, calls and operators: a manifest is data, never code.
        raise AddonError(f"broken manifest {path}: not a plain Python literal") from None
    except (RecursionError, MemoryError):
        raise AddonError(f"broken manifest {path}: nested too deeply") from None
    data = dict(manifest.manifest_dict)
    _check_manifest(path, data)
    assets = data.get("assets")
    if assets:
        # Odoo accepts a set of paths (some core manifests use one) and iterates it in hash
        # order, which varies between processes; sorted is as valid and reproducible.
        data["assets"] = {
            bundle: sorted(commands) if isinstance(commands, (set, frozenset)) else commands
            for bundle, commands in assets.items()
        }
    return data


def _check_manifest(path: Path, data: Mapping[str, Any]) -> None:
    """Refuse the shapes the asset machinery cannot use, naming the key at fault."""
    depends = data.get("depends", [])
    if not isinstance(depends, (list, tuple)) or not all(isinstance(d, str) for d in depends):
        raise AddonError(f"broken manifest {path}: 'depends' must be a list of module names")
    assets = data.get("assets", {})
    if not isinstance(assets, dict):
        raise AddonError(f"broken manifest {path}: 'assets' must be a dict of bundle name to list")
    for bundle, commands in assets.items():
        if not isinstance(bundle, str) or not isinstance(commands, (list, tuple, set, frozenset)):
            raise AddonError(f"broken manifest {path}: assets of bundle {bundle!r} must be a list")
    sequence = data.get("sequence", 100)
    try:
        int(sequence)
    except (TypeError, ValueError):
        raise AddonError(f"broken manifest {path}: 'sequence' must be an integer, not {sequence!r}") from None


def _valid_name(name: str) -> bool:
    # Odoo refuses module names with path separators; dot names would leave the addons path.
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


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

    def locate(self, name: str) -> Path | None:
        """The manifest file of the first addons path holding `name`, without parsing it."""
        if not _valid_name(name):
            return None
        for root in self.paths:
            found = manifest_file(Path(root) / name)
            if found is not None:
                return found
        return None

    def _load(self, name: str) -> Addon | None:
        found = self.locate(name)
        if found is None:
            return None
        module_dir = Path(os.path.normpath(found.parent))
        return Addon(
            name=name,
            path=module_dir,
            addons_path=Path(os.path.normpath(module_dir.parent)),
            manifest=read_manifest(found),
            manifest_path=found,
        )

    def names(self) -> list[str]:
        """Every addon name present in some addons path, sorted."""
        found: set[str] = set()
        for root in self.paths:
            root = Path(root)
            if root.is_dir():
                found.update(p.name for p in root.iterdir() if _valid_name(p.name) and manifest_file(p))
        return sorted(found)


# --- The server's addons path ------------------------------------------------------------------


def _normalise(path: Path | str) -> Path:
    return Path(os.path.normcase(os.path.abspath(path)))


def odoo_package_addons() -> Path | None:
    """The addons directory of an importable `odoo` package, if there is one (not imported)."""
    try:
        spec = importlib.util.find_spec("odoo")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    candidate = Path(next(iter(spec.submodule_search_locations))) / "addons"
    return candidate if candidate.is_dir() else None


def _is_odoo_package_addons(path: Path) -> bool:
    """Whether `path` is the `addons` directory inside an `odoo` package (server code)."""
    package = path.parent
    return (
        path.name == "addons"
        and package.name == "odoo"
        and (package / "__init__.py").is_file()
        and (package / "release.py").is_file()
    )


def addons_search_path(
    addons_paths: Sequence[Path | str], data_dir: Path | str, series: str
) -> tuple[Path, ...]:
    """The server's `odoo.addons.__path__`, normalised like Odoo (normcase + abspath).

    Odoo's order: the `odoo/addons` package directory first, then `<data_dir>/addons/<series>`
    when readable, then every --addons-path entry. An entry that is an odoo package's addons
    directory therefore moves to the front; when no given path holds `base`, the addons
    directory of an importable `odoo` package takes that place.
    """
    entries: list[Path] = []
    data_addons = _normalise(Path(data_dir) / "addons" / series)
    if data_addons.is_dir() and os.access(data_addons, os.R_OK):
        entries.append(data_addons)
    for entry in addons_paths:
        normalised = _normalise(entry)
        if normalised not in entries:
            entries.append(normalised)
    package = next((p for p in entries if _is_odoo_package_addons(p)), None)
    if package is None and not any(manifest_file(p / "base") for p in entries):
        found = odoo_package_addons()
        package = _normalise(found) if found is not None else None
    if package is None:
        return tuple(entries)
    return (package, *(p for p in entries if p != package))


# --- Installed and active addons ---------------------------------------------------------------


def server_wide_modules(configured: Iterable[str] | str | None) -> tuple[str, ...]:
    """The `server_wide_modules` option as Odoo reads it: empty, 'None' or 'False' mean base,web."""
    if configured is None:
        return DEFAULT_SERVER_WIDE_MODULES
    if isinstance(configured, str):
        if configured.strip() in ("", "None", "False"):
            return DEFAULT_SERVER_WIDE_MODULES
        configured = configured.split(",")
    names = tuple(m.strip() for m in configured if m.strip())
    return names or DEFAULT_SERVER_WIDE_MODULES


def installed_addons(
    db_installed: Iterable[str],
    server_wide: Iterable[str] | str | None = None,
    index: AddonIndex | None = None,
) -> frozenset[str]:
    """Addons whose assets may be used: the modules the registry loads ∪ server-wide modules.

    `db_installed` is the set of ir_module_module names in state installed, to upgrade or
    to remove. With an index, modules the server cannot load (no manifest on disk, or not
    installable) are left out, as the registry skips them; server-wide modules always count.
    """
    loaded = set(db_installed)
    if index is not None:
        loaded = {name for name in loaded if _loadable(index, name)}
    return frozenset(loaded | set(server_wide_modules(server_wide)))


def _loadable(index: AddonIndex, name: str) -> bool:
    addon = index.get(name)
    return addon is not None and addon.installable


def active_addons(
    installed: Iterable[str],
    *,
    theme_modules: Iterable[str] = (),
    website_theme: str | None = None,
    website_id: int | None = None,
) -> frozenset[str]:
    """Addons whose manifests count for one website: every theme but its own is left out.

    Without a website (None/False/0) nothing is filtered, as in Odoo.
    """
    active = frozenset(installed)
    if not website_id:
        return active
    return active - (
        frozenset(theme_modules) - {website_theme} if website_theme else frozenset(theme_modules)
    )


# --- Addon order -------------------------------------------------------------------------------


def sort_addons(index: AddonIndex, active: Iterable[str]) -> tuple[str, ...]:
    """Odoo's asset addon order.

    Sort by (not application, int(sequence), name) from the manifests, then walk that list
    depth first, visiting each manifest's `depends` in the order written before the addon
    itself. Dependencies outside the active set are ignored. Addons without a manifest on
    disk are left out: the server cannot load them, so they contribute nothing.
    """
    addons = [addon for addon in (index.get(name) for name in set(active)) if addon is not None]
    addons.sort(key=lambda a: (not a.application, a.sequence, a.name))
    depends = {addon.name: addon.depends for addon in addons}
    result: list[str] = []
    visited: set[str] = set()

    def visit(name: str) -> None:
        # Iterative depth-first walk: dependency chains can be long.
        stack: list[tuple[str, int]] = [(name, 0)]
        visited.add(name)
        while stack:
            node, position = stack.pop()
            deps = depends[node]
            while position < len(deps) and (deps[position] in visited or deps[position] not in depends):
                position += 1
            if position < len(deps):
                stack.append((node, position + 1))
                visited.add(deps[position])
                stack.append((deps[position], 0))
            else:
                result.append(node)

    for addon in addons:
        if addon.name not in visited:
            visit(addon.name)
    return tuple(result)
