"""`bundle report`: one self-contained HTML page, checked as a real browser renders it."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from odoo_assets.sizes import SizeManifest
from tests.conftest import AddonsTree, CliRunnerFn, OdooTestDb

BROWSER = os.environ.get("ODOO_ASSETS_CHROMIUM") or next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))),
    None,
)
needs_browser = pytest.mark.skipif(
    BROWSER is None,
    reason="no chromium: `make test` installs Debian's package when run as root with apt,"
    " or point ODOO_ASSETS_CHROMIUM at a Chromium binary",
)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

# Appended to a copy of the page: writes what the browser laid out into the DOM it dumps.
MEASURE = """
<script>
const lists = [];
for (const list of document.querySelectorAll("ol.bars")) {
  const section = list.closest("section");
  lists.push({
    file: section.dataset.file || section.className,
    group: list.dataset.group,
    rows: [...list.querySelectorAll(":scope > li.bar-row")].map((row) => {
      const bar = row.querySelector(".bar").getBoundingClientRect();
      return {name: row.dataset.name, bytes: Number(row.dataset.bytes), width: bar.width,
              height: bar.height, top: bar.top,
              track: row.querySelector(".track").getBoundingClientRect().width};
    }),
  });
}
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify(lists);
document.body.appendChild(out);
</script>
"""


@pytest.fixture
def compiled(run_cli: CliRunnerFn, addons_tree: AddonsTree, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    args = ["--addons-path", ",".join(str(p) for p in addons_tree.paths)]
    result = run_cli(
        *args, "bundle", "compile", "--modules", "demo_shop", "-o", str(out), "--debug", "--pages-only"
    )
    assert result.exit_code == 0, result.output
    return out


def report(run_cli: CliRunnerFn, compiled: Path, tmp_path: Path) -> Path:
    page = tmp_path / "report.html"
    result = run_cli("bundle", "report", "--manifest", str(compiled / "manifest.json"), "-o", str(page))
    assert result.exit_code == 0, result.output
    assert result.output == f"{page}: 10 files, {'%.1f' % (total(compiled) / 1024)} KiB\n"
    return page


def total(compiled: Path) -> int:
    return int(json.loads((compiled / "manifest.json").read_text(encoding="utf-8"))["total"])


def test_page_is_self_contained(run_cli: CliRunnerFn, compiled: Path, tmp_path: Path) -> None:
    text = report(run_cli, compiled, tmp_path).read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # Nothing is fetched: no external script, style, image or font; the style is inline.
    assert not re.search(r"<(?:link|script|img|iframe|object|embed)\b|\b(?:src|href)\s*=", text)
    style = re.findall(r"<style>(.*?)</style>", text, re.S)
    assert len(style) == 1 and "@import" not in style[0] and "url(" not in style[0]
    assert "http://" not in text and "https://" not in text
    manifest = SizeManifest.from_dict(json.loads((compiled / "manifest.json").read_text(encoding="utf-8")))
    web = next(b for b in manifest.bundles if b.file == "web.assets_web.min.js")
    section = text.split('data-file="web.assets_web.min.js"', 1)[1].split("</section>", 1)[0]
    assert f"version <code>{web.version}</code>" in section
    addons = re.findall(r'data-group="addon">(.*?)</ol>', section)[0]
    assert re.findall(r'data-name="([^"]+)" data-bytes="(\d+)"', addons) == [
        (html.escape(name), str(size)) for name, size in web.by_addon()
    ]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    return subprocess.run(
        [BROWSER, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,2400", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@needs_browser
def test_browser_draws_the_largest_first_and_biggest(
    run_cli: CliRunnerFn, compiled: Path, tmp_path: Path
) -> None:
    page = report(run_cli, compiled, tmp_path)
    measured_page = tmp_path / "measure.html"
    measured_page.write_text(
        page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8"
    )
    dom = chromium("--dump-dom", measured_page.as_uri(), profile=tmp_path / "profile").stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    lists: list[dict[str, Any]] = json.loads(html.unescape(found.group(1)))
    groups = {(item["file"], item["group"]) for item in lists}
    assert ("overview", "bundle") in groups and ("web.assets_web.min.js", "addon") in groups
    assert len(lists) == 1 + 2 * 10  # the overview, then by addon and by file for each of 10 files
    for item in lists:
        rows = item["rows"]
        assert rows, item
        # Largest first, drawn biggest and on top; every bar as long as its share of the first.
        assert [r["bytes"] for r in rows] == sorted((r["bytes"] for r in rows), reverse=True)
        assert rows[0]["width"] == max(r["width"] for r in rows) == pytest.approx(rows[0]["track"], abs=0.5)
        assert rows[0]["width"] > 100 and rows[0]["height"] > 5
        assert [r["top"] for r in rows] == sorted(r["top"] for r in rows)
        for row in rows:
            expected = row["track"] * row["bytes"] / rows[0]["bytes"]
            assert row["width"] == pytest.approx(max(expected, 1), abs=1.0), (item["file"], row)
    web = next(item for item in lists if item["file"] == "web.assets_web.min.js" and item["group"] == "addon")
    assert web["rows"][0]["name"] == "web"


@needs_browser
def test_screenshot_is_a_picture_of_the_page(run_cli: CliRunnerFn, compiled: Path, tmp_path: Path) -> None:
    page = report(run_cli, compiled, tmp_path)
    shot = tmp_path / "report.png"
    chromium(f"--screenshot={shot}", page.as_uri(), profile=tmp_path / "profile")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1280, 2400)
    assert len(data) > 50_000  # bars and text, not a blank page


def test_report_from_a_database(run_cli: CliRunnerFn, odoo_db: OdooTestDb, tmp_path: Path) -> None:
    page = tmp_path / "db.html"
    result = run_cli("bundle", "report", "-o", str(page), db=odoo_db)
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    assert f"database {odoo_db.name}" in text
    files = re.findall(r'<section class="bundle" data-file="([^"]+)"', text)
    assert sorted(files) == [
        "web.assets_frontend.min.css",
        "web.assets_frontend_lazy.min.js",
        "web.assets_frontend_minimal.min.js",
        "web.assets_web.min.css",
        "web.assets_web.min.js",
    ]
    # The database's own ir.asset rows are named as rows.
    assert "ir.asset #10" in text
    site = tmp_path / "w1.html"
    assert run_cli("bundle", "report", "--website", "1", "-o", str(site), db=odoo_db).exit_code == 0
    assert "website 1" in site.read_text(encoding="utf-8")
    # Nothing was stored.
    assert odoo_db.query("SELECT count(*) FROM ir_attachment WHERE url LIKE '/web/assets/%'") == [(0,)]


def test_report_usage(run_cli: CliRunnerFn, compiled: Path, tmp_path: Path) -> None:
    both = run_cli("-d", "x", "bundle", "report", "--manifest", str(compiled), "-o", str(tmp_path / "r.html"))
    assert both.exit_code == 2 and "give a database (-d) or --manifest, not both" in both.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    bad = run_cli("bundle", "report", "--manifest", str(broken), "-o", str(tmp_path / "r.html"))
    assert bad.exit_code == 2 and f"cannot read {broken} as a bundle compile manifest" in bad.output
