"""The template database carries the Odoo 17 DDL (spec §9) of the tables the tool touches."""

from __future__ import annotations

from tests.conftest import OdooTestDb

IR_ATTACHMENT = [
    ("id", "integer", "NO"),
    ("name", "character varying", "NO"),
    ("description", "text", "YES"),
    ("res_model", "character varying", "YES"),
    ("res_field", "character varying", "YES"),
    ("res_id", "integer", "YES"),
    ("company_id", "integer", "YES"),
    ("type", "character varying", "NO"),
    ("url", "character varying", "YES"),
    ("public", "boolean", "YES"),
    ("access_token", "character varying", "YES"),
    ("db_datas", "bytea", "YES"),
    ("store_fname", "character varying", "YES"),
    ("file_size", "integer", "YES"),
    ("checksum", "character varying", "YES"),
    ("mimetype", "character varying", "YES"),
    ("index_content", "text", "YES"),
    ("original_id", "integer", "YES"),
    ("website_id", "integer", "YES"),
    ("key", "character varying", "YES"),
    ("theme_template_id", "integer", "YES"),
    ("create_uid", "integer", "YES"),
    ("create_date", "timestamp without time zone", "YES"),
    ("write_uid", "integer", "YES"),
    ("write_date", "timestamp without time zone", "YES"),
]
IR_ASSET = [
    ("id", "integer", "NO"),
    ("name", "character varying", "NO"),
    ("bundle", "character varying", "NO"),
    ("directive", "character varying", "YES"),
    ("path", "character varying", "NO"),
    ("target", "character varying", "YES"),
    ("active", "boolean", "YES"),
    ("sequence", "integer", "NO"),
    ("website_id", "integer", "YES"),
    ("key", "character varying", "YES"),
    ("theme_template_id", "integer", "YES"),
    ("create_uid", "integer", "YES"),
    ("create_date", "timestamp without time zone", "YES"),
    ("write_uid", "integer", "YES"),
    ("write_date", "timestamp without time zone", "YES"),
]


def columns(db: OdooTestDb, table: str) -> list[tuple[str, str, str]]:
    return [
        tuple(r)
        for r in db.query(  # type: ignore[misc]
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
            " WHERE table_name = %s ORDER BY ordinal_position",
            (table,),
        )
    ]


def test_ir_attachment_and_ir_asset_columns(bare_odoo_db: OdooTestDb) -> None:
    assert columns(bare_odoo_db, "ir_attachment") == IR_ATTACHMENT
    assert columns(bare_odoo_db, "ir_asset") == IR_ASSET
    [(length,)] = bare_odoo_db.query(
        "SELECT character_maximum_length FROM information_schema.columns"
        " WHERE table_name = 'ir_attachment' AND column_name = 'url'"
    )
    assert length == 1024


def test_indexes(bare_odoo_db: OdooTestDb) -> None:
    rows = dict(
        bare_odoo_db.query("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ir_attachment'")
    )
    assert sorted(rows) == [
        "ir_attachment__store_fname_index",
        "ir_attachment__url_index",
        "ir_attachment_pkey",
        "ir_attachment_res_idx",
    ]
    assert rows["ir_attachment__url_index"].endswith("USING btree (url) WHERE (url IS NOT NULL)")
    assert rows["ir_attachment_res_idx"].endswith("USING btree (res_model, res_id)")


def test_foreign_keys_on_delete(bare_odoo_db: OdooTestDb) -> None:
    rows = bare_odoo_db.query(
        "SELECT conname, confdeltype FROM pg_constraint WHERE contype = 'f'"
        " AND conrelid::regclass::text IN ('ir_attachment', 'ir_asset', 'website')"
    )
    actions = dict(rows)
    assert actions["ir_asset_website_id_fkey"] == "c"
    assert actions["ir_attachment_website_id_fkey"] == "n"
    assert actions["ir_attachment_company_id_fkey"] == "n"
    assert actions["ir_attachment_original_id_fkey"] == "n"
    assert actions["website_company_id_fkey"] == "r"
    assert actions["website_theme_id_fkey"] == "n"


def test_signalling_sequences_and_uniques(bare_odoo_db: OdooTestDb) -> None:
    rows = bare_odoo_db.query(
        "SELECT sequencename, last_value FROM pg_sequences WHERE sequencename LIKE 'base_%%signaling%%'"
        " ORDER BY 1"
    )
    assert rows == [
        ("base_cache_signaling_assets", 1),
        ("base_cache_signaling_default", 1),
        ("base_cache_signaling_routing", 1),
        ("base_cache_signaling_templates", 1),
        ("base_registry_signaling", 1),
    ]
    constraints = {r[0] for r in bare_odoo_db.query("SELECT conname FROM pg_constraint WHERE contype = 'u'")}
    assert {
        "ir_module_module_name_uniq",
        "ir_config_parameter_key_uniq",
        "website_domain_unique",
        "res_lang_code_uniq",
    } <= constraints


def test_clones_are_independent(odoo_db: OdooTestDb, bare_odoo_db: OdooTestDb) -> None:
    odoo_db.execute("DELETE FROM ir_asset")
    assert odoo_db.query("SELECT count(*) FROM ir_asset") == [(0,)]
    assert bare_odoo_db.query("SELECT count(*) FROM ir_module_module") == [(2,)]
