"""Block-level Markdown recognisers for the line scanner: lines, list items, headings, fences.

Lines end at ``\\r\\n``, ``\\r`` or ``\\n`` (as in CommonMark); :func:`split_lines` keeps each
line's ending so that the lines concatenate back to the text. The other helpers each answer
one question about one line (without its ending).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zotmark.markdown.escape import mask_code, mask_escapes

_EOL = re.compile(r"(\r\n|\r|\n)")
_ENDINGS = {"\r\n": "\r\n", "\r": "\r", "\n": "\n"}
# indent, marker, spaces after the marker, box character (only for a task item): a space or
# any one character but white space and brackets (``core.states`` says which states it knows)
ITEM = re.compile(r"([ \t]*)([-*+]|[0-9]{1,9}[.)])(?:([ \t]+)(?:\[( |[^\s\[\]])\](?=[ \t]|$))?|$)")
BOX_MARKER = re.compile(r" |[^\s\[\]]")
"""A character that may stand in a task box (as :data:`ITEM` reads it)."""
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_THEMATIC = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)$")
_HTML_START = re.compile(r" {0,3}<[A-Za-z/!?]")
_OPEN = "<!--"
_CLOSE = "-->"


@dataclass(frozen=True, slots=True)
class Lines:
    """The lines of a text: ``contents[i] + endings[i]`` concatenated give the text back. Only
    the last line may have an empty ending."""

    contents: list[str]
    endings: list[str]


def split_lines(text: str) -> Lines:
    """``text`` cut into lines at every ``\\r\\n``, ``\\r`` and ``\\n`` (each ending one of
    three shared strings)."""
    if "\r" in text:
        parts = _EOL.split(text)
        contents, endings = parts[0::2], [_ENDINGS[eol] for eol in parts[1::2]] + [""]
    else:
        contents = text.split("\n")
        endings = ["\n"] * (len(contents) - 1) + [""]
    if contents[-1] == "":
        contents.pop()
        endings.pop()
    return Lines(contents, endings)


def width(whitespace: str) -> int:
    """The column reached after ``whitespace`` (spaces and tabs; tab stops every 4 columns)."""
    if "\t" not in whitespace:
        return len(whitespace)
    column = 0
    for char in whitespace:
        column = column + 4 - column % 4 if char == "\t" else column + 1
    return column


def atx_heading(line: str) -> tuple[int, str] | None:
    """``(level, raw text)`` of an ATX heading line (``## Title ##``), else ``None``."""
    match = _ATX.match(line)
    return (len(match[1]), match[2] or "") if match else None


def setext_level(line: str) -> int | None:
    """1 for a ``===`` underline, 2 for ``---``, else ``None``."""
    match = _SETEXT.match(line)
    return (1 if match[1][0] == "=" else 2) if match else None


def is_thematic_break(line: str) -> bool:
    """Whether the line is ``***``, ``---``, ``___`` (spaces allowed between)."""
    return _THEMATIC.match(line) is not None


def fence_open(line: str) -> str | None:
    """The fence (```` ``` ```` or ``~~~``, any length) a line opens, at any indentation."""
    match = _FENCE.match(line)
    if match is None or (match[1][0] == "`" and "`" in match[2]):
        return None
    return match[1]


def closes_fence(line: str, fence: str) -> bool:
    """Whether the line closes a block opened by ``fence`` (same character, no shorter)."""
    match = _FENCE.match(line)
    return (
        match is not None
        and match[1][0] == fence[0]
        and len(match[1]) >= len(fence)
        and not match[2].strip(" \t")
    )


def is_html_start(line: str) -> bool:
    """Whether the line starts an HTML block (a tag or a comment)."""
    return _HTML_START.match(line) is not None


def comment_state(line: str, inside: bool) -> tuple[bool, list[str]]:
    """Read one line for HTML comments.

    ``inside`` says whether a comment is open at the line's start. Returns whether one is open
    at its end, and the commented text found on the line (an escaped ``\\<!--`` or one in a
    code span opens nothing).
    """
    mask = mask_code(mask_escapes(line))
    pos, texts = 0, []
    while True:
        if inside:
            end = mask.find(_CLOSE, pos)
            texts.append(line[pos : len(line) if end < 0 else end])
            if end < 0:
                return True, texts
            inside, pos = False, end + len(_CLOSE)
        start = mask.find(_OPEN, pos)
        if start < 0:
            return False, texts
        inside, pos = True, start + len(_OPEN)
