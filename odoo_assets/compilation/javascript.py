"""`@odoo-module` JavaScript: detection, transpilation to `odoo.define`, and JS assembly.

The transformations are regular-expression rewrites applied in a fixed order on the whole
text, reproducing Odoo's output byte for byte (it has no JS parser either). 17.0 is the
reference; other series differ in a few cheap places, chosen by their ScriptRules.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import rjsmin

from odoo_assets.compilation.rules import ScriptRules, file_error
from odoo_assets.errors import CompilationError

# `/** @odoo-module alias=x default=false */` at the very start of the file. `.*` stays on the
# comment's first line but the whitespace after it may span lines.
_MODULE_HEADER = re.compile(
    r"\s*/[*/].*\s*@odoo-module(?:\s+alias=(?P<alias>[\w.]+))?(?:\s+default=(?P<default>False|false|0))?"
)
# Loose (18.0+): the tag has to be on the comment's first line, `ignore` opts out, alias/default
# are looser.
_MODULE_HEADER_LOOSE = re.compile(
    r"\s*/[*/].*@odoo-module(?P<ignore>\s+ignore)?(?:\s+alias=(?P<alias>[^\s*]+))?"
    r"(?:\s+default=(?P<default>\w+))?"
)
_MODULE_URL = re.compile(r"/?(?P<module>\S+)/(?:[\S/]*/)?static/(?P<kind>src|tests|lib)(?P<rest>/[\S/]*)")

_Q = r"""(?P<q>["'`])"""  # an opening quote, closed by (?P=q)
_PATH = _Q + r"""[^"'`]+(?P=q)"""
_NAMES = r"\{[\s\w,]+\}"

# Statements Odoo rewrites when they start a line (after optional whitespace, which is kept and
# may span blank lines). Only the statement itself is written here; see _LineStep.
_LEGACY_DEFAULT_IMPORT = re.compile(
    r"""import\s+(?P<name>\w+)\s*from\s*(?P<path>(?P<q>["'`])[^@."'`][^"'`]*(?P=q))"""
)
_NAMED_IMPORT = re.compile(rf"import\s+(?P<names>{_NAMES})\s*from\s*(?P<path>{_PATH})")
_DEFAULT_AND_NAMED_IMPORT = re.compile(
    rf"import\s+(?P<default>\w+)\s*,\s*(?P<names>{_NAMES})\s*from\s*(?P<path>{_PATH})"
)
_LEGACY_PATH = re.compile(r"""(?P<q>["'`])[^@."'`][^"'`]*(?P=q)""")
_DEFAULT_AND_STAR_IMPORT = re.compile(
    r"import\s+(?P<default>\w+)\s*,\s*\*\s+as\s+(?P<alias>\w+)\s*from\s*(?P<path>[^;\n]+)"
)
_DEFAULT_IMPORT = re.compile(rf"import\s+(?P<name>\w+)\s*from\s*(?P<path>{_PATH})")
_STAR_IMPORT = re.compile(r"import\s+\*\s+as\s+(?P<alias>\w+)\s*from\s*(?P<path>[^;\n]+)")
_BARE_IMPORT = re.compile(r"import\s+(?P<path>[^;\n]+)")
_EXPORT_FROM = re.compile(rf"export\s*(?P<names>\{{[\w\s,]+\}})\s*from\s*(?P<path>{_PATH})")
_EXPORT_STAR_FROM = re.compile(rf"export\s*\*\s*from\s*(?P<path>{_PATH})")
_EXPORT_FUNCTION = re.compile(r"export\s+(?P<kind>(?:async\s+)?function)\s+(?P<name>\w+)")
_EXPORT_CLASS = re.compile(r"export\s+class\s+(?P<name>\w+)")
_EXPORT_VARIABLE = re.compile(r"export\s+(?P<kind>let|const|var)\s+(?P<name>\w+)")
_EXPORT_NAMES = re.compile(r"export\s*(?P<names>\{[\w\s,]+\})")
_EXPORT_DEFAULT_FUNCTION = re.compile(r"export\s+default\s+(?P<kind>(?:async\s+)?function)\s+(?P<name>\w+)")
_EXPORT_DEFAULT_CLASS = re.compile(r"export\s+default\s+class\s+(?P<name>\w+)")
_EXPORT_DEFAULT_VARIABLE = re.compile(r"export\s+default\s+(?P<kind>let|const|var)\s+(?P<name>\w+)\s*")
_EXPORT_DEFAULT = re.compile(r"export\s+default(?:\s+\w+\s*=)?")

_INDEX_REQUIRE = re.compile(r"""require\s*\(\s*(?P<path>(?P<q>["'`])[^"'`]*/index/?(?P=q))\s*\)""")
# 17/18 scan `require(<quoted path>)` calls with no `/` or `*` before them on their line.
_REQUIRE_OPEN = re.compile(r"require\(")
_REQUIRE_ARGUMENT = re.compile(r"""(?P<q>["'`])(?P<path>[^"'`]+)(?P=q)\)""")
# 16: any require() whose path does not start with `@`, comments included.
_REQUIRE_16 = re.compile(r"""require\((?P<q>["'`])(?P<path>[^@"'`]+)(?P=q)\)""")
_QUNIT_CALL = re.compile(r"QUnit\.(?:test|debug|only)\(")

_DEFAULT = 'Symbol.for("default")'


_HEADERS = {"strict": _MODULE_HEADER, "loose": _MODULE_HEADER_LOOSE}
_DEFAULT_RULES = ScriptRules()


def _header(content: str, rules: ScriptRules) -> re.Match[str] | None:
    return _HEADERS[rules.module_header].match(content)


def is_odoo_module(url: str, content: str, rules: ScriptRules = _DEFAULT_RULES) -> bool:
    """Whether Odoo transpiles this file."""
    header = _header(content, rules)
    if header and header.re is _MODULE_HEADER_LOOSE and header["ignore"]:
        return False
    if rules.transpile_static_sources:
        addon = url.split("/")[1] if url.count("/") > 1 else ""
        if url.startswith((f"/{addon}/static/src", f"/{addon}/static/tests")):
            return True
    return header is not None


def url_to_module_path(url: str, where: str | None = None) -> str:
    """`/web/static/src/core/registry.js` → `@web/core/registry`; `where` names the file (and
    line) in the error."""
    match = _MODULE_URL.match(url)
    if not match:
        raise CompilationError(
            f"{where or url}: an Odoo module must live under static/src, static/lib or static/tests"
        )
    rest = match["rest"]
    if rest.endswith(("/index.js", "/index")):
        rest = rest.rsplit("/", 1)[0]
    if rest.endswith(".js"):
        rest = rest[:-3]
    prefix = {"src": "", "lib": "/../lib", "tests": "/../tests"}[match["kind"]]
    return f"@{match['module']}{prefix}{rest}"


def relative_to_module_path(url: str, relative: str, where: str | None = None) -> str:
    """Resolve `./x` / `../x` against the file's url into a module name; `where` names the
    file (and line) in the error."""
    url_parts = url.split("/")
    rel_parts = relative.split("/")
    up = rel_parts.count("..") + 1
    joined = "/".join(url_parts[:-up] + [p for p in rel_parts if p not in ("..", ".")])
    try:
        return url_to_module_path(joined)
    except CompilationError:
        raise CompilationError(
            f"{where or url}: require({relative!r}) points to {joined}, outside static/src,"
            " static/lib and static/tests"
        ) from None


def line_of(url: str, original: str, text: str, start: int = 0) -> str:
    """`<url>:<line>` of the first `text` in the file as written (the file alone if absent)."""
    index = original.find(text, start)
    return f"{url}:{original.count(chr(10), 0, index) + 1}" if index >= 0 else url


# --- Rewrite helpers ---------------------------------------------------------------------------


def _as_to_colon(item: str) -> str:
    parts = item.split(" as ")
    return item if len(parts) < 2 else f"{parts[1]}: {parts[0]}"


def _without_as(item: str) -> str:
    return item.split(" as ")[0]


def _object_literal(names: str) -> str:
    return "{" + ", ".join(_as_to_colon(item) for item in names[1:-1].split(",")) + "}"


def _replace_require(where: str, content: str, quote: str, path: str, module_path: str) -> str:
    """Rewrite every `require(<quote><path><quote>)` of the file to the module name.

    The path is used as a pattern, not escaped: a path with regex syntax in it behaves as it
    does in Odoo (e.g. `$` never matches; an unbalanced `(` fails the file).
    """
    try:
        return re.sub(rf"require\({quote}{path}{quote}\)", f'require("{module_path}")', content)
    except re.error as exc:
        raise CompilationError(f"{where}: cannot rewrite require({quote}{path}{quote}): {exc}") from None


def _scanned_requires(content: str) -> list[tuple[str, str]]:
    """(quote, path) of the requires Odoo 17 looks at, in text order.

    Odoo matches "line start, no `/`, `*` or newline, then require(...)": per line that is the
    last such call (the prefix is greedy), and a match whose path spans lines hides the lines
    it covers. Looking for `require(` first is much faster than trying every line start.
    """
    by_line: dict[int, re.Match[str]] = {}
    for call in _REQUIRE_OPEN.finditer(content):
        line_start = content.rfind("\n", 0, call.start()) + 1
        prefix = content[line_start : call.start()]
        if "/" in prefix or "*" in prefix:
            continue
        argument = _REQUIRE_ARGUMENT.match(content, call.end())
        if argument is not None:
            by_line[line_start] = argument
    found = []
    covered = 0
    for line_start, argument in by_line.items():
        if line_start >= covered:
            found.append((argument["q"], argument["path"]))
            covered = argument.end()
    return found


def _resolve_requires(url: str, content: str, dependencies: dict[str, None], original: str) -> str:
    """17/18: relative requires become module names; every required module is a dependency.

    Errors name the line of the path in the file as written (`original`)."""
    if "require(" not in content:
        return content
    for quote, path in _scanned_requires(content):
        module_path = path
        if path.startswith(".") and "/" in path:
            where = line_of(url, original, f"{quote}{path}{quote}")
            module_path = relative_to_module_path(url, path, where)
            content = _replace_require(where, content, quote, path, module_path)
        dependencies.setdefault(module_path, None)
    return content


def _resolve_requires_16(url: str, content: str, original: str) -> str:
    if "require(" not in content:
        return content
    for m in list(_REQUIRE_16.finditer(content)):
        path = m["path"]
        if path.startswith(".") and "/" in path:
            where = line_of(url, original, f"{m['q']}{path}{m['q']}")
            content = _replace_require(
                where, content, m["q"], path, relative_to_module_path(url, path, where)
            )
    return content


Step = Callable[[str], str]
Build = Callable[[str, re.Match[str]], str]  # (leading whitespace, statement match) -> new text


def _statement_start(text: str, found: int, floor: int) -> int | None:
    """Where a line-anchored match of the statement found at `found` starts, if any.

    Odoo's patterns read "line start, optional whitespace, statement", the whitespace
    greedy and able to span lines. So the match starts at the first line start inside
    the whitespace run before the statement, not before `floor` (the end of the previous
    match). None when that run holds no line start: the statement is not at a line start.
    """
    start = found
    while start > floor and text[start - 1].isspace():
        start -= 1
    if start == 0 or text[start - 1] == "\n":
        return start
    newline = text.find("\n", start, found)
    return None if newline < 0 else newline + 1


@dataclass(frozen=True)
class _LineStep:
    """Rewrite every statement that starts a line, like a multi-line `^(\\s*)statement` sub.

    Searching for the statement first and checking the line start afterwards gives the same
    matches as the anchored pattern, several times faster than trying it at every position.
    """

    statement: re.Pattern[str]
    build: Build

    def __call__(self, text: str) -> str:
        parts: list[str] = []
        done = position = 0
        while (match := self.statement.search(text, position)) is not None:
            start = _statement_start(text, match.start(), done)
            if start is None:
                position = match.start() + 1
                continue
            parts += (text[done:start], self.build(text[start : match.start()], match))
            done = position = match.end()
        if not parts:
            return text
        parts.append(text[done:])
        return "".join(parts)


def _default_and_named(s: str, m: re.Match[str]) -> str:
    names = m["names"].replace(" as ", ": ")
    if _LEGACY_PATH.match(m["path"]):
        return f"{s}const {m['default']} = require({m['path']});\n{s}const {names} = {m['default']}"
    return f"{s}const {{ [{_DEFAULT}]: {m['default']},{names[1:]} = require({m['path']})"


def _export_from(s: str, m: re.Match[str]) -> str:
    plain = "{" + ",".join(_without_as(item) for item in m["names"][1:-1].split(",")) + "}"
    return (
        f"{s}{{const {plain} = require({m['path']});Object.assign(__exports, {_object_literal(m['names'])})}}"
    )


_IMPORT_STEPS: tuple[Step, ...] = (
    _LineStep(_LEGACY_DEFAULT_IMPORT, lambda s, m: f"{s}const {m['name']} = require({m['path']})"),
    _LineStep(
        _NAMED_IMPORT, lambda s, m: f"{s}const {m['names'].replace(' as ', ': ')} = require({m['path']})"
    ),
    _LineStep(_DEFAULT_AND_NAMED_IMPORT, _default_and_named),
    _LineStep(
        _DEFAULT_AND_STAR_IMPORT,
        lambda s, m: (
            f"{s}const {m['alias']} = require({m['path']});\n"
            f"{s}const {m['default']} = {m['alias']}[{_DEFAULT}]"
        ),
    ),
    _LineStep(_DEFAULT_IMPORT, lambda s, m: f"{s}const {m['name']} = require({m['path']})[{_DEFAULT}]"),
    _LineStep(_STAR_IMPORT, lambda s, m: f"{s}const {m['alias']} = require({m['path']})"),
    # Odoo drops the leading whitespace here, blank lines before the import included.
    _LineStep(_BARE_IMPORT, lambda s, m: f"require({m['path']})"),
    _LineStep(_EXPORT_FROM, _export_from),
    _LineStep(_EXPORT_STAR_FROM, lambda s, m: f"{s}Object.assign(__exports, require({m['path']}))"),
)


# 19.0 keeps the indentation of `import "x"` statements.
_IMPORT_STEPS_KEEP_INDENT: tuple[Step, ...] = tuple(
    _LineStep(_BARE_IMPORT, lambda s, m: f"{s}require({m['path']})")
    if isinstance(step, _LineStep) and step.statement is _BARE_IMPORT
    else step
    for step in _IMPORT_STEPS
)

# 19.0: a whole line importing `_t` from the translation module (other names may sit beside it).
_TRANSLATION_IMPORT = (
    r"^\s*const\s*\{(?:\s*\w*\s*,)*\s*(?:%s)\s*(?:,\s*\w*\s*)*,?\s*\}"
    r"""\s*=\s*require\("@web/core/l10n/translation"\);$"""
)
_GETTEXT_IMPORT = re.compile(_TRANSLATION_IMPORT % "_t", re.M)
_APP_TRANSLATE_IMPORT = re.compile(_TRANSLATION_IMPORT % "appTranslateFn", re.M)


def _bind_translations(url: str, text: str) -> str:
    """19.0 gives each module a `_t` bound to its addon: the imported `_t` is renamed to
    `appTranslateFn` (or to `__not_defined__` when the module imports `appTranslateFn` itself,
    as the server does) and a local `_t` is declared right after the import."""
    if url.endswith(".test.js"):
        return text
    module = _MODULE_URL.match(url)
    assert module is not None  # url_to_module_path matched it
    renamed = "__not_defined__" if _APP_TRANSLATE_IMPORT.search(text) else "appTranslateFn"
    local = f'const _t = (str, ...args) => appTranslateFn(str, "{module["module"]}", ...args);'
    return _GETTEXT_IMPORT.sub(lambda m: m[0].replace("_t", renamed) + local, text)


def _remove_index(text: str) -> str:
    return _INDEX_REQUIRE.sub(lambda m: f"require({m['path'][: m['path'].rfind('/index')] + m['q']})", text)


_EXPORT_STEPS: tuple[Step, ...] = (
    _LineStep(
        _EXPORT_FUNCTION, lambda s, m: f"{s}__exports.{m['name']} = {m['name']}; {m['kind']} {m['name']}"
    ),
    _LineStep(
        _EXPORT_CLASS, lambda s, m: f"{s}const {m['name']} = __exports.{m['name']} = class {m['name']}"
    ),
    _LineStep(_EXPORT_VARIABLE, lambda s, m: f"{s}{m['kind']} {m['name']} = __exports.{m['name']}"),
    _LineStep(_EXPORT_NAMES, lambda s, m: f"{s}Object.assign(__exports, {_object_literal(m['names'])})"),
    _LineStep(
        _EXPORT_DEFAULT_FUNCTION,
        lambda s, m: f"{s}__exports[{_DEFAULT}] = {m['name']}; {m['kind']} {m['name']}",
    ),
    _LineStep(
        _EXPORT_DEFAULT_CLASS,
        lambda s, m: f"{s}const {m['name']} = __exports[{_DEFAULT}] = class {m['name']}",
    ),
    _LineStep(
        _EXPORT_DEFAULT_VARIABLE,
        lambda s, m: f"{s}{m['kind']} {m['name']} = __exports[{_DEFAULT}]",
    ),
    _LineStep(_EXPORT_DEFAULT, lambda s, m: f"{s}__exports[{_DEFAULT}] ="),
)

# The alias module keeps the indentation of the text Odoo formats it from.
_ALIAS_TEMPLATE = (
    "\nodoo.define(`{alias}`, ['{module}'], function (require) {{\n"
    "                        return require('{module}'){suffix};\n"
    "                        }});\n"
)
_ALIAS_TEMPLATE_ASYNC = (
    "\nodoo.define(`{alias}`, async function(require) {{\n"
    "                        return require('{module}'){suffix};\n"
    "                        }});\n"
)


def _alias_module(module_path: str, content: str, rules: ScriptRules) -> str:
    header = _header(content, rules)
    if not header or not header["alias"]:
        return ""
    suffix = "" if header["default"] else f"[{_DEFAULT}]"
    template = _ALIAS_TEMPLATE_ASYNC if rules.define_form == "async" else _ALIAS_TEMPLATE
    return template.format(alias=header["alias"], module=module_path, suffix=suffix)


def transpile(url: str, content: str, rules: ScriptRules = _DEFAULT_RULES) -> str:
    """Rewrite an ES module into Odoo's `odoo.define(name, deps, factory)` form."""
    original = content
    # A misplaced module is the file's fault: point at its module tag, or at its first line.
    tag = "@odoo-module"
    module_path = url_to_module_path(url, line_of(url, content, tag) if tag in content else f"{url}:1")
    alias = _alias_module(module_path, content, rules)
    for step in _IMPORT_STEPS_KEEP_INDENT if rules.bare_import_keeps_indent else _IMPORT_STEPS:
        content = step(content)
    dependencies: dict[str, None] = {}
    if rules.define_form == "async":
        # The async form resolves relative requires before dropping `/index`, and lists no
        # dependencies.
        content = _remove_index(_resolve_requires_16(url, content, original))
    else:
        content = _resolve_requires(url, _remove_index(content), dependencies, original)
    for step in _EXPORT_STEPS:
        content = step(content)
    if rules.define_form == "async":
        head = f"odoo.define({module_path!r}, async function (require) {{\n"
    else:
        if "tests" in url and _QUNIT_CALL.search(content):
            module = _MODULE_URL.match(url)
            assert module is not None  # url_to_module_path matched it
            content = f'QUnit.module("{module["module"]}", function() {{{content}}});'
        head = f"odoo.define({module_path!r}, {list(dependencies)!r}, function (require) {{\n"
    module_text = f"{head}'use strict';\nlet __exports = {{}};\n{content}\nreturn __exports;\n}});\n"
    if rules.translations_per_module:
        module_text = _bind_translations(url, module_text)
    return module_text + alias


def script_content(url: str, content: str | None, error: str | None, rules: ScriptRules) -> tuple[str, bool]:
    """The text a script contributes (transpiled when it is a module) and whether it was.

    An unreadable file becomes a `console.error(…)` statement, as in Odoo.
    """
    if content is None:
        message = error or f"Could not get content for {url}."
        if rules.errors_name_file:
            message = file_error(message, url)
        text = f"console.error({json.dumps(message)});"
        # Where every static/src file is a module, the error line is one too.
        if is_odoo_module(url, text, rules):
            return transpile(url, text, rules), True
        return text, False
    if is_odoo_module(url, content, rules):
        return transpile(url, content, rules), True
    return content, False


@functools.cache
def _python_jsmin() -> Callable[[str], str]:
    jsmin: Callable[[str], str] = rjsmin._make_jsmin(python_only=True)
    return jsmin


def minified_script(url: str, content: str, minifier: str = "python") -> str:
    """The script as the bundle holds it: its header, then rjsmin's output ("python": the
    pure-Python minifier, as Odoo runs it on Python 3.11+; "c": the compiled one)."""
    minified = _python_jsmin()(content) if minifier == "python" else rjsmin.jsmin(content)
    return f"\n/* {url} */\n{minified}"


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
