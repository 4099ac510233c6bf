"""Finding rtlcss and lessc: explicit setting, then the checkout's node_modules, then PATH."""

from __future__ import annotations

from pathlib import Path

import pytest

import odoo_assets
from odoo_assets import tools
from odoo_assets.cli import run
from odoo_assets.config import load_settings
from odoo_assets.errors import ConfigError
from odoo_assets.tools import LESSC, RTLCSS, find_tool, project_root


def fake_executable(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """A checkout with its own rtlcss and lessc, one copy of each on a PATH, and explicit ones."""
    checkout = tmp_path / "checkout"
    (checkout / "odoo_assets").mkdir(parents=True)
    (checkout / "package.json").write_text("{}")
    bins = checkout / "node_modules" / ".bin"
    return {
        "package": checkout / "odoo_assets",
        "local_rtlcss": fake_executable(bins, "rtlcss"),
        "local_lessc": fake_executable(bins, "lessc"),
        "path_dir": fake_executable(tmp_path / "usr-bin", "rtlcss").parent,
        "path_lessc": fake_executable(tmp_path / "usr-bin", "lessc"),
        "flag": fake_executable(tmp_path / "flag", "my-rtlcss"),
        "env": fake_executable(tmp_path / "env", "env-rtlcss"),
    }


def test_explicit_beats_environment_beats_checkout_beats_path(layout: dict[str, Path]) -> None:
    package, path = layout["package"], str(layout["path_dir"])
    env = {"ODOO_ASSETS_RTLCSS": str(layout["env"])}
    found = find_tool(RTLCSS, str(layout["flag"]), env=env, package_dir=package, search_path=path)
    assert found == str(layout["flag"])
    assert find_tool(RTLCSS, None, env=env, package_dir=package, search_path=path) == str(layout["env"])
    assert find_tool(RTLCSS, None, env={}, package_dir=package, search_path=path) == str(
        layout["local_rtlcss"]
    )
    layout["local_rtlcss"].unlink()
    assert find_tool(RTLCSS, None, env={}, package_dir=package, search_path=path) == str(
        layout["path_dir"] / "rtlcss"
    )
    assert find_tool(RTLCSS, None, env={}, package_dir=package, search_path=str(layout["flag"])) is None


def test_lessc_has_its_own_option_and_variable(layout: dict[str, Path]) -> None:
    package, path = layout["package"], str(layout["path_dir"])
    env = {"ODOO_ASSETS_LESSC": str(layout["env"]), "ODOO_ASSETS_RTLCSS": str(layout["flag"])}
    assert find_tool(LESSC, None, env=env, package_dir=package, search_path=path) == str(layout["env"])
    assert find_tool(LESSC, None, env={}, package_dir=package, search_path=path) == str(layout["local_lessc"])


def test_the_checkout_counts_only_with_its_package_json(layout: dict[str, Path]) -> None:
    package = layout["package"]
    assert project_root(package) == package.parent
    (package.parent / "package.json").unlink()
    assert project_root(package) is None
    found = find_tool(RTLCSS, None, env={}, package_dir=package, search_path=str(layout["path_dir"]))
    assert found == str(layout["path_dir"] / "rtlcss")


def test_a_missing_explicit_command_is_a_config_error(layout: dict[str, Path], tmp_path: Path) -> None:
    package, path = layout["package"], str(layout["path_dir"])
    missing = str(tmp_path / "nowhere" / "rtlcss")
    with pytest.raises(
        ConfigError, match=r"^rtlcss given by --rtlcss is not an executable file: .*/nowhere/rtlcss$"
    ):
        find_tool(RTLCSS, missing, env={}, package_dir=package, search_path=path)
    with pytest.raises(ConfigError, match=r"^lessc given by \$ODOO_ASSETS_LESSC is not an executable file"):
        find_tool(LESSC, None, env={"ODOO_ASSETS_LESSC": missing}, package_dir=package, search_path=path)
    not_executable = tmp_path / "plain"
    not_executable.write_text("")
    with pytest.raises(ConfigError, match="not an executable file"):
        find_tool(RTLCSS, str(not_executable), env={}, package_dir=package, search_path=path)


def test_an_explicit_bare_name_or_relative_path(
    layout: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = layout["package"]
    found = find_tool(
        RTLCSS, "my-rtlcss", env={}, package_dir=package, search_path=str(layout["flag"].parent)
    )
    assert found == str(layout["flag"])
    monkeypatch.chdir(tmp_path)
    assert find_tool(RTLCSS, "./flag/my-rtlcss", env={}, package_dir=package, search_path="") == str(
        layout["flag"]
    )


def test_this_checkout_is_found_with_its_node_modules() -> None:
    root = Path(odoo_assets.__file__).resolve().parent.parent
    assert project_root() == root
    local = root / "node_modules" / ".bin" / "rtlcss"
    if not local.exists():
        pytest.skip(tools.RTLCSS.missing())
    # Found with an empty PATH: the checkout's own install, not a global one.
    assert find_tool(RTLCSS, None, env={}, search_path="") == str(local)
    assert find_tool(LESSC, None, env={}, search_path="") == str(root / "node_modules" / ".bin" / "lessc")


def test_settings_carry_the_found_paths(layout: dict[str, Path], tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "ODOO_ASSETS_RTLCSS": str(layout["env"]), "PATH": str(layout["path_dir"])}
    settings = load_settings(env=env, lessc=str(layout["path_lessc"]))
    assert settings.rtlcss == str(layout["env"])
    assert settings.lessc == str(layout["path_lessc"])
    assert load_settings(env=env, rtlcss=str(layout["flag"])).rtlcss == str(layout["flag"])


def test_cli_refuses_a_missing_explicit_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["--rtlcss", str(tmp_path / "nope"), "-d", "x", "bundle", "list"])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"odoo-assets: error: rtlcss given by --rtlcss is not an executable file: {tmp_path / 'nope'}"
    )
