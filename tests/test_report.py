"""Log lines: the text formatter names what each event is about, like the JSON lines do."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from odoo_assets.report import JsonLogFormatter, TextLogFormatter, human_size

STORED = {
    "event": "write",
    "database": "prod",
    "bundle": "web.assets_web",
    "url": "/web/assets/abc1234/web.assets_web.min.js",
    "attachment_id": 123,
    "version": "abc1234",
    "size": 1_258_291,
}


def record(
    message: str, level: int = logging.INFO, args: tuple[Any, ...] = (), **extra: Any
) -> logging.LogRecord:
    made = logging.makeLogRecord(
        {"name": "odoo_assets", "levelno": level, "levelname": logging.getLevelName(level), "msg": message}
    )
    made.args = args
    made.__dict__.update(extra)
    return made


def test_a_stored_attachment_in_one_line() -> None:
    assert TextLogFormatter().format(record("stored", **STORED)) == (
        "INFO stored web.assets_web.min.js db=prod id=123 version=abc1234 size=1.2 MiB"
        " url=/web/assets/abc1234/web.assets_web.min.js"
    )


def test_the_text_line_carries_the_facts_of_the_json_line() -> None:
    removed = dict(
        STORED,
        event="remove",
        url="/web/assets/1/0000001/web.assets_frontend.rtl.min.css",
        website_id=1,
        version="0000001",
        size=None,
    )
    line = TextLogFormatter().format(record("removed (%s)", args=("older version",), **removed))
    assert line == (
        "INFO removed (older version) web.assets_frontend.rtl.min.css website=1 db=prod id=123"
        " version=0000001 url=/web/assets/1/0000001/web.assets_frontend.rtl.min.css"
    )
    data = json.loads(JsonLogFormatter().format(record("removed (%s)", args=("older version",), **removed)))
    for key in ("website_id", "database", "attachment_id", "version", "url"):
        assert f"={data[key]}" in line


def test_without_url_the_bundle_is_the_subject_unless_the_message_names_it() -> None:
    fail = {"event": "fail", "database": "prod", "bundle": "web.assets_web"}
    assert (
        TextLogFormatter().format(record("cannot resolve", logging.ERROR, **fail))
        == "ERROR cannot resolve web.assets_web db=prod"
    )
    assert (
        TextLogFormatter().format(record("%s: %s", logging.ERROR, ("web.assets_web.min.css", "boom"), **fail))
        == "ERROR web.assets_web.min.css: boom db=prod"
    )


def test_plain_messages_and_other_fields() -> None:
    formatter = TextLogFormatter()
    assert formatter.format(record("replacing damaged blob %s", logging.WARNING, ("/f/ab/abcd",))) == (
        "WARNING replacing damaged blob /f/ab/abcd"
    )
    assert formatter.format(record("note", database="my db", reason="", count=3)) == (
        'INFO note db="my db" reason="" count=3'
    )


def test_an_exception_follows_its_line() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        failed = record("failed", logging.ERROR, database="prod")
        failed.exc_info = sys.exc_info()
    lines = TextLogFormatter().format(failed).splitlines()
    assert lines[0] == "ERROR failed db=prod"
    assert lines[1] == "Traceback (most recent call last):" and lines[-1] == "ValueError: bad"


def test_human_size() -> None:
    assert [human_size(n) for n in (None, 0, 1023, 1024, 1_258_291, 5 * 1024**4)] == [
        "-",
        "0 B",
        "1023 B",
        "1.0 KiB",
        "1.2 MiB",
        "5120.0 GiB",
    ]
