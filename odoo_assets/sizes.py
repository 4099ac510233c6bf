"""What each input contributes to a compiled bundle file, and the size manifest built from it.

Compiled bundles keep a header per input (`/* <path> */` before each script and stylesheet,
a framed `Filepath:` banner in debug scripts), so a file's share is the text from its header
to the next one: measured after compilation. Templates are merged into one block, where no
file's share is visible: a template file counts its source size instead, and the block its
compiled size. Headers, separators and hoisted `@import` rules the files do not own are the
rest ("other").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from odoo_assets.compilation import CompiledFile, SourceAsset
from odoo_assets.installation import Installation, Variant, variant_url
from odoo_assets.jobs import CompiledVariant
from odoo_assets.resolution import BundleEntry, Origin
from odoo_assets.versions import TEMPLATE_EXTENSIONS

Measure = Literal["compiled", "source"]
# The framed title of a JS bundle's template block (indented or not, see templates.py).
TEMPLATES_TITLE = "*  Templates                               *"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class InputSize:
    """One input file of a compiled file: where it came from and the bytes it accounts for."""

    path: str
    addon: str
    origin: str
    directive: str
    bytes: int
    measure: Measure


@dataclass(frozen=True)
class FileSize:
    """A file as written: its name in the output directory, the URL Odoo serves it at."""

    file: str
    url: str
    size: int


@dataclass(frozen=True)
class BundleSize:
    """One compiled bundle file (a variant) and its inputs; the manifest's unit."""

    bundle: str
    type: str  # js | css
    rtl: bool
    debug: bool
    version: str
    file: str
    url: str
    size: int
    inputs: tuple[InputSize, ...]
    templates: int = 0  # the template block of a JS bundle
    other: int = 0
    map: FileSize | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["inputs"] = [asdict(item) for item in self.inputs]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BundleSize:
        values = dict(data)
        values["inputs"] = tuple(InputSize(**item) for item in values.get("inputs", ()))
        values["map"] = FileSize(**values["map"]) if values.get("map") else None
        return cls(**values)

    def by_addon(self) -> list[tuple[str, int]]:
        """Compiled bytes per addon, the template block and the rest on their own, largest first."""
        totals: dict[str, int] = {}
        for item in self.inputs:
            if item.measure == "compiled":
                totals[item.addon] = totals.get(item.addon, 0) + item.bytes
        if self.templates:
            totals["(templates)"] = self.templates
        if self.other:
            totals["(other)"] = self.other
        return sorted(totals.items(), key=lambda pair: (-pair[1], pair[0]))


@dataclass
class SizeManifest:
    """Every compiled file of a run (`manifest.json`), with where it came from."""

    source: dict[str, Any]
    series: str
    bundles: list[BundleSize] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(item.size for item in self.bundles)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "source": self.source,
            "series": self.series,
            "total": self.total,
            "bundles": [item.to_dict() for item in self.bundles],
            "failures": self.failures,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SizeManifest:
        return cls(
            source=dict(data.get("source") or {}),
            series=str(data.get("series") or ""),
            bundles=[BundleSize.from_dict(item) for item in data.get("bundles") or ()],
            failures=list(data.get("failures") or ()),
        )


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _header(url: str, debug_script: bool) -> str:
    return f"\n*  Filepath: {url}" if debug_script else f"\n/* {url} */\n"


def file_shares(
    text: str, urls: Sequence[str], *, debug: bool = False, script: bool = False
) -> tuple[list[int | None], int]:
    """(bytes of each url's part, bytes of the template block) of a compiled file.

    A url whose header is not in the text gets None. A part runs from its header to the next
    found header, the template block, or a debug file's closing source map comment.
    """
    debug_script = debug and script
    starts: list[int | None] = []
    cursor = 0
    for url in urls:
        header = _header(url, debug_script)
        found = text.find(header, cursor)
        if found < 0:
            starts.append(None)
            continue
        if debug_script:
            found = text.rfind("\n/", 0, found)
        starts.append(found)
        cursor = found + len(header)
    # A debug file ends with its source map comment, on a line of its own.
    end = text.rfind("\n", 0, text.rfind("sourceMappingURL=")) if debug else len(text)
    title = text.find(TEMPLATES_TITLE, cursor) if script else -1
    block = 0
    if title >= 0:
        block_start = text.rfind("\n\n", 0, title)
        block = _utf8_len(text[block_start:end])
        end = block_start
    found_starts = sorted(s for s in starts if s is not None)
    shares: list[int | None] = []
    for start in starts:
        if start is None:
            shares.append(None)
            continue
        following = [s for s in found_starts if s > start]
        shares.append(_utf8_len(text[start : following[0] if following else end]))
    return shares, block


