"""Stylesheets: per-file rewriting, one libsass compilation per bundle, RTL, minification.

SCSS files are compiled together as one string (their order matters: variables, then
functions, then rules), each preceded by a `/*! <id> */` marker; the compiled CSS is split
back on those markers so every file keeps its own header in the bundle.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sass

from odoo_assets.errors import CompilationError

PREPROCESSED = ("sass", "scss", "less")
INLINE_NAME = "<inline asset>"

# Per-file rewriting (all stylesheet kinds, except the @import rule: plain CSS only).
_RELATIVE_IMPORT = re.compile(r"""@import\s+('|")(?!'|"|/|https?://)""")
_RELATIVE_URL = re.compile(r"""(?<!")url\s*\(\s*('|"|)(?!'|"|/|https?://|data:|#\{str)""")
_CHARSET = re.compile(r'(@charset "[^"]+";)')
# Bundle level.
_SOURCEMAP_COMMENT = re.compile(r"(/\*# sourceMappingURL=.*)")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SPACES = re.compile(r"\s+")
_BRACE_SPACES = re.compile(r" *([{}]) *")
_IMPORT_RULE = re.compile(r"(@import[^;{]+;?)", re.M)
_PREPROCESSOR_IMPORT = re.compile(r"""(@import\s?['"]([^'"]+)['"](;?))""")
_MARKER = re.compile(r"/\*! ([a-f0-9-]+) \*/")
_SASS_INDENT = re.compile(r"^( +|\t+)", re.M)
_LIBSASS_LINE = re.compile(r"on line (\d+)(?::(\d+))? of stdin")
# Vendor prefixes Odoo adds after compilation (mostly for wkhtmltopdf).
_PREFIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(appearance: (\w+);)"), r"-webkit-appearance: \2; -moz-appearance: \2; \1"),
    (
        re.compile(r"(display: ((?:inline-)?)flex((?: ?!important)?);)"),
        r"display: -webkit-\2box\3; display: -webkit-\2flex\3; \1",
    ),
    (
        re.compile(r"(justify-content: flex-(\w+)((?: ?!important)?);)"),
        r"-webkit-box-pack: \2\3; \1",
    ),
    (re.compile(r"(flex-flow: (\w+ \w+);)"), r"-webkit-flex-flow: \2; \1"),
    (
        re.compile(r"(flex-direction: (column);)"),
        r"-webkit-box-orient: vertical; -webkit-box-direction: normal; -webkit-flex-direction: \2; \1",
    ),
    (re.compile(r"(flex-wrap: (\w+);)"), r"-webkit-flex-wrap: \2; \1"),
    (
        re.compile(r"(flex: ((\d)+ \d+ (?:\d+|auto));)"),
        r"-webkit-box-flex: \3; -webkit-flex: \2; \1",
    ),
)

FORBIDDEN_IMPORT = (
    "Local import '{ref}' is forbidden for security reasons. Please remove all @import {{your_file}}"
    " imports in your custom files. In Odoo you have to import all files in the assets, and not"
    " through the @import statement."
)


@dataclass
class Stylesheet:
    """One stylesheet of the bundle while it is being compiled."""

    url: str | None  # None for the inline at-rules chunk
    kind: str  # css, scss, sass, less
    source: str  # fetched (rewritten) content
    marker: str = field(default_factory=lambda: str(uuid.uuid4()))
    content: str | None = None  # after compilation/splitting; None = fetched content

    @property
    def name(self) -> str:
        return self.url or INLINE_NAME

    @property
    def text(self) -> str:
        return self.source if self.content is None else self.content


def rewrite_stylesheet(url: str, kind: str, content: str) -> str:
    """Make relative @import and url() root-relative and drop @charset, per file."""
    web_dir = url.rpartition("/")[0]
    if kind == "css":
        content = _RELATIVE_IMPORT.sub(lambda m: f"@import {m[1]}{web_dir}/", content)
    content = _RELATIVE_URL.sub(lambda m: f"url({m[1]}{web_dir}/", content)
    return _CHARSET.sub("", content)


def _marked_source(sheet: Stylesheet) -> str:
    if sheet.kind == "sass":
        text = textwrap.dedent(sheet.source)
        found = _SASS_INDENT.search(text)
        if found and found.group() != "    ":
            indent = found.group()
            text = _SASS_INDENT.sub(lambda m: m.group().replace(indent, "    "), text)
        return f"/*! {sheet.marker} */\n{text}"
    return f"/*! {sheet.marker} */\n{sheet.source}"


def sanitize_imports(source: str, errors: list[str]) -> str:
    """Keep only `@import "name"` of include-path partials, once each; others are errors."""
    kept: list[str] = []

    def replace(match: re.Match[str]) -> str:
        ref = match[2]
        line = f'@import "{ref}"{match[3]}'
        if "." not in ref and line not in kept and not ref.startswith((".", "/", "~")):
            kept.append(line)
            return line
        errors.append(FORBIDDEN_IMPORT.format(ref=ref))
        return ""

    return _PREPROCESSOR_IMPORT.sub(replace, source)


def add_vendor_prefixes(css: str) -> str:
    for pattern, replacement in _PREFIXES:
        css = pattern.sub(replacement, css)
    return css


