"""Surgical edits of a reading list: pure functions from a parsed document to :class:`Edit`\\ s.

Every change zotmark makes to a list is a set of :class:`Edit` values (replace ``[start, end)``
of the parsed text) built here from a :class:`~zotmark.markdown.document.Document`, and
applied together by :func:`apply`. Each edit carries the text it expects to replace, so an
edit planned on an old text can never silently damage a newer one. Nothing outside an edit's
span changes: a box flip changes one character, an anchor is appended at the line's end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter

from zotmark.core.model import is_item_key
from zotmark.errors import PatchError
from zotmark.markdown.compose import NewEntry, entry_block
from zotmark.markdown.document import Document, ListEntry
from zotmark.markdown.escape import escape_text
from zotmark.markdown.parser import DEFAULT_FLAGS
from zotmark.markdown.style import Style, detect_style

_LINE_REST = re.compile(r"[ \t]*(?:\r\n|\r|\n)?")


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` with ``text`` (an insertion when ``start == end``).

    ``expect``, when given, is what ``[start, end)`` must hold for the edit to apply.
    """

    start: int
    end: int
    text: str
    expect: str | None = None


_start, _end = attrgetter("start"), attrgetter("end")


RUN = 512
"""How many edits' pieces :func:`apply` joins at a time: the slices of the old text between
edits are let go run by run, not all held until the new text is joined (at a first sync's
10,000 anchors they and the edits held were 320 B an entry of its peak)."""


