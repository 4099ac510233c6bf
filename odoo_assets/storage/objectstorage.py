"""Object-storage addons as a database shows them, and the rules they apply to a new attachment.

Two families keep attachments outside the filestore:

- OCA's `fs_storage` + `fs_attachment`: `fs_storage` rows (fsspec protocol, options JSON,
  directory path), attachments routed to the storage linked to their model, else to the one
  marked as default; the default storage's `force_db_for_default_attachment_rules` keep some
  mimetypes in the database (JS and CSS by default). Objects are named after the attachment
  (`<slug of name-id-version><ext>`) or, obfuscated, after the content's SHA-1.
- camptocamp's `base_attachment_object_storage` + `attachment_s3`: `ir_attachment.location`
  = `s3`, the same database rules from a system parameter, objects `s3://<bucket>/<sha1>`,
  the bucket and credentials from the server's AWS_* variables.

Everything here is read from the database and the environment; nothing does any I/O on a
storage (see blobstores). Options and credentials are never part of a repr or a message.
"""

from __future__ import annotations

import ast
import json
import mimetypes
import os
import posixpath
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.entities import name2codepoint
from typing import Any, Literal

import psycopg.rows

from odoo_assets.errors import StorageError
from odoo_assets.storage.database import INSTALLED_STATES, Conn, has_column
from odoo_assets.storage.server_env import ServerEnvironment, parse_bool

# What fs_attachment and base_attachment_object_storage give a new storage / database.
DEFAULT_FORCE_DB_RULES = '{"image/": 51200, "application/javascript": 0, "text/css": 0}'
BUNDLE_MODEL = "ir.ui.view"
CAMPTOCAMP_RULES_PARAMETER = "ir_attachment.storage.force.database"
DISABLE_VARIABLE = "DISABLE_ATTACHMENT_STORAGE"
_TRUTHY = {"y", "yes", "t", "true", "on", "1"}
_FALSY = {"n", "no", "f", "false", "off", "0", ""}


# --- fs_storage records -------------------------------------------------------------------------


@dataclass(frozen=True)
class FsStorage:
    """One fs_storage row with the values its server sees (server environment applied)."""

    id: int
    code: str
    protocol: str
    options: Mapping[str, Any] = field(repr=False)  # may hold credentials
    directory_path: str
    optimizes_directory_path: bool = False
    use_filename_obfuscation: bool = False
    use_as_default_for_attachments: bool = False
    force_db_rules: str | None = None
    model_xmlids: tuple[str, ...] = ()
    base_url: str = ""
    is_directory_path_in_url: bool = False


@dataclass(frozen=True)
class FsAttachmentSetup:
    """fs_attachment in a database: its storages (by id) and the xmlids naming ir.ui.view."""

    storages: tuple[FsStorage, ...]
    view_model_xmlids: frozenset[str]

    def by_code(self, code: str) -> FsStorage | None:
        return next((s for s in self.storages if s.code == code), None)

    def storage_for_bundles(self) -> FsStorage | None:
        """fs_attachment's precedence for a row of model ir.ui.view without a field: the
        storage linked to the model, else the first one used as default."""
        for storage in self.storages:
            if self.view_model_xmlids.intersection(storage.model_xmlids):
                return storage
        return next((s for s in self.storages if s.use_as_default_for_attachments), None)

    def rules_of(self, storage: FsStorage) -> dict[str, int]:
        """The force-to-database rules apply only when the storage is the default one."""
        if storage.use_as_default_for_attachments and storage.force_db_rules:
            return parse_force_db_rules(storage.force_db_rules, f"fs_storage {storage.code!r}")
        return {}


