"""Real-PostgreSQL test harness.

One throwaway cluster per session (or the server named by ODOO_ASSETS_TEST_PG), two template
databases built once, and a fresh clone of a template for every test that asks for one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from odoo_assets import tools
from odoo_assets.config import Settings
from odoo_assets.storage import attachments as att
from odoo_assets.storage.filestore import Filestore
from odoo_assets.versions import UNIQUE_PATH
from tests import pgcluster

if TYPE_CHECKING:
    from click.testing import Result

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXED_MTIME = 1700000000.0
# rtlcss as odoo-assets finds it (`make` installs it into the checkout's node_modules); the
# right-to-left tests are skipped, saying how to install it, where it is missing.
RTLCSS = tools.find_tool(tools.RTLCSS)
needs_rtlcss = pytest.mark.skipif(RTLCSS is None, reason=tools.RTLCSS.missing())
# Per-process names: several sessions may share one ODOO_ASSETS_TEST_PG server.
TEMPLATE_FULL = f"oa_template_full_{os.getpid()}"
TEMPLATE_BARE = f"oa_template_bare_{os.getpid()}"


@dataclass
class Server:
    """Where the test databases live; `user` is a superuser."""

    host: str
    port: int
    user: str
    extra: dict[str, Any] = field(default_factory=dict)
    datadir: Path | None = None  # the managed cluster's directory; None for ODOO_ASSETS_TEST_PG

    def conninfo(self, dbname: str = "postgres") -> str:
        return make_conninfo("", host=self.host, port=self.port, user=self.user, dbname=dbname, **self.extra)

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.conninfo(dbname), autocommit=True)


def _load(server: Server, name: str, bare: bool) -> None:
    files: tuple[Path, ...] = (pgcluster.SCHEMA_SQL, pgcluster.BARE_SQL)
    if not bare:
        files += (pgcluster.DATA_SQL,)
    with server.connect() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(server.conninfo(name)) as conn:
        for path in files:
            pgcluster.run_sql_file(conn, path)
        conn.commit()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Server]:
    """A PostgreSQL server with the two template databases loaded."""
    external = os.environ.get("ODOO_ASSETS_TEST_PG")
    tmpdir = None
    if external:
        params = conninfo_to_dict(external)
        server = Server(
            host=str(params.pop("host", "127.0.0.1")),
            port=int(str(params.pop("port", 5432))),
            user=str(params.pop("user", os.environ.get("USER", "postgres"))),
            extra={k: v for k, v in params.items() if k != "dbname"},
        )
    else:
        # Under /tmp so the server user can reach it whatever the checkout's permissions.
        tmpdir = Path(tempfile.mkdtemp(prefix="odoo-assets-pg-"))
        cluster = pgcluster.start(tmpdir)
        pgcluster.spawn_watchdog(tmpdir, remove=True)  # cleans up if the session is killed
        server = Server(host=cluster.host, port=cluster.port, user=cluster.user, datadir=tmpdir)
    _load(server, TEMPLATE_FULL, bare=False)
    _load(server, TEMPLATE_BARE, bare=True)
    try:
        yield server
    finally:
        if tmpdir is not None:
            pgcluster.stop(tmpdir)
            shutil.rmtree(tmpdir, ignore_errors=True)
        else:
            _drop(server, TEMPLATE_FULL)
            _drop(server, TEMPLATE_BARE)


@dataclass
class AddonsTree:
    """A copy of the fixture addons with every mtime fixed."""

    root: Path

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.root / "odoo" / "addons", self.root / "addons")

    @property
    def web(self) -> Path:
        return self.root / "addons" / "web"

    def touch(self, relative: str, mtime: float) -> None:
        os.utime(self.root / relative, (mtime, mtime))


def copy_addons(dest: Path, mtime: float = FIXED_MTIME) -> AddonsTree:
    shutil.copytree(FIXTURES / "odoo", dest / "odoo")
    shutil.copytree(FIXTURES / "addons", dest / "addons")
    for path in dest.rglob("*"):
        os.utime(path, (mtime, mtime))
    return AddonsTree(dest)


@pytest.fixture
def addons_tree(tmp_path: Path) -> AddonsTree:
    return copy_addons(tmp_path / "tree")


@dataclass
class OdooTestDb:
    name: str
    server: Server
    addons: AddonsTree
    data_dir: Path

    @property
    def conninfo(self) -> str:
        return self.server.conninfo(self.name)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.conninfo)

    def query(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def execute(self, query: str, params: Any = None) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(query, params)

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "databases": (self.name,),
            "addons_paths": self.addons.paths,
            "data_dir": self.data_dir,
            "db_host": self.server.host,
            "db_port": self.server.port,
            "db_user": self.server.user,
        }
        values.update(overrides)
        return Settings(**values)

    def cli_args(self) -> list[str]:
        """Global options that point the CLI at this database."""
        return [
            "--db-host",
            self.server.host,
            "--db-port",
            str(self.server.port),
            "--db-user",
            self.server.user,
            "-d",
            self.name,
            "--addons-path",
            ",".join(str(p) for p in self.addons.paths),
            "--data-dir",
            str(self.data_dir),
        ]

    @property
    def filestore(self) -> Path:
        return self.data_dir / "filestore" / self.name


def _clone(server: Server, template: str) -> str:
    name = f"oa_test_{uuid.uuid4().hex[:12]}"
    with server.connect() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
    return name


def _drop(server: Server, name: str) -> None:
    with server.connect() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def odoo_db(pg_cluster: Server, addons_tree: AddonsTree, tmp_path: Path) -> Iterator[OdooTestDb]:
    name = _clone(pg_cluster, TEMPLATE_FULL)
    yield OdooTestDb(name, pg_cluster, addons_tree, tmp_path / "data")
    _drop(pg_cluster, name)


@pytest.fixture
def bare_odoo_db(pg_cluster: Server, addons_tree: AddonsTree, tmp_path: Path) -> Iterator[OdooTestDb]:
    name = _clone(pg_cluster, TEMPLATE_BARE)
    yield OdooTestDb(name, pg_cluster, addons_tree, tmp_path / "data")
    _drop(pg_cluster, name)


@pytest.fixture
def empty_db(pg_cluster: Server) -> Iterator[str]:
    """A PostgreSQL database that is not an Odoo database."""
    name = f"oa_plain_{uuid.uuid4().hex[:12]}"
    with pg_cluster.connect() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    _drop(pg_cluster, name)


@pytest.fixture(autouse=True)
def _private_compile_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own compilation cache directory."""
    monkeypatch.setenv("ODOO_ASSETS_CACHE_DIR", str(tmp_path / "compile-cache"))


