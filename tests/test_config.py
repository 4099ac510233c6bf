"""Configuration precedence: flag > environment > config file > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from odoo_assets.config import default_data_dir, find_config_file, load_settings
from odoo_assets.errors import ConfigError


def write_conf(path: Path, body: str) -> Path:
    path.write_text("[options]\n" + body, encoding="utf-8")
    return path


def test_config_file_values(tmp_path: Path) -> None:
    conf = write_conf(
        tmp_path / "odoo.conf",
        "db_host = db.example\ndb_port = 6543\ndb_user = odoo\ndb_password = s3cret\n"
        "db_name = prod\ndata_dir = /srv/odoo\naddons_path = /opt/a, /opt/b\n"
        "server_wide_modules = base,web,queue_job\n",
    )
    settings = load_settings(config=str(conf), env={})
    assert settings.config_file == conf
    assert settings.db_host == "db.example"
    assert settings.db_port == 6543
    assert settings.db_user == "odoo"
    assert settings.db_password == "s3cret"
    assert settings.databases == ("prod",)
    assert settings.data_dir == Path("/srv/odoo")
    assert settings.addons_paths == (Path("/opt/a"), Path("/opt/b"))
    assert settings.server_wide_modules == ("base", "web", "queue_job")
    assert settings.filestore("prod") == Path("/srv/odoo/filestore/prod")


def test_flag_beats_environment_beats_file(tmp_path: Path) -> None:
    conf = write_conf(tmp_path / "odoo.conf", "db_host = from-file\ndb_port = 1111\ndb_user = fileuser\n")
    env = {"PGHOST": "from-env", "PGPORT": "2222"}
    settings = load_settings(config=str(conf), db_host="from-flag", env=env)
    assert settings.db_host == "from-flag"
    assert settings.db_port == 2222
    assert settings.db_user == "fileuser"


def test_odoo_unset_spellings_are_ignored(tmp_path: Path) -> None:
    conf = write_conf(tmp_path / "odoo.conf", "db_host = False\ndb_password = False\ndb_port = None\n")
    settings = load_settings(config=str(conf), env={})
    assert settings.db_host is None and settings.db_password is None and settings.db_port is None
    assert settings.connection_kwargs("x") == {"dbname": "x"}


def test_server_wide_modules_default(tmp_path: Path) -> None:
    conf = write_conf(tmp_path / "odoo.conf", "server_wide_modules = \n")
    assert load_settings(config=str(conf), env={}).server_wide_modules == ("base", "web")


def test_odoo_rc_then_home_odoorc(tmp_path: Path) -> None:
    rc = write_conf(tmp_path / "rc.conf", "db_name = fromrc\n")
    home = tmp_path / "home"
    home.mkdir()
    write_conf(home / ".odoorc", "db_name = fromhome\n")
    assert find_config_file(None, {"ODOO_RC": str(rc), "HOME": str(home)}) == rc
    assert find_config_file(None, {"HOME": str(home)}) == home / ".odoorc"
    assert load_settings(env={"HOME": str(home)}).databases == ("fromhome",)
    assert find_config_file(None, {"HOME": str(tmp_path / "nohome")}) is None


def test_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file not found: .*nope\.conf"):
        load_settings(config=str(tmp_path / "nope.conf"), env={})
    with pytest.raises(ConfigError, match="from ODOO_RC"):
        load_settings(env={"ODOO_RC": str(tmp_path / "gone.conf")})


def test_bad_port_names_its_source(tmp_path: Path) -> None:
    conf = write_conf(tmp_path / "odoo.conf", "db_port = fivefour\n")
    with pytest.raises(ConfigError, match=r"invalid database port 'fivefour' \(from .*odoo.conf\)"):
        load_settings(config=str(conf), env={})


def test_several_databases(tmp_path: Path) -> None:
    settings = load_settings(databases=("a,b", "c"), env={"PGDATABASE": "ignored"})
    assert settings.databases == ("a", "b", "c")
    assert load_settings(env={"PGDATABASE": "envdb"}).databases == ("envdb",)


def test_relative_addons_path_is_relative_to_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(addons_path="addons,./more", env={})
    assert settings.addons_paths == (tmp_path / "addons", tmp_path / "more")


def test_password_not_in_repr() -> None:
    settings = load_settings(db_password="hunter2", env={})
    assert "hunter2" not in repr(settings)


def test_default_data_dir(tmp_path: Path) -> None:
    assert default_data_dir(str(tmp_path)) == tmp_path / ".local" / "share" / "Odoo"
    assert default_data_dir(str(tmp_path / "missing")) == Path("/var/lib/odoo")
