"""The @odoo-module transpiler: one test per transformation, with exact output."""

from __future__ import annotations

import pytest

from odoo_assets.compilation.javascript import (
    is_odoo_module,
    relative_to_module_path,
    transpile,
    url_to_module_path,
)
from odoo_assets.errors import CompilationError

URL = "/web/static/src/core/thing.js"


def body(source: str, url: str = URL) -> str:
    """The transpiled text between the odoo.define prologue and epilogue."""
    out = transpile(url, source)
    _head, rest = out.split("let __exports = {};\n", 1)
    return rest.rsplit("\nreturn __exports;\n});\n", 1)[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("/** @odoo-module **/\nx", True),
        ("// @odoo-module\nx", True),
        ("  /* @odoo-module alias=web.x default=false */", True),
        ("/**\n * @odoo-module\n */", False),
        ("/**\n@odoo-module */", True),
        ("const a = 1; /** @odoo-module */", False),
    ],
)
def test_module_detection(content: str, expected: bool) -> None:
    assert is_odoo_module(URL, content) is expected


def test_module_detection_18_transpiles_src_unless_ignored() -> None:
    assert is_odoo_module("/web/static/src/a.js", "const a = 1;", "18.0")
    assert not is_odoo_module("/web/static/src/a.js", "/** @odoo-module ignore */", "18.0")
    assert not is_odoo_module("/web/static/lib/a.js", "const a = 1;", "18.0")


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/web/static/src/core/registry.js", "@web/core/registry"),
        ("web/static/src/core/index.js", "@web/core"),
        ("/web/static/lib/luxon/luxon.js", "@web/../lib/luxon/luxon"),
        ("/web/static/tests/helpers/utils.js", "@web/../tests/helpers/utils"),
        ("/point_of_sale/app/static/src/x.js", "@point_of_sale/app/x"),
    ],
)
def test_module_names(url: str, name: str) -> None:
    assert url_to_module_path(url) == name


def test_module_name_outside_static_is_an_error() -> None:
    with pytest.raises(CompilationError, match=r"/web/controllers/x\.js"):
        url_to_module_path("/web/controllers/x.js")


def test_wrapper_with_dependencies_in_first_seen_order() -> None:
    source = '/** @odoo-module */\nimport { b } from "@web/b";\nimport { a } from "@web/a";\nimport { c } from "@web/b";\n'
    assert transpile(URL, source) == (
        "odoo.define('@web/core/thing', ['@web/b', '@web/a'], function (require) {\n"
        "'use strict';\nlet __exports = {};\n"
        '/** @odoo-module */\nconst { b } = require("@web/b");\nconst { a } = require("@web/a");\n'
        'const { c } = require("@web/b");\n'
        "\nreturn __exports;\n});\n"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('import legacy from "web.core";', 'const legacy = require("web.core");'),
        ('import { a, b as c } from "@web/x";', 'const { a, b: c } = require("@web/x");'),
        ('import {\n    a,\n    b,\n} from "@web/x";', 'const {\n    a,\n    b,\n} = require("@web/x");'),
        ('import D, { a } from "@web/x";', 'const { [Symbol.for("default")]: D, a } = require("@web/x");'),
        ('import D, { a } from "web.legacy";', 'const D = require("web.legacy");\nconst { a } = D;'),
        (
            'import D, * as NS from "@web/x";',
            'const NS = require("@web/x");\nconst D = NS[Symbol.for("default")];',
        ),
        ('import D from "@web/x";', 'const D = require("@web/x")[Symbol.for("default")];'),
        ('import * as NS from "@web/x";', 'const NS = require("@web/x");'),
        (
            'export { a, b as c } from "@web/x";',
            '{const { a, b} = require("@web/x");Object.assign(__exports, { a, c :  b})};',
        ),
        (
            'export {a,b as c} from "@web/x";',
            '{const {a,b} = require("@web/x");Object.assign(__exports, {a, c: b})};',
        ),
        ('export * from "@web/x";', 'Object.assign(__exports, require("@web/x"));'),
        ('import { a } from "@web/core/index";', 'const { a } = require("@web/core");'),
        ("export function f() {}", "__exports.f = f; function f() {}"),
        ("export async function f() {}", "__exports.f = f; async function f() {}"),
        ("export class C {}", "const C = __exports.C = class C {}"),
        ("export const x = 1;", "const x = __exports.x = 1;"),
        ("export let y;", "let y = __exports.y;"),
        ("export { a, b as c };", "Object.assign(__exports, { a, c :  b});"),
        ("export default function f() {}", '__exports[Symbol.for("default")] = f; function f() {}'),
        (
            "export default async function f() {}",
            '__exports[Symbol.for("default")] = f; async function f() {}',
        ),
        ("export default class C {}", 'const C = __exports[Symbol.for("default")] = class C {}'),
        ("export default const x = 1;", 'const x = __exports[Symbol.for("default")]= 1;'),
        ("export default {a: 1};", '__exports[Symbol.for("default")] = {a: 1};'),
        ("export default name = 3;", '__exports[Symbol.for("default")] = 3;'),
    ],
)
def test_each_transformation(source: str, expected: str) -> None:
    assert body(source) == expected


def test_bare_import_drops_its_leading_whitespace() -> None:
    assert body('const a = 1;\n\n    import "@web/x";\nfoo();') == 'const a = 1;\nrequire("@web/x");\nfoo();'


def test_relative_requires_become_module_names_and_dependencies() -> None:
    out = transpile(
        "/web/static/src/core/utils/thing.js",
        'import { a } from "./a";\nimport { b } from "../b";\nimport c from "../../c/index";\n',
    )
    assert out.startswith(
        "odoo.define('@web/core/utils/thing', ['@web/core/utils/a', '@web/core/b', '@web/c'],"
    )
    assert 'const { a } = require("@web/core/utils/a");' in out
    assert 'const { b } = require("@web/core/b");' in out
    assert 'const c = require("@web/c")[Symbol.for("default")];' in out


def test_relative_path_helper() -> None:
    assert relative_to_module_path("/web/static/src/a/b.js", "../c/d") == "@web/c/d"
    assert relative_to_module_path("/web/static/src/a/b.js", "./e") == "@web/a/e"


def test_alias_module_appended() -> None:
    out = transpile(URL, "/** @odoo-module alias=web.Thing */\nexport default 1;\n")
    assert out.endswith(
        "\nodoo.define(`web.Thing`, ['@web/core/thing'], function (require) {\n"
        "                        return require('@web/core/thing')[Symbol.for(\"default\")];\n"
        "                        });\n"
    )
    plain = transpile(URL, "/** @odoo-module alias=web.Thing default=false */\nexport const a = 1;\n")
    assert "return require('@web/core/thing');\n" in plain


def test_qunit_tests_are_wrapped_in_a_module() -> None:
    out = transpile("/web/static/tests/a_tests.js", '/** @odoo-module */\nQUnit.test("x", () => {});')
    assert (
        'let __exports = {};\nQUnit.module("web", function() {/** @odoo-module */\nQUnit.test("x", () => {});});\n'
        in out
    )


def test_series_16_wrapper_has_no_dependency_list() -> None:
    assert transpile(URL, "export const a = 1;", "16.0").startswith(
        "odoo.define('@web/core/thing', async function (require) {\n'use strict';"
    )
