"""What a new database gets for `-i M`, in Odoo's load order, and the series of a tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from odoo_assets.addons import AddonIndex
from odoo_assets.errors import AddonError, ConfigError
from odoo_assets.offline.install import InstallPlan, detect_series, plan_install
from tests.conftest import AddonsTree
from tests.test_addons import make_addon

BASE = {"version": "17.0.1.3", "depends": [], "auto_install": True}
WEB = {"depends": ["base"], "auto_install": True}


def tree(tmp_path: Path, addons: dict[str, dict[str, Any]]) -> AddonIndex:
    root = tmp_path / "addons"
    for name, manifest in {"base": BASE, "web": WEB, **addons}.items():
        make_addon(root, name, manifest)
    return AddonIndex([root])


def test_modules_their_dependencies_and_the_base_cascade(tmp_path: Path) -> None:
    index = tree(
        tmp_path,
        {
            "sale": {"depends": ["web", "product"]},
            "product": {"depends": ["base"]},
            "crm": {"depends": ["web"]},
        },
    )
    # web comes with base (auto-install, its only trigger marked when the database is created).
    assert plan_install(index, ["product"]) == InstallPlan(
        requested=("product",), modules=("base", "product", "web"), auto_installed=("base", "web")
    )
    assert plan_install(index, ["sale"]).modules == ("base", "product", "web", "sale")


def test_load_order_is_depth_then_name(tmp_path: Path) -> None:
    index = tree(
        tmp_path,
        {
            "zeta": {"depends": ["base"]},
            "alpha": {"depends": ["zeta"]},  # depth 2 although its name sorts first
            "beta": {"depends": ["web", "alpha"]},  # deepest dependency decides: 3
            "gamma": {"depends": []},  # no dependency: depth 0, after base all the same
        },
    )
    plan = plan_install(index, ["beta", "gamma"])
    assert plan.modules == ("base", "gamma", "web", "zeta", "alpha", "beta")


def test_auto_install_list_brings_the_other_dependencies(tmp_path: Path) -> None:
    index = tree(
        tmp_path,
        {
            "shop": {"depends": ["web"]},
            "blog": {"depends": ["web"]},
            # installed as soon as shop is; then blog, its other dependency, comes too
            "shop_blog": {"depends": ["shop", "blog"], "auto_install": ["shop"]},
        },
    )
    plan = plan_install(index, ["shop"])
    assert plan.modules == ("base", "web", "blog", "shop", "shop_blog")
    assert plan.auto_installed == ("base", "shop_blog", "web")


def test_auto_install_true_needs_every_dependency(tmp_path: Path) -> None:
    index = tree(
        tmp_path,
        {
            "shop": {"depends": ["web"]},
            "blog": {"depends": ["web"]},
            "shop_blog": {"depends": ["shop", "blog"], "auto_install": True},
            "chain": {"depends": ["shop_blog"], "auto_install": True},
        },
    )
    assert "shop_blog" not in plan_install(index, ["shop"]).modules
    # Auto-installs trigger further auto-installs.
    assert plan_install(index, ["shop", "blog"]).modules == (
        "base",
        "web",
        "blog",
        "shop",
        "shop_blog",
        "chain",
    )


def test_empty_auto_install_list_is_always_installed(tmp_path: Path) -> None:
    index = tree(
        tmp_path,
        {
            "always": {"depends": ["web"], "auto_install": []},
            "other": {"depends": ["base"]},
        },
    )
    assert plan_install(index, ["other"]).modules == ("base", "other", "web", "always")


def test_auto_install_needs_a_trigger_marked_in_the_same_run(tmp_path: Path) -> None:
    # Without base being auto-install, nothing is marked when the database is created; base is
    # then installed (not marked) when -i runs, so a module triggered by base alone stays out.
    root = tmp_path / "addons"
    make_addon(root, "base", {"depends": []})
    make_addon(root, "on_base", {"depends": ["base"], "auto_install": True})
    make_addon(root, "crm", {"depends": ["base"]})
    make_addon(root, "on_crm", {"depends": ["base", "crm"], "auto_install": ["crm"]})
    plan = plan_install(AddonIndex([root]), ["crm"])
    assert plan.modules == ("base", "crm", "on_crm")


def test_uninstallable_dependency_leaves_the_module_out(tmp_path: Path) -> None:
    index = tree(
        tmp_path,
        {
            "old": {"depends": ["web"], "installable": False},
            "uses_old": {"depends": ["old"]},
            "fine": {"depends": ["web"]},
        },
    )
    plan = plan_install(index, ["uses_old", "fine"])
    assert plan.modules == ("base", "web", "fine")
    assert plan.not_loaded == ("uses_old",)


def test_all_modules_takes_every_installable_addon(tmp_path: Path) -> None:
    index = tree(
        tmp_path,
        {"a": {"depends": ["web"]}, "b": {"depends": ["a"]}, "off": {"installable": False}},
    )
    plan = plan_install(index, None)
    assert plan.requested == ("a", "b", "base", "web")
    assert plan.modules == ("base", "web", "a", "b")


@pytest.mark.parametrize(
    ("addons", "modules", "message"),
    [
        (
            {"sales": {"depends": ["web"]}},
            ["sale"],
            r"^module 'sale' is not in the addons path \(did you mean: sales\?\)$",
        ),
        ({"off": {"installable": False}}, ["off"], r"^module 'off' is not installable"),
        (
            {"a": {"depends": ["web", "ghost"]}},
            ["a"],
            r"^module 'a' depends on 'ghost', which is not in the addons path$",
        ),
        (
            {"a": {"depends": ["b"]}, "b": {"depends": ["a"]}},
            ["a"],
            r"^circular module dependencies: a > b > a > b",
        ),
        (
            {"a": {"depends": ["web"], "auto_install": ["crm"]}},
            ["web"],
            r"^broken manifest .*a/__manifest__\.py: auto_install names crm, which must be dependencies$",
        ),
    ],
)
def test_errors_name_the_module(
    tmp_path: Path, addons: dict[str, dict[str, Any]], modules: list[str], message: str
) -> None:
    with pytest.raises(AddonError, match=message):
        plan_install(tree(tmp_path, addons), modules)


def test_base_must_be_there(tmp_path: Path) -> None:
    make_addon(tmp_path / "addons", "web", WEB)
    with pytest.raises(AddonError, match="no 'base' addon in the addons path"):
        plan_install(AddonIndex([tmp_path / "addons"]), ["web"])


def test_fixture_modules(addons_tree: AddonsTree) -> None:
    index = AddonIndex(list(addons_tree.paths))
    # demo_auto follows demo_shop and brings website; demo_never waits for demo_uninstalled.
    plan = plan_install(index, ["demo_shop"])
    assert plan.modules == ("base", "web", "demo_blog", "website", "demo_shop", "demo_auto")
    assert plan.auto_installed == ("base", "demo_auto", "web")
    assert "demo_never" in plan_install(index, ["demo_uninstalled"]).modules


# --- series --------------------------------------------------------------------------------------


def test_series_from_release_py(tmp_path: Path) -> None:
    odoo = tmp_path / "odoo"
    make_addon(odoo / "addons", "base", {"version": "1.3"})
    (odoo / "release.py").write_text(
        "RELEASE_LEVELS = [ALPHA, BETA, RELEASE_CANDIDATE, FINAL] = ['alpha', 'beta', 'candidate', 'final']\n"
        "version_info = (17, 0, 0, FINAL, 0, '')\n",
        encoding="utf-8",
    )
    assert detect_series([odoo / "addons"]) == "17.0"


def test_series_from_base_manifest(tmp_path: Path, addons_tree: AddonsTree) -> None:
    assert detect_series(list(addons_tree.paths)) == "17.0"
    make_addon(tmp_path / "short", "base", {"version": "1.3"})
    with pytest.raises(
        ConfigError,
        match=r"cannot tell the Odoo series of .*base \(no release.py, manifest version '1.3'\): give --series",
    ):
        detect_series([tmp_path / "short"])
