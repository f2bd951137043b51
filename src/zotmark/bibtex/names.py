"""BibTeX name lists (``author``, ``editor``) to Zotero creators and back.

Pure. Reading follows BibTeX's rules: names are separated by ``and`` outside braces; a name is
``Last, First``, ``Last, Jr, First`` or ``First von Last``; a name wholly in braces
(``{World Health Organization}``) is a single-field name; ``others`` (et al.) is dropped.
Writing gives ``Last, First`` and ``{Single Field Name}``, LaTeX-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from zotmark.bibtex.latex import decode, escape
from zotmark.enrich.model import Creator

_AND = re.compile(r"(?<!\S)and(?!\S)", re.IGNORECASE)
_AND_WORD = re.compile(r"(?<!\S)and(?!\S)", re.IGNORECASE)


def parse_names(value: str, creator_type: str = "author") -> list[Creator]:
    """The creators of a BibTeX name list (empty names and ``others`` left out)."""
    creators = []
    for raw in _split(value, _AND):
        creator = _parse_name(raw.strip(), creator_type)
        if creator is not None:
            creators.append(creator)
    return creators


def _parse_name(raw: str, creator_type: str) -> Creator | None:
    """One BibTeX name as a creator, ``None`` for an empty name or ``others``."""
    if not raw or raw.lower() == "others":
        return None
    if raw.startswith("{") and _closing_brace(raw, 0) == len(raw) - 1:
        name = decode(raw)
        return Creator(creator_type, name=name) if name else None
    parts = [p.strip() for p in _split(raw, re.compile(r","))]
    if len(parts) == 1:
        first, last = _first_von_last(parts[0])
    elif len(parts) == 2:
        last, first = parts
    else:
        last, first = f"{parts[0]} {parts[1]}", " ".join(parts[2:])
    first, last = decode(first), decode(last)
    if not last:
        first, last = "", first
    return Creator(creator_type, first=first, last=last) if last else None


def _first_von_last(name: str) -> tuple[str, str]:
    """``First von Last`` split into ``(First, von Last)``: the last name starts at the first
    lower-case word before the final word, else it is the final word."""
    words = [w for w in _split(name, re.compile(r"\s+")) if w]
    if len(words) <= 1:
        return "", " ".join(words)
    start = len(words) - 1
    for index, word in enumerate(words[1:-1], start=1):
        if _starts_lower(word):
            start = index
            break
    return " ".join(words[:start]), " ".join(words[start:])


def _starts_lower(word: str) -> bool:
    """Whether a word's first letter outside braces is lower-case (BibTeX's von test)."""
    for char in _mask(word):
        if char.isalpha():
            return char.islower()
    return False


def format_names(creators: Iterable[Creator]) -> str:
    """A BibTeX name list: ``Last, First and …``; single-field names in braces."""
    return " and ".join(_format_name(c) for c in creators if c.name or c.last or c.first)


def _format_name(creator: Creator) -> str:
    """One creator as a BibTeX name."""
    if creator.name or not creator.last:
        return "{" + escape(creator.name or creator.first) + "}"
    last, first = _protect(creator.last), _protect(creator.first)
    return f"{last}, {first}" if first else last


def _protect(part: str) -> str:
    """A name part escaped, in braces if it holds a comma or the word ``and``."""
    escaped = escape(part)
    return "{" + escaped + "}" if "," in part or _AND_WORD.search(part) else escaped


def _mask(text: str) -> str:
    """``text`` with every character inside braces replaced by ``_`` (braces kept), so that
    separators are only found at brace depth 0."""
    out, depth = [], 0
    for char in text:
        if char == "}":
            depth = max(depth - 1, 0)
        out.append(char if depth == 0 or char in "{}" else "_")
        if char == "{":
            depth += 1
    return "".join(out)


def _split(text: str, separator: re.Pattern[str]) -> list[str]:
    """``text`` split at the matches of ``separator`` that lie outside braces."""
    pieces, start = [], 0
    for match in separator.finditer(_mask(text)):
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])
    return pieces


def _closing_brace(text: str, start: int) -> int:
    """The index of the brace closing the one at ``start`` (-1 if it is never closed)."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index
    return -1