def fs_attachment_installed(conn: Conn) -> bool:
    """fs_storage table and ir_attachment's fs_* columns present, and the module not removed."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('fs_storage') IS NOT NULL")
        row = cur.fetchone()
    if not (row and row[0]) or not has_column(conn, "ir_attachment", "fs_storage_code"):
        return False
    state = _module_state(conn, "fs_attachment")
    return state is None or state in INSTALLED_STATES


def _module_state(conn: Conn, name: str) -> str | None:
    with conn.cursor() as cur:
        cur.execute("SELECT state FROM ir_module_module WHERE name = %s", (name,))
        row = cur.fetchone()
    return str(row[0]) if row else None


def read_fs_attachment(
    conn: Conn, dbname: str, server_env: ServerEnvironment, environ: Mapping[str, str]
) -> FsAttachmentSetup:
    """Every fs_storage row, in id order (the order the addon searches them in)."""
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute("SELECT * FROM fs_storage ORDER BY id")
        rows = list(cur.fetchall())
    storages = tuple(_storage(row, dbname, server_env, environ) for row in rows)
    return FsAttachmentSetup(storages, _view_model_xmlids(conn))


def _view_model_xmlids(conn: Conn) -> frozenset[str]:
    """xmlids of the ir.model record of ir.ui.view (what model_xmlids lists)."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('ir_model') IS NOT NULL")
        row = cur.fetchone()
        if not (row and row[0]):
            return frozenset({"base.model_ir_ui_view"})
        cur.execute(
            "SELECT d.module || '.' || d.name FROM ir_model_data d JOIN ir_model m ON m.id = d.res_id"
            " WHERE d.model = 'ir.model' AND m.model = %s",
            (BUNDLE_MODEL,),
        )
        return frozenset(str(xmlid) for (xmlid,) in cur.fetchall())


class _Fields:
    """A row's field values: the server environment's key for the record (section
    `fs_storage.<code>`, then `fs_storage`) when server_environment manages the model, else
    the env default it keeps in `server_env_defaults`, else the column."""

    def __init__(self, row: Mapping[str, Any], server_env: ServerEnvironment) -> None:
        self.row = row
        self.code = str(row["code"])
        self.env = server_env if "server_env_defaults" in row else None
        try:
            defaults = json.loads(row.get("server_env_defaults") or "{}")
        except ValueError:
            defaults = {}
        self.defaults: Mapping[str, Any] = defaults if isinstance(defaults, dict) else {}

    def raw(self, name: str) -> tuple[bool, Any]:
        """(from the environment file, value)."""
        if self.env is not None:
            value = self.env.value(f"fs_storage.{self.code}", "fs_storage", name)
            if value is not None:
                return True, value
            if f"x_{name}_env_default" in self.defaults:
                return False, self.defaults[f"x_{name}_env_default"]
        return False, self.row.get(name)

    def text(self, name: str) -> str:
        _configured, value = self.raw(name)
        return "" if value in (None, False) else str(value)

    def flag(self, name: str) -> bool:
        configured, value = self.raw(name)
        if configured:
            return parse_bool(str(value))
        return bool(value)


def _storage(
    row: Mapping[str, Any], dbname: str, server_env: ServerEnvironment, environ: Mapping[str, str]
) -> FsStorage:
    values = _Fields(row, server_env)
    code = values.code
    try:
        options = json.loads(values.text("options") or "{}")
    except ValueError:
        raise StorageError(f"fs_storage {code!r}: its options are not valid JSON") from None
    if not isinstance(options, dict):
        raise StorageError(f"fs_storage {code!r}: its options are not a JSON object")
    if values.flag("eval_options_from_env"):
        options = _options_from_environ(options, environ)
    directory = values.text("directory_path")
    try:
        directory = directory.format(db_name=dbname)
    except (KeyError, IndexError, ValueError):
        raise StorageError(f"fs_storage {code!r}: cannot expand its directory_path") from None
    xmlids = values.text("model_xmlids")
    rules = values.text("force_db_for_default_attachment_rules")
    return FsStorage(
        id=int(row["id"]),
        code=code,
        protocol=values.text("protocol") or "odoofs",
        options=options,
        directory_path=directory,
        optimizes_directory_path=values.flag("optimizes_directory_path"),
        use_filename_obfuscation=values.flag("use_filename_obfuscation"),
        use_as_default_for_attachments=values.flag("use_as_default_for_attachments"),
        force_db_rules=rules or None,
        # Split as the addon does: an entry with spaces around it names no model.
        model_xmlids=tuple(xmlids.split(",")) if xmlids else (),
        base_url=values.text("base_url"),
        is_directory_path_in_url=values.flag("is_directory_path_in_url"),
    )


def _options_from_environ(options: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """`eval_options_from_env`: string values "$NAME" (in nested objects too) read $NAME;
    an unset variable leaves the value as it is."""
    resolved: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, dict):
            resolved[key] = _options_from_environ(value, environ)
        elif isinstance(value, str) and value.startswith("$") and value[1:] in environ:
            resolved[key] = environ[value[1:]]
        else:
            resolved[key] = value
    return resolved


# --- camptocamp's addons ------------------------------------------------------------------------


