"""What Odoo installs for `odoo-bin -i M,… -d <new database>`, in the order it loads it.

Odoo's module loading, as observed in its sources (16.0 to 19.0 agree):

1. A new database lists every addon of the addons path: `uninstalled`, or `uninstallable`
   when its manifest says `installable: False`.
2. Creating it marks auto-install modules whose triggers are all marked (triggers not on the
   addons path are ignored), and the dependencies of everything marked, until nothing
   changes. `base` is auto-install without triggers, so this starts from it.
3. `base` is loaded (installed).
4. `-i` marks each named module and its dependencies (recursively); then, until nothing
   changes, every uninstalled auto-install module whose triggers are all installed or marked,
   at least one of them marked, together with its dependencies.
5. The marked modules that can be loaded (installable, every dependency loaded) are loaded in
   the module graph's order: by depth (0 without dependencies, else one more than the deepest
   dependency), then by name; `base` was loaded first.

A module's triggers are its `auto_install` list (which must name dependencies), or all of its
`depends` when `auto_install` is True; a module without `auto_install` has none.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from odoo_assets.addons import Addon, AddonIndex, odoo_package_addons
from odoo_assets.errors import AddonError, ConfigError

UNINSTALLED = "uninstalled"
UNINSTALLABLE = "uninstallable"
TO_INSTALL = "to install"
INSTALLED = "installed"
# Odoo gives up on dependency chains deeper than this (and so on cycles).
MAX_DEPTH = 100


@dataclass(frozen=True)
class InstallPlan:
    """The modules a new database gets, in load order (the order their data files load in).

    `auto_installed`: modules marked by the auto-install rule (not their dependencies);
    `not_loaded`: modules marked but left out because a dependency cannot be loaded.
    """

    requested: tuple[str, ...]
    modules: tuple[str, ...]
    auto_installed: tuple[str, ...] = ()
    not_loaded: tuple[str, ...] = ()


def auto_install_triggers(addon: Addon) -> frozenset[str] | None:
    """The modules whose installation brings this one in; None when it is not auto-install."""
    value = addon.manifest.get("auto_install", False)
    if isinstance(value, (list, tuple, set, frozenset)):
        triggers = frozenset(str(name) for name in value)
        strangers = sorted(triggers - set(addon.depends))
        if strangers:
            raise AddonError(
                f"broken manifest {addon.manifest_file}: auto_install names {', '.join(strangers)},"
                " which must be dependencies"
            )
        return triggers
    return frozenset(addon.depends) if value else None


def _catalog(index: AddonIndex) -> dict[str, Addon]:
    catalog = {}
    for name in index.names():
        addon = index.get(name)
        if addon is not None:
            catalog[name] = addon
    return catalog


def _unknown(name: str, catalog: Mapping[str, Addon]) -> AddonError:
    hint = difflib.get_close_matches(name, list(catalog), n=3, cutoff=0.6)
    suffix = f" (did you mean: {', '.join(hint)}?)" if hint else ""
    return AddonError(f"module {name!r} is not in the addons path{suffix}")


@dataclass
class _NewDatabase:
    """The ir_module_module states of a database being created, and what marked them."""

    catalog: dict[str, Addon]
    states: dict[str, str]
    triggers: dict[str, frozenset[str] | None]
    auto: set[str]

    @classmethod
    def create(cls, catalog: dict[str, Addon]) -> _NewDatabase:
        states = {name: UNINSTALLED if a.installable else UNINSTALLABLE for name, a in catalog.items()}
        triggers = {name: auto_install_triggers(addon) for name, addon in catalog.items()}
        db = cls(catalog, states, triggers, set())
        db.mark_initial_auto_installs()
        return db

    def marked(self, name: str) -> bool:
        return self.states.get(name) == TO_INSTALL

    def mark_initial_auto_installs(self) -> None:
        """Step 2: what creating the database marks before anything is asked for."""
        while True:
            new = {
                name
                for name, triggers in self.triggers.items()
                if triggers is not None
                and not self.marked(name)
                and all(self.marked(t) for t in triggers if t in self.catalog)
            }
            dependencies = {
                dep
                for name, addon in self.catalog.items()
                if self.marked(name) or name in new
                for dep in addon.depends
                if dep in self.catalog and not self.marked(dep) and dep not in new
            }
            if not new and not dependencies:
                return
            self.auto |= new
            for name in new | dependencies:
                self.states[name] = TO_INSTALL

    def install(self, names: Iterable[str]) -> None:
        """Step 4: mark the modules and their dependencies, then the auto-installs they trigger."""
        modules = list(names)
        while modules:
            for name in modules:
                self._mark(name, (name,))
            modules = sorted(name for name in self.triggers if self._must_auto_install(name))
            self.auto.update(modules)

    def _mark(self, name: str, chain: tuple[str, ...]) -> None:
        if self.states[name] != UNINSTALLED:
            return
        if len(chain) > MAX_DEPTH:
            raise AddonError(f"circular module dependencies: {' > '.join(chain[:8])} > …")
        addon = self.catalog[name]
        for dep in addon.depends:
            if dep not in self.catalog:
                raise AddonError(f"module {name!r} depends on {dep!r}, which is not in the addons path")
        for dep in addon.depends:
            if not self.marked(dep):
                self._mark(dep, (*chain, dep))
        self.states[name] = TO_INSTALL

    def _must_auto_install(self, name: str) -> bool:
        triggers = self.triggers[name]
        if triggers is None or self.states[name] != UNINSTALLED:
            return False
        states = {self.states.get(t, "unknown") for t in triggers}
        return states <= {INSTALLED, TO_INSTALL} and TO_INSTALL in states

    def load_order(self) -> tuple[list[str], list[str]]:
        """Step 5: (loaded modules in order, marked modules that cannot be loaded)."""
        depth = {"base": 0}
        waiting = sorted(n for n in self.catalog if self.marked(n) and n != "base")
        candidates = [n for n in waiting if self.catalog[n].installable]
        progress = True
        while progress:
            progress = False
            for name in candidates:
                deps = self.catalog[name].depends
                if name not in depth and all(dep in depth for dep in deps):
                    depth[name] = 1 + max((depth[dep] for dep in deps), default=-1)
                    progress = True
        loaded = sorted((n for n in depth if n != "base"), key=lambda n: (depth[n], n))
        return ["base", *loaded], [n for n in waiting if n not in depth]


def plan_install(index: AddonIndex, modules: Sequence[str] | None) -> InstallPlan:
    """What `-i <modules>` installs on a new database; None: every installable addon."""
    catalog = _catalog(index)
    if "base" not in catalog:
        raise AddonError("no 'base' addon in the addons path (add Odoo's odoo/addons directory)")
    db = _NewDatabase.create(catalog)
    if modules is None:
        requested = tuple(name for name, addon in catalog.items() if addon.installable)
    else:
        requested = tuple(dict.fromkeys(modules))
        for name in requested:
            if name not in catalog:
                raise _unknown(name, catalog)
            if not catalog[name].installable:
                raise AddonError(f"module {name!r} is not installable (its manifest says so)")
    db.states["base"] = INSTALLED
    db.install(requested)
    loaded, not_loaded = db.load_order()
    return InstallPlan(
        requested=requested,
        modules=tuple(loaded),
        auto_installed=tuple(sorted(db.auto & set(loaded))),
        not_loaded=tuple(not_loaded),
    )


# --- The series of a tree ----------------------------------------------------------------------


def _release_series(release: Path) -> str | None:
    """`version_info = (17, 0, …)` of odoo/release.py, read without running it."""
    try:
        tree = ast.parse(release.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError):
        return None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "version_info" for t in node.targets)
            and isinstance(node.value, ast.Tuple)
            and len(node.value.elts) >= 2
        ):
            major, minor = node.value.elts[:2]
            if all(isinstance(part, ast.Constant) and isinstance(part.value, int) for part in (major, minor)):
                return f"{ast.literal_eval(major)}.{ast.literal_eval(minor)}"
    return None


def _manifest_series(version: object) -> str | None:
    """'17.0.1.3' → '17.0'; a short module version ('1.3') says nothing about the series."""
    parts = str(version or "").split(".")
    if len(parts) >= 4 and parts[0].isdigit() and parts[1].isdigit():
        return f"{parts[0]}.{parts[1]}"
    return None


def detect_series(addons_paths: Sequence[Path]) -> str:
    """The series of the Odoo tree: odoo/release.py next to base, else base's manifest version."""
    package = odoo_package_addons()
    index = AddonIndex([*addons_paths, *([package] if package else [])])
    base = index.get("base")
    if base is None:
        raise ConfigError(
            "no 'base' addon in the addons path: add Odoo's odoo/addons directory, or give --series"
        )
    release = base.addons_path.parent / "release.py"
    series = _release_series(release) if release.is_file() else None
    series = series or _manifest_series(base.manifest.get("version"))
    if series is None:
        raise ConfigError(
            f"cannot tell the Odoo series of {base.path} (no release.py, manifest version"
            f" {base.manifest.get('version')!r}): give --series"
        )
    return series
