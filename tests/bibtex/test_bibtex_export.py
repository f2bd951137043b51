"""BibTeX export: entry types, fields, escaping, stable order, and validity for biber."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import bibtexparser
import pytest
from bibtexparser.bparser import BibTexParser
from tests.bibtex.bib_samples import (
    TRICKY_TITLE,
    enriched_items,
    every_type_items,
    run_biber,
    tricky_items,
)

from zotmark.bibtex.export import HEADER, export_bibtex, format_entry
from zotmark.bibtex.keys import assign_keys
from zotmark.bibtex.latex import decode
from zotmark.bibtex.names import parse_names
from zotmark.bibtex.scanner import scan
from zotmark.enrich import Creator
from zotmark.markdown.parser import parse as parse_list
from zotmark.zotero.mapping import new_item_data

ORIGINAL = Path(__file__).parents[1] / "fixtures" / "original-reading-list.md"


def exported(items: list[dict[str, Any]]) -> str:
    return export_bibtex(items, assign_keys(items, {}))


def fields_of(text: str) -> dict[str, dict[str, str]]:
    """Entries by key, read back with zotmark's own reader."""
    return {e.key: {"ENTRYTYPE": e.entry_type, **e.fields} for e in scan(text).entries}


ARTICLE: dict[str, Any] = {
    "key": "ART12345",
    "itemType": "journalArticle",
    "title": "Particle entanglement via quantum Monte Carlo",
    "creators": [
        {"creatorType": "author", "firstName": "C. M.", "lastName": "Herdman"},
        {"creatorType": "author", "firstName": "A.", "lastName": "Del Maestro"},
    ],
    "date": "2014-04-04",
    "publicationTitle": "Physical Review B",
    "volume": "89",
    "issue": "14",
    "pages": "140501-140505",
    "DOI": "10.1103/physrevb.89.140501",
    "ISSN": "1098-0121, 1550-235X",
    "publisher": "APS",
    "tags": [{"tag": "read"}, {"tag": "relevant"}, {"tag": "to-discuss"}],
    "extra": "Citation Key: herdman2014\nRead_Status: Read\narXiv: 1312.4167",
}


def test_a_journal_article_is_an_article_with_its_journal_fields() -> None:
    entry = fields_of(exported([ARTICLE]))["herdman2014"]
    assert entry == {
        "ENTRYTYPE": "article",
        "title": "Particle entanglement via quantum {Monte} {Carlo}".replace(
            "{Monte} {Carlo}", "Monte Carlo"
        ),
        "author": "Herdman, C. M. and Del Maestro, A.",
        "journal": "Physical Review B",
        "year": "2014",
        "month": "April",
        "volume": "89",
        "number": "14",
        "pages": "140501--140505",
        "doi": "10.1103/physrevb.89.140501",
        "issn": "1098-0121",
        "eprint": "1312.4167",
        "archiveprefix": "arXiv",
    }


def test_tags_and_extra_key_lines_stay_out_of_the_export() -> None:
    text = exported([ARTICLE])
    assert "relevant" not in text and "to-discuss" not in text and "keywords" not in text
    assert "Read_Status" not in text and "Citation Key" not in text


def test_free_text_in_extra_becomes_the_note() -> None:
    item = {**ARTICLE, "extra": "Read_Status: Read\nAccepted at NeurIPS\nSee also the blog"}
    assert fields_of(exported([item]))["herdman2014particle"]["note"] == (
        "Accepted at NeurIPS; See also the blog"
    )


def test_an_arxiv_preprint_is_misc_with_eprint_and_archive_prefix() -> None:
    item = {
        "key": "PRE12345",
        "itemType": "preprint",
        "title": "Attention Is All You Need",
        "creators": [{"creatorType": "author", "firstName": "Ashish", "lastName": "Vaswani"}],
        "date": "2017-06-12",
        "repository": "arXiv",
        "archiveID": "arXiv:1706.03762",
        "DOI": "10.48550/arXiv.1706.03762",
        "url": "https://arxiv.org/abs/1706.03762",
    }
    entry = fields_of(exported([item]))["vaswani2017attention"]
    assert entry["ENTRYTYPE"] == "misc"
    assert (entry["eprint"], entry["archiveprefix"]) == ("1706.03762", "arXiv")
    assert "publisher" not in entry and "howpublished" not in entry


