"""A synthetic Odoo 17-sized addons tree and database for benchmarks (deterministic).

web.assets_web gets about 900 files: ~600 @odoo-module JS files and ~100 QWeb files (about
4.5 MB together) and ~250 SCSS files built on a Bootstrap-like partial library.

The SCSS is calibrated on the real thing: libsass spends about as long on this tree's
web.assets_web and web.assets_frontend as on those of an Odoo 17 database with website
installed (1.09 s and 0.87 s of CPU on the 2-core reference machine), and the minified
backend CSS is about as large (real: 0.94 MB).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

SEED = 17
MTIME = 1727345849.0
EXTRA_ADDONS = 10


def _js(rng: random.Random, addon: str, index: int, size: int) -> str:
    lines = ["/** @odoo-module **/", "", 'import { registry } from "@web/core/registry";']
    if index:
        lines.append(f'import {{ helper{index - 1} }} from "./module_{index - 1}";')
    lines += ["", f"export class Component{index} {{", "    setup() {", "        this.state = {};", "    }"]
    body = []
    while sum(len(line) for line in body) < size:
        n = rng.randrange(10_000)
        body += [
            f"    method{n}(value, other) {{",
            f"        // compute the {n}th thing for {addon}",
            f"        const result = value * {n} + (other || 0);",
            f'        return result > {n} ? "high-{n}" : `low-${{result}}`;',
            "    }",
        ]
    lines += [*body, "}", "", f"export function helper{index}(x) {{", "    return x + 1;", "}", ""]
    lines.append(f'registry.category("components").add("{addon}.c{index}", Component{index});')
    return "\n".join(lines) + "\n"


def _xml(addon: str, index: int, templates: int) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<templates xml:space="preserve">']
    for t in range(templates):
        parts += [
            f'    <t t-name="{addon}.T{index}_{t}">',
            f'        <div class="o_{addon}_{index}_{t}" t-att-data-id="props.id">',
            '            <span t-esc="props.label"/>',
            '            <t t-foreach="props.items" t-as="item" t-key="item.id">',
            '                <button class="btn btn-primary" t-on-click="() => this.select(item)">',
            '                    <t t-esc="item.name"/>',
            "                </button>",
            "            </t>",
            "        </div>",
            "    </t>",
        ]
    parts.append("</templates>")
    return "\n".join(parts) + "\n"


def _scss(rng: random.Random, name: str, rules: int) -> str:
    out = []
    for r in range(rules):
        color = rng.choice(["$primary", "$secondary", "$success", "$danger"])
        out += [
            f".o_{name}_{r} {{",
            f"    color: {color};",
            f"    background-color: tint-color({color}, {rng.randrange(5, 90)}%);",
            "    display: flex;",
            f"    padding: $spacer * {rng.randrange(1, 4)};",
            "    &:hover {",
            f"        @include button-variant(shade-color({color}, 10%));",
            "    }",
            "}",
        ]
    return "\n".join(out) + "\n"


# A utilities generator in the style of Bootstrap's: maps of breakpoints, spacers and
# properties expanded by nested loops, which is what makes real framework SCSS expensive.
UTILITIES = """
$breakpoints: (xs: 0, sm: 576px, md: 768px, lg: 992px, xl: 1200px, xxl: 1400px);
$spacers: (0: 0, 1: .25rem, 2: .5rem, 3: 1rem, 4: 1.5rem, 5: 3rem, auto: auto);
$props: (m: margin, p: padding, mt: margin-top, mb: margin-bottom, ms: margin-left,
         me: margin-right, pt: padding-top, pb: padding-bottom, ps: padding-left, pe: padding-right,
         gap: gap, top: top, start: left, end: right);
