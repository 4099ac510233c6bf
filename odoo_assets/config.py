"""Configuration: odoo.conf, environment and command-line flags, merged into one Settings.

Precedence, for every field: command-line flag > environment > config file > default.
Connection fields left unset fall through to libpq (PG* variables, ~/.pgpass, service files).
The external commands (rtlcss, lessc) are looked up as odoo_assets.tools describes.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from odoo_assets import tools
from odoo_assets.errors import ConfigError

DEFAULT_SERVER_WIDE_MODULES = ("base", "web")

# Values odoo.conf writes for "not set".
_UNSET = {"", "false", "none"}

# Environment variables read for each connection field (libpq's own names).
_ENV_CONNECTION = {
    "db_host": "PGHOST",
    "db_port": "PGPORT",
    "db_user": "PGUSER",
    "db_password": "PGPASSWORD",
}


@dataclass(frozen=True)
class Settings:
    """Everything the pipeline needs to know about the Odoo server it works for."""

    config_file: Path | None = None
    databases: tuple[str, ...] = ()
    addons_paths: tuple[Path, ...] = ()
    data_dir: Path = field(default_factory=lambda: default_data_dir())
    db_host: str | None = None
    db_port: int | None = None
    db_user: str | None = None
    db_password: str | None = field(default=None, repr=False)
    server_wide_modules: tuple[str, ...] = DEFAULT_SERVER_WIDE_MODULES
    # Absolute paths of the external commands; None: not installed (see odoo_assets.tools).
    rtlcss: str | None = field(default_factory=lambda: tools.find_tool(tools.RTLCSS))
    lessc: str | None = field(default_factory=lambda: tools.find_tool(tools.LESSC))
    # rjsmin's pure-Python minifier is what Odoo runs on Python 3.11+ (rjsmin 1.2.0 ships no
    # compiled speedup there); the C one is 30 times faster and differs on rare regex literals.
    js_minifier: str = "python"

    def connection_kwargs(self, dbname: str) -> dict[str, str | int]:
        """Keyword arguments for psycopg.connect; unset fields are left to libpq."""
        kwargs: dict[str, str | int] = {"dbname": dbname}
        if self.db_host:
            kwargs["host"] = self.db_host
        if self.db_port:
            kwargs["port"] = self.db_port
        if self.db_user:
            kwargs["user"] = self.db_user
        if self.db_password:
            kwargs["password"] = self.db_password
        return kwargs

    def filestore(self, dbname: str) -> Path:
        """Where Odoo keeps the blobs of this database."""
        return self.data_dir / "filestore" / dbname


def default_data_dir(home: str | None = None) -> Path:
    """Odoo's default data_dir on Linux: ~/.local/share/Odoo, or /var/lib/odoo without a home."""
    home = home if home is not None else os.environ.get("HOME")
    if home and Path(home).is_dir():
        return Path(home) / ".local" / "share" / "Odoo"
    return Path("/var/lib/odoo")


def find_config_file(explicit: str | None, env: Mapping[str, str]) -> Path | None:
    """The odoo.conf to read: -c, then $ODOO_RC, then ~/.odoorc when it exists, else none.

    A file named explicitly (by -c or ODOO_RC) must exist.
    """
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        return path
    rc = env.get("ODOO_RC")
    if rc:
        path = Path(rc).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file not found: {path} (from ODOO_RC)")
        return path
    home = env.get("HOME")
    if home:
        path = Path(home) / ".odoorc"
        if path.is_file():
            return path
    return None


def read_config_file(path: Path) -> dict[str, str]:
    """The [options] section of an odoo.conf, with Odoo's "unset" spellings dropped."""
    parser = configparser.RawConfigParser()
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"cannot read config file {path}: {first_line}") from exc
    if not parser.has_section("options"):
        return {}
    return {
        key: value.strip() for key, value in parser.items("options") if value.strip().lower() not in _UNSET
    }


def split_list(value: str | None) -> tuple[str, ...]:
    """Split a comma-separated option, dropping blanks."""
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _parse_port(value: str, source: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"invalid database port {value!r} (from {source})") from None
    if not 0 < port < 65536:
        raise ConfigError(f"invalid database port {value!r} (from {source})")
    return port


def _addons_paths(value: str, base_dir: Path) -> tuple[Path, ...]:
    paths = []
    for entry in split_list(value):
        path = Path(entry).expanduser()
        if not path.is_absolute():
            path = base_dir / path
        paths.append(Path(os.path.normcase(os.path.abspath(path))))
    return tuple(paths)


def load_settings(
    *,
    config: str | None = None,
    databases: tuple[str, ...] = (),
    addons_path: str | None = None,
    data_dir: str | None = None,
    db_host: str | None = None,
    db_port: str | int | None = None,
    db_user: str | None = None,
    db_password: str | None = None,
    rtlcss: str | None = None,
    lessc: str | None = None,
    js_minifier: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge flags (the keyword arguments), environment and config file into Settings."""
    env = os.environ if env is None else env
    config_file = find_config_file(config, env)
    options = read_config_file(config_file) if config_file else {}
    cwd = Path.cwd()

    def pick(flag: str | int | None, option: str) -> tuple[str | None, str]:
        if flag not in (None, ""):
            return str(flag), f"--{option.replace('_', '-')}"
        env_name = _ENV_CONNECTION.get(option)
        if env_name and env.get(env_name):
            return env[env_name], env_name
        if option in options:
            return options[option], str(config_file)
        return None, ""

    host, _ = pick(db_host, "db_host")
    port_text, port_source = pick(db_port, "db_port")
    user, _ = pick(db_user, "db_user")
    password, _ = pick(db_password, "db_password")

    names = tuple(name for item in databases for name in split_list(item))
    if not names:
        names = split_list(env.get("PGDATABASE")) or split_list(options.get("db_name"))

    if addons_path:
        addons = _addons_paths(addons_path, cwd)
    elif "addons_path" in options:
        # Odoo resolves relative entries against the working directory, so do we.
        addons = _addons_paths(options["addons_path"], cwd)
    else:
        addons = ()

    if data_dir:
        data = Path(data_dir).expanduser().absolute()
    elif "data_dir" in options:
        data = Path(options["data_dir"]).expanduser().absolute()
    else:
        data = default_data_dir(env.get("HOME"))

    server_wide = split_list(options.get("server_wide_modules")) or DEFAULT_SERVER_WIDE_MODULES

    return Settings(
        config_file=config_file,
        databases=names,
        addons_paths=addons,
        data_dir=data,
        db_host=host,
        db_port=_parse_port(port_text, port_source) if port_text else None,
        db_user=user,
        db_password=password,
        server_wide_modules=server_wide,
        rtlcss=tools.find_tool(tools.RTLCSS, rtlcss, env=env),
        lessc=tools.find_tool(tools.LESSC, lessc, env=env),
        js_minifier=_js_minifier(js_minifier or env.get("ODOO_ASSETS_JS_MINIFIER") or "python"),
    )


JS_MINIFIERS = ("python", "c")


def _js_minifier(value: str) -> str:
    if value not in JS_MINIFIERS:
        raise ConfigError(f"unknown JS minifier {value!r} (one of: {', '.join(JS_MINIFIERS)})")
    return value