def test_a_preprint_elsewhere_names_its_repository() -> None:
    item = {
        "key": "BIO12345",
        "itemType": "preprint",
        "title": "Cells",
        "date": "2020",
        "repository": "bioRxiv",
    }
    assert fields_of(exported([item]))["anon2020cells"]["howpublished"] == "bioRxiv"


@pytest.mark.parametrize(
    ("item_type", "fields", "entry_type"),
    [
        ("conferencePaper", {"proceedingsTitle": "Proc. X"}, "inproceedings"),
        (
            "bookSection",
            {
                "bookTitle": "Book",
                "creators": [
                    {"creatorType": "author", "firstName": "A", "lastName": "B"},
                    {"creatorType": "editor", "firstName": "E", "lastName": "F"},
                ],
            },
            "incollection",
        ),
        ("bookSection", {"bookTitle": "Book"}, "inbook"),
        ("book", {}, "book"),
        (
            "book",
            {"creators": [{"creatorType": "editor", "firstName": "E", "lastName": "F"}]},
            "collection",
        ),
        ("thesis", {"university": "MIT"}, "phdthesis"),
        ("thesis", {"university": "MIT", "thesisType": "Master's thesis"}, "mastersthesis"),
        ("report", {"institution": "CERN"}, "techreport"),
        ("report", {}, "misc"),
        ("journalArticle", {"publicationTitle": ""}, "misc"),
        ("webpage", {"websiteTitle": "Blog"}, "misc"),
        ("manuscript", {}, "unpublished"),
        ("podcast", {}, "misc"),
    ],
)
def test_entry_types_follow_the_item_type_and_the_fields_biber_requires(
    item_type: str, fields: dict[str, Any], entry_type: str
) -> None:
    item = {
        "key": "TYPE1234",
        "itemType": item_type,
        "title": "T",
        "date": "2020",
        "creators": [{"creatorType": "author", "firstName": "A", "lastName": "B"}],
        **fields,
    }
    assert format_entry(item, "k").startswith(f"@{entry_type}{{k,\n")


def test_invalid_isbns_issns_and_non_integer_volumes_are_left_out() -> None:
    item = {**ARTICLE, "ISSN": "1234-5678", "volume": "12A"}
    entry = fields_of(exported([item]))["herdman2014"]
    assert "issn" not in entry and "volume" not in entry


def test_the_first_valid_isbn_is_kept() -> None:
    entry = fields_of(exported(tricky_items()))["odegard2021balanced"]
    assert entry["isbn"] == "978-3-16-148410-0"


def test_entries_are_sorted_by_key_and_the_text_is_deterministic() -> None:
    items = enriched_items()
    text = exported(items)
    keys = re.findall(r"^@\w+\{([^,]+),", text, re.MULTILINE)
    assert keys == sorted(keys) and len(keys) == len(items)
    assert exported(list(reversed(items))) == text
    assert text.startswith(HEADER)


def test_trashed_items_notes_and_attachments_are_not_exported() -> None:
    items = [
        {**ARTICLE, "key": "TRASHED1", "deleted": 1, "extra": ""},
        {"key": "NOTE1234", "itemType": "note", "note": "<p>hi</p>"},
        {"key": "ATTACH12", "itemType": "attachment", "parentItem": "ART12345"},
    ]
    assert export_bibtex(items, {}) == HEADER


def test_a_missing_key_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="ART12345"):
        export_bibtex([ARTICLE], {})


def test_a_title_with_braces_percent_ampersand_and_backslash_reads_back_unchanged() -> None:
    text = exported(tricky_items())
    entry = fields_of(text)["tricky2020"]
    assert decode(entry["title"]) == TRICKY_TITLE
    assert parse_names(entry["author"]) == [
        Creator(first="Ann", last="O'Neil, Jr."),
        Creator(name="Research & Development {Co}"),
        Creator(first="Tom and Jerry", last="Cat"),
    ]
    assert entry["pages"] == "1--10"
    assert entry["doi"] == "10.1000/a_b%7Bc%7D"


