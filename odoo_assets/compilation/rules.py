"""What a series changes in compilation, as data: series profiles fill these in.

Plain frozen dataclasses, so they cross process boundaries and enter cache keys as they are.
The defaults are 17.0's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ModuleHeader = Literal["strict", "loose"]
DefineForm = Literal["async", "dependencies"]
TemplateForm = Literal["loadxml", "registry", "per_template"]


@dataclass(frozen=True)
class ScriptRules:
    """How scripts and templates become the JS bundle.

    - module_header: "strict" (`@odoo-module` anywhere before the first code, `alias=[\\w.]+`,
      `default=False|false|0`) or "loose" (tag on the comment's first line, `ignore` opts out,
      looser alias/default values);
    - transpile_static_sources: every `/<addon>/static/src|tests` file is a module unless ignored;
    - define_form: "async" (`odoo.define(name, async function (require)`, no dependency list)
      or "dependencies" (`odoo.define(name, [deps], function (require)`);
    - templates: "loadxml" (one `loadXML` call), "registry" (one `xml_templates` registry entry,
      inheritance merged beforehand) or "per_template" (`registerTemplate` per template);
    - errors_name_file: an unreadable file's message is written as `'<message>' in file '<url>'`;
    - bare_import_keeps_indent: `import "x"` becomes `require("x")` at the same indentation;
    - translations_per_module: the imported `_t` is bound to the module's addon.
    """

    module_header: ModuleHeader = "strict"
    transpile_static_sources: bool = False
    define_form: DefineForm = "dependencies"
    templates: TemplateForm = "registry"
    errors_name_file: bool = False
    bare_import_keeps_indent: bool = False
    translations_per_module: bool = False


@dataclass(frozen=True)
class StyleRules:
    """How stylesheets compile.

    - source_map_comment: the opening of the debug CSS's `sourceMappingURL` comment (16.0 wrote
      it as `//*#`);
    - odoo_importer: SCSS imports resolve as Odoo resource paths first, then in Bootstrap's
      directory (otherwise Bootstrap's directory is libsass' include path);
    - vendor_prefixes: `-webkit-`/`-moz-` prefixes are added after compilation (19.0 adds them
      to "autoprefixed" report bundles only).
    """

    source_map_comment: str = "/*#"
    odoo_importer: bool = False
    vendor_prefixes: bool = True


def file_error(message: str, url: str) -> str:
    """How 18.0+ words an asset's error: the message and the url, each as Python writes them."""
    return f"{message!r} in file {url!r}"