def _scss_error(message: str, source: str, sheets: Sequence[Stylesheet], bundle: str) -> str:
    """libsass reports lines of the concatenated string: point at the original file instead."""
    first = message.strip().splitlines()[0] if message.strip() else "SCSS error"
    first = first.removeprefix("Error: ").strip()
    where = _LIBSASS_LINE.search(message)
    if not where:
        return f"bundle {bundle!r}: SCSS error: {first}"
    line = int(where[1])
    lines = source.split("\n")
    markers = {s.marker: s for s in sheets}
    for index in range(min(line, len(lines)) - 1, -1, -1):
        found = _MARKER.match(lines[index])
        if found and found[1] in markers:
            sheet = markers[found[1]]
            column = f":{where[2]}" if where[2] else ""
            return f"{sheet.name}:{line - index - 1}{column}: SCSS error: {first} (bundle {bundle!r})"
    return f"bundle {bundle!r}: SCSS error at line {line}: {first}"


def compile_scss(source: str, include_dir: Path | None) -> str:
    paths = [str(include_dir)] if include_dir else []
    return str(sass.compile(string=source, include_paths=paths, output_style="expanded", precision=8))


def _run(command: list[str], source: str, what: str) -> str:
    try:
        done = subprocess.run(command, input=source.encode(), capture_output=True, check=False)
    except OSError as exc:
        raise CompilationError(f"cannot run {command[0]}: {exc.strerror}") from None
    if done.returncode:
        detail = (done.stdout + done.stderr).decode(errors="replace").strip()
        raise CompilationError(f"{what} failed: {detail or f'exit code {done.returncode}'}")
    return done.stdout.decode("utf-8")


def _compile_kind(
    kind: str,
    sheets: Sequence[Stylesheet],
    bundle: str,
    bootstrap: Path | None,
    lessc: str,
    errors: list[str],
) -> str:
    source = "\n".join(_marked_source(s) for s in sheets)
    source = sanitize_imports(source, errors)
    try:
        if kind == "scss":
            compiled = compile_scss(source, bootstrap)
        elif kind == "less":
            if not shutil.which(lessc):
                raise CompilationError(
                    f"bundle {bundle!r} has LESS files ({sheets[0].url}) but lessc is not installed"
                    " (npm install -g less)"
                )
            compiled = _run([lessc, "-", "--no-js", "--no-color"], source, "lessc")
        else:
            if not shutil.which("sass"):
                raise CompilationError(
                    f"bundle {bundle!r} has SASS files ({sheets[0].url}) but the sass command is"
                    " not installed"
                )
            compiled = _run(
                [
                    "sass",
                    "--stdin",
                    "-t",
                    "compressed",
                    "--unix-newlines",
                    "--compass",
                    "-r",
                    "bootstrap-sass",
                ],
                source,
                "sass",
            )
    except sass.CompileError as exc:
        raise CompilationError(_scss_error(str(exc), source, sheets, bundle)) from None
    return add_vendor_prefixes(compiled.strip())


def run_rtlcss(source: str, config: Path | None, command: str = "rtlcss") -> str:
    """Flip the CSS for right-to-left languages with the rtlcss command."""
    if not shutil.which(command):
        raise CompilationError(
            "right-to-left CSS needs the rtlcss command: install it with `npm install -g rtlcss`"
        )
    args = [command, *(["-c", str(config)] if config else []), "-"]
    result = _run(args, source, "rtlcss")
    if source and not result:
        raise CompilationError("rtlcss returned nothing")
    return result.strip()


@dataclass
class CompiledStylesheets:
    sheets: list[Stylesheet]
    errors: list[str]


def compile_stylesheets(
    bundle: str,
    sheets: list[Stylesheet],
    *,
    rtl: bool,
    bootstrap: Path | None,
    rtlcss_config: Path | None,
    rtlcss_command: str = "rtlcss",
    lessc_command: str = "lessc",
) -> CompiledStylesheets:
    """Compile preprocessed kinds in the order sass, scss, less; split back per file."""
    errors: list[str] = []
    compiled = ""
    for kind in PREPROCESSED:
        of_kind = [s for s in sheets if s.kind == kind]
        if of_kind:
            compiled += _compile_kind(kind, of_kind, bundle, bootstrap, lessc_command, errors)
    if rtl:
        plain = [s for s in sheets if s.kind == "css"]
        compiled += "\n".join(_marked_source(s) for s in plain)
        compiled = run_rtlcss(compiled, rtlcss_config, rtlcss_command)
    fragments = _MARKER.split(compiled)
    at_rules = fragments.pop(0)
    result = list(sheets)
    if at_rules:
        result.insert(0, Stylesheet(url=None, kind="css", source=at_rules))
    by_marker = {s.marker: s for s in sheets}
    for marker, text in zip(fragments[::2], fragments[1::2], strict=True):
        if marker in by_marker:
            by_marker[marker].content = text
    return CompiledStylesheets(result, errors)


def minify_sheet(sheet: Stylesheet) -> str:
    if sheet.kind == "sass":
        return f"\n/* {sheet.name} */\n{sheet.text}"
    text = _SOURCEMAP_COMMENT.sub("", sheet.text)
    text = _COMMENT.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _BRACE_SPACES.sub(r"\1", text)
    return f"\n/* {sheet.name} */\n{text}"


def hoist_imports(css: str) -> tuple[list[str], str]:
    """Take every @import rule out of the text; they go first in the bundle."""
    found: list[str] = []

    def take(match: re.Match[str]) -> str:
        found.append(match.group(0))
        return ""

    return found, _IMPORT_RULE.sub(take, css)


def comment_out_imports(text: str) -> str:
    return _IMPORT_RULE.sub(lambda m: f"/* {m.group(0)} */", text)