@dataclass(frozen=True)
class CamptocampS3:
    """attachment_s3 as configured by the server's environment."""

    bucket: str
    force_db_rules: Mapping[str, int]
    options: Mapping[str, Any] = field(repr=False)  # s3fs options, credentials included


def read_camptocamp(conn: Conn, dbname: str, environ: Mapping[str, str]) -> CamptocampS3 | None:
    """The S3 store when `ir_attachment.location` is `s3` and attachment_s3 is installed."""
    if _parameter(conn, "ir_attachment.location") != "s3":
        return None
    if _module_state(conn, "attachment_s3") not in INSTALLED_STATES:
        return None
    text = _parameter(conn, CAMPTOCAMP_RULES_PARAMETER)
    try:
        rules = parse_force_db_rules(text, CAMPTOCAMP_RULES_PARAMETER) if text else {}
    except StorageError:
        rules = {}  # the addon falls back to its defaults on an unreadable parameter
    rules = rules or parse_force_db_rules(DEFAULT_FORCE_DB_RULES, "default")
    bucket = environ.get("AWS_BUCKETNAME", "")
    try:
        bucket = bucket.format(db=dbname)
    except (KeyError, IndexError, ValueError):
        raise StorageError("AWS_BUCKETNAME: cannot expand it") from None
    options: dict[str, Any] = {
        "key": environ.get("AWS_ACCESS_KEY_ID"),
        "secret": environ.get("AWS_SECRET_ACCESS_KEY"),
    }
    host = environ.get("AWS_HOST")
    if host:
        options["endpoint_url"] = host if "://" in host else f"https://{host}"
    if environ.get("AWS_REGION"):
        options["client_kwargs"] = {"region_name": environ["AWS_REGION"]}
    return CamptocampS3(bucket, rules, options)


def _parameter(conn: Conn, key: str) -> str | None:
    with conn.cursor() as cur:
        cur.execute("SELECT value FROM ir_config_parameter WHERE key = %s", (key,))
        row = cur.fetchone()
    return str(row[0]) if row and row[0] is not None else None


# --- Rules --------------------------------------------------------------------------------------


def parse_force_db_rules(text: str, source: str) -> dict[str, int]:
    """A Python dict literal of mimetype prefix → size limit (0: any size), in its order."""
    invalid = StorageError(f"{source}: the rules forcing attachments to the database are not a dict")
    try:
        value = ast.literal_eval(text.strip())
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        raise invalid from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in value.items()
    ):
        raise invalid
    return dict(value)


def forced_to_db(rules: Mapping[str, int], mimetype: str, size: int) -> bool:
    """The first prefix the mimetype starts with decides: no limit, or size at most the limit."""
    for prefix, limit in rules.items():
        if mimetype.startswith(prefix):
            return not limit or size <= limit
    return False


def storage_disabled(environ: Mapping[str, str]) -> bool:
    """DISABLE_ATTACHMENT_STORAGE, read as the addons read it; an unreadable value is an error."""
    value = environ.get(DISABLE_VARIABLE, "").strip().lower()
    if value in _TRUTHY:
        return True
    if value in _FALSY:
        return False
    raise StorageError(f"{DISABLE_VARIABLE}={environ[DISABLE_VARIABLE]!r} is not a boolean")


Kind = Literal["file", "db", "remote"]


@dataclass(frozen=True)
class Destination:
    """Where a new attachment's bytes go: the filestore, db_datas, or the storage `code`."""

    kind: Kind
    code: str | None = None


def route(
    *,
    location: str,
    fs: FsAttachmentSetup | None,
    camptocamp: CamptocampS3 | None,
    disabled: bool,
    mimetype: str,
    size: int,
) -> Destination:
    """The addons' decision for a bundle row (model ir.ui.view, no field) of this mimetype."""
    storage = fs.storage_for_bundles() if fs is not None else None
    if storage is not None and fs is not None:
        if disabled or forced_to_db(fs.rules_of(storage), mimetype, size):
            return Destination("db")
        return Destination("remote", storage.code)
    if camptocamp is not None:
        if disabled or forced_to_db(camptocamp.force_db_rules, mimetype, size):
            return Destination("db")
        return Destination("remote", "s3")
    return Destination("db" if location == "db" else "file")


# --- Object names -------------------------------------------------------------------------------

