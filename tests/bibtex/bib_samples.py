"""Items for the BibTeX tests: Zotero ``data`` dicts enriched from the recorded arXiv and
Crossref answers (tests/fixtures/api), plus hand-made items with awkward text."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from zotmark.enrich import apply_metadata, arxiv, crossref
from zotmark.schema import item_types, type_fields

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
API = FIXTURES / "api"
BIB = FIXTURES / "bib"
STATUS_TAGS = [{"tag": "read"}, {"tag": "relevant"}]


def _list_item(number: int) -> dict[str, Any]:
    """An item as the sync creates it from a list entry, before enrichment."""
    return {
        "key": f"ITEM{number:04d}",
        "version": 1,
        "itemType": "webpage",
        "title": "title as written in the list",
        "url": "",
        "tags": STATUS_TAGS,
        "collections": ["LISTCOLL"],
        "relations": {},
        "extra": "Read_Status: Read\nRead_Status_Date: 2024-01-02T03:04:05Z",
    }


def enriched_items() -> list[dict[str, Any]]:
    """Every paper of the recorded arXiv and Crossref answers, applied to a fresh list item."""
    metadata = []
    for path in sorted(API.glob("arxiv.py__*.json")):
        recording = json.loads(path.read_text("utf-8"))
        if recording["status_code"] == 200:
            records = arxiv.parse_feed(str(recording["body"]).encode("latin-1"))
            metadata += [arxiv.to_metadata(r, f"arxiv:{i}") for i, r in records.items()]
    records = arxiv.parse_feed((API / "zoia__arxiv_response.xml").read_bytes())
    metadata += [arxiv.to_metadata(r, f"arxiv:{i}") for i, r in records.items()]
    for path in sorted(API.glob("papis__crossref_*.json")):
        metadata.append(crossref.parse_work(path.read_bytes(), f"doi:{path.stem}"))
    unique = {m.ident_key: m for m in metadata}
    return [apply_metadata(_list_item(n), m) for n, m in enumerate(unique.values())]


TRICKY_TITLE = r"A {weird} title: 100% of R&D costs $5 #1 a_b C:\temp ~ ^ } and {"


def tricky_items() -> list[dict[str, Any]]:
    """Items whose text needs escaping: braces (unbalanced), % & $ # _ \\ ~ ^, odd names."""
    return [
        {
            "key": "TRICKY01",
            "itemType": "journalArticle",
            "title": TRICKY_TITLE,
            "creators": [
                {"creatorType": "author", "firstName": "Ann", "lastName": "O'Neil, Jr."},
                {"creatorType": "author", "name": "Research & Development {Co}"},
                {"creatorType": "author", "firstName": "Tom and Jerry", "lastName": "Cat"},
            ],
            "date": "March 2020",
            "publicationTitle": "Journal of 50% {Things}",
            "volume": "12",
            "pages": "1–10",
            "DOI": "10.1000/a_b{c}",
            "url": "https://example.org/a b?x=1&y=%20#frag",
            "extra": "Citation Key: tricky2020\nA free note with 10% off\nRead_Status: Read",
            "tags": STATUS_TAGS,
        },
        {
            "key": "TRICKY02",
            "itemType": "bookSection",
            "title": "Balanced {braces} in \\LaTeX",
            "creators": [{"creatorType": "author", "firstName": "Zoë", "lastName": "Ødegård"}],
            "date": "2021-11-05",
            "bookTitle": "Über Bücher",
            "ISBN": "978-3-16-148410-0 0-306-40615-2",
        },
    ]


def run_biber(path: Path) -> tuple[int, list[str]]:
    """biber's exit code and its WARN/ERROR lines when validating ``path``."""
    biber = shutil.which("biber")
    assert biber is not None
    done = subprocess.run(
        [biber, "--tool", "--validate-datamodel", "--nolog", "--output-file=/dev/null", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    return done.returncode, [
        line for line in output.splitlines() if line.startswith(("WARN", "ERROR"))
    ]


_SAMPLE_VALUES = {
    "date": "2020-01-02",
    "volume": "3",
    "pages": "1-2",
    "ISBN": "978-3-16-148410-0",
    "ISSN": "2049-3630",
    "url": "https://example.org/a",
    "accessDate": "2020-01-02T10:00:00Z",
    "DOI": "10.1000/x",
    "extra": "a free note\nSome Key: a value",
}


def every_type_items() -> list[dict[str, Any]]:
    """One item of every regular Zotero item type, every field and creator type filled."""
    items = []
    for number, name in enumerate(item_types()):
        if name in ("note", "attachment", "annotation"):
            continue
        schema = type_fields(name)
        data: dict[str, Any] = {"key": f"TYPE{number:04d}", "itemType": name}
        for field in sorted(schema.fields):
            data[field] = _SAMPLE_VALUES.get(schema.base_of(field), f"{field} value")
        data["creators"] = [
            {"creatorType": c, "firstName": "Ann", "lastName": c.capitalize()}
            for c in schema.creator_types
        ]
        items.append(data)
    return items
