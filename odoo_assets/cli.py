"""The `odoo-assets` command line: a thin layer over odoo_assets.operations.

Start-up is part of every run, so each command imports what it needs when it runs: `--help`
loads click and nothing of the pipeline, a build that finds everything stored loads the
database driver and the resolution stages, and the compilers only come with a compilation.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from odoo_assets import __version__, report
from odoo_assets.errors import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    ConfigError,
    NotOdooDatabase,
    OdooAssetsError,
    StorageError,
)

if TYPE_CHECKING:
    from odoo_assets import operations
    from odoo_assets.config import Settings
    from odoo_assets.installation import Progress
    from odoo_assets.jobs import Compiler
    from odoo_assets.sizes import SizeManifest

    BuildOperation = Callable[[operations.Workspace, Progress, Compiler], operations.BuildResult]

F = TypeVar("F", bound=Callable[..., Any])

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")

EPILOG = """\b
Configuration is read like odoo-bin reads it: -c FILE, else $ODOO_RC, else ~/.odoorc.
For every setting: command-line flag > environment (PGHOST, PGPORT, PGUSER,
PGPASSWORD, PGDATABASE) > config file > default. Unset connection settings
fall through to libpq (~/.pgpass, service files).

\b
Exit codes:
  0  success
  1  the work failed, or a check found problems
  2  usage or configuration error
  3  database unreachable, or not an Odoo database of a supported series
