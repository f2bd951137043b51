"""``zotmark check``: the entries and warnings of a list, as a table or one JSON document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import FIXTURES

from zotmark.cli import main

ORIGINAL = FIXTURES / "original-reading-list.md"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    assert main(["check", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_json_report_of_the_original_list(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, str(ORIGINAL))
    assert report["file"] == str(ORIGINAL)
    assert len(report["entries"]) == 17
    first = report["entries"][0]
    assert first == {
        "line": 1,
        "title": "Multimodal Learning with Transformers: A Survey",
        "url": "https://ar5iv.labs.arxiv.org/html/2206.06488",
        "ident": {
            "arxiv": "2206.06488",
            "doi": None,
            "openreview": None,
            "url": first["ident"]["url"],
            "title": first["ident"]["title"],
        },
        "read": False,
        "state": "to do",
        "marker": " ",
        "flags": {"relevant": False},
        "section": [],
        "anchor": None,
        "struck": False,
    }
    assert [(w["line"], w["kind"]) for w in report["warnings"]] == [
        (25, "same-identifier"),
        (29, "reversed-link"),
        (31, "empty-link"),
        (32, "no-link"),
    ]


def test_json_report_marks_only_one_entry_relevant(capsys: pytest.CaptureFixture[str]) -> None:
    entries = run_json(capsys, str(ORIGINAL))["entries"]
    relevant = [e["title"] for e in entries if e["flags"].get("relevant")]
    assert relevant == ["Vision Transfomers are Robust Learners"]
    assert [e["url"] for e in entries if e["url"] is None] == [None, None]


def test_flag_options_choose_labels_and_tags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.md"
    path.write_text("- [ ] **A**\n  - [x] To print:\n")
    entries = run_json(capsys, "--flag", "To print=print", str(path))["entries"]
    assert [e["flags"] for e in entries] == [{"print": True}]


def test_table_lists_entries_and_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(ORIGINAL)]) == 0
    out = capsys.readouterr().out
    assert "VideoBERT" in out and "2105.07581" in out
    assert "reversed-link" in out and "17 entries, 4 warnings" in out


def test_a_list_that_is_not_utf8_exits_1_naming_the_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"- [ ] **Caf\xe9** https://a.org\n")
    assert main(["check", "--json", str(path)]) == 1
    captured = capsys.readouterr()
    message = " ".join(captured.err.split())  # rich wraps long lines at the console width
    assert captured.out == ""
    assert message.startswith(f"error: cannot read the list {path}: byte 0xE9 at line 1")
    assert "Traceback" not in captured.err


def test_missing_file_exits_1_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "missing.md")]) == 1
    captured = capsys.readouterr()
    message = " ".join(captured.err.split())  # rich wraps long lines at the console width
    assert captured.out == ""
    assert message.startswith("error: cannot read the list") and "No such file" in message
    assert "Traceback" not in captured.err


def test_malformed_flag_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--flag", "nolabel", str(ORIGINAL)]) == 2
    assert "LABEL=TAG" in capsys.readouterr().err
