"""``zotmark.core.states``: the reading states, their tags, and the Reading List plugin's
``Read_Status`` lines in an item's ``extra`` field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.core.plan import Policy
from zotmark.core.states import (
    item_state,
    known,
    plugin_stamp,
    plugin_status,
    with_plugin_status,
)

TAGS = Policy("COLL2345")
PLUGIN = Policy("COLL2345", status_store="reading-list-plugin")
ITEM = Item("ABCD2345", 1, "preprint", "T", None, identify("T", None))


@pytest.mark.parametrize(
    "marker, state", [(" ", " "), ("/", "/"), ("x", "x"), ("X", "x"), ("-", "-"), (">", None)]
)
def test_a_marker_states_its_state_and_an_upper_case_x_is_done(
    marker: str, state: str | None
) -> None:
    assert known(marker) == state


@pytest.mark.parametrize(
    "tags, state",
    [
        ((), " "),
        (("reading",), "/"),
        (("not-reading", "reading"), "-"),
        (("read", "not-reading", "reading"), "x"),
        (("mine",), " "),
    ],
)
def test_tags_say_the_first_of_done_cancelled_in_progress(
    tags: tuple[str, ...], state: str
) -> None:
    assert item_state(replace(ITEM, tags=frozenset(tags)), TAGS) == state


@pytest.mark.parametrize(
    "extra, state",
    [
        ("", " "),
        ("Citation Key: vaswani2017", " "),
        ("Read_Status: New", " "),
        ("Read_Status: To Read", " "),
        ("read_status:   in progress  ", "/"),
        ("arXiv: 1706.03762\nRead_Status: Read\nRead_Status_Date: 2026-01-01T00:00:00.000Z", "x"),
        ("Read_Status: Not Reading", "-"),
        ("Read_Status: Skimmed", None),
        ("Read_Status: Read\nRead_Status: To Read", " "),  # two: the plugin shows none
    ],
)
def test_the_plugin_status_line_says_the_state(extra: str, state: str | None) -> None:
    assert item_state(replace(ITEM, extra=extra), PLUGIN) == state


def test_a_status_line_ending_in_a_carriage_return_is_no_status_as_for_the_plugin() -> None:
    """JavaScript's ``.`` matches no ``\\r``: the plugin reads no status from such a line."""
    assert plugin_status("Read_Status: Read\r\nextra") is None


def test_setting_a_status_drops_the_old_lines_and_appends_status_and_date() -> None:
    extra = "Read_Status: To Read\nCitation Key: a\nRead_Status_Date: old\narXiv: 1706.03762"
    assert with_plugin_status(extra, "In Progress", "2026-12-05T17:00:00.000Z") == (
        "Citation Key: a\narXiv: 1706.03762\n"
        "Read_Status: In Progress\nRead_Status_Date: 2026-12-05T17:00:00.000Z"
    )


def test_a_status_set_on_an_empty_extra_starts_with_it() -> None:
    assert with_plugin_status("", "Read", "d") == "Read_Status: Read\nRead_Status_Date: d"


def test_the_date_is_written_as_javascripts_iso_string() -> None:
    now = datetime(2026, 12, 5, 18, 4, 5, 678901, tzinfo=timezone(timedelta(hours=1)))
    assert plugin_stamp(now) == "2026-12-05T17:04:05.678Z"
    assert plugin_stamp(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-02T00:00:00.000Z"


_OTHER_LINE = st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=30).filter(
    lambda line: not line.lower().startswith("read_status")
)
_STATUS_LINE = st.sampled_from(
    ["Read_Status: Read", "read_status: To Read", "Read_Status_Date: 2020-01-01T00:00:00.000Z"]
)


@given(
    st.lists(st.tuples(st.booleans(), _OTHER_LINE, _STATUS_LINE), max_size=8),
    st.sampled_from(["To Read", "In Progress", "Read", "Not Reading", "Custom"]),
)
def test_every_other_line_of_extra_is_kept_byte_for_byte(
    lines: list[tuple[bool, str, str]], name: str
) -> None:
    """Whatever ``extra`` holds (Better BibTeX's ``Citation Key:``, ``arXiv:`` lines, blank
    lines, carriage returns, old status lines anywhere), setting a status keeps each of its
    other lines, in order, and the status reads back."""
    extra = "\n".join(status if is_status else other for is_status, other, status in lines)
    others = [other for is_status, other, _ in lines if not is_status]
    written = with_plugin_status(extra, name, "2026-12-05T17:00:00.000Z")
    *kept, status, date = written.split("\n")
    if others != [""]:  # (an extra that was one empty line gets no empty line before the status)
        assert kept == others
    assert (status, date) == (f"Read_Status: {name}", "Read_Status_Date: 2026-12-05T17:00:00.000Z")
    assert plugin_status(written) == name