"""


@dataclass
class CliState:
    """Global options, turned into Settings only when a command needs them."""

    options: dict[str, Any]
    log_level: str
    log_format: str
    quiet: bool = False

    def settings(self) -> Settings:
        from odoo_assets.config import load_settings

        return load_settings(**self.options)


def _database_error(exc: Exception) -> str | None:
    """The first line of a database driver error; None for any other exception. The driver
    is only loaded by commands that connect: an exception cannot be its error otherwise."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return None
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class OdooAssetsGroup(click.Group):
    """Turns library exceptions into a one-line message and the documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OdooAssetsError as exc:
            click.echo(f"odoo-assets: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except Exception as exc:
            first = _database_error(exc)
            if first is None:
                raise
            click.echo(f"odoo-assets: error: database error: {first}", err=True)
            ctx.exit(EXIT_FAILURE)
        except KeyboardInterrupt:
            click.echo("odoo-assets: interrupted", err=True)
            ctx.exit(130)


def _configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(report.JsonLogFormatter())
    else:
        handler.setFormatter(report.TextLogFormatter())
    root = logging.getLogger("odoo_assets")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


@click.group(cls=OdooAssetsGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-c", "--config", metavar="FILE", help="Odoo configuration file (odoo.conf).")
@click.option(
    "-d",
    "--database",
    "databases",
    metavar="DB",
    multiple=True,
    help="Database to work on; repeat or separate with commas for several.",
)
@click.option("--addons-path", metavar="PATHS", help="Comma-separated addons directories, as odoo-bin.")
@click.option("--data-dir", metavar="DIR", help="Odoo data directory (holds filestore/<db>).")
@click.option("--db-host", metavar="HOST", help="PostgreSQL host.")
@click.option("--db-port", metavar="PORT", help="PostgreSQL port.")
@click.option("--db-user", metavar="USER", help="PostgreSQL user.")
@click.option("--db-password", metavar="PASSWORD", help="PostgreSQL password (prefer ~/.pgpass).")
@click.option(
    "--rtlcss",
    metavar="PATH",
    help="The rtlcss command, for right-to-left CSS (default: $ODOO_ASSETS_RTLCSS, else the"
    " checkout's node_modules/.bin, else PATH).",
)
@click.option(
    "--lessc",
    metavar="PATH",
    help="The lessc command, for LESS files (default: $ODOO_ASSETS_LESSC, else the checkout's"
    " node_modules/.bin, else PATH).",
)
@click.option(
    "--js-minifier",
    type=click.Choice(["python", "c"]),
    default=None,
    help="rjsmin's pure-Python minifier, byte for byte what Odoo runs on Python 3.11+ (default;"
    " $ODOO_ASSETS_JS_MINIFIER), or its C speedup, about 30 times faster, which differs on a few"
    " regular-expression literals (what Odoo runs with rjsmin 1.1.0 on older Pythons).",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    default=None,
    help="Logging threshold (default: warning; -v info, -vv debug).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines for humans, or one JSON object per line for log shippers.",
)
@click.option("-v", "--verbose", count=True, help="More output (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and problems (for cron).")
@click.version_option(__version__, prog_name="odoo-assets")
@click.pass_context
def main(
    ctx: click.Context,
    config: str | None,
    databases: tuple[str, ...],
    addons_path: str | None,
    data_dir: str | None,
    db_host: str | None,
    db_port: str | None,
    db_user: str | None,
    db_password: str | None,
    rtlcss: str | None,
    lessc: str | None,
    js_minifier: str | None,
    log_level: str | None,
    log_format: str,
    verbose: int,
    quiet: bool,
) -> None:
    """Build, inspect, repair and purge Odoo asset bundles outside the Odoo server.

    odoo-assets resolves bundles from addon manifests and ir.asset records in
    Odoo's exact order, compiles them as Odoo 17 does, and stores them as
    ir_attachment rows with filestore blobs that a running Odoo serves as its
    own.

    \b
    Typical use:
      odoo-assets -c /etc/odoo/odoo.conf -d prod bundle check
      odoo-assets -c /etc/odoo/odoo.conf -d prod bundle build
      odoo-assets -c /etc/odoo/odoo.conf -d prod bundle regenerate
    """
    if log_level is None:
        log_level = "error" if quiet else ("debug" if verbose > 1 else "info" if verbose else "warning")
    _configure_logging(log_level, log_format)
    ctx.obj = CliState(
        options={
            "config": config,
            "databases": databases,
            "addons_path": addons_path,
            "data_dir": data_dir,
            "db_host": db_host,
            "db_port": db_port,
            "db_user": db_user,
            "db_password": db_password,
            "rtlcss": rtlcss,
            "js_minifier": js_minifier,
            "lessc": lessc,
        },
        log_level=log_level,
        log_format=log_format,
        quiet=quiet,
    )


@main.group()
def bundle() -> None:
    """Work on the asset bundles of one or more databases, or of an addons tree alone."""


def _json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(func)


def _dry_run_option(func: F) -> F:
    return click.option(
        "--dry-run", is_flag=True, help="Show what would be written or removed; change nothing."
    )(func)


def _emit(data: Any, as_json: bool, render: Callable[[Any], str]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))
    else:
        text = render(data)
        if text:
            click.echo(text)


@contextmanager
def _progress(label: str, quiet: bool) -> Iterator[Progress]:
    """A progress bar on a terminal; silence in cron and pipes."""
    from odoo_assets.installation import Progress

    if quiet or not sys.stderr.isatty():
        yield Progress()
        return
    with click.progressbar(length=0, label=label, file=sys.stderr) as bar:

        def start(total: int) -> None:
            bar.length = total

        def advance(item: str) -> None:
            bar.label = f"{label} {item}"[:60]
            bar.update(1)

        yield Progress(start=start, advance=advance)


def _single_database(state: CliState) -> tuple[Settings, str]:
    settings = state.settings()
    if not settings.databases:
        raise click.UsageError("no database given: use -d DB (or db_name in the config file)")
    if len(settings.databases) > 1:
        raise click.UsageError("this command works on one database at a time")
    return settings, settings.databases[0]


def _strict_option(func: F) -> F:
    return click.option(
        "--strict",
        is_flag=True,
        help="Warnings (missing files, globs matching nothing, paths outside static/…) are errors: exit 1.",
    )(func)


def _fleet_options(func: F) -> F:
    func = click.option(
        "--jobs",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="Databases worked on in parallel.",
    )(func)
    func = click.option("--db-filter", metavar="REGEX", help="With --all-databases: names to take.")(func)
    return click.option(
        "--all-databases", is_flag=True, help="Every Odoo database of the server (others are skipped)."
    )(func)


def _compile_options(func: F) -> F:
    func = click.option("--no-cache", is_flag=True, help="Do not read or write the compilation cache.")(func)
    func = click.option(
        "--cache-dir",
        metavar="DIR",
        type=click.Path(file_okay=False),
        help="Compilation cache (default: $ODOO_ASSETS_CACHE_DIR, else ~/.cache/odoo-assets).",
    )(func)
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Compiler processes (default: one per CPU).",
    )(func)


def _compiler(workers: int | None, cache_dir: str | None, no_cache: bool) -> Compiler:
    from odoo_assets.compilation.cache import CompileCache, default_cache_dir
    from odoo_assets.jobs import Compiler

    cache = None if no_cache else CompileCache(Path(cache_dir) if cache_dir else default_cache_dir())
    return Compiler(workers=workers or os.cpu_count() or 1, cache=cache)


def _build_fleet(
    state: CliState,
    label: str,
    operation: BuildOperation,
    *,
    as_json: bool,
    fleet: tuple[bool, str | None, int],
    compiler: tuple[int | None, str | None, bool],
) -> None:
    """Run a writing operation (build, regenerate) over the selected databases."""
    from odoo_assets import operations

    all_databases, db_filter, jobs = fleet

    def work(settings: Settings, dbname: str) -> operations.BuildResult:
        start = time.perf_counter()
        with (
            operations.open_workspace(settings, dbname) as ws,
            _progress(f"{label} {dbname}", as_json or jobs > 1) as progress,
        ):
            result = operation(ws, progress, _compiler(*compiler))
        result.elapsed_s = time.perf_counter() - start
        return result

    items = _fleet(state, all_databases, db_filter, jobs, work)
    _finish_fleet(items, as_json, report.render_build, lambda r: r.unsuccessful, state.quiet)


@dataclass
class FleetItem:
    database: str
    result: Any = None
    error: OdooAssetsError | None = None
    skipped: bool = False


def _fleet(
    state: CliState,
    all_databases: bool,
    db_filter: str | None,
    jobs: int,
    work: Callable[[Settings, str], Any],
) -> list[FleetItem]:
    """Run work on each database; one failing database does not stop the others."""
    settings = state.settings()
    if all_databases:
        from odoo_assets import operations

        names = operations.list_databases(settings, db_filter)
    elif settings.databases:
        names = list(settings.databases)
    else:
        raise click.UsageError("no database given: use -d DB (or db_name in the config file)")

    def one(name: str) -> FleetItem:
        try:
            return FleetItem(name, result=work(settings, name))
        except NotOdooDatabase as exc:
            if all_databases:
                return FleetItem(name, error=exc, skipped=True)
            return FleetItem(name, error=exc)
        except OdooAssetsError as exc:
            return FleetItem(name, error=exc)

    if jobs > 1 and len(names) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(one, names))
    return [one(name) for name in names]


def _finish_fleet(
    items: list[FleetItem],
    as_json: bool,
    render: Callable[[Any], str],
    failed: Callable[[Any], bool],
    quiet: bool = False,
) -> None:
    """Print every database's result (and a summary for several); exit with the worst code.

    With -q only databases with failures or problems are shown: silence means all is well.
    """
    if len(items) == 1 and items[0].error is not None and not items[0].skipped:
        raise items[0].error
    code = EXIT_OK
    for item in items:
        if item.error is not None and not item.skipped:
            code = max(code, item.error.exit_code)
        elif item.result is not None and failed(item.result):
            code = max(code, EXIT_FAILURE)
    if as_json:
        payload = [
            item.result.to_dict()
            if item.result is not None
            else {"database": item.database, "skipped": item.skipped, "error": str(item.error)}
            for item in items
        ]
        click.echo(json.dumps(payload[0] if len(items) == 1 else payload, indent=2, default=str))
    else:
        for item in items:
            if item.result is not None:
                if not (quiet and not failed(item.result)):
                    click.echo(render(item.result.to_dict()))
            elif item.skipped:
                click.echo(f"{item.database}: skipped: {item.error}")
            else:
                click.echo(f"odoo-assets: error: {item.error}", err=True)
        if len(items) > 1 and not quiet:
            rows = [(item.database, _fleet_status(item, failed)) for item in items]
            click.echo("")
            click.echo(report.table(("database", "status"), rows))
    sys.exit(code)


def _fleet_status(item: FleetItem, failed: Callable[[Any], bool]) -> str:
    if item.skipped:
        return "skipped"
    if isinstance(item.error, ConfigError):
        return "misconfigured"  # e.g. modules missing from the addons path
    if item.error is not None:
        return "error"
    return "problems" if failed(item.result) else "ok"


@bundle.command()
@click.argument("bundle_name", metavar="BUNDLE")
@click.option("--website", "website_id", type=int, help="Resolve as seen by this website id.")
@click.option("--rtl", is_flag=True, help="Right-to-left CSS version and URL.")
@click.option("--why", "why", metavar="PATH", help="Explain how PATH entered, moved in or left the bundle.")
@_strict_option
@_json_option
@click.pass_obj
def inspect(
    state: CliState,
    bundle_name: str,
    website_id: int | None,
    rtl: bool,
    why: str | None,
    strict: bool,
    as_json: bool,
) -> None:
    """Show a bundle's files in order, where each came from, versions and URLs.

    \b
    Examples:
      odoo-assets -d prod bundle inspect web.assets_web
      odoo-assets -d prod bundle inspect web.assets_frontend --website 1 --json
      odoo-assets -d prod bundle inspect web.assets_web --why web/static/src/env.js
    """
    from odoo_assets import operations

    settings, dbname = _single_database(state)
    with operations.open_workspace(settings, dbname) as ws:
        result = operations.inspect_bundle(ws, bundle_name, website_id=website_id, rtl=rtl, why=why)
    _emit(result, as_json, report.render_inspect)
    if strict and result["warnings"]:
        count = len(result["warnings"])
        click.echo(f"odoo-assets: error: {count} warning{'s' if count > 1 else ''} (--strict)", err=True)
        sys.exit(EXIT_FAILURE)


@bundle.command()
@click.argument("bundles", nargs=-1, metavar="[BUNDLE]...")
@click.option("--all", "all_bundles", is_flag=True, help="Every bundle of the installed addons.")
@click.option(
    "--website", "websites", type=int, multiple=True, help="Build for this website id (repeatable)."
)
@click.option("--all-websites", is_flag=True, help="Build for no website and for every website.")
@click.option("--rtl", is_flag=True, help="Also build right-to-left CSS of every CSS bundle built.")
@click.option(
    "--no-rtl", is_flag=True, help="Skip the right-to-left CSS built for active right-to-left languages."
)
@click.option(
    "--pages-only", is_flag=True, help="Only the page bundles, not the bundles their scripts load lazily."
)
@click.option(
    "--website-backends/--no-website-backends",
    default=True,
    show_default=True,
    help="Also the backend bundles (and what they load) for each website, as the backend serves"
    " them to a user who selected a website in the Website app.",
)
@click.option("--debug", is_flag=True, help="Also build the ?debug=assets variants and source maps.")
@click.option("--force", is_flag=True, help="Rebuild even when the current version is stored intact.")
@click.option(
    "--css-error-fallback",
    is_flag=True,
    help="On a stylesheet error, store the previous CSS with an error banner, as Odoo does,"
    " instead of failing.",
)
@_strict_option
@_dry_run_option
@_json_option
@_fleet_options
@_compile_options
@click.pass_obj
def build(
    state: CliState,
    bundles: tuple[str, ...],
    all_bundles: bool,
    websites: tuple[int, ...],
    all_websites: bool,
    rtl: bool,
    no_rtl: bool,
    pages_only: bool,
    website_backends: bool,
    debug: bool,
    force: bool,
    css_error_fallback: bool,
    strict: bool,
    dry_run: bool,
    as_json: bool,
    all_databases: bool,
    db_filter: str | None,
    jobs: int,
    workers: int | None,
    cache_dir: str | None,
    no_cache: bool,
) -> None:
    """Compile bundles and store them where Odoo looks for them.

    Without BUNDLE names, builds every bundle a visitor can request: the page
    bundles (web.assets_web for the backend; web.assets_frontend,
    web.assets_frontend_minimal and web.assets_frontend_lazy for every
    website), the bundles their scripts load lazily (loadBundle("…")), and
    the right-to-left CSS of those where a right-to-left language is active.
    --dry-run shows the plan and why each bundle is in it. A bundle whose
    current version is already stored with an intact blob is skipped.

    \b
    Examples:
      odoo-assets -d prod bundle build
      odoo-assets -d prod bundle build --dry-run --pages-only --no-rtl
      odoo-assets -d prod bundle build web.assets_web --force
      odoo-assets -d prod bundle build --all --all-websites --rtl --dry-run
    """
    from odoo_assets import operations

    if websites and all_websites:
        raise click.UsageError("--website and --all-websites cannot be combined")
    if bundles and all_bundles:
        raise click.UsageError("give bundle names or --all, not both")
    if rtl and no_rtl:
        raise click.UsageError("--rtl and --no-rtl cannot be combined")
    if pages_only and (bundles or all_bundles):
        raise click.UsageError("--pages-only only applies without bundle names or --all")
    request = operations.BuildRequest(
        bundles=bundles,
        all_bundles=all_bundles,
        websites=websites,
        all_websites=all_websites,
        rtl=rtl,
        no_rtl=no_rtl,
        pages_only=pages_only,
        website_backends=website_backends,
        debug=debug,
        force=force,
        dry_run=dry_run,
        css_error_fallback=css_error_fallback,
        strict=strict,
    )

    _build_fleet(
        state,
        "building",
        lambda ws, progress, compiler: operations.build(ws, request, progress, compiler),
        as_json=as_json,
        fleet=(all_databases, db_filter, jobs),
        compiler=(workers, cache_dir, no_cache),
    )


@bundle.command(name="list")
@click.option("--website", "website_id", type=int, help="Only rows of this website's URLs.")
@click.option(
    "--current",
    "current_only",
    is_flag=True,
    help="Only rows of the current versions (needs the addons path).",
)
@_json_option
@click.pass_obj
def list_(state: CliState, website_id: int | None, current_only: bool, as_json: bool) -> None:
    """List stored bundle attachments with their blob status.

    Each row shows id, bundle, kind, website, version, URL, size, whether the
    blob is ok, missing or corrupt, and whether the version is current
    ("unknown" when installed modules are missing from the addons path).
    """
    from odoo_assets import operations

    settings, dbname = _single_database(state)
    with operations.open_workspace(settings, dbname, require_addons=current_only) as ws:
        rows = operations.list_bundles(ws, website_id=website_id, current_only=current_only)
    _emit([row.to_dict() for row in rows], as_json, report.render_list)


@bundle.command()
@click.argument("bundles", nargs=-1, metavar="[BUNDLE]...")
@click.option("--stale", is_flag=True, help="Remove versions that are no longer current.")
@click.option("--all", "all_rows", is_flag=True, help="Remove every bundle row (Odoo rebuilds lazily).")
@click.option("--keep", type=click.IntRange(min=0), help="Keep the N newest versions per bundle URL.")
@click.option("--website", "website_id", type=int, help="Only rows of this website's URLs.")
@_dry_run_option
@_json_option
@click.pass_obj
def purge(
    state: CliState,
    bundles: tuple[str, ...],
    stale: bool,
    all_rows: bool,
    keep: int | None,
    website_id: int | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Remove bundle attachment rows; their blobs go to Odoo's garbage collector.

    Only rows that are bundle attachments by Odoo's own definition are touched,
    and a blob still referenced by any other attachment is never deleted.

    \b
    Examples:
      odoo-assets -d prod bundle purge --stale --dry-run
      odoo-assets -d prod bundle purge web.assets_web --keep 2
    """
    from odoo_assets import operations

    if not (stale or all_rows or keep is not None or bundles):
        raise click.UsageError("say what to purge: BUNDLE names, --stale, --all or --keep N")
    settings, dbname = _single_database(state)
    with operations.open_workspace(settings, dbname) as ws:
        result = operations.purge(
            ws,
            operations.PurgeRequest(
                bundles=bundles,
                stale=stale,
                all_rows=all_rows,
                keep=keep,
                website_id=website_id,
                dry_run=dry_run,
            ),
        )
    _emit(result.to_dict(), as_json, report.render_purge)


