"""Line-to-line v3 source maps for debug bundles, serialised as Odoo 17 serialises them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
XSSI_PREFIX = ")]}'\n"


def vlq(value: int) -> str:
    """Base64 VLQ of one integer."""
    number = (-value << 1) | 1 if value < 0 else value << 1
    out = []
    while True:
        digit = number & 0x1F
        number >>= 5
        if number:
            digit |= 0x20
        out.append(_B64[digit])
        if not number:
            return "".join(out)


@dataclass
class SourceMap:
    source_root: str
    file: str | None = None
    sources: dict[str, int] = field(default_factory=dict)
    contents: dict[str, str] = field(default_factory=dict)
    mappings: list[tuple[int, int, str]] = field(default_factory=list)  # generated, original, src

    def add_source(self, name: str, content: str, last_line: int, start_offset: int = 0) -> None:
        """Map the source's lines one to one from generated line last_line + start_offset + 1;
        the lines skipped by the offset (headers) map to the source's first line."""
        self.sources.setdefault(name, len(self.sources))
        self.contents[name] = content
        if start_offset > 0:
            self.mappings.append((last_line + 1, 1, name))
        for line in range(1, len(content.split("\n")) + 1):
            self.mappings.append((last_line + line + start_offset, line, name))

    def _encoded_mappings(self) -> str:
        out: list[str] = []
        segments: dict[tuple[int, int], str] = {}  # few distinct (source, line) deltas
        generated_line, original_line, source_index = 1, 0, 0
        for generated, original, name in self.mappings:
            if generated > generated_line:
                out.append(";" * (generated - generated_line))
                generated_line = generated
            index = self.sources[name]
            delta = (index - source_index, original - 1 - original_line)
            source_index, original_line = index, original - 1
            segment = segments.get(delta)
            if segment is None:
                segment = segments[delta] = f"A{vlq(delta[0])}{vlq(delta[1])}A"
            # Segments of one generated line are written back to back, without a comma.
            out.append(segment)
        return "".join(out)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "version": 3,
            "sources": list(self.sources),
            "mappings": self._encoded_mappings(),
            "sourcesContent": [self.contents[name] for name in self.sources],
        }
        if self.file:
            data["file"] = self.file
        if self.source_root:
            data["sourceRoot"] = self.source_root
        return data

    def render(self) -> str:
        return XSSI_PREFIX + json.dumps(self.to_dict())


def source_root_for(url: str) -> str:
    """`../` once per URL segment below /web/assets: where the map's sources are relative to."""
    return "/".join([".."] * (len(url.split("/")) - 2)) + "/"
