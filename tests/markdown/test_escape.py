"""Escaping of outside text: inert on one line, and read back exactly by the parser."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from tests.markdown.md_strategies import FRAGMENTS

from zotmark.markdown.escape import escape_text, escape_url, mask_escapes, unescape
from zotmark.markdown.inline import plain

outside_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6))).map("".join)


def test_escape_text_examples() -> None:
    assert escape_text("  A *b*\n[c]_d_ `e` ~~f~~ <g> \\ ") == (
        "A \\*b\\* \\[c\\]\\_d\\_ \\`e\\` \\~\\~f\\~\\~ \\<g\\> \\\\"
    )
    assert escape_text("see https://x.org") == "see https\\://x.org"


def test_escape_url_examples() -> None:
    assert escape_url(" https://x.org/a b(c)<d>`e\\f\n ") == (
        "https://x.org/a%20b%28c%29%3Cd%3E%60e%5Cf"
    )
    assert escape_url("https://x.org/caf%C3%A9?q=1&r=é") == "https://x.org/caf%C3%A9?q=1&r=é"


@given(outside_text)
def test_escaped_text_is_one_line(text: str) -> None:
    escaped = escape_text(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert escaped == escaped.strip()


UNWRITABLE = re.compile("[\ud800-\udfff\x00-\x08\x0e-\x1b\x7f-\x9f]")
"""What no list may hold: lone surrogates, control characters that are not whitespace."""


@given(outside_text)
def test_unescape_inverts_escape_text(text: str) -> None:
    expected = " ".join(UNWRITABLE.sub("\ufffd", text).split())
    assert unescape(escape_text(text)) == expected
    assert plain(escape_text(text)) == expected


@given(outside_text)
def test_mask_keeps_length_and_hides_every_escaped_character(text: str) -> None:
    escaped = escape_text(text)
    mask = mask_escapes(escaped)
    assert len(mask) == len(escaped)
    assert not any(char in mask for char in "*_[]<>`~")


def test_no_control_character_of_a_title_reaches_the_file() -> None:
    """A NUL would make the list binary, an ESC would drive the terminal showing it."""
    assert escape_text("NUL\x00 ESC\x1b[2J DEL\x7f") == "NUL\ufffd ESC\ufffd\\[2J DEL\ufffd"
