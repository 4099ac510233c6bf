"""ir.asset records from data files, as installing the modules creates them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from odoo_assets.addons import AddonIndex
from odoo_assets.errors import DataFileError
from odoo_assets.offline.datafiles import AssetLoader, AssetRecord, read_asset_records, record_origins
from odoo_assets.offline.install import plan_install
from odoo_assets.series import profile_for
from tests.conftest import AddonsTree
from tests.test_addons import make_addon


def summary(records: list[AssetRecord]) -> list[tuple[Any, ...]]:
    return [
        (
            r.id,
            r.xmlid,
            r.values["bundle"],
            r.values["directive"],
            r.values["path"].rsplit("/", 1)[-1],
            r.values["active"],
            r.values["sequence"],
            r.values["website_id"],
        )
        for r in records
    ]


def test_fixture_records_in_install_order(addons_tree: AddonsTree) -> None:
    index = AddonIndex(list(addons_tree.paths))
    plan = plan_install(index, ["demo_records"])
    assert plan.modules == ("base", "web", "website", "demo_records")
    records = read_asset_records(index, plan.modules, profile_for("17.0").asset_element)
    backend, frontend, own = "web.assets_backend", "web.assets_frontend", "demo_records.assets_records"
    assert summary(records) == [
        (1, "web.asset_backend_polyfill", backend, "prepend", "polyfill.js", True, 1, None),
        (2, "website.asset_early", frontend, "append", "early.js", True, 10, None),
        (3, "website.asset_s_banner", frontend, "append", "s_banner.scss", True, 16, None),
        (4, "website.asset_s_text", frontend, "append", "s_text.js", True, 20, None),
        (5, "website.asset_s_text_other", frontend, "append", "s_text_alt.js", True, 20, 1),
        (6, "website.asset_s_hidden", frontend, "append", "s_hidden.js", False, 16, None),
        (7, "website.asset_s_w1", frontend, "append", "s_w1.scss", True, 17, 2),
        (8, "website.asset_s_extra", frontend, "append", "s_extra.scss", True, 16, None),
        (9, "website.asset_s_extra_other", frontend, "append", "s_extra.scss", False, 16, 1),
        (10, "demo_records.asset_first", own, "prepend", "first.js", True, 1, None),
        (11, "demo_records.asset_off", own, "append", "off.js", False, 16, None),
        # declared again in more_assets.xml: the same record, its path and name updated
        (12, "demo_records.asset_twice", own, "append", "twice_v2.js", True, 20, None),
        (13, "demo_records.asset_website", own, "append", "website_only.js", True, 16, 2),
        (14, "demo_records.asset_auto_sequence", own, "append", "auto_sequence.js", True, 10, None),
        (15, "demo_records.asset_csv_style", own, "append", "csv.scss", True, 16, None),
        (16, "demo_records.asset_csv_off", own, "append", "csv_off.scss", False, 16, None),
        # an empty CSV cell wrote no directive; more_assets.xml then set one
        (17, "demo_records.asset_csv_late", own, "append", "csv_late.js", True, 40, None),
    ]
    assert records[11].values["name"] == "twice, second version"
    assert records[3].values["key"] == "website.s_text"
    # Neither the demo file nor the unlisted one was read.
    assert not {"demo_only.js", "unlisted.js"} & {r.values["path"].rsplit("/", 1)[-1] for r in records}
    origins = record_origins(records)
    assert origins[12] == "demo_records/data/ir_asset.xml:demo_records.asset_twice"
    assert origins[15] == "demo_records/data/ir.asset.csv:demo_records.asset_csv_style"
    assert (records[11].file, records[11].line) == ("demo_records/data/ir_asset.xml", 19)
    assert (records[14].file, records[14].line) == ("demo_records/data/ir.asset.csv", 2)


def loader_for(
    tmp_path: Path,
    files: dict[str, str],
    *,
    module: str = "mod",
    depends: tuple[str, ...] = (),
    series: str = "17.0",
) -> AssetLoader:
    root = tmp_path / "addons"
    for name in depends:
        make_addon(root, name, {})
    make_addon(root, module, {"depends": list(depends), "data": list(files)})
    for relative, text in files.items():
        path = root / module / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    index = AddonIndex([root])
    loader = AssetLoader(asset_element=profile_for(series).asset_element)
    for name in (*depends, module):
        addon = index.get(name)
        assert addon is not None
        loader.load_module(addon)
    return loader


def record(fields: str, rec_id: str = "a", model: str = "ir.asset") -> str:
    return f'<odoo><record id="{rec_id}" model="{model}">{fields}</record></odoo>'


REQUIRED = '<field name="name">n</field><field name="bundle">b.x</field><field name="path">p/x.js</field>'


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ('<field name="active">off</field>', False),
        ('<field name="active">0</field>', False),
        ('<field name="active">yes</field>', True),
        ('<field name="active" eval="0"/>', False),
        ('<field name="active" eval="1"/>', True),
        ('<field name="sequence" type="int">7</field>', 7),
        ('<field name="sequence" eval="False"/>', 0),
        ('<field name="directive">Replace</field><field name="target">p/y.js</field>', "replace"),
        ('<field name="target" eval="False"/>', None),
    ],
)
def test_xml_field_values(tmp_path: Path, fields: str, expected: Any) -> None:
    loader = loader_for(tmp_path, {"data/a.xml": record(REQUIRED + fields)})
    [rec] = loader.records
    name = fields.split('"')[1]
    value = rec.values[name]
    assert value == expected and type(value) is type(expected)


def test_ref_and_eval_ref_name_websites(tmp_path: Path) -> None:
    xml = (
        "<odoo>"
        + "".join(
            f'<record id="r{i}" model="ir.asset">{REQUIRED}{field}</record>'
            for i, field in enumerate(
                [
                    '<field name="website_id" ref="website.default_website"/>',
                    '<field name="website_id" eval="ref(\'website.second\')"/>',
                    '<field name="website_id" ref="website.default_website"/>',
                    '<field name="website_id" eval="False"/>',
                ]
            )
        )
        + "</odoo>"
    )
    loader = loader_for(tmp_path, {"data/a.xml": xml}, module="website")
    assert [r.values["website_id"] for r in loader.records] == [1, 2, 1, None]


def test_other_models_and_elements_are_ignored(tmp_path: Path) -> None:
    xml = (
        f'<odoo><record id="v" model="ir.ui.view"><field name="arch" type="xml"><div/></field></record>'
        f'<menuitem id="m" name="M"/><template id="t"><div/></template>'
        f'<function model="ir.asset" name="write"/>{record(REQUIRED)[6:-7]}</odoo>'
    )
    loader = loader_for(tmp_path, {"data/a.xml": xml, "data/init.sql": "SELECT 1;", "data/x.csv": "id\n"})
    assert [r.xmlid for r in loader.records] == ["mod.a"]


def test_record_without_id_is_created_each_time(tmp_path: Path) -> None:
    xml = f'<odoo><record model="ir.asset">{REQUIRED}</record><record model="ir.asset">{REQUIRED}</record></odoo>'
    loader = loader_for(tmp_path, {"data/a.xml": xml, "data/b.xml": xml})
    assert [(r.id, r.xmlid, r.origin) for r in loader.records] == [
        (1, None, "mod/data/a.xml:1"),
        (2, None, "mod/data/a.xml:1"),
        (3, None, "mod/data/b.xml:1"),
        (4, None, "mod/data/b.xml:1"),
    ]


def test_auto_sequence_applies_to_direct_children_only(tmp_path: Path) -> None:
    xml = (
        f'<odoo auto_sequence="1"><record id="a" model="ir.asset">{REQUIRED}</record>'
        f'<data><record id="b" model="ir.asset">{REQUIRED}</record></data>'
        f'<record id="c" model="ir.asset">{REQUIRED}<field name="sequence">3</field></record></odoo>'
    )
    loader = loader_for(tmp_path, {"data/a.xml": xml})
    assert [r.values["sequence"] for r in loader.records] == [10, 16, 3]


def test_csv_cells(tmp_path: Path) -> None:
    csv_text = (
        "id,name,bundle,directive,path,active,sequence,website_id:id\n"
        "a,n,b.x,PREPEND,p/a.js,Yes,,\n"
        "b,n,b.x,,p/b.js,,5,website.main\n"
        ",,,,,,,\n"
        "c,n,b.x,append,p/c.js,maybe,9,\n"
    )
    loader = loader_for(tmp_path, {"data/ir.asset-extra.csv": csv_text}, module="website")
    assert [
        (r.xmlid, r.values["directive"], r.values["active"], r.values["sequence"], r.values["website_id"])
        for r in loader.records
    ] == [
        ("website.a", "prepend", True, 0, None),
        ("website.b", None, False, 5, 1),
        ("website.c", "append", True, 9, None),
    ]
    assert [r.line for r in loader.records] == [2, 3, 5]


def test_asset_element_from_19(tmp_path: Path) -> None:
    xml = (
        '<odoo><asset id="s_share" name="Share snippet" active="False">'
        '<bundle directive="prepend">web.assets_frontend</bundle>'
        "<path>mod/static/src/s_share.scss</path>"
        '<field name="sequence" eval="5"/></asset>'
        '<asset id="plain"><bundle>web.assets_frontend</bundle><path>mod/static/src/plain.js</path></asset></odoo>'
    )
    loader = loader_for(tmp_path, {"data/a.xml": xml}, series="19.0")
    assert [(r.xmlid, dict(r.values)) for r in loader.records] == [
        (
            "mod.s_share",
            {
                "directive": "prepend",
                "target": None,
                "active": False,
                "sequence": 5,
                "website_id": None,
                "key": None,
                "name": "Share snippet",
                "bundle": "web.assets_frontend",
                "path": "mod/static/src/s_share.scss",
            },
        ),
        (
            "mod.plain",
            {
                "directive": "append",
                "target": None,
                "active": True,
                "sequence": 16,
                "website_id": None,
                "key": None,
                "name": "plain",
                "bundle": "web.assets_frontend",
                "path": "mod/static/src/plain.js",
            },
        ),
    ]
    # A theme's <asset> is a theme.ir.asset, copied to websites when the theme is chosen.
    theme = loader_for(tmp_path / "theme", {"data/a.xml": xml}, module="theme_x", series="19.0")
    assert theme.records == []


def test_asset_element_before_19_fails_the_file(tmp_path: Path) -> None:
    xml = '<odoo>\n<asset id="a"><bundle>b.x</bundle><path>p/a.js</path></asset></odoo>'
    with pytest.raises(
        DataFileError, match=r"^mod/data/a\.xml:2: <asset> is a data element of Odoo 19\.0 and later"
    ):
        loader_for(tmp_path, {"data/a.xml": xml}, series="18.0")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {
                "data/a.xml": "<odoo>\n<record id='a' model='ir.asset'>\n<field name='color'>red</field></record></odoo>"
            },
            r"^mod/data/a\.xml:3: ir\.asset has no field 'color'$",
        ),
        (
            {"data/a.xml": record(REQUIRED + '<field name="website_id" ref="website.x"/>')},
            r"^mod/data/a\.xml:1: ir\.asset has no field 'website_id' \(the website module adds it: depend on website\)$",
        ),
        (
            {"data/a.xml": record(REQUIRED + '<field name="sequence" eval="5 + 1"/>')},
            r"^mod/data/a\.xml:1: eval='5 \+ 1' is not a literal",
        ),
        (
            {"data/a.xml": record(REQUIRED + '<field name="directive">prepend_all</field>')},
            r"directive 'prepend_all' is not one of append, prepend",
        ),
        (
            {"data/a.xml": record('<field name="name">n</field><field name="bundle">b.x</field>')},
            r"^mod/data/a\.xml:1: mod\.a: ir\.asset needs a value for 'path'$",
        ),
        (
            {"data/a.xml": record(REQUIRED, rec_id="web.asset_x")},
            r"^mod/data/a\.xml:1: external id 'web\.asset_x' refers to a module that is not installed$",
        ),
        (
            {"data/a.xml": "<odoo>\n<record id='a' model='ir.asset'>\n</odoo>"},
            r"^mod/data/a\.xml:3: not well-formed XML",
        ),
        (
            {"data/a.xml": "<templates/>"},
            r"^mod/data/a\.xml:1: the root element must be <odoo>, <openerp> or <data>, not <templates>$",
        ),
        (
            {"data/ir.asset.csv": "id,name,bundle,path,sequence\na,n,b.x,p/a.js,first\n"},
            r"^mod/data/ir\.asset\.csv:2: 'first' does not seem to be an integer",
        ),
        ({"data/missing.xml": None}, r"mod/__manifest__\.py: data file data/missing\.xml cannot be read"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, files: dict[str, str | None], message: str) -> None:
    present = {name: text for name, text in files.items() if text is not None}
    root = tmp_path / "addons"
    make_addon(root, "mod", {"data": list(files)})
    for relative, text in present.items():
        (root / "mod" / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / "mod" / relative).write_text(text, encoding="utf-8")
    addon = AddonIndex([root]).get("mod")
    assert addon is not None
    with pytest.raises(DataFileError, match=message):
        AssetLoader(asset_element=profile_for("17.0").asset_element).load_module(addon)


def test_updating_another_modules_record(tmp_path: Path) -> None:
    root = tmp_path / "addons"
    make_addon(root, "web", {"data": ["data/a.xml"]})
    make_addon(root, "mod", {"depends": ["web"], "data": ["data/b.xml"]})
    make_addon(root, "bad", {"depends": ["web"], "data": ["data/c.xml"]})
    for module, name, text in (
        ("web", "a.xml", record(REQUIRED, rec_id="x")),
        ("mod", "b.xml", record('<field name="active" eval="False"/>', rec_id="web.x")),
        ("bad", "c.xml", record(REQUIRED, rec_id="web.y")),
    ):
        (root / module / "data").mkdir()
        (root / module / "data" / name).write_text(text, encoding="utf-8")
    index = AddonIndex([root])
    loader = AssetLoader(asset_element=profile_for("17.0").asset_element)
    for name in ("web", "mod"):
        addon = index.get(name)
        assert addon is not None
        loader.load_module(addon)
    assert [(r.xmlid, r.values["active"], r.values["path"]) for r in loader.records] == [
        ("web.x", False, "p/x.js")
    ]
    bad = index.get("bad")
    assert bad is not None
    with pytest.raises(
        DataFileError, match=r"^bad/data/c\.xml:1: cannot update web\.y: no such ir\.asset record"
    ):
        loader.load_module(bad)
