"""What ``zotmark check`` shows: a parsed list as one JSON document or as rich renderables."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from zotmark.core.model import Entry
from zotmark.core.states import DONE, NAMES, known
from zotmark.markdown.document import Document
from zotmark.printable import printable


def _entry_json(entry: Entry) -> dict[str, Any]:
    ident = entry.ident
    return {
        "line": entry.line,
        "title": printable(entry.title),
        "url": printable(entry.url) if entry.url is not None else None,
        "ident": {
            "arxiv": ident.arxiv,
            "doi": ident.doi,
            "openreview": ident.openreview,
            "url": printable(ident.url) if ident.url is not None else None,
            "title": printable(ident.title),
        },
        "read": known(entry.state) == DONE,
        "state": NAMES.get(known(entry.state) or "", None),
        "marker": entry.state,
        "flags": dict(entry.flags),
        "section": [printable(part) for part in entry.section],
        "anchor": entry.anchor,
        "struck": entry.struck,
    }


def check_json(file: str, document: Document) -> dict[str, Any]:
    """The ``check --json`` document: the file, its entries and its warnings."""
    return {
        "file": file,
        "entries": [_entry_json(listed.entry) for listed in document.entries],
        "warnings": [
            {"line": w.line, "kind": w.kind, "message": printable(w.message)}
            for w in document.warnings
        ],
    }


def _identifiers(entry: Entry) -> str:
    ident = entry.ident
    pairs = (("arXiv", ident.arxiv), ("DOI", ident.doi), ("OpenReview", ident.openreview))
    return "\n".join(f"{name} {value}" for name, value in pairs if value)


def _flags(entry: Entry) -> str:
    return " ".join(f"{'☑' if state else '☐'} {tag}" for tag, state in entry.flags.items())


_COLUMNS: dict[str, dict[str, Any]] = {
    "line": {"style": "dim", "no_wrap": True, "justify": "right"},
    "title": {"style": "bold", "ratio": 5, "overflow": "fold"},
    "url": {"style": "cyan", "ratio": 3, "overflow": "fold"},
    "identifiers": {"no_wrap": True},
    "state": {"no_wrap": True, "justify": "center"},
    "flags": {"no_wrap": True},
    "section": {"ratio": 2, "overflow": "fold"},
    "anchor": {"no_wrap": True},
}
_ALWAYS = ("line", "title", "url", "state")


def _row(entry: Entry) -> dict[str, Text]:
    return {
        "line": Text(str(entry.line)),
        "title": Text(printable(entry.title), style="strike" if entry.struck else ""),
        "url": Text(printable(entry.url or "")),
        "identifiers": Text(_identifiers(entry)),
        "state": Text(f"[{entry.state}]"),
        "flags": Text(_flags(entry)),
        "section": Text(printable(" › ".join(entry.section))),
        "anchor": Text(entry.anchor or ""),
    }


TABLE_MAX_ENTRIES = 100
"""Lists up to this long are shown as a table by ``zotmark check``; longer ones as a summary
(the table with ``--verbose``)."""


def _counted(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _warning_lines(document: Document) -> list[Text]:
    return [
        Text.assemble(
            (f"line {w.line}: ", "yellow"), (w.kind, "bold yellow"), f" {printable(w.message)}"
        )
        for w in document.warnings
    ]


def _summary(document: Document) -> Text:
    return Text(
        f"{_counted(len(document.entries), 'entry', 'entries')}, "
        f"{_counted(len(document.warnings), 'warning', 'warnings')}"
    )


def check_summary(file: str, document: Document) -> RenderableType:
    """A long list in a few lines: what the entries hold, every warning, the summary line,
    and how to see the table (``zotmark check -v``)."""
    entries = [listed.entry for listed in document.entries]
    identified = sum(1 for e in entries if e.ident.arxiv or e.ident.doi or e.ident.openreview)
    states = [known(e.state) for e in entries]
    facts = [
        ", ".join(
            _counted(states.count(state), "entry", "entries") + f" {name}"
            for state, name in NAMES.items()
            if states.count(state) or state == DONE
        ),
        f"{identified:,} with an arXiv id, DOI or OpenReview id",
        f"{sum(1 for e in entries if e.url):,} with a link",
        f"{sum(1 for e in entries if e.anchor):,} anchored to a Zotero item",
        f"{sum(1 for e in entries if e.struck):,} struck through",
    ]
    sections = len({e.section for e in entries if e.section})
    if sections:
        facts.append(_counted(sections, "section", "sections"))
    head = Text.assemble((printable(file), "bold"), f": {'; '.join(facts)}")
    hint = Text(
        f"(a table of every entry with --verbose: zotmark check -v {printable(file)})", style="dim"
    )
    return Group(head, *_warning_lines(document), _summary(document), hint)


def check_renderable(file: str, document: Document) -> RenderableType:
    """The entries as a table (columns empty for every entry left out), then the warnings,
    then a one-line summary."""
    rows = [_row(listed.entry) for listed in document.entries]
    shown = [c for c in _COLUMNS if c in _ALWAYS or any(row[c].plain for row in rows)]
    table = Table(title=escape(printable(file)), expand=True)
    for column in shown:
        table.add_column(column, **_COLUMNS[column])
    for row in rows:
        table.add_row(*(row[column] for column in shown))
    return Group(table, *_warning_lines(document), _summary(document))
