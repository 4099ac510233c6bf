"""The @odoo-module transpiler: one test per transformation, with exact output."""

from __future__ import annotations

import re

import pytest

from odoo_assets.compilation.javascript import (
    _EXPORT_STEPS,
    _IMPORT_STEPS,
    _LineStep,
    _scanned_requires,
    is_odoo_module,
    relative_to_module_path,
    script_content,
    transpile,
    url_to_module_path,
)
from odoo_assets.errors import CompilationError
from odoo_assets.series import profile_for

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
    assert is_odoo_module("/web/static/src/a.js", "const a = 1;", profile_for("18.0").scripts)
    assert not is_odoo_module(
        "/web/static/src/a.js", "/** @odoo-module ignore */", profile_for("18.0").scripts
    )
    assert not is_odoo_module("/web/static/lib/a.js", "const a = 1;", profile_for("18.0").scripts)


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
    assert transpile(URL, "export const a = 1;", profile_for("16.0").scripts).startswith(
        "odoo.define('@web/core/thing', async function (require) {\n'use strict';"
    )


def test_series_16_relative_requires_and_alias() -> None:
    source = (
        "/** @odoo-module alias=web.Thing */\n"
        'import { a } from "./a";\n'
        '// also require("./b") in a comment\n'
        'import c from "./c/index";\n'
    )
    out = transpile(URL, source, profile_for("16.0").scripts)
    # 16.0 resolves relative paths everywhere, comments included, before `/index` is dropped.
    assert 'const { a } = require("@web/core/a");' in out
    assert '// also require("@web/core/b") in a comment' in out
    assert 'const c = require("@web/core/c")[Symbol.for("default")];' in out
    assert out.endswith(
        "\nodoo.define(`web.Thing`, async function(require) {\n"
        "                        return require('@web/core/thing')[Symbol.for(\"default\")];\n"
        "                        });\n"
    )


def test_series_16_does_not_wrap_qunit_tests() -> None:
    out = transpile("/web/static/tests/a_tests.js", 'QUnit.test("x", () => {});', profile_for("16.0").scripts)
    assert "QUnit.module(" not in out


def test_qunit_wrap_needs_a_tests_url_and_a_test_call() -> None:
    assert "QUnit.module(" not in transpile(URL, 'QUnit.test("x", () => {});')
    assert "QUnit.module(" not in transpile("/web/static/tests/helpers.js", "export const a = 1;")
    assert (
        transpile("/web/static/tests/a.js", "QUnit.only('x');").count('QUnit.module("web", function() {') == 1
    )


def test_module_detection_18_header_must_be_on_the_first_comment_line() -> None:
    lib = "/web/static/lib/a.js"
    assert is_odoo_module(lib, "/**\n@odoo-module */", profile_for("17.0").scripts)
    assert not is_odoo_module(lib, "/**\n@odoo-module */", profile_for("18.0").scripts)
    assert is_odoo_module(lib, "/** @odoo-module */", profile_for("18.0").scripts)
    # The url test is a plain prefix test, as in Odoo 18.
    assert is_odoo_module("/web/static/srcx/a.js", "x", profile_for("18.0").scripts)
    assert not is_odoo_module(
        "/web/static/src/a.js", "// @odoo-module ignore\nconst a = 1;", profile_for("18.0").scripts
    )


def test_series_18_alias_syntax() -> None:
    out = transpile(
        URL,
        "/** @odoo-module alias=@web/legacy/x default=0 */\nexport default 1;",
        profile_for("18.0").scripts,
    )
    assert out.endswith(
        "\nodoo.define(`@web/legacy/x`, ['@web/core/thing'], function (require) {\n"
        "                        return require('@web/core/thing');\n"
        "                        });\n"
    )


def test_relative_require_in_a_comment_is_listed_only_where_code_uses_it() -> None:
    source = '// see require("./a")\nconst x = require("./a");\n/* require("./b") */\nconst y = require("web.legacy");\n'
    out = transpile("/web/static/src/core/thing.js", source)
    # The comment line is not scanned, but the rewrite of a scanned path applies to the whole file.
    assert out.startswith(
        "odoo.define('@web/core/thing', ['@web/core/a', 'web.legacy'], function (require) {\n"
    )
    assert '// see require("@web/core/a")\nconst x = require("@web/core/a");\n/* require("./b") */' in out


def test_relative_require_path_is_a_pattern_as_in_odoo() -> None:
    # `$` in the path never matches itself: the require stays relative, the dependency does not.
    out = transpile(URL, 'const a = require("./a$");')
    assert out.startswith("odoo.define('@web/core/thing', ['@web/core/a$'],")
    assert 'const a = require("./a$");' in out
    with pytest.raises(CompilationError, match=r"^/web/static/src/core/thing\.js:2: cannot rewrite require"):
        transpile(URL, '// a module\nconst a = require("./a(");')


