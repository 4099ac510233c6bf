"""Bundles in object storage: OCA fs_storage/fs_attachment and camptocamp's attachment_s3,
against a real S3 API (moto's server on 127.0.0.1) and a real PostgreSQL.

The fs_attachment tables come from fixtures/db/odoo17_fs_attachment.sql; each test adds its
own fs_storage rows pointing at a bucket of its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from odoo_assets import operations
from odoo_assets.errors import StorageError
from odoo_assets.storage import attachments as att
from odoo_assets.storage import objectstorage as obj
from odoo_assets.storage.server_env import load_server_environment
from tests import pgcluster
from tests.conftest import FIXTURES, CliRunnerFn, OdooTestDb

FS_ATTACHMENT_SQL = FIXTURES / "db" / "odoo17_fs_attachment.sql"
ACCESS_KEY = "AKIDODOOASSETS0001"
SECRET = "s3cr3t-Never-Printed-7f3a"
ENV_SECRET = "env-s3cr3t-Never-Printed-9c1d"
# What a plain `bundle build` stores on the fixture database (pages, lazily loaded bundles,
# right-to-left CSS: see test_planning), with the stand-in rtlcss every test here gets.
PAGE_BUNDLES = 33

pytestmark = pytest.mark.usefixtures("rtlcss")


def on_addons_path(db: OdooTestDb, *names: str) -> None:
    """Stand-ins for the storage addons the database has installed, so that they are on the
    addons path, as they are on the server (they hold no assets)."""
    for name in names:
        addon = db.addons.root / "addons" / name
        addon.mkdir()
        (addon / "__manifest__.py").write_text(repr({"name": name, "depends": ["base"]}))


# --- A local S3 API ------------------------------------------------------------------------------


@dataclass(frozen=True)
class S3:
    endpoint: str

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET,
            region_name="us-east-1",
        )

    def new_bucket(self) -> str:
        name = f"oa-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def get(self, bucket: str, key: str) -> bytes:
        return bytes(self.client().get_object(Bucket=bucket, Key=key)["Body"].read())

    def options(self) -> dict[str, Any]:
        return {
            "endpoint_url": self.endpoint,
            "key": ACCESS_KEY,
            "secret": SECRET,
            "client_kwargs": {"region_name": "us-east-1"},
        }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3(f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def fs_db(odoo_db: OdooTestDb, monkeypatch: pytest.MonkeyPatch) -> OdooTestDb:
    """The fixture database with fs_storage and fs_attachment installed, no storage yet."""
    for name in ("DISABLE_ATTACHMENT_STORAGE", "SERVER_ENV_CONFIG", "SERVER_ENV_CONFIG_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with odoo_db.connect() as conn:
        pgcluster.run_sql_file(conn, FS_ATTACHMENT_SQL)
        conn.commit()
    on_addons_path(odoo_db, "base_sparse_field", "fs_storage", "fs_attachment")
    return odoo_db


def add_storage(db: OdooTestDb, s3: S3, bucket: str, code: str = "s3", **fields: Any) -> int:
    """An fs_storage row as the addons' forms create it: a default storage keeps the default
    rules unless told otherwise."""
    values: dict[str, Any] = {
        "name": f"Storage {code}",
        "code": code,
        "protocol": "s3",
        "options": json.dumps(s3.options()),
        "directory_path": bucket,
        "autovacuum_gc": True,
        "use_as_default_for_attachments": True,
        "force_db_for_default_attachment_rules": obj.DEFAULT_FORCE_DB_RULES,
    }
    values.update(fields)
    if not values["use_as_default_for_attachments"]:
        values["force_db_for_default_attachment_rules"] = None
    columns = ", ".join(values)
    placeholders = ", ".join(["%s"] * len(values))
    rows = db.query(
        f"INSERT INTO fs_storage ({columns}) VALUES ({placeholders}) RETURNING id", tuple(values.values())
    )
    return int(rows[0][0])


def bundle_rows(db: OdooTestDb) -> list[dict[str, Any]]:
    names = ["id", "name", "url", "store_fname", "checksum", "file_size", "db_datas", "index_content"]
    if db.query(
        "SELECT 1 FROM pg_attribute WHERE attrelid = 'ir_attachment'::regclass AND attname = 'fs_url'"
    ):
        names += ["fs_storage_id", "fs_storage_code", "fs_filename", "fs_url"]
    rows = db.query(
        f"SELECT {', '.join(names)} FROM ir_attachment WHERE url LIKE '/web/assets/%%' ORDER BY id"
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def gc_rows(db: OdooTestDb) -> set[tuple[str, str]]:
    return {(str(n), str(c)) for n, c in db.query("SELECT store_fname, fs_storage_code FROM fs_file_gc")}


def filestore_blobs(db: OdooTestDb) -> list[str]:
    if not db.filestore.exists():
        return []
    return sorted(
        str(p.relative_to(db.filestore))
        for p in db.filestore.rglob("*")
        if p.is_file() and "checklist" not in p.parts
    )


def build(run_cli: CliRunnerFn, db: OdooTestDb, *args: str) -> str:
    result = run_cli("-v", "bundle", "build", *args, db=db)
    assert result.exit_code == 0, result.output
    return result.output


# --- Naming and rules, without a database ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("web.assets_frontend.min.css", "web-assets_frontend-min-167-0.css"),
        ("web.assets_web.min.js", "web-assets_web-min-167-0.js"),
        ("web.assets_web.js.map", "web-assets_web-js-167-0.map"),
        ("Été's  Bundle!!.css", "ete-s-bundle-167-0.css"),
        ("a&amp;b.css", "a-b-167-0.css"),
    ],
)
def test_fs_filename_is_the_slug_of_name_id_version(name: str, expected: str) -> None:
    assert obj.fs_filename(name, 167, "text/css") == expected


def test_fs_filename_without_extension_takes_the_mimetypes() -> None:
    assert obj.fs_filename("bundle", 3, "text/css") == "bundle-3-0.css"


def _storage(**fields: Any) -> obj.FsStorage:
    values: dict[str, Any] = {"id": 1, "code": "s3", "protocol": "s3", "options": {}, "directory_path": "b"}
    values.update(fields)
    return obj.FsStorage(**values)


SHA = "d813a0c1f0e3b5c6d7e8f9a0b1c2d3e4f5a6b7c8"


def test_object_names_follow_the_storage_settings() -> None:
    plain = obj.object_name(_storage(), SHA, "web.assets_frontend.min.css", 167, "text/css")
    assert (plain.path, plain.fs_filename, plain.fs_url) == (
        "web-assets_frontend-min-167-0.css",
        "web-assets_frontend-min-167-0.css",
        None,
    )
    assert plain.store_fname("s3") == "s3://web-assets_frontend-min-167-0.css"
    sharded = obj.object_name(_storage(optimizes_directory_path=True), SHA, "x.min.css", 5, "text/css")
    assert sharded.path == "d8/13/x-min-5-0.css" and sharded.fs_filename == "x-min-5-0.css"
    hidden = obj.object_name(_storage(use_filename_obfuscation=True), SHA, "x.min.css", 5, "text/css")
    assert hidden.path == hidden.fs_filename == SHA
    both = obj.object_name(
        _storage(use_filename_obfuscation=True, optimizes_directory_path=True), SHA, "x.css", 5, "text/css"
    )
    assert both.path == both.fs_filename == f"d8/13/{SHA}"


def test_public_urls_only_with_a_base_url() -> None:
    storage = _storage(base_url="https://cdn.example.com/", is_directory_path_in_url=True)
    assert obj.fs_url(storage, "d8/13/x.css") == "https://cdn.example.com/b/d8/13/x.css"
    assert (
        obj.fs_url(_storage(base_url="https://cdn.example.com"), "x.css") == "https://cdn.example.com/x.css"
    )
    assert obj.fs_url(_storage(base_url="/files/"), "x.css") == "/files/x.css"
    assert obj.normalize_url("/") == "/"


def test_force_db_rules() -> None:
    rules = obj.parse_force_db_rules(obj.DEFAULT_FORCE_DB_RULES, "test")
    assert obj.forced_to_db(rules, "application/javascript", 10**9)
    assert obj.forced_to_db(rules, "text/css", 10**9)
    assert obj.forced_to_db(rules, "image/png", 51200)
    assert not obj.forced_to_db(rules, "image/png", 51201)
    assert not obj.forced_to_db(rules, "application/json", 1)
    assert not obj.forced_to_db(rules, "application/octet-stream", 1)
    # The first matching prefix decides.
    assert not obj.forced_to_db({"text/": 10, "text/css": 0}, "text/css", 11)
    with pytest.raises(StorageError, match="not a dict"):
        obj.parse_force_db_rules("__import__('os')", "test")


def test_object_keys_stay_inside_the_directory() -> None:
    assert obj.object_key("bucket", "d8/13/x.css") == "bucket/d8/13/x.css"
    for path in ("../other/x.css", "/etc/passwd", "a/../../x"):
        with pytest.raises(StorageError, match="outside"):
            obj.object_key("bucket", path)


def test_server_environment_sources_in_the_servers_order(tmp_path: Path) -> None:
    files = tmp_path / "server_environment_files"
    (files / "default").mkdir(parents=True)
    (files / "prod").mkdir()
    (files / "default" / "10_storage.conf").write_text("[fs_storage.s3]\ndirectory_path = default\n")
    (files / "prod" / "10_storage.conf").write_text("[fs_storage.s3]\ndirectory_path = prod\n")
    (files / "test").mkdir()
    conf = tmp_path / "odoo.conf"
    conf.write_text("[options]\nrunning_env = prod\n\n[fs_storage]\nprotocol = s3\n")
    loaded = load_server_environment(config_file=conf, files_addon=files, environ={})
    assert loaded.value("fs_storage.s3", "fs_storage", "directory_path") == "prod"
    assert loaded.value("fs_storage.s3", "fs_storage", "protocol") == "s3"
    assert loaded.value("fs_storage.s3", "fs_storage", "options") is None
    environ = {"RUNNING_ENV": "test", "SERVER_ENV_CONFIG": "[fs_storage.s3]\ndirectory_path = from-env\n"}
    loaded = load_server_environment(config_file=None, files_addon=files, environ=environ)
    assert loaded.value("fs_storage.s3", "fs_storage", "directory_path") == "from-env"
    assert SECRET not in repr(
        load_server_environment(
            config_file=None,
            files_addon=None,
            environ={"SERVER_ENV_CONFIG_SECRET": f"[fs_storage.s3]\noptions = {SECRET}\n"},
        )
    )


def test_options_never_in_a_repr() -> None:
    storage = _storage(options={"secret": SECRET})
    assert SECRET not in repr(storage)


# --- fs_attachment ------------------------------------------------------------------------------


def test_default_rules_keep_js_and_css_in_the_database(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn
) -> None:
    bucket = s3_server.new_bucket()
    add_storage(fs_db, s3_server, bucket)
    build(run_cli, fs_db)
    rows = bundle_rows(fs_db)
    assert len(rows) == PAGE_BUNDLES
    for row in rows:
        content = bytes(row["db_datas"])
        assert row["store_fname"] is None
        assert row["checksum"] == hashlib.sha1(content).hexdigest()
        assert row["file_size"] == len(content)
        assert (row["fs_storage_id"], row["fs_storage_code"], row["fs_filename"], row["fs_url"]) == (
            None,
        ) * 4
    assert s3_server.keys(bucket) == []
    assert filestore_blobs(fs_db) == []
    assert gc_rows(fs_db) == set()


def test_emptied_rules_put_bundles_in_the_bucket_named_after_their_rows(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn
) -> None:
    bucket = s3_server.new_bucket()
    storage_id = add_storage(fs_db, s3_server, bucket, force_db_for_default_attachment_rules="{}")
    build(run_cli, fs_db)
    rows = bundle_rows(fs_db)
    assert len(rows) == PAGE_BUNDLES
    expected_keys = []
    for row in rows:
        stem, ext = row["name"].rsplit(".", 1)
        filename = f"{stem.replace('.', '-')}-{row['id']}-0.{ext}"
        assert row["store_fname"] == f"s3://{filename}"
        assert (row["fs_storage_id"], row["fs_storage_code"], row["fs_filename"]) == (
            storage_id,
            "s3",
            filename,
        )
        assert row["fs_url"] is None and row["db_datas"] is None
        content = s3_server.get(bucket, filename)
        assert hashlib.sha1(content).hexdigest() == row["checksum"] and len(content) == row["file_size"]
        mimetype = "text/css" if row["name"].endswith(".css") else "application/javascript"
        assert row["index_content"] == att.index_content(content, mimetype)
        expected_keys.append(filename)
    # One object per row, website variants included; nothing in the filestore.
    assert s3_server.keys(bucket) == sorted(expected_keys)
    assert filestore_blobs(fs_db) == []
    # Every object written was handed to the addon's collector first.
    assert gc_rows(fs_db) == {(row["store_fname"], "s3") for row in rows}
    check = run_cli("bundle", "check", db=fs_db)
    assert check.exit_code == 0, check.output
    # A second run finds everything in place and writes nothing.
    assert f"{PAGE_BUNDLES} skipped" in build(run_cli, fs_db)
    assert len(bundle_rows(fs_db)) == PAGE_BUNDLES


def test_optimized_directory_path_and_public_urls(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn
) -> None:
    bucket = s3_server.new_bucket()
    add_storage(
        fs_db,
        s3_server,
        bucket,
        force_db_for_default_attachment_rules="{}",
        optimizes_directory_path=True,
        base_url="https://cdn.example.com",
    )
    build(run_cli, fs_db, "web.assets_web")
    for row in bundle_rows(fs_db):
        sha = row["checksum"]
        path = f"{sha[:2]}/{sha[2:4]}/{row['fs_filename']}"
        assert row["store_fname"] == f"s3://{path}"
        assert row["fs_url"] == f"https://cdn.example.com/{path}"
        assert hashlib.sha1(s3_server.get(bucket, path)).hexdigest() == sha


def test_obfuscated_names_share_one_object_per_content(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn
) -> None:
    bucket = s3_server.new_bucket()
    add_storage(
        fs_db, s3_server, bucket, force_db_for_default_attachment_rules="{}", use_filename_obfuscation=True
    )
    build(run_cli, fs_db)
    rows = bundle_rows(fs_db)
    for row in rows:
        assert row["store_fname"] == f"s3://{row['checksum']}"
        assert row["fs_filename"] == row["checksum"]
    assert s3_server.keys(bucket) == sorted({row["checksum"] for row in rows})
    assert len(s3_server.keys(bucket)) < len(rows)  # website variants share their content


def test_a_storage_linked_to_views_wins_over_the_default_one(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn
) -> None:
    default_bucket, assets_bucket = s3_server.new_bucket(), s3_server.new_bucket()
    add_storage(fs_db, s3_server, default_bucket, code="default", force_db_for_default_attachment_rules="{}")
    # Not the default storage: the force-to-database rules do not apply to it.
    assets_id = add_storage(
        fs_db,
        s3_server,
        assets_bucket,
        code="assets",
        use_as_default_for_attachments=False,
        model_xmlids="base.model_ir_attachment,base.model_ir_ui_view",
    )
    build(run_cli, fs_db, "web.assets_web")
    rows = bundle_rows(fs_db)
    assert {row["fs_storage_id"] for row in rows} == {assets_id}
    assert all(row["store_fname"].startswith("assets://") for row in rows)
    assert len(s3_server.keys(assets_bucket)) == len(rows) and s3_server.keys(default_bucket) == []


def test_disable_attachment_storage_forces_the_database(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = s3_server.new_bucket()
    add_storage(fs_db, s3_server, bucket, force_db_for_default_attachment_rules="{}")
    monkeypatch.setenv("DISABLE_ATTACHMENT_STORAGE", "1")
    build(run_cli, fs_db, "web.assets_web")
    rows = bundle_rows(fs_db)
    assert rows and all(row["store_fname"] is None and row["db_datas"] for row in rows)
    assert s3_server.keys(bucket) == []


def test_with_storages_disabled_objects_are_missing_and_never_collected(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a server started with DISABLE_ATTACHMENT_STORAGE sees: it cannot read objects, so
    regenerate rebuilds those bundles into the database, and hands no object to a collector."""
    bucket = s3_server.new_bucket()
    add_storage(fs_db, s3_server, bucket, force_db_for_default_attachment_rules="{}")
    build(run_cli, fs_db)
    fs_db.execute("DELETE FROM fs_file_gc")
    monkeypatch.setenv("DISABLE_ATTACHMENT_STORAGE", "True")
    check = run_cli("bundle", "check", "--json", db=fs_db)
    assert {p["kind"] for p in json.loads(check.output)["problems"]} == {"missing-blob"}
    assert run_cli("bundle", "regenerate", db=fs_db).exit_code == 0
    rows = bundle_rows(fs_db)
    assert len(rows) == PAGE_BUNDLES and all(row["db_datas"] and row["store_fname"] is None for row in rows)
    assert gc_rows(fs_db) == set()
    assert len(s3_server.keys(bucket)) == PAGE_BUNDLES
    assert run_cli("bundle", "check", db=fs_db).exit_code == 0


