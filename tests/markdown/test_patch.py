"""Surgical edits: each patch changes exactly the bytes it must, and parses back as intended."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from tests.conftest import FIXTURES
from tests.markdown.md_strategies import FRAGMENTS, documents, with_entries

from zotmark.errors import PatchError
from zotmark.markdown import patch
from zotmark.markdown.compose import NewEntry
from zotmark.markdown.document import Document, ListEntry
from zotmark.markdown.escape import escape_url
from zotmark.markdown.parser import parse
from zotmark.markdown.patch import Edit, apply
from zotmark.markdown.style import Style

UNWRITABLE = re.compile("[\ud800-\udfff\x00-\x08\x0e-\x1b\x7f-\x9f]")
ORIGINAL = (FIXTURES / "original-reading-list.md").read_bytes().decode("utf-8")


def entry_at(document: Document, index: st.DataObject) -> ListEntry:
    return document.entries[index.draw(st.integers(0, len(document.entries) - 1))]


def summary(document: Document) -> list[tuple[str, str | None, str, dict[str, bool]]]:
    return [
        (e.entry.title, e.entry.url, e.entry.state, dict(e.entry.flags)) for e in document.entries
    ]


# --- apply ---------------------------------------------------------------------------------------


def test_apply_uses_offsets_of_the_original_text() -> None:
    edits = [Edit(6, 7, "X"), Edit(0, 1, "a"), Edit(3, 3, "+")]
    assert apply("abcdefgh", edits) == "abc+defXh".replace("abc", "abc", 1).replace("a", "a", 1)


def test_apply_keeps_the_order_of_insertions_at_one_offset() -> None:
    assert apply("ab", [Edit(1, 1, "1"), Edit(1, 1, "2"), Edit(1, 2, "B")]) == "a12B"


def test_apply_puts_an_insertion_before_a_replacement_at_its_offset_whatever_their_order() -> None:
    assert apply("ab", [Edit(1, 2, "B"), Edit(1, 1, "1"), Edit(0, 1, "A")]) == "A1B"


def test_apply_takes_edits_from_a_generator_across_runs_of_edits() -> None:
    text = "ab" * (3 * patch.RUN)
    edits = (Edit(at, at + 1, "A") for at in reversed(range(0, len(text), 2)))
    assert apply(text, edits) == "Ab" * (3 * patch.RUN)


def test_apply_refuses_overlapping_edits() -> None:
    with pytest.raises(PatchError):
        apply("abcdef", [Edit(1, 4, ""), Edit(3, 5, "")])


def test_apply_refuses_an_edit_whose_expected_text_is_gone() -> None:
    with pytest.raises(PatchError, match="changed since it was read"):
        apply("- [x] A", [Edit(3, 4, "x", expect=" ")])


# --- box flips -----------------------------------------------------------------------------------


def test_flipping_a_box_changes_one_byte_of_the_original_list() -> None:
    document = parse(ORIGINAL)
    listed = document.entries[14]  # Vision Transfomers are Robust Learners
    new = apply(ORIGINAL, [*patch.set_state(document, listed, "x")])
    new = apply(new, patch.set_flag(parse(new), parse(new).entries[14], "relevant", False))
    diff = [
        i for i, (a, b) in enumerate(zip(ORIGINAL.encode(), new.encode(), strict=True)) if a != b
    ]
    assert len(diff) == 2
    assert (parse(new).entries[14].entry.state, parse(new).entries[14].entry.flags) == (
        "x",
        {"relevant": False},
    )


@pytest.mark.parametrize("marker, state", [("X", "x"), ("x", "x"), ("/", "/"), ("-", "-")])
def test_setting_a_box_to_its_state_is_no_edit(marker: str, state: str) -> None:
    document = parse(f"- [{marker}] A")
    assert patch.set_state(document, document.entries[0], state) == ()


@pytest.mark.parametrize("state", ["/", "-", "x", " "])
def test_a_state_is_written_as_its_one_marker_character(state: str) -> None:
    document = parse("- [>] A\n")
    assert apply(document.text, patch.set_state(document, document.entries[0], state)) == (
        f"- [{state}] A\n"
    )


def test_a_flag_box_with_another_marker_counts_as_ticked() -> None:
    """A flag box saying ``[/]`` is ticked (as the parser reads it): ticking it is no edit,
    clearing it writes a space."""
    document = parse("- [ ] A\n  - [/] Relevant?\n")
    listed = document.entries[0]
    assert listed.entry.flags == {"relevant": True}
    assert patch.set_flag(document, listed, "relevant", True) == ()
    cleared = apply(document.text, patch.set_flag(document, listed, "relevant", False))
    assert cleared == "- [ ] A\n  - [ ] Relevant?\n"


def test_a_missing_flag_box_is_an_error_and_can_be_added() -> None:
    document = parse("- [ ] **A**\r\n- [ ] **B**\r\n")
    with pytest.raises(PatchError, match="no box for flag"):
        patch.set_flag(document, document.entries[0], "relevant", True)
    new = apply(document.text, [patch.add_flag(document, document.entries[0], "Relevant?", True)])
    assert new == "- [ ] **A**\r\n    - [x] Relevant?\r\n- [ ] **B**\r\n"
    assert [dict(e.entry.flags) for e in parse(new).entries] == [{"relevant": True}, {}]


@given(with_entries, st.data())
def test_a_box_flip_changes_exactly_one_byte(text: str, data: st.DataObject) -> None:
    document = parse(text)
    assume(document.entries)
    listed = entry_at(document, data)
    other = "x" if listed.entry.state == " " else " "
    new = apply(text, patch.set_state(document, listed, other))
    old_bytes, new_bytes = (t.encode("utf-8", "surrogatepass") for t in (text, new))
    assert len(old_bytes) == len(new_bytes)
    assert sum(a != b for a, b in zip(old_bytes, new_bytes, strict=True)) == 1
    flipped = parse(new).find(listed.entry.line)
    assert flipped is not None and flipped.entry.state == other


# --- anchors -------------------------------------------------------------------------------------


def test_anchor_is_appended_to_the_entry_line() -> None:
    document = parse("- [ ] **A** ([Link](https://a.org))\n    - [ ] Relevant?\n")
    new = apply(document.text, [patch.set_anchor(document, document.entries[0], "ABCD2345")])
    assert (
        new == "- [ ] **A** ([Link](https://a.org)) <!-- zotero:ABCD2345 -->\n    - [ ] Relevant?\n"
    )


def test_anchor_is_replaced_in_place() -> None:
    document = parse("- [ ] A <!-- zotero:ABCD2345 -->")
    new = apply(document.text, [patch.set_anchor(document, document.entries[0], "WXYZ6789")])
    assert new == "- [ ] A <!-- zotero:WXYZ6789 -->"


def test_anchor_goes_before_a_comment_left_open() -> None:
    document = parse("- [ ] A <!-- note\nmore -->\n")
    new = apply(document.text, [patch.set_anchor(document, document.entries[0], "ABCD2345")])
    assert parse(new).entries[0].entry.anchor == "ABCD2345"
    assert new == "- [ ] A <!-- zotero:ABCD2345 --> <!-- note\nmore -->\n"


def test_malformed_anchor_key_is_refused() -> None:
    document = parse("- [ ] A")
    with pytest.raises(PatchError):
        patch.set_anchor(document, document.entries[0], "abc")


@given(with_entries, st.data())
def test_anchor_insertion_only_appends_at_the_line_end(text: str, data: st.DataObject) -> None:
    document = parse(text)
    assume(document.entries)
    listed = entry_at(document, data)
    assume(listed.entry.anchor is None and listed.anchor_at == listed.line_end)
    new = apply(text, [patch.set_anchor(document, listed, "ABCD2345")])
    end = listed.line_end
    assert new[:end] == text[:end] and new[len(new) - (len(text) - end) :] == text[end:]
    assert new[end:].lstrip().startswith("<!-- zotero:ABCD2345 -->")
    anchored = parse(new).find(listed.entry.line)
    assert anchored is not None and anchored.entry.anchor == "ABCD2345"


# --- titles, strikes, removal --------------------------------------------------------------------


def test_strike_wraps_the_title() -> None:
    document = parse(ORIGINAL)
    new = apply(ORIGINAL, patch.strike(document, document.entries[-1]))
    assert new.endswith("- [ ] ~~**VideoBERT**~~")
    struck = parse(new).entries[-1].entry
    assert (struck.title, struck.struck) == ("VideoBERT", True)
    assert patch.strike(parse(new), parse(new).entries[-1]) == ()


@given(with_entries, st.data())
def test_strike_inserts_only_tildes_and_strikes(text: str, data: st.DataObject) -> None:
    document = parse(text)
    assume(document.entries)
    listed = entry_at(document, data)
    edits = patch.strike(document, listed)
    assume(edits)
    new = apply(text, edits)
    # " ~~" after text the title touches (a bare URL), "\\~~" after a "\\"
    assert edits[0].text in ("~~", " ~~") and edits[1].text in ("~~", "\\~~")
    assert len(new) == len(text) + len(edits[0].text) + len(edits[1].text)
    struck = parse(new).find(listed.entry.line)
    assert struck is not None and struck.entry.struck
    assert struck.entry.title == listed.entry.title


def test_strike_of_a_title_touching_a_bare_url_keeps_the_tildes_out_of_the_url() -> None:
    """Found by hypothesis: ``~~`` right after a bare URL became part of the URL."""
    text = "- [ ] https://ar5iv.org/abs/1704.08292\\* [x] \n"
    document = parse(text)
    new = apply(text, patch.strike(document, document.entries[0]))
    struck = parse(new).entries[0].entry
    assert struck.struck and struck.title == "* [x]"
    assert struck.url == "https://ar5iv.org/abs/1704.08292\\"


def test_set_title_escapes_the_new_title() -> None:
    document = parse("- [ ] **Old** ([Link](https://a.org))\n")
    new = apply(document.text, [patch.set_title(document, document.entries[0], "New *[x]*")])
    assert new == "- [ ] **New \\*\\[x\\]\\*** ([Link](https://a.org))\n"
    assert parse(new).entries[0].entry.title == "New *[x]*"


def test_remove_takes_the_whole_block() -> None:
    text = "- [ ] A\n    - [ ] Relevant?\n    notes\n- [ ] B\n"
    document = parse(text)
    assert apply(text, [patch.remove(document, document.entries[0])]) == "- [ ] B\n"


def test_remove_the_last_block_keeps_no_final_newline() -> None:
    document = parse(ORIGINAL)
    new = apply(ORIGINAL, [patch.remove(document, document.entries[-1])])
    assert new == ORIGINAL[: ORIGINAL.rindex("\n")]
    assert len(parse(new).entries) == 16


# --- insertion -----------------------------------------------------------------------------------


def test_insert_at_the_end_of_the_original_list_in_its_style() -> None:
    document = parse(ORIGINAL)
    new_entry = NewEntry("A New Paper", "https://arxiv.org/abs/2401.00001", anchor="ABCD2345")
    new = apply(ORIGINAL, [patch.insert(document, new_entry)])
    assert new == ORIGINAL + (
        "\n- [ ] **A New Paper** ([Link](https://arxiv.org/abs/2401.00001))"
        " <!-- zotero:ABCD2345 -->\n    - [ ] Relevant?"
    )
    assert summary(parse(new))[:-1] == summary(document)


def test_insert_in_a_crlf_tab_link_style_list() -> None:
    text = "# Papers\r\n\r\n* [x] [Known](https://a.org)\r\n\t* [ ] relevant\r\n\r\n# Other\r\n"
    document = parse(text)
    new_entry = NewEntry("Fresh", "https://b.org", flags={"relevant": True})
    new = apply(text, [patch.insert(document, new_entry, heading="papers")])
    assert new == (
        "# Papers\r\n\r\n* [x] [Known](https://a.org)\r\n\t* [ ] relevant\r\n"
        "* [ ] [Fresh](https://b.org)\r\n\t* [x] relevant\r\n\r\n# Other\r\n"
    )


def test_insert_under_a_missing_heading_creates_it() -> None:
    document = parse("- [ ] A\n")
    new = apply(document.text, [patch.insert(document, NewEntry("B"), heading="Inbox")])
    assert new == "- [ ] A\n\n## Inbox\n\n- [ ] **B**\n"
    assert parse(new).entries[1].entry.section == ("Inbox",)


def test_insert_without_flag_items_when_the_file_has_none() -> None:
    document = parse("- [ ] **A** [pdf](https://a.org)\n")
    new = apply(document.text, [patch.insert(document, NewEntry("B", "https://b.org"))])
    assert new == "- [ ] **A** [pdf](https://a.org)\n- [ ] **B** [pdf](https://b.org)\n"


def test_insert_keeps_a_following_setext_heading_apart() -> None:
    text = "# A\nNext\n====\n- [ ] Y\n"
    document = parse(text)
    new = apply(text, [patch.insert(document, NewEntry("Z"), heading="A", style=Style())])
    assert new == "# A\n- [ ] **Z**\n    - [ ] Relevant?\n\nNext\n====\n- [ ] Y\n"
    assert [e.entry.section for e in parse(new).entries] == [("A",), ("Next",)]


@pytest.mark.parametrize(
    "title",
    ["A *bold* claim", "[Link](https://evil.org)", "x <!-- y", "two\nlines\r\n- [ ] z", "~~gone~~"],
)
def test_inserted_titles_with_markup_read_back(title: str) -> None:
    document = parse(ORIGINAL)
    new = apply(ORIGINAL, [patch.insert(document, NewEntry(title, "https://a.org/(1)"))])
    reparsed = parse(new)
    assert len(reparsed.entries) == 18 and reparsed.warnings == document.warnings
    inserted = reparsed.entries[-1].entry
    assert (inserted.title, inserted.url) == (" ".join(title.split()), "https://a.org/%281%29")


titles = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=10)), max_size=12).map(
    "".join
)
urls = st.one_of(st.none(), st.text(min_size=1, max_size=30).map(lambda s: "https://x.org/" + s))
styles = st.builds(
    Style,
    marker=st.sampled_from(["-", "*", "+", "1.", "1)"]),
    indent_unit=st.sampled_from(["\t", "    ", "  "]),
    eol=st.sampled_from(["\n", "\r\n"]),
    bold_titles=st.booleans(),
    link_label=st.sampled_from(["Link", "PDF", "arXiv"]),
    link_wrapped=st.booleans(),
    flag_items=st.booleans(),
)


@given(documents, titles, urls, st.sampled_from(" /x-"), st.booleans(), styles)
def test_inserted_entries_parse_back_whatever_the_title(
    text: str, title: str, url: str | None, state: str, relevant: bool, style: Style
) -> None:
    assume(title.strip())  # (punctuation alone is a title too)
    document = parse(text)
    assume(not document.open_at_end)
    new_entry = NewEntry(title, url, state, {"relevant": relevant}, anchor="ABCD2345")
    new = apply(text, [patch.insert(document, new_entry, style=style)])
    reparsed = parse(new)
    inserted = [e.entry for e in reparsed.entries if e.entry.anchor == "ABCD2345"]
    expected_title = " ".join(UNWRITABLE.sub("\ufffd", title).split())
    expected_url = escape_url(url) if url else None
    assert [(e.title, e.url, e.state) for e in inserted][-1:] == [
        (expected_title, expected_url, state)
    ]
    assert dict(inserted[-1].flags) == ({"relevant": relevant} if style.flag_items else {})
    assert summary(reparsed)[: len(document.entries)] == summary(document)


def test_strike_of_a_text_title_ending_in_stars_does_not_make_them_bold() -> None:
    """Found by hypothesis: ``~~0**~~  <url>**`` read as a bold title, for ``**`` after a
    letter followed by ``~`` cannot open emphasis (CommonMark's flanking rule)."""
    text = "- [ ] 0**  <https://doi.org/10.1000/xyz>**\n"
    document = parse(text)
    struck = parse(apply(text, patch.strike(document, document.entries[0]))).entries[0].entry
    assert (struck.title, struck.struck) == ("0", True)
