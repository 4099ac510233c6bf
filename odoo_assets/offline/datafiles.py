"""ir.asset records from the addons' data files, as installing the modules creates them.

What Odoo's data loading does with them (observed in its sources; 16.0 to 19.0 agree unless
said otherwise):

- Each module's `data` files load in manifest order, modules in install order; `demo` files,
  files listed nowhere, and `.sql`/`.js` files create no ir.asset record here.
- XML: `<odoo>`, `<openerp>` or `<data>` roots, nested freely; `<record model="ir.asset">`
  with `<field name=…>` children (text, `eval`, `ref`, `type="int"`); 19.0 adds the `<asset>`
  shortcut (a record of `ir.asset`, or of `theme.ir.asset` in `theme_*` modules).
- CSV: a file named `ir.asset.csv` (or `ir.asset-<anything>.csv`); the header names the
  fields, `id` the external id, `website_id:id` a reference by external id.
- An external id declared again updates its record, field by field; a record without one is
  created each time. Ids are given in load order, so (sequence, id) orders rows as Odoo does.
- Record values: booleans written as text are false for 0/false/off (XML) or for
  ''/0/false/no (CSV); a field without value defaults to directive 'append', active True,
  sequence 16, or 10 for a record whose parent element says `auto_sequence="1"`.

Evaluated attributes are read as Python literals (and `ref('…')`), never executed.
"""

from __future__ import annotations

import ast
import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree

from odoo_assets.addons import Addon, AddonIndex
from odoo_assets.errors import DataFileError
from odoo_assets.resolution import DEFAULT_SEQUENCE, IrAssetRow

MODEL = "ir.asset"
DATA_ROOTS = ("odoo", "openerp", "data")
FIELDS = ("name", "bundle", "directive", "path", "target", "active", "sequence", "website_id", "key")
# Fields the website module adds: unknown to modules loaded before it.
WEBSITE_FIELDS = ("website_id", "key")
REQUIRED = ("name", "bundle", "path")
DIRECTIVES = ("append", "prepend", "after", "before", "remove", "replace", "include")
DEFAULTS: Mapping[str, object] = {
    "directive": "append",
    "target": None,
    "active": True,
    "sequence": DEFAULT_SEQUENCE,
    "website_id": None,
    "key": None,
}
# What a record without sequence gets under a parent with auto_sequence="1".
AUTO_SEQUENCE = 10
_XML_FALSE = ("0", "false", "off")
_CSV_FALSE = ("", "0", "false", "no")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@dataclass(frozen=True)
class AssetRecord:
    """One ir.asset record as the install leaves it; `file` is addon-relative."""

    id: int
    xmlid: str | None
    file: str
    line: int
    values: Mapping[str, Any]

    @property
    def origin(self) -> str:
        """`<file>:<xmlid>`, or `<file>:<line>` for a record without external id."""
        return f"{self.file}:{self.xmlid or self.line}"

    def row(self) -> IrAssetRow:
        return IrAssetRow.from_values(self.id, self.values)


@dataclass
class _Where:
    """The file being loaded: for error messages and external ids."""

    module: str
    file: str
    line: int = 0

    def error(self, message: str) -> DataFileError:
        return DataFileError(f"{self.file}:{self.line}: {message}")