def test_maps_are_not_covered_by_the_default_rules(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn
) -> None:
    bucket = s3_server.new_bucket()
    add_storage(fs_db, s3_server, bucket)
    build(run_cli, fs_db, "web.assets_web", "--debug")
    by_name = {row["name"]: row for row in bundle_rows(fs_db)}
    assert by_name["web.assets_web.js"]["db_datas"] and by_name["web.assets_web.css"]["db_datas"]
    for name in ("web.assets_web.js.map", "web.assets_web.css.map"):
        row = by_name[name]
        assert row["db_datas"] is None and row["store_fname"] == f"s3://{row['fs_filename']}"
        assert row["fs_filename"].endswith(".map")
    assert len(s3_server.keys(bucket)) == 2


def test_check_and_regenerate_repair_lost_and_damaged_objects(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn
) -> None:
    bucket = s3_server.new_bucket()
    add_storage(fs_db, s3_server, bucket, force_db_for_default_attachment_rules="{}")
    build(run_cli, fs_db)
    by_name = {row["name"]: row for row in bundle_rows(fs_db)}
    js, css = by_name["web.assets_web.min.js"], by_name["web.assets_web.min.css"]
    client = s3_server.client()
    client.delete_object(Bucket=bucket, Key=js["fs_filename"])
    client.put_object(Bucket=bucket, Key=css["fs_filename"], Body=b"damaged")

    listed = run_cli("bundle", "list", "--json", db=fs_db)
    blobs = {item["id"]: item["blob"] for item in json.loads(listed.output) if item["blob"] != "ok"}
    assert blobs == {js["id"]: "missing", css["id"]: "corrupt"}

    check = run_cli("bundle", "check", "--json", db=fs_db)
    assert check.exit_code == 1
    kinds = {(p["kind"], p["attachment_id"]) for p in json.loads(check.output)["problems"]}
    assert kinds == {("missing-blob", js["id"]), ("corrupt-blob", css["id"])}

    regenerate = run_cli("bundle", "regenerate", "--missing-only", db=fs_db)
    assert regenerate.exit_code == 0, regenerate.output
    rows = bundle_rows(fs_db)
    assert {row["id"] for row in rows}.isdisjoint({js["id"], css["id"]})
    for row in rows:
        assert hashlib.sha1(s3_server.get(bucket, row["fs_filename"])).hexdigest() == row["checksum"]
    # The broken rows' objects went to the addon's collector: until it runs, the damaged one
    # is reported as garbage nothing references.
    assert {(js["store_fname"], "s3"), (css["store_fname"], "s3")} <= gc_rows(fs_db)
    after = json.loads(run_cli("bundle", "check", "--json", db=fs_db).output)["problems"]
    assert [(p["kind"], p["message"].split(": ")[0]) for p in after] == [("orphan-blob", css["store_fname"])]


