"""Structured daemon logging: one key=value line per record, the API key never shown."""

from __future__ import annotations

import io
import logging

import pytest

from zotmark.presentation.logs import KeyValueFormatter, configure_logging, kv

SECRET = "AbCdEfGh12345678ijklMNOP"


def _record(msg: str, *args: object, **fields: object) -> logging.LogRecord:
    record = logging.LogRecord("zotmark.daemon", logging.INFO, __file__, 1, msg, args, None)
    record.kv = fields
    return record


def test_a_record_becomes_one_line_of_key_value_pairs() -> None:
    line = KeyValueFormatter().format(_record("run", reason="file list.md", ok=True, runs=3))
    assert line.startswith("ts=")
    assert ' level=info logger=zotmark.daemon msg=run reason="file list.md" ok=true runs=3' in line


def test_line_breaks_in_values_stay_on_one_line() -> None:
    line = KeyValueFormatter().format(_record("list.failed", message="one\ntwo"))
    assert "\n" not in line and 'message="one\\ntwo"' in line


def test_the_secret_is_masked_in_messages_and_fields() -> None:
    formatter = KeyValueFormatter([SECRET])
    line = formatter.format(_record("key %s", SECRET, url=f"http://x/?key={SECRET}"))
    assert SECRET not in line and "…MNOP" in line


def test_an_exception_is_kept_on_the_same_line() -> None:
    try:
        raise ValueError("bad\nthing")
    except ValueError as error:
        exc_info = (ValueError, error, error.__traceback__)
        record = logging.LogRecord(
            "zotmark.daemon", logging.ERROR, __file__, 1, "list.crashed", (), exc_info
        )
    line = KeyValueFormatter().format(record)
    assert "\n" not in line
    assert 'exc="ValueError: bad\\nthing"' in line and "traceback=" in line


def test_configure_logging_applies_the_level_to_zotmark_and_quiets_apscheduler() -> None:
    out = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("zotmark").level)
    try:
        configure_logging("DEBUG", stream=out)
        logging.getLogger("zotmark.daemon").debug("visible", extra=kv(n=1))
        logging.getLogger("apscheduler.scheduler").info("hidden")
        assert "msg=visible n=1" in out.getvalue() and "hidden" not in out.getvalue()
        assert logging.getLogger("apscheduler").level == logging.WARNING
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("zotmark").setLevel(saved[2])


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="debug, info, warning, error"):
        configure_logging("loud")
