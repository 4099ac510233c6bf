"""Addon discovery, manifests, the server's addons path, installed/active sets and addon order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from odoo_assets import addons as addons_module
from odoo_assets.addons import (
    AddonIndex,
    active_addons,
    addons_search_path,
    installed_addons,
    read_manifest,
    server_wide_modules,
    sort_addons,
)
from odoo_assets.errors import AddonError


def make_addon(
    root: Path, name: str, manifest: dict[str, Any] | str, manifest_name: str = "__manifest__.py"
) -> Path:
    directory = root / name
    directory.mkdir(parents=True, exist_ok=True)
    text = manifest if isinstance(manifest, str) else repr(manifest)
    (directory / manifest_name).write_text(text, encoding="utf-8")
    return directory


# --- discovery ---------------------------------------------------------------------------------


def test_first_addons_path_holding_the_addon_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    make_addon(first, "a", {"version": "1"})
    make_addon(second, "a", {"version": "2"})
    make_addon(second, "b", {"version": "3"})
    index = AddonIndex([first, second])
    a, b = index.get("a"), index.get("b")
    assert a is not None and b is not None
    assert (a.manifest["version"], a.path, a.addons_path) == ("1", first / "a", first)
    assert (b.manifest["version"], b.path, b.addons_path) == ("3", second / "b", second)
    assert index.get("c") is None
    assert index.names() == ["a", "b"]


def test_base_may_live_in_another_root(addons_tree: Any) -> None:
    index = AddonIndex(list(addons_tree.paths))
    base, web = index.get("base"), index.get("web")
    assert base is not None and web is not None
    assert base.addons_path == addons_tree.root / "odoo" / "addons"
    assert web.addons_path == addons_tree.root / "addons"
    assert "demo_uninstalled" in index.names()


def test_openerp_manifest_is_a_fallback(tmp_path: Path) -> None:
    make_addon(tmp_path, "old", {"name": "old"}, "__openerp__.py")
    make_addon(tmp_path, "both", {"name": "new"})
    make_addon(tmp_path, "both", {"name": "legacy"}, "__openerp__.py")
    (tmp_path / "no_manifest").mkdir()
    index = AddonIndex([tmp_path])
    old = index.get("old")
    both = index.get("both")
    assert old is not None and old.manifest_file == tmp_path / "old" / "__openerp__.py"
    assert both is not None and both.manifest["name"] == "new"
    assert index.get("no_manifest") is None
    assert index.names() == ["both", "old"]


def test_names_that_would_leave_the_addons_path_are_not_addons(tmp_path: Path) -> None:
    make_addon(tmp_path, "a", {})
    (tmp_path / "__manifest__.py").write_text("{}")
    index = AddonIndex([tmp_path / "a"])
    assert index.get("..") is None
    assert index.get(".") is None
    assert index.get("a/..") is None
    assert index.get("") is None


def test_manifest_defaults_and_properties(tmp_path: Path) -> None:
    make_addon(tmp_path, "plain", {"name": "plain"})
    make_addon(
        tmp_path,
        "full",
        {
            "depends": ["b", "a"],
            "application": True,
            "sequence": "7",
            "installable": False,
            "assets": {"x.y": ["full/static/a.js"]},
        },
    )
    index = AddonIndex([tmp_path])
    plain, full = index.get("plain"), index.get("full")
    assert plain is not None and full is not None
    assert (plain.depends, plain.application, plain.sequence, plain.installable, dict(plain.assets)) == (
        (),
        False,
        100,
        True,
        {},
    )
    assert (full.depends, full.application, full.sequence, full.installable, dict(full.assets)) == (
        ("b", "a"),
        True,
        7,
        False,
        {"x.y": ["full/static/a.js"]},
    )


# --- broken manifests --------------------------------------------------------------------------


def test_syntax_error_names_the_file_and_line_on_one_line(tmp_path: Path) -> None:
    make_addon(tmp_path, "b", "{\n  'name': 'b',\n  'depends': [\n")
    with pytest.raises(AddonError) as info:
        AddonIndex([tmp_path]).get("b")
    message = str(info.value)
    assert message.startswith(f"broken manifest {tmp_path / 'b' / '__manifest__.py'}: line ")
    assert "\n" not in message


def test_manifest_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    make_addon(tmp_path, "evil", f"{{'name': __import__('pathlib').Path({str(marker)!r}).touch()}}")
    with pytest.raises(AddonError, match=r"evil/__manifest__.py: not a plain Python literal$"):
        AddonIndex([tmp_path]).get("evil")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("['not', 'a', 'dict']", "not a dict literal with string keys"),
        ("{1: 'x'}", "not a dict literal with string keys"),
        ("{'depends': 'web'}", "'depends' must be a list of module names"),
        ("{'depends': ['web', 3]}", "'depends' must be a list of module names"),
        ("{'assets': ['web/static/a.js']}", "'assets' must be a dict of bundle name to list"),
        ("{'assets': {'web.x': 'web/static/a.js'}}", "assets of bundle 'web.x' must be a list"),
        ("{'sequence': 'first'}", "'sequence' must be an integer, not 'first'"),
    ],
)
def test_unusable_manifest_shapes(tmp_path: Path, text: str, reason: str) -> None:
    make_addon(tmp_path, "m", text)
    path = tmp_path / "m" / "__manifest__.py"
    with pytest.raises(AddonError) as info:
        read_manifest(path)
    assert str(info.value) == f"broken manifest {path}: {reason}"


def test_manifest_that_is_not_utf8(tmp_path: Path) -> None:
    directory = tmp_path / "latin"
    directory.mkdir()
    (directory / "__manifest__.py").write_bytes(b"{'name': 'caf\xe9'}")
    with pytest.raises(
        AddonError, match=r"latin/__manifest__.py: not UTF-8 \(invalid continuation byte at byte 13\)"
    ):
        AddonIndex([tmp_path]).get("latin")


def test_a_broken_manifest_only_matters_when_that_addon_is_needed(tmp_path: Path) -> None:
    make_addon(tmp_path, "good", {"name": "good"})
    make_addon(tmp_path, "bad", "{")
    index = AddonIndex([tmp_path])
    assert index.get("good") is not None
    assert index.names() == ["bad", "good"]
    with pytest.raises(AddonError, match=r"bad/__manifest__\.py"):
        index.get("bad")


# --- the server's addons path ------------------------------------------------------------------


def fake_odoo_package(root: Path) -> Path:
    package = root / "odoo"
    (package / "addons" / "base").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "release.py").write_text("")
    (package / "addons" / "base" / "__manifest__.py").write_text("{}")
    return package / "addons"


def test_search_path_normalises_and_keeps_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(addons_module, "odoo_package_addons", lambda: None)
    for name in ("custom", "more"):
        (tmp_path / name).mkdir()
    paths = addons_search_path(
        ["custom", str(tmp_path / "more" / ".." / "more"), "custom/"], tmp_path / "data", "17.0"
    )
    assert paths == (tmp_path / "custom", tmp_path / "more")


def test_search_path_includes_the_data_dir_addons_when_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(addons_module, "odoo_package_addons", lambda: None)
    (tmp_path / "custom").mkdir()
    data = tmp_path / "data"
    assert addons_search_path([tmp_path / "custom"], data, "17.0") == (tmp_path / "custom",)
    (data / "addons" / "17.0").mkdir(parents=True)
    assert addons_search_path([tmp_path / "custom"], data, "17.0") == (
        data / "addons" / "17.0",
        tmp_path / "custom",
    )
    assert addons_search_path([tmp_path / "custom"], data, "16.0") == (tmp_path / "custom",)


def test_the_odoo_package_addons_dir_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(addons_module, "odoo_package_addons", lambda: None)
    package_addons = fake_odoo_package(tmp_path / "server")
    (tmp_path / "custom").mkdir()
    data = tmp_path / "data"
    (data / "addons" / "17.0").mkdir(parents=True)
    assert addons_search_path([tmp_path / "custom", package_addons], data, "17.0") == (
        package_addons,
        data / "addons" / "17.0",
        tmp_path / "custom",
    )


def test_importable_odoo_supplies_base_when_no_path_holds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package_addons = fake_odoo_package(tmp_path / "site-packages")
    monkeypatch.setattr(addons_module, "odoo_package_addons", lambda: package_addons)
    (tmp_path / "custom").mkdir()
    assert addons_search_path([tmp_path / "custom"], tmp_path / "data", "17.0") == (
        package_addons,
        tmp_path / "custom",
    )
    make_addon(tmp_path / "custom", "base", {})
    assert addons_search_path([tmp_path / "custom"], tmp_path / "data", "17.0") == (tmp_path / "custom",)


# --- installed and active addons ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (None, ("base", "web")),
        ("", ("base", "web")),
        ("None", ("base", "web")),
        ("False", ("base", "web")),
        ("base,web,queue_job", ("base", "web", "queue_job")),
        (" base , web_custom ,", ("base", "web_custom")),
        (["base", "dbfilter"], ("base", "dbfilter")),
        ([], ("base", "web")),
    ],
)
def test_server_wide_modules(configured: Any, expected: tuple[str, ...]) -> None:
    assert server_wide_modules(configured) == expected


def test_installed_is_loaded_modules_and_server_wide_modules(tmp_path: Path) -> None:
    for name in ("base", "web", "sale", "queue_job"):
        make_addon(tmp_path, name, {})
    make_addon(tmp_path, "retired", {"installable": False})
    assert installed_addons({"base", "sale"}) == {"base", "web", "sale"}
    assert installed_addons({"base", "sale"}, "base,web,queue_job") == {"base", "web", "sale", "queue_job"}
    # With the addons at hand, modules the server cannot load are left out.
    index = AddonIndex([tmp_path])
    assert installed_addons({"base", "sale", "gone", "retired"}, None, index) == {"base", "web", "sale"}


def test_active_addons_keep_only_the_website_theme() -> None:
    installed = frozenset({"base", "web", "website", "theme_a", "theme_b"})
    themes = {"theme_a", "theme_b"}
    assert (
        active_addons(installed, theme_modules=themes, website_theme="theme_a", website_id=None) == installed
    )
    assert active_addons(installed, theme_modules=themes, website_theme="theme_a", website_id=0) == installed
    assert active_addons(installed, theme_modules=themes, website_theme="theme_a", website_id=1) == (
        installed - {"theme_b"}
    )
    assert active_addons(installed, theme_modules=themes, website_theme=None, website_id=2) == (
        installed - {"theme_a", "theme_b"}
    )


# --- addon order -------------------------------------------------------------------------------


def order(
    tmp_path: Path, manifests: dict[str, dict[str, Any]], active: Sequence[str] | None = None
) -> tuple[str, ...]:
    for name, manifest in manifests.items():
        make_addon(tmp_path, name, manifest)
    return sort_addons(AddonIndex([tmp_path]), list(active if active is not None else manifests))


def test_sort_key_application_then_sequence_then_name(tmp_path: Path) -> None:
    assert order(
        tmp_path,
        {
            "zeta": {},
            "alpha": {},
            "Beta": {},
            "seq5": {"sequence": 5},
            "seq_str": {"sequence": "50"},
            "app_b": {"application": True},
            "app_a": {"application": True, "sequence": 200},
            "app_c": {"application": True, "sequence": 1},
        },
    ) == ("app_c", "app_b", "app_a", "seq5", "seq_str", "Beta", "alpha", "zeta")


def test_depth_first_over_depends_in_written_order(tmp_path: Path) -> None:
    assert order(
        tmp_path,
        {
            "base": {},
            "web": {"depends": ["base"]},
            "mail": {"depends": ["web", "bus"]},
            "bus": {"depends": ["base", "web"]},
            "website": {"application": True, "sequence": 20, "depends": ["web", "mail", "ghost"]},
            "crm": {"application": True, "sequence": 15, "depends": ["mail"]},
            "note": {"depends": ["zzz", "base"]},
            "zzz": {},
        },
    ) == ("base", "web", "bus", "mail", "crm", "website", "zzz", "note")


def test_addons_outside_the_active_set_or_without_manifest_are_left_out(tmp_path: Path) -> None:
    assert order(
        tmp_path,
        {"base": {}, "a": {"depends": ["inactive", "base"]}, "inactive": {}},
        active=["a", "base", "missing"],
    ) == ("base", "a")


def test_dependency_cycles_do_not_loop(tmp_path: Path) -> None:
    assert order(tmp_path, {"a": {"depends": ["b"]}, "b": {"depends": ["a"]}}) == ("b", "a")


def test_fixture_addon_order(addons_tree: Any) -> None:
    index = AddonIndex(list(addons_tree.paths))
    installed = {"base", "web", "website", "theme_demo", "theme_other", "demo_blog", "demo_shop"}
    assert sort_addons(index, installed) == (
        "base",
        "web",
        "website",
        "demo_blog",
        "demo_shop",
        "theme_demo",
        "theme_other",
    )


def test_deep_dependency_chains(tmp_path: Path) -> None:
    count = 1500
    manifests = {f"m{i:04d}": {"depends": [f"m{i + 1:04d}"] if i + 1 < count else []} for i in range(count)}
    result = order(tmp_path, manifests)
    assert result == tuple(f"m{i:04d}" for i in reversed(range(count)))


def test_assets_given_as_a_set_are_accepted(tmp_path: Path) -> None:
    addon = tmp_path / "live"
    addon.mkdir()
    (addon / "__manifest__.py").write_text(
        "{'assets': {'web.assets_backend': {'live/static/src/b/*', 'live/static/src/a/*'}}}"
    )
    manifest = read_manifest(addon / "__manifest__.py")
    assert manifest["assets"] == {"web.assets_backend": ["live/static/src/a/*", "live/static/src/b/*"]}
