"""The reading-list file as one run sees it: read its entries, then apply the plan's file actions.

Adapter over ``markdown/``: the runner never touches text or offsets itself. The file is
written once per run, atomically, and only if it still is what was read (otherwise
:class:`~zotmark.errors.FileChangedError` and the runner plans again from the new text).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zotmark.core.actions import (
    FileAction,
    InsertEntry,
    RemoveEntry,
    SetAnchor,
    SetBox,
    SetTitle,
    StrikeEntry,
)
from zotmark.core.model import Entry
from zotmark.markdown import patch
from zotmark.markdown.compose import NewEntry
from zotmark.markdown.document import Document, ListEntry
from zotmark.markdown.files import Fingerprint, ListFile
from zotmark.markdown.parser import parse
from zotmark.markdown.style import detect_style

BeforeWrite = Callable[[Path, str], None]


@dataclass
class ListDocument:
    """One reading-list file. ``flags`` maps flag labels to tag names; ``before_write`` is told
    the text zotmark is about to write (the daemon's watcher uses it to ignore its own write)."""

    path: Path
    flags: Mapping[str, str]
    anchors: bool = True
    before_write: BeforeWrite | None = None
    _document: Document | None = field(default=None, init=False, repr=False)
    _fingerprint: Fingerprint | None = field(default=None, init=False, repr=False)
    _style_of: Document | None = field(default=None, init=False, repr=False)
    _flag_items: bool = field(default=True, init=False, repr=False)

    def check_writable(self) -> None:
        """:meth:`ListFile.check_writable` for this list."""
        ListFile.check_writable(self.path)

    def read(self) -> list[Entry]:
        """Read the file; the entries as the list states them (parsed again only when the
        text is not the one last read)."""
        text, fingerprint = ListFile.read(self.path)
        last = self._fingerprint
        if self._document is None or last is None or last.sha256 != fingerprint.sha256:
            self._document = parse(text, self.flags)
        self._fingerprint = fingerprint
        return [listed.entry for listed in self._document.entries]

    def current_hash(self) -> str | None:
        """The SHA-256 of the file as it is on disk now (``None`` if it is missing)."""
        fingerprint = ListFile.fingerprint(self.path)
        return fingerprint.sha256 if fingerprint else None

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
        document = self.document
        if self._style_of is not document:
            self._flag_items = detect_style(document).flag_items
            self._style_of = document
        return self._flag_items

    def apply(self, actions: Sequence[FileAction], *, skip_keys: Collection[str] = ()) -> bool:
        """Apply the actions to the text last read and write it if it changed; whether it did.

        Anchors for ``skip_keys`` (items Zotero refused to create) are not written.
        """
        document = self.document
        by_line = {listed.entry.line: listed for listed in document.entries}
        edits: list[patch.Edit] = []
        for action in actions:
            if isinstance(action, SetAnchor | InsertEntry) and action.key in skip_keys:
                continue
            edits.extend(self._edits(document, by_line, action))
        new_text = patch.apply(document.text, edits)
        if new_text == document.text:
            return False
        if self.before_write is not None:
            self.before_write(self.path, new_text)
        self._fingerprint = ListFile.write(self.path, new_text, self._fingerprint)
        self._document = None  # read() again before the next apply
        return True

    def _edits(
        self, document: Document, by_line: Mapping[int, ListEntry], action: FileAction
    ) -> Sequence[patch.Edit]:
        if isinstance(action, InsertEntry):
            anchor = action.key if self.anchors else None
            new = NewEntry(action.title, action.url, action.read, action.flags, anchor)
            heading = action.heading or None
            return (patch.insert(document, new, heading=heading, flags=self.flags),)
        listed = by_line.get(action.line)
        if listed is None:
            return ()
        if isinstance(action, SetBox):
            if action.flag is None:
                return patch.set_read(document, listed, action.checked)
            return patch.set_flag(document, listed, action.flag, action.checked)
        if isinstance(action, SetAnchor):
            return (patch.set_anchor(document, listed, action.key),)
        if isinstance(action, SetTitle):
            return (patch.set_title(document, listed, action.title),) if listed.title_inner else ()
        if isinstance(action, StrikeEntry):
            return patch.strike(document, listed)
        assert isinstance(action, RemoveEntry)
        return (patch.remove(document, listed),)
