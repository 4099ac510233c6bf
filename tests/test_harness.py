"""The harness itself: the template databases carry the Odoo 17 DDL of spec §9 and the
documented fixture rows, clones are independent, the addons copy has fixed mtimes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests import pgcluster
from tests.conftest import FIXED_MTIME, TEMPLATE_FULL, AddonsTree, OdooTestDb, Server, _clone, _drop

TS = "timestamp without time zone"

# Columns in the order a real Odoo 17 database has them (base, web, website installed).
COLUMNS: dict[str, list[str]] = {
    "ir_attachment": [
        "id integer NOT NULL DEFAULT nextval('ir_attachment_id_seq'::regclass)",
        "res_id integer",
        "company_id integer",
        "file_size integer",
        "create_uid integer",
        "write_uid integer",
        "name character varying NOT NULL",
        "res_model character varying",
        "res_field character varying",
        "type character varying NOT NULL",
        "url character varying(1024)",
        "access_token character varying",
        "store_fname character varying",
        "checksum character varying(40)",
        "mimetype character varying",
        "description text",
        "index_content text",
        "public boolean",
        f"create_date {TS}",
        f"write_date {TS}",
        "db_datas bytea",
        "original_id integer",
        "website_id integer",
        "theme_template_id integer",
        "key character varying",
    ],
    "ir_asset": [
        "id integer NOT NULL DEFAULT nextval('ir_asset_id_seq'::regclass)",
        "sequence integer NOT NULL",
        "create_uid integer",
        "write_uid integer",
        "name character varying NOT NULL",
        "bundle character varying NOT NULL",
        "directive character varying",
        "path character varying NOT NULL",
        "target character varying",
        "active boolean",
        f"create_date {TS}",
        f"write_date {TS}",
        "website_id integer",
        "theme_template_id integer",
        "key character varying",
    ],
    "ir_module_module": [
        "id integer NOT NULL DEFAULT nextval('ir_module_module_id_seq'::regclass)",
        "create_uid integer",
        f"create_date {TS}",
        f"write_date {TS}",
        "write_uid integer",
        "website character varying",
        "summary jsonb",
        "name character varying NOT NULL",
        "author character varying",
        "icon character varying",
        "state character varying(16)",
        "latest_version character varying",
        "shortdesc jsonb",
        "category_id integer",
        "description jsonb",
        "application boolean DEFAULT false",
        "demo boolean DEFAULT false",
        "web boolean DEFAULT false",
        "license character varying(32)",
        "sequence integer DEFAULT 100",
        "auto_install boolean DEFAULT false",
        "to_buy boolean DEFAULT false",
        "maintainer character varying",
        "published_version character varying",
        "url character varying",
        "contributors text",
        "menus_by_module text",
        "reports_by_module text",
        "views_by_module text",
        "module_type character varying",
        "imported boolean",
    ],
    "ir_module_module_dependency": [
        "id integer NOT NULL DEFAULT nextval('ir_module_module_dependency_id_seq'::regclass)",
        "name character varying",
        "module_id integer",
        "auto_install_required boolean DEFAULT true",
    ],
    "website": [
        "id integer NOT NULL DEFAULT nextval('website_id_seq'::regclass)",
        "sequence integer",
        "company_id integer NOT NULL",
        "default_lang_id integer NOT NULL",
        "user_id integer NOT NULL",
        "theme_id integer",
        "create_uid integer",
        "write_uid integer",
        "name character varying NOT NULL",
        "domain character varying",
        "cdn_url character varying",
        "homepage_url character varying",
        "cdn_filters text",
        "auto_redirect_lang boolean",
        "cdn_activated boolean",
        "specific_user_account boolean",
        f"create_date {TS}",
        f"write_date {TS}",
    ],
    # website.language_ids: a many2many relation table, as the ORM creates it.
    "website_lang_rel": [
        "website_id integer NOT NULL",
        "lang_id integer NOT NULL",
    ],
    "res_lang": [
        "id integer NOT NULL DEFAULT nextval('res_lang_id_seq'::regclass)",
        "create_uid integer",
        "write_uid integer",
        "name character varying NOT NULL",
        "code character varying NOT NULL",
        "iso_code character varying",
        "url_code character varying NOT NULL",
        "direction character varying NOT NULL",
        "date_format character varying NOT NULL",
        "time_format character varying NOT NULL",
        "week_start character varying NOT NULL",
        "grouping character varying NOT NULL",
        "decimal_point character varying NOT NULL",
        "thousands_sep character varying",
        "active boolean",
        f"create_date {TS}",
        f"write_date {TS}",
    ],
    "ir_config_parameter": [
        "id integer NOT NULL DEFAULT nextval('ir_config_parameter_id_seq'::regclass)",
        "create_uid integer",
        "write_uid integer",
        "key character varying NOT NULL",
        "value text NOT NULL",
        f"create_date {TS}",
        f"write_date {TS}",
    ],
}

INDEXES = {
    "ir_asset_pkey": "UNIQUE ir_asset (id)",
    "ir_attachment_pkey": "UNIQUE ir_attachment (id)",
    "ir_attachment__store_fname_index": "ir_attachment (store_fname)",
    "ir_attachment__url_index": "ir_attachment (url) WHERE (url IS NOT NULL)",
    "ir_attachment_res_idx": "ir_attachment (res_model, res_id)",
    "ir_config_parameter_pkey": "UNIQUE ir_config_parameter (id)",
    "ir_config_parameter_key_uniq": "UNIQUE ir_config_parameter (key)",
    "ir_module_module_pkey": "UNIQUE ir_module_module (id)",
    "ir_module_module_name_uniq": "UNIQUE ir_module_module (name)",
    "ir_module_module__category_id_index": "ir_module_module (category_id)",
    "ir_module_module__state_index": "ir_module_module (state)",
    "ir_module_module_dependency_pkey": "UNIQUE ir_module_module_dependency (id)",
    "ir_module_module_dependency__name_index": "ir_module_module_dependency (name)",
    "res_lang_pkey": "UNIQUE res_lang (id)",
    "res_lang_code_uniq": "UNIQUE res_lang (code)",
    "res_lang_name_uniq": "UNIQUE res_lang (name)",
    "res_lang_url_code_uniq": "UNIQUE res_lang (url_code)",
    "website_pkey": "UNIQUE website (id)",
    "website_domain_unique": "UNIQUE website (domain)",
    "website_lang_rel_pkey": "UNIQUE website_lang_rel (website_id, lang_id)",
    "website_lang_rel_lang_id_website_id_idx": "website_lang_rel (lang_id, website_id)",
}


def _log_access_fkeys(table: str) -> dict[str, str]:
    return {f"{table}_{col}_fkey": f"{col} -> res_users SET NULL" for col in ("create_uid", "write_uid")}


FOREIGN_KEYS = {
    "ir_asset_website_id_fkey": "website_id -> website CASCADE",
    "ir_asset_theme_template_id_fkey": "theme_template_id -> theme_ir_asset SET NULL",
    **_log_access_fkeys("ir_asset"),
    "ir_attachment_company_id_fkey": "company_id -> res_company SET NULL",
    "ir_attachment_original_id_fkey": "original_id -> ir_attachment SET NULL",
    "ir_attachment_website_id_fkey": "website_id -> website SET NULL",
    "ir_attachment_theme_template_id_fkey": "theme_template_id -> theme_ir_attachment SET NULL",
    **_log_access_fkeys("ir_attachment"),
    "ir_config_parameter_create_uid_fkey": "create_uid -> res_users SET NULL",
    "ir_config_parameter_write_uid_fkey": "write_uid -> res_users SET NULL",
    "ir_module_module_category_id_fkey": "category_id -> ir_module_category SET NULL",
    **_log_access_fkeys("ir_module_module"),
    "ir_module_module_dependency_module_id_fkey": "module_id -> ir_module_module CASCADE",
    **_log_access_fkeys("res_lang"),
    "website_company_id_fkey": "company_id -> res_company RESTRICT",
    "website_default_lang_id_fkey": "default_lang_id -> res_lang RESTRICT",
    "website_user_id_fkey": "user_id -> res_users RESTRICT",
    "website_theme_id_fkey": "theme_id -> ir_module_module SET NULL",
    **_log_access_fkeys("website"),
    "website_lang_rel_website_id_fkey": "website_id -> website CASCADE",
    "website_lang_rel_lang_id_fkey": "lang_id -> res_lang CASCADE",
}

ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def describe_columns(db: OdooTestDb, table: str) -> list[str]:
    rows = db.query(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)"
        " FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (table,),
    )
    return [
        " ".join(
            [name, type_, *(["NOT NULL"] if notnull else []), *([f"DEFAULT {default}"] if default else [])]
        )
        for name, type_, notnull, default in rows
    ]


@pytest.mark.parametrize("table", sorted(COLUMNS))
def test_columns_types_nullability_defaults(bare_odoo_db: OdooTestDb, table: str) -> None:
    assert describe_columns(bare_odoo_db, table) == COLUMNS[table]


def test_indexes_of_spec_tables(bare_odoo_db: OdooTestDb) -> None:
    rows = bare_odoo_db.query(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)",
        (list(COLUMNS),),
    )
    found = {
        name: definition.replace(f"INDEX {name} ON public.", "INDEX ON ")
        .replace("CREATE UNIQUE INDEX ON ", "UNIQUE ")
        .replace("CREATE INDEX ON ", "")
        .replace(" USING btree", "")
        for name, definition in rows
    }
    assert found == INDEXES


def test_foreign_keys_and_on_delete_actions(bare_odoo_db: OdooTestDb) -> None:
    rows = bare_odoo_db.query(
        "SELECT c.conname, a.attname, c.confrelid::regclass::text, c.confdeltype"
        " FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
        " WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)",
        (list(COLUMNS),),
    )
    found = {name: f"{column} -> {target} {ON_DELETE[action]}" for name, column, target, action in rows}
    assert found == FOREIGN_KEYS


def test_unique_constraints(bare_odoo_db: OdooTestDb) -> None:
    rows = bare_odoo_db.query(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'u' AND connamespace = 'public'::regnamespace ORDER BY 1, 2"
    )
    assert rows == [
        ("ir_config_parameter", "ir_config_parameter_key_uniq", "UNIQUE (key)"),
        ("ir_module_module", "ir_module_module_name_uniq", "UNIQUE (name)"),
        ("res_company", "res_company_name_uniq", "UNIQUE (name)"),
        ("res_currency", "res_currency_unique_name", "UNIQUE (name)"),
        ("res_lang", "res_lang_code_uniq", "UNIQUE (code)"),
        ("res_lang", "res_lang_name_uniq", "UNIQUE (name)"),
        ("res_lang", "res_lang_url_code_uniq", "UNIQUE (url_code)"),
        ("res_users", "res_users_login_key", "UNIQUE (login, website_id)"),
        ("website", "website_domain_unique", "UNIQUE (domain)"),
    ]


def test_signalling_sequences_were_advanced_once(bare_odoo_db: OdooTestDb) -> None:
    rows = bare_odoo_db.query(
        "SELECT sequencename, last_value FROM pg_sequences WHERE sequencename LIKE 'base_%%signaling%%' ORDER BY 1"
    )
    assert rows == [
        ("base_cache_signaling_assets", 1),
        ("base_cache_signaling_default", 1),
        ("base_cache_signaling_routing", 1),
        ("base_cache_signaling_templates", 1),
        ("base_registry_signaling", 1),
    ]
    assert bare_odoo_db.query("SELECT nextval('base_cache_signaling_assets')") == [(2,)]


def test_id_sequences_follow_the_fixture_rows(odoo_db: OdooTestDb) -> None:
    """Rows the tool inserts get fresh ids after the fixture's fixed ones."""
    got = odoo_db.query(
        "SELECT nextval('ir_attachment_id_seq'), nextval('ir_asset_id_seq'), nextval('website_id_seq'),"
        " nextval('ir_module_module_id_seq'), nextval('res_lang_id_seq')"
    )
    assert got == [(3, 12, 3, 9, 5)]


