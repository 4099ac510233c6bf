"""QWeb templates of a JS bundle: reading, `t-inherit` inheritance, and the template block.

Inheritance specs (`<xpath expr=… position=…>` and element-match specs) are applied with the
same whitespace rules as Odoo's view inheritance, so the merged templates come out identical.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import textwrap
from collections.abc import Sequence
from typing import Any

from lxml import etree

from odoo_assets.compilation.rules import TemplateForm, file_error
from odoo_assets.errors import CompilationError

_TRAILING_BLANK_LINE = re.compile(r"\n[ \t]*$")
_READ_PARSER = etree.XMLParser(ns_clean=True, remove_comments=True, resolve_entities=False)
_MERGE_PARSER = etree.XMLParser(ns_clean=True, recover=True, remove_comments=True)


def _hasclass(context: Any, *classes: str) -> bool:
    node = context.context_node
    present = set((node.get("class") or "").split())
    return set(classes) <= present


_XPATH_EXTENSIONS = {(None, "hasclass"): _hasclass}


# Carries a template's line in its file from reading to merging (for error messages); merging
# takes it off again, so it never reaches a bundle.
LINE_ATTRIBUTE = "data-odoo-assets-line"


def _start_line(lines: Sequence[str], tag: str, line: int) -> int:
    """The line a start tag opens on: the parser gives the one it closes on."""
    for number in range(min(line, len(lines)), 0, -1):
        if f"<{tag}" in lines[number - 1]:
            return number
    return line


def read_template_file(
    url: str, content: str | None, error: str | None = None, *, mark_lines: bool = False
) -> str:
    """The templates of one XML file as a string of elements (Odoo's XMLAsset content).

    A file that could not be read contributes Odoo's `console.error(…)` text, which holds no
    template: like Odoo, the bundle is built without that file's templates.
    A file that does not parse becomes a `parsing_error…` template showing the parser message.
    `mark_lines` gives each template its line in the file, for merge_templates' errors.
    """
    if content is None:
        return f"console.error({json.dumps(error or f'Could not get content for {url}.')});"
    try:
        root = etree.fromstring(content.encode("utf-8"), parser=_READ_PARSER)
    except etree.XMLSyntaxError as exc:
        name = url.replace("/", "_")
        return (
            f'<t t-name="parsing_error{name}"><parsererror>Invalid XML template: {url} \n'
            f" {exc.msg} </parsererror></t>"
        )
    templates = list(root) if root.tag in ("templates", "template", "odoo") else [root]
    if mark_lines:
        lines = content.split("\n")
        for template in templates:
            if isinstance(template.tag, str) and isinstance(template.sourceline, int):
                template.set(LINE_ATTRIBUTE, str(_start_line(lines, template.tag, template.sourceline)))
    if root.tag in ("templates", "template"):
        return "".join(etree.tostring(child, encoding="unicode") for child in root)
    return etree.tostring(root, encoding="unicode")


# --- Inheritance specs -------------------------------------------------------------------------


def _add_text_before(node: Any, text: str | None) -> None:
    if text is None:
        return
    previous = node.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent = node.getparent()
        parent.text = (parent.text or "").rstrip() + text


def _remove_keeping_tail(node: Any) -> None:
    _add_text_before(node, node.tail)
    node.tail = None
    node.getparent().remove(node)


def _insert_spec_children_before(node: Any, spec: Any, extract: Any) -> None:
    """Insert the spec's children before node, moving whitespace as view inheritance does."""
    spec_text = spec.text or ""
    previous = node.getprevious()
    if previous is None:
        parent = node.getparent()
        found = parent.text and _TRAILING_BLANK_LINE.search(parent.text)
        kept = found.group(0) if found else ""
        parent.text = ((parent.text or "").rstrip() + spec_text) or (None if spec.text is None else "")
    else:
        found = previous.tail and _TRAILING_BLANK_LINE.search(previous.tail)
        kept = found.group(0) if found else ""
        previous.tail = (previous.tail or "").rstrip() + spec_text
    if len(spec) > 0:
        spec[-1].tail = (spec[-1].tail or "").rstrip() + kept
    else:
        spec.text = (spec.text or "").rstrip() + kept
    for child in list(spec):
        if child.get("position") == "move":
            child = extract(child)
        node.addprevious(child)


def _locate(tree: Any, spec: Any) -> Any:
    if spec.tag == "xpath":
        expr = spec.get("expr")
        try:
            # ETXPath (`{namespace}tag` steps allowed) with hasclass() given to this evaluator only.
            found = etree.ETXPath(expr, extensions=_XPATH_EXTENSIONS)(tree)
        except (etree.XPathSyntaxError, etree.XPathEvalError) as exc:
            raise CompilationError(f"invalid xpath {expr!r}: {exc}") from None
        return found[0] if isinstance(found, list) and found else None
    if spec.tag == "field":
        return next((n for n in tree.iter("field") if n.get("name") == spec.get("name")), None)
    for candidate in tree.iter(spec.tag):
        if all(candidate.get(a) == spec.get(a) for a in spec.attrib if a != "position"):
            return candidate
    return None


def _set_attributes(node: Any, spec: Any) -> None:
    for item in spec.iter("attribute"):
        name = item.get("name")
        value = item.text or ""
        if item.get("add") or item.get("remove"):
            if item.text:
                raise CompilationError(f"attribute {name!r}: add/remove cannot be combined with a value")
            separator = item.get("separator", ",")
            split_on = None if separator == " " else separator
            added = [s for s in (s.strip() for s in item.get("add", "").split(split_on)) if s]
            removed = {s.strip() for s in item.get("remove", "").split(split_on)}
            current = (s.strip() for s in node.get(name, "").split(split_on))
            value = (split_on or " ").join(itertools.chain((v for v in current if v not in removed), added))
        if value:
            node.set(name, value)
        elif name in node.attrib:
            del node.attrib[name]


def _replace(source: Any, node: Any, spec: Any, extract: Any) -> Any:
    mode = spec.get("mode", "outer")
    if mode == "inner":
        for child in list(node):
            node.remove(child)
        node.text = None
        for child in spec:
            node.append(copy.deepcopy(child))
        node.text = spec.text
        return source
    if mode != "outer":
        raise CompilationError(f"invalid replace mode {mode!r}")
    for placeholder in spec.xpath(".//*[text()='$0']"):
        placeholder.text = ""
        placeholder.append(copy.deepcopy(node))
    if node.getparent() is None:
        content = None
        comment = None
        for child in spec:
            if child.tag is not etree.Comment:
                content = child
                break
            comment = child
        if content is None:
            raise CompilationError("replacing a template's root needs an element to replace it with")
        source = copy.deepcopy(content)
        if node.get("t-name"):
            source.set("t-name", node.get("t-name"))
        if comment is not None:
            text = source.text
            source.text = None
            comment.tail = text
            source.insert(0, comment)
        return source
    for child in list(spec):
        if child.get("position") == "move":
            child = extract(child)
        node.addprevious(child)
    node.getparent().remove(node)
    return source


def apply_inheritance(source: Any, specs: Sequence[Any]) -> Any:
    """Apply inheritance specs to a copy of a parent template; returns the new root."""
    pending = list(specs)

    def extract(spec: Any) -> Any:
        if len(spec):
            raise CompilationError("a moved node must be an empty locator")
        found = _locate(source, spec)
        if found is None:
            raise CompilationError(f"element to move {etree.tostring(spec, encoding='unicode')!r} not found")
        _remove_keeping_tail(found)
        return found

    while pending:
        spec = pending.pop(0)
        if not isinstance(spec.tag, str):
            continue
        if spec.tag == "data":
            pending.extend(spec)
            continue
        node = _locate(source, spec)
        if node is None:
            attrs = "".join(f' {a}="{spec.get(a)}"' for a in spec.attrib if a != "position")
            raise CompilationError(f"element '<{spec.tag}{attrs}>' cannot be located in parent")
        position = spec.get("position", "inside")
        if position == "replace":
            source = _replace(source, node, spec, extract)
        elif position == "attributes":
            _set_attributes(node, spec)
        elif position == "inside":
            marker = etree.Element("sentinel")
            node.append(marker)
            _insert_spec_children_before(marker, spec, extract)
            _remove_keeping_tail(marker)
        elif position == "after":
            marker = etree.Element("sentinel")
            node.addnext(marker)
            if node.tail is not None:
                marker.tail = node.tail
                node.tail = None
            _insert_spec_children_before(marker, spec, extract)
            _remove_keeping_tail(marker)
        elif position == "before":
            _insert_spec_children_before(node, spec, extract)
        else:
            raise CompilationError(f"invalid position {position!r}")
    return source


# --- Merging a bundle's templates --------------------------------------------------------------


def merge_templates(files: Sequence[tuple[str, str]], show_inherit_info: bool = False) -> str:
    """All templates of the bundle with inheritance applied, grouped by addon.

    `files` are (url, content-from-read_template_file) in bundle order.
    """
    by_addon: dict[str, dict[str, tuple[Any, list[str]]]] = {}
    for url, content in files:
        text = content.strip()
        wrapped = content if text.startswith("<odoo>") else f"<templates>{content}</templates>"
        try:
            tree = etree.fromstring(wrapped.encode("utf-8"), parser=_MERGE_PARSER)
        except etree.XMLSyntaxError as exc:
            raise CompilationError(f"{url}: cannot parse templates: {exc.msg}") from None
        if tree is None:
            raise CompilationError(f"{url}: cannot parse templates")
        addon = url.split("/")[1]
        own = by_addon.setdefault(addon, {})
        for element in list(tree):
            if not isinstance(element.tag, str):
                continue
            line = element.attrib.pop(LINE_ATTRIBUTE, None)
            where = f"{url}:{line}" if line else url
            _merge_one(by_addon, own, addon, (url, where), element, show_inherit_info)
    root = etree.Element("root")
    for templates in by_addon.values():
        for template, urls in templates.values():
            if show_inherit_info:
                tail: str | None = "\n"
                if len(root) > 0:
                    tail = root[-1].tail
                    root[-1].tail = "\n\n"
                comment = etree.Comment(f" Filepath: {' => '.join(urls)} ")
                comment.tail = tail
                root.append(comment)
            root.append(template)
    return etree.tostring(root, encoding="unicode")[6:-7]


def _inherit_comments(url: str, element: Any) -> list[Any]:
    specs = []
    for item in element:
        position = item.get("position")
        attrib = dict(item.attrib)
        attrib.pop("position", None)
        comment = etree.Comment(f' Filepath: {url} ; position="{position}" ; {attrib} ')
        if position == "attributes":
            if item.get("expr"):
                holder = etree.Element("xpath", {"expr": item.get("expr"), "position": "before"})
            else:
                holder = etree.Element(item.tag, item.attrib)
                holder.attrib["position"] = "before"
            holder.append(comment)
            specs.append(holder)
        elif len(item) > 0:
            item[0].addprevious(comment)
        else:
            item.append(comment)
        specs.append(item)
    return specs


def _merge_one(
    by_addon: dict[str, dict[str, tuple[Any, list[str]]]],
    own: dict[str, tuple[Any, list[str]]],
    addon: str,
    place: tuple[str, str],
    element: Any,
    show_inherit_info: bool,
) -> None:
    """Add one template of a file; `place` is (url, the url with the template's line)."""
    url, where = place
    name = element.get("t-name")
    if name is not None:
        first, _, rest = name.partition(".")
        if rest and first == addon:
            name = rest
    parent_ref = element.get("t-inherit")
    if parent_ref is not None:
        mode = element.get("t-inherit-mode", "primary")
        if mode not in ("primary", "extension"):
            raise CompilationError(f"{where}: invalid t-inherit-mode {mode!r} for template {name!r}")
        parent_addon, dot, parent_name = parent_ref.partition(".")
        if not dot:
            parent_addon, parent_name = addon, parent_ref
        if parent_addon not in by_addon:
            if parent_ref in own:
                parent_addon, parent_name = addon, parent_ref
            else:
                raise CompilationError(
                    f"{where}: template {name!r} inherits {parent_ref!r}, whose addon"
                    f" {parent_addon!r} has no templates earlier in the bundle"
                )
        if parent_name not in by_addon[parent_addon]:
            raise CompilationError(
                f"{where}: template {addon}.{name} inherits {parent_addon}.{parent_name},"
                " which is not defined earlier in the bundle"
            )
        parent_tree, parent_urls = by_addon[parent_addon][parent_name]
        parent_tree = copy.deepcopy(parent_tree)
        specs = _inherit_comments(url, element) if show_inherit_info else list(element)
        if mode == "primary":
            parent_tree.tag = element.tag
        result = apply_inheritance_checked(where, parent_tree, specs)
        if mode == "primary":
            for attr, value in element.attrib.items():
                if attr not in ("t-inherit", "t-inherit-mode"):
                    result.set(attr, value)
            if not name:
                raise CompilationError(f"{where}: a primary template needs a t-name")
            own[name] = (result, [*parent_urls, url])
        else:
            by_addon[parent_addon][parent_name] = (result, [*parent_urls, url])
    elif name:
        if name in own:
            raise CompilationError(f"{where}: template {name!r} already exists in addon {addon!r}")
        own[name] = (element, [url])
    elif element.get("t-extend"):
        own[f"{element.get('t-extend')}__extend_{len(own)}"] = (element, [url])
    else:
        raise CompilationError(f"{where}: a template has no t-name")


def apply_inheritance_checked(where: str, parent: Any, specs: Sequence[Any]) -> Any:
    try:
        return apply_inheritance(parent, specs)
    except CompilationError as exc:
        raise CompilationError(f"{where}: {exc}") from None


def templates_string(xml: str) -> str:
    """The template document embedded in the JS bundle, escaped for a JS template literal."""
    text = "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<templates xml:space="preserve">',
            xml,
            "</templates>",
        ]
    )
    return text.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")


