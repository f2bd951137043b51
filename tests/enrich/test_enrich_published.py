"""Preprints found published: the record zotmark keeps, and what ``update``/``relate`` write."""

from __future__ import annotations

from typing import Any

from zotmark.enrich.model import Creator, Metadata
from zotmark.enrich.published import (
    Publication,
    decode,
    encode,
    found,
    item_uri,
    published_item,
    updated_item,
    with_relation,
)
from zotmark.schema import type_fields

AAAI = Metadata(
    "doi:10.1609/aaai.v36i2.20103",
    "conferencePaper",
    {"title": "Vision Transformers Are Robust Learners", "DOI": "10.1609/aaai.v36i2.20103",
     "proceedingsTitle": "Proceedings of the AAAI Conference", "volume": "36", "issue": "2",
     "pages": "2071-2081", "date": "2022-06-28", "publisher": "AAAI",
     "url": "https://doi.org/10.1609/aaai.v36i2.20103", "abstractNote": "Long."},
    creators=(Creator("author", "Sayak", "Paul"),),
    source="crossref",
)  # fmt: skip
PREPRINT: dict[str, Any] = {
    "key": "ABCD2345",
    "version": 7,
    "itemType": "preprint",
    "title": "Vision Transformers are Robust Learners",
    "creators": [{"creatorType": "author", "firstName": "S.", "lastName": "Paul"}],
    "url": "https://arxiv.org/abs/2105.07581",
    "repository": "arXiv",
    "archiveID": "arXiv:2105.07581",
    "DOI": "10.48550/arXiv.2105.07581",
    "extra": "Read_Status: Read",
    "tags": [{"tag": "read"}],
    "collections": ["COLL2345"],
    "relations": {},
}
ROBUST = Publication("arxiv:2105.07581", "ABCD2345", AAAI)


def test_update_gives_the_item_the_published_type_doi_and_venue() -> None:
    item = updated_item(PREPRINT, ROBUST)
    assert item["itemType"] == "conferencePaper"
    assert item["DOI"] == "10.1609/aaai.v36i2.20103"
    assert (item["proceedingsTitle"], item["volume"], item["pages"]) == (
        "Proceedings of the AAAI Conference", "36", "2071-2081",
    )  # fmt: skip
    assert item["date"] == "2022-06-28"


def test_update_keeps_the_items_title_creators_url_tags_and_collections() -> None:
    item = updated_item(PREPRINT, ROBUST)
    for name in ("title", "creators", "url", "tags", "collections", "key", "version"):
        assert item[name] == PREPRINT[name]
    assert "publisher" not in item and "abstractNote" not in item


def test_update_keeps_the_arxiv_id_in_extra_beside_the_other_lines() -> None:
    item = updated_item(PREPRINT, ROBUST)
    assert item["extra"] == "Read_Status: Read\narXiv: 2105.07581"
    assert set(item) - {"key", "version", "tags", "collections", "relations", "creators",
                        "itemType"} <= type_fields("conferencePaper").fields  # fmt: skip


def test_update_of_a_doi_preprint_adds_no_arxiv_line() -> None:
    biorxiv = Publication("doi:10.1101/2020.01.01.1", "ABCD2345", AAAI)
    assert "arXiv:" not in updated_item({**PREPRINT, "extra": ""}, biorxiv)["extra"]


def test_the_published_item_is_a_create_in_no_collection_related_to_the_preprint() -> None:
    uri = item_uri("user", "475425", "ABCD2345")
    item = published_item(ROBUST, "WXYZ6789", uri)
    assert (item["key"], item["version"], item["collections"]) == ("WXYZ6789", 0, [])
    assert item["relations"] == {"dc:relation": ["http://zotero.org/users/475425/items/ABCD2345"]}
    assert (item["itemType"], item["title"]) == ("conferencePaper", AAAI.fields["title"])
    assert item["creators"] == [{"creatorType": "author", "firstName": "Sayak", "lastName": "Paul"}]


def test_a_group_item_uri_names_the_group() -> None:
    assert item_uri("group", "12", "ABCD2345") == "http://zotero.org/groups/12/items/ABCD2345"


def test_a_relation_is_added_to_the_one_an_item_has_as_a_string() -> None:
    data = {"relations": {"dc:relation": "http://zotero.org/users/1/items/AAAA2222",
                          "owl:sameAs": "http://zotero.org/groups/2/items/BBBB3333"}}  # fmt: skip
    assert with_relation(data, "http://zotero.org/users/1/items/CCCC4444") == {
        "relations": {
            "dc:relation": [
                "http://zotero.org/users/1/items/AAAA2222",
                "http://zotero.org/users/1/items/CCCC4444",
            ],
            "owl:sameAs": "http://zotero.org/groups/2/items/BBBB3333",
        }
    }


def test_a_relation_the_item_has_already_is_no_patch() -> None:
    uri = "http://zotero.org/users/1/items/CCCC4444"
    assert with_relation({"relations": {"dc:relation": [uri]}}, uri) is None


def test_the_record_round_trips_without_the_abstract() -> None:
    preprint = Metadata("arxiv:2105.07581", "preprint", {"title": "T"}, published=AAAI)
    publication = found("arxiv:2105.07581", "ABCD2345", preprint)
    assert publication is not None and "abstractNote" not in publication.published.fields
    done = {publication.preprint: Publication(
        publication.preprint, "ABCD2345", publication.published, "relate", "WXYZ6789")}  # fmt: skip
    assert decode(encode(done)) == done


def test_an_unreadable_record_is_empty() -> None:
    assert decode("{not json") == {} and decode('{"arxiv:1": {"item": 1}}') == {}
    assert decode(None) == {}


def test_metadata_without_a_published_version_is_no_publication() -> None:
    assert found("arxiv:1", "ABCD2345", Metadata("arxiv:1", "preprint", {"title": "T"})) is None


def test_the_venue_is_the_journal_else_arxivs_journal_reference() -> None:
    assert ROBUST.venue == "Proceedings of the AAAI Conference"
    ref = "arXiv journal reference: J. Chem. Phys. 144, 124107 (2016)"
    by_doi = Metadata("doi:10.1/j", "journalArticle", {"DOI": "10.1/j"}, extra=(ref,))
    assert Publication("arxiv:1", "K", by_doi).venue == "J. Chem. Phys. 144, 124107 (2016)"
