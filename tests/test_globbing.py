"""Globber gives exactly what glob.glob(pattern, recursive=True) gives: same strings, same order."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pytest

from odoo_assets.globbing import Globber

FILES = [
    "a/x.js",
    "a/y.scss",
    "a/b/c.js",
    "a/b/d/e.js",
    "a/b/d/f.xml",
    "a/c1/g.js",
    "a/c2/h.js",
    "a/q.js",
    "a/.hidden.js",
    "a/.dot/i.js",
    "a/b/.dot/j.js",
    "a/we[ird].js",
    "a/star*.js",
    "a/empty/.keep",
    "z/k.js",
]
PATTERNS = [
    "a/**",
    "a/**/*",
    "a/**/*.js",
    "a/**/",
    "a/*/",
    "a/*/**/*.js",
    "a/**/d/**/*",
    "a/**/b/**/*.js",
    "a/[bc]*/*.js",
    "a/c?/*.js",
    "a/?.js",
    "a/*",
    "a/.*",
    "a/**/.*",
    "a/.dot/*",
    "a/**/.dot/*.js",
    "a/x.js",
    "a/missing.js",
    "a/b/",
    "a/x.js/**",
    "a/x.js/*",
    "a/link/**/*.js",
    "a/broken*",
    "a/we[[]ird].js",
    "missing/**/*.js",
    "*/k.js",
    "**/*.xml",
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("globbing")
    for name in FILES:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    os.symlink(root / "a" / "b", root / "a" / "link")  # a symlinked directory is followed
    os.symlink(root / "a" / "gone.js", root / "a" / "broken.js")  # a dangling link is kept
    return root


@pytest.mark.parametrize("pattern", PATTERNS)
def test_same_as_python_glob(tree: Path, pattern: str) -> None:
    absolute = os.path.join(tree, pattern)
    assert Globber().glob(absolute) == glob.glob(absolute, recursive=True)


def test_one_globber_for_every_pattern(tree: Path) -> None:
    globber = Globber()
    for pattern in PATTERNS + PATTERNS[::-1]:
        absolute = os.path.join(tree, pattern)
        assert globber.glob(absolute) == glob.glob(absolute, recursive=True), pattern


def test_relative_patterns_are_refused() -> None:
    with pytest.raises(ValueError, match="not an absolute pattern"):
        Globber().glob("a/**/*.js")
