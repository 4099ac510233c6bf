"""Python's recursive glob, with each directory listed once per run.

Odoo expands bundle paths with `glob.glob(pattern, recursive=True)`. That function lists a
directory again for every pattern that reaches it, and for `**` it tries to list every file
as if it were a directory: on an Odoo tree, thousands of system calls per bundle. Globber
gives the same results (same strings, same order) from cached listings, which holds as long
as the tree does not change during the run.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator

_MAGIC = re.compile(r"[*?[]")


def _has_magic(text: str) -> bool:
    return _MAGIC.search(text) is not None


def _hidden(name: str) -> bool:
    return name.startswith(".")


class Globber:
    """`glob.glob(pattern, recursive=True)` for absolute patterns, hidden names excluded."""

    def __init__(self) -> None:
        self._listings: dict[tuple[str, bool], tuple[str, ...]] = {}

    def glob(self, pattern: str) -> list[str]:
        if not os.path.isabs(pattern):
            raise ValueError(f"not an absolute pattern: {pattern!r}")
        return list(self._expand(pattern, dirs_only=False))

    def _expand(self, pattern: str, dirs_only: bool) -> Iterator[str]:
        parent, last = os.path.split(pattern)
        if not _has_magic(pattern):
            if os.path.lexists(pattern) if last else os.path.isdir(parent):
                yield pattern
            return
        # An absolute path always splits into a shorter parent, so this ends at the root.
        parents: Iterator[str] | list[str]
        parents = self._expand(parent, dirs_only=True) if _has_magic(parent) else [parent]
        for directory in parents:
            for name in self._match(directory, last, dirs_only):
                yield os.path.join(directory, name)

    def _match(self, directory: str, part: str, dirs_only: bool) -> Iterator[str]:
        if not _has_magic(part):
            if os.path.lexists(os.path.join(directory, part)) if part else os.path.isdir(directory):
                yield part
        elif part == "**":
            yield ""  # zero directories
            yield from self._descendants(directory, dirs_only)
        else:
            names = self._listing(directory, dirs_only)
            if not _hidden(part):
                names = tuple(name for name in names if not _hidden(name))
            yield from fnmatch.filter(names, part)

    def _descendants(self, directory: str, dirs_only: bool) -> Iterator[str]:
        for name in self._listing(directory, dirs_only):
            if not _hidden(name):
                yield name
                for below in self._descendants(os.path.join(directory, name), dirs_only):
                    yield os.path.join(name, below)

    def _listing(self, directory: str, dirs_only: bool) -> tuple[str, ...]:
        """The names in directory (only subdirectories, symlinks followed, with dirs_only),
        in the order the system gives them; nothing when it cannot be listed."""
        key = (directory, dirs_only)
        if key not in self._listings:
            names = []
            try:
                with os.scandir(directory) as entries:
                    for entry in entries:
                        try:
                            if not dirs_only or entry.is_dir():
                                names.append(entry.name)
                        except OSError:
                            pass
            except OSError:
                pass
            self._listings[key] = tuple(names)
        return self._listings[key]