@bundle.command()
@click.argument("bundles", nargs=-1, metavar="[BUNDLE]...")
@click.option("--missing-only", is_flag=True, help="Only rebuild bundles whose blob is missing or corrupt.")
@click.option("--website", "websites", type=int, multiple=True, help="Limit to this website id (repeatable).")
@click.option(
    "--all",
    "all_rows",
    is_flag=True,
    help="12.0–15.0 (repair only): remove every bundle row, not only the broken ones.",
)
@_strict_option
@_dry_run_option
@_json_option
@_fleet_options
@_compile_options
@click.pass_obj
def regenerate(
    state: CliState,
    bundles: tuple[str, ...],
    missing_only: bool,
    websites: tuple[int, ...],
    all_rows: bool,
    strict: bool,
    dry_run: bool,
    as_json: bool,
    all_databases: bool,
    db_filter: str | None,
    jobs: int,
    workers: int | None,
    cache_dir: str | None,
    no_cache: bool,
) -> None:
    """Repair bundles after a filestore move or a restore without filestore.

    Finds bundle rows whose blob is missing or no longer matches its checksum,
    removes them, and rebuilds the current version of the bundles (all stored
    bundles, or only the broken ones with --missing-only).

    On Odoo 12.0–15.0 databases nothing is rebuilt: the broken rows (every
    bundle row with --all) are removed and the workers signalled, and the
    server builds them again on the next page view.

    \b
    Examples:
      odoo-assets -c /etc/odoo/odoo.conf -d prod bundle regenerate
      odoo-assets -d prod bundle regenerate --missing-only --dry-run
      odoo-assets -d legacy14 bundle regenerate --all --dry-run
    """
    from odoo_assets import operations

    request = operations.RegenerateRequest(
        bundles=bundles,
        missing_only=missing_only,
        websites=websites,
        dry_run=dry_run,
        all_rows=all_rows,
        strict=strict,
    )

    _build_fleet(
        state,
        "regenerating",
        lambda ws, progress, compiler: operations.regenerate(ws, request, progress, compiler),
        as_json=as_json,
        fleet=(all_databases, db_filter, jobs),
        compiler=(workers, cache_dir, no_cache),
    )