def test_bare_database_rows(bare_odoo_db: OdooTestDb) -> None:
    assert bare_odoo_db.query("SELECT id, name, state, latest_version FROM ir_module_module ORDER BY id") == [
        (1, "base", "installed", "17.0.1.3"),
        (2, "web", "installed", "17.0.1.0"),
    ]
    assert bare_odoo_db.query("SELECT id, login, company_id, active FROM res_users ORDER BY id") == [
        (1, "__system__", 1, False),
        (2, "admin", 1, True),
    ]
    assert bare_odoo_db.query("SELECT code, direction, active FROM res_lang") == [("en_US", "ltr", True)]
    for table in ("ir_asset", "ir_attachment", "website"):
        assert bare_odoo_db.query(f"SELECT count(*) FROM {table}") == [(0,)]


def test_fixture_modules_websites_and_languages(odoo_db: OdooTestDb) -> None:
    assert odoo_db.query(
        "SELECT m.name, m.state, m.application, m.sequence, d.module || '.' || d.name"
        " FROM ir_module_module m LEFT JOIN ir_model_data d"
        "   ON d.model = 'ir.module.category' AND d.res_id = m.category_id ORDER BY m.id"
    ) == [
        ("base", "installed", False, 100, None),
        ("web", "installed", False, 100, None),
        ("website", "installed", True, 20, "base.module_category_website"),
        ("theme_demo", "installed", False, 100, "base.module_category_theme_creative"),
        ("theme_other", "installed", False, 100, "base.module_category_theme"),
        ("demo_blog", "installed", True, 100, None),
        ("demo_shop", "to upgrade", False, 5, None),
        ("demo_uninstalled", "uninstalled", False, 100, None),
    ]
    # theme_demo's category is a child of the Theme category, as Odoo's theme categories are.
    assert odoo_db.query(
        "SELECT p.id FROM ir_module_category c JOIN ir_module_category p ON p.id = c.parent_id"
        " JOIN ir_module_module m ON m.category_id = c.id WHERE m.name = 'theme_demo'"
    ) == odoo_db.query(
        "SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'module_category_theme'"
    )
    assert odoo_db.query(
        "SELECT w.id, w.name, m.name FROM website w JOIN ir_module_module m ON m.id = w.theme_id ORDER BY w.id"
    ) == [(1, "My Website", "theme_demo"), (2, "Other Website", "theme_other")]
    assert odoo_db.query("SELECT code, direction, active FROM res_lang ORDER BY id") == [
        ("en_US", "ltr", True),
        ("ar_001", "rtl", True),
        ("fr_FR", "ltr", False),
        ("he_IL", "rtl", False),
    ]
    assert odoo_db.query(
        "SELECT r.website_id, l.code FROM website_lang_rel r JOIN res_lang l ON l.id = r.lang_id ORDER BY 1, 2"
    ) == [(1, "ar_001"), (1, "en_US"), (2, "en_US")]
    assert odoo_db.query("SELECT obj_description('website_lang_rel'::regclass)") == [
        ("RELATION BETWEEN website AND res_lang",)
    ]


