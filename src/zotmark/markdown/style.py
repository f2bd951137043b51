"""The dominant writing style of a reading list, so that new entries look like the user's own.

:func:`detect_style` counts what the file's entries do (bullet, nesting indent, line ending,
``**Title** ([Link](url))`` versus ``[Title](url)``, flag sub-items) and keeps the majority.
A file without entries gets the style of the original list (DESIGN §2).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from zotmark.markdown.document import Document, ListEntry


@dataclass(frozen=True, slots=True)
class Style:
    """How new entries are written.

    ``marker`` is ``-``, ``*``, ``+``, ``1.`` or ``1)``; ``indent_unit`` the indentation of a
    nested item relative to its parent (a tab, four or two spaces); ``eol`` the line ending.
    With ``bold_titles`` an entry reads ``**Title** ([Link](url))`` (``link_label`` and
    ``link_wrapped`` give the link's text and its parentheses), without it ``[Title](url)``.
    ``flag_items`` says whether entries carry flag sub-items (``- [ ] Relevant?``).
    """

    marker: str = "-"
    indent_unit: str = "    "
    eol: str = "\n"
    bold_titles: bool = True
    link_label: str = "Link"
    link_wrapped: bool = True
    flag_items: bool = True


T = TypeVar("T")


def _majority(values: Iterable[T], default: T) -> T:
    counts = Counter(values)
    return counts.most_common(1)[0][0] if counts else default


def _eol(text: str) -> str:
    crlf = text.count("\r\n")
    counts = {"\r\n": crlf, "\n": text.count("\n") - crlf, "\r": text.count("\r") - crlf}
    best = max(counts, key=lambda eol: counts[eol])
    return best if counts[best] else "\n"


def _marker(marker: str) -> str:
    return marker if marker in "-*+" else f"1{marker[-1]}"


def _unit(listed: ListEntry) -> str | None:
    child = listed.child_indent
    if child is None or not child.startswith(listed.indent) or child == listed.indent:
        return None
    return child[len(listed.indent) :]


def detect_style(document: Document) -> Style:
    """The majority style of ``document``'s entries (defaults where the file says nothing)."""
    entries = document.entries
    default = Style(eol=_eol(document.text))
    if not entries:
        return default
    titled = [e for e in entries if e.entry.url is not None and e.title_form in ("bold", "link")]
    bold = [e for e in titled if e.title_form == "bold" and e.link_label is not None]
    return Style(
        marker=_majority((_marker(e.marker) for e in entries), default.marker),
        indent_unit=_majority(
            (unit for e in entries if (unit := _unit(e)) is not None), default.indent_unit
        ),
        eol=default.eol,
        bold_titles=_majority((e.title_form == "bold" for e in titled), default.bold_titles),
        link_label=_majority((e.link_label for e in bold if e.link_label), default.link_label),
        link_wrapped=_majority((e.link_wrapped for e in bold), default.link_wrapped),
        flag_items=2 * sum(1 for e in entries if e.flag_offsets) >= len(entries),
    )
