"""`bundle inspect`: the files of a bundle, where each came from, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from odoo_assets.operations.workspace import (
    Variant,
    Workspace,
    entries_of_type,
    report_warnings,
    row_status,
    variant_url,
)
from odoo_assets.resolution import ResolvedBundle
from odoo_assets.storage import attachments as att


def inspect_bundle(
    ws: Workspace,
    bundle: str,
    *,
    website_id: int | None = None,
    rtl: bool = False,
    why: str | None = None,
) -> dict[str, Any]:
    """Everything about one bundle: ordered files with origins, versions, URLs, stored rows,
    and the warnings of its resolution (logged too)."""
    if website_id is not None:
        ws.website(website_id)
    resolved = ws.resolve(bundle, website_id)
    report_warnings(ws, resolved.warnings)
    versions: dict[str, str | None] = {}
    urls: dict[str, str | None] = {}
    for asset_type in ("js", "css"):
        variant = Variant(bundle, asset_type, website_id, rtl)
        if entries_of_type(resolved, asset_type):
            versions[asset_type] = ws.profile.version(resolved.entries, asset_type, rtl)
            urls[asset_type] = variant_url(ws, variant, versions[asset_type] or "")
        else:
            versions[asset_type] = urls[asset_type] = None
    files = []
    for entry in (*resolved.entries, *resolved.externals):
        size = None
        if entry.filename:
            try:
                size = Path(entry.filename).stat().st_size
            except OSError:
                size = None
        origin = entry.origin
        files.append(
            {
                "url": entry.url,
                "path": entry.filename or ("external" if entry.kind == "external" else "attachment"),
                "kind": entry.extension,
                "source": entry.kind,
                "size": size,
                "mtime": entry.last_modified,
                "bundle": entry.bundle,
                "origin": _origin_text(origin),
                "directive": origin.directive,
            }
        )
    stored = []
    for url in (u for u in urls.values() if u):
        for row in att.find_bundle_attachments(ws.db.conn, url):
            stored.append({"id": row.id, "url": row.url, "size": row.file_size, "blob": row_status(ws, row)})
    ws.db.conn.rollback()
    data: dict[str, Any] = {
        "bundle": bundle,
        "website_id": website_id,
        "series": ws.series,
        "versions": versions,
        "urls": urls,
        "files": files,
        "attachments": stored,
        "warnings": [w.to_dict() for w in resolved.warnings],
    }
    if why:
        data["why"] = explain(resolved, why)
    return data


def _origin_text(origin: Any) -> str:
    if origin.source == "manifest":
        return f"{origin.addon}/__manifest__.py [{origin.bundle}]"
    return f"ir.asset #{origin.asset_id} [{origin.bundle}]"


def explain(resolved: ResolvedBundle, path: str) -> list[dict[str, Any]]:
    """The trace events of the resolution that concern PATH, in order."""
    wanted = "/" + path.lstrip("/")
    events = []
    for event in resolved.trace:
        url = getattr(event, "url", "")
        if url in (path, wanted) or url.lstrip("/") == path.lstrip("/"):
            events.append(
                {
                    "action": event.action,
                    "url": url,
                    "origin": _origin_text(event.origin),
                    "directive": event.origin.directive,
                    "written": event.origin.path,
                    "target": event.origin.target,
                    "position": getattr(event, "index", None),
                }
            )
    return events
