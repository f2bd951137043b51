"""Markdown escaping: text from outside the file made inert, and escapes read back.

Titles and URLs that come from Zotero are written into the user's file. Escaping guarantees
they can never start or end a line, open a comment, emphasis, a link, a code span or a
strikethrough, nor look like a bare URL: :func:`escape_text` and :func:`escape_url` are the
only way such text enters a document, and :func:`unescape` (used by the parser) is their
inverse. :func:`mask_escapes` hides backslash escapes from the parser's inline regexes, and
:func:`mask_code` the contents of code spans (:func:`blank` blanks any span of a mask).
"""

from __future__ import annotations

import re
from urllib.parse import quote

# ASCII punctuation: the characters CommonMark lets a backslash escape.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SPECIAL = re.compile(r"[\\*_\[\]<>`~]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNWRITABLE = re.compile("[\ud800-\udfff\x00-\x08\x0e-\x1b\x7f-\x9f]")
"""Lone surrogates and the control characters that are not whitespace: no list may hold them
(a NUL makes the file binary, an ESC drives the terminal that shows it)."""
_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")  # a code span: its run, its contents
_URL_UNSAFE = re.compile(r"[\s()<>\\`\x00-\x1f\x7f]")


def escape_text(text: str) -> str:
    """``text`` as inert Markdown inline text on one line.

    Whitespace runs (newlines included) collapse to one space and the ends are stripped;
    ``\\ * _ [ ] < > ` ~`` get a backslash, and ``://`` becomes ``\\://`` so no bare URL can
    appear. Lone surrogates and control characters become U+FFFD. ``unescape(escape_text(t))``
    equals ``t`` with its whitespace collapsed and those replaced.
    """
    text = " ".join(_UNWRITABLE.sub("\ufffd", text).split())
    return _SPECIAL.sub(r"\\\g<0>", text).replace("://", r"\://")


def escape_url(url: str) -> str:
    """``url`` as a Markdown link destination that needs no angle brackets.

    The ends are stripped; whitespace, control characters, ``( ) < >``, backslashes and
    backticks inside are percent-encoded (UTF-8). Lone surrogates become U+FFFD. Everything
    else, existing ``%XX`` escapes included, is kept as it is.
    """
    url = _SURROGATE.sub("\ufffd", url).strip()
    return _URL_UNSAFE.sub(lambda m: quote(m.group(), safe=""), url)


def unescape(text: str) -> str:
    """``text`` with every backslash escape of ASCII punctuation replaced by the character."""
    return _ESCAPE.sub(r"\1", text) if "\\" in text else text


def blank(mask: str, start: int, end: int, filler: str = "\x00") -> str:
    """``mask`` with ``mask[start:end]`` replaced by as many ``filler`` characters."""
    return mask[:start] + filler * (end - start) + mask[end:]


def mask_escapes(text: str) -> str:
    """``text`` with each backslash escape replaced by two NUL characters.

    The result has the same length, so positions found in it are positions in ``text``; an
    escaped character can then never match an inline delimiter.
    """
    return _ESCAPE.sub("\x00\x00", text) if "\\" in text else text


def mask_code(mask: str) -> str:
    """``mask`` with the contents of code spans blanked (they hold no markup)."""
    if "`" in mask:
        for code in _CODE.finditer(mask):
            mask = blank(mask, *code.span(2))
    return mask
