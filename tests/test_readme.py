"""Every command example of the README runs against the fixtures, so the docs cannot drift."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from odoo_assets import tools
from odoo_assets.cli import main
from tests.conftest import RTLCSS, OdooTestDb

README = Path(__file__).resolve().parent.parent / "README.md"


def examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|cron)\n(.*?)```", text, re.S)
    found = []
    for block in blocks:
        for line in block.splitlines():
            start = line.find("odoo-assets ")
            if start != -1 and " -d " in line:
                found.append(line[start:].split(" || ")[0].split("  #")[0].strip())
    return found


def test_readme_has_examples() -> None:
    assert len(examples()) >= 12


@pytest.mark.parametrize("example", examples())
def test_readme_example_runs(
    example: str, odoo_db: OdooTestDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # examples may write files (bundle report)
    args = shlex.split(example)[1:]
    if "--rtl" in args and RTLCSS is None:
        pytest.skip(tools.RTLCSS.missing())
    for option in ("-c", "-d"):
        while option in args:
            index = args.index(option)
            del args[index : index + 2]
    runner = CliRunner()
    runner.invoke(main, [*odoo_db.cli_args(), "bundle", "build"], catch_exceptions=False)
    result = runner.invoke(main, [*odoo_db.cli_args(), *args], catch_exceptions=False)
    # 1 is a legitimate answer for `check` (problems found); usage errors (2) are not.
    assert result.exit_code in (0, 1), result.output
    assert "Usage:" not in result.output and "No such option" not in result.output
    if "check" not in args:
        assert result.exit_code == 0, result.output
