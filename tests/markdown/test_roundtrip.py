"""Losslessness: render(parse(t)) == t, for arbitrary text and for every real list we have."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from tests.conftest import FIXTURES
from tests.markdown.md_strategies import documents

from zotmark.markdown.document import Document, render
from zotmark.markdown.files import ListFile
from zotmark.markdown.parser import parse

MARKDOWN = sorted((FIXTURES / "markdown").glob("*.md"))

# Entry counts checked by reading each file: every task item outside code blocks and HTML
# comments (pretrained-lm hides 11 more in comments, scikit-mlm one more).
ENTRY_COUNTS = {
    "Awesome-Indonesia-NLP_README.md": 54,
    "Deep-Learning-Papers-Reading-Roadmap_README.md": 0,
    "GUI-Agents-Paper-List_README.md": 0,
    "Geophysics-Papers-Reading-Roadmap_README.md": 0,
    "LLMSurvey_README.md": 0,
    "LeeKLTW-Paper_reading_list_README.md": 0,
    "QWERDF007-Notebooks_README.md": 32,
    "Shivanshu-Gupta-DL-Roadmap-checklist_README.md": 128,
    "TechEngine-vault_05_Research_Research.md": 29,
    "YanjieZe-Paper-List_README.md": 0,
    "akash5100-ai-notebooks_notes.md": 116,
    "coding-interview-university_README.md": 463,
    "cv-papers-reading_README.md": 56,
    "fancoo-Papers-Reading_README.md": 64,
    "fkuner-llm-paper-list_README.md": 29,
    "ftxj-Paper_Reading_List_Acclerators_material.md": 0,
    "greatzh-Papers_README.md": 397,
    "large-scale-MLSys_README_2021-09-11.md": 0,
    "mli-paper-reading_README.md": 0,
    "pretrained-lm-for-incremental-learning_README.md": 40,
    "rui-sz-papers-reading_Paper_daily-2024.md": 17,
    "scikit-mlm_README_2019-05-13.md": 17,
    "vxnuaj-Learning-Arc_README.md": 212,
}
IGNORED_COUNTS = {
    "pretrained-lm-for-incremental-learning_README.md": 15,
    "scikit-mlm_README_2019-05-13.md": 1,
}


def check_positions(document: Document) -> None:
    """The positions of every entry agree with the text they point into."""
    text, previous_line = document.text, -1
    for listed in document.entries:
        entry = listed.entry
        assert text[listed.box] == entry.state
        for tag, offset in listed.flag_boxes.items():
            assert (text[offset] != " ") == entry.flags[tag]
        assert listed.start <= listed.box < listed.line_end <= listed.end <= len(text)
        assert listed.start <= listed.anchor_at <= listed.line_end
        assert entry.line > previous_line
        previous_line = entry.line


@given(documents)
def test_render_of_parse_is_the_identity(text: str) -> None:
    assert render(parse(text)) == text


@given(documents)
def test_positions_agree_with_the_text(text: str) -> None:
    check_positions(parse(text))


def test_fixture_list_is_complete() -> None:
    assert sorted(path.name for path in MARKDOWN) == sorted(ENTRY_COUNTS)


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda path: path.name)
def test_real_lists_round_trip_byte_for_byte(path: Path) -> None:
    text, _ = ListFile.read(path)
    document = parse(text)
    assert render(document).encode("utf-8", "surrogateescape") == path.read_bytes()
    check_positions(document)


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda path: path.name)
def test_real_lists_entry_counts(path: Path) -> None:
    document = parse(ListFile.read(path)[0])
    ignored = sum(1 for warning in document.warnings if warning.kind == "ignored")
    assert len(document.entries) == ENTRY_COUNTS[path.name]
    assert ignored == IGNORED_COUNTS.get(path.name, 0)


def test_original_list_round_trips_without_final_newline() -> None:
    raw = (FIXTURES / "original-reading-list.md").read_bytes()
    assert not raw.endswith(b"\n")
    assert render(parse(ListFile.read(FIXTURES / "original-reading-list.md")[0])).encode() == raw
