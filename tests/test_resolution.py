"""Bundle resolution: every directive, ordering and filtering rule, with exact ordered lists."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from odoo_assets.addons import AddonIndex, active_addons, sort_addons
from odoo_assets.errors import ResolutionError
from odoo_assets.resolution import (
    AttachmentAsset,
    IrAssetRow,
    ResolutionContext,
    can_aggregate,
    closest_bundles,
    known_bundles,
    resolve_bundle,
)
from tests.conftest import AddonsTree

MTIME = 1700000000.0


def make_addon(root: Path, name: str, manifest: Mapping[str, Any], files: Sequence[str] = ()) -> None:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "__manifest__.py").write_text(repr(dict(manifest)))
    for relative in files:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"/* {relative} */\n")
        os.utime(path, (MTIME, MTIME))


def context(
    paths: Sequence[Path],
    installed: frozenset[str] | set[str],
    rows: Sequence[IrAssetRow] = (),
    *,
    website_installed: bool = False,
    website_id: int | None = None,
    attachments: Mapping[str, float] | None = None,
    themes: frozenset[str] = frozenset(),
    website_theme: str | None = None,
    lookups: list[str] | None = None,
) -> ResolutionContext:
    index = AddonIndex(list(paths))
    installed = frozenset(installed)
    active = active_addons(
        installed, theme_modules=themes, website_theme=website_theme, website_id=website_id
    )
    grouped: dict[str, tuple[IrAssetRow, ...]] = {}
    for row in rows:
        grouped[row.bundle] = (*grouped.get(row.bundle, ()), row)
    known = attachments or {}

    def lookup(url: str) -> AttachmentAsset | None:
        if lookups is not None:
            lookups.append(url)
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


def row(
    id: int,
    path: str,
    *,
    bundle: str = "a.b",
    directive: str | None = "append",
    sequence: int = 16,
    active: bool = True,
    website_id: int | None = None,
    key: str | None = None,
    target: str | None = None,
) -> IrAssetRow:
    return IrAssetRow(id, f"row {id}", bundle, directive, path, target, active, sequence, website_id, key)


FILES = ("one", "two", "three", "four", "five")
S = "/a/static/src/"
P = "a/static/src/"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "addons"
    make_addon(root, "a", {"assets": {}}, [f"a/static/src/{n}.js" for n in FILES])
    return root


def with_bundle(
    root: Path, commands: list[Any], extra: Mapping[str, list[Any]] | None = None
) -> ResolutionContext:
    assets: dict[str, list[Any]] = {"a.b": commands, **(extra or {})}
    (root / "a" / "__manifest__.py").write_text(repr({"assets": assets}))
    return context([root], {"a"})


# --- append, prepend, de-duplication -----------------------------------------------------------


def test_append_string_and_tuple_keep_the_first_occurrence(tree: Path) -> None:
    ctx = with_bundle(tree, [P + "two.js", ("append", P + "one.js"), P + "two.js", "/" + P + "one.js"])
    resolved = resolve_bundle(ctx, "a.b")
    assert resolved.urls() == [S + "two.js", S + "one.js"]
    assert [(e.filename, e.last_modified, e.kind, e.bundle) for e in resolved.entries] == [
        (str(tree / "a/static/src/two.js"), MTIME, "file", "a.b"),
        (str(tree / "a/static/src/one.js"), MTIME, "file", "a.b"),
    ]
    assert [(t.action, t.url, t.index) for t in resolved.trace] == [
        ("added", S + "two.js", 0),
        ("added", S + "one.js", 1),
        ("duplicate", S + "two.js", None),
        ("duplicate", S + "one.js", None),
    ]


def test_prepend_goes_to_the_start_of_the_bundle(tree: Path) -> None:
    ctx = with_bundle(tree, [P + "one.js", P + "two.js", ("prepend", P + "t*.js"), ("prepend", P + "one.js")])
    # Several prepended files keep their glob order; a present one stays where it is.
    assert urls(ctx, "a.b") == [S + "three.js", S + "one.js", S + "two.js"]


def test_prepend_inside_include_inserts_where_the_included_bundle_started(tree: Path) -> None:
    ctx = with_bundle(
        tree,
        [P + "one.js", ("include", "a.inc"), P + "four.js"],
        {"a.inc": [P + "two.js", ("prepend", P + "three.js")]},
    )
    resolved = resolve_bundle(ctx, "a.b")
    assert resolved.urls() == [S + "one.js", S + "three.js", S + "two.js", S + "four.js"]
    assert [e.bundle for e in resolved.entries] == ["a.b", "a.inc", "a.inc", "a.b"]
    assert [e.origin.bundle for e in resolved.entries] == ["a.b", "a.inc", "a.inc", "a.b"]


def test_prepend_after_an_include_still_goes_before_it(tree: Path) -> None:
    ctx = with_bundle(tree, [("include", "a.inc"), ("prepend", P + "one.js")], {"a.inc": [P + "two.js"]})
    assert urls(ctx, "a.b") == [S + "one.js", S + "two.js"]


def test_included_bundle_is_de_duplicated_globally(tree: Path) -> None:
    ctx = with_bundle(
        tree,
        [P + "two.js", ("include", "a.x"), ("include", "a.y")],
        {
            "a.x": [("include", "a.z"), P + "one.js"],
            "a.y": [("include", "a.z"), P + "three.js"],
            "a.z": [P + "two.js", P + "four.js"],
        },
    )
    resolved = resolve_bundle(ctx, "a.b")
    assert resolved.urls() == [S + "two.js", S + "four.js", S + "one.js", S + "three.js"]
    assert [e.bundle for e in resolved.entries] == ["a.b", "a.z", "a.x", "a.y"]


# --- before, after, replace, remove ------------------------------------------------------------


def test_before_and_after(tree: Path) -> None:
    ctx = with_bundle(
        tree,
        [
            P + "one.js",
            P + "two.js",
            ("before", P + "two.js", P + "three.js"),
            ("after", P + "one.js", P + "four.js"),
            ("after", P + "two.js", P + "f*.js"),
        ],
    )
    assert urls(ctx, "a.b") == [S + "one.js", S + "four.js", S + "three.js", S + "two.js", S + "five.js"]


def test_before_uses_the_first_file_of_a_glob_target(tree: Path) -> None:
    # The first file of the glob in path order (three.js), not the first one in the bundle.
    ctx = with_bundle(tree, [P + "two.js", P + "three.js", ("before", P + "t*.js", P + "one.js")])
    assert urls(ctx, "a.b") == [S + "two.js", S + "one.js", S + "three.js"]


def test_replace_takes_the_place_of_its_target(tree: Path) -> None:
    ctx = with_bundle(tree, [P + "one.js", P + "two.js", ("replace", P + "one.js", P + "f*.js")])
    resolved = resolve_bundle(ctx, "a.b")
    assert resolved.urls() == [S + "five.js", S + "four.js", S + "two.js"]
    assert [(t.action, t.url, t.index) for t in resolved.trace][-3:] == [
        ("replaced", S + "five.js", 0),
        ("replaced", S + "four.js", 1),
        ("removed", S + "one.js", 2),
    ]


def test_replace_with_a_glob_target_removes_every_match(tree: Path) -> None:
    ctx = with_bundle(
        tree, [P + "one.js", P + "three.js", P + "two.js", ("replace", P + "t*.js", P + "five.js")]
    )
    assert urls(ctx, "a.b") == [S + "one.js", S + "five.js"]


def test_replace_by_a_file_already_present_only_removes_the_target(tree: Path) -> None:
    ctx = with_bundle(
        tree, [P + "one.js", P + "two.js", P + "three.js", ("replace", P + "two.js", P + "three.js")]
    )
    assert urls(ctx, "a.b") == [S + "one.js", S + "three.js"]


def test_remove_reaches_files_of_other_bundles_and_re_adding_appends(tree: Path) -> None:
    ctx = with_bundle(
        tree,
        [("include", "a.inc"), P + "*.js", ("remove", P + "one.js"), P + "one.js"],
        {"a.inc": [P + "two.js", P + "one.js"]},
    )
    assert urls(ctx, "a.b") == [S + "two.js", S + "five.js", S + "four.js", S + "three.js", S + "one.js"]


def test_remove_of_partly_present_files_removes_those_present(tree: Path) -> None:
    ctx = with_bundle(tree, [P + "one.js", P + "two.js", ("remove", P + "t*.js")])
    assert urls(ctx, "a.b") == [S + "one.js"]


def test_remove_of_a_file_not_in_the_bundle_is_an_error(tree: Path) -> None:
    ctx = with_bundle(tree, [P + "one.js", ("remove", P + "two.js")])
    with pytest.raises(
        ResolutionError, match=r"^bundle 'a.b': cannot remove 'a/static/src/two.js', not found in bundle"
    ):
        resolve_bundle(ctx, "a.b")
    ctx = with_bundle(tree, [P + "one.js", ("remove", P + "missing.js")])
    with pytest.raises(ResolutionError, match=r"cannot remove 'a/static/src/missing.js'"):
        resolve_bundle(ctx, "a.b")


def test_remove_of_a_glob_matching_nothing_is_a_no_op_with_a_warning(tree: Path) -> None:
    ctx = with_bundle(tree, [P + "one.js", ("remove", P + "nothing/*.js")])
    resolved = resolve_bundle(ctx, "a.b")
    assert resolved.urls() == [S + "one.js"]
    assert [(t.action, t.url) for t in resolved.trace] == [
        ("added", S + "one.js"),
        ("no-match", P + "nothing/*.js"),
    ]
    assert [w.message() for w in resolved.warnings] == [
        "a/__manifest__.py [a.b] remove 'a/static/src/nothing/*.js': glob matches no file"
    ]


@pytest.mark.parametrize("directive", ["before", "after", "replace"])
def test_target_not_in_the_bundle_is_an_error_naming_bundle_and_target(tree: Path, directive: str) -> None:
    ctx = with_bundle(tree, [P + "one.js", (directive, P + "two.js", P + "three.js")])
    with pytest.raises(
        ResolutionError,
        match=rf"^bundle 'a.b': {directive} target 'a/static/src/two.js' not found in bundle"
        r" \(a/__manifest__.py",
    ):
        resolve_bundle(ctx, "a.b")


def test_missing_target_file_and_empty_glob_target_with_asset_extension_are_errors(tree: Path) -> None:
    ctx = with_bundle(tree, [P + "one.js", ("after", P + "missing.js", P + "two.js")])
    with pytest.raises(ResolutionError, match=r"after target 'a/static/src/missing.js' not found"):
        resolve_bundle(ctx, "a.b")
    ctx = with_bundle(tree, [P + "one.js", ("after", P + "nothing/*.js", P + "two.js")])
    with pytest.raises(ResolutionError, match=r"after target 'a/static/src/nothing/\*.js' not found"):
        resolve_bundle(ctx, "a.b")


def test_empty_glob_target_without_asset_extension_is_silently_skipped(tree: Path) -> None:
    ctx = with_bundle(
        tree,
        [
            P + "one.js",
            ("after", "a/static/nothing/*", P + "two.js"),
            ("replace", "a/static/src/*.txt", P + "three.js"),
        ],
    )
    resolved = resolve_bundle(ctx, "a.b")
    assert resolved.urls() == [S + "one.js"]
    assert [t.action for t in resolved.trace] == ["added", "no-match", "no-match"]


def test_an_external_url_can_be_a_target(tree: Path) -> None:
    cdn = "https://cdn.example.com/lib.js"
    ctx = with_bundle(tree, [P + "one.js", cdn, ("before", cdn, P + "two.js"), P + "three.js"])
    resolved = resolve_bundle(ctx, "a.b")
    assert resolved.urls() == [S + "one.js", S + "two.js", S + "three.js"]
    assert [e.url for e in resolved.externals] == [cdn]


# --- include -----------------------------------------------------------------------------------


def test_circular_include_names_the_chain(tree: Path) -> None:
    ctx = with_bundle(
        tree, [("include", "a.c")], {"a.c": [P + "one.js", ("include", "a.d")], "a.d": [("include", "a.b")]}
    )
    with pytest.raises(ResolutionError) as info:
        resolve_bundle(ctx, "a.b")
    assert str(info.value) == "bundle 'a.b': Circular assets bundle declaration: a.b > a.c > a.d > a.b"
    ctx = with_bundle(tree, [("include", "a.b")])
    with pytest.raises(ResolutionError, match=r"Circular assets bundle declaration: a.b > a.b$"):
        resolve_bundle(ctx, "a.b")


def test_including_an_undefined_bundle_adds_nothing(tree: Path) -> None:
    ctx = with_bundle(tree, [P + "one.js", ("include", "a.nowhere")])
    assert urls(ctx, "a.b") == [S + "one.js"]


# --- malformed commands ------------------------------------------------------------------------


def test_unknown_directive_and_malformed_commands(tree: Path) -> None:
    ctx = with_bundle(tree, [("shuffle", P + "one.js")])
    with pytest.raises(
        ResolutionError, match=r"^bundle 'a.b': Unexpected directive 'shuffle' in a/__manifest__.py"
    ):
        resolve_bundle(ctx, "a.b")
    ctx = with_bundle(tree, [("before", P + "one.js")])
    manifest = tree / "a" / "__manifest__.py"
    with pytest.raises(ResolutionError) as info:
        resolve_bundle(ctx, "a.b")
    assert (
        str(info.value)
        == f"bundle 'a.b': malformed asset command ('before', 'a/static/src/one.js') in {manifest}"
    )
    ctx = with_bundle(tree, [("append", P + "one.js", P + "two.js")])
    with pytest.raises(ResolutionError, match="malformed asset command"):
        resolve_bundle(ctx, "a.b")
    ctx = with_bundle(tree, [""])
    with pytest.raises(ResolutionError, match=r"^bundle 'a.b': empty asset path ''$"):
        resolve_bundle(ctx, "a.b")


def test_row_without_directive_or_target(tree: Path) -> None:
    with_bundle(tree, [P + "one.js"])
    ctx = context([tree], {"a"}, [row(7, P + "two.js", directive=None)])
    with pytest.raises(ResolutionError, match=r"^bundle 'a.b': Unexpected directive None in ir.asset #7"):
        resolve_bundle(ctx, "a.b")
    ctx = context([tree], {"a"}, [row(8, P + "two.js", directive="after", target=None)])
    with pytest.raises(ResolutionError, match=r"^bundle 'a.b': after without a target in ir.asset #8"):
        resolve_bundle(ctx, "a.b")


# --- paths and globs ---------------------------------------------------------------------------


def test_glob_order_extension_filter_and_dotfiles(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    files = [
        "g/static/src/b.js",
        "g/static/src/B.js",
        "g/static/src/a.b.js",
        "g/static/src/a/z.js",
        "g/static/src/a.xml",
        "g/static/src/.hidden.js",
        "g/static/src/.dir/x.js",
        "g/static/src/a/deep/x.scss",
        "g/static/src/readme.txt",
        "g/static/src/logo.svg",
        "g/static/src/s.sass",
        "g/static/src/l.less",
        "g/static/src/c.css",
        "g/static/src/_.js",
    ]
    make_addon(root, "g", {"assets": {"g.b": ["g/static/src/**/*"]}}, files)
    assert urls(context([root], {"g"}), "g.b") == [
        "/g/static/src/B.js",
        "/g/static/src/_.js",
        "/g/static/src/a.b.js",
        "/g/static/src/a.xml",
        "/g/static/src/a/deep/x.scss",
        "/g/static/src/a/z.js",
        "/g/static/src/b.js",
        "/g/static/src/c.css",
        "/g/static/src/l.less",
        "/g/static/src/s.sass",
    ]


def test_double_star_matches_zero_or_more_directories(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    files = ["g/static/src/top.js", "g/static/src/x/mid.js", "g/static/src/x/y/low.js", "g/static/other.js"]
    make_addon(
        root,
        "g",
        {
            "assets": {
                "g.all": ["g/static/src/**/*.js"],
                "g.one": ["g/static/src/*/*.js"],
                "g.q": ["g/static/src/?op.js"],
                "g.set": ["g/static/src/[st]op.js"],
            }
        },
        files,
    )
    ctx = context([root], {"g"})
    assert urls(ctx, "g.all") == [
        "/g/static/src/top.js",
        "/g/static/src/x/mid.js",
        "/g/static/src/x/y/low.js",
    ]
    assert urls(ctx, "g.one") == ["/g/static/src/x/mid.js"]
    assert urls(ctx, "g.q") == ["/g/static/src/top.js"]
    assert urls(ctx, "g.set") == ["/g/static/src/top.js"]


def test_leading_slash_and_repeated_slashes_give_the_same_web_path(tree: Path) -> None:
    ctx = with_bundle(tree, ["/a/static/src/one.js", "a//static/src/one.js", "a/static/src//two.js"])
    assert urls(ctx, "a.b") == [S + "one.js", S + "two.js"]


def test_missing_files_become_attachment_entries_kept_verbatim(tree: Path) -> None:
    custom = "/_custom/a.b/a/static/src/one.js"
    lookups: list[str] = []
    with_bundle(tree, [P + "missing.js", custom, "/" + P + "gone.scss", "nope/static/x.js"])
    ctx = context([tree], {"a"}, attachments={custom: 1709289000.598335}, lookups=lookups)
    resolved = resolve_bundle(ctx, "a.b")
    assert [(e.url, e.kind, e.filename, e.last_modified) for e in resolved.entries] == [
        (P + "missing.js", "attachment", None, None),
        (custom, "attachment", None, 1709289000.598335),
        ("/" + P + "gone.scss", "attachment", None, None),
        ("nope/static/x.js", "attachment", None, None),
    ]
    assert lookups == [P + "missing.js", custom, "/" + P + "gone.scss", "nope/static/x.js"]
    # The attachment found is what Odoo serves; the others build with an error in their place.
    assert [(w.kind, w.path, w.reason) for w in resolved.warnings] == [
        ("missing", P + "missing.js", "no such file and no attachment with this URL"),
        ("missing", "/" + P + "gone.scss", "no such file and no attachment with this URL"),
        ("missing", "nope/static/x.js", "no such file and no attachment with this URL"),
    ]


def test_warnings_name_the_manifest_or_the_row_and_come_once(tree: Path) -> None:
    with_bundle(
        tree,
        [P + "missing.js", P + "missing.js", "a/static/notes.txt", ("include", "a.c"), ("include", "a.c")],
        {"a.c": [P + "none/*.js"]},
    )
    (tree / "a/static/notes.txt").write_text("notes")
    rows = [row(7, P + "missing.js"), row(8, "a/models/model.js", sequence=20, target=None)]
    resolved = resolve_bundle(context([tree], {"a"}, rows), "a.b")
    assert [w.message() for w in resolved.warnings] == [
        "a/__manifest__.py [a.b] append 'a/static/src/missing.js': no such file and no attachment with this URL",
        "a/__manifest__.py [a.b] append 'a/static/notes.txt': .txt is not an asset type: Odoo ignores the entry",
        "a/__manifest__.py [a.c] append 'a/static/src/none/*.js': glob matches no file",
        "ir.asset #8 'row 8' [a.b] append 'a/models/model.js': outside a/static/, never read from disk;"
        " no attachment with this URL",
    ]
    assert resolved.warnings[3].to_dict() == {
        "kind": "outside-static",
        "file": None,
        "row": 8,
        "row_name": "row 8",
        "bundle": "a.b",
        "directive": "append",
        "path": "a/models/model.js",
        "reason": "outside a/static/, never read from disk; no attachment with this URL",
        "message": resolved.warnings[3].message(),
    }


def test_wildcard_matching_nothing_adds_nothing(tree: Path) -> None:
    ctx = with_bundle(tree, [P + "nothing/*.js", P + "one.js", "a/static/src/[xy].js", "a/static/src/?.js"])
    resolved = resolve_bundle(ctx, "a.b")
    assert resolved.urls() == [S + "one.js"]
    assert [(w.kind, w.path) for w in resolved.warnings] == [
        ("no-match", P + "nothing/*.js"),
        ("no-match", "a/static/src/[xy].js"),
        ("no-match", "a/static/src/?.js"),
    ]


def test_paths_escaping_static_never_read_outside(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    make_addon(root, "a", {}, ["a/controllers/main.js", "a/static/src/one.js"])
    make_addon(root, "b", {}, ["b/static/src/x.js", "b/x.js"])
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd.js").write_text("secret")
    escaping = [
        "a/controllers/main.js",
        "a/static/../../etc/passwd.js",
        "a/../../etc/passwd.js",
        "a/static/../../b/static/src/x.js",
        "a/static/../../b/x.js",
        "a/static/src/../../controllers/main.js",
        "a/static/../../etc/*.js",
    ]
    (root / "a" / "__manifest__.py").write_text(repr({"assets": {"a.b": escaping}}))
    lookups: list[str] = []
    resolved = resolve_bundle(context([root], {"a", "b"}, lookups=lookups), "a.b")
    assert [(e.url, e.kind, e.filename) for e in resolved.entries] == [
        (path, "attachment", None) for path in escaping[:-1]
    ]
    assert lookups == escaping[:-1]
    assert [(w.kind, w.path) for w in resolved.warnings] == [
        *(("outside-static", path) for path in escaping[:-1]),
        ("no-match", "a/static/../../etc/*.js"),
    ]


def test_dot_dot_inside_static_stays_in_the_addon(tree: Path) -> None:
    ctx = with_bundle(tree, ["a/static/src/../src/one.js", "a/static/lib/../src/two.js"])
    resolved = resolve_bundle(ctx, "a.b")
    assert [(e.url, e.filename) for e in resolved.entries] == [
        (S + "one.js", str(tree / "a/static/src/one.js")),
        (S + "two.js", str(tree / "a/static/src/two.js")),
    ]


def test_external_urls_are_kept_apart_in_order(tree: Path) -> None:
    ctx = with_bundle(
        tree,
        [
            "https://cdn.example.com/x.js",
            P + "one.js",
            "/web/content/12/x.css",
            "//cdn.example.com/y.css",
            "http://cdn.example.com/z.js",
            "https://cdn.example.com/x.js",
        ],
    )
    resolved = resolve_bundle(ctx, "a.b")
    assert resolved.urls() == [S + "one.js"]
    assert [(e.url, e.kind, e.last_modified) for e in resolved.externals] == [
        ("https://cdn.example.com/x.js", "external", -1),
        ("/web/content/12/x.css", "external", -1),
        ("//cdn.example.com/y.css", "external", -1),
        ("http://cdn.example.com/z.js", "external", -1),
    ]


@pytest.mark.parametrize(
    ("path", "aggregatable"),
    [
        ("web/static/a.js", True),
        ("/web/static/a.js", True),
        ("/_custom/web.x/a.js", True),
        ("web/static/a:b.js", True),
        ("localhost:8080", True),
        ("x.js?y=1", True),
        ("http://x/a.js", False),
        ("https:x.js", False),
        ("//cdn.example.com/x.js", False),
        ("/web/content/1", False),
        ("/web/contents.js", False),
        ("C:/x.js", False),
        ("1web:x.js", False),
        ("a,b:c.js", False),
        ("web:80/x.js", False),
    ],
)
def test_can_aggregate_splits_urls_like_odoo(path: str, aggregatable: bool) -> None:
    assert can_aggregate(path) is aggregatable


def test_malformed_host_is_an_error(tree: Path) -> None:
    ctx = with_bundle(tree, ["//[cdn.example.com/x.js"])
    with pytest.raises(ResolutionError) as info:
        resolve_bundle(ctx, "a.b")
    assert str(info.value) == "bundle 'a.b': invalid URL '//[cdn.example.com/x.js': Invalid IPv6 URL"


def test_files_of_addons_not_installed_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    make_addon(root, "z", {}, ["z/static/src/x.js"])
    for commands in (["z/static/src/x.js"], ["z/static/src/missing.js"], ["/z/static/src/*.js"]):
        make_addon(root, "a", {"assets": {"a.b": commands}})
        with pytest.raises(ResolutionError) as info:
            resolve_bundle(context([root], {"a"}), "a.b")
        assert str(info.value) == (
            f"bundle 'a.b': Unallowed to fetch files from addon z for file {commands[0]}"
            " (addon z is not installed)"
        )
    make_addon(
        root, "a", {"assets": {"a.b": ["a/static/x.js", ("after", "z/static/src/x.js", "a/static/y.js")]}}
    )
    with pytest.raises(
        ResolutionError, match=r"Unallowed to fetch files from addon z for file z/static/src/x\.js"
    ):
        resolve_bundle(context([root], {"a"}), "a.b")


def test_server_wide_installed_addon_is_allowed_even_when_not_active(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    make_addon(root, "a", {"assets": {"a.b": ["z/static/src/x.js"]}})
    make_addon(
        root, "z", {"assets": {"a.b": ["z/static/src/y.js"]}}, ["z/static/src/x.js", "z/static/src/y.js"]
    )
    index = AddonIndex([root])
    ctx = ResolutionContext(index, frozenset({"a", "z"}), sort_addons(index, {"a"}), {})
    # z's files may be named, but z's own manifest does not count while it is not active.
    assert urls(ctx, "a.b") == ["/z/static/src/x.js"]


# --- ir.asset rows -----------------------------------------------------------------------------


def test_rows_split_around_sequence_16_and_ordered_by_sequence_then_id(tree: Path) -> None:
    with_bundle(tree, [P + "two.js", ("prepend", P + "five.js")])
    rows = [
        row(5, P + "four.js", sequence=16),
        row(3, P + "three.js", sequence=16),
        row(9, P + "one.js", sequence=15),
        row(1, P + "nope.js", sequence=1, active=False),
        row(2, "https://cdn.example.com/x.js", sequence=17),
    ]
    resolved = resolve_bundle(context([tree], {"a"}, rows), "a.b")
    assert resolved.urls() == [S + "five.js", S + "one.js", S + "two.js", S + "three.js", S + "four.js"]
    assert [e.origin.asset_id for e in resolved.entries] == [None, 9, None, 3, 5]
    assert [e.url for e in resolved.externals] == ["https://cdn.example.com/x.js"]


def test_row_prepend_and_targets_see_the_manifest_entries(tree: Path) -> None:
    with_bundle(tree, [P + "two.js", P + "three.js"])
    rows = [
        row(1, P + "one.js", directive="prepend", sequence=1),
        row(2, P + "four.js", directive="after", target=P + "two.js"),
        row(3, P + "five.js", directive="replace", target=P + "three.js", sequence=40),
        row(4, P + "one.js", directive="remove", sequence=30),
    ]
    assert urls(context([tree], {"a"}, rows), "a.b") == [S + "two.js", S + "four.js", S + "five.js"]


def test_rows_of_an_included_bundle_apply_inside_it(tree: Path) -> None:
    with_bundle(tree, [P + "one.js", ("include", "a.inc"), P + "five.js"], {"a.inc": [P + "three.js"]})
    rows = [
        row(1, P + "two.js", bundle="a.inc", directive="prepend"),
        row(2, P + "four.js", bundle="a.inc"),
        row(3, "a.inc2", directive="include", sequence=99),
        row(4, P + "three.js", bundle="a.inc2", directive="remove"),
    ]
    assert urls(context([tree], {"a"}, rows), "a.b") == [
        S + "one.js",
        S + "two.js",
        S + "four.js",
        S + "five.js",
    ]


def test_bundle_defined_only_by_rows(tree: Path) -> None:
    with_bundle(tree, [])
    rows = [row(1, P + "two.js", bundle="db.only"), row(2, P + "one.js", bundle="db.only", sequence=3)]
    assert urls(context([tree], {"a"}, rows), "db.only") == [S + "one.js", S + "two.js"]


WEBSITE_ROWS = [
    row(1, P + "one.js", key="k1"),
    row(2, P + "two.js", key="k1", website_id=2),
    row(3, P + "three.js", website_id=1),
    row(4, P + "four.js", key="k2"),
    row(5, P + "four.js", key="k2", website_id=2, active=False),
    row(6, P + "five.js", key="", sequence=20),
    row(7, P + "five.js", key="", sequence=20, website_id=2, active=False),
]


@pytest.mark.parametrize(
    ("website_installed", "website_id", "expected"),
    [
        # Without a website only generic rows count.
        (True, None, ["one", "four", "five"]),
        # Website 1 adds its own rows; generic keyed rows stay (website 1 does not override them).
        (True, 1, ["one", "three", "four", "five"]),
        # Website 2 overrides k1 and k2; its inactive k2 copy hides the generic one.
        (True, 2, ["two", "five"]),
        # Without the website module the column means nothing.
        (False, None, ["one", "two", "three", "four", "five"]),
        (False, 2, ["one", "two", "three", "four", "five"]),
    ],
)
def test_website_rows_and_key_overrides(
    tree: Path, website_installed: bool, website_id: int | None, expected: list[str]
) -> None:
    with_bundle(tree, [])
    ctx = context([tree], {"a"}, WEBSITE_ROWS, website_installed=website_installed, website_id=website_id)
    assert urls(ctx, "a.b") == [S + f"{name}.js" for name in expected]


def test_theme_assets_only_for_the_websites_theme(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    make_addon(root, "a", {"assets": {"a.b": ["a/static/a.js"]}}, ["a/static/a.js"])
    for theme in ("theme_x", "theme_y"):
        make_addon(
            root,
            theme,
            {"depends": ["a"], "assets": {"a.b": [f"{theme}/static/t.js"]}},
            [f"{theme}/static/t.js"],
        )
    installed = {"a", "theme_x", "theme_y"}
    themes = frozenset({"theme_x", "theme_y"})

    def for_site(website_id: int | None, theme: str | None) -> list[str]:
        ctx = context(
            [root],
            installed,
            website_installed=True,
            website_id=website_id,
            themes=themes,
            website_theme=theme,
        )
        return urls(ctx, "a.b")

    assert for_site(None, None) == ["/a/static/a.js", "/theme_x/static/t.js", "/theme_y/static/t.js"]
    assert for_site(1, "theme_y") == ["/a/static/a.js", "/theme_y/static/t.js"]
    assert for_site(3, None) == ["/a/static/a.js"]


# --- manifests order ---------------------------------------------------------------------------


def test_manifests_are_processed_in_addon_order(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    make_addon(root, "base", {"assets": {"x.b": ["base/static/b.js"]}}, ["base/static/b.js"])
    make_addon(
        root,
        "app",
        {"application": True, "depends": ["lib"], "assets": {"x.b": ["app/static/a.js"]}},
        ["app/static/a.js"],
    )
    make_addon(
        root,
        "lib",
        {"depends": ["base"], "sequence": 200, "assets": {"x.b": ["lib/static/l.js"]}},
        ["lib/static/l.js"],
    )
    make_addon(
        root, "early", {"sequence": 1, "assets": {"x.b": ["early/static/e.js"]}}, ["early/static/e.js"]
    )
    ctx = context([root], {"base", "app", "lib", "early"})
    assert ctx.addon_order == ("base", "lib", "app", "early")
    assert urls(ctx, "x.b") == [
        "/base/static/b.js",
        "/lib/static/l.js",
        "/app/static/a.js",
        "/early/static/e.js",
    ]


# --- trace -------------------------------------------------------------------------------------


def test_trace_records_every_event_with_its_origin(tree: Path) -> None:
    with_bundle(
        tree,
        [
            P + "one.js",
            P + "two.js",
            P + "one.js",
            ("before", P + "two.js", P + "three.js"),
            ("after", P + "two.js", P + "four.js"),
            ("prepend", P + "five.js"),
            ("replace", P + "one.js", P + "nothing/*.js"),
            ("remove", P + "three.js"),
        ],
    )
    ctx = context([tree], {"a"}, [row(42, P + "three.js", sequence=20)])
    resolved = resolve_bundle(ctx, "a.b")
    assert resolved.urls() == [S + "five.js", S + "two.js", S + "four.js", S + "three.js"]
    events = [
        (t.action, t.url, t.index, t.origin.source, t.origin.addon, t.origin.asset_id, t.origin.directive)
        for t in resolved.trace
    ]
    manifest = ("manifest", "a", None)
    assert events == [
        ("added", S + "one.js", 0, *manifest, "append"),
        ("added", S + "two.js", 1, *manifest, "append"),
        ("duplicate", S + "one.js", None, *manifest, "append"),
        ("inserted-before", S + "three.js", 1, *manifest, "before"),
        ("inserted-after", S + "four.js", 3, *manifest, "after"),
        ("prepended", S + "five.js", 0, *manifest, "prepend"),
        ("no-match", P + "nothing/*.js", None, *manifest, "replace"),
        ("removed", S + "one.js", 1, *manifest, "replace"),
        ("removed", S + "three.js", 1, *manifest, "remove"),
        ("added", S + "three.js", 3, "ir.asset", None, 42, "append"),
    ]
    replace = resolved.trace[7].origin
    assert (replace.path, replace.target, replace.bundle) == (P + "nothing/*.js", P + "one.js", "a.b")


# --- bundle names ------------------------------------------------------------------------------


def test_known_bundles_and_unknown_bundle_suggestions(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    make_addon(root, "a", {"assets": {"a.assets_main": [("include", "a._helpers")], "a.assets_extra": []}})
    make_addon(root, "off", {"assets": {"off.assets_off": []}})
    rows = [
        row(1, "x", bundle="db.assets_rows"),
        row(2, "db.included", bundle="db.assets_rows", directive="include"),
    ]
    ctx = context([root], {"a"}, rows)
    assert known_bundles(ctx) == [
        "a._helpers",
        "a.assets_extra",
        "a.assets_main",
        "db.assets_rows",
        "db.included",
    ]
    assert closest_bundles("a.assets_mian", known_bundles(ctx)) == ["a.assets_main", "a.assets_extra"]
    with pytest.raises(ResolutionError) as info:
        resolve_bundle(ctx, "a.asset_main")
    assert str(info.value) == "unknown bundle 'a.asset_main' (did you mean: a.assets_main, a.assets_extra?)"
    with pytest.raises(ResolutionError) as info:
        resolve_bundle(ctx, "zzz")
    assert str(info.value) == "unknown bundle 'zzz'"
    # A bundle only defined by an addon that is not active is unknown.
    with pytest.raises(ResolutionError, match=r"^unknown bundle 'off.assets_off'"):
        resolve_bundle(ctx, "off.assets_off")
    assert resolve_bundle(ctx, "a._helpers").entries == ()


# --- the fixture tree --------------------------------------------------------------------------

FIXTURE_INSTALLED = frozenset(
    {"base", "web", "website", "theme_demo", "theme_other", "demo_blog", "demo_shop"}
)
CUSTOM = "/_custom/web.assets_frontend/website/static/src/scss/options/user_values.scss"
# The ir_asset rows of fixtures/db/odoo17_data.sql.
FIXTURE_ROWS = [
    row(1, "web/static/src/public/early.js", bundle="web.assets_frontend", sequence=10),
    row(2, "website/static/src/snippets/s_banner.scss", bundle="web.assets_frontend"),
    row(
        3,
        "website/static/src/snippets/s_text.js",
        bundle="web.assets_frontend",
        sequence=20,
        key="website.s_text",
    ),
    row(
        4,
        "website/static/src/snippets/s_text_alt.js",
        bundle="web.assets_frontend",
        sequence=20,
        website_id=2,
        key="website.s_text",
    ),
    row(5, "website/static/src/snippets/s_hidden.js", bundle="web.assets_frontend", active=False),
    row(6, "website/static/src/snippets/s_w1.scss", bundle="web.assets_frontend", sequence=17, website_id=1),
    row(
        7,
        CUSTOM,
        bundle="web._assets_primary_variables",
        directive="replace",
        target="website/static/src/scss/options/user_values.scss",
        website_id=1,
    ),
    row(8, "website/static/src/snippets/s_extra.scss", bundle="web.assets_frontend", key="website.s_extra"),
    row(
        9,
        "website/static/src/snippets/s_extra.scss",
        bundle="web.assets_frontend",
        active=False,
        website_id=2,
        key="website.s_extra",
    ),
    row(
        10, "web/static/src/legacy/polyfill.js", bundle="web.assets_backend", directive="prepend", sequence=1
    ),
    row(
        11,
        "demo_shop/static/src/extra/tweaks.js",
        bundle="web.assets_backend",
        directive="after",
        sequence=30,
        target="web/static/src/core/registry.js",
    ),
]


def fixture_context(tree: AddonsTree, website_id: int | None = None) -> ResolutionContext:
    theme = {1: "theme_demo", 2: "theme_other"}.get(website_id or 0)
    return context(
        tree.paths,
        FIXTURE_INSTALLED,
        FIXTURE_ROWS,
        website_installed=True,
        website_id=website_id,
        themes=frozenset({"theme_demo", "theme_other"}),
        website_theme=theme,
        attachments={CUSTOM: 1709289000.598335},
    )


def test_fixture_assets_web(addons_tree: AddonsTree) -> None:
    resolved = resolve_bundle(fixture_context(addons_tree), "web.assets_web")
    assert resolved.urls() == [
        "/demo_blog/static/src/backend/blog_vars.scss",
        "/web/static/src/legacy/polyfill.js",
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
        "/web/static/src/core/browser.js",
        "/web/static/src/core/emoji_picker/emoji_picker.js",
        "/web/static/src/core/l10n.js",
        "/web/static/src/core/registry.js",
        "/demo_shop/static/src/extra/tweaks.js",
        "/demo_blog/static/src/backend/blog_patch.js",
        "/web/static/src/core/templates.xml",
        "/web/static/src/core/utils/functions.js",
        "/web/static/src/core/utils/strings.js",
        "/web/static/src/views/graph_view.js",
        "/web/static/src/views/list.xml",
        "/web/static/src/scss/webclient.scss",
        "/demo_shop/static/src/backend/shop_dashboard.js",
        "/demo_shop/static/src/backend/shop_dashboard.xml",
        "/web/static/src/main.js",
        "/web/static/src/start.js",
    ]
    assert all(e.kind == "file" and e.last_modified == 1700000000.0 for e in resolved.entries)
    assert resolved.externals == ()


FRONTEND_HEAD = [
    "/web/static/src/public/early.js",
    "/web/static/lib/bootstrap/scss/_functions.scss",
    "/web/static/src/scss/primary_variables.scss",
    "/website/static/src/scss/primary_variables.scss",
]
FRONTEND_MIDDLE = [
    "/web/static/src/scss/secondary_variables.scss",
    "/web/static/lib/bootstrap/scss/_variables.scss",
    "/web/static/lib/bootstrap/scss/_mixins.scss",
    "/web/static/lib/bootstrap/scss/_root.scss",
    "/web/static/lib/bootstrap/scss/_buttons.scss",
    "/web/static/lib/bootstrap/scss/_utilities.scss",
    "/web/static/src/module_loader.js",
    "/web/static/src/public/minimal_dom.js",
    "/web/static/src/public/lazyloader.js",
    "/web/static/src/core/registry.js",
    "/web/static/src/core/utils/functions.js",
    "/web/static/src/core/utils/strings.js",
    "/web/static/src/public/frontend.js",
    "/web/static/src/public/frontend.scss",
    "/web/static/src/core/templates.xml",
    "/website/static/src/scss/website.scss",
    "/website/static/src/js/content/website_root.js",
    "/website/static/src/xml/website.xml",
    "/demo_shop/static/src/frontend/cart.js",
    "/demo_shop/static/src/frontend/product_zoom.js",
    "/demo_shop/static/src/frontend/helpers.scss",
]


def test_fixture_assets_frontend_for_website_1(addons_tree: AddonsTree) -> None:
    resolved = resolve_bundle(fixture_context(addons_tree, 1), "web.assets_frontend")
    assert resolved.urls() == [
        *FRONTEND_HEAD,
        CUSTOM,
        "/theme_demo/static/src/scss/primary_variables.scss",
        *FRONTEND_MIDDLE,
        "/theme_demo/static/src/scss/theme.scss",
        "/theme_demo/static/src/js/theme.js",
        "/website/static/src/snippets/s_banner.scss",
        "/website/static/src/snippets/s_extra.scss",
        "/website/static/src/snippets/s_w1.scss",
        "/website/static/src/snippets/s_text.js",
    ]
    custom = resolved.entries[4]
    assert (custom.kind, custom.filename, custom.last_modified, custom.bundle, custom.origin.asset_id) == (
        "attachment",
        None,
        1709289000.598335,
        "web._assets_primary_variables",
        7,
    )


def test_fixture_assets_frontend_for_website_2(addons_tree: AddonsTree) -> None:
    assert urls(fixture_context(addons_tree, 2), "web.assets_frontend") == [
        *FRONTEND_HEAD,
        "/website/static/src/scss/options/user_values.scss",
        "/theme_other/static/src/scss/primary_variables.scss",
        *FRONTEND_MIDDLE,
        "/theme_other/static/src/scss/theme.scss",
        "/theme_other/static/src/js/theme.js",
        "/website/static/src/snippets/s_banner.scss",
        "/website/static/src/snippets/s_text_alt.js",
    ]


def test_fixture_assets_frontend_without_website(addons_tree: AddonsTree) -> None:
    assert urls(fixture_context(addons_tree), "web.assets_frontend") == [
        *FRONTEND_HEAD,
        "/website/static/src/scss/options/user_values.scss",
        "/theme_demo/static/src/scss/primary_variables.scss",
        "/theme_other/static/src/scss/primary_variables.scss",
        *FRONTEND_MIDDLE,
        "/theme_demo/static/src/scss/theme.scss",
        "/theme_demo/static/src/js/theme.js",
        "/theme_other/static/src/scss/theme.scss",
        "/theme_other/static/src/js/theme.js",
        "/website/static/src/snippets/s_banner.scss",
        "/website/static/src/snippets/s_extra.scss",
        "/website/static/src/snippets/s_text.js",
    ]


def test_fixture_frontend_lazy_removes_the_minimal_files(addons_tree: AddonsTree) -> None:
    lazy = urls(fixture_context(addons_tree, 1), "web.assets_frontend_lazy")
    frontend = urls(fixture_context(addons_tree, 1), "web.assets_frontend")
    removed = [
        "/web/static/src/module_loader.js",
        "/web/static/src/public/minimal_dom.js",
        "/web/static/src/public/lazyloader.js",
    ]
    assert lazy == [u for u in frontend if u not in removed]


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


def test_fixture_db_only_and_absolute_paths(addons_tree: AddonsTree) -> None:
    ctx = fixture_context(addons_tree)
    report = resolve_bundle(ctx, "web.report_assets_common")
    assert [(e.url, e.kind) for e in report.entries][-2:] == [
        ("/web/static/src/scss/report.scss", "file"),
        ("web/static/asset_styles_company_report.scss", "attachment"),
    ]
    assert urls(ctx, "web.chartjs_lib") == ["/web/static/lib/chartjs/chart.js"]