@bundle.command()
@click.option("--website", "websites", type=int, multiple=True, help="Limit to this website id (repeatable).")
@_strict_option
@_json_option
@_fleet_options
@click.pass_obj
def check(
    state: CliState,
    websites: tuple[int, ...],
    strict: bool,
    as_json: bool,
    all_databases: bool,
    db_filter: str | None,
    jobs: int,
) -> None:
    """Report broken, stale, duplicated or missing bundles; read only, for cron.

    Exits 0 when everything is healthy and 1 when any problem is found, with
    one line per problem and a summary. Warnings (files that bundles name but
    Odoo builds around) are listed too; with --strict they are problems.

    \b
    Example crontab line:
      17 3 * * * odoo-assets -q -c /etc/odoo/odoo.conf -d prod bundle check
    """
    from odoo_assets import operations

    def work(settings: Settings, dbname: str) -> operations.CheckResult:
        with operations.open_workspace(settings, dbname) as ws:
            return operations.check(ws, websites=websites, strict=strict)

    items = _fleet(state, all_databases, db_filter, jobs, work)
    _finish_fleet(items, as_json, report.render_check, lambda r: not r.healthy, state.quiet)


@bundle.command(name="compile")
@click.argument("bundles", nargs=-1, metavar="[BUNDLE]...")
@click.option("--modules", metavar="M[,M…]", help="Install these modules (and what they bring), as `-i`.")
@click.option("--all-modules", is_flag=True, help="Install every installable addon of the addons path.")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the bundle files and manifest.json.",
)
@click.option("--series", metavar="S", help="Odoo series (default: from the tree's base addon).")
@click.option("--all", "all_bundles", is_flag=True, help="Every bundle of the installed addons.")
@click.option("--rtl", is_flag=True, help="Also the right-to-left CSS.")
@click.option("--debug", is_flag=True, help="Also the ?debug=assets files and their source maps.")
@click.option("--pages-only", is_flag=True, help="Only the page bundles, not the lazily loaded ones.")
@click.option("--strict", is_flag=True, help="Warnings (paths that resolve to nothing) fail the run.")
@_json_option
@_compile_options
@click.pass_obj
def compile_(
    state: CliState,
    bundles: tuple[str, ...],
    modules: str | None,
    all_modules: bool,
    output: Path,
    series: str | None,
    all_bundles: bool,
    rtl: bool,
    debug: bool,
    pages_only: bool,
    strict: bool,
    as_json: bool,
    workers: int | None,
    cache_dir: str | None,
    no_cache: bool,
) -> None:
    """Compile bundles from the addons tree alone, with no database: for CI.

    The installed modules are what `odoo-bin -i M…` gives a new database
    (dependencies, server-wide and auto-install modules); ir.asset records come
    from their data files. Without BUNDLE names, compiles what `bundle build`
    pre-warms: what pages load and the bundles the client loads on demand.
    Writes DIR/<bundle>.min.js, DIR/<bundle>.min.css (and .rtl.min.css, debug
    .js/.css with .map) — the bytes Odoo serves — and DIR/manifest.json with
    every input's size. Exits 1 when a bundle fails (or, with --strict, on a
    warning), one line per failure.

    \b
    Examples:
      odoo-assets --addons-path odoo/odoo/addons,odoo/addons,. bundle compile --modules my_addon -o assets
      odoo-assets bundle compile web.assets_web --all-modules --rtl -o assets --json
    """
    from odoo_assets.offline.compile import CompileRequest, compile_bundles
    from odoo_assets.planning import VariantChoice

    if bool(modules) == all_modules:
        raise click.UsageError("say what to install: --modules M[,M…] or --all-modules")
    if bundles and all_bundles:
        raise click.UsageError("give bundle names or --all, not both")
    settings = state.settings()
    names = tuple(m.strip() for m in (modules or "").split(",") if m.strip())
    request = CompileRequest(
        output=output,
        modules=None if all_modules else names,
        choice=VariantChoice(
            bundles=bundles, all_bundles=all_bundles, rtl=rtl, debug=debug, pages_only=pages_only
        ),
        series=series,
        strict=strict,
    )
    start = time.perf_counter()
    with _progress("compiling", as_json or state.quiet) as progress:
        result = compile_bundles(settings, request, _compiler(workers, cache_dir, no_cache), progress)
    result.elapsed_s = time.perf_counter() - start
    data = result.to_dict()
    if as_json or not state.quiet:
        _emit(data, as_json, report.render_compile)
    elif data["warnings"] or data["failures"]:  # -q: only the problems, nothing when all is well
        click.echo(report.render_compile_problems(data))
    sys.exit(EXIT_OK if result.ok else EXIT_FAILURE)


