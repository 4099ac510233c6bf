"""Exceptions with a message for a human; the CLI maps them to exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3


class OdooAssetsError(Exception):
    """Base class: the message is a single line meant for the person at the terminal."""

    exit_code = EXIT_FAILURE


class ConfigError(OdooAssetsError):
    """Bad usage or configuration (missing config file, bad option value)."""

    exit_code = EXIT_USAGE


class AddonsPathError(ConfigError):
    """Modules the database has installed are not on the addons path odoo-assets was given."""


class DatabaseUnavailable(OdooAssetsError):
    """The PostgreSQL server or database cannot be reached."""

    exit_code = EXIT_DATABASE


class NotOdooDatabase(OdooAssetsError):
    """The database is not an Odoo database of a supported series."""

    exit_code = EXIT_DATABASE


class AddonError(OdooAssetsError):
    """A broken or unreadable addon manifest."""


class DataFileError(AddonError):
    """An addon data file that installing the module would fail on (named with its line)."""


class ResolutionError(OdooAssetsError):
    """A bundle cannot be resolved (unknown bundle, missing target, cycle, unallowed path)."""


class CompilationError(OdooAssetsError):
    """A bundle cannot be compiled (SCSS error, untranspilable JS, broken template)."""


class StorageError(OdooAssetsError):
    """Writing or reading attachments or filestore blobs failed."""