def template_block(bundle: str, templates: str, form: TemplateForm = "registry") -> str:
    """The `odoo.define('<bundle>.bundle.xml', …)` block appended to a JS bundle.

    The 20-space indentation and the emptied whitespace-only lines reproduce what a dedented
    Python block does to text with unindented lines inside. "loadxml" hands the templates to
    `loadXML`; "registry" adds them to the `xml_templates` registry.
    """
    pad, inner = " " * 20, " " * 24
    head = (
        f"\n\n{pad}/*******************************************\n"
        f"{pad}*  Templates                               *\n"
        f"{pad}*******************************************/\n\n"
    )
    if form == "loadxml":
        body = (
            f"{pad}odoo.define('{bundle}.bundle.xml', function(require){{\n"
            f"{inner}'use strict';\n"
            f"{inner}const {{ loadXML }} = require('@web/core/assets');\n"
            f"{inner}const templates = `{templates}`;\n"
            f"{inner}return loadXML(templates);\n"
            f"{pad}}});"
        )
    else:
        body = (
            f"{pad}odoo.define('{bundle}.bundle.xml', ['@web/core/registry'], function(require){{\n"
            f"{inner}'use strict';\n"
            f"{inner}const {{ registry }} = require('@web/core/registry');\n"
            f"{inner}registry.category(`xml_templates`).add(`{bundle}`, `{templates}`);\n"
            f"{pad}}});"
        )
    return textwrap.dedent(head + body)


