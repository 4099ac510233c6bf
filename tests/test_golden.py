"""Golden outputs of whole pipeline runs: resolution with the database's ir.asset rows,
website and theme filtering, DB-backed files, then compilation.

The compile-level goldens (tests/golden, hand-listed inputs) pin web.assets_web's min, debug,
map and RTL files; these pin what depends on the database and the website. Regenerate with
ODOO_ASSETS_UPDATE_GOLDEN=1 after an intended change, and read the diff.
"""

from __future__ import annotations

import pytest

from odoo_assets import operations, tools
from tests.conftest import RTLCSS, OdooTestDb
from tests.goldens import PIPELINE_GOLDEN, check_golden

CASES = [
    # website 1: its theme, its own ir.asset row and its /_custom/ attachment
    ("web.assets_frontend", "css", 1, False, False),
    # website 2: the other theme and a key-overridden ir.asset row
    ("web.assets_frontend_lazy", "js", 2, False, False),
    # prepend into a bundle that another addon's bundle includes
    ("demo_shop.assets_shop", "js", None, False, False),
    # ir.asset rows before (prepend, sequence 1) and after (after, sequence 30) the manifests
    ("web.assets_web", "js", None, False, False),
]


def compile_case(db: OdooTestDb, case: tuple[str, str, int | None, bool, bool]) -> dict[str, str]:
    bundle, asset_type, website, rtl, debug = case
    variant = operations.Variant(bundle, asset_type, website, rtl, debug)  # type: ignore[arg-type]
    with operations.open_workspace(db.settings(), db.name) as ws:
        jobs: dict[str, operations.CompileJob] = {}
        item = operations._prepare(ws, variant, True, jobs, {})
        assert item.key is not None
        files = jobs[item.key].run()
    prefix = f"{bundle}{'.rtl' if rtl else ''}{f'.w{website}' if website else ''}"
    return {f"{prefix}.{f.ext}": f.content for f in files}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-w{c[2]}-rtl{c[3]}-debug{c[4]}")
def test_golden(case: tuple[str, str, int | None, bool, bool], odoo_db: OdooTestDb) -> None:
    if case[3] and RTLCSS is None:
        pytest.skip(tools.RTLCSS.missing())
    for name, content in compile_case(odoo_db, case).items():
        check_golden(name, content, PIPELINE_GOLDEN)


SERIES_CASES = [
    ("web.assets_web", "js", None, False, False),
    ("web.assets_web", "css", None, False, False),
    ("web.assets_frontend", "css", 1, False, False),
]


@pytest.mark.parametrize("series", ["16.0", "18.0", "19.0"])
@pytest.mark.parametrize("case", SERIES_CASES, ids=lambda c: f"{c[0]}-{c[1]}-w{c[2]}")
def test_golden_per_series(
    series: str, case: tuple[str, str, int | None, bool, bool], odoo_db: OdooTestDb
) -> None:
    """The same database and tree read as another series: its templates, transpiler, style
    rules and (for 16.0) one version per bundle, pinned byte for byte."""
    odoo_db.execute(f"UPDATE ir_module_module SET latest_version = '{series}.1.0' WHERE name = 'base'")
    for name, content in compile_case(odoo_db, case).items():
        check_golden(f"{series}/{name}", content, PIPELINE_GOLDEN)
