"""The reading-list grammar of DESIGN §2: entries, flags, sections, fields and warnings."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tests.conftest import FIXTURES

from zotmark.markdown.document import Document
from zotmark.markdown.parser import parse


def titles(document: Document) -> list[str]:
    return [listed.entry.title for listed in document.entries]


def kinds(document: Document) -> list[tuple[int, str]]:
    return [(warning.line, warning.kind) for warning in document.warnings]


@pytest.fixture(scope="module")
def original() -> Document:
    path = FIXTURES / "original-reading-list.md"
    return parse(path.read_bytes().decode("utf-8"))


# --- the original list ---------------------------------------------------------------------------


def test_original_list_has_seventeen_entries(original: Document) -> None:
    assert len(original.entries) == 17
    assert [e.entry.line for e in original.entries] == [*range(1, 30, 2), 31, 32]


def test_original_list_titles_come_from_bold_text(original: Document) -> None:
    assert titles(original)[0] == "Multimodal Learning with Transformers: A Survey"
    assert titles(original)[-3:] == [
        "Vision Transfomers are Robust Learners",
        "ViLBERT: Pretraining Task-Agnostic Visiolinguistic Representations for "
        "Vision-and-Language Tasks",
        "VideoBERT",
    ]


def test_original_list_arxiv_ids_from_ar5iv_and_abs_links(original: Document) -> None:
    arxiv = {e.entry.title: e.entry.ident.arxiv for e in original.entries}
    assert arxiv["Multimodal Learning with Transformers: A Survey"] == "2206.06488"
    assert arxiv["Vision Transfomers are Robust Learners"] == "2105.07581"
    assert sum(1 for value in arxiv.values() if value) == 13


def test_original_list_other_links_are_plain_urls(original: Document) -> None:
    by_title = {e.entry.title: e.entry for e in original.entries}
    wavenet = by_title["WaveNet: A Generative Model for Raw Audio"]
    mir = by_title["MIR-ST500: A Dataset for Music Information Retrieval"]
    assert (
        wavenet.url
        == "https://deepmind.com/research/publications/wavenet-generative-model-raw-audio"
    )
    assert mir.url == "https://paperswithcode.com/dataset/mir-st500"
    assert (wavenet.ident.arxiv, wavenet.ident.doi, mir.ident.arxiv) == (None, None, None)
    assert wavenet.ident.url is not None and mir.ident.url is not None


def test_original_list_nothing_is_read(original: Document) -> None:
    assert {e.entry.state for e in original.entries} == {" "}


def test_original_list_only_the_tab_indented_flag_is_ticked(original: Document) -> None:
    relevant = [e.entry.title for e in original.entries if e.entry.flags.get("relevant")]
    assert relevant == ["Vision Transfomers are Robust Learners"]
    assert sum(1 for e in original.entries if "relevant" in e.entry.flags) == 15


def test_original_list_vilbert_and_videobert_have_no_url(original: Document) -> None:
    assert [e.entry.url for e in original.entries[-2:]] == [None, None]


def test_original_list_warnings(original: Document) -> None:
    assert kinds(original) == [
        (25, "same-identifier"),
        (29, "reversed-link"),
        (31, "empty-link"),
        (32, "no-link"),
    ]
    assert "2004.09476" in original.warnings[0].message


# --- structure -----------------------------------------------------------------------------------


@pytest.mark.parametrize("marker", ["-", "*", "+", "1.", "7)"])
def test_every_list_marker_starts_an_entry(marker: str) -> None:
    assert titles(parse(f"{marker} [ ] **Paper**\n")) == ["Paper"]


@pytest.mark.parametrize("marker", [" ", "x", "X", "/", "-", ">", "?", "y"])
def test_an_entrys_state_is_the_marker_in_its_box_as_written(marker: str) -> None:
    assert parse(f"- [{marker}] Paper").entries[0].entry.state == marker


@pytest.mark.parametrize("marker", [">", "?", "!", "y"])
def test_a_marker_zotmark_does_not_know_is_a_warning_with_its_line_and_marker(marker: str) -> None:
    document = parse(f"- [ ] [A](https://a.org)\n- [{marker}] [B](https://b.org)\n")
    assert kinds(document) == [(2, "unknown-state")]
    assert f"[{marker}]" in document.warnings[0].message


@pytest.mark.parametrize("line", ["- [] Paper", "- [x]Paper", "[ ] Paper", "-[ ] Paper", "- [[] P"])
def test_not_task_items(line: str) -> None:
    assert parse(line).entries == ()


@pytest.mark.parametrize("label", ["Relevant?", "relevant", "RELEVANT:", "Relevant", " relevant ?"])
def test_flag_label_matches_case_insensitively_with_optional_mark(label: str) -> None:
    document = parse(f"- [ ] **Paper**\n  - [x] {label}\n")
    assert [dict(e.entry.flags) for e in document.entries] == [{"relevant": True}]


def test_configured_flags_map_labels_to_tags() -> None:
    text = "- [ ] Paper\n    - [x] Must read:\n    - [ ] Relevant?\n"
    document = parse(text, {"Must read": "must-read"})
    assert [e.entry.title for e in document.entries] == ["Paper", "Relevant?"]
    assert dict(document.entries[0].entry.flags) == {"must-read": True}


def test_flag_box_offsets_point_at_the_box() -> None:
    text = "- [ ] Paper\n\t- [x] Relevant?\n"
    listed = parse(text).entries[0]
    assert text[listed.flag_boxes["relevant"]] == "x"
    assert text[listed.box] == " "


def test_task_under_a_plain_bullet_is_an_entry() -> None:
    text = "- Vision\n  - [ ] **ViT**\n  - [x] **DeiT**\n"
    assert titles(parse(text)) == ["ViT", "DeiT"]


def test_nested_non_flag_tasks_are_entries_too() -> None:
    text = "- [ ] [Image Classification]()\n\n    - [x] [AlexNet](https://a.org/x)\n"
    assert titles(parse(text)) == ["Image Classification", "AlexNet"]


def test_flag_outside_an_entry_is_a_warning() -> None:
    document = parse("- [ ] Relevant?\n")
    assert document.entries == ()
    assert kinds(document) == [(1, "stray-flag")]


def test_entry_block_covers_nested_items_and_continuations() -> None:
    text = "- [ ] A\n  notes\n    - [ ] Relevant?\n    - detail\n\n- [ ] B\n"
    first, second = parse(text).entries
    assert text[first.start : first.end] == "- [ ] A\n  notes\n    - [ ] Relevant?\n    - detail\n"
    assert text[second.start : second.end] == "- [ ] B\n"


def test_entry_block_ends_before_an_unindented_paragraph_after_a_blank_line() -> None:
    text = "- [ ] A\n\nSome prose.\n"
    listed = parse(text).entries[0]
    assert text[listed.start : listed.end] == "- [ ] A\n"


@pytest.mark.parametrize(
    "text",
    [
        "```\n- [ ] Hidden\n```\n",
        "~~~ python\n- [ ] Hidden\n~~~\n",
        "- [ ] [Shown](https://a.org)\n    ```\n    - [ ] Hidden\n    ```\n",
        "````\n```\n- [ ] Hidden\n````\n",
        "<!-- - [ ] Hidden -->\n",
        "<!--\n- [ ] Hidden\n-->\n",
        "text <!-- start\n- [ ] Hidden\nend --> more\n",
    ],
)
def test_entries_in_code_blocks_and_comments_are_ignored_with_a_warning(text: str) -> None:
    document = parse(text)
    assert "Hidden" not in titles(document)
    assert [w.kind for w in document.warnings] == ["ignored"]


def test_parsing_resumes_after_a_closed_fence_and_comment() -> None:
    text = "```\n- [ ] A\n```\n<!--\n- [ ] B\n-->\n- [ ] C\n"
    assert titles(parse(text)) == ["C"]


def test_an_escaped_comment_opener_opens_nothing() -> None:
    assert titles(parse("- [ ] **A \\<!-- B**\n- [ ] C\n")) == ["A <!-- B", "C"]


def test_a_comment_opener_in_a_code_span_opens_nothing() -> None:
    assert titles(parse("- [ ] **A** `<!--`\n- [ ] C\n")) == ["A", "C"]


def test_details_blocks_are_normal_content() -> None:
    text = "<details><summary>Week 1</summary>\n\n- [ ] **A**\n  - [x] Relevant?\n\n</details>\n"
    document = parse(text)
    assert titles(document) == ["A"]
    assert document.entries[0].entry.flags == {"relevant": True}


def test_sections_are_heading_paths() -> None:
    text = (
        "# List\n## Vision\n### ViT\n- [ ] A\n## Audio\n- [ ] B\n\n"
        "Music\n-----\n- [ ] C\n# [Other](http://x.org) ##\n- [ ] D\n"
    )
    sections = [e.entry.section for e in parse(text).entries]
    assert sections == [
        ("List", "Vision", "ViT"),
        ("List", "Audio"),
        ("List", "Music"),
        ("Other",),
    ]


def test_front_matter_is_skipped() -> None:
    text = "---\ntitle: x\n---\n- [ ] A\n"
    document = parse(text)
    assert titles(document) == ["A"]
    assert document.sections == ()


def test_bom_crlf_and_tabs() -> None:
    text = "\ufeff- [ ] **A**\r\n\t- [x] Relevant?\r\n- [x] **B**"
    first, second = parse(text).entries
    assert (first.entry.title, first.entry.flags, first.eol) == ("A", {"relevant": True}, "\r\n")
    assert text[first.box] == " " and text[first.start] == "-"
    assert (second.entry.title, second.entry.state, second.end) == ("B", "x", len(text))


@pytest.mark.parametrize("number", ["３.", "٣)", "१."])
def test_only_ascii_digits_number_a_list_item(number: str) -> None:
    # CommonMark: an ordered list marker is 1-9 digits 0-9. A line numbered otherwise is text
    # (a continuation of the entry above), neither an entry nor the end of the entry's block.
    text = f"- [ ] **A** ([Link](https://a.org/1))\n{number} [ ] **B** ([Link](https://a.org/2))\n"
    (listed,) = parse(text).entries
    assert (listed.entry.title, listed.last_line, listed.end) == ("A", 1, len(text))


def test_lone_carriage_returns_end_lines() -> None:
    assert titles(parse("- [ ] A\r- [ ] B\r")) == ["A", "B"]


# --- fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, title",
    [
        ("**Bold Title** ([Link](https://x.org))", "Bold Title"),
        ("__Under Title__ [pdf](https://x.org)", "Under Title"),
        ("[Linked Title](https://x.org) [code](https://github.com/x)", "Linked Title"),
        ("[PDF](https://x.org) Remaining Title", "Remaining Title"),
        ("Plain Title https://arxiv.org/abs/2105.07581", "Plain Title"),
        ("Plain Title ([Link]())", "Plain Title"),
        ("**[[Paper](https://x.org)]** Venue Title", "Venue Title"),
        ("[**Paper**](https://x.org) Real Title", "Real Title"),
        ("**A \\*starred\\* \\[title\\]**", "A *starred* [title]"),
        ("**`code` _em_ title**", "code em title"),
        ("[SEQ* (ACL 2024)](https://x.org)", "SEQ* (ACL 2024)"),
    ],
)
def test_title_rules(content: str, title: str) -> None:
    assert parse(f"- [ ] {content}").entries[0].entry.title == title


@pytest.mark.parametrize(
    "content, url",
    [
        ("**T** ([Link](https://a.org/x))", "https://a.org/x"),
        ("**T** <https://a.org/x>", "https://a.org/x"),
        ("**T** see https://a.org/x.", "https://a.org/x"),
        ("**T** (https://a.org/x)", "https://a.org/x"),
        ("**T** (Link)[https://a.org/x]", "https://a.org/x"),
        ("[T] (https://a.org/x)", "https://a.org/x"),
        ("[T]( https://a.org/x )", "https://a.org/x"),
        ("[T](<https://a.org/x y>)", "https://a.org/x y"),
        ('[T](https://a.org/x_(y) "title")', "https://a.org/x_(y)"),
        ("https://bare.org/a [T](https://a.org/x)", "https://a.org/x"),
        ("[T](https://a.org/vision\\_transformer)", "https://a.org/vision_transformer"),
        ("[T](#in-page)", None),
        ("![img](https://a.org/i.png) T", None),
        ("[![badge](https://img.org/b.svg)](https://a.org/x) T", "https://a.org/x"),
    ],
)
def test_url_rules(content: str, url: str | None) -> None:
    assert parse(f"- [ ] {content}").entries[0].entry.url == url


def test_link_on_the_continuation_line_counts() -> None:
    text = "- [X] **Title**, Author et al.\n[`Paper`](https://arxiv.org/abs/1711.00043)\n"
    entry = parse(text).entries[0].entry
    assert (entry.title, entry.url, entry.ident.arxiv) == (
        "Title",
        "https://arxiv.org/abs/1711.00043",
        "1711.00043",
    )
    assert parse(text).warnings == ()


def test_arxiv_id_from_text_of_the_entry() -> None:
    entry = parse("- [ ] **T** arXiv:2105.07581").entries[0].entry
    assert (entry.url, entry.ident.arxiv) == (None, "2105.07581")


def test_anchor_at_the_end_of_the_line() -> None:
    text = "- [ ] **T** ([Link](https://a.org)) <!-- zotero:ABCD2345 -->\n"
    listed = parse(text).entries[0]
    assert listed.entry.anchor == "ABCD2345"
    assert listed.anchor_key is not None
    assert text[listed.anchor_key[0] : listed.anchor_key[1]] == "ABCD2345"
    assert listed.entry.title == "T"


@pytest.mark.parametrize(
    "content",
    ["~~**T**~~ ([Link](u))", "**~~T~~**", "~~[T](https://a.org)~~", "~~T~~ https://a.org"],
)
def test_struck_titles(content: str) -> None:
    entry = parse(f"- [ ] {content}").entries[0].entry
    assert (entry.title, entry.struck) == ("T", True)


def test_escaped_tildes_do_not_strike() -> None:
    entry = parse("- [ ] **\\~\\~T\\~\\~**").entries[0].entry
    assert (entry.title, entry.struck) == ("~~T~~", False)


# --- warnings -------------------------------------------------------------------------------


def test_exact_duplicates_are_warned_about() -> None:
    text = "- [ ] **A** [x](https://arxiv.org/abs/2105.07581)\n- [ ] **A** (https://arxiv.org/pdf/2105.07581v2)\n"
    assert kinds(parse(text)) == [(2, "duplicate")]


def test_duplicate_titles_without_links_are_warned_about() -> None:
    assert kinds(parse("- [ ] **A**\n- [ ] **a.**\n")) == [
        (1, "no-link"),
        (2, "no-link"),
        (2, "duplicate"),
    ]


def test_struck_entries_are_not_compared() -> None:
    text = "- [ ] ~~**A**~~ https://a.org/x\n- [ ] **A** https://a.org/x\n"
    assert kinds(parse(text)) == []


def test_task_without_text_is_no_entry() -> None:
    document = parse("- [ ]\n- [ ] ~~~~\n")
    assert document.entries == ()
    assert [w.kind for w in document.warnings] == ["empty-entry", "empty-entry"]


def test_an_anchor_at_the_end_of_an_entry_line_opens_no_comment() -> None:
    text = "- [ ] **A** <!-- zotero:ABCD2345 -->\n- [ ] **B**\n"
    assert titles(parse(text)) == ["A", "B"]
    assert parse(text).entries[0].entry.anchor == "ABCD2345"


def test_a_comment_before_an_anchor_still_hides_the_entry_it_holds() -> None:
    text = "- [ ] [A](https://a.org) <!-- - [ ] Hidden --> <!-- zotero:ABCD2345 -->\n"
    document = parse(text)
    assert titles(document) == ["A"]
    assert kinds(document) == [(1, "ignored")]


def test_a_comment_left_open_after_an_anchor_hides_the_next_lines() -> None:
    text = "- [ ] **A** <!-- zotero:ABCD2345 --> <!--\n- [ ] Hidden\n-->\n- [ ] **B**\n"
    assert titles(parse(text)) == ["A", "B"]


def test_a_bare_url_ends_where_the_anchor_starts() -> None:
    entry = parse("- [ ] Foo http://x.y<!-- zotero:ABCD2345 -->\n").entries[0].entry
    assert (entry.url, entry.anchor) == ("http://x.y", "ABCD2345")


@pytest.mark.parametrize("space", ["  ", "\t", "\u00a0", "\u2003", "\x1f", " \u3000 "])
def test_whitespace_in_a_bold_title_collapses_to_one_space(space: str) -> None:
    """Runs of whitespace (tabs, wide and unprintable spaces too) read as one space."""
    document = parse(f"- [ ] **Deep{space}Learning** ([Link](https://a.org/x))\n")
    assert document.entries[0].entry.title == "Deep Learning"


def test_a_long_flag_label_names_its_flag() -> None:
    """A configured flag label is recognised whatever its length."""
    label = "Is this paper relevant to the survey we are writing this winter, and to which part?"
    document = parse(f"- [ ] **Paper**\n  - [x] {label}\n", flags={label: "relevant"})
    assert document.entries[0].entry.flags == {"relevant": True}


_MEASURED_PARSE = """
import json, tracemalloc
from zotmark.markdown.parser import parse
text = "".join(
    f"- [ ] **Paper {i}: a study of things** ([Link](https://arxiv.org/abs/2101.{i:05d}))\\n"
    "    - [ ] Relevant?\\n"
    for i in range(2000)
)
parse(text.replace("Paper", "Draft"))  # (its strings die with it; the table stays grown)
tracemalloc.start()
document = parse(text)
kept, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
first, second = (listed.entry for listed in document.entries[:2])
print(json.dumps({
    "entries": len(document.entries), "kept": kept, "peak": peak,
    "flags_shared": first.flags is second.flags, "url_shared": first.ident.url is first.url,
}))
"""


def test_a_parsed_list_costs_well_under_2_kb_an_entry_at_the_peak_of_its_parse() -> None:
    """What a parse keeps per entry, and holds while it runs (measured for this list: ~1.2 KB
    kept, ~1.5 KB at the peak; 1.7 and 2.4 KB before entries were read as their blocks closed
    into flat records). Entries with equal flag states share them; a canonical URL is its own
    normal form. Measured in a fresh interpreter: titles, URLs and keys are interned, and the
    interpreter's table of interned strings grows once to the size of the largest list a
    process read (a parse of the same size before the measure leaves it grown); in a process
    that interned many strings before (the test session), the table can double in the middle
    of the measure, a few MB that belong to no entry."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_PARSE],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    measured = json.loads(done.stdout)
    assert measured["entries"] == 2000
    assert measured["kept"] < 1400 * 2000 and measured["peak"] < 1800 * 2000
    assert measured["flags_shared"] and measured["url_shared"]