$palette: (primary: $primary, secondary: $secondary, success: $success, danger: $danger,
           info: #17a2b8, warning: #ffc107, light: #f8f9fa, dark: #343a40, blue: #0d6efd,
           indigo: #6610f2, purple: #6f42c1, pink: #d63384, red: #dc3545, orange: #fd7e14,
           yellow: #ffc107, green: #198754, teal: #20c997, cyan: #0dcaf0);
$states: (hover: ":hover", focus: ":focus");
@each $bp, $min in $breakpoints {
    @media (min-width: $min) {
        @each $abbr, $prop in $props {
            @each $key, $value in $spacers {
                .#{$abbr}-#{$bp}-#{$key} { #{$prop}: $value !important; }
            }
        }
        @each $name, $color in $palette {
            @for $step from 1 through 9 {
                @each $state, $selector in $states {
                    .#{$state}-text-#{$name}-#{$bp}-#{$step * 100}#{$selector} {
                        color: mix(white, $color, $step * 10%) !important;
                        border-color: rgba(mix(black, $color, $step * 5%), .5);
                        box-shadow: 0 0 0 .25rem rgba($color, $step * .1);
                    }
                }
                .text-#{$name}-#{$bp}-#{$step * 100} { color: mix(white, $color, $step * 10%) !important; }
                .bg-#{$name}-#{$bp}-#{$step * 100} {
                    background-color: mix(black, $color, $step * 10%) !important;
                }
            }
        }
    }
}
"""


# Colour functions in the style of Bootstrap 5's: the text colour of every variant is chosen
# by computing WCAG contrast ratios from a 256-entry luminance table. Real Odoo 17 bundles
# call these hundreds of times, and they are most of what libsass spends on them.
_LUMINANCE = ", ".join(
    f"{(v / 255 / 12.92) if v / 255 < 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4:.5f}"
    for v in range(256)
)
FUNCTIONS = f"""
$luminance-table: ({_LUMINANCE});
@function tint-color($c, $w) {{ @return mix(white, $c, $w); }}
@function shade-color($c, $w) {{ @return mix(black, $c, $w); }}
@function channel-luminance($value) {{ @return nth($luminance-table, round($value) + 1); }}
@function luminance($c) {{
    $channels: (r: red($c), g: green($c), b: blue($c));
    @each $name, $value in $channels {{
        $channels: map-merge($channels, ($name: channel-luminance($value)));
    }}
    @return .2126 * map-get($channels, r) + .7152 * map-get($channels, g) + .0722 * map-get($channels, b);
}}
@function contrast($a, $b) {{
    $la: luminance($a);
    $lb: luminance($b);
    @return (max($la, $lb) + .05) / (min($la, $lb) + .05);
}}
@function readable-on($bg, $min: 4.5) {{
    $best: null;
    $best-ratio: 0;
    @each $candidate in (white, #212529, black, #f8f9fa) {{
        $ratio: contrast($bg, $candidate);
        @if $ratio >= $min {{ @return $candidate; }}
        @if $ratio > $best-ratio {{ $best: $candidate; $best-ratio: $ratio; }}
    }}
    @return $best;
}}
"""
MIXINS = """
@mixin button-variant($bg) {
    color: readable-on($bg);
    background-color: $bg;
    border-color: $bg;
    &:hover { color: readable-on(shade-color($bg, 15%)); background-color: shade-color($bg, 15%); }
    &:focus { box-shadow: 0 0 0 .25rem rgba(shade-color($bg, 15%), .5); }
    &:active { background-color: shade-color($bg, 20%); border-color: shade-color($bg, 25%); }
    &:disabled { background-color: tint-color($bg, 25%); border-color: tint-color($bg, 25%); }
}
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _manifest(path: Path, data: dict[str, object]) -> None:
    _write(path / "__manifest__.py", repr(data))


