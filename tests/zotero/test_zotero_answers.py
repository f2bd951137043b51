"""zotero.answers: every answer the real server gave passes; what no Zotero server sends fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from zotmark.zotero import answers
from zotmark.zotero.answers import BadAnswer

RECORDING = Path(__file__).parents[1] / "fixtures" / "recordings" / "dataserver-session.jsonl"


def _exchanges() -> list[dict[str, Any]]:
    return [json.loads(line) for line in RECORDING.read_text("utf-8").splitlines() if line]


def _json(exchange: dict[str, Any]) -> bool:
    response = exchange["response"]
    return response["status"] == 200 and "json" in response["headers"].get("Content-Type", "")


def test_no_recorded_error_sentence_looks_like_a_web_page() -> None:
    """The real server sends its plain error sentences as text/html: the body decides."""
    errors = [e["response"]["body"] for e in _exchanges() if e["response"]["status"] >= 400]
    assert errors and not any(answers.looks_like_html(body) for body in errors)
    assert answers.looks_like_html("\n<!DOCTYPE html><html><body>Not Found</body></html>")


def test_every_recorded_version_header_is_read() -> None:
    headers = [e["response"]["headers"] for e in _exchanges()]
    found = [h["Last-Modified-Version"] for h in headers if "Last-Modified-Version" in h]
    assert len(found) > 20
    for value in found:
        response = httpx2.Response(200, headers={"Last-Modified-Version": value})
        assert answers.version_header(response) == int(value)


def test_every_recorded_answer_passes_its_reader() -> None:
    checked = set()
    for exchange in _exchanges():
        request, body = exchange["request"], exchange["response"]["body"]
        if not _json(exchange):
            continue
        if request["method"] == "POST":
            answers.write_report(body, sent=len(request["body"]))
            checked.add("write_report")
        elif request["query"].get("format") == "versions":
            answers.versions(body)
            checked.add("versions")
        elif request["path"].endswith("/deleted"):
            answers.deleted_keys(body)
            checked.add("deleted_keys")
        elif request["path"] == "/keys/current":
            answers.key_info(body)
            checked.add("key_info")
        elif isinstance(body, list) and not request["path"].endswith("/tags"):
            answers.objects(body, named=request["path"].endswith("/collections"))
            checked.add("objects")
    assert checked == {"write_report", "versions", "deleted_keys", "key_info", "objects"}


def test_an_old_servers_report_without_successful_passes() -> None:
    report = {"success": {"0": "ABCD2345"}, "unchanged": {}, "failed": {"1": {"code": 400}}}
    assert answers.write_report(report, sent=2) == report


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "an empty body"),
        (b"  \n", "an empty body"),
        (b"<html><body>hi</body></html>", "an HTML page"),
        (b"\xff\xfe{", "not UTF-8"),
        (b'[{"key": "AB', "breaks off"),
        (b'{"a": 1,}', "not JSON (Expecting property name"),
    ],
)
def test_a_body_that_is_not_json_is_a_bad_answer(body: bytes, problem: str) -> None:
    with pytest.raises(BadAnswer, match=problem.replace("(", r"\(")):
        answers.json_body(httpx2.Response(200, content=body))


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", ""])
def test_a_version_header_that_is_no_number_is_a_bad_answer(value: str) -> None:
    with pytest.raises(BadAnswer, match="not a version number"):
        answers.version_header(httpx2.Response(200, headers={"Last-Modified-Version": value}))


def test_a_boolean_is_no_version() -> None:
    with pytest.raises(BadAnswer, match="version true/false for ABCD2345"):
        answers.versions({"ABCD2345": True})
