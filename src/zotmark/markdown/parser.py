"""The lossless reading-list parser: text → :class:`~zotmark.markdown.document.Document`.

One pass over the lines tracks fenced code blocks, HTML comments, headings, front matter and
the stack of open list items (an item is nested in an earlier one indented less). A task item
is an entry, unless its label names a configured flag and its parent item is an entry: then
it is that entry's flag. Task items inside code blocks and comments are ignored with a
warning. The fields of each entry are then read from its line by
:func:`zotmark.markdown.inline.extract`, and its ident by :func:`zotmark.core.model.identify`.
The text itself is kept as it is, so rendering is the identity (DESIGN §2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from zotmark.core.model import Entry, identify
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
    its task item (on line ``line``, which starts at offset ``line_at``)."""

    __slots__ = (
        "child_indent", "continuation", "flag_boxes", "flags", "item", "last_line", "line",
        "line_at", "section",
    )  # fmt: skip

    def __init__(self, line: int, at: int, item: re.Match[str], section: tuple[str, ...]) -> None:
        self.line = line
        self.line_at = at
        self.item = item
        self.section = section
        self.flags: dict[str, bool] = {}  # tag → box state, the first box of a tag only
        self.flag_boxes: dict[str, int] = {}  # tag → offset of its box character
        self.last_line = -1
        self.continuation: str | None = None
        self.child_indent: str | None = None


_ANCHOR_AT_END = re.compile(rf"{ANCHOR.pattern}[ \t]*$")

_Open = tuple[int, _Draft | None]
"""An open list item: the column of its marker and the entry it is, if it is one."""


class _Scanner:
    """The state of one pass over the lines (one instance per :func:`parse` call)."""

    def __init__(self, text: str, flags: Mapping[str, str]) -> None:
        self.text = text
        self.lines = blocks.split_lines(text)
        self.flag_tags = {flag_key(label): tag for label, tag in flags.items()}
        self.flag_labels: dict[str, str] = {}
        self.drafts: list[_Draft] = []
        self.warnings: list[ParseWarning] = []
        # per heading: its first and last line, level, title and heading path
        self.headings: list[tuple[int, int, int, str, tuple[str, ...]]] = []
        self.path: list[tuple[int, str]] = []
        self.section: tuple[str, ...] = ()
        self.stack: list[_Open] = []
        self.fence: str | None = None
        self.comment = False
        self.prev_blank = True
        self.prev_para = False
        self.last_nonblank = -1

    def run(self) -> None:
        contents, starts = self.lines.contents, self.lines.starts
        for i in range(self._front_matter_end(), len(contents)):
            line = contents[i]
            offset = starts[i]
            if i == 0 and line.startswith("\ufeff"):
                line, offset = line[1:], offset + 1
            if self.fence is not None:
                self._fence_line(i, line)
            elif self.comment:
                self._comment_line(i, line)
            elif stripped := line.lstrip(" \t"):
                self._line(i, line, stripped, offset)
                self.prev_blank = False
            else:
                self.prev_blank, self.prev_para = True, False
                continue
            if line.lstrip(" \t"):
                self.last_nonblank = i
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
        """Close the open items whose marker sits at ``column`` or further right."""
        stack = self.stack
        while stack and stack[-1][0] >= column:
            draft = stack.pop()[1]
            if draft is not None:
                draft.last_line = self.last_nonblank

    def _line(self, i: int, line: str, stripped: str, offset: int) -> None:
        """One non-blank line outside code blocks and comments (``stripped``: without its
        indentation; ``offset``: where ``line`` starts in the text)."""
        indent = len(line) - len(stripped)
        column = blocks.width(line[:indent]) if indent else 0
        first = stripped[0]
        was_para, self.prev_para = self.prev_para, False
        if first in "`~" and (fence := blocks.fence_open(line)) is not None:
            self._pop(column)
            self.fence = fence
            return
        if first == "#" and column <= 3 and (atx := blocks.atx_heading(line)) is not None:
            self._heading(i, i, atx[0], atx[1])
        elif first in "=-" and was_para and (level := blocks.setext_level(line)) is not None:
            self._heading(i - 1, i, level, self.lines.contents[i - 1].strip())
        elif first in "*-_" and blocks.is_thematic_break(line):
            self._pop(column)
        elif (item := blocks.ITEM.match(line)) is not None:
            self._list_item(i, item, column, offset)
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
        if not self.stack:
            self.prev_para = not blocks.is_html_start(line)
            return
        draft = self.stack[-1][1]
        if draft is not None and draft.line == i - 1:
            draft.continuation = line

    def _heading(self, first: int, last: int, level: int, raw: str) -> None:
        self._pop(-1)
        title = plain(raw)
        self.path = [(lv, t) for lv, t in self.path if lv < level] + [(level, title)]
        self.section = tuple(t for _, t in self.path)
        self.headings.append((first, last, level, title, self.section))

    def _list_item(self, i: int, item: re.Match[str], column: int, offset: int) -> None:
        """A list item on line ``i`` (which starts at ``offset``) whose marker sits at
        ``column``: it closes the items it ends and is its parent's child. A task item (one
        with a box) is then an entry, or a flag of the entry it is nested in."""
        self._pop(column)
        stack, box = self.stack, item[4]
        parent = stack[-1][1] if stack else None
        if parent is not None and parent.child_indent is None:
            parent.child_indent = item[1]
        if box is None:
            stack.append((column, None))
            return
        line, content_at = item.string, item.end()
        tag = self.flag_tags.get(flag_key(line[content_at:]))
        if tag is not None:
            if parent is None:
                label = line[content_at:].strip()
                self.warnings.append(
                    ParseWarning(i + 1, "stray-flag", f"flag {label!r} is under no entry")
                )
            elif tag not in parent.flags:
                parent.flags[tag] = box != " "
                parent.flag_boxes[tag] = offset + item.start(4)
            if parent is not None and tag not in self.flag_labels:
                self.flag_labels[tag] = line[content_at:].strip()
            stack.append((column, None))
            return
        draft = _Draft(i, offset, item, self.section)
        self.drafts.append(draft)
        stack.append((column, draft))


