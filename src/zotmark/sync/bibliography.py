"""A list's BibTeX: export its collection (keys pinned in the state), import a ``.bib`` into it.

Export reads the collection from the state's mirror, i.e. as of the last sync. Import appends
the ``.bib``'s papers to the list (matched entries are skipped, never doubled) and keeps each
paper's metadata in the state so that the next sync creates its item with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from zotmark.bibtex.files import ExportReport, export_bib_file, export_bib_text, read_bib_file
from zotmark.bibtex.formula import parse as parse_formula
from zotmark.bibtex.importer import BibEntry
from zotmark.bibtex.keys import explicit_key
from zotmark.bibtex.scanner import Problem
from zotmark.config import ListSettings
from zotmark.core.identifiers import identify
from zotmark.errors import BibtexError
from zotmark.markdown import patch
from zotmark.markdown.compose import NewEntry
from zotmark.markdown.files import ListFile
from zotmark.markdown.parser import parse
from zotmark.state import CiteKey, ListState, StateStore, SyncMark
from zotmark.state.commit import RunCommit
from zotmark.sync.metadata import imported_key
from zotmark.sync.status import stored_data
from zotmark.zotero.mapping import is_regular_item


def collection_items(state: ListState) -> list[dict[str, Any]]:
    """The ``data`` of every live regular item of the list's collection, per the mirror."""
    collection = state.mark.collection_key if state.mark else None
    return [
        data
        for data in stored_data(state.mirror).values()
        if collection in data.get("collections", ())
        and not data.get("deleted")
        and is_regular_item(data)
    ]


@dataclass(frozen=True, slots=True)
class ListExport:
    """What exporting a list did: the export itself, the keys ``--rekey`` changed
    (``(old, new)`` pairs, in order of the old keys), and the keys someone else set in
    Zotero that another item's exported key holds (``(theirs, exported as)`` pairs, sorted:
    the exported key stays with its item, so the ``.bib`` and Zotero differ there)."""

    report: ExportReport
    rekeyed: tuple[tuple[str, str], ...] = ()
    clashes: tuple[tuple[str, str], ...] = ()

    def clash_lines(self) -> list[str]:
        """Each clash in words, for ``export-bib`` and a sync's export to show alike."""
        return [
            f"key {theirs} set in Zotero is another item's exported key: exported as {exported}"
            for theirs, exported in self.clashes
        ]


def export_list(
    store: StateStore,
    key: str,
    settings: ListSettings,
    path: Path | None = None,
    *,
    stdout: TextIO | None = None,
    rekey: bool = False,
) -> ListExport:
    """Write the BibTeX of the list (whose state ``store`` keeps under ``key``) to ``path``
    (default: the configured file), or to ``stdout`` when given, and pin its keys: each is
    kept from then on. With ``rekey``, every key not set by someone else (in the item's
    ``citationKey`` field or a ``Citation Key:`` line) is made again by the list's formula.
    The keys to write into Zotero's ``citationKey`` fields go with the next sync (a key
    someone else set there is never overwritten)."""
    target = path or settings.bibtex
    if target is None and stdout is None:
        raise BibtexError(
            f"list {settings.name!r} has no bibtex file configured; use -o FILE (- for stdout)."
        )
    state = store.load(key)
    if state.mark is None or not state.mark.collection_key:
        raise BibtexError(f"list {settings.name!r} was never synced; run `zotmark sync` first.")
    items = collection_items(state)
    rows = state.citekeys
    gone = {str(data["key"]) for data in items} if rekey else set()
    pinned = {k: row.key for k, row in rows.items() if k not in gone}
    written = {k: row.written for k, row in rows.items()}
    formula = parse_formula(settings.citekey_formula)
    if stdout is not None:
        report = export_bib_text(items, pinned, stdout, formula, written)
    else:
        assert target is not None
        report = export_bib_file(items, pinned, target, formula, written)
    found = {str(d["key"]): explicit_key(d, written.get(str(d["key"]))) for d in items}
    explicit = {k: key for k, key in found.items() if key is not None}
    clashes = sorted(
        (key, report.keys[k]) for k, key in explicit.items() if report.keys.get(k, key) != key
    )
    pins = {
        k: _exported(rows.get(k), citekey)
        for k, citekey in report.keys.items()
        if k not in explicit  # (a key someone else set is theirs: zotmark keeps its own)
    }
    pins = {k: pin for k, pin in pins.items() if rows.get(k) != pin}
    if pins:
        store.pin_citekeys(key, pins)
    if settings.citekeys_in_zotero and any(p.written != p.key for p in pins.values()):
        mark = state.mark  # the next run is not skipped: it writes the keys into Zotero
        store.commit_run(key, RunCommit(mark=SyncMark(mark.collection, mark.collection_key)))
    rekeyed = sorted((rows[k].key, pin.key) for k, pin in pins.items() if k in rows and rekey)
    changed = tuple((old, new) for old, new in rekeyed if old != new)
    return ListExport(report, changed, tuple(clashes))


def _exported(row: CiteKey | None, citekey: str) -> CiteKey:
    """The state's row of an item exported under ``citekey`` (its own key): pinned for good,
    to be written into Zotero unless it is there already."""
    written = row.written if row is not None else None
    return CiteKey(citekey, exported=True, provisional=False, written=written)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: entries added to the list, entries already there, problems."""

    added: tuple[str, ...]
    matched: tuple[str, ...]
    problems: tuple[Problem, ...]


def import_into_list(
    store: StateStore, key: str, settings: ListSettings, bib: Path
) -> ImportReport:
    """Append the ``.bib``'s papers to the list file; remember their metadata for the next sync
    (in the state ``store`` keeps under ``key``)."""
    result = read_bib_file(bib)
    text, fingerprint = ListFile.read(settings.file)
    document = parse(text, settings.flags)
    known = {key for e in document.entries for key in _match_keys(e.entry.ident.match_keys())}
    edits: list[patch.Edit] = []
    added: list[str] = []
    matched: list[str] = []
    meta: dict[str, str | None] = {}
    for entry in result.entries:
        keys = _match_keys(entry.ident.match_keys())
        if keys & known or not entry.title:
            matched.append(entry.citekey)
            continue
        url = _url_of(entry)
        flags = dict.fromkeys(settings.flags.values(), False)
        edits.append(
            patch.insert(document, NewEntry(entry.title, url, " ", flags), flags=settings.flags)
        )
        meta[imported_key(identify(entry.title, url).primary)] = json.dumps(entry.item_data)
        known |= keys
        added.append(entry.citekey)
    if edits:
        store.commit_run(key, RunCommit(meta=meta))
        ListFile.write(settings.file, patch.apply(text, edits), fingerprint)
    return ImportReport(tuple(added), tuple(matched), tuple(result.problems))


def _match_keys(keys: tuple[str, ...]) -> set[str]:
    """Identifier keys strong enough to call two papers the same (title included)."""
    return {key for key in keys if not key.startswith("url:")}


def _url_of(entry: BibEntry) -> str | None:
    if entry.url:
        return entry.url
    if entry.arxiv:
        return f"https://arxiv.org/abs/{entry.arxiv}"
    if entry.doi:
        return f"https://doi.org/{entry.doi}"
    return None
