"""`bundle compile`: Odoo's bundles for a set of modules, from the addons tree alone.

The installed set and the ir.asset rows are what a new database gets for `odoo-bin -i M…`
(offline.install, offline.datafiles); there are no websites and nothing is stored, so an
attachment-URL entry finds no attachment. Resolution and compilation are the same code
`bundle build` runs, so the files written are the bytes Odoo serves.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from odoo_assets.addons import AddonIndex, addons_search_path, installed_addons
from odoo_assets.config import Settings
from odoo_assets.errors import ConfigError, NotOdooDatabase, StorageError
from odoo_assets.installation import DatabaseFacts, Installation, Progress, group_by_bundle
from odoo_assets.jobs import CompiledVariant, Compiler, compile_variants
from odoo_assets.offline.datafiles import read_asset_records, record_origins
from odoo_assets.offline.install import InstallPlan, detect_series, plan_install
from odoo_assets.planning import VariantChoice, plan_variants
from odoo_assets.series import PROFILES, profile_for
from odoo_assets.sizes import SizeManifest, file_name, size_manifest

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class CompileRequest:
    """`modules` None: every installable addon of the addons path."""

    output: Path
    modules: tuple[str, ...] | None
    choice: VariantChoice = field(default_factory=VariantChoice)
    series: str | None = None
    strict: bool = False


@dataclass
class OfflineInstallation:
    """An installation as a new database would hold it, and how it came to be."""

    installation: Installation
    plan: InstallPlan


@dataclass
class CompileResult:
    output: Path
    series: str
    plan: InstallPlan
    variants: list[CompiledVariant]
    manifest: SizeManifest
    strict: bool = False
    elapsed_s: float | None = None

    @property
    def warnings(self) -> list[str]:
        found = [w for item in self.variants for w in item.warnings]
        found += [
            f"module {name!r} is not loaded: one of its dependencies cannot be installed"
            for name in self.plan.not_loaded
        ]
        return list(dict.fromkeys(found))

    @property
    def failures(self) -> list[str]:
        """One line per variant that failed."""
        return [f"{item.variant.label()}: {item.error}" for item in self.variants if item.error]

    @property
    def ok(self) -> bool:
        """Everything compiled (and, with `strict`, without a warning)."""
        return not self.failures and not (self.strict and self.warnings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": str(self.output),
            "series": self.series,
            "requested": list(self.plan.requested),
            "installed": list(self.plan.modules),
            "auto_installed": list(self.plan.auto_installed),
            "bundles": [_outcome(item) for item in self.variants],
            "warnings": self.warnings,
            "failures": self.failures,
            "strict": self.strict,
            "ok": self.ok,
            "total": self.manifest.total,
            "elapsed_s": None if self.elapsed_s is None else round(self.elapsed_s, 3),
        }


def _outcome(item: CompiledVariant) -> dict[str, Any]:
    variant = item.variant
    return {
        "bundle": variant.bundle,
        "ext": variant.ext,
        "rtl": variant.rtl,
        "status": item.status,
        "version": item.version,
        "files": [file_name(variant, compiled) for compiled in item.files],
        "size": len(item.files[0].content.encode("utf-8")) if item.files else None,
        "error": item.error,
    }


def _check_compilable(series: str) -> None:
    try:
        profile = profile_for(series)
    except NotOdooDatabase as exc:
        raise ConfigError(str(exc)) from None
    if not profile.buildable:
        buildable = ", ".join(name for name, other in PROFILES.items() if other.buildable)
        raise ConfigError(f"Odoo {series}: odoo-assets compiles the bundles of {buildable} only")


def offline_installation(
    settings: Settings, modules: Sequence[str] | None, series: str | None
) -> OfflineInstallation:
    """What a new database with `modules` (None: all) holds, from the addons tree alone."""
    series = series or detect_series(settings.addons_paths)
    _check_compilable(series)
    paths = addons_search_path(settings.addons_paths, settings.data_dir, series)
    index = AddonIndex(paths)
    plan = plan_install(index, modules)
    records = read_asset_records(index, plan.modules, profile_for(series).asset_element)
    facts = DatabaseFacts(
        series=series,
        installed=installed_addons(plan.modules, settings.server_wide_modules, index),
        ir_assets=group_by_bundle(record.row() for record in records),
        website_installed="website" in plan.modules,
        row_origins=record_origins(records),
    )
    inst = Installation(settings=settings, addons=index, addons_paths=paths, facts=facts)
    return OfflineInstallation(inst, plan)


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: a temporary file renamed over the target."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_outputs(output: Path, items: Sequence[CompiledVariant], manifest: SizeManifest) -> None:
    try:
        output.mkdir(parents=True, exist_ok=True)
        for item in items:
            for compiled in item.files:
                _write(output / file_name(item.variant, compiled), compiled.content.encode("utf-8"))
        text = json.dumps(manifest.to_dict(), indent=2) + "\n"
        _write(output / MANIFEST_NAME, text.encode("utf-8"))
    except OSError as exc:
        raise StorageError(f"cannot write to {output}: {exc.strerror or exc}") from None


def compile_bundles(
    settings: Settings,
    request: CompileRequest,
    compiler: Compiler | None = None,
    progress: Progress | None = None,
) -> CompileResult:
    """Compile the requested bundles of a new database with `request.modules`, write them to
    `request.output` with `manifest.json`, and say what failed."""
    offline = offline_installation(settings, request.modules, request.series)
    inst = offline.installation
    # Without names: what a new database pre-warms (no language of its own is right-to-left).
    choice = VariantChoice(
        bundles=request.choice.bundles,
        all_bundles=request.choice.all_bundles,
        rtl=request.choice.rtl,
        debug=request.choice.debug,
        pages_only=request.choice.pages_only,
    )
    variants = plan_variants(inst, choice).variants
    items = compile_variants(inst, variants, compiler or Compiler(), progress)
    source = {
        "kind": "addons",
        "modules": list(offline.plan.requested) if request.modules is not None else "all",
        "installed": list(offline.plan.modules),
        "server_wide_modules": list(settings.server_wide_modules),
    }
    manifest = size_manifest(inst, items, source)
    write_outputs(request.output, items, manifest)
    return CompileResult(request.output, inst.series, offline.plan, items, manifest, strict=request.strict)
