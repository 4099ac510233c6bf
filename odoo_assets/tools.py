"""Where the external commands come from: rtlcss (right-to-left CSS) and lessc (LESS).

Each is looked up, first found wins:

1. the explicit setting: `--rtlcss PATH` / `--lessc PATH` on the command line, else the
   environment (`ODOO_ASSETS_RTLCSS`, `ODOO_ASSETS_LESSC`); a setting that names nothing
   executable is a ConfigError, never silently replaced by another copy;
2. the project-local install of a checkout: `<repo>/node_modules/.bin/<command>`, where
   `<repo>` is the directory above the `odoo_assets` package when it holds `package.json`
   (`make` installs the versions pinned there with `npm ci`);
3. the PATH.

The result is an absolute path, or None when the command is nowhere; it is stored in Settings
and handed to the compiler through CompileOptions.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from odoo_assets.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Tool:
    """An external command: its name, the npm package that provides it, how to set it."""

    command: str
    package: str
    option: str
    env: str

    def missing(self) -> str:
        """What was searched and how to install it, for an error message or a skipped test."""
        return (
            f"{self.command} not found (searched {self.option}, ${self.env}, the checkout's"
            f" node_modules/.bin and PATH); install it with `make node-tools` in an odoo-assets"
            f" checkout (needs node and npm; Debian/Ubuntu: apt-get install nodejs npm) or"
            f" `npm install -g {self.package}`, or give its path with {self.option}"
        )


RTLCSS = Tool(command="rtlcss", package="rtlcss", option="--rtlcss", env="ODOO_ASSETS_RTLCSS")
LESSC = Tool(command="lessc", package="less", option="--lessc", env="ODOO_ASSETS_LESSC")


def project_root(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The checkout the package runs from: the directory above it, when it has package.json."""
    root = package_dir.parent
    return root if (root / "package.json").is_file() else None


def _which(command: str, path: str) -> str | None:
    """The command as an absolute path when it is an executable file; a name without a slash
    is searched for in `path`."""
    found = shutil.which(os.path.expanduser(command), path=path)
    return os.path.abspath(found) if found else None


def find_tool(
    tool: Tool,
    explicit: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    package_dir: Path = PACKAGE_DIR,
    search_path: str | None = None,
) -> str | None:
    """The absolute path of the command, or None when it is not installed anywhere we look.

    `explicit` is the command-line value, `env` the environment (default: os.environ),
    `package_dir` the `odoo_assets` package directory, `search_path` the PATH to search
    (default: the environment's).
    """
    env = os.environ if env is None else env
    path = env.get("PATH", os.defpath) if search_path is None else search_path
    for value, source in ((explicit, tool.option), (env.get(tool.env), f"${tool.env}")):
        if value:
            found = _which(value, path)
            if found is None:
                raise ConfigError(f"{tool.command} given by {source} is not an executable file: {value}")
            return found
    root = project_root(package_dir)
    if root is not None:
        local = _which(tool.command, str(root / "node_modules" / ".bin"))
        if local is not None:
            return local
    return _which(tool.command, path)