def addon_of(url: str) -> str:
    return url.lstrip("/").split("/", 1)[0]


def input_sizes(
    compiled: CompiledFile,
    entries: Sequence[BundleEntry],
    sources: Sequence[SourceAsset],
    describe: Callable[[Origin], str],
) -> tuple[tuple[InputSize, ...], int, int]:
    """(inputs, template block bytes, other bytes) of one compiled bundle file.

    `entries` and `sources` are the bundle's inputs of that type, in bundle order.
    """
    text = compiled.content
    by_url = {source.url: source for source in sources}
    measured = [e for e in entries if e.extension not in TEMPLATE_EXTENSIONS]
    shares, block = file_shares(
        text,
        [e.url for e in measured],
        debug=compiled.ext in ("js", "css"),
        script=compiled.ext in ("js", "min.js"),
    )
    known = dict(zip((e.url for e in measured), shares, strict=True))
    unknowable = bool(measured) and all(share is None for share in shares)
    inputs = []
    for entry in entries:
        share = known.get(entry.url)
        source = by_url.get(entry.url)
        source_bytes = _utf8_len(source.content or "") if source is not None else 0
        template = entry.extension in TEMPLATE_EXTENSIONS
        measure: Measure = "source" if template or unknowable else "compiled"
        inputs.append(
            InputSize(
                path=entry.url,
                addon=addon_of(entry.url),
                origin=describe(entry.origin),
                directive=entry.origin.directive,
                bytes=source_bytes if measure == "source" else share or 0,
                measure=measure,
            )
        )
    counted = sum(item.bytes for item in inputs if item.measure == "compiled") + block
    return tuple(inputs), block, _utf8_len(text) - counted


# --- Manifest entries of compiled variants ------------------------------------------------------


def file_name(variant: Variant, compiled: CompiledFile) -> str:
    """`<bundle>[.rtl].<ext>`: the name the file is served under (in 17.0+ URLs)."""
    rtl = ".rtl" if variant.rtl and variant.asset_type == "css" else ""
    return f"{variant.bundle}{rtl}.{compiled.ext}"


def served_url(inst: Installation, variant: Variant, unique: str, ext: str) -> str:
    """The URL Odoo gives the file; where URLs carry the attachment's id (16.0), which only
    exists once stored, `<id>` stands for it."""
    url = variant_url(inst, variant, unique, ext)
    return url.replace("/%-", "/<id>-", 1) if inst.profile.urls.carries_id else url


def size_entry(inst: Installation, item: CompiledVariant) -> BundleSize:
    """The manifest entry of a compiled variant."""
    assert item.version is not None and item.url is not None and item.files
    main = item.files[0]
    inputs, templates, other = input_sizes(main, item.entries, item.sources, inst.origin_text)
    source_map = None
    if len(item.files) > 1:
        map_file = item.files[1]
        map_url = served_url(inst, item.variant, item.version, map_file.ext)
        source_map = FileSize(file_name(item.variant, map_file), map_url, _utf8_len(map_file.content))
    return BundleSize(
        bundle=item.variant.bundle,
        type=item.variant.asset_type,
        rtl=item.variant.rtl,
        debug=item.variant.debug,
        version=item.version,
        file=file_name(item.variant, main),
        url=served_url(inst, item.variant, item.version, main.ext),
        size=_utf8_len(main.content),
        inputs=inputs,
        templates=templates,
        other=other,
        map=source_map,
    )


def size_manifest(
    inst: Installation, items: Sequence[CompiledVariant], source: dict[str, Any]
) -> SizeManifest:
    manifest = SizeManifest(source=source, series=inst.series)
    for item in items:
        if item.status == "compiled":
            manifest.bundles.append(size_entry(inst, item))
        elif item.status == "failed":
            manifest.failures.append(
                {"bundle": item.variant.bundle, "file": item.variant.label(), "error": item.error}
            )
    return manifest