def test_bibtexparser_reads_back_the_same_entries() -> None:
    items = enriched_items() + tricky_items()
    text = exported(items)
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    theirs = {
        e["ID"]: {k: v for k, v in e.items() if k != "ID"}
        for e in bibtexparser.loads(text, parser).entries
    }
    assert theirs == fields_of(text)


def test_titles_authors_years_and_dois_survive_the_export() -> None:
    items = enriched_items()
    keys = assign_keys(items, {})
    entries = fields_of(export_bibtex(items, keys))
    for item in items:
        entry = entries[keys[item["key"]]]
        assert decode(entry["title"]) == " ".join(item["title"].split())
        authors = [Creator.from_zotero(c) for c in item["creators"] if c["creatorType"] == "author"]
        assert parse_names(entry.get("author", "")) == authors
        assert entry["year"] == item["date"][:4]
        assert entry.get("doi") == item.get("DOI")


@pytest.mark.skipif(
    shutil.which("biber") is None, reason="biber is not installed (apt-get install biber)"
)
def test_biber_validates_the_export_of_the_enriched_items_without_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "export.bib"
    path.write_text(exported(enriched_items() + tricky_items()), encoding="utf-8")
    assert run_biber(path) == (0, [])


@pytest.mark.skipif(
    shutil.which("biber") is None, reason="biber is not installed (apt-get install biber)"
)
def test_biber_validates_every_zotero_item_type_with_every_field(tmp_path: Path) -> None:
    items = every_type_items()
    assert len(items) == 37
    path = tmp_path / "types.bib"
    path.write_text(exported(items), encoding="utf-8")
    assert run_biber(path) == (0, [])


@pytest.mark.parametrize(
    ("archive_id", "year", "month"),
    [
        ("arXiv:1906.00435", "2019", "June"),
        ("arXiv:2105.07581v2", "2021", "May"),
        ("arXiv:hep-th/9901001", "1999", "January"),
        ("arXiv:math.GT/0309136", "2003", "September"),
    ],
)
def test_a_preprint_without_a_date_is_dated_by_its_arxiv_id(
    archive_id: str, year: str, month: str
) -> None:
    item = {"key": "PRE12345", "itemType": "preprint", "title": "T", "archiveID": archive_id}
    entry = fields_of(exported([item]))["anont"]
    assert (entry["year"], entry["month"]) == (year, month)


def test_the_items_own_date_wins_over_its_arxiv_id() -> None:
    item = {"key": "PRE12345", "itemType": "preprint", "title": "T", "date": "2020"}
    entry = fields_of(exported([{**item, "archiveID": "arXiv:1906.00435"}]))["anon2020t"]
    assert entry["year"] == "2020" and "month" not in entry


def offline_export_of_the_original_list() -> str:
    """The .bib of the original list's items as zotmark creates them without enrichment."""
    text = ORIGINAL.read_text(encoding="utf-8")
    entries = [e.entry for e in parse_list(text, {"Relevant?": "relevant"}).entries]
    items = [
        new_item_data(e, key=f"ITEM{i:04d}", collection="C", tags=()) for i, e in enumerate(entries)
    ]
    return exported(items)


@pytest.mark.skipif(
    shutil.which("biber") is None, reason="biber is not installed (apt-get install biber)"
)
def test_biber_finds_no_fault_in_an_offline_export_of_the_original_lists_arxiv_papers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "offline.bib"
    text = offline_export_of_the_original_list()
    path.write_text(text, encoding="utf-8")
    arxiv = [e.key for e in scan(text).entries if "eprint" in e.fields]
    code, warnings = run_biber(path)
    assert code == 0 and len(arxiv) == 13
    assert [w for w in warnings if any(f"'{key}'" in w for key in arxiv)] == []