_MESSAGES = {
    "reversed-link": "reversed link (text)[url] read as a link to {url}: {title!r}",
    "empty-link": "empty link: {title!r} has no URL",
    "no-link": "no link: {title!r} has no URL",
}


def _line_end(lines: blocks.Lines, i: int, ending: bool) -> int:
    """The offset where line ``i``'s content ends, or (``ending``) where its ending ends."""
    end = lines.starts[i] + len(lines.contents[i])
    return end + len(lines.endings[i]) if ending else end


def _field_warnings(line: int, fields: Inline) -> list[ParseWarning]:
    return [
        ParseWarning(line, issue, _MESSAGES[issue].format(title=fields.title, url=fields.url))
        for issue in fields.issues
    ]


def _finish(lines: blocks.Lines, draft: _Draft) -> ListEntry | ParseWarning:
    """The entry a draft describes, its fields and ident read from its line; or the warning
    that its task item has neither title, link nor anchor, and so is no entry."""
    item, line_at, first, last = draft.item, draft.line_at, draft.line, draft.last_line
    content = item.string[item.end() :]
    fields = extract(content, draft.continuation)
    if not fields.title and fields.url is None and fields.anchor is None:
        return ParseWarning(first + 1, "empty-entry", "a task item without text")
    text = content if draft.continuation is None else f"{content}\n{draft.continuation}"
    entry = Entry(
        line=first + 1,
        title=fields.title,
        url=fields.url,
        ident=identify(fields.title, fields.url, text),
        read=item[4] != " ",
        flags=draft.flags,
        section=draft.section,
        anchor=fields.anchor,
        struck=fields.struck,
    )
    return ListEntry(
        entry=entry,
        box=line_at + item.start(4),
        flag_boxes=draft.flag_boxes,
        first_line=first,
        last_line=last,
        start=line_at,
        end=_line_end(lines, last, True),
        line_end=_line_end(lines, first, False),
        indent=item[1],
        marker=item[2],
        eol=lines.endings[first],
        child_indent=draft.child_indent,
        content_at=line_at + item.end(),
        inline=fields,
    )


def _entries(scanner: _Scanner, warnings: list[ParseWarning]) -> list[ListEntry]:
    """The entries of all drafts; task items with neither title, link nor anchor are none."""
    entries = []
    for draft in scanner.drafts:
        found = _finish(scanner.lines, draft)
        if isinstance(found, ParseWarning):
            warnings.append(found)
            continue
        warnings.extend(_field_warnings(draft.line + 1, found.inline))
        entries.append(found)
    return entries


def _sections(scanner: _Scanner) -> tuple[Section, ...]:
    """The headings as sections; a section ends where a heading of its level or higher starts."""
    lines, text = scanner.lines, scanner.text
    ends: list[int] = [len(text)] * len(scanner.headings)
    open_sections: list[tuple[int, int]] = []  # (level, index) of sections not yet ended
    for k, (first, _, level, _, _) in enumerate(scanner.headings):
        while open_sections and open_sections[-1][0] >= level:
            ends[open_sections.pop()[1]] = lines.starts[first]
        open_sections.append((level, k))
    sections = []
    for k, (first, last, level, title, path) in enumerate(scanner.headings):
        start = lines.starts[first] + (1 if first == 0 and text[:1] == "\ufeff" else 0)
        body = _line_end(lines, last, True)
        sections.append(Section(first + 1, level, title, path, start, body, ends[k]))
    return tuple(sections)


def parse(text: str, flags: Mapping[str, str] = DEFAULT_FLAGS) -> Document:
    """Parse a reading list. Never fails: what cannot be read becomes a warning.

    ``flags`` maps flag labels as written in the list (``"Relevant?"``) to tag names
    (``"relevant"``). ``render(parse(text)) == text`` for every ``text``.
    """
    scanner = _Scanner(text, flags)
    scanner.run()
    warnings = list(scanner.warnings)
    entries = _entries(scanner, warnings)
    warnings.extend(cross_warnings(listed.entry for listed in entries))
    warnings.sort(key=lambda warning: warning.line)
    return Document(
        text=text,
        entries=tuple(entries),
        warnings=tuple(warnings),
        sections=_sections(scanner),
        flag_labels=dict(scanner.flag_labels),
        open_at_end=scanner.fence is not None or scanner.comment,
    )