@bundle.command(name="report")
@click.argument("bundles", nargs=-1, metavar="[BUNDLE]...")
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(exists=True, path_type=Path),
    help="manifest.json written by `bundle compile` (or its directory): no database needed.",
)
@click.option("--all", "all_bundles", is_flag=True, help="Every bundle of the installed addons (database).")
@click.option("--website", "website_id", type=int, help="As this website sees the bundles (database).")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write.",
)
@_compile_options
@click.pass_obj
def report_(
    state: CliState,
    bundles: tuple[str, ...],
    manifest_path: Path | None,
    all_bundles: bool,
    website_id: int | None,
    output: Path,
    workers: int | None,
    cache_dir: str | None,
    no_cache: bool,
) -> None:
    """Write an HTML page of bundle sizes: per bundle, by addon and by file.

    From a database (-d, compiling in memory what pages load, or BUNDLE names,
    nothing stored), or from the manifest.json of `bundle compile`. The page is
    one self-contained file: it opens anywhere, offline.

    \b
    Examples:
      odoo-assets -d prod bundle report -o sizes.html
      odoo-assets bundle report --manifest assets/manifest.json -o sizes.html
    """
    from odoo_assets import htmlreport

    if manifest_path is not None:
        if state.options["databases"]:
            raise click.UsageError("give a database (-d) or --manifest, not both")
        if all_bundles or website_id is not None:
            raise click.UsageError("--all and --website choose what to compile from a database")
        manifest = _read_manifest(manifest_path)
        if bundles:
            manifest.bundles = [item for item in manifest.bundles if item.bundle in bundles]
    else:
        from odoo_assets import operations
        from odoo_assets.planning import VariantChoice

        settings, dbname = _single_database(state)
        choice = VariantChoice(bundles=bundles, all_bundles=all_bundles)
        with operations.open_workspace(settings, dbname) as ws:
            manifest = operations.size_report(
                ws, choice, website_id=website_id, compiler=_compiler(workers, cache_dir, no_cache)
            )
    try:
        output.write_text(htmlreport.render_html(manifest), encoding="utf-8")
    except OSError as exc:
        raise StorageError(f"cannot write {output}: {exc.strerror or exc}") from None
    # Failed bundles are listed on the page; the report itself succeeded.
    failed = f", {len(manifest.failures)} failed" if manifest.failures else ""
    click.echo(f"{output}: {len(manifest.bundles)} files, {report.human_size(manifest.total)}{failed}")


def _read_manifest(path: Path) -> SizeManifest:
    from odoo_assets.sizes import SizeManifest

    if path.is_dir():
        path = path / "manifest.json"
    try:
        return SizeManifest.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"cannot read {path} as a bundle compile manifest: {exc}") from None


def run(argv: Sequence[str] | None = None) -> int:
    """Entry point for tests and embedding: returns the exit code instead of exiting."""
    try:
        main.main(args=list(argv) if argv is not None else None, prog_name="odoo-assets")
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
    return EXIT_OK