def test_fixture_ir_asset_rows(odoo_db: OdooTestDb) -> None:
    rows = odoo_db.query(
        "SELECT id, bundle, directive, sequence, active, website_id, key, target IS NOT NULL"
        " FROM ir_asset ORDER BY id"
    )
    assert rows == [
        (1, "web.assets_frontend", "append", 10, True, None, None, False),
        (2, "web.assets_frontend", "append", 16, True, None, None, False),
        (3, "web.assets_frontend", "append", 20, True, None, "website.s_text", False),
        (4, "web.assets_frontend", "append", 20, True, 2, "website.s_text", False),
        (5, "web.assets_frontend", "append", 16, False, None, None, False),
        (6, "web.assets_frontend", "append", 17, True, 1, None, False),
        (7, "web._assets_primary_variables", "replace", 16, True, 1, None, True),
        (8, "web.assets_frontend", "append", 16, True, None, "website.s_extra", False),
        (9, "web.assets_frontend", "append", 16, False, 2, "website.s_extra", False),
        (10, "web.assets_backend", "prepend", 1, True, None, None, False),
        (11, "web.assets_backend", "after", 30, True, None, None, True),
    ]


def test_fixture_ir_asset_paths_exist(odoo_db: OdooTestDb, addons_tree: AddonsTree) -> None:
    """Every file path and target of the rows names a file of the tree (or a DB attachment)."""
    attachment_urls = {url for (url,) in odoo_db.query("SELECT url FROM ir_attachment")}
    for path, target in odoo_db.query("SELECT path, target FROM ir_asset"):
        for ref in (path, target):
            if ref is None or ref in attachment_urls:
                continue
            addon = ref.split("/")[0]
            root = addons_tree.paths[0] if addon == "base" else addons_tree.paths[1]
            assert (root / ref).is_file(), ref