def test_purge_hands_objects_to_the_addons_collector(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn
) -> None:
    bucket = s3_server.new_bucket()
    add_storage(fs_db, s3_server, bucket, force_db_for_default_attachment_rules="{}")
    build(run_cli, fs_db, "web.assets_web")
    rows = bundle_rows(fs_db)
    fs_db.execute("DELETE FROM fs_file_gc")  # as after a collector's run
    result = run_cli("bundle", "purge", "--all", db=fs_db)
    assert result.exit_code == 0, result.output
    assert bundle_rows(fs_db) == []
    assert gc_rows(fs_db) == {(row["store_fname"], "s3") for row in rows}
    # Objects are the collector's to delete, never the tool's.
    assert len(s3_server.keys(bucket)) == len(rows)
    check = run_cli("bundle", "check", "--json", db=fs_db)
    orphans = [
        p["message"].split(": ")[0]
        for p in json.loads(check.output)["problems"]
        if p["kind"] == "orphan-blob"
    ]
    assert sorted(orphans) == sorted(row["store_fname"] for row in rows)


def test_killed_builds_leave_no_row_without_its_object_and_no_untracked_object(
    fs_db: OdooTestDb, s3_server: S3
) -> None:
    bucket = s3_server.new_bucket()
    add_storage(fs_db, s3_server, bucket, force_db_for_default_attachment_rules="{}")
    command = [sys.executable, "-m", "odoo_assets", *fs_db.cli_args(), "-q", "bundle", "build", "--force"]
    chance = random.Random(23)
    for _ in range(4):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.3, 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        _assert_objects_consistent(fs_db, s3_server, bucket)
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    assert len(_assert_objects_consistent(fs_db, s3_server, bucket)) >= PAGE_BUNDLES


