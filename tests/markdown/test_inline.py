"""Inline reading: the plain text of inline Markdown."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zotmark.markdown.inline import plain

MARKUP = "\\`*_~<["
"""The characters where an escape, code span, emphasis, strike, comment or link can start."""

markup_free = st.text(st.characters(blacklist_characters=MARKUP)).filter(lambda t: "://" not in t)


@given(markup_free)
def test_plain_of_a_text_without_markup_is_its_words(text: str) -> None:
    assert plain(text) == " ".join(text.split())


def test_plain_reads_the_markup_of_a_title() -> None:
    assert plain("A **bold** [link](https://x.org) and `code`") == "A bold link and code"
    assert plain("see https://x.org/a.") == "see https://x.org/a."