_QUOTES = re.compile(r"'+")
_ENTITY = re.compile("&({});".format("|".join(name2codepoint)))
_DECIMAL = re.compile(r"&#(\d+);")
_HEX = re.compile(r"&#[xX]([\da-fA-F]+);")
_NUMBER_COMMA = re.compile(r"(?<=\d),(?=\d)")
_NOT_SLUG = re.compile(r"[^-a-z0-9_]+")
_DASHES = re.compile(r"-{2,}")


def slugify(text: str) -> str:
    """python-slugify's pipeline with fs_attachment's pattern (`[^-a-z0-9_]+` → `-`):
    quotes become dashes, accents are dropped, HTML entities decoded, lower case, commas
    between digits removed, runs of dashes merged and stripped from both ends.

    Non-ASCII letters without an ASCII base are dropped where python-slugify transliterates
    them; bundle names are ASCII."""
    text = _QUOTES.sub("-", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _ENTITY.sub(lambda m: chr(name2codepoint[m.group(1)]), text)
    text = _DECIMAL.sub(lambda m: _char(m.group(1), 10, m.group(0)), text)
    text = _HEX.sub(lambda m: _char(m.group(1), 16, m.group(0)), text)
    text = unicodedata.normalize("NFKD", text).lower()
    text = _QUOTES.sub("", text)
    text = _NUMBER_COMMA.sub("", text)
    text = _NOT_SLUG.sub("-", text)
    return _DASHES.sub("-", text).strip("-")


def _char(digits: str, base: int, original: str) -> str:
    try:
        value = int(digits, base)
        return original if 0xD800 <= value <= 0xDFFF else chr(value)
    except (ValueError, OverflowError):
        return original


def fs_filename(name: str, attachment_id: int, mimetype: str, version: int = 0) -> str:
    """`<slug of name-without-extension-id-version><extension>`, the extension guessed from
    the mimetype when the name has none (a name without either gets "None", as the addon's)."""
    stem, extension = os.path.splitext(name)
    suffix: str | None = extension or mimetypes.guess_extension(mimetype)
    return f"{slugify(f'{stem}-{attachment_id}-{version}')}{suffix}"


@dataclass(frozen=True)
class ObjectName:
    """Where fs_attachment puts an attachment's object, and the row's fs_* columns."""

    path: str  # inside the storage's directory path
    fs_filename: str
    fs_url: str | None

    def store_fname(self, code: str) -> str:
        return f"{code}://{self.path}"


def object_name(storage: FsStorage, sha1: str, name: str, attachment_id: int, mimetype: str) -> ObjectName:
    key = f"{sha1[:2]}/{sha1[2:4]}/{sha1}" if storage.optimizes_directory_path else sha1
    if storage.use_filename_obfuscation:
        path = filename = key
    else:
        filename = fs_filename(name, attachment_id, mimetype)
        path = posixpath.join(posixpath.dirname(key), filename)
    return ObjectName(path, filename, fs_url(storage, path))


def fs_url(storage: FsStorage, path: str) -> str | None:
    """The public URL of an object: only for a storage with a base_url."""
    if not storage.base_url:
        return None
    parts = [storage.base_url]
    if storage.is_directory_path_in_url and storage.directory_path:
        parts.append(storage.directory_path)
    return normalize_url(f"{normalize_url('/'.join(parts))}/{path}")


def normalize_url(url: str) -> str:
    """Empty segments dropped, a scheme's `//` kept, otherwise one leading slash."""
    parts = [part for part in url.split("/") if part]
    if url == "/" or not parts:
        return "/"
    parts[0] = f"{parts[0]}/" if parts[0].endswith(":") else f"/{parts[0]}"
    return "/".join(parts)


def object_key(root: str, path: str) -> str:
    """`<directory_path>/<path>`, refusing a path that leaves the directory."""
    joined = posixpath.normpath(posixpath.join(root, path)) if root else posixpath.normpath(path)
    base = posixpath.normpath(root) if root else ""
    if path.startswith("/") or ".." in path.split("/") or (base and not joined.startswith(f"{base}/")):
        raise StorageError(f"object path {path!r} is outside the storage's directory")
    return joined


def secret_values(options: Mapping[str, Any]) -> list[str]:
    """Every string in the options (nested included): what a message must never contain."""
    found: list[str] = []
    for value in options.values():
        if isinstance(value, Mapping):
            found += secret_values(value)
        elif isinstance(value, str) and len(value) >= 4:
            found.append(value)
        elif isinstance(value, Sequence) and not isinstance(value, str):
            found += [item for item in value if isinstance(item, str) and len(item) >= 4]
    return found