class CliRunnerFn:
    """Runs the command line in-process; db=... puts that database's global options first."""

    def __call__(self, *args: str, db: OdooTestDb | None = None, env: dict[str, str] | None = None) -> Result:
        from click.testing import CliRunner

        from odoo_assets.cli import main  # imported late: only the tests that use it need it

        argv = [*(db.cli_args() if db else []), *args]
        return CliRunner().invoke(main, argv, env=env or {}, catch_exceptions=False)


@pytest.fixture
def run_cli() -> CliRunnerFn:
    return CliRunnerFn()


def insert_bundle_row(
    conn: psycopg.Connection[Any],
    store: Filestore,
    url: str,
    content: bytes,
    *,
    mimetype: str | None = None,
    location: str = "file",
    **options: Any,
) -> att.BundleAttachment:
    """One bundle row as the tool writes it, named and typed after its URL (not committed)."""
    parsed = UNIQUE_PATH.parse(url)
    assert parsed is not None
    if mimetype is None:
        mimetype = "text/css" if "css" in parsed.ext else "application/javascript"
    [row] = att.insert_bundle_attachments(
        conn,
        store,
        name=f"{parsed.bundle}.{parsed.ext}",
        urls=[url],
        content=content,
        mimetype=mimetype,
        location=location,
        company_id=1,
        **options,
    )
    return row
