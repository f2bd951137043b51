"""The parsed reading list: the original text plus where every entry, flag and heading sits.

A :class:`Document` never stores a rewritten form of the file: :func:`render` returns the text
it was parsed from, byte for byte. Everything the patcher needs to change an entry surgically
(offsets of its box, flag boxes, anchor, title and block) is on its :class:`ListEntry`.
Offsets are indices into ``Document.text`` (characters, not bytes); lines are 0-based in
offsets' neighbours (``first_line``/``last_line``) and 1-based only in ``Entry.line`` and
warnings, which are for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from zotmark.core.model import Entry

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something in the list a user should look at; the entry is still read where possible.

    ``kind`` is one of ``reversed-link``, ``empty-link``, ``no-link``, ``same-identifier``,
    ``duplicate``, ``ignored`` (an entry inside a code block or comment), ``stray-flag``,
    ``empty-entry``. ``line`` is 1-based.
    """

    line: int
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Section:
    """One heading. ``path`` is the heading path ending with this heading's own text.

    ``start`` is the offset of the heading's first line, ``body`` the offset just past its
    last line (its line ending included), ``end`` the offset where the next heading of the same
    or a higher level starts (or the end of the text).
    """

    line: int
    level: int
    title: str
    path: tuple[str, ...]
    start: int
    body: int
    end: int


class ListEntry(NamedTuple):
    """One entry with the positions the patcher needs (a named tuple: one small record per
    entry, ten thousand of them in a large list).

    ``start`` is the offset of the entry line, :attr:`box` that of the entry's box character
    (`` ``, ``x`` or ``X``), ``box_offset`` characters further; ``flag_offsets`` maps a flag's
    tag name to where its box character is from ``line_end`` (:attr:`flag_boxes` gives the
    offsets in the text). ``indent``/``marker``/``eol`` are the entry line's leading
    whitespace, list marker and line ending; ``child_indent`` the leading whitespace of its
    first nested list item, if any. The fields from ``key_at`` on are what the entry line's
    content says (those of its :class:`~zotmark.markdown.inline.Inline` but the ones
    ``entry`` holds, in this record: one record per entry, not two; 4 MB less held by a
    daemon at 50,000 entries), their positions relative to :attr:`content_at`.

    The other positions are kept as lengths, small numbers a record shares with all others
    (Python keeps one object for each integer below 257), and given as offsets into the text
    by the properties below: the block spans ``[start, end)`` (``end = start + block_length``:
    the entry line, its continuation lines and nested items, its last line's ending included,
    trailing blank lines excluded) and covers lines ``first_line`` to ``last_line``
    (``block_lines`` lines after the first); the entry line's content ends at ``line_end``
    (``start + line_length``, before its line ending).
    """

    entry: Entry
    start: int
    box_offset: int
    line_length: int
    block_length: int
    block_lines: int
    flag_offsets: Mapping[str, int]
    indent: str
    marker: str
    eol: str
    child_indent: str | None
    key_at: int | None
    anchor_offset: int
    inner_start: int | None
    inner_end: int
    outer_start: int | None
    outer_end: int
    title_form: str
    """``bold``, ``link``, ``text`` or ``""``: how the title is written."""
    link_label: str | None
    """The label of the link the URL came from (``([Link](url))`` → ``"Link"``)."""
    link_wrapped: bool
    """Whether that link is wrapped in parentheses (``([Link](url))``)."""

    @property
    def box(self) -> int:
        """The offset of the entry's box character (kept as ``box_offset``, a small number:
        an int object less per entry)."""
        return self.start + self.box_offset

    @property
    def first_line(self) -> int:
        """The entry line's index (0-based)."""
        return self.entry.line - 1

    @property
    def last_line(self) -> int:
        """The index of the block's last non-blank line (0-based)."""
        return self.entry.line - 1 + self.block_lines

    @property
    def end(self) -> int:
        """Where the block ends (after its last line's ending)."""
        return self.start + self.block_length

    @property
    def line_end(self) -> int:
        """Where the entry line's content ends (before its line ending)."""
        return self.start + self.line_length

    @property
    def flag_boxes(self) -> Mapping[str, int]:
        """A flag's tag name → the offset of its box character in the text. (Kept as
        ``flag_offsets`` from the line's end, the same few numbers for every entry, which the
        entries of a parse share: 10 MB less held by a daemon at 50,000 entries.)"""
        line_end = self.start + self.line_length
        return {tag: line_end + offset for tag, offset in self.flag_offsets.items()}

    @property
    def content_at(self) -> int:
        """Where the entry line's content starts (just after the box's ``]``): the offset
        the content's positions are relative to."""
        return self.box + 2

    @property
    def anchor_at(self) -> int:
        """Where a new anchor goes."""
        return self.box + 2 + self.anchor_offset

    @property
    def anchor_key(self) -> Span | None:
        """The span of the existing anchor's key, if any."""
        key_at = self.key_at
        return None if key_at is None else (self.box + 2 + key_at, self.box + 10 + key_at)

    @property
    def title_inner(self) -> Span | None:
        """The span a new title replaces (``None`` without a title)."""
        if self.inner_start is None:
            return None
        return (self.box + 2 + self.inner_start, self.box + 2 + self.inner_end)

    @property
    def title_outer(self) -> Span | None:
        """The span strikethrough wraps (``None`` when there is nothing to strike)."""
        if self.outer_start is None:
            return None
        return (self.box + 2 + self.outer_start, self.box + 2 + self.outer_end)


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed reading list.

    ``flag_labels`` maps a flag's tag name to its label as the file spells it (the first
    spelling met). ``open_at_end`` is true when the text ends inside a fenced code block or an
    HTML comment (an entry appended there would be ignored).
    """

    text: str
    entries: tuple[ListEntry, ...] = ()
    warnings: tuple[ParseWarning, ...] = ()
    sections: tuple[Section, ...] = ()
    flag_labels: Mapping[str, str] = field(default_factory=dict)
    open_at_end: bool = False

    def find(self, line: int) -> ListEntry | None:
        """The entry whose task box is on 1-based line ``line``, if any."""
        return next((e for e in self.entries if e.entry.line == line), None)


def render(document: Document) -> str:
    """The document's text: exactly the text it was parsed from."""
    return document.text
