"""``format=bibtex``: the sandbox's own BibTeX translation of item JSON."""

from __future__ import annotations

import bibtexparser

from zotmark.sandbox import Sandbox
from zotmark.sandbox.bibtex import citation_key, items_to_bibtex

TURING = {
    "itemType": "journalArticle",
    "title": "On Computable Numbers",
    "creators": [{"creatorType": "author", "firstName": "Alan", "lastName": "Turing"}],
    "publicationTitle": "Proceedings of the London Mathematical Society",
    "volume": "42",
    "pages": "230-265",
    "date": "1936",
    "DOI": "10.1112/plms/s2-42.1.230",
    "tags": [{"tag": "computability"}],
}


def test_citation_key_prefers_the_extra_line() -> None:
    """``Citation Key:`` in ``extra`` wins over everything (REC #42: ``turing1936``)."""
    assert citation_key({**TURING, "extra": "Citation Key: turing1936"}) == "turing1936"


def test_citation_key_falls_back_to_author_word_year() -> None:
    """Without a pinned key: ``author_firstword_year``, stop words skipped."""
    assert citation_key(TURING) == "turing_computable_1936"
    assert (
        citation_key(
            {
                "itemType": "book",
                "title": "A Second Preprint",
                "date": "2024-03-05",
                "creators": [{"creatorType": "author", "lastName": "Hopper", "firstName": "Grace"}],
            }
        )
        == "hopper_second_2024"
    )


def test_article_fields_follow_the_recorded_export() -> None:
    """Title case-protected, journal, ``--`` page range, keywords (REC #43)."""
    text = items_to_bibtex([{**TURING, "extra": "Citation Key: turing1936"}])
    assert text.startswith("\n@article{turing1936,\n\ttitle = {On {Computable} {Numbers}},\n")
    assert "\tpages = {230--265},\n" in text
    assert "\tjournal = {Proceedings of the London Mathematical Society},\n" in text


def test_duplicate_keys_get_a_suffix() -> None:
    """Two items with the same generated key are told apart (``a``, ``b`` suffixes)."""
    entries = bibtexparser.loads(items_to_bibtex([TURING, TURING])).entries
    assert sorted(e["ID"] for e in entries) == ["turing_computable_1936", "turing_computable_1936a"]


def test_collection_items_as_bibtex_parse_back(sandbox: Sandbox) -> None:
    """``collection_items(format='bibtex')`` through pyzotero yields one entry per item."""
    collection = sandbox.add_collection("Reading List")
    sandbox.add_items(
        [
            {**TURING, "collections": [collection]},
            {
                "itemType": "preprint",
                "title": "Attention",
                "repository": "arXiv",
                "date": "2024-01-02",
                "collections": [collection],
            },
        ]
    )
    database = sandbox.zotero().collection_items(collection, format="bibtex")
    assert sorted((e["ENTRYTYPE"], e["ID"]) for e in database.entries) == [
        ("article", "turing_computable_1936"),
        ("misc", "noauthor_attention_2024"),
    ]
