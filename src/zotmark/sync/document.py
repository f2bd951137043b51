"""The reading-list file as one run sees it: read its entries, then apply the plan's file actions.

Adapter over ``markdown/``: the runner never touches text or offsets itself. The file is
written once per run, atomically, and only if it still is what was read (otherwise
:class:`~zotmark.errors.FileChangedError` and the runner plans again from the new text).

A document kept between runs (the daemon's) is parsed again only when its text changed by
more than ticked or cleared boxes: a text that differs from the last one only in entries' own
and flag boxes is that document with those entries' states changed (:func:`with_boxes`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from zotmark.core.model import Entry
from zotmark.markdown.files import Fingerprint, ListFile

if TYPE_CHECKING:  # the parser, the patches and the file actions are imported where a run
    # reads or writes the list's entries: a no-op run only hashes the file (issue 16)
    from zotmark.core.actions import FileAction
    from zotmark.markdown import patch
    from zotmark.markdown.document import Document, ListEntry

BeforeWrite = Callable[[Path, str], None]


class ListDocument:
    """One reading-list file. ``flags`` maps flag labels to tag names; ``before_write`` is told
    the text zotmark is about to write (the daemon's watcher uses it to ignore its own write).
    A document that is ``kept`` between runs (the daemon's) parses the text it wrote at once,
    so that the user's next save costs no parse of it. (A plain class, as the runner and the
    session are: a dataclass cost a no-op sync ~3M instructions to define; issue 16.)"""

    def __init__(
        self,
        path: Path,
        flags: Mapping[str, str],
        anchors: bool = True,
        before_write: BeforeWrite | None = None,
        kept: bool = False,
    ) -> None:
        self.path, self.flags, self.anchors = path, flags, anchors
        self.before_write, self.kept = before_write, kept
        self._document: Document | None = None
        self._fingerprint: Fingerprint | None = None
        self._style_of: Document | None = None
        self._flag_items = True
        self._fresh: tuple[str, Fingerprint] | None = None

    def check_writable(self) -> None:
        """:meth:`ListFile.check_writable` for this list."""
        ListFile.check_writable(self.path)

    def read(self) -> list[Entry]:
        """Read the file; the entries as the list states them (parsed again only when the
        text is not the one last read). The text :meth:`current_hash` just read is not read
        again."""
        from zotmark.markdown.parser import parse

        text, fingerprint = self._fresh or ListFile.read(self.path)
        self._fresh = None
        last, document = self._fingerprint, self._document
        if document is None or last is None or last.sha256 != fingerprint.sha256:
            flipped = with_boxes(document, text) if document is not None else None
            document = flipped or parse(text, self.flags)
        self._document, self._fingerprint = document, fingerprint
        return [listed.entry for listed in document.entries]

    def current_hash(self) -> str | None:
        """The SHA-256 of the file as it is on disk now (``None`` if it is missing). The text
        is read with it and kept for the next :meth:`read` (a run reads and hashes its list
        once), or until :meth:`discard_read`."""
        self._fresh = ListFile.read(self.path) if self.path.exists() else None
        return self._fresh[1].sha256 if self._fresh is not None else None

    def discard_read(self) -> None:
        """Forget the text :meth:`current_hash` read, which no :meth:`read` will take (the
        run found nothing changed): an idle daemon does not hold it."""
        self._fresh = None

    def last_hash(self) -> str | None:
        """The SHA-256 of the text last read or written by this document."""
        return self._fingerprint.sha256 if self._fingerprint else None

    @property
    def document(self) -> Document:
        """The document as last read."""
        if self._document is None:
            raise RuntimeError("read() the list before using its document")
        return self._document

    @property
    def appends_flag_boxes(self) -> bool:
        """Whether an entry appended to the list as last read gets flag boxes (its style,
        worked out once per text read)."""
        from zotmark.markdown.style import detect_style

        document = self.document
        if self._style_of is not document:
            self._flag_items = detect_style(document).flag_items
            self._style_of = document
        return self._flag_items

    def apply(self, actions: Sequence[FileAction], *, skip_keys: Collection[str] = ()) -> bool:
        """Apply the actions to the text last read and write it if it changed; whether it did.

        Anchors for ``skip_keys`` (items Zotero refused to create) are not written.
        """
        from zotmark.markdown import patch
        from zotmark.markdown.parser import parse

        document: Document | None
        runs = patch.runs(self.document.text, self._patch(self.document, actions, skip_keys))
        document = self.document
        if sum(map(len, runs)) != len(document.text):
            # no document with boxes flipped (see with_boxes): the one read is let go before
            # the new text is joined, not held beside it (360 B an entry of a first sync's peak)
            self._document = self._style_of = document = None
        new_text = "".join(runs)
        del runs
        if document is not None and new_text == document.text:
            return False
        if self.before_write is not None:
            self.before_write(self.path, new_text)
        self._fingerprint = ListFile.write(self.path, new_text, self._fingerprint)
        # (when None, read() parses the text)
        self._document = with_boxes(document, new_text) if document is not None else None
        del document  # not kept beside the new document while it is parsed
        if self._document is None and self.kept:
            self._document = parse(new_text, self.flags)
        return True

    def _patch(
        self, document: Document, actions: Sequence[FileAction], skip_keys: Collection[str]
    ) -> Iterator[patch.Edit]:
        """The edits of ``actions``, but the anchors of ``skip_keys``: made as the patch sorts
        them, and let go as each is applied (see ``patch.RUN``)."""
        from zotmark.core.actions import InsertEntry, SetAnchor

        for action in actions:
            if not (isinstance(action, SetAnchor | InsertEntry) and action.key in skip_keys):
                yield from self._edits(document, action)

    def _edits(self, document: Document, action: FileAction) -> Sequence[patch.Edit]:
        from zotmark.core.actions import (
            InsertEntry,
            RemoveEntry,
            SetAnchor,
            SetBox,
            SetTitle,
            StrikeEntry,
        )
        from zotmark.markdown import patch
        from zotmark.markdown.compose import NewEntry

        if isinstance(action, InsertEntry):
            anchor = action.key if self.anchors else None
            new = NewEntry(action.title, action.url, action.state, action.flags, anchor)
            heading = action.heading or None
            return (patch.insert(document, new, heading=heading, flags=self.flags),)
        listed = _at_line(document, action.line)
        if listed is None:
            return ()
        if isinstance(action, SetBox):
            if action.flag is None:
                return patch.set_state(document, listed, action.marker)
            return patch.set_flag(document, listed, action.flag, action.marker != " ")
        if isinstance(action, SetAnchor):
            return (patch.set_anchor(document, listed, action.key),)
        if isinstance(action, SetTitle):
            return (patch.set_title(document, listed, action.title),) if listed.title_inner else ()
        if isinstance(action, StrikeEntry):
            return patch.strike(document, listed)
        assert isinstance(action, RemoveEntry)
        return (patch.remove(document, listed),)


SPAN = 4096
"""The length of the spans in which two texts are compared (:func:`_differing`)."""


def with_boxes(document: Document, text: str) -> Document | None:
    """``document`` as ``text`` states it when ``text`` differs from the document's text only
    in the characters of entries' own boxes and first flag boxes, each still a box marker
    (boxes ticked, cleared or given another known state: a marker the parser warns of, or
    warned of, needs a parse); else ``None`` (the text must be parsed). Equal to
    ``parse(text)`` by contract (``tests/sync/test_document.py`` checks it). Only the entries
    near the spans where the texts differ are looked at, and only those spans are compared
    once the boxes are set: the cost is the texts' comparison and the boxes changed, not the
    list's length (nor a third text of its length)."""
    old = document.text
    if len(text) != len(old) or text == old:
        return None
    entries = list(document.entries)
    spans = _differing(old, text)
    near: set[int] = set()  # the indices of the entries near a span where the texts differ
    for start, end in spans:
        first = max(bisect.bisect_right(entries, start, key=_start) - 1, 0)
        near.update(range(first, bisect.bisect_left(entries, end, key=_start)))
    from zotmark.core.states import known
    from zotmark.markdown.blocks import BOX_MARKER

    states: dict[int, str] = {}  # offset of a changed box → its new marker
    for index in near:
        listed = entries[index]
        for offset in (listed.box, *listed.flag_boxes.values()):
            char = text[offset]
            if char != old[offset]:
                own = offset == listed.box
                if own and (known(char) is None or known(old[offset]) is None):
                    return None
                if not BOX_MARKER.fullmatch(char):
                    return None
                states[offset] = char
    if not states or any(_span_differs(old, text, span, states) for span in spans):
        return None  # (the texts differ elsewhere too)
    for index in near:
        entries[index] = _with_states(entries[index], states)
    return replace(document, text=text, entries=tuple(entries))


def _start(listed: ListEntry) -> int:
    return listed.start


def _line(listed: ListEntry) -> int:
    return listed.entry.line


def _at_line(document: Document, line: int) -> ListEntry | None:
    """The entry whose box is on ``line``, if any (entries are in the order of their lines)."""
    entries = document.entries
    index = bisect.bisect_left(entries, line, key=_line)
    return entries[index] if index < len(entries) and entries[index].entry.line == line else None


def _differing(old: str, new: str) -> list[tuple[int, int]]:
    """The spans of :data:`SPAN` characters where two texts of one length differ."""
    return [
        (at, at + SPAN)
        for at in range(0, len(old), SPAN)
        if old[at : at + SPAN] != new[at : at + SPAN]
    ]


def _span_differs(old: str, new: str, span: tuple[int, int], boxes: Collection[int]) -> bool:
    """Whether the two texts differ in ``span`` elsewhere than at the offsets ``boxes``."""
    from zotmark.markdown import patch

    start, end = span
    edits = [patch.Edit(o - start, o - start + 1, new[o]) for o in boxes if start <= o < end]
    return patch.apply(old[start:end], edits) != new[start:end]


def _with_states(listed: ListEntry, states: Mapping[int, str]) -> ListEntry:
    """``listed`` with the box markers of ``states`` (by offset) that are its own (a flag
    box holding any marker but a space is ticked, as the parser reads it)."""
    entry = listed.entry
    state = states.get(listed.box, entry.state)
    flags = {
        tag: states[at] != " " if at in states else entry.flags[tag]
        for tag, at in listed.flag_boxes.items()
    }
    if state == entry.state and flags == entry.flags:
        return listed
    return listed._replace(entry=entry._replace(state=state, flags={**entry.flags, **flags}))
