"""Start-up: each command imports what it needs when it runs (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import OdooTestDb

HEAVY = ("psycopg", "sass", "rjsmin", "lxml", "manifestoo_core", "odoo_assets.operations")
COMPILERS = ("sass", "rjsmin", "lxml")


def loaded_after(*args: str) -> tuple[int, set[str]]:
    """Exit code of the command line run in a new interpreter, and the modules it loaded."""
    script = (
        "import json, sys\n"
        "from odoo_assets.cli import run\n"
        f"code = run({list(args)!r})\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    code, modules = json.loads(done.stdout.splitlines()[-1])
    return code, set(modules)


def test_help_loads_none_of_the_pipeline() -> None:
    code, modules = loaded_after("bundle", "build", "--help")
    assert code == 0
    assert not {name for name in modules if name.startswith(HEAVY)}


def test_a_build_with_nothing_to_compile_loads_no_compiler(odoo_db: OdooTestDb) -> None:
    # The first build compiles (in this process with one worker): the compilers come with it.
    code, modules = loaded_after(*odoo_db.cli_args(), "bundle", "build", "--workers", "1")
    assert code == 0 and {"sass", "rjsmin", "lxml.etree"} <= modules
    code, modules = loaded_after(*odoo_db.cli_args(), "bundle", "build")
    assert code == 0 and "psycopg" in modules and "odoo_assets.operations" in modules
    assert not {name for name in modules if name.startswith(COMPILERS)}