def test_db_backed_assets_are_consistent(odoo_db: OdooTestDb) -> None:
    rows = odoo_db.query(
        "SELECT id, url, type, mimetype, public, res_model, res_id, website_id, store_fname,"
        " file_size, checksum, db_datas FROM ir_attachment ORDER BY id"
    )
    assert [row[:10] for row in rows] == [
        (
            1,
            "/_custom/web.assets_frontend/website/static/src/scss/options/user_values.scss",
            "binary",
            "text/scss",
            None,
            None,
            0,
            1,
            None,
            len(rows[0][11]),
        ),
        (
            2,
            "web/static/asset_styles_company_report.scss",
            "binary",
            "text/scss",
            None,
            None,
            0,
            None,
            None,
            len(rows[1][11]),
        ),
    ]
    for row in rows:
        assert row[10] == hashlib.sha1(bytes(row[11])).hexdigest()
    [(replace_path,)] = odoo_db.query("SELECT path FROM ir_asset WHERE id = 7")
    assert replace_path == rows[0][1]


def test_clones_are_independent(odoo_db: OdooTestDb, pg_cluster: Server) -> None:
    odoo_db.execute("DELETE FROM ir_asset")
    odoo_db.execute("UPDATE ir_module_module SET state = 'uninstalled' WHERE name = 'website'")
    assert odoo_db.query("SELECT count(*) FROM ir_asset") == [(0,)]
    other = _clone(pg_cluster, TEMPLATE_FULL)
    try:
        with pg_cluster.connect(other) as conn:
            assert conn.execute("SELECT count(*) FROM ir_asset").fetchall() == [(11,)]
            assert conn.execute("SELECT state FROM ir_module_module WHERE name = 'website'").fetchall() == [
                ("installed",)
            ]
    finally:
        _drop(pg_cluster, other)


