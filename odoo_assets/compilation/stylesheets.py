"""Stylesheets: per-file rewriting, one compilation per bundle and preprocessor, RTL, minification.

SCSS files are compiled together as one string (their order matters: variables, then
functions, then rules), each preceded by a `/*! <id> */` marker; the compiled CSS is split
back on those markers so every file keeps its own header in the bundle.

Problems Odoo records as "CSS errors" (an unreadable file, a forbidden `@import`, a compiler
error) are collected as CssError values: the caller either raises the first one or, like Odoo,
turns them all into an error stylesheet.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sass

from odoo_assets import tools
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
_IMPORT_RULE = re.compile(r"(@import[^;{]+;?)", re.M)
_PREPROCESSOR_IMPORT = re.compile(r"""(@import\s?['"]([^'"]+)['"](;?))""")
_MARKER = re.compile(r"/\*! ([a-f0-9-]+) \*/")
_SASS_INDENT = re.compile(r"^( +|\t+)", re.M)
# libsass: "on line 2:6 of stdin", then one "from line L:C of <file>" per caller; each may end
# with ", in mixin `m`" or ", in function `f`". <file> is stdin (the bundle's string) or the
# path of an imported partial.
_LIBSASS_PLACE = re.compile(r"^\s*(?:on|from) line (\d+)(?::(\d+))? of (.+?)(?:, in .*)?$", re.M)
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


@dataclass(frozen=True)
class CssError:
    """One problem of a bundle's stylesheets.

    `message` is one line naming the file (or bundle); `odoo_text` is how Odoo words it in
    the error stylesheet.
    """

    message: str
    odoo_text: str


@dataclass(frozen=True)
class ToolOptions:
    """The external pieces compilation uses and the series' style rules: Bootstrap's SCSS
    directory, the commands (paths as odoo_assets.tools finds them; None: not installed), the
    roots SCSS imports may name (None: Bootstrap's directory is the only include path), and
    whether vendor prefixes are added."""

    bootstrap_scss_dir: Path | None = None
    rtlcss_config: Path | None = None
    rtlcss_command: str | None = None
    lessc_command: str | None = None
    import_roots: tuple[str, ...] | None = None
    vendor_prefixes: bool = True


def _not_runnable(tool: tools.Tool, command: str | None) -> str | None:
    """Why the command cannot be run, or None when it can."""
    if command is None:
        return tool.missing()
    if shutil.which(command) is None:
        return f"{tool.command} {command!r} is not an executable file"
    return None


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
        # The indented syntax is re-indented to 4 spaces, judged by the first indented line.
        text = textwrap.dedent(sheet.source)
        found = _SASS_INDENT.search(text)
        if found and found.group() != "    ":
            indent = found.group()
            text = _SASS_INDENT.sub(lambda m: m.group().replace(indent, "    "), text)
        return f"/*! {sheet.marker} */\n{text}"
    return f"/*! {sheet.marker} */\n{sheet.source}"


def sanitize_imports(source: str, forbidden: list[tuple[str, int]]) -> str:
    """Keep only `@import "name"` of include-path partials, once each.

    Every other import (relative, with an extension, or repeated) is removed and reported in
    `forbidden` as (ref, line of the source), even inside comments, as Odoo does.
    """
    kept: list[str] = []

    def replace(match: re.Match[str]) -> str:
        ref = match[2]
        line = f'@import "{ref}"{match[3]}'
        if "." not in ref and line not in kept and not ref.startswith((".", "/", "~")):
            kept.append(line)
            return line
        forbidden.append((ref, source.count("\n", 0, match.start()) + 1))
        return ""

    return _PREPROCESSOR_IMPORT.sub(replace, source)


def _sheet_at_line(source: str, line: int, sheets: Sequence[Stylesheet]) -> tuple[str, int, bool]:
    """(file name, line in that file, on its marker) of a line of the concatenated source.

    Each file starts on the line after its marker, so line L of the source is line
    L - (marker line) of the nearest marker at or above it. libsass puts an error found before
    a file's first token (a stray `}` as its first character, say) right after the file's
    marker, on the marker line: that is line 1 (libsass says 1:1 on the file alone).
    """
    lines = source.split("\n")
    markers = {s.marker: s for s in sheets}
    for index in range(min(line, len(lines)) - 1, -1, -1):
        found = _MARKER.match(lines[index])
        if found and found[1] in markers:
            on_marker = index == line - 1
            return markers[found[1]].name, 1 if on_marker else line - index - 1, on_marker
    return "?", line, False


def _scss_place(
    place: tuple[str, str, str], source: str, sheets: Sequence[Stylesheet], include_dir: Path | None
) -> str:
    """`file:line:column` of one place libsass names, as libsass gives it on that file alone."""
    line, column, where = int(place[0]), place[1], place[2].strip()
    if where == "stdin":
        name, line, on_marker = _sheet_at_line(source, line, sheets)
        column = "1" if on_marker and column else column
    else:
        name = _partial_name(where, include_dir)
    return f"{name}:{line}" + (f":{column}" if column else "")


def _partial_name(path: str, include_dir: Path | None) -> str:
    """An imported partial by its web path when it lies in the addon of the include directory
    (Odoo's is `<web addon>/static/lib/bootstrap/scss`), else by its absolute path."""
    absolute = Path(os.path.abspath(path))
    if include_dir is not None and len(include_dir.parts) > 4 and include_dir.parts[-4] == "static":
        addon_dir = Path(os.path.abspath(include_dir)).parents[3]
        if absolute.is_relative_to(addon_dir):
            return f"/{addon_dir.name}/{absolute.relative_to(addon_dir).as_posix()}"
    return str(absolute)


def add_vendor_prefixes(css: str) -> str:
    for pattern, replacement in _PREFIXES:
        css = pattern.sub(replacement, css)
    return css


def scss_error_message(
    message: str, source: str, sheets: Sequence[Stylesheet], bundle: str, include_dir: Path | None = None
) -> str:
    """libsass reports places in the concatenated string: point at the original files instead.

    The error's own place comes first (in an imported partial: the partial's path and line),
    then, in parentheses, the place it was reached from (the `@import` or `@include`), if any.
    """
    text = message.strip()
    first = (text.splitlines()[0] if text else "SCSS error").removeprefix("Error: ").strip()
    places = _LIBSASS_PLACE.findall(text)
    if not places:
        return f"bundle {bundle!r}: SCSS error: {first}"
    where = _scss_place(places[0], source, sheets, include_dir)
    via = f" (from {_scss_place(places[1], source, sheets, include_dir)})" if len(places) > 1 else ""
    return f"{where}: SCSS error: {first}{via} (bundle {bundle!r})"


def odoo_compile_error(message: str, bundle: str, sheets: Sequence[Stylesheet]) -> str:
    """A preprocessor error as Odoo words it: the compiler output and the bundle's inputs."""
    text = message.split("Load paths")[0].replace("  Use --trace for backtrace.", "")
    text += f"This error occurred while compiling the bundle '{bundle}' containing:"
    return text + "".join(f"\n    - {s.url or '<inline sass>'}" for s in sheets if s.kind in PREPROCESSED)


def _existing_under(roots: Sequence[str], path: str) -> str | None:
    """Odoo's file_path: `path` (relative, or absolute) as an existing path under one root."""
    normalized = os.path.normpath(path)
    if normalized.startswith("addons" + os.sep):
        normalized = normalized[len("addons" + os.sep) :]
    for root in roots:
        parent = os.path.normpath(root) + os.sep
        candidate = normalized if os.path.isabs(path) else os.path.normpath(os.path.join(parent, normalized))
        if candidate.startswith(parent) and os.path.exists(candidate):
            return candidate
    return None


def odoo_importer(roots: Sequence[str], bootstrap_dir: str) -> object:
    """An import `a/b/c` names the directory `a/b` under an addons root (or Odoo's own root),
    else under Bootstrap's directory; libsass then loads `c` from there."""

    def importer(path: str, *_: object) -> list[tuple[str]]:
        directory, name = os.path.split(path)
        found = _existing_under(roots, directory)
        if found is None:
            found = _existing_under(roots, os.path.join(bootstrap_dir, directory))
        if found is None:
            raise FileNotFoundError(f"File not found: {os.path.join(bootstrap_dir, directory)}")
        return [(os.path.join(found, name),)]

    return importer


def compile_scss(source: str, include_dir: Path | None, import_roots: tuple[str, ...] | None = None) -> str:
    paths = [str(include_dir)] if include_dir else []
    if import_roots is not None and include_dir:
        importers = [(0, odoo_importer(import_roots, str(include_dir)))]
        return str(
            sass.compile(
                string=source,
                include_paths=paths,
                importers=importers,
                output_style="expanded",
                precision=8,
            )
        )
    return str(sass.compile(string=source, include_paths=paths, output_style="expanded", precision=8))


class _ToolFailed(Exception):
    """An external command failed; `output` is what Odoo reports for it."""

    def __init__(self, output: str) -> None:
        super().__init__(output)
        self.output = output

    @property
    def first_line(self) -> str:
        text = self.output.strip()
        return text.splitlines()[0] if text else "failed"


def _run(command: Sequence[str], source: str, *, report_stdout: bool = True) -> str:
    """Pipe source through the command. Odoo reports a preprocessor's stdout and stderr, but
    only rtlcss' stderr, or the exit code when there is nothing to report."""
    try:
        done = subprocess.run(command, input=source.encode(), capture_output=True, check=False)
    except OSError as exc:
        raise _ToolFailed(f"Could not execute command {command[0]!r} ({exc.strerror})") from None
    if done.returncode:
        detail = ((done.stdout if report_stdout else b"") + done.stderr).decode(errors="replace")
        raise _ToolFailed(detail or f"Process exited with return code {done.returncode}\n")
    return done.stdout.decode("utf-8")


_SASS_COMMAND = (
    "sass",
    "--stdin",
    "-t",
    "compressed",
    "--unix-newlines",
    "--compass",
    "-r",
    "bootstrap-sass",
)


def _compile_kind(
    kind: str,
    of_kind: Sequence[Stylesheet],
    all_sheets: Sequence[Stylesheet],
    bundle: str,
    options: ToolOptions,
    errors: list[CssError],
) -> str:
    """Compile all stylesheets of one preprocessor; '' (and an error) when that fails."""
    marked = "\n".join(_marked_source(s) for s in of_kind)
    forbidden: list[tuple[str, int]] = []
    source = sanitize_imports(marked, forbidden)
    for ref, line in forbidden:
        name, file_line, _ = _sheet_at_line(marked, line, of_kind)
        text = FORBIDDEN_IMPORT.format(ref=ref)
        errors.append(CssError(f"{name}:{file_line}: {text} (bundle {bundle!r})", text))
    command: tuple[str, ...] | None = None  # None: libsass
    problem = None
    if kind == "sass":
        command = _SASS_COMMAND
        problem = None if shutil.which(command[0]) else "'sass' is not installed (gem install sass)"
    elif kind == "less":
        command = (options.lessc_command or "lessc", "-", "--no-js", "--no-color")
        problem = _not_runnable(tools.LESSC, options.lessc_command)
    if command is not None and problem is not None:
        errors.append(
            CssError(
                f"bundle {bundle!r} has {kind.upper()} files ({of_kind[0].url}) but {problem}",
                odoo_compile_error(f"Could not execute command {command[0]!r}", bundle, all_sheets),
            )
        )
        return ""
    try:
        compiled = (
            compile_scss(source, options.bootstrap_scss_dir, options.import_roots)
            if command is None
            else _run(command, source)
        )
    except sass.CompileError as exc:
        message = str(exc.args[0] if exc.args else exc)
        errors.append(
            CssError(
                scss_error_message(message, source, of_kind, bundle, options.bootstrap_scss_dir),
                odoo_compile_error(message, bundle, all_sheets),
            )
        )
        return ""
    except _ToolFailed as exc:
        errors.append(
            CssError(
                f"bundle {bundle!r}: {command[0] if command else kind} failed: {exc.first_line}",
                odoo_compile_error(exc.output, bundle, all_sheets),
            )
        )
        return ""
    compiled = compiled.strip()
    return add_vendor_prefixes(compiled) if options.vendor_prefixes else compiled


def run_rtlcss(source: str, bundle: str, options: ToolOptions, errors: list[CssError]) -> str:
    """Flip the CSS for right-to-left languages with the rtlcss command.

    Odoo leaves the CSS unflipped when rtlcss is missing; a tool asked for RTL output refuses.
    """
    command = options.rtlcss_command
    problem = _not_runnable(tools.RTLCSS, command)
    if command is None or problem is not None:
        raise CompilationError(f"bundle {bundle!r}: right-to-left CSS needs rtlcss: {problem}")
    args = [command, *(["-c", str(options.rtlcss_config)] if options.rtlcss_config else []), "-"]
    try:
        result = _run(args, source, report_stdout=False)
        if source and not result:
            raise _ToolFailed("rtlcss: error processing payload\n")
    except _ToolFailed as exc:
        text = exc.output.split("Load paths")[0].replace("  Use --trace for backtrace.", "")
        errors.append(
            CssError(
                f"bundle {bundle!r}: rtlcss failed: {exc.first_line}",
                f"{text}This error occurred while compiling the bundle '{bundle}' containing:",
            )
        )
        return ""
    return result.strip()


@dataclass
class CompiledStylesheets:
    sheets: list[Stylesheet]
    errors: list[CssError]


def compile_stylesheets(
    bundle: str,
    sheets: list[Stylesheet],
    *,
    rtl: bool,
    options: ToolOptions,
    errors: list[CssError] | None = None,
) -> CompiledStylesheets:
    """Compile preprocessed kinds in the order sass, scss, less; flip (RTL); split back per file.

    `errors` may already hold problems found while reading; new ones are appended to it.
    """
    errors = [] if errors is None else errors
    parts = []
    for kind in PREPROCESSED:
        of_kind = [s for s in sheets if s.kind == kind]
        if of_kind:
            parts.append(_compile_kind(kind, of_kind, sheets, bundle, options, errors))
    compiled = "".join(parts)
    if rtl:
        plain = [s for s in sheets if s.kind == "css"]
        compiled += "\n".join(_marked_source(s) for s in plain)
        compiled = run_rtlcss(compiled, bundle, options, errors)
    fragments = _MARKER.split(compiled)
    at_rules = fragments.pop(0)
    result = list(sheets)
    if at_rules:
        result.insert(0, Stylesheet(url=None, kind="css", source=at_rules))
    by_marker = {s.marker: s for s in sheets}
    for marker, text in zip(fragments[::2], fragments[1::2], strict=True):
        if marker not in by_marker:
            # Odoo fails the same way on a `/*! hex */` comment it did not write.
            raise CompilationError(
                f"bundle {bundle!r}: the comment '/*! {marker} */' in a stylesheet looks like a"
                " bundle marker; reword it"
            )
        by_marker[marker].content = text
    return CompiledStylesheets(result, errors)


def collapse_whitespace(text: str) -> str:
    """Every run of whitespace as one space, like re.sub(r"\\s+", " ", text) (str.split()
    knows the same whitespace characters) in a quarter of the time."""
    words = text.split()
    if not words:
        return " " if text else ""
    head = " " if text[0].isspace() else ""
    tail = " " if text[-1].isspace() else ""
    return head + " ".join(words) + tail


def minify_sheet(sheet: Stylesheet) -> str:
    if sheet.kind == "sass":
        return f"\n/* {sheet.name} */\n{sheet.text}"
    text = _SOURCEMAP_COMMENT.sub("", sheet.text)
    text = _COMMENT.sub("", text)
    # After this, whitespace is single spaces: dropping those around braces needs no regex.
    text = collapse_whitespace(text)
    text = text.replace(" {", "{").replace("{ ", "{").replace(" }", "}").replace("} ", "}")
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
