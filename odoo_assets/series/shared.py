"""Values several series profiles share."""

from __future__ import annotations

import re

# Where the web client names bundles it loads on demand: the loaders' calls
# (`loadBundle("web.chartjs_lib")`, `getBundle('…')`, 19.0's `loadCssFromBundle(node, "…")`,
# 16.0's `loadWysiwyg(['…'])`) and the lists of bundles handed to them (16.0's
# `additionnalAssets: ['…']`, `xmlids = ['…', …]`). The names are the quoted dotted words of
# the call's or list's first 400 characters up to its end (`;` or `]`), so a choice written as
# `dark ? "web.assets_backend_lazy_dark" : "web.assets_backend_lazy"` gives both; only names
# of defined bundles are kept by the planner.
LOAD_BUNDLE_CALL = re.compile(
    r"(?<![\w$])(?:(?:load|get)Bundle|load(?:Css|Js)FromBundle|loadWysiwyg)\((?P<call>[^;]{0,400})"
    r"|(?<![\w$])(?:additionnalAssets|xmlids)\s*[:=]\s*\[(?P<list>[^\]]{0,400})"
)
_BUNDLE_NAME = re.compile(r"""(?P<q>["'`])(?P<name>[a-z_]\w*(?:\.\w+)+)(?P=q)""")


_LOADER_WORDS = ("Bundle(", "loadWysiwyg(", "additionnalAssets", "xmlids")


def lazy_bundle_names(loader: re.Pattern[str], script: str) -> list[str]:
    """The bundle names a script hands to the loaders `loader` finds, in order."""
    # Most scripts name no loader: a substring test is far cheaper than the pattern.
    if not any(word in script for word in _LOADER_WORDS):
        return []
    names: list[str] = []
    for match in loader.finditer(script):
        window = match["call"] if match["call"] is not None else match["list"]
        names += [found["name"] for found in _BUNDLE_NAME.finditer(window or "")]
    return names
