"""Compilation: from ordered source files to the bundle files Odoo 17 serves, byte for byte.

A pure function of its inputs (bundle name, ordered sources with their contents, options,
direction, debug): no database, and no disk access beyond libsass' include directory
(Bootstrap's SCSS) and the rtlcss configuration; the rtlcss, lessc and sass commands run as
filters on stdin/stdout. That makes it cacheable and safe to run in parallel.

    compile_js(bundle, sources, options)            -> (min.js,)
    compile_js(..., debug=True, map_url=...)        -> (js, js.map)
    compile_css(bundle, sources, options, rtl=...)  -> (min.css,)
    compile_css(..., debug=True, map_url=...)       -> (css, css.map)

Each function picks its own kinds from the sources (`.js` + `.xml` templates for JS;
`.css`, `.scss`, `.sass`, `.less` for CSS) by the url's extension, in the given order.

The compilers (rjsmin, libsass, lxml) are imported by the first call that needs them: a run
that compiles nothing, or only needs the types below, does not pay for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from odoo_assets.compilation.rules import ScriptRules, StyleRules
from odoo_assets.compilation.sourcemap import SourceMap, source_root_for
from odoo_assets.errors import CompilationError

if TYPE_CHECKING:
    from odoo_assets.compilation.stylesheets import CssError, Stylesheet

__all__ = [
    "CompileOptions",
    "CompiledFile",
    "ScriptRules",
    "SourceAsset",
    "StyleRules",
    "compile_css",
    "compile_js",
]

MIMETYPES = {
    "min.js": "application/javascript",
    "js": "application/javascript",
    "min.css": "text/css",
    "css": "text/css",
    # Odoo re-detects the type of the map's content when it writes it.
    "js.map": "application/octet-stream",
    "css.map": "application/octet-stream",
}
STYLESHEET_KINDS = ("css", "scss", "sass", "less")


@dataclass(frozen=True)
class SourceAsset:
    """One input file: its web path (as Odoo keys it, e.g. `/web/static/src/x.js`) and text.

    `content` is None when the file could not be read; `error` then holds Odoo's message
    (e.g. "File /web/static/src/x.js does not exist."), which ends up where Odoo puts it:
    a `console.error(…)` statement for a script, a CSS error for a stylesheet; a template
    file contributes nothing.
    """

    url: str
    content: str | None
    error: str | None = None

    @property
    def extension(self) -> str:
        return self.url.rpartition(".")[2]


@dataclass(frozen=True)
class CompiledFile:
    """One output file; `ext` is what follows the bundle name in its attachment name."""

    ext: str  # min.js, min.css, js, css, js.map, css.map
    content: str

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.ext]


@dataclass(frozen=True)
class CompileOptions:
    """The series' script and style rules (from its profile; 17.0's by default), Bootstrap's
    SCSS directory (`<web addon>/static/lib/bootstrap/scss`), rtlcss' config
    (`<base addon>/data/rtlcss.json`), the rtlcss and lessc executables (as
    odoo_assets.tools.find_tool finds them, e.g. from Settings; None: not installed, and a bundle
    that needs one fails saying how to install it), and whether CSS errors produce Odoo's error
    stylesheet instead of raising.
    """

    scripts: ScriptRules = field(default_factory=ScriptRules)
    styles: StyleRules = field(default_factory=StyleRules)
    bootstrap_scss_dir: Path | None = None
    rtlcss_config: Path | None = None
    rtlcss_command: str | None = None
    lessc_command: str | None = None
    css_error_fallback: bool = False
    # "python" (rjsmin's pure-Python minifier, as Odoo runs it on Python 3.11+) or "c".
    js_minifier: str = "python"
    # Where Odoo-path SCSS imports are looked up: the addons paths and Odoo's own root.
    import_roots: tuple[str, ...] = ()


# --- JavaScript --------------------------------------------------------------------------------


def _templates(bundle: str, assets: Sequence[SourceAsset], debug: bool, rules: ScriptRules) -> str:
    xml_assets = [a for a in assets if a.extension == "xml"]
    if not xml_assets:
        return ""
    from odoo_assets.compilation import templates

    if rules.templates == "per_template":
        return templates.registration_block(bundle, [(a.url, a.content, a.error) for a in xml_assets])
    files = [
        (a.url, templates.read_template_file(a.url, a.content, a.error, mark_lines=True)) for a in xml_assets
    ]
    try:
        merged = templates.merge_templates(files, show_inherit_info=debug)
    except CompilationError as exc:
        raise CompilationError(f"bundle {bundle!r}: {exc}") from None
    return templates.template_block(bundle, templates.templates_string(merged), rules.templates)


def compile_js(
    bundle: str,
    assets: Sequence[SourceAsset],
    options: CompileOptions,
    *,
    debug: bool = False,
    map_url: str | None = None,
) -> tuple[CompiledFile, ...]:
    """`<bundle>.min.js`, or in debug `<bundle>.js` with its source map (`map_url` is the map's
    attachment URL, whose segment count also gives the map's sourceRoot).

    Raises CompilationError naming the bundle and file for a module outside static/src|lib|tests,
    an unresolvable relative require, or a template inheritance error.
    """
    from odoo_assets.compilation import javascript

    scripts = []
    for asset in assets:
        if asset.extension != "js":
            continue
        try:
            text, transpiled = javascript.script_content(
                asset.url, asset.content, asset.error, options.scripts
            )
        except CompilationError as exc:
            raise CompilationError(f"bundle {bundle!r}: {exc}") from None
        scripts.append((asset, text, transpiled))
    block = _templates(bundle, assets, debug, options.scripts)
    if not debug:
        body = ";\n".join(
            javascript.minified_script(a.url, text, options.js_minifier) for a, text, _ in scripts
        )
        return (CompiledFile("min.js", body + block),)
    if map_url is None:
        raise ValueError("debug bundles need the URL of their source map")
    source_map = SourceMap(source_root=source_root_for(map_url), file=map_url.removesuffix(".map"))
    parts = []
    line = 0
    for asset, text, transpiled in scripts:
        original = asset.content if transpiled and asset.content is not None else text
        source_map.add_source(asset.url, original, line, start_offset=5 + (3 if transpiled else 0))
        parts.append(javascript.debug_banner(asset.url, text))
        line += text.count("\n") + 1 + 5
    body = ";\n".join(parts) + block + f"\n\n//# sourceMappingURL={map_url}"
    return CompiledFile("js", body), CompiledFile("js.map", source_map.render())


# --- Stylesheets -------------------------------------------------------------------------------


def _sheets(assets: Sequence[SourceAsset], errors: list[CssError]) -> list[Stylesheet]:
    """The bundle's stylesheets, rewritten per file; unreadable ones are empty, with an error."""
    from odoo_assets.compilation import stylesheets

    sheets = []
    for asset in assets:
        kind = asset.extension
        if kind not in STYLESHEET_KINDS:
            continue
        if asset.content is None:
            text = asset.error or f"Could not get content for {asset.url}."
            errors.append(stylesheets.CssError(f"{asset.url}: {text}", text))
            source = ""
        else:
            source = stylesheets.rewrite_stylesheet(asset.url, kind, asset.content)
        sheets.append(stylesheets.Stylesheet(url=asset.url, kind=kind, source=source))
    return sheets


CSS_ERROR_HEADER = "\n\n/* ## CSS error message ##*/"


def error_stylesheet(errors: Sequence[str], previous_css: str | None = None) -> str:
    """The CSS Odoo stores when a bundle fails: the previous style plus an error banner."""
    message = "\n".join(errors).replace('"', r"\"").replace("\n", r"\A").replace("*", r"\*")
    previous = (previous_css or "").split(CSS_ERROR_HEADER)[0]
    banner = (
        "\nbody::before {\n  font-weight: bold;\n"
        '  content: "A css error occured, using an old style to render this page";\n'
        "  position: fixed;\n  left: 0;\n  bottom: 0;\n  z-index: 100000000000;\n"
        "  background-color: #C00;\n  color: #DDD;\n}\n\n"
        f'css_error_message {{\n  content: "{message}";\n}}\n'
    )
    return CSS_ERROR_HEADER.join([previous, banner])


def _raise_first(bundle: str, errors: Sequence[CssError]) -> None:
    more = f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    message = errors[0].message
    if bundle not in message:
        message = f"bundle {bundle!r}: {message}"
    raise CompilationError(message + more)


def compile_css(
    bundle: str,
    assets: Sequence[SourceAsset],
    options: CompileOptions,
    *,
    rtl: bool = False,
    debug: bool = False,
    map_url: str | None = None,
    previous_css: str | None = None,
) -> tuple[CompiledFile, ...]:
    """`<bundle>.min.css`, or in debug `<bundle>.css` with its source map.

    What Odoo records as CSS errors (an unreadable file, a forbidden `@import`, a compiler or
    rtlcss failure) raises CompilationError naming the first one. With
    options.css_error_fallback, the result is instead what Odoo stores in that case: the CSS
    of the bundle's previous attachment — `previous_css`, which the caller reads, empty when
    None — cut at an earlier error banner, followed by the banner listing all errors (a single
    `.css`/`.min.css` file, no source map). RTL without the rtlcss command always raises.
    """
    from odoo_assets.compilation import stylesheets

    errors: list[CssError] = []
    sheets = _sheets(assets, errors)
    tools = stylesheets.ToolOptions(
        bootstrap_scss_dir=options.bootstrap_scss_dir,
        rtlcss_config=options.rtlcss_config,
        rtlcss_command=options.rtlcss_command,
        lessc_command=options.lessc_command,
        import_roots=options.import_roots if options.styles.odoo_importer else None,
        vendor_prefixes=options.styles.vendor_prefixes,
    )
    result = stylesheets.compile_stylesheets(bundle, sheets, rtl=rtl, options=tools, errors=errors)
    if errors:
        if not options.css_error_fallback:
            _raise_first(bundle, errors)
        text = error_stylesheet([e.odoo_text for e in errors], previous_css)
        return (CompiledFile("css" if debug else "min.css", text),)
    minified = "\n".join(stylesheets.minify_sheet(s) for s in result.sheets)
    imports, rest = stylesheets.hoist_imports(minified)
    if not debug:
        return (CompiledFile("min.css", "\n".join([*imports, rest])),)
    if map_url is None:
        raise ValueError("debug bundles need the URL of their source map")
    import_rules = "\n".join(imports)
    source_map = SourceMap(source_root=source_root_for(map_url), file=map_url.removesuffix(".map"))
    parts = [import_rules]
    line = len(import_rules.split("\n"))
    for sheet in result.sheets:
        if not sheet.text:
            continue
        text = f"\n/* {sheet.name} */\n{sheet.text}"
        if sheet.url:
            source_map.add_source(sheet.url, text, line)
        text = stylesheets.comment_out_imports(text)
        parts.append(text)
        line += len(text.split("\n"))
    marker = options.styles.source_map_comment
    body = "\n".join(parts) + f"\n{marker} sourceMappingURL={map_url} */"
    return CompiledFile("css", body), CompiledFile("css.map", source_map.render())
