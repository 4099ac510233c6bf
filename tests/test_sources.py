"""Reading resolved files: only asset files whose real path stays inside an addons path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from odoo_assets.errors import ResolutionError
from odoo_assets.resolution import BundleEntry, Origin
from odoo_assets.sources import load_sources
from odoo_assets.storage.filestore import Filestore


def entry(path: Path, url: str) -> BundleEntry:
    origin = Origin(source="manifest", bundle="web.b", directive="append", path=url, addon="web")
    return BundleEntry(url=url, filename=str(path), bundle="web.b", last_modified=0.0, origin=origin)


@pytest.fixture()
def layout(tmp_path: Path) -> tuple[Path, Path]:
    addons = tmp_path / "addons"
    static = addons / "web" / "static" / "src"
    static.mkdir(parents=True)
    (static / "a.js").write_text("a();\n")
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "b.js").write_text("secret();\n")
    return addons, outside


def read(addons: Path, *entries: BundleEntry) -> list[str]:
    sources = load_sources(
        entries, addons_paths=[addons], lookup=lambda url: None, blobs=Filestore(addons.parent / "fs")
    )
    return [s.content or "" for s in sources]


def test_files_are_read_once_in_bundle_order(layout: tuple[Path, Path]) -> None:
    addons, _ = layout
    static = addons / "web" / "static" / "src"
    (static / "c.js").write_text("c();\n")
    a, c = entry(static / "a.js", "/web/static/src/a.js"), entry(static / "c.js", "/web/static/src/c.js")
    assert read(addons, c, a) == ["c();\n", "a();\n"]


def test_symlinked_file_inside_the_addons_path_is_read(layout: tuple[Path, Path]) -> None:
    addons, _ = layout
    link = addons / "web" / "static" / "src" / "link.js"
    link.symlink_to(addons / "web" / "static" / "src" / "a.js")
    assert read(addons, entry(link, "/web/static/src/link.js")) == ["a();\n"]


def test_symlinked_addons_path_is_followed(layout: tuple[Path, Path], tmp_path: Path) -> None:
    addons, _ = layout
    alias = tmp_path / "alias"
    alias.symlink_to(addons)
    path = alias / "web" / "static" / "src" / "a.js"
    assert read(alias, entry(path, "/web/static/src/a.js")) == ["a();\n"]


@pytest.mark.parametrize("how", ["file", "directory"])
def test_symlink_escaping_the_addons_path_is_refused(layout: tuple[Path, Path], how: str) -> None:
    addons, outside = layout
    static = addons / "web" / "static" / "src"
    if how == "file":
        (static / "b.js").symlink_to(outside / "b.js")
    else:
        os.symlink(outside, static / "lib")
    path = static / "b.js" if how == "file" else static / "lib" / "b.js"
    url = "/" + str(path.relative_to(addons))
    with pytest.raises(ResolutionError, match=r"bundle 'web.b': .*b\.js is outside the addons paths"):
        read(addons, entry(path, url))


def test_non_asset_extension_is_refused(layout: tuple[Path, Path]) -> None:
    addons, _ = layout
    key = addons / "web" / "static" / "src" / "key.pem"
    key.write_text("KEY")
    with pytest.raises(ResolutionError, match=r"key\.pem is outside the addons paths or not an asset"):
        read(addons, entry(key, "/web/static/src/key.pem"))
