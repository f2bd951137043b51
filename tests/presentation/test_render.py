"""presentation.render: run reports in words."""

from __future__ import annotations

from zotmark.core.actions import SetBox, UpdateItem
from zotmark.core.model import Refusal
from zotmark.core.plan import Plan
from zotmark.presentation.render import file_line, refusal_lines, refused_error, zotero_line
from zotmark.sync.report import RunReport


def _report(**fields: object) -> RunReport:
    return RunReport("papers", Plan(lines={"ABCD2345": 7}), False, **fields)  # type: ignore[arg-type]


def test_a_refusal_line_names_the_entrys_line_its_title_and_the_reason() -> None:
    refusal = Refusal("ABCD2345", "f", 7, "T" * 80, "Title field value too long (413)")
    [line] = refusal_lines(_report(refused=(refusal,)))
    assert line == f"line 7 “{'T' * 59}…”: Title field value too long (413)"


def test_a_transient_failure_names_its_line_and_says_it_is_retried() -> None:
    [line] = refusal_lines(_report(failed={"ABCD2345": "Item has been modified (412)"}))
    assert line == "line 7 (ABCD2345): Item has been modified (412); retried on the next run"


def test_no_refusal_is_no_error_and_one_is_counted_in_words() -> None:
    assert refused_error([_report()]) is None
    refusal = Refusal("ABCD2345", "f", 7, "T", "too long (413)")
    error = refused_error([_report(refused=(refusal,))])
    assert error is not None and error.message.startswith("1 change was refused by Zotero")
    assert error.message.endswith("\n  papers: line 7 “T”: too long (413)")


def test_a_transient_failure_is_not_called_a_refusal() -> None:
    error = refused_error([_report(failed={"ABCD2345": "Item has been modified (412)"})])
    assert error is not None
    assert error.message.startswith("1 change was not written; everything else is in sync.")
    assert "refused" not in error.message


def test_a_state_written_into_a_box_is_shown_with_its_marker_and_name() -> None:
    assert file_line(SetBox(12, "/")) == "line 12: mark the box [/] (in progress)"
    assert file_line(SetBox(12, " ", "relevant")) == "line 12: untick the “relevant” box"


def test_a_plugin_status_written_to_an_item_is_shown_by_its_name() -> None:
    update = UpdateItem("ABCD2345", status="Not Reading")
    assert zotero_line(update) == "update ABCD2345: status “Not Reading”"