def test_settings_point_at_the_clone(odoo_db: OdooTestDb) -> None:
    settings = odoo_db.settings()
    assert settings.databases == (odoo_db.name,)
    assert settings.addons_paths == odoo_db.addons.paths
    assert settings.data_dir == odoo_db.data_dir
    assert odoo_db.settings(data_dir=Path("/elsewhere")).data_dir == Path("/elsewhere")
    with odoo_db.connect() as conn:
        assert conn.execute("SELECT current_database()").fetchall() == [(odoo_db.name,)]


def test_addons_tree_is_a_private_copy_with_fixed_mtimes(addons_tree: AddonsTree) -> None:
    base_root, addons_root = addons_tree.paths
    assert (base_root / "base" / "__manifest__.py").is_file()
    assert (base_root / "base" / "data" / "rtlcss.json").is_file()
    assert addons_tree.web == addons_root / "web"
    assert sorted(p.name for p in addons_root.iterdir()) == [
        "demo_auto",
        "demo_blog",
        "demo_never",
        "demo_records",
        "demo_shop",
        "demo_uninstalled",
        "theme_demo",
        "theme_other",
        "web",
        "website",
    ]
    mtimes = {os.stat(p).st_mtime for p in addons_tree.root.rglob("*")}
    assert mtimes == {FIXED_MTIME}
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    assert fixtures not in addons_tree.root.parents


def test_managed_cluster_start_is_idempotent(pg_cluster: Server) -> None:
    if pg_cluster.datadir is None:
        pytest.skip("tests run against ODOO_ASSETS_TEST_PG")
    assert pgcluster.start(pg_cluster.datadir).port == pg_cluster.port
    assert pgcluster.main(["status", "--dir", str(pg_cluster.datadir)]) == 0
