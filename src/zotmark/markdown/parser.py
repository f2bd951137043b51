"""The lossless reading-list parser: text → :class:`~zotmark.markdown.document.Document`.

One pass over the lines tracks fenced code blocks, HTML comments, headings, front matter and
the stack of open list items (an item is nested in an earlier one indented less). A task item
is an entry, unless its label names a configured flag and its parent item is an entry: then
it is that entry's flag. Task items inside code blocks and comments are ignored with a
warning. An entry is read when its block closes (its fields by
:func:`zotmark.markdown.inline.extract`, its ident by :func:`zotmark.core.identifiers.identify`),
so only the entries whose blocks are open wait as drafts. The text itself is kept as it is,
so rendering is the identity (DESIGN §2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from zotmark.core.identifiers import identify
from zotmark.core.model import Entry
from zotmark.core.states import known
from zotmark.markdown import blocks
from zotmark.markdown.checks import cross_warnings
from zotmark.markdown.document import Document, ListEntry, ParseWarning, Section
from zotmark.markdown.inline import ANCHOR, Inline, extract, plain

DEFAULT_FLAGS: Mapping[str, str] = {"Relevant?": "relevant"}


def flag_key(label: str) -> str:
    """A flag label compared case-insensitively, a trailing ``?`` or ``:`` optional."""
    return label.strip().rstrip("?:").strip().casefold()


class _Draft:
    """An entry while its block is still being read: ``item`` is the ``blocks.ITEM`` match of
    its task item on line ``line`` (which starts at offset ``at``), ``content`` the line after
    the item's box; ``index`` is its place among the document's entries."""

    __slots__ = (
        "at", "child_indent", "content", "continuation", "flag_offsets", "flags", "index",
        "item", "line", "section",
    )  # fmt: skip

    def __init__(
        self,
        line: int,
        at: int,
        item: re.Match[str],
        content: str,
        section: tuple[str, ...],
        index: int,
    ) -> None:
        self.line = line
        self.at = at
        self.item = item
        self.content = content
        self.section = section
        self.index = index
        self.flags: dict[str, bool] | None = None  # tag → box state, the first box of a tag only
        self.flag_offsets: dict[str, int] | None = None  # tag → its box from the line's end
        self.continuation: str | None = None
        self.child_indent: str | None = None


_ANCHOR_AT_END = re.compile(rf"{ANCHOR.pattern}[ \t]*$")

# A heading: its 1-based line, level, title, heading path, and the offsets where its first
# line starts and its last line ends (after the line ending).
_Heading = tuple[int, int, str, tuple[str, ...], int, int]


class _Scanner:
    """The state of one pass over the lines (one instance per :func:`parse` call).

    Values many entries hold alike (flag states, flag boxes' offsets from the entry line's end,
    indentation, markers) are kept once per parse in ``shared``, ``flag_states`` and
    ``flag_offsets``, so that a document holds one object for each, not one per entry (and
    :func:`~zotmark.markdown.blocks.split_lines` gives every line one of three endings).
    """

    def __init__(self, text: str, flags: Mapping[str, str]) -> None:
        self.text = text
        self.lines = blocks.split_lines(text)
        self.flag_tags = {flag_key(label): tag for label, tag in flags.items()}
        self.flag_labels: dict[str, str] = {}
        self.entries: list[ListEntry | None] = []  # in line order; None: an empty task item
        self.warnings: list[ParseWarning] = []  # the scanner's own, then the entries'
        self.entry_warnings: list[ParseWarning] = []
        self.headings: list[_Heading] = []
        self.path: list[tuple[int, str]] = []
        self.section: tuple[str, ...] = ()
        self.columns: list[int] = []  # the open list items: the column of each one's marker
        self.drafts: list[_Draft | None] = []  # and the entry it is, if it is one
        self.fence: str | None = None
        self.comment = False
        self.prev_blank = True
        self.prev_para = False
        self.last_nonblank = -1  # the last non-blank line so far
        self.last_end = 0  # the offset just past that line's ending
        self.shared: dict[str, str] = {}
        self.flag_states: dict[tuple[tuple[str, bool], ...], dict[str, bool]] = {}
        self.flag_offsets: dict[tuple[tuple[str, int], ...], dict[str, int]] = {}
        self.no_flags: dict[str, bool] = {}  # the flags, and flag boxes, of entries without
        self.no_boxes: dict[str, int] = {}

    def run(self) -> None:
        contents, endings = self.lines.contents, self.lines.endings
        first = self._front_matter_end()
        at = sum(len(contents[i]) + len(endings[i]) for i in range(first))
        for i in range(first, len(contents)):
            line = contents[i]
            end = at + len(line) + len(endings[i])  # where the next line starts
            if i == 0 and line.startswith("\ufeff"):
                line, at = line[1:], at + 1
            stripped = line.lstrip(" \t")
            if self.fence is not None:
                self._fence_line(i, line)
            elif self.comment:
                self._comment_line(i, line)
            elif stripped:
                self._line(i, line, stripped, at, end)
                self.prev_blank = False
            else:
                self.prev_blank, self.prev_para = True, False
            if stripped:
                self.last_nonblank, self.last_end = i, end
            at = end
        self._pop(-1)

    def _front_matter_end(self) -> int:
        """The index of the first line after YAML front matter (0 without front matter)."""
        contents = self.lines.contents
        if not contents or contents[0].lstrip("\ufeff").rstrip(" \t") != "---":
            return 0
        for i in range(1, len(contents)):
            if contents[i].rstrip(" \t") in ("---", "..."):
                return i + 1
        return 0

    def _ignored(self, i: int, line: str, where: str) -> None:
        match = blocks.ITEM.match(line.lstrip(" \t"))
        if match is not None and match[4] is not None:
            snippet = line.strip()[:60]
            self.warnings.append(
                ParseWarning(i + 1, "ignored", f"an entry inside {where} is ignored: {snippet}")
            )

    def _fence_line(self, i: int, line: str) -> None:
        assert self.fence is not None
        if blocks.closes_fence(line, self.fence):
            self.fence = None
        else:
            self._ignored(i, line, "a code block")

    def _comment_line(self, i: int, line: str) -> None:
        self.comment, texts = blocks.comment_state(line, True)
        for text in texts:
            self._ignored(i, text, "an HTML comment")

    def _pop(self, column: int) -> None:
        """Close the open items whose marker sits at ``column`` or further right; each entry
        among them is read (its block ends with the last non-blank line so far)."""
        columns, drafts = self.columns, self.drafts
        while columns and columns[-1] >= column:
            columns.pop()
            draft = drafts.pop()
            if draft is not None:
                self._finish(draft)

    def _line(self, i: int, line: str, stripped: str, at: int, end: int) -> None:
        """One non-blank line outside code blocks and comments (``stripped``: without its
        indentation; ``at``/``end``: where it starts, and where the next line starts)."""
        indent = len(line) - len(stripped)
        column = blocks.width(line[:indent]) if indent else 0
        first = stripped[0]
        was_para, self.prev_para = self.prev_para, False
        if first in "`~" and (fence := blocks.fence_open(line)) is not None:
            self._pop(column)
            self.fence = fence
            return
        item = blocks.ITEM.match(line)
        if first == "#" and column <= 3 and (atx := blocks.atx_heading(line)) is not None:
            self._heading(i, atx[0], atx[1], at, end)
        elif first in "=-" and was_para and (level := blocks.setext_level(line)) is not None:
            above = self.lines.contents[i - 1]
            start = at - len(self.lines.endings[i - 1]) - len(above)
            if i == 1 and above.startswith("\ufeff"):
                start += 1
            self._heading(i - 1, level, above.strip(), start, end)
        elif (
            first in "*-_"
            and (item is None or item[4] is None)  # (a task box's "[" breaks no thematic break)
            and blocks.is_thematic_break(line)
        ):
            self._pop(column)
        elif item is not None:
            self._list_item(i, item, column, at)
        else:
            self._text(i, line, column)
        if "<!--" in line:
            self._comment_start(i, line)

    def _comment_start(self, i: int, line: str) -> None:
        if line.count("<!--") == 1 and _ANCHOR_AT_END.search(line):
            return  # an anchor: a comment that closes and holds no entry (read by extract)
        self.comment, texts = blocks.comment_state(line, False)
        for text in texts:
            self._ignored(i, text, "an HTML comment")

    def _text(self, i: int, line: str, column: int) -> None:
        """A line that is no item, heading, fence or break: a paragraph or HTML line."""
        if self.prev_blank or (column <= 3 and blocks.is_html_start(line)):
            self._pop(column)
        if not self.columns:
            self.prev_para = not blocks.is_html_start(line)
            return
        draft = self.drafts[-1]
        if draft is not None and draft.line == i - 1:
            draft.continuation = line

    def _heading(self, first: int, level: int, raw: str, start: int, body: int) -> None:
        """A heading whose first line ``first`` starts at ``start`` and whose last line ends
        at ``body`` (after its line ending)."""
        self._pop(-1)
        title = plain(raw)
        self.path = [(lv, t) for lv, t in self.path if lv < level] + [(level, title)]
        self.section = tuple(t for _, t in self.path)
        self.headings.append((first + 1, level, title, self.section, start, body))

    def _list_item(self, i: int, item: re.Match[str], column: int, at: int) -> None:
        """A list item on line ``i`` (which starts at ``at``) whose marker sits at ``column``:
        it closes the items it ends and is its parent's child. A task item (one with a box)
        is then an entry, or a flag of the entry it is nested in."""
        self._pop(column)
        parent = self.drafts[-1] if self.drafts else None
        if parent is not None and parent.child_indent is None:
            parent.child_indent = self.shared.setdefault(item[1], item[1])
        draft = None
        if item[4] is not None:
            content = item.string[item.end() :]
            tag = self.flag_tags.get(flag_key(content))
            if tag is None:
                draft = _Draft(i, at, item, content, self.section, len(self.entries))
                self.entries.append(None)
            else:
                self._flag(i, tag, content, parent, at + item.start(4))
        self.columns.append(column)
        self.drafts.append(draft)

    def _flag(self, i: int, tag: str, content: str, parent: _Draft | None, box: int) -> None:
        """A flag's task item on line ``i`` (its box at offset ``box``) in item ``parent``."""
        if parent is None:
            label = content.strip()
            self.warnings.append(
                ParseWarning(i + 1, "stray-flag", f"flag {label!r} is under no entry")
            )
            return
        if parent.flags is None or parent.flag_offsets is None:
            parent.flags, parent.flag_offsets = {}, {}
        if tag not in parent.flags:
            parent.flags[tag] = self.text[box] != " "
            parent.flag_offsets[tag] = box - parent.at - len(parent.item.string)
        if tag not in self.flag_labels:
            self.flag_labels[tag] = content.strip()

    def _finish(self, draft: _Draft) -> None:
        """Read the entry a draft describes (its block ends with the last non-blank line so
        far): its fields and ident from its line, its positions from the scan; or warn that
        its task item has neither title, link nor anchor, and so is no entry."""
        item, at, number, content = draft.item, draft.at, draft.line + 1, draft.content
        line = item.string
        fields = extract(content, draft.continuation)
        (
            title, url, struck, anchor, key_at, anchor_offset, inner_start, inner_end,
            outer_start, outer_end, title_form, link_label, link_wrapped, issues,
        ) = fields  # (one unpacking, not a lookup of each field by its name)  # fmt: skip
        if not title and url is None and anchor is None:
            self.entry_warnings.append(
                ParseWarning(number, "empty-entry", "a task item without text")
            )
            return
        if issues:
            self.entry_warnings.extend(_field_warnings(number, fields))
        if known(item[4]) is None:
            self.entry_warnings.append(
                ParseWarning(number, "unknown-state", _UNKNOWN_STATE.format(marker=item[4]))
            )
        text = content if draft.continuation is None else f"{content}\n{draft.continuation}"
        flags, shared, indent, marker = draft.flags, self.shared.setdefault, item[1], item[2]
        states = (
            self.flag_states.setdefault(tuple(flags.items()), flags) if flags else self.no_flags
        )
        offsets = draft.flag_offsets
        flag_offsets = (
            self.flag_offsets.setdefault(tuple(offsets.items()), offsets)
            if offsets
            else self.no_boxes
        )
        entry = Entry(
            number,
            title,
            url,
            identify(title, url, text),
            item[4],  # state (its marker)
            states,  # flags
            draft.section,
            anchor,
            struck,
        )
        self.entries[draft.index] = ListEntry(
            entry,
            at,  # start
            item.start(4),  # box_offset
            len(line),  # line_length
            self.last_end - at,  # block_length
            self.last_nonblank - draft.line,  # block_lines
            flag_offsets,
            shared(indent, indent),
            shared(marker, marker),
            self.lines.endings[draft.line],  # eol (split_lines shares the three endings)
            draft.child_indent,
            key_at,
            anchor_offset,
            inner_start,
            inner_end,
            outer_start,
            outer_end,
            title_form,
            link_label,
            link_wrapped,
        )


