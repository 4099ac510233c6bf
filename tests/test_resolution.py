"""Bundle resolution: every directive, ordering and filtering rule, with exact ordered lists."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from odoo_assets.addons import AddonIndex, active_addons, sort_addons
from odoo_assets.errors import AddonError, ResolutionError
from odoo_assets.resolution import (
    AttachmentAsset,
    IrAssetRow,
    ResolutionContext,
    resolve_bundle,
)
from tests.conftest import AddonsTree

FIXTURE_INSTALLED = frozenset(
    {"base", "web", "website", "theme_demo", "theme_other", "demo_blog", "demo_shop"}
)


def make_addon(root: Path, name: str, manifest: dict[str, Any], files: Sequence[str] = ()) -> None:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "__manifest__.py").write_text(repr(manifest))
    for relative in files:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"/* {relative} */\n")
        os.utime(path, (1700000000.0, 1700000000.0))


def context(
    paths: Sequence[Path],
    installed: frozenset[str],
    rows: Sequence[IrAssetRow] = (),
    *,
    website_installed: bool = False,
    website_id: int | None = None,
    attachments: Mapping[str, float] | None = None,
    themes: frozenset[str] = frozenset(),
    website_theme: str | None = None,
) -> ResolutionContext:
    index = AddonIndex(list(paths))
    active = active_addons(
        installed, theme_modules=themes, website_theme=website_theme, website_id=website_id
    )
    grouped: dict[str, tuple[IrAssetRow, ...]] = {}
    for row in rows:
        grouped[row.bundle] = (*grouped.get(row.bundle, ()), row)
    known = attachments or {}

    def lookup(url: str) -> AttachmentAsset | None:
        return AttachmentAsset(url, b"", known[url]) if url in known else None

    return ResolutionContext(
        addons=index,
        installed=installed,
        addon_order=sort_addons(index, active),
        ir_assets=grouped,
        website_installed=website_installed,
        website_id=website_id,
        attachment_lookup=lookup,
    )


def urls(ctx: ResolutionContext, bundle: str) -> list[str]:
    return [entry.url for entry in resolve_bundle(ctx, bundle).entries]


def row(id: int, path: str, *, bundle: str = "a.b", directive: str | None = "append",
        sequence: int = 16, active: bool = True, website_id: int | None = None,
        key: str | None = None, target: str | None = None) -> IrAssetRow:
    return IrAssetRow(id, f"row {id}", bundle, directive, path, target, active, sequence,
                      website_id, key)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "addons"
    files = [f"a/static/src/{n}.js" for n in ("one", "two", "three", "four")]
    make_addon(root, "a", {"assets": {}}, files)
    return root


def with_bundle(root: Path, commands: list[Any], extra: Mapping[str, list[Any]] | None = None) -> None:
    assets: dict[str, list[Any]] = {"a.b": commands}
    assets.update(extra or {})
    (root / "a" / "__manifest__.py").write_text(repr({"assets": assets}))


S = "/a/static/src/"


# --- directives --------------------------------------------------------------------------------


def test_append_string_and_tuple_keep_first_occurrence(tree: Path) -> None:
    with_bundle(tree, ["a/static/src/two.js", ("append", "a/static/src/one.js"), "a/static/src/two.js"])
    assert urls(context([tree], frozenset({"a"})), "a.b") == [S + "two.js", S + "one.js"]


def test_prepend_goes_to_start_of_current_bundle(tree: Path) -> None:
    with_bundle(tree, ["a/static/src/one.js", ("prepend", "a/static/src/two.js")])
    assert urls(context([tree], frozenset({"a"})), "a.b") == [S + "two.js", S + "one.js"]


def test_prepend_inside_include_inserts_where_the_included_bundle_started(tree: Path) -> None:
    with_bundle(
        tree,
        ["a/static/src/one.js", ("include", "a.inc"), "a/static/src/four.js"],
        {"a.inc": ["a/static/src/two.js", ("prepend", "a/static/src/three.js")]},
    )
    resolved = resolve_bundle(context([tree], frozenset({"a"})), "a.b")
    assert [e.url for e in resolved.entries] == [S + "one.js", S + "three.js", S + "two.js", S + "four.js"]
    assert [e.bundle for e in resolved.entries] == ["a.b", "a.inc", "a.inc", "a.b"]


def test_before_after_replace(tree: Path) -> None:
    with_bundle(
        tree,
        [
            "a/static/src/one.js",
            "a/static/src/two.js",
            ("before", "a/static/src/two.js", "a/static/src/three.js"),
            ("after", "a/static/src/one.js", "a/static/src/four.js"),
        ],
    )
    ctx = context([tree], frozenset({"a"}))
    assert urls(ctx, "a.b") == [S + "one.js", S + "four.js", S + "three.js", S + "two.js"]
    with_bundle(
        tree,
        ["a/static/src/one.js", "a/static/src/two.js",
         ("replace", "a/static/src/one.js", "a/static/src/three.js")],
    )
    assert urls(context([tree], frozenset({"a"})), "a.b") == [S + "three.js", S + "two.js"]


def test_remove_and_re_add(tree: Path) -> None:
    with_bundle(
        tree,
        ["a/static/src/*.js", ("remove", "a/static/src/one.js"), "a/static/src/one.js"],
    )
    assert urls(context([tree], frozenset({"a"})), "a.b") == [
        S + "four.js", S + "three.js", S + "two.js", S + "one.js",
    ]


def test_remove_of_absent_file_is_an_error_but_empty_glob_is_not(tree: Path) -> None:
    with_bundle(tree, ["a/static/src/one.js", ("remove", "a/static/src/nothing/*.js")])
    assert urls(context([tree], frozenset({"a"})), "a.b") == [S + "one.js"]
    with_bundle(tree, ["a/static/src/one.js", ("remove", "a/static/src/two.js")])
    with pytest.raises(ResolutionError, match=r"bundle 'a.b': cannot remove 'a/static/src/two.js'"):
        resolve_bundle(context([tree], frozenset({"a"})), "a.b")


def test_missing_target_is_an_error_naming_bundle_and_target(tree: Path) -> None:
    with_bundle(tree, ["a/static/src/one.js", ("after", "a/static/src/two.js", "a/static/src/three.js")])
    with pytest.raises(ResolutionError, match=r"'a.b': after target 'a/static/src/two.js' is not in"):
        resolve_bundle(context([tree], frozenset({"a"})), "a.b")


def test_target_glob_without_asset_extension_is_silently_skipped(tree: Path) -> None:
    with_bundle(tree, ["a/static/src/one.js", ("after", "a/static/nothing/*", "a/static/src/two.js")])
    assert urls(context([tree], frozenset({"a"})), "a.b") == [S + "one.js"]


def test_circular_include(tree: Path) -> None:
    with_bundle(tree, [("include", "a.c")], {"a.c": [("include", "a.b")]})
    with pytest.raises(ResolutionError, match=r"Circular assets bundle declaration: a.b > a.c > a.b"):
        resolve_bundle(context([tree], frozenset({"a"})), "a.b")


def test_unexpected_directive_and_malformed_command(tree: Path) -> None:
    with_bundle(tree, [("shuffle", "a/static/src/one.js")])
    with pytest.raises(ResolutionError, match="unexpected directive 'shuffle'"):
        resolve_bundle(context([tree], frozenset({"a"})), "a.b")
    with_bundle(tree, [("before", "a/static/src/one.js")])
    with pytest.raises(ResolutionError, match="malformed asset command"):
        resolve_bundle(context([tree], frozenset({"a"})), "a.b")
    rows = [row(1, "a/static/src/one.js", directive=None)]
    with_bundle(tree, [])
    with pytest.raises(ResolutionError, match="unexpected directive None"):
        resolve_bundle(context([tree], frozenset({"a"}), rows), "a.b")


# --- paths and globs ---------------------------------------------------------------------------


def test_glob_order_extension_filter_and_dotfiles(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    files = ["g/static/src/b.js", "g/static/src/B.js", "g/static/src/a.b.js", "g/static/src/a/z.js",
             "g/static/src/a.xml", "g/static/src/.hidden.js", "g/static/src/a/deep/x.scss",
             "g/static/src/readme.txt"]
    make_addon(root, "g", {"assets": {"g.b": ["g/static/src/**/*"]}}, files)
    assert urls(context([root], frozenset({"g"})), "g.b") == [
        "/g/static/src/B.js", "/g/static/src/a.b.js", "/g/static/src/a.xml",
        "/g/static/src/a/deep/x.scss", "/g/static/src/a/z.js", "/g/static/src/b.js",
    ]


def test_files_outside_static_and_escaping_paths_become_attachment_entries(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    make_addon(root, "a", {"assets": {"a.b": [
        "a/controllers/main.js", "a/static/../../etc/passwd.js", "a/static/src/missing.js",
    ]}}, ["a/controllers/main.js"])
    resolved = resolve_bundle(context([root], frozenset({"a"})), "a.b")
    assert [(e.url, e.kind, e.filename) for e in resolved.entries] == [
        ("a/controllers/main.js", "attachment", None),
        ("a/static/../../etc/passwd.js", "attachment", None),
        ("a/static/src/missing.js", "attachment", None),
    ]


def test_external_urls_are_kept_apart(tree: Path) -> None:
    with_bundle(tree, ["https://cdn.example.com/x.js", "a/static/src/one.js", "/web/content/12/x.css"])
    resolved = resolve_bundle(context([tree], frozenset({"a"})), "a.b")
    assert [e.url for e in resolved.entries] == [S + "one.js"]
    assert [e.url for e in resolved.externals] == ["https://cdn.example.com/x.js", "/web/content/12/x.css"]


def test_files_of_addons_not_installed_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    make_addon(root, "a", {"assets": {"a.b": ["z/static/src/x.js"]}})
    make_addon(root, "z", {}, ["z/static/src/x.js"])
    with pytest.raises(ResolutionError, match=r"'z/static/src/x.js' belongs to addon 'z', which is not installed"):
        resolve_bundle(context([root], frozenset({"a"})), "a.b")


def test_attachment_entry_takes_write_date_as_mtime(tree: Path) -> None:
    with_bundle(tree, ["/_custom/a.b/a/static/src/one.js"])
    ctx = context([tree], frozenset({"a"}), attachments={"/_custom/a.b/a/static/src/one.js": 1709289000.5})
    [entry] = resolve_bundle(ctx, "a.b").entries
    assert (entry.kind, entry.last_modified) == ("attachment", 1709289000.5)


def test_unknown_bundle_suggests_close_names(tree: Path) -> None:
    with_bundle(tree, ["a/static/src/one.js"])
    with pytest.raises(ResolutionError, match=r"unknown bundle 'a.bb' \(did you mean: a.b\?\)"):
        resolve_bundle(context([tree], frozenset({"a"})), "a.bb")


# --- ir.asset rows -----------------------------------------------------------------------------


def test_rows_split_around_sequence_16_and_ordered_by_sequence_then_id(tree: Path) -> None:
    with_bundle(tree, ["a/static/src/two.js"])
    rows = [
        row(5, "a/static/src/four.js", sequence=16),
        row(3, "a/static/src/three.js", sequence=16),
        row(9, "a/static/src/one.js", sequence=15),
        row(2, "a/static/src/nope.js", sequence=1, active=False),
    ]
    assert urls(context([tree], frozenset({"a"}), rows), "a.b") == [
        S + "one.js", S + "two.js", S + "three.js", S + "four.js",
    ]


def test_website_rows_and_key_overrides(tree: Path) -> None:
    with_bundle(tree, [])
    rows = [
        row(1, "a/static/src/one.js", key="k1"),
        row(2, "a/static/src/two.js", key="k1", website_id=2),
        row(3, "a/static/src/three.js", website_id=1),
        row(4, "a/static/src/four.js", key="k2"),
        row(5, "a/static/src/four.js", key="k2", website_id=2, active=False),
    ]
    def for_site(site: int | None) -> list[str]:
        return urls(context([tree], frozenset({"a"}), rows, website_installed=True, website_id=site), "a.b")
    assert for_site(None) == [S + "one.js", S + "four.js"]
    assert for_site(1) == [S + "one.js", S + "three.js", S + "four.js"]
    assert for_site(2) == [S + "two.js"]
    # Without the website module the column means nothing.
    assert urls(context([tree], frozenset({"a"}), rows), "a.b") == [
        S + "one.js", S + "two.js", S + "three.js", S + "four.js",
    ]


# --- addons ------------------------------------------------------------------------------------


def test_addon_order_applications_sequence_name_then_depends(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    make_addon(root, "zapp", {"application": True, "depends": ["mid", "base"]})
    make_addon(root, "mid", {"depends": ["base"], "sequence": 50})
    make_addon(root, "base", {})
    make_addon(root, "early", {"sequence": 5})
    make_addon(root, "late", {"depends": ["ghost"]})
    index = AddonIndex([root])
    assert sort_addons(index, ["late", "early", "mid", "base", "zapp"]) == (
        "base", "mid", "zapp", "early", "late",
    )


def test_first_addons_path_wins_and_broken_manifest_names_the_file(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    make_addon(first, "a", {"version": "1"})
    make_addon(second, "a", {"version": "2"})
    make_addon(second, "b", {})
    (second / "b" / "__manifest__.py").write_text("{'name': 'b', 'depends': [\n")
    index = AddonIndex([first, second])
    addon = index.get("a")
    assert addon is not None and addon.manifest["version"] == "1" and addon.addons_path == first
    with pytest.raises(AddonError, match=r"broken manifest .*two/b/__manifest__.py: line \d+"):
        index.get("b")
    (second / "b" / "__manifest__.py").write_text("{'name': __import__('os').getcwd()}")
    with pytest.raises(AddonError, match="not a plain Python literal"):
        AddonIndex([second]).get("b")


# --- the fixture tree --------------------------------------------------------------------------


def fixture_context(tree: AddonsTree, website_id: int | None = None, rows: Sequence[IrAssetRow] = ()) -> ResolutionContext:
    theme = {1: "theme_demo", 2: "theme_other"}.get(website_id or 0)
    return context(
        tree.paths, FIXTURE_INSTALLED, rows, website_installed=True, website_id=website_id,
        themes=frozenset({"theme_demo", "theme_other"}), website_theme=theme,
    )


def test_fixture_assets_web(addons_tree: AddonsTree) -> None:
    assert urls(fixture_context(addons_tree), "web.assets_web") == [
        "/demo_blog/static/src/backend/blog_vars.scss",
        "/web/static/lib/bootstrap/scss/_functions.scss",
        "/web/static/src/scss/primary_variables.scss",
        "/website/static/src/scss/primary_variables.scss",
        "/website/static/src/scss/options/user_values.scss",
        "/theme_demo/static/src/scss/primary_variables.scss",
        "/theme_other/static/src/scss/primary_variables.scss",
        "/web/static/src/scss/secondary_variables.scss",
        "/web/static/lib/bootstrap/scss/_variables.scss",
        "/web/static/lib/bootstrap/scss/_mixins.scss",
        "/web/static/lib/bootstrap/scss/_root.scss",
        "/web/static/lib/bootstrap/scss/_buttons.scss",
        "/web/static/lib/bootstrap/scss/_utilities.scss",
        "/web/static/src/scss/bootstrap_backend.scss",
        "/web/static/src/css/reset.css",
        "/web/static/src/module_loader.js",
        "/demo_shop/static/src/legacy_replacement.js",
        "/web/static/src/legacy/polyfill.js",
        "/web/static/src/core/browser.js",
        "/web/static/src/core/l10n.js",
        "/web/static/src/core/registry.js",
        "/demo_blog/static/src/backend/blog_patch.js",
        "/web/static/src/core/templates.xml",
        "/web/static/src/core/utils/functions.js",
        "/web/static/src/core/utils/strings.js",
        "/web/static/src/views/list.xml",
        "/web/static/src/scss/webclient.scss",
        "/demo_shop/static/src/backend/shop_dashboard.js",
        "/demo_shop/static/src/backend/shop_dashboard.xml",
        "/web/static/src/main.js",
        "/web/static/src/start.js",
    ]


def test_fixture_shop_bundle_prepend_into_included_bundle(addons_tree: AddonsTree) -> None:
    assert urls(fixture_context(addons_tree), "demo_shop.assets_shop") == [
        "/demo_shop/static/src/shop_setup.js",
        "/demo_shop/static/src/shop.js",
        "/demo_shop/static/src/blog_first.js",
        "/demo_blog/static/src/blog/Post_legacy.js",
        "/demo_blog/static/src/blog/post.js",
        "/demo_blog/static/src/blog/post.utils.js",
        "/demo_blog/static/src/blog/widgets/comments.js",
        "/demo_blog/static/src/blog.scss",
        "/demo_shop/static/src/shop.scss",
    ]


def test_fixture_frontend_for_website_filters_themes(addons_tree: AddonsTree) -> None:
    site1 = urls(fixture_context(addons_tree, 1), "web.assets_frontend_lazy")
    assert "/theme_demo/static/src/js/theme.js" in site1
    assert not any(u.startswith("/theme_other/") for u in site1)
    assert "/web/static/src/module_loader.js" not in site1
    site2 = urls(fixture_context(addons_tree, 2), "web.assets_frontend_lazy")
    assert not any(u.startswith("/theme_demo/") for u in site2)
    assert site2[-2:] == ["/theme_other/static/src/scss/theme.scss", "/theme_other/static/src/js/theme.js"]
