"""sync.document: a document kept between runs follows ticked and cleared boxes unparsed."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.conftest import FIXTURES

from zotmark.core.actions import SetAnchor, SetBox
from zotmark.core.model import Entry
from zotmark.markdown.parser import parse
from zotmark.sync.document import SPAN, ListDocument, with_boxes

FLAGS = {"Relevant?": "relevant"}
ORIGINAL = (FIXTURES / "original-reading-list.md").read_text("utf-8")
DOCUMENT = parse(ORIGINAL, FLAGS)
BOXES = sorted(o for e in DOCUMENT.entries for o in (e.box, *e.flag_boxes.values()))
LONG = "\n".join([ORIGINAL] * 8)  # a text of several spans (with_boxes compares span by span)
LONG_DOCUMENT = parse(LONG, FLAGS)
LONG_BOXES = sorted(o for e in LONG_DOCUMENT.entries for o in (e.box, *e.flag_boxes.values()))


def _set(text: str, changes: dict[int, str]) -> str:
    chars = list(text)
    for offset, char in changes.items():
        chars[offset] = char
    return "".join(chars)


@given(
    st.dictionaries(st.sampled_from(LONG_BOXES), st.sampled_from(" xX/-"), min_size=1, max_size=6)
)
def test_boxes_given_known_states_read_as_a_parse_of_the_new_text_reads(
    changes: dict[int, str],
) -> None:
    text = _set(LONG, changes)
    flipped = with_boxes(LONG_DOCUMENT, text)
    if text == LONG:
        assert flipped is None
    else:
        assert flipped == parse(text, FLAGS)


@given(
    st.dictionaries(
        st.sampled_from(LONG_BOXES), st.sampled_from(" x/->?]\t"), min_size=1, max_size=6
    )
)
def test_boxes_given_any_character_read_as_a_parse_or_must_be_parsed(
    changes: dict[int, str],
) -> None:
    text = _set(LONG, changes)
    flipped = with_boxes(LONG_DOCUMENT, text)
    assert flipped is None or flipped == parse(text, FLAGS)


@pytest.mark.parametrize(
    "change",
    [
        {BOXES[0]: "]"},  # no box character: the line is no task item any more
        {DOCUMENT.entries[0].box: ">"},  # a state zotmark does not know: parsed, to warn of it
        {BOXES[0] - 2: "*"},  # outside a box
        {len(ORIGINAL) - 1: "!"},
    ],
)
def test_a_change_beyond_ticked_or_cleared_boxes_must_be_parsed(change: dict[int, str]) -> None:
    assert with_boxes(DOCUMENT, _set(ORIGINAL, change)) is None


@pytest.mark.parametrize("elsewhere", [LONG_BOXES[0] + 3, len(LONG) - 1])  # near, or far off
def test_a_box_flipped_with_a_change_elsewhere_must_be_parsed(elsewhere: int) -> None:
    flipped = {LONG_BOXES[0]: "x" if LONG[LONG_BOXES[0]] == " " else " "}
    assert len(LONG) > 4 * SPAN  # (the two changes fall in different spans, or in one)
    assert with_boxes(LONG_DOCUMENT, _set(LONG, {**flipped, elsewhere: "!"})) is None


def test_a_text_of_another_length_must_be_parsed() -> None:
    assert with_boxes(DOCUMENT, ORIGINAL + "\n") is None


def test_a_kept_document_reads_a_flipped_box_without_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "list.md"
    path.write_text(ORIGINAL, "utf-8")
    document = ListDocument(path, FLAGS)
    document.read()
    box = random.Random(7).choice([e.box for e in DOCUMENT.entries])
    path.write_text(_set(ORIGINAL, {box: "x" if ORIGINAL[box] == " " else " "}), "utf-8")
    monkeypatch.setattr("zotmark.markdown.parser.parse", None)  # a parse would fail
    entries = document.read()
    assert entries == [e.entry for e in parse(path.read_text("utf-8"), FLAGS).entries]


def test_a_kept_document_reads_the_text_it_wrote_without_parsing_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "list.md"
    path.write_text(ORIGINAL, "utf-8")
    document = ListDocument(path, FLAGS, kept=True)
    first = document.read()[0]
    document.apply([SetAnchor(first.line, "ABCD2345")])
    monkeypatch.setattr("zotmark.markdown.parser.parse", None)  # a parse would fail
    assert document.read()[0].anchor == "ABCD2345"


def test_a_patch_of_another_length_lets_the_document_read_go_before_the_text_is_written(
    tmp_path: Path,
) -> None:
    held, document, _ = _held_when_written(
        tmp_path, lambda first: SetAnchor(first.line, "ABCD2345")
    )
    assert held == [False]
    assert "<!-- zotero:ABCD2345 -->" in document.path.read_text("utf-8")


def test_a_patch_that_flips_a_box_keeps_the_document_read_to_follow_it_unparsed(
    tmp_path: Path,
) -> None:
    held, document, _ = _held_when_written(tmp_path, lambda first: SetBox(first.line, "/"))
    assert held == [True]
    assert document.document.entries[0].entry.state == "/"


def _held_when_written(
    tmp_path: Path, change: Callable[[Entry], SetAnchor | SetBox]
) -> tuple[list[bool], ListDocument, Entry]:
    """Whether the document still held its parse when it wrote the original list with
    ``change`` of its first entry applied (it wrote once); the document; that entry."""
    path = tmp_path / "list.md"
    path.write_text(ORIGINAL, "utf-8")
    held: list[bool] = []
    document = ListDocument(path, FLAGS, before_write=lambda _, __: held.append(_holds(document)))
    first = document.read()[0]
    assert document.apply([change(first)])
    return held, document, first


def _holds(document: ListDocument) -> bool:
    """Whether ``document`` still holds a parsed document."""
    try:
        return document.document is not None
    except RuntimeError:
        return False
