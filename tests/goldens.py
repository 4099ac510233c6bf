"""Golden files: expected outputs kept in the repository, compared byte for byte.

After an intended change, run the tests with ODOO_ASSETS_UPDATE_GOLDEN=1 to rewrite them, then
read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

from odoo_assets.compilation import CompileOptions, SourceAsset
from tests.conftest import RTLCSS, AddonsTree

HERE = Path(__file__).resolve().parent
COMPILE_GOLDEN = HERE / "golden"  # compilation of hand-listed fixture files
PIPELINE_GOLDEN = HERE / "expected"  # whole pipeline runs against the fixture database
UPDATE = os.environ.get("ODOO_ASSETS_UPDATE_GOLDEN") == "1"


def check_golden(name: str, content: str, directory: Path = COMPILE_GOLDEN) -> None:
    path = directory / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
    expected = path.read_bytes().decode("utf-8")
    assert content == expected, f"{name} differs from {path.relative_to(HERE.parent)}"


def read_sources(tree: AddonsTree, urls: list[str]) -> list[SourceAsset]:
    """The fixture files behind web paths, in the given order."""

    def path(url: str) -> Path:
        return next(root / url[1:] for root in tree.paths if (root / url[1:]).is_file())

    return [SourceAsset(url, path(url).read_bytes().decode("utf-8")) for url in urls]


def fixture_options(tree: AddonsTree) -> CompileOptions:
    return CompileOptions(
        bootstrap_scss_dir=tree.web / "static/lib/bootstrap/scss",
        rtlcss_config=tree.paths[0] / "base/data/rtlcss.json",
        rtlcss_command=RTLCSS,
    )
