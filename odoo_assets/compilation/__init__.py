"""Compilation: from ordered source files to the bundle files Odoo 17 serves.

A pure function of its inputs (bundle name, ordered sources with their contents, options,
direction, debug): no database, and no disk access beyond the SCSS include directory and
the rtlcss configuration. That makes it cacheable and safe to run in parallel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from odoo_assets.compilation import javascript, stylesheets, templates
from odoo_assets.compilation.sourcemap import SourceMap, source_root_for
from odoo_assets.errors import CompilationError

__all__ = [
    "CompileOptions",
    "CompiledFile",
    "SourceAsset",
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
    """One input file: its web path and text (None with an error when it could not be read)."""

    url: str
    content: str | None
    error: str | None = None

    @property
    def extension(self) -> str:
        return self.url.rpartition(".")[2]


@dataclass(frozen=True)
class CompiledFile:
    ext: str  # min.js, min.css, js, css, js.map, css.map
    content: str

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.ext]


@dataclass(frozen=True)
class CompileOptions:
    series: str = "17.0"
    bootstrap_scss_dir: Path | None = None
    rtlcss_config: Path | None = None
    rtlcss_command: str = "rtlcss"
    lessc_command: str = "lessc"
    css_error_fallback: bool = False


# --- JavaScript --------------------------------------------------------------------------------


def _templates(bundle: str, assets: Sequence[SourceAsset], debug: bool) -> str:
    xml_assets = [a for a in assets if a.extension == "xml"]
    if not xml_assets:
        return ""
    files = [(a.url, templates.read_template_file(a.url, a.content, a.error)) for a in xml_assets]
    merged = templates.merge_templates(files, show_inherit_info=debug)
    return templates.template_block(bundle, templates.templates_string(merged))


def compile_js(
    bundle: str,
    assets: Sequence[SourceAsset],
    options: CompileOptions,
    *,
    debug: bool = False,
    map_url: str | None = None,
) -> tuple[CompiledFile, ...]:
    """`<bundle>.min.js`, or in debug `<bundle>.js` with its source map."""
    scripts = []
    for asset in assets:
        if asset.extension != "js":
            continue
        try:
            text, transpiled = javascript.script_content(
                asset.url, asset.content, asset.error, options.series
            )
        except CompilationError as exc:
            raise CompilationError(f"bundle {bundle!r}: {exc}") from None
        scripts.append((asset, text, transpiled))
    block = _templates(bundle, assets, debug)
    if not debug:
        body = ";\n".join(javascript.minified_script(a.url, text) for a, text, _ in scripts)
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
        line += len(text.split("\n")) + 5
    body = ";\n".join(parts) + block + f"\n\n//# sourceMappingURL={map_url}"
    return CompiledFile("js", body), CompiledFile("js.map", source_map.render())


# --- Stylesheets -------------------------------------------------------------------------------


def _sheets(assets: Sequence[SourceAsset], bundle: str) -> list[stylesheets.Stylesheet]:
    sheets = []
    for asset in assets:
        kind = asset.extension
        if kind not in STYLESHEET_KINDS:
            continue
        if asset.content is None:
            raise CompilationError(f"bundle {bundle!r}: {asset.error or f'cannot read {asset.url}'}")
        source = stylesheets.rewrite_stylesheet(asset.url, kind, asset.content)
        sheets.append(stylesheets.Stylesheet(url=asset.url, kind=kind, source=source))
    return sheets


def error_stylesheet(errors: Sequence[str], previous_css: str | None = None) -> str:
    """The CSS Odoo stores when a bundle fails: the previous style plus an error banner."""
    message = "\n".join(errors).replace('"', r"\"").replace("\n", r"\A").replace("*", r"\*")
    header = "\n\n/* ## CSS error message ##*/"
    previous = (previous_css or "").split(header)[0]
    banner = (
        "\nbody::before {\n  font-weight: bold;\n"
        '  content: "A css error occured, using an old style to render this page";\n'
        "  position: fixed;\n  left: 0;\n  bottom: 0;\n  z-index: 100000000000;\n"
        "  background-color: #C00;\n  color: #DDD;\n}\n\n"
        f'css_error_message {{\n  content: "{message}";\n}}\n'
    )
    return header.join([previous, banner])


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

    Errors raise CompilationError, unless options.css_error_fallback is set: then, like Odoo,
    the result is `previous_css` (the last good version, if the caller has one) followed by
    an error banner.
    """
    sheets = _sheets(assets, bundle)
    try:
        result = stylesheets.compile_stylesheets(
            bundle,
            sheets,
            rtl=rtl,
            bootstrap=options.bootstrap_scss_dir,
            rtlcss_config=options.rtlcss_config,
            rtlcss_command=options.rtlcss_command,
            lessc_command=options.lessc_command,
        )
        errors = result.errors
    except CompilationError as exc:
        if not options.css_error_fallback:
            raise
        errors = [str(exc)]
        result = stylesheets.CompiledStylesheets(sheets, errors)
    if errors:
        if not options.css_error_fallback:
            raise CompilationError(f"bundle {bundle!r}: {errors[0]}")
        return (CompiledFile("css" if debug else "min.css", error_stylesheet(errors, previous_css)),)
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
    body = "\n".join(parts) + f"\n/*# sourceMappingURL={map_url} */"
    return CompiledFile("css", body), CompiledFile("css.map", source_map.render())
