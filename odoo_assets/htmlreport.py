"""The size report: one self-contained HTML page (inline CSS, no script, nothing fetched).

For every compiled bundle file: its size and version, then sorted bars of its bytes by addon
and by file, largest first, each bar as long as its share of the largest.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from odoo_assets import __version__
from odoo_assets.report import human_size
from odoo_assets.sizes import BundleSize, SizeManifest

# Files listed before the rest are folded away.
TOP_FILES = 25

STYLE = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --bar: #3b6fb6; --source: #b58a2c; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0; }
h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
     margin: 12px 0 6px; }
.meta { color: var(--muted); margin: 2px 0 0; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
section { border-top: 1px solid var(--line); padding: 16px 0; }
.failures { color: #b42318; }
.columns { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 24px; }
ol.bars { list-style: none; margin: 0; padding: 0; }
li.bar-row { display: grid; grid-template-columns: minmax(0, 16em) minmax(0, 1fr) 9em; gap: 8px;
             align-items: center; padding: 2px 0; }
.overview li.bar-row { grid-template-columns: minmax(0, 22em) minmax(0, 1fr) 9em; }
.columns li.bar-row { grid-template-columns: minmax(0, 11em) minmax(0, 1fr) 8em; }
.columns div + div li.bar-row { grid-template-columns: minmax(0, 18em) minmax(0, 1fr) 8em; }
.label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; direction: rtl; text-align: left; }
.track { background: #eef1f4; height: 14px; border-radius: 2px; }
.bar { display: block; height: 14px; background: var(--bar); border-radius: 2px; min-width: 1px; }
.source .bar { background: var(--source); }
.value { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.note { color: var(--muted); font-size: 12px; }
details summary { cursor: pointer; color: var(--muted); margin-top: 6px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


Row = tuple[str, int, str, str]  # label, bytes, css class, tooltip


def _bars(group: str, rows: Sequence[Row], total: int) -> str:
    """A sorted bar list, rows already largest first."""
    largest = max((row[1] for row in rows), default=0) or 1
    items = []
    for label, size, css, tip in rows:
        share = f"{100 * size / total:.0f}%" if total else "-"
        items.append(
            f'<li class="bar-row {css}" data-name="{_e(label)}" data-bytes="{size}">'
            f'<span class="label" title="{_e(tip or label)}"><bdi>{_e(label)}</bdi></span>'
            f'<span class="track"><span class="bar" style="width:{100 * size / largest:.2f}%"></span></span>'
            f'<span class="value">{_e(human_size(size))} · {share}</span></li>'
        )
    return f'<ol class="bars" data-group="{group}">{"".join(items)}</ol>'


def _files(item: BundleSize) -> str:
    rows: list[Row] = [
        (
            entry.path + (" (template, source size)" if entry.measure == "source" else ""),
            entry.bytes,
            "source" if entry.measure == "source" else "",
            f"{entry.path} — {entry.directive} by {entry.origin}",
        )
        for entry in item.inputs
    ]
    if item.templates:
        rows.append(("(compiled templates)", item.templates, "", "every template of the bundle, merged"))
    rows.sort(key=lambda row: (-row[1], row[0]))
    shown = _bars("file", rows[:TOP_FILES], item.size)
    if len(rows) <= TOP_FILES:
        return shown
    rest = _bars("file-rest", rows[TOP_FILES:], item.size)
    return f"{shown}<details><summary>{len(rows) - TOP_FILES} smaller files</summary>{rest}</details>"


def _bundle(item: BundleSize) -> str:
    addons = _bars("addon", [(name, size, "", "") for name, size in item.by_addon()], item.size)
    notes = []
    if any(entry.measure == "source" for entry in item.inputs):
        notes.append("Templates are merged into one block: each template file shows its source size.")
    if item.other:
        notes.append("(other): headers, separators and @import rules no single file owns.")
    map_note = f" · source map {_e(item.map.file)} {_e(human_size(item.map.size))}" if item.map else ""
    return (
        f'<section class="bundle" data-file="{_e(item.file)}" id="{_e(item.file)}">'
        f"<h2>{_e(item.file)} — {_e(human_size(item.size))}</h2>"
        f'<p class="meta">version <code>{_e(item.version)}</code> · <code>{_e(item.url)}</code>'
        f" · {len(item.inputs)} files{map_note}</p>"
        f'<div class="columns"><div><h3>By addon</h3>{addons}</div>'
        f"<div><h3>By file</h3>{_files(item)}</div></div>"
        + "".join(f'<p class="note">{_e(note)}</p>' for note in notes)
        + "</section>"
    )


def _source(manifest: SizeManifest) -> str:
    source = manifest.source
    if source.get("kind") == "database":
        website = f", website {source['website_id']}" if source.get("website_id") else ""
        return f"database {_e(source.get('database'))}{website}"
    installed = source.get("installed") or []
    return f"a new database with {len(installed)} modules ({_e(', '.join(installed))})"


def render_html(manifest: SizeManifest) -> str:
    """The whole page."""
    bundles = sorted(manifest.bundles, key=lambda b: (-b.size, b.file))
    overview = _bars("bundle", [(b.file, b.size, "", b.url) for b in bundles], manifest.total)
    failures = ""
    if manifest.failures:
        items = "".join(f"<li><code>{_e(f['file'])}</code>: {_e(f['error'])}</li>" for f in manifest.failures)
        failures = f'<section class="failures"><h2>Failed</h2><ul>{items}</ul></section>'
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Bundle sizes — Odoo {_e(manifest.series)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>Bundle sizes</h1>"
        f'<p class="meta">Odoo {_e(manifest.series)} · {_source(manifest)} · {len(bundles)} files,'
        f" {_e(human_size(manifest.total))} in total · made by odoo-assets {_e(__version__)}</p>"
        '<p class="note">Sizes are the bytes Odoo serves. Bars are drawn against the largest of'
        " their list; percentages are shares of the file.</p></header>"
        f'{failures}<section class="overview"><h2>All files, largest first</h2>{overview}</section>'
        + "".join(_bundle(item) for item in bundles)
        + "</body></html>\n"
    )