def _assert_objects_consistent(db: OdooTestDb, s3: S3, bucket: str) -> list[dict[str, Any]]:
    """Every committed row has its intact object; every object is named by a row or waits
    on fs_file_gc."""
    rows = bundle_rows(db)
    for row in rows:
        content = s3.get(bucket, row["store_fname"].removeprefix("s3://"))
        assert hashlib.sha1(content).hexdigest() == row["checksum"]
    named = {row["store_fname"] for row in rows} | {name for name, _ in gc_rows(db)}
    assert {f"s3://{key}" for key in s3.keys(bucket)} <= named
    return rows


def test_a_failed_upload_leaves_no_row_and_its_names_on_the_collectors_list(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn
) -> None:
    add_storage(
        fs_db, s3_server, f"missing-{uuid.uuid4().hex[:8]}", force_db_for_default_attachment_rules="{}"
    )
    result = run_cli("bundle", "build", "web.assets_web", db=fs_db)
    assert result.exit_code == 1
    assert "cannot write" in result.output
    assert bundle_rows(fs_db) == []
    names = gc_rows(fs_db)
    assert names and all(name.startswith("s3://web-assets_web-min-") for name, _ in names)


def test_credentials_are_never_printed(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = s3_server.new_bucket()
    add_storage(fs_db, s3_server, bucket, force_db_for_default_attachment_rules="{}")
    outputs = [build(run_cli, fs_db, "--debug", "--force")]
    for command in (
        ("list",),
        ("list", "--json"),
        ("check",),
        ("inspect", "web.assets_web"),
        ("regenerate",),
    ):
        outputs.append(run_cli("-v", "--log-format", "json", "bundle", *command, db=fs_db).output)
    # An unreachable endpoint: its error is reported without the options.
    unreachable = {
        **s3_server.options(),
        "endpoint_url": "http://127.0.0.1:9",
        "config_kwargs": {"retries": {"max_attempts": 1}},
        "retries": 1,
    }
    fs_db.execute("UPDATE fs_storage SET options = %s", (json.dumps(unreachable),))
    failed = run_cli("-v", "bundle", "build", "web.assets_web", "--force", db=fs_db)
    assert failed.exit_code == 1
    outputs.append(failed.output)
    outputs.append(run_cli("-v", "bundle", "check", db=fs_db).output)
    for output in outputs:
        assert SECRET not in output and ACCESS_KEY not in output


def test_odoofs_storage_keeps_objects_under_the_filestore(fs_db: OdooTestDb, run_cli: CliRunnerFn) -> None:
    fs_db.execute(
        "INSERT INTO fs_storage (name, code, protocol, options, directory_path, use_as_default_for_attachments,"
        " force_db_for_default_attachment_rules) VALUES ('Local', 'local', 'odoofs', '{}', 'assets', true, '{}')"
    )
    build(run_cli, fs_db, "web.assets_web")
    for row in bundle_rows(fs_db):
        assert row["store_fname"] == f"local://{row['fs_filename']}"
        stored = fs_db.filestore / "storage" / "assets" / row["fs_filename"]
        assert hashlib.sha1(stored.read_bytes()).hexdigest() == row["checksum"]


def test_options_from_the_server_environment(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With fs_storage_environment, the record's options come from the server environment
    (here SERVER_ENV_CONFIG_SECRET), the database keeping only defaults."""
    bucket = s3_server.new_bucket()
    add_storage(fs_db, s3_server, "not-this-bucket", force_db_for_default_attachment_rules="{}")
    fs_db.execute(
        "ALTER TABLE fs_storage ADD COLUMN server_env_defaults text;"
        "ALTER TABLE fs_storage DROP COLUMN options;"
        "ALTER TABLE fs_storage DROP COLUMN directory_path;"
        """UPDATE fs_storage SET server_env_defaults = '{"x_directory_path_env_default": "wrong"}'"""
    )
    options = {**s3_server.options(), "secret": "$S3_SECRET"}
    monkeypatch.setenv("S3_SECRET", ENV_SECRET)
    monkeypatch.setenv(
        "SERVER_ENV_CONFIG_SECRET",
        f"[fs_storage.s3]\noptions = {json.dumps(options)}\ndirectory_path = {bucket}\n"
        "eval_options_from_env = True\n",
    )
    output = build(run_cli, fs_db, "web.assets_web")
    rows = bundle_rows(fs_db)
    assert sorted(s3_server.keys(bucket)) == sorted(row["fs_filename"] for row in rows)
    assert ENV_SECRET not in output and SECRET not in output


def test_attachment_assets_are_read_from_object_storage(
    fs_db: OdooTestDb, s3_server: S3, run_cli: CliRunnerFn
) -> None:
    """A website customisation (text/scss, not kept in the database by the rules) lives in the
    bucket: the frontend CSS reads it from there."""
    bucket = s3_server.new_bucket()
    add_storage(fs_db, s3_server, bucket)
    [(content,)] = fs_db.query("SELECT db_datas FROM ir_attachment WHERE id = 1")
    s3_server.client().put_object(Bucket=bucket, Key="user_values-1-0.scss", Body=bytes(content))
    fs_db.execute(
        "UPDATE ir_attachment SET db_datas = NULL, store_fname = 's3://user_values-1-0.scss',"
        " fs_storage_code = 's3', fs_filename = 'user_values-1-0.scss' WHERE id = 1"
    )
    with operations.open_workspace(fs_db.settings(), fs_db.name) as ws:
        result = operations.build(
            ws, operations.BuildRequest(bundles=("web.assets_frontend",), websites=(1,))
        )
    assert [o.status for o in result.outcomes if o.ext == "min.css"] == ["built"]
    s3_server.client().delete_object(Bucket=bucket, Key="user_values-1-0.scss")
    with operations.open_workspace(fs_db.settings(), fs_db.name) as ws:
        result = operations.build(
            ws, operations.BuildRequest(bundles=("web.assets_frontend",), websites=(1,), force=True)
        )
    [failed] = [o for o in result.outcomes if o.ext == "min.css"]
    assert failed.status == "failed" and "storage 's3'" in (failed.error or "")


# --- camptocamp's attachment_s3 ------------------------------------------------------------------


@pytest.fixture
def camptocamp_db(odoo_db: OdooTestDb, s3_server: S3, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    bucket = s3_server.new_bucket()
    odoo_db.execute(
        "INSERT INTO ir_module_module (name, state, latest_version, application, sequence, auto_install, license)"
        " VALUES ('base_attachment_object_storage', 'installed', '17.0.1.0.0', false, 100, true, 'AGPL-3'),"
        " ('attachment_s3', 'installed', '17.0.1.0.0', false, 100, false, 'AGPL-3');"
        "INSERT INTO ir_config_parameter (key, value) VALUES ('ir_attachment.location', 's3'),"
        """ ('ir_attachment.storage.force.database', '{"image/": 51200, "application/javascript": 0}')"""
    )
    on_addons_path(odoo_db, "base_attachment_object_storage", "attachment_s3")
    monkeypatch.delenv("DISABLE_ATTACHMENT_STORAGE", raising=False)
    monkeypatch.setenv("AWS_HOST", s3_server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_BUCKETNAME", bucket)
    yield bucket


def test_camptocamp_s3_keeps_the_rules_and_names_objects_by_content(
    odoo_db: OdooTestDb, camptocamp_db: str, s3_server: S3, run_cli: CliRunnerFn
) -> None:
    output = build(run_cli, odoo_db)
    rows = bundle_rows(odoo_db)
    css = [row for row in rows if row["name"].endswith(".css")]
    for row in rows:
        if row in css:
            assert row["store_fname"] == f"s3://{camptocamp_db}/{row['checksum']}" and row["db_datas"] is None
        else:  # application/javascript: forced to the database
            assert row["store_fname"] is None and row["db_datas"]
    assert s3_server.keys(camptocamp_db) == sorted({row["checksum"] for row in css})
    assert run_cli("bundle", "check", db=odoo_db).exit_code == 0
    lost = css[0]["checksum"]
    s3_server.client().delete_object(Bucket=camptocamp_db, Key=lost)
    check = run_cli("bundle", "check", db=odoo_db)
    assert check.exit_code == 1 and "missing" in check.output
    assert run_cli("bundle", "regenerate", db=odoo_db).exit_code == 0
    assert lost in s3_server.keys(camptocamp_db)
    assert run_cli("bundle", "check", db=odoo_db).exit_code == 0
    assert SECRET not in output + check.output