def generate(root: Path) -> list[str]:
    """Write the tree under root; returns the addon names to install."""
    rng = random.Random(SEED)
    addons = root / "addons"
    _manifest(addons / "base", {"name": "base", "depends": []})
    web = addons / "web"
    lib = web / "static/lib/bootstrap/scss"
    _write(lib / "_functions.scss", FUNCTIONS)
    _write(
        lib / "_variables.scss",
        "$primary: #714b67 !default;\n$secondary: #8f8f8f !default;\n"
        "$success: #28a745 !default;\n$danger: #dc3545 !default;\n$spacer: 1rem !default;\n",
    )
    _write(lib / "_mixins.scss", MIXINS)
    _write(lib / "_utilities_api.scss", UTILITIES)
    partials = ["web/static/lib/bootstrap/scss/_utilities_api.scss"]
    for i in range(40):
        name = f"_part{i:02d}.scss"
        _write(lib / name, _scss(rng, f"bs{i}", 12))
        partials.append(f"web/static/lib/bootstrap/scss/{name}")
    for i in range(600):
        _write(web / f"static/src/core/m{i // 50:02d}/module_{i}.js", _js(rng, "web", i % 50, 6000))
    for i in range(80):
        _write(web / f"static/src/views/v{i // 20}/view_{i}.xml", _xml("web", i, 6))
    for i in range(150):
        _write(web / f"static/src/scss/s{i // 30}/style_{i}.scss", _scss(rng, f"w{i}", 4))
    for i in range(3):
        _write(web / f"static/src/public/public_{i}.js", _js(rng, "web", 900 + i, 3000))
    _manifest(
        web,
        {
            "name": "web",
            "depends": ["base"],
            "assets": {
                "web._assets_helpers": [
                    "web/static/lib/bootstrap/scss/_functions.scss",
                    "web/static/lib/bootstrap/scss/_variables.scss",
                    "web/static/lib/bootstrap/scss/_mixins.scss",
                ],
                "web._assets_bootstrap": partials,
                "web.assets_backend": [
                    ("include", "web._assets_helpers"),
                    ("include", "web._assets_bootstrap"),
                    "web/static/src/core/**/*.js",
                    "web/static/src/views/**/*.xml",
                    "web/static/src/scss/**/*.scss",
                ],
                "web.assets_web": [("include", "web.assets_backend")],
                "web.assets_frontend_minimal": ["web/static/src/public/public_0.js"],
                "web.assets_frontend": [
                    ("include", "web._assets_helpers"),
                    ("include", "web._assets_bootstrap"),
                    ("include", "web.assets_frontend_minimal"),
                    "web/static/src/public/*.js",
                    "web/static/src/scss/s[01]/*.scss",
                ],
                "web.assets_frontend_lazy": [
                    ("include", "web.assets_frontend"),
                    ("remove", "web/static/src/public/public_0.js"),
                ],
            },
        },
    )
    website = addons / "website"
    for i in range(50):
        _write(website / f"static/src/scss/snippets/s_{i}.scss", _scss(rng, f"website{i}", 5))
    _manifest(
        website,
        {
            "name": "website",
            "depends": ["web"],
            "application": True,
            "assets": {"web.assets_frontend": ["website/static/src/scss/**/*.scss"]},
        },
    )
    names = ["base", "web", "website"]
    for a in range(EXTRA_ADDONS):
        name = f"bench_{a:02d}"
        path = addons / name
        for i in range(6):
            _write(path / f"static/src/js/module_{i}.js", _js(rng, name, i, 5000))
        for i in range(2):
            _write(path / f"static/src/xml/t_{i}.xml", _xml(name, i, 4))
        for i in range(5):
            _write(path / f"static/src/scss/s_{i}.scss", _scss(rng, f"{name}_{i}", 4))
        _manifest(
            path,
            {
                "name": name,
                "depends": ["web"],
                "assets": {
                    "web.assets_backend": [f"{name}/static/src/**/*"],
                    "web.assets_frontend": [f"{name}/static/src/scss/s_0.scss"],
                },
            },
        )
        names.append(name)
    for path in root.rglob("*"):
        os.utime(path, (MTIME, MTIME))
    return names


def database_sql(addons: list[str], websites: int) -> str:
    """Rows that make a bare fixture database look like this tree with N websites."""
    lines = ["DELETE FROM ir_module_module_dependency;", "DELETE FROM ir_module_module;"]
    for index, name in enumerate(addons, start=1):
        lines.append(
            "INSERT INTO ir_module_module (id, name, state, latest_version) VALUES"
            f" ({index}, '{name}', 'installed', '17.0.1.0');"
        )
    for index in range(1, websites + 1):
        lines.append(
            "INSERT INTO website (id, name, sequence, company_id, default_lang_id, user_id) VALUES"
            f" ({index}, 'Website {index}', {index}, 1, 1, 2);"
        )
    return "\n".join(lines) + "\n"