def apply(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with all ``edits`` applied; their offsets all refer to ``text`` as given.

    Insertions at the same offset keep their order in ``edits``; an insertion at the start of
    a replaced span goes before the replacement. Raises :class:`PatchError` for overlapping
    edits, offsets outside the text, or an ``expect`` the text does not hold. Each edit is let
    go once applied (given a generator, the edits are held only by this function).
    """
    return "".join(runs(text, edits))


def runs(text: str, edits: Iterable[Edit]) -> list[str]:
    """:func:`apply`'s new text in the runs it is made of, not yet joined: a caller may let
    ``text`` go before it joins them (a first sync's parsed list is let go so: 360 B an entry
    of its peak)."""
    # in span order, equal spans in their order: sorted by end, then (a stable sort) by start,
    # each key an int the edit holds (a key tuple made per edit was 56 B an entry of a first
    # sync's peak)
    pending = sorted(edits, key=_end)
    pending.sort(key=_start)
    pending.reverse()  # taken from the end, in offset order
    made: list[str] = []  # the new text, a run of edits at a time
    parts: list[str] = []
    pos = 0
    while pending:
        edit = pending.pop()
        if not pos <= edit.start <= edit.end <= len(text):
            raise PatchError(f"edit [{edit.start}, {edit.end}) overlaps another or leaves the text")
        if edit.expect is not None and text[edit.start : edit.end] != edit.expect:
            raise PatchError("the list changed since it was read; the edit no longer fits")
        parts += (text[pos : edit.start], edit.text)
        pos = edit.end
        if len(parts) >= 2 * RUN:
            made.append("".join(parts))
            parts.clear()
    parts.append(text[pos:])
    made.append("".join(parts))
    return made


def _box(document: Document, offset: int, marker: str, same: bool) -> tuple[Edit, ...]:
    """Write ``marker`` into the box at ``offset``, unless the box already says the same."""
    if same:
        return ()
    return (Edit(offset, offset + 1, marker, expect=document.text[offset]),)


def set_state(document: Document, listed: ListEntry, state: str) -> tuple[Edit, ...]:
    """Write the reading ``state`` (a marker of ``core.states``) into the entry's own box: one
    character; no edit when the box already states it (``[X]`` stays for done)."""
    current = document.text[listed.box]
    same = current == state or (state == "x" and current == "X")
    return _box(document, listed.box, state, same)


def set_flag(document: Document, listed: ListEntry, tag: str, value: bool) -> tuple[Edit, ...]:
    """Tick or clear the entry's box for flag ``tag``; :class:`PatchError` if it has none
    (see :func:`add_flag`)."""
    if tag not in listed.flag_boxes:
        raise PatchError(f"the entry on line {listed.entry.line} has no box for flag {tag!r}")
    offset = listed.flag_boxes[tag]  # (a flag box holding any marker but a space is ticked)
    return _box(document, offset, "x" if value else " ", (document.text[offset] != " ") == value)


def set_anchor(document: Document, listed: ListEntry, key: str) -> Edit:
    """Set the entry's ``<!-- zotero:KEY -->`` anchor: replace an existing key, or append the
    anchor at the end of the entry line (before a comment left open on that line)."""
    if not is_item_key(key):
        raise PatchError(f"not a Zotero item key: {key!r}")
    if listed.anchor_key is not None:
        start, end = listed.anchor_key
        return Edit(start, end, key, expect=document.text[start:end])
    at = listed.anchor_at
    anchor = f"<!-- zotero:{key} -->"
    if at < listed.line_end:
        return Edit(at, at, anchor + " ")
    spaced = document.text[at - 1] in " \t"
    return Edit(at, at, anchor if spaced else " " + anchor)


def set_title(document: Document, listed: ListEntry, title: str) -> Edit:
    """Replace the entry's title text (inside ``**…**`` or ``[…]``) with ``title``, escaped."""
    if listed.title_inner is None:
        raise PatchError(f"the entry on line {listed.entry.line} has no title to replace")
    start, end = listed.title_inner
    return Edit(start, end, escape_text(title), expect=document.text[start:end])


def strike(document: Document, listed: ListEntry) -> tuple[Edit, ...]:
    """Strike the entry's title through (``~~**Title**~~``); no edit when it already is."""
    if listed.entry.struck or listed.title_outer is None:
        return ()
    start, end = listed.title_outer
    title = document.text[start:end]
    odd_backslashes = (len(title) - len(title.rstrip("\\"))) % 2 == 1
    closing = "\\~~" if odd_backslashes else "~~"  # a title ending in "\\" must not escape it
    touching = start > 0 and not document.text[start - 1].isspace()
    opening = " ~~" if touching else "~~"  # a bare URL right before would swallow the tildes
    return (Edit(start, start, opening), Edit(end, end, closing))


def remove(document: Document, listed: ListEntry) -> Edit:
    """Remove the entry's whole block (its nested items included). At the end of a file
    without a final line ending, the line ending before the block goes too."""
    start, end, text = listed.start, listed.end, document.text
    if end == len(text) and not text.endswith(("\n", "\r")) and start > 0:
        start -= 2 if text[start - 2 : start] == "\r\n" else 1
    return Edit(start, end, "", expect=text[start:end])


def add_flag(
    document: Document, listed: ListEntry, label: str, value: bool, style: Style | None = None
) -> Edit:
    """A new flag sub-item (``- [x] Relevant?``) right below the entry line."""
    style = style or detect_style(document)
    marker = style.marker if style.marker in "-*+" else "-"
    line = f"{listed.indent}{style.indent_unit}{marker} [{'x' if value else ' '}] {label}"
    if not listed.eol:
        return Edit(listed.line_end, listed.line_end, style.eol + line)
    at = listed.line_end + len(listed.eol)
    return Edit(at, at, line + style.eol)


def _after_last_content(text: str, start: int, end: int) -> int:
    """The offset just past the last non-blank line of ``text[start:end]`` (``start`` when
    all of it is blank)."""
    content_end = start + len(text[start:end].rstrip(" \t\r\n"))
    if content_end == start:
        return start
    rest = _LINE_REST.match(text, content_end, end)
    return rest.end() if rest else content_end


def _insertion(text: str, at: int, chunk: str, eol: str) -> Edit:
    """Insert ``chunk`` (whole lines) at line start ``at``, or append it to a text without a
    final line ending (which then still has none); a blank line keeps it apart from a
    non-blank line that follows."""
    if at == len(text) and text and not text.endswith(("\n", "\r")):
        return Edit(at, at, eol + chunk[: -len(eol)])
    following = text[at:].lstrip(" \t")
    if following and not following.startswith(("\n", "\r")):
        chunk += eol
    return Edit(at, at, chunk)


def insert(
    document: Document,
    new: NewEntry,
    *,
    heading: str | None = None,
    flags: Mapping[str, str] = DEFAULT_FLAGS,
    style: Style | None = None,
) -> Edit:
    """Insert a new entry block after the last non-blank line of the file, or of the section
    under ``heading`` (matched case-insensitively; created at the end when missing).

    ``flags`` maps flag labels to tag names as for :func:`~zotmark.markdown.parser.parse`;
    the file's own spelling of a label wins. ``style`` defaults to the file's own.
    """
    style = style or detect_style(document)
    labels = {tag: document.flag_labels.get(tag, label) for label, tag in flags.items()}
    block = entry_block(new, style, labels)
    text = document.text
    if heading is None:
        return _insertion(text, _after_last_content(text, 0, len(text)), block, style.eol)
    wanted = " ".join(heading.split()).casefold()
    section = next((s for s in document.sections if s.title.casefold() == wanted), None)
    if section is None:
        at = _after_last_content(text, 0, len(text))
        lead = style.eol if at > 0 else ""
        chunk = f"{lead}## {escape_text(heading)}{style.eol}{style.eol}{block}"
        return _insertion(text, at, chunk, style.eol)
    at = _after_last_content(text, section.body, section.end)
    return _insertion(text, max(at, section.body), block, style.eol)
