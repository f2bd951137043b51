"""The ``.bib`` files themselves: reading one for import, writing an export atomically.

This is the module the commands call (``zotmark export-bib``, ``zotmark import-bib`` and the
export after a sync run): :func:`export_bib_file` assigns keys, renders and writes only when the
text changed; :func:`read_bib_file` reads, decodes and imports. ``OSError`` is translated into
:class:`~zotmark.errors.BibtexError` here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from zotmark.bibtex.export import export_bibtex, is_exported
from zotmark.bibtex.formula import Formula
from zotmark.bibtex.importer import ImportResult, KeyField, decode_bib, import_bib
from zotmark.bibtex.keys import DEFAULT, assign_keys
from zotmark.errors import BibtexError


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What an export did: the citation key of every exported item (by item key; the caller
    pins them all), how many entries the file holds, and whether the file was rewritten."""

    keys: dict[str, str]
    entries: int
    changed: bool


def export_bib_file(
    items: Iterable[Mapping[str, Any]],
    pinned: Mapping[str, str],
    path: Path,
    formula: Formula = DEFAULT,
    written: Mapping[str, str | None] | None = None,
) -> ExportReport:
    """Write the BibTeX of ``items`` (Zotero ``data`` dicts) to ``path`` if it changed.

    ``pinned`` are the keys the state holds (item key -> citation key), kept; an item
    without one gets ``formula``'s; ``written`` the keys zotmark wrote into items'
    ``citationKey`` fields (see :func:`~zotmark.bibtex.keys.assign_keys`). Raises
    :class:`BibtexError` when the file cannot be written.
    """
    exported = [data for data in items if is_exported(data)]
    keys = assign_keys(exported, pinned, formula, written)
    changed = write_if_changed(path, export_bibtex(exported, keys))
    return ExportReport(keys=keys, entries=len(exported), changed=changed)


def export_bib_text(
    items: Iterable[Mapping[str, Any]],
    pinned: Mapping[str, str],
    out: TextIO,
    formula: Formula = DEFAULT,
    written: Mapping[str, str | None] | None = None,
) -> ExportReport:
    """Write the BibTeX of ``items`` to the stream ``out`` (``export-bib -o -``); the keys
    are those :func:`export_bib_file` gives."""
    exported = [data for data in items if is_exported(data)]
    keys = assign_keys(exported, pinned, formula, written)
    out.write(export_bibtex(exported, keys))
    out.flush()
    return ExportReport(keys=keys, entries=len(exported), changed=True)


def read_bib_file(path: Path, *, key_field: KeyField = "citationKey") -> ImportResult:
    """The papers of the ``.bib`` file at ``path`` and the problems met reading it.

    Any bytes are accepted (a non-UTF-8 or binary file is a problem, not an error); raises
    :class:`BibtexError` only when the file cannot be read at all.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BibtexError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    text, problems = decode_bib(data)
    result = import_bib(text, key_field=key_field)
    return ImportResult(result.entries, [*problems, *result.problems])


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` (UTF-8) to ``path`` unless it already holds exactly that; true if written.

    The write is atomic: a temporary file in the same directory, flushed to disk, renamed over
    the old file (whose permission bits are kept). Raises :class:`BibtexError` on failure; the
    old file is then untouched.
    """
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise BibtexError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        _atomic_write(path, data)
    except OSError as exc:
        raise BibtexError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    return True


def _atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` through a synced temporary sibling and a rename."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
