"""`@odoo-module` JavaScript: detection, transpilation to `odoo.define`, and JS assembly.

The transformations are regular-expression rewrites applied in a fixed order on the whole
text, reproducing Odoo's output byte for byte (it has no JS parser either). 17.0 is the
reference; 16.0 and 18.0 differ in a few cheap places, selected by the series argument.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import rjsmin

from odoo_assets.errors import CompilationError

# `/** @odoo-module alias=x default=false */` at the very start of the file. `.*` stays on the
# comment's first line but the whitespace after it may span lines.
_MODULE_HEADER = re.compile(
    r"\s*/[*/].*\s*@odoo-module(?:\s+alias=(?P<alias>[\w.]+))?(?:\s+default=(?P<default>False|false|0))?"
)
# 18.0: the tag has to be on the comment's first line, `ignore` opts out, alias/default are looser.
_MODULE_HEADER_18 = re.compile(
    r"\s*/[*/].*@odoo-module(?P<ignore>\s+ignore)?(?:\s+alias=(?P<alias>[^\s*]+))?"
    r"(?:\s+default=(?P<default>\w+))?"
)
_MODULE_URL = re.compile(r"/?(?P<module>\S+)/(?:[\S/]*/)?static/(?P<kind>src|tests|lib)(?P<rest>/[\S/]*)")

_Q = r"""(?P<q>["'`])"""  # an opening quote, closed by (?P=q)
_PATH = _Q + r"""[^"'`]+(?P=q)"""
_NAMES = r"\{[\s\w,]+\}"
_LINE_START = r"^(?P<s>\s*)"  # leading whitespace, kept; it may span blank lines


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.MULTILINE)


_LEGACY_DEFAULT_IMPORT = _rx(
    _LINE_START + r"""import\s+(?P<name>\w+)\s*from\s*(?P<path>(?P<q>["'`])[^@."'`][^"'`]*(?P=q))"""
)
_NAMED_IMPORT = _rx(_LINE_START + rf"import\s+(?P<names>{_NAMES})\s*from\s*(?P<path>{_PATH})")
_DEFAULT_AND_NAMED_IMPORT = _rx(
    _LINE_START + rf"import\s+(?P<default>\w+)\s*,\s*(?P<names>{_NAMES})\s*from\s*(?P<path>{_PATH})"
)
_LEGACY_PATH = re.compile(r"""(?P<q>["'`])[^@."'`][^"'`]*(?P=q)""")
_DEFAULT_AND_STAR_IMPORT = _rx(
    _LINE_START + r"import\s+(?P<default>\w+)\s*,\s*\*\s+as\s+(?P<alias>\w+)\s*from\s*(?P<path>[^;\n]+)"
)
_DEFAULT_IMPORT = _rx(_LINE_START + rf"import\s+(?P<name>\w+)\s*from\s*(?P<path>{_PATH})")
_STAR_IMPORT = _rx(_LINE_START + r"import\s+\*\s+as\s+(?P<alias>\w+)\s*from\s*(?P<path>[^;\n]+)")
_BARE_IMPORT = _rx(_LINE_START + r"import\s+(?P<path>[^;\n]+)")
_EXPORT_FROM = _rx(_LINE_START + rf"export\s*(?P<names>\{{[\w\s,]+\}})\s*from\s*(?P<path>{_PATH})")
_EXPORT_STAR_FROM = _rx(_LINE_START + rf"export\s*\*\s*from\s*(?P<path>{_PATH})")
_INDEX_REQUIRE = _rx(r"""require\s*\(\s*(?P<path>(?P<q>["'`])[^"'`]*/index/?(?P=q))\s*\)""")
# 17/18: a require() on a line with no `/` or `*` before it (so not in a comment).
_REQUIRE = _rx(r"""^[^/*\n]*require\((?P<q>["'`])(?P<path>[^"'`]+)(?P=q)\)""")
# 16: any require() whose path does not start with `@`, comments included.
_REQUIRE_16 = re.compile(r"""require\((?P<q>["'`])(?P<path>[^@"'`]+)(?P=q)\)""")
_EXPORT_FUNCTION = _rx(_LINE_START + r"export\s+(?P<kind>(?:async\s+)?function)\s+(?P<name>\w+)")
_EXPORT_CLASS = _rx(_LINE_START + r"export\s+class\s+(?P<name>\w+)")
_EXPORT_VARIABLE = _rx(_LINE_START + r"export\s+(?P<kind>let|const|var)\s+(?P<name>\w+)")
_EXPORT_NAMES = _rx(_LINE_START + r"export\s*(?P<names>\{[\w\s,]+\})")
_EXPORT_DEFAULT_FUNCTION = _rx(
    _LINE_START + r"export\s+default\s+(?P<kind>(?:async\s+)?function)\s+(?P<name>\w+)"
)
_EXPORT_DEFAULT_CLASS = _rx(_LINE_START + r"export\s+default\s+class\s+(?P<name>\w+)")
_EXPORT_DEFAULT_VARIABLE = _rx(_LINE_START + r"export\s+default\s+(?P<kind>let|const|var)\s+(?P<name>\w+)\s*")
_EXPORT_DEFAULT = _rx(_LINE_START + r"export\s+default(?:\s+\w+\s*=)?")
_QUNIT_CALL = re.compile(r"QUnit\.(?:test|debug|only)\(")

_DEFAULT = 'Symbol.for("default")'


def _header(content: str, series: str) -> re.Match[str] | None:
    return (_MODULE_HEADER_18 if series == "18.0" else _MODULE_HEADER).match(content)


def is_odoo_module(url: str, content: str, series: str = "17.0") -> bool:
    """Whether Odoo transpiles this file."""
    header = _header(content, series)
    if series == "18.0":
        if header and header["ignore"]:
            return False
        addon = url.split("/")[1] if url.count("/") > 1 else ""
        if url.startswith((f"/{addon}/static/src", f"/{addon}/static/tests")):
            return True
    return header is not None


def url_to_module_path(url: str) -> str:
    """`/web/static/src/core/registry.js` → `@web/core/registry`."""
    match = _MODULE_URL.match(url)
    if not match:
        raise CompilationError(
            f"{url}: an Odoo module must live under static/src, static/lib or static/tests"
        )
    rest = match["rest"]
    if rest.endswith(("/index.js", "/index")):
        rest = rest.rsplit("/", 1)[0]
    if rest.endswith(".js"):
        rest = rest[:-3]
    prefix = {"src": "", "lib": "/../lib", "tests": "/../tests"}[match["kind"]]
    return f"@{match['module']}{prefix}{rest}"


def relative_to_module_path(url: str, relative: str) -> str:
    """Resolve `./x` / `../x` against the file's url into a module name."""
    url_parts = url.split("/")
    rel_parts = relative.split("/")
    up = rel_parts.count("..") + 1
    joined = "/".join(url_parts[:-up] + [p for p in rel_parts if p not in ("..", ".")])
    return url_to_module_path(joined)


# --- Rewrite helpers ---------------------------------------------------------------------------


def _as_to_colon(item: str) -> str:
    parts = item.split(" as ")
    return item if len(parts) < 2 else f"{parts[1]}: {parts[0]}"


def _without_as(item: str) -> str:
    return item.split(" as ")[0]


def _object_literal(names: str) -> str:
    return "{" + ", ".join(_as_to_colon(item) for item in names[1:-1].split(",")) + "}"


def _default_and_named(m: re.Match[str]) -> str:
    names = m["names"].replace(" as ", ": ")
    if _LEGACY_PATH.match(m["path"]):
        return f"{m['s']}const {m['default']} = require({m['path']});\n{m['s']}const {names} = {m['default']}"
    return f"{m['s']}const {{ [{_DEFAULT}]: {m['default']},{names[1:]} = require({m['path']})"


def _export_from(m: re.Match[str]) -> str:
    plain = "{" + ",".join(_without_as(item) for item in m["names"][1:-1].split(",")) + "}"
    return (
        f"{m['s']}{{const {plain} = require({m['path']});"
        f"Object.assign(__exports, {_object_literal(m['names'])})}}"
    )


def _remove_index(m: re.Match[str]) -> str:
    path = m["path"]
    return f"require({path[: path.rfind('/index')] + path[0]})"


def _replace_require(url: str, content: str, quote: str, path: str, module_path: str) -> str:
    """Rewrite every `require(<quote><path><quote>)` of the file to the module name.

    The path is used as a pattern, not escaped: a path with regex syntax in it behaves as it
    does in Odoo (e.g. `$` never matches; an unbalanced `(` fails the file).
    """
    try:
        return re.sub(rf"require\({quote}{path}{quote}\)", f'require("{module_path}")', content)
    except re.error as exc:
        raise CompilationError(f"{url}: cannot rewrite require({quote}{path}{quote}): {exc}") from None


def _resolve_requires(url: str, content: str, dependencies: dict[str, None]) -> str:
    """17/18: relative requires become module names; every required module is a dependency."""
    if "require(" not in content:
        return content
    for m in list(_REQUIRE.finditer(content)):
        path = module_path = m["path"]
        if path.startswith(".") and "/" in path:
            module_path = relative_to_module_path(url, path)
            content = _replace_require(url, content, m["q"], path, module_path)
        dependencies.setdefault(module_path, None)
    return content


def _resolve_requires_16(url: str, content: str) -> str:
    if "require(" not in content:
        return content
    for m in list(_REQUIRE_16.finditer(content)):
        path = m["path"]
        if path.startswith(".") and "/" in path:
            content = _replace_require(url, content, m["q"], path, relative_to_module_path(url, path))
    return content


Step = Callable[[str], str]


def _sub(pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> Step:
    """A rewrite step. Patterns anchored at a line start are slow to scan (every line is
    tried); their unanchored tail, which starts with a literal, must match somewhere first."""
    source = pattern.pattern
    guard = re.compile(source[len(_LINE_START) :]) if source.startswith(_LINE_START) else None

    def step(text: str) -> str:
        if guard is not None and not guard.search(text):
            return text
        return pattern.sub(repl, text)

    return step


_IMPORT_STEPS: tuple[Step, ...] = (
    _sub(_LEGACY_DEFAULT_IMPORT, r"\g<s>const \g<name> = require(\g<path>)"),
    _sub(
        _NAMED_IMPORT,
        lambda m: f"{m['s']}const {m['names'].replace(' as ', ': ')} = require({m['path']})",
    ),
    _sub(_DEFAULT_AND_NAMED_IMPORT, _default_and_named),
    _sub(
        _DEFAULT_AND_STAR_IMPORT,
        lambda m: (
            f"{m['s']}const {m['alias']} = require({m['path']});\n"
            f"{m['s']}const {m['default']} = {m['alias']}[{_DEFAULT}]"
        ),
    ),
    _sub(_DEFAULT_IMPORT, lambda m: f"{m['s']}const {m['name']} = require({m['path']})[{_DEFAULT}]"),
    _sub(_STAR_IMPORT, r"\g<s>const \g<alias> = require(\g<path>)"),
    # Odoo drops the leading whitespace here, blank lines before the import included.
    _sub(_BARE_IMPORT, r"require(\g<path>)"),
    _sub(_EXPORT_FROM, _export_from),
    _sub(_EXPORT_STAR_FROM, r"\g<s>Object.assign(__exports, require(\g<path>))"),
)
_REMOVE_INDEX = _sub(_INDEX_REQUIRE, _remove_index)

_EXPORT_STEPS: tuple[Step, ...] = (
    _sub(_EXPORT_FUNCTION, r"\g<s>__exports.\g<name> = \g<name>; \g<kind> \g<name>"),
    _sub(_EXPORT_CLASS, r"\g<s>const \g<name> = __exports.\g<name> = class \g<name>"),
    _sub(_EXPORT_VARIABLE, r"\g<s>\g<kind> \g<name> = __exports.\g<name>"),
    _sub(_EXPORT_NAMES, lambda m: f"{m['s']}Object.assign(__exports, {_object_literal(m['names'])})"),
    _sub(
        _EXPORT_DEFAULT_FUNCTION,
        lambda m: f"{m['s']}__exports[{_DEFAULT}] = {m['name']}; {m['kind']} {m['name']}",
    ),
    _sub(
        _EXPORT_DEFAULT_CLASS,
        lambda m: f"{m['s']}const {m['name']} = __exports[{_DEFAULT}] = class {m['name']}",
    ),
    _sub(
        _EXPORT_DEFAULT_VARIABLE,
        lambda m: f"{m['s']}{m['kind']} {m['name']} = __exports[{_DEFAULT}]",
    ),
    _sub(_EXPORT_DEFAULT, lambda m: f"{m['s']}__exports[{_DEFAULT}] ="),
)

# The alias module keeps the indentation of the text Odoo formats it from.
_ALIAS_TEMPLATE = (
    "\nodoo.define(`{alias}`, ['{module}'], function (require) {{\n"
    "                        return require('{module}'){suffix};\n"
    "                        }});\n"
)
_ALIAS_TEMPLATE_16 = (
    "\nodoo.define(`{alias}`, async function(require) {{\n"
    "                        return require('{module}'){suffix};\n"
    "                        }});\n"
)


def _alias_module(module_path: str, content: str, series: str) -> str:
    header = _header(content, series)
    if not header or not header["alias"]:
        return ""
    suffix = "" if header["default"] else f"[{_DEFAULT}]"
    template = _ALIAS_TEMPLATE_16 if series == "16.0" else _ALIAS_TEMPLATE
    return template.format(alias=header["alias"], module=module_path, suffix=suffix)


def transpile(url: str, content: str, series: str = "17.0") -> str:
    """Rewrite an ES module into Odoo's `odoo.define(name, deps, factory)` form."""
    module_path = url_to_module_path(url)
    alias = _alias_module(module_path, content, series)
    for step in _IMPORT_STEPS:
        content = step(content)
    dependencies: dict[str, None] = {}
    if series == "16.0":
        # 16.0 resolves relative requires before dropping `/index`, and lists no dependencies.
        content = _REMOVE_INDEX(_resolve_requires_16(url, content))
    else:
        content = _resolve_requires(url, _REMOVE_INDEX(content), dependencies)
    for step in _EXPORT_STEPS:
        content = step(content)
    if series == "16.0":
        head = f"odoo.define({module_path!r}, async function (require) {{\n"
    else:
        if "tests" in url and _QUNIT_CALL.search(content):
            module = _MODULE_URL.match(url)
            assert module is not None  # url_to_module_path matched it
            content = f'QUnit.module("{module["module"]}", function() {{{content}}});'
        head = f"odoo.define({module_path!r}, {list(dependencies)!r}, function (require) {{\n"
    return f"{head}'use strict';\nlet __exports = {{}};\n{content}\nreturn __exports;\n}});\n{alias}"


def script_content(url: str, content: str | None, error: str | None, series: str) -> tuple[str, bool]:
    """The text a script contributes (transpiled when it is a module) and whether it was.

    An unreadable file becomes a `console.error(…)` statement, as in Odoo.
    """
    if content is None:
        message = error or f"Could not get content for {url}."
        return f"console.error({json.dumps(message)});", False
    if is_odoo_module(url, content, series):
        return transpile(url, content, series), True
    return content, False


def minified_script(url: str, content: str) -> str:
    return f"\n/* {url} */\n{rjsmin.jsmin(content)}"


def debug_banner(url: str, content: str) -> str:
    """The framed header of a script in a debug bundle, followed by the script."""
    lines = [f"Filepath: {url}", f"Lines: {content.count(chr(10))}"]
    width = max(len(line) for line in lines)
    return "\n".join(
        [
            "",
            "/" + "*" * (width + 5),
            *(f"*  {line:<{width}}  *" for line in lines),
            "*" * (width + 5) + "/",
            content,
        ]
    )
