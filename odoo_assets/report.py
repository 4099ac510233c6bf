"""Human-readable rendering of command results, and the JSON log line format."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

# Attributes every LogRecord has; anything else was passed through `extra=`.
_RECORD_FIELDS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, message and the structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in record.__dict__.items() if k not in _RECORD_FIELDS})
        return json.dumps(data, default=str)


# The structured fields the text log line shows, in this order, under these names. `event`
# repeats the message, `bundle` is in the subject and a `warning`'s fields are all in its
# message: they are left to the JSON lines.
_TEXT_FIELDS = (
    ("website_id", "website"),
    ("database", "db"),
    ("attachment_id", "id"),
    ("version", "version"),
    ("size", "size"),
)
_TEXT_HIDDEN = {"event", "bundle", "url", "warning"}


def _text_value(value: Any) -> str:
    text = str(value)
    return json.dumps(text) if not text or any(c.isspace() for c in text) else text


class TextLogFormatter(logging.Formatter):
    """One line per event for a terminal: the level, the message, what it is about (the
    attachment's file name, else the bundle; unless the message names it already), then the
    structured fields of the JSON line as `name=value`, sizes for people, the URL last:

        INFO stored web.assets_web.min.js db=prod id=123 version=abc1234 size=1.2 MiB url=/web/...
    """

    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in record.__dict__.items() if k not in _RECORD_FIELDS and v is not None}
        message = record.getMessage()
        parts = [record.levelname, message]
        url = fields.get("url")
        subject = str(url).rsplit("/", 1)[-1] if url else str(fields.get("bundle") or "")
        if subject and subject not in message:
            parts.append(subject)
        for key, name in _TEXT_FIELDS:
            if key in fields:
                value = human_size(fields[key]) if key == "size" else _text_value(fields[key])
                parts.append(f"{name}={value}")
        known = {key for key, _ in _TEXT_FIELDS} | _TEXT_HIDDEN
        parts += [f"{key}={_text_value(value)}" for key, value in fields.items() if key not in known]
        if url:
            parts.append(f"url={_text_value(url)}")
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def human_size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def render_inspect(data: dict[str, Any]) -> str:
    website = f" (website {data['website_id']})" if data["website_id"] else ""
    lines = [f"bundle {data['bundle']}{website} — Odoo {data['series']}"]
    for asset_type in ("js", "css"):
        version = data["versions"][asset_type]
        if version:
            lines.append(f"  {asset_type:<3} version {version}  {data['urls'][asset_type]}")
        else:
            lines.append(f"  {asset_type:<3} (no {asset_type} files)")
    lines.append("")
    rows = [
        (
            i + 1,
            f["url"],
            f["kind"],
            human_size(f["size"]) if f["size"] is not None else f["source"],
            f["origin"],
            f["directive"],
        )
        for i, f in enumerate(data["files"])
    ]
    lines.append(table(("#", "file", "kind", "size", "from", "directive"), rows))
    if data["attachments"]:
        lines.append("")
        lines.append("stored:")
        for att in data["attachments"]:
            lines.append(f"  #{att['id']} {att['url']} {human_size(att['size'])} blob {att['blob']}")
    else:
        lines.append("")
        lines.append("stored: nothing for the current versions (run `odoo-assets bundle build`)")
    if "why" in data:
        lines.append("")
        if not data["why"]:
            lines.append("why: that path never entered this bundle")
        for event in data["why"]:
            target = f" target {event['target']}" if event["target"] else ""
            lines.append(
                f"why: {event['action']} {event['url']} by {event['directive']} "
                f"'{event['written']}'{target} in {event['origin']}"
            )
    return "\n".join(lines)


def render_build(data: dict[str, Any]) -> str:
    rows = []
    for item in data["bundles"]:
        if item["status"] == "empty":  # no file of that type: counted in the summary only
            continue
        where = f"website {item['website_id']}" if item["website_id"] else ""
        note = item["error"] or ("shared compilation" if item["shared"] else "")
        rows.append(
            (
                item["status"],
                f"{item['bundle']}.{item['ext']}" + (" rtl" if item["rtl"] else ""),
                where,
                item["version"],
                human_size(item["size"]),
                item.get("reason", ""),
                note,
            )
        )
    summary = ", ".join(f"{count} {status}" for status, count in sorted(data["summary"].items()))
    prefix = "dry run: " if data["dry_run"] else ""
    elapsed = f" in {data['elapsed_s']:.2f} s" if data.get("elapsed_s") is not None else ""
    body = table(("status", "bundle", "website", "version", "size", "reason", "note"), rows) if rows else ""
    last = f"{prefix}{data['database']}: {summary or 'nothing to do'}{elapsed}"
    return "\n".join(x for x in (body, last) if x)


def render_compile(data: dict[str, Any]) -> str:
    """The compiled files, then one line per warning and failure (as a CI log shows them)."""
    rows = [
        (
            item["status"],
            f"{item['bundle']}.{item['ext']}" + (" rtl" if item["rtl"] else ""),
            item["version"],
            human_size(item["size"]),
            " ".join(item["files"]) if item["files"] else "",
        )
        for item in data["bundles"]
        if item["status"] != "empty"  # no file of that type
    ]
    lines = [table(("status", "bundle", "version", "size", "files"), rows)] if rows else []
    problems = render_compile_problems(data)
    lines += [problems] if problems else []
    compiled = sum(1 for item in data["bundles"] if item["status"] == "compiled")
    elapsed = f" in {data['elapsed_s']:.2f} s" if data.get("elapsed_s") is not None else ""
    warnings = len(data["warnings"])
    lines.append(
        f"{compiled} compiled ({human_size(data['total'])}), {len(data['failures'])} failed,"
        f" {warnings} warning{'' if warnings == 1 else 's'}; {len(data['installed'])} modules"
        f" installed; written to {data['output']}{elapsed}"
    )
    return "\n".join(lines)


def render_compile_problems(data: dict[str, Any]) -> str:
    """One line per warning and failure of `bundle compile`."""
    if data["strict"]:
        lines = [f"error: {warning} (a warning, failing with --strict)" for warning in data["warnings"]]
    else:
        lines = [f"warning: {warning}" for warning in data["warnings"]]
    return "\n".join(lines + [f"error: {failure}" for failure in data["failures"]])


def render_list(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no bundle attachments"
    table_rows = [
        (
            r["id"],
            r["bundle"],
            r["ext"] + (" rtl" if r["rtl"] else ""),
            r["website_id"],
            r["version"],
            human_size(r["size"]),
            r["blob"],
            {True: "current", False: "stale", None: "unknown"}[r["current"]],
            r["url"],
        )
        for r in rows
    ]
    return table(("id", "bundle", "kind", "website", "version", "size", "blob", "state", "url"), table_rows)


def render_purge(data: dict[str, Any]) -> str:
    verb = "would remove" if data["dry_run"] else "removed"
    lines = [f"{verb} #{r['id']} {r['url']} ({human_size(r['size'])})" for r in data["removed"]]
    lines.append(f"{data['database']}: {verb} {len(data['removed'])} rows, {human_size(data['bytes'])}")
    return "\n".join(lines)


def render_check(data: dict[str, Any]) -> str:
    lines = [f"{data['database']}: {p['kind']}: {p['message']}" for p in data["problems"]]
    if not data.get("strict"):  # with --strict they are among the problems
        lines += [f"{data['database']}: warning: {w['message']}" for w in data.get("warnings", ())]
    if data["healthy"]:
        count = len(data.get("warnings", ()))
        warned = f", {count} warning{'s' if count > 1 else ''}" if count else ""
        lines.append(f"{data['database']}: ok ({data['rows']} bundle rows{warned})")
    else:
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(data["summary"].items()))
        lines.append(f"{data['database']}: {len(data['problems'])} problems ({summary})")
    return "\n".join(lines)
