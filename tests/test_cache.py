"""Compilation cache and parallel compilation: reuse, invalidation, identity, damage, sharing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from odoo_assets import operations
from odoo_assets.compilation import CompiledFile, CompileOptions, SourceAsset
from odoo_assets.compilation.cache import CompileCache, compilation_key
from tests.conftest import OdooTestDb

ALL = operations.BuildRequest(all_bundles=True, all_websites=True, rtl=False, debug=True, dry_run=True)


def build(
    db: OdooTestDb, compiler: operations.Compiler, request: operations.BuildRequest = ALL
) -> dict[str, str]:
    """Dry-run build; returns url → content of every compiled file."""
    contents: dict[str, str] = {}
    with operations.open_workspace(db.settings(), db.name) as ws:
        result = operations.build(ws, request, compiler=compiler)
    for key, output in compiler.last_results.items():
        assert not isinstance(output, Exception), output
        for compiled in output:
            contents[f"{key}:{compiled.ext}"] = compiled.content
    assert not result.failed, result.failed
    return contents


def test_second_build_compiles_nothing(odoo_db: OdooTestDb, tmp_path: Path) -> None:
    cache = CompileCache(tmp_path / "cache")
    first = operations.Compiler(cache=cache)
    out1 = build(odoo_db, first)
    assert first.compiled > 10 and cache.hits == 0
    second = operations.Compiler(cache=CompileCache(tmp_path / "cache"))
    out2 = build(odoo_db, second)
    assert second.compiled == 0 and second.cache is not None and second.cache.hits == first.compiled
    assert out1 == out2


def test_changed_file_recompiles_only_bundles_containing_it(odoo_db: OdooTestDb, tmp_path: Path) -> None:
    build(odoo_db, operations.Compiler(cache=CompileCache(tmp_path / "cache")))
    (odoo_db.addons.root / "addons/demo_shop/static/src/shop.scss").write_text(".o_shop { color: red; }\n")
    again = operations.Compiler(cache=CompileCache(tmp_path / "cache"))
    out = build(odoo_db, again)
    assert {(again.last_jobs[k].bundle, again.last_jobs[k].asset_type) for k in again.ran} == {
        ("demo_shop.assets_shop", "css")
    }
    assert out  # every other job came from the cache


def test_parallel_and_serial_outputs_are_identical(odoo_db: OdooTestDb) -> None:
    serial = build(odoo_db, operations.Compiler(workers=1))
    parallel = build(odoo_db, operations.Compiler(workers=2))
    assert serial == parallel and len(serial) > 20


def test_damaged_entry_is_detected_and_rebuilt(tmp_path: Path) -> None:
    cache = CompileCache(tmp_path / "c")
    files = (CompiledFile("min.js", "a();"),)
    cache.put("ab" + "0" * 62, files)
    [entry] = list((tmp_path / "c").glob("*/*.json"))
    data = json.loads(entry.read_text())
    data["payload"] = data["payload"].replace("a();", "b();")
    entry.write_text(json.dumps(data))
    assert cache.get("ab" + "0" * 62) is None and not entry.exists()
    entry.parent.mkdir(exist_ok=True)
    entry.write_text("{not json")
    assert cache.get("ab" + "0" * 62) is None


def test_cache_is_bounded(tmp_path: Path) -> None:
    cache = CompileCache(tmp_path / "c", max_bytes=3000)
    for index in range(10):
        cache.put(f"{index:02d}" + "0" * 62, (CompiledFile("min.css", "x" * 1000),))
    total = sum(p.stat().st_size for p in (tmp_path / "c").glob("*/*.json"))
    assert total <= 3000
    assert cache.get("09" + "0" * 62) is not None


def test_two_processes_share_a_cache(odoo_db: OdooTestDb, tmp_path: Path) -> None:
    cache_dir = tmp_path / "shared"
    command = [
        sys.executable,
        "-m",
        "odoo_assets",
        *odoo_db.cli_args(),
        "-q",
        "bundle",
        "build",
        "--all",
        "--all-websites",
        "--dry-run",
        "--workers",
        "1",
        "--cache-dir",
        str(cache_dir),
    ]
    processes = [subprocess.Popen(command, stderr=subprocess.PIPE) for _ in range(2)]
    for process in processes:
        assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    cache = CompileCache(cache_dir)
    entries = list(cache_dir.glob("*/*.json"))
    assert entries and not list(cache_dir.glob("*/.tmp-*"))
    assert all(cache.get(p.stem) is not None for p in entries)
    assert SourceAsset  # the records stay importable from the public module


def test_the_key_covers_the_rtlcss_and_lessc_used() -> None:
    def key(assets: list[SourceAsset], options: CompileOptions, *, rtl: bool) -> str:
        return compilation_key("a.b", "css", assets, options, rtl=rtl, debug=False, map_url=None)

    css = [SourceAsset("/a/static/src/x.css", "a{}")]
    less = [*css, SourceAsset("/a/static/src/y.less", "b{}")]
    rtlcss_a, rtlcss_b = (
        CompileOptions(rtlcss_command="/a/rtlcss"),
        CompileOptions(rtlcss_command="/b/rtlcss"),
    )
    lessc_a, lessc_b = CompileOptions(lessc_command="/a/lessc"), CompileOptions(lessc_command="/b/lessc")
    # Another rtlcss may flip differently, another lessc compile differently...
    assert key(css, rtlcss_a, rtl=True) != key(css, rtlcss_b, rtl=True)
    assert key(less, lessc_a, rtl=False) != key(less, lessc_b, rtl=False)
    # ...but a bundle that does not use one keeps its key wherever that one lives.
    assert key(css, rtlcss_a, rtl=False) == key(css, rtlcss_b, rtl=False)
    assert key(css, lessc_a, rtl=True) == key(css, lessc_b, rtl=True)


def test_library_versions_enter_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from odoo_assets.compilation import cache

    assert any(v.startswith("libsass==") for v in cache.library_versions())
    assets = [SourceAsset("/web/static/src/a.scss", "a{b:c}")]
    before = cache.compilation_key(
        "web.b", "css", assets, CompileOptions(), rtl=False, debug=False, map_url=None
    )
    monkeypatch.setattr(cache, "library_versions", lambda: ("libsass==0.20.1",))
    after = cache.compilation_key(
        "web.b", "css", assets, CompileOptions(), rtl=False, debug=False, map_url=None
    )
    assert before != after