@dataclass
class AssetLoader:
    """Creates and updates ir.asset records as modules load, one module after the other."""

    asset_element: bool  # the series' data files know <asset> (its profile says)
    records: list[AssetRecord] = field(default_factory=list)
    by_xmlid: dict[str, int] = field(default_factory=dict)  # xmlid → index in records
    loaded: set[str] = field(default_factory=set)
    # Websites are not loaded: each external id referenced gets its own id, in order.
    website_ids: dict[str, int] = field(default_factory=dict)

    def load_module(self, addon: Addon) -> None:
        self.loaded.add(addon.name)
        data = addon.manifest.get("data") or []
        if not isinstance(data, (list, tuple)):
            raise DataFileError(f"broken manifest {addon.manifest_file}: 'data' must be a list of files")
        for relative in data:
            self.load_file(addon, str(relative))

    def load_file(self, addon: Addon, relative: str) -> None:
        path = addon.path / relative
        where = _Where(addon.name, f"{addon.name}/{relative}")
        extension = path.suffix.lower()
        if extension not in (".xml", ".csv"):
            return  # .sql and .js create no ir.asset record we could know of
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise DataFileError(
                f"{addon.manifest_file}: data file {relative} cannot be read ({exc.strerror or exc})"
            ) from None
        if extension == ".xml":
            self._load_xml(content, where)
        elif path.stem.split("-")[0] == MODEL:
            self._load_csv(content, where)

    # --- XML ----------------------------------------------------------------------------------

    def _load_xml(self, content: bytes, where: _Where) -> None:
        try:
            root = etree.fromstring(content, parser=_PARSER)
        except etree.XMLSyntaxError as exc:
            where.line = exc.lineno if isinstance(exc.lineno, int) else 0
            raise where.error(f"not well-formed XML: {exc.msg}") from None
        if root.tag not in DATA_ROOTS:
            where.line = _line(root)
            raise where.error(f"the root element must be <odoo>, <openerp> or <data>, not <{root.tag}>")
        self._walk(root, where)

    def _walk(self, parent: Any, where: _Where) -> None:
        auto_sequence = _xml_bool(parent.get("auto_sequence"), default=False)
        for element in parent:
            if not isinstance(element.tag, str):
                continue  # comments, processing instructions
            where.line = _line(element)
            if element.tag in DATA_ROOTS:
                self._walk(element, where)
            elif element.tag == "record" and element.get("model") == MODEL:
                self._record(element, where, auto_sequence)
            elif element.tag == "record" and not element.get("model"):
                raise where.error("<record> without model")
            elif element.tag == "asset":
                self._asset(element, where, auto_sequence)

    def _asset(self, element: Any, where: _Where, auto_sequence: bool) -> None:
        """The `<asset>` shortcut: a record with name, bundle (and directive), path, active."""
        if not self.asset_element:
            raise where.error(
                "<asset> is a data element of Odoo 19.0 and later; this series refuses the file"
            )
        if where.module.startswith("theme_"):
            return  # theme.ir.asset: copied to each website when the theme is installed there
        asset_id = element.get("id")
        bundle, path = element.find("bundle"), element.find("path")
        if not asset_id or bundle is None or path is None:
            raise where.error("<asset> needs an id, a <bundle> and a <path>")
        values: dict[str, Any] = {
            "name": element.get("name", asset_id),
            "bundle": bundle.text or "",
            "path": path.text or "",
        }
        if "directive" in bundle.attrib:
            values["directive"] = _selection(bundle.get("directive"), where)
        if element.get("active") in ("True", "False"):
            values["active"] = element.get("active") == "True"
        for child in element.iterchildren("field"):
            where.line = _line(child)
            name, value = self._field(child, where)
            values[name] = value
        where.line = _line(element)
        self._save(asset_id, values, where, auto_sequence)

    def _record(self, element: Any, where: _Where, auto_sequence: bool) -> None:
        values: dict[str, Any] = {}
        for child in element.iterchildren("field"):
            where.line = _line(child)
            name, value = self._field(child, where)
            values[name] = value
        where.line = _line(element)
        self._save(element.get("id") or None, values, where, auto_sequence)

    def _field(self, node: Any, where: _Where) -> tuple[str, Any]:
        name = self._known_field(node.get("name"), where)
        if node.get("search"):
            raise where.error(f"field {name!r}: search= is not supported offline")
        if node.get("ref"):
            if name != "website_id":
                raise where.error(f"field {name!r} is not a reference")
            return name, self._website(node.get("ref"), where)
        if node.get("eval"):
            value = _evaluate(node.get("eval"), where, lambda ref: self._website(ref, where))
        else:
            value = _typed_text(node, where)
        return name, _xml_value(name, value, where)

    def _known_field(self, name: str | None, where: _Where) -> str:
        if name not in FIELDS or (name in WEBSITE_FIELDS and "website" not in self.loaded):
            added = " (the website module adds it: depend on website)" if name in WEBSITE_FIELDS else ""
            raise where.error(f"ir.asset has no field {name!r}{added}")
        return name

    def _website(self, xmlid: str, where: _Where) -> int:
        key = xmlid if "." in xmlid else f"{where.module}.{xmlid}"
        return self.website_ids.setdefault(key, len(self.website_ids) + 1)

    # --- CSV ----------------------------------------------------------------------------------

    def _load_csv(self, content: bytes, where: _Where) -> None:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise where.error(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
        reader = csv.reader(io.StringIO(text, newline=""), quotechar='"', delimiter=",")
        header = next(reader, None)
        if not header:
            return
        columns = [self._column(name, where) for name in header]
        for line in reader:
            where.line = reader.line_num
            if not any(line):
                continue
            if len(line) != len(header):
                raise where.error(f"{len(line)} values for {len(header)} columns")
            xmlid: str | None = None
            values: dict[str, Any] = {}
            for (name, by_xmlid), cell in zip(columns, line, strict=True):
                if name == "id":
                    xmlid = cell or None
                elif by_xmlid:
                    values[name] = self._website(cell, where) if cell else None
                else:
                    values[name] = _csv_value(name, cell, where)
            self._save(xmlid, values, where, auto_sequence=False)

    def _column(self, header: str, where: _Where) -> tuple[str, bool]:
        """(field, whether values are external ids) of a CSV column."""
        if header == "id":
            return "id", False
        for suffix in (":id", "/id"):
            if header.endswith(suffix):
                name = header[: -len(suffix)]
                if name != "website_id":
                    raise where.error(f"column {header!r}: {name!r} is not a reference")
                return self._known_field(name, where), True
        return self._known_field(header, where), False

    # --- Creating and updating ----------------------------------------------------------------

    def _save(self, rec_id: str | None, values: dict[str, Any], where: _Where, auto_sequence: bool) -> None:
        if auto_sequence and "sequence" not in values:
            values["sequence"] = AUTO_SEQUENCE
        xmlid = self._xmlid(rec_id, where) if rec_id else None
        if xmlid is not None and xmlid in self.by_xmlid:
            index = self.by_xmlid[xmlid]
            old = self.records[index]
            merged = {**old.values, **values}
            _check_required(merged, xmlid, where)
            self.records[index] = replace(old, values=merged)
            return
        if xmlid is not None and xmlid.partition(".")[0] != where.module:
            raise where.error(f"cannot update {xmlid}: no such ir.asset record was created before")
        record_values = {**DEFAULTS, **values}
        _check_required(record_values, xmlid or "ir.asset record", where)
        record = AssetRecord(len(self.records) + 1, xmlid, where.file, where.line, record_values)
        self.records.append(record)
        if xmlid is not None:
            self.by_xmlid[xmlid] = len(self.records) - 1

    def _xmlid(self, rec_id: str, where: _Where) -> str:
        if "." not in rec_id:
            return f"{where.module}.{rec_id}"
        module, _, name = rec_id.partition(".")
        if "." in name:
            raise where.error(f"external id {rec_id!r} has more than one dot")
        if module != where.module and module not in self.loaded:
            raise where.error(f"external id {rec_id!r} refers to a module that is not installed")
        return rec_id


def _line(node: Any) -> int:
    line = node.sourceline
    return line if isinstance(line, int) else 0


def _check_required(values: Mapping[str, Any], what: str, where: _Where) -> None:
    for name in REQUIRED:
        if not values.get(name):
            raise where.error(f"{what}: ir.asset needs a value for {name!r}")


def _xml_bool(text: str | None, default: bool) -> bool:
    if text is None or not text.strip():
        return default
    return text.strip().lower() not in _XML_FALSE


def _evaluate(expr: str, where: _Where, ref: Callable[[str], int]) -> Any:
    """A Python literal, or `ref('<xmlid>')`; anything else would need Odoo to evaluate it."""
    try:
        body = ast.parse(expr.strip(), mode="eval").body
    except SyntaxError:
        raise where.error(f"eval={expr!r} is not a Python expression") from None
    if (
        isinstance(body, ast.Call)
        and isinstance(body.func, ast.Name)
        and body.func.id == "ref"
        and len(body.args) == 1
        and isinstance(body.args[0], ast.Constant)
        and isinstance(body.args[0].value, str)
    ):
        return ref(body.args[0].value)
    try:
        return ast.literal_eval(body)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        raise where.error(f"eval={expr!r} is not a literal (only literals and ref('…') are read)") from None


def _typed_text(node: Any, where: _Where) -> Any:
    kind = node.get("type", "char")
    text = node.text or ""
    try:
        if kind == "char":
            return text
        if kind == "int":
            return None if text.strip() == "None" else int(text.strip())
        if kind == "float":
            return float(text.strip())
    except ValueError:
        raise where.error(f"{text.strip()!r} is not a valid {kind}") from None
    raise where.error(f"field type {kind!r} is not supported for ir.asset")


def _xml_value(name: str, value: Any, where: _Where) -> Any:
    """A field value as a record write stores it."""
    if name == "active":
        return _xml_bool(value, default=False) if isinstance(value, str) else bool(value)
    if name == "sequence":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise where.error(f"sequence {value!r} is not an integer") from None
    if name == "website_id":
        try:
            return int(value) if value else None
        except (TypeError, ValueError):
            raise where.error(f"website_id {value!r} is not an id") from None
    if name == "directive":
        return _selection(value, where)
    if value is False or value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _selection(value: Any, where: _Where) -> str | None:
    if value is False or value is None:
        return None
    text = str(value)
    for directive in DIRECTIVES:
        if text.lower() == directive:
            return directive
    raise where.error(f"directive {text!r} is not one of {', '.join(DIRECTIVES)}")


def _csv_value(name: str, cell: str, where: _Where) -> Any:
    """A CSV cell as Odoo's import converts it: empty cells write False."""
    if not cell:
        return {"active": False, "sequence": 0}.get(name)
    if name == "active":
        # Odoo warns about words other than 1/true/yes and 0/false/no, and takes them as true.
        return cell.lower() not in _CSV_FALSE
    if name == "sequence":
        try:
            return int(cell)
        except ValueError:
            raise where.error(f"{cell!r} does not seem to be an integer for field 'sequence'") from None
    if name == "directive":
        return _selection(cell, where)
    if name == "website_id":
        raise where.error("website_id: give websites by external id (a website_id:id column)")
    return cell


def read_asset_records(index: AddonIndex, modules: Sequence[str], asset_element: bool) -> list[AssetRecord]:
    """The ir.asset records installing `modules` (in load order) creates, by id; `asset_element`:
    the series knows the `<asset>` data element (its profile says)."""
    loader = AssetLoader(asset_element=asset_element)
    for name in modules:
        addon = index.get(name)
        if addon is not None:
            loader.load_module(addon)
    return list(loader.records)


def record_origins(records: Sequence[AssetRecord]) -> dict[int, str]:
    """Each record's origin (`<file>:<xmlid>`) by id."""
    return {record.id: record.origin for record in records}