# --- Per-template registration (18.0 and later) -----------------------------------------------

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class TemplateFileError(Exception):
    """A template file the server cannot use: its whole template block becomes a `throw`."""


def _registered_elements(url: str, content: str | None, error: str | None) -> str:
    if content is None:
        raise TemplateFileError(file_error(error or f"Could not get content for {url}.", url))
    try:
        root = etree.fromstring(content.encode("utf-8"), parser=_READ_PARSER)
    except etree.XMLSyntaxError as exc:
        raise TemplateFileError(file_error(f"Invalid XML template: {exc.msg}", url)) from None
    if root.tag in ("templates", "template"):
        return "".join(etree.tostring(child, encoding="unicode") for child in root)
    return etree.tostring(root, encoding="unicode")


def _escaped(element: Any) -> str:
    element.set(_XML_SPACE, "preserve")
    text: str = etree.tostring(element, encoding="unicode")
    return text.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")


def _registration_lines(files: Sequence[tuple[str, str | None, str | None]]) -> list[str]:
    """registerTemplate / registerTemplateExtension lines, in the order the files give them.

    Consecutive extensions of one run are grouped by parent (first-seen parent first), as the
    server groups them; templates keep their order.
    """
    runs: list[tuple[str, list[Any]]] = []
    for url, content, error in files:
        text = _registered_elements(url, content, error)
        stripped = text.strip()
        document = stripped if stripped.startswith("<odoo>") else f"<templates>{text}</templates>"
        root = etree.fromstring(document.encode("utf-8"), parser=_MERGE_PARSER)
        for element in list(root):
            name = element.get("t-name")
            parent = element.get("t-inherit")
            mode = element.get("t-inherit-mode", "primary") if parent else None
            if mode not in (None, "primary", "extension"):
                addon = url.split("/")[1]
                raise TemplateFileError(
                    file_error(f'Invalid inherit mode. Module "{addon}" and template name "{name}"', url)
                )
            if mode == "extension":
                if not runs or runs[-1][0] != "extensions":
                    runs.append(("extensions", [{}]))
                grouped: dict[str, list[tuple[Any, str]]] = runs[-1][1][0]
                grouped.setdefault(parent or "", []).append((element, url))
            elif name:
                if not runs or runs[-1][0] != "templates":
                    runs.append(("templates", []))
                runs[-1][1].append((element, url, parent))
            else:
                raise TemplateFileError(file_error("Template name is missing.", url))
    lines: list[str] = []
    names: dict[str, None] = {}
    primary_parents: dict[str, None] = {}
    extension_parents: dict[str, None] = {}
    for kind, items in runs:
        if kind == "templates":
            for element, url, parent in items:
                if parent:
                    primary_parents[parent] = None
                name = element.get("t-name")
                names[name] = None
                lines.append(f'registerTemplate("{name}", `{url}`, `{_escaped(element)}`);')
        else:
            for parent, elements in items[0].items():
                extension_parents[parent] = None
                for element, url in elements:
                    lines.append(f'registerTemplateExtension("{parent}", `{url}`, `{_escaped(element)}`);')
    missing_primary = [p for p in primary_parents if p not in names]
    if missing_primary:
        lines.append(f"checkPrimaryTemplateParents({json.dumps(missing_primary)});")
    missing_extension = [p for p in extension_parents if p not in names]
    if missing_extension:
        lines.append(
            f'console.error("Missing (extension) parent templates: {", ".join(missing_extension)}");'
        )
    return lines


def registration_block(bundle: str, files: Sequence[tuple[str, str | None, str | None]]) -> str:
    """The `odoo.define("<bundle>.bundle.xml", ["@web/core/templates"], …)` block of 18.0+.

    A file that cannot be read or parsed, or a template without name or with an unknown
    inheritance mode, turns the whole block into one `throw new Error(…)`, as on the server.
    The block is dedented as a whole, like the server's indented source text.
    """
    try:
        body = "\n".join(_registration_lines(files))
    except TemplateFileError as exc:
        body = f"throw new Error({json.dumps(str(exc))});"
    pad, inner = " " * 20, " " * 24
    return textwrap.dedent(
        "\n\n"
        f"{pad}/*******************************************\n"
        f"{pad}*  Templates                               *\n"
        f"{pad}*******************************************/\n\n"
        f'{pad}odoo.define("{bundle}.bundle.xml", ["@web/core/templates"], function(require) {{\n'
        f'{inner}"use strict";\n'
        f"{inner}const {{ checkPrimaryTemplateParents, registerTemplate, registerTemplateExtension }}"
        ' = require("@web/core/templates");\n'
        f"{inner}/* {bundle} */\n"
        f"{inner}{body}\n"
        f"{pad}}});\n"
    )
