"""The parser's fast path (``fastpath.extract_common``) never changes what a parse finds: every
list parses to the same document when only the general rules read the entry lines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from tests.conftest import FIXTURES
from tests.markdown.md_strategies import documents

from zotmark.core.model import Ident, ident_of
from zotmark.markdown import parser
from zotmark.markdown.document import Document
from zotmark.markdown.inline import Inline, extract
from zotmark.markdown.parser import parse

LISTS = [FIXTURES / "original-reading-list.md", *sorted((FIXTURES / "markdown").glob("*.md"))]


def _general_only(content: str, continuation: str | None) -> tuple[Inline, Ident]:
    fields = extract(content, continuation)
    text = content if continuation is None else f"{content}\n{continuation}"
    return fields, ident_of(fields.title, fields.url, text)


def parse_by_general_rules(text: str) -> Document:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parser, "read_line", _general_only)
        return parse(text)


@pytest.fixture(autouse=True)
def _fresh_memo() -> Iterator[None]:
    parser.read_line.cache_clear()
    yield
    parser.read_line.cache_clear()


@pytest.mark.parametrize("path", LISTS, ids=lambda path: path.name)
def test_real_lists_parse_the_same_without_the_fast_path(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    assert parse(text) == parse_by_general_rules(text)


@given(documents)
def test_generated_lists_parse_the_same_without_the_fast_path(text: str) -> None:
    assert parse(text) == parse_by_general_rules(text)


def test_a_repeated_line_is_read_once() -> None:
    parse("- [ ] **A** ([Link](https://a.org))\n" * 3)
    info = parser.read_line.cache_info()
    assert (info.misses, info.hits) == (1, 2)
