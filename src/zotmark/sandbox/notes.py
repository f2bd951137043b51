"""Notes: the longest note the server stores, and how it quotes one that is too long."""

from __future__ import annotations

import html
import re

from zotmark.sandbox.errors import ObjectError

MAX_NOTE_LENGTH = 250_000  # characters (dataserver Zotero_Notes)
MAX_NOTE_TITLE = 79


class NoteTooLong(ObjectError):
    """413 for a note over 250,000 characters (the message names a keyed item)."""


_WHITESPACE_BYTES = b" \t\n\r\x00\x0b\xc2\xa0"  # PHP trim() with UTF-8 nbsp bytes added


def note_excerpt(text: str) -> str:
    """The start of a too-long note as dataserver's ``setNote`` quotes it: the note's title
    (tags stripped, entities decoded, 79 bytes, whitespace runs as one space), or the raw HTML's
    first 79 characters when the title is empty."""
    trimmed = text.strip(" \t\n\r\x00\x0b")
    title = trimmed[: MAX_NOTE_TITLE * 5]
    title = re.sub(r"</p>\s*<p>", "</p>\n<p>", title)
    title = re.sub(r"<!--.*?(?:-->|\Z)", "", title, flags=re.S)
    title = html.unescape(re.sub(r"<[^>]*(?:>|\Z)", "", title))
    cut = title.encode("utf-8")[:MAX_NOTE_TITLE].decode("utf-8", "ignore")
    excerpt = _trim_bytes(re.sub(r"[ \t\n\r\f\v]+", " ", cut))
    if excerpt == "":
        raw = re.sub(r"[ \t\n\r\f\v]+", " ", trimmed[:MAX_NOTE_TITLE])
        excerpt = _trim_bytes(html.unescape(raw))
    return excerpt


def _trim_bytes(text: str) -> str:
    return text.encode("utf-8").strip(_WHITESPACE_BYTES).decode("utf-8", "ignore")
