"""The configuration OCA's `server_environment` gives a server: per-record values that override
what the database stores (for fs_storage: protocol, options, directory_path...).

Read from the same places, in the same order, later ones winning: the `server_environment_files`
addon's `default/` then `<running_env>/` *.conf files, the sections of odoo.conf other than
[options], then the SERVER_ENV_CONFIG and SERVER_ENV_CONFIG_SECRET variables.
Values may hold credentials: nothing here logs or prints them.
"""

from __future__ import annotations

import configparser
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from odoo_assets.errors import ConfigError

ENV_VARIABLES = ("SERVER_ENV_CONFIG", "SERVER_ENV_CONFIG_SECRET")
DEFAULT_RUNNING_ENV = "test"
_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off"}


@dataclass(frozen=True)
class ServerEnvironment:
    """Sections of key → value, as the server sees them (keys are case-sensitive)."""

    sections: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)

    def value(self, section: str, global_section: str, key: str) -> str | None:
        """The record's section first, then the model's global one; None when neither has it."""
        for name in (section, global_section):
            values = self.sections.get(name)
            if values is not None and key in values:
                return values[key]
        return None


def parse_bool(text: str) -> bool:
    """configparser's booleans: 1/yes/true/on and 0/no/false/off."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"server environment: not a boolean: {text!r}")


def running_env(options: Mapping[str, str], environ: Mapping[str, str]) -> str:
    """odoo.conf's running_env, else $RUNNING_ENV, else $ODOO_STAGE, else "test"."""
    return (
        options.get("running_env")
        or environ.get("RUNNING_ENV")
        or environ.get("ODOO_STAGE")
        or DEFAULT_RUNNING_ENV
    )


def _conf_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if path.name.endswith(".conf"))


def load_server_environment(
    *,
    config_file: Path | None,
    files_addon: Path | None,
    environ: Mapping[str, str],
) -> ServerEnvironment:
    """Merge every source; `files_addon` is the `server_environment_files` addon directory."""
    parser = configparser.ConfigParser()
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        if files_addon is not None:
            options = _options_of(config_file)
            chosen = running_env(options, environ)
            parser.read([*_conf_files(files_addon / "default"), *_conf_files(files_addon / chosen)])
        if config_file is not None:
            parser.read(config_file)
            parser.remove_section("options")
        for name in ENV_VARIABLES:
            text = environ.get(name)
            if text:
                parser.read_string(text, source=name)
        sections = {name: dict(parser.items(name, raw=False)) for name in parser.sections()}
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        # The message names the file or variable and the line, never a value.
        reason = type(exc).__name__
        raise ConfigError(f"cannot read the server environment configuration ({reason})") from None
    return ServerEnvironment(sections)


def _options_of(config_file: Path | None) -> dict[str, str]:
    if config_file is None:
        return {}
    parser = configparser.RawConfigParser()
    parser.read(config_file)
    return dict(parser.items("options")) if parser.has_section("options") else {}