_MESSAGES = {
    "reversed-link": "reversed link (text)[url] read as a link to {url}: {title!r}",
    "empty-link": "empty link: {title!r} has no URL",
    "no-link": "no link: {title!r} has no URL",
}


_UNKNOWN_STATE = (
    "box [{marker}]: a reading state zotmark does not know (it syncs [ ], [/], [x] and [-]); "
    "the box is left alone"
)


def _field_warnings(line: int, fields: Inline) -> list[ParseWarning]:
    return [
        ParseWarning(line, issue, _MESSAGES[issue].format(title=fields.title, url=fields.url))
        for issue in fields.issues
    ]


def _sections(headings: list[_Heading], length: int) -> tuple[Section, ...]:
    """The headings as sections; a section ends where a heading of its level or higher starts
    (the last ones at ``length``, the end of the text)."""
    ends: list[int] = [length] * len(headings)
    open_sections: list[tuple[int, int]] = []  # (level, index) of sections not yet ended
    for k, (_, level, _, _, start, _) in enumerate(headings):
        while open_sections and open_sections[-1][0] >= level:
            ends[open_sections.pop()[1]] = start
        open_sections.append((level, k))
    return tuple(
        Section(line, level, title, path, start, body, ends[k])
        for k, (line, level, title, path, start, body) in enumerate(headings)
    )


def parse(text: str, flags: Mapping[str, str] = DEFAULT_FLAGS) -> Document:
    """Parse a reading list. Never fails: what cannot be read becomes a warning.

    ``flags`` maps flag labels as written in the list (``"Relevant?"``) to tag names
    (``"relevant"``). ``render(parse(text)) == text`` for every ``text``.
    """
    scanner = _Scanner(text, flags)
    scanner.run()
    entries = tuple(listed for listed in scanner.entries if listed is not None)
    warnings = scanner.warnings + scanner.entry_warnings
    warnings.extend(cross_warnings(listed.entry for listed in entries))
    warnings.sort(key=lambda warning: warning.line)
    return Document(
        text=text,
        entries=entries,
        warnings=tuple(warnings),
        sections=_sections(scanner.headings, len(text)),
        flag_labels=dict(scanner.flag_labels),
        open_at_end=scanner.fence is not None or scanner.comment,
    )