def test_relative_require_outside_static_names_the_file_and_line() -> None:
    with pytest.raises(
        CompilationError,
        match=r"^/web/static/src/a\.js:4: require\('\.\./\.\./x'\) points to /web/x, outside static/src,",
    ):
        transpile(
            "/web/static/src/a.js",
            '/** @odoo-module */\n\nimport { y } from "./y";\nimport { x } from "../../x";',
        )


def test_multi_line_imports_and_exports() -> None:
    source = (
        'import {\n    a,\n    b as bb,\n} from "@web/x";\n'
        'import Def, {\n    c,\n} from "@web/y";\n'
        "export {\n    a,\n    bb as b,\n};\n"
    )
    assert body(source) == (
        'const {\n    a,\n    b: bb,\n} = require("@web/x");\n'
        'const { [Symbol.for("default")]: Def,\n    c,\n} = require("@web/y");\n'
        # `as` is split on the raw text: the newline before `bb` moves after the colon.
        "Object.assign(__exports, {\n    a, b: \n    bb, \n});\n"
    )


def test_indented_statements_keep_their_indentation() -> None:
    assert body('if (x) {\n    import { a } from "@web/a";\n    export const b = 1;\n}') == (
        'if (x) {\n    const { a } = require("@web/a");\n    const b = __exports.b = 1;\n}'
    )


def test_export_default_variants_in_one_file() -> None:
    source = "export default function () {}\n"
    assert body(source) == '__exports[Symbol.for("default")] = function () {}\n'
    assert body("export default async () => 1;") == '__exports[Symbol.for("default")] = async () => 1;'
    assert body("export default Foo;") == '__exports[Symbol.for("default")] = Foo;'


def test_files_that_are_not_modules_are_kept_verbatim() -> None:
    text = "/* plain */\nvar x = 1; import('y');\n"
    assert script_content("/web/static/src/p.js", text, None, profile_for("17.0").scripts) == (text, False)
    js, transpiled = script_content(
        URL, "// @odoo-module\nexport const a = 1;", None, profile_for("17.0").scripts
    )
    assert transpiled and js.startswith("odoo.define('@web/core/thing', [],")


def test_unreadable_script_becomes_a_console_error() -> None:
    assert script_content(URL, None, "File /web/x.js does not exist.", profile_for("17.0").scripts) == (
        'console.error("File /web/x.js does not exist.");',
        False,
    )
    assert script_content("/web/static/src/é.js", None, None, profile_for("17.0").scripts)[0] == (
        'console.error("Could not get content for /web/static/src/\\u00e9.js.");'
    )


# The transpiler finds statements first and checks "at a line start" afterwards, which is much
# faster than Odoo's anchored patterns; these texts pin that both select the same matches.
TRICKY_TEXTS = [
    'import { a } from "@x/a";\nimport b from "@x/b";',
    '  \n\n   import { a } from "@x/a"; import { b } from "@x/b";\n\timport * as c from "@x/c"',
    'x; import { a } from "@x/a";\nfoo(); export const y = 1;\n  export const z = 2;',
    "export default let v\n\nexport default class K {}\r\n\r\n  export function f() {}",
    '\u2028 import "@x/side";\n\xa0export { a, b as c };\n\x0b\nexport * from "@x/all";',
    'const s = `\nimport { fake } from "@x/fake"`;\n/* export class C */ export class D {}',
    "export default function g() {}\nexport default async function h() {}\nexport default name = 1;",
    'import D, { a } from "legacy.mod";\n  import E, * as F from "@x/e";\nimport G, { b as bb } from "@x/g";',
]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_line_steps_select_what_the_anchored_patterns_select(text: str) -> None:
    for step in (*_IMPORT_STEPS, *_EXPORT_STEPS):
        assert isinstance(step, _LineStep)
        anchored = re.compile(r"^(?P<s>\s*)" + step.statement.pattern, re.MULTILINE)
        assert step(text) == anchored.sub(lambda m, step=step: step.build(m["s"], m), text), (
            step.statement.pattern
        )


@pytest.mark.parametrize(
    "text",
    [
        'const a = require("@x/a"), b = require("@x/b");\nconst c = require("./c");',
        '// require("./no")\n  x = require("./yes"); /* require("./late") */',
        'a * require("./star");\nb = require("@x/p/q") + require("@x/r");',
        "x = require(`./multi\nline`); y = require('./hidden');\nz = require(\"./next\");",
        'require("require(")\nrequire(\'a"b\') require("")',
    ],
)
def test_scanned_requires_are_the_anchored_pattern_matches(text: str) -> None:
    anchored = re.compile(r"""^[^/*\n]*require\((?P<q>["'`])(?P<path>[^"'`]+)(?P=q)\)""", re.MULTILINE)
    assert _scanned_requires(text) == [(m["q"], m["path"]) for m in anchored.finditer(text)]
