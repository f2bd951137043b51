"""Applying metadata to a Zotero item: schema-valid fields only, the user's link kept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.enrich.recorded_api import API, recorded_routes

from zotmark.enrich import Creator, Metadata, apply_metadata, arxiv, crossref
from zotmark.enrich.apply import merge_extra
from zotmark.schema import type_fields

# Keys of an item's data that are not schema fields.
NON_FIELDS = {"key", "version", "itemType", "creators", "tags", "collections", "relations"}

LIST_ITEM: dict[str, Any] = {
    "key": "ABCD2345",
    "version": 7,
    "itemType": "webpage",
    "title": "Heat bath walks (from my list)",
    "url": "https://ar5iv.labs.arxiv.org/html/1605.08386",
    "websiteTitle": "",
    "tags": [{"tag": "read"}, {"tag": "relevant"}],
    "collections": ["COLL2345"],
    "relations": {},
    "extra": "",
}


def every_recorded_metadata() -> list[Metadata]:
    found: list[Metadata] = []
    for (kind, ids), body in recorded_routes().items():
        if not isinstance(body, bytes):
            continue
        if kind == "arxiv":
            found += [arxiv.to_metadata(r, f"arxiv:{i}") for i, r in arxiv.parse_feed(body).items()]
        else:
            found.append(crossref.parse_work(body, f"doi:{next(iter(ids))}"))
    return found


def preprint() -> Metadata:
    body = json.loads((API / "arxiv.py__id_1605.08386_s0_m100_199195aa31ad.json").read_text())
    record = arxiv.parse_feed(body["body"].encode("latin-1"))["1605.08386"]
    return arxiv.to_metadata(record, "arxiv:1605.08386")


def test_the_item_takes_the_metadata_type_and_canonical_title() -> None:
    applied = apply_metadata(LIST_ITEM, preprint())
    assert applied["itemType"] == "preprint"
    assert applied["title"] == "Heat-bath random walks with Markov bases"
    assert applied["archiveID"] == "arXiv:1605.08386"
    assert applied["creators"][0] == {
        "creatorType": "author",
        "firstName": "Caprice",
        "lastName": "Stanley",
    }


def test_the_users_link_tags_collections_key_and_version_are_kept() -> None:
    applied = apply_metadata(LIST_ITEM, preprint())
    for name in ("url", "tags", "collections", "key", "version", "relations"):
        assert applied[name] == LIST_ITEM[name]


def test_an_item_without_a_link_gets_the_metadata_url() -> None:
    applied = apply_metadata({**LIST_ITEM, "url": ""}, preprint())
    assert applied["url"] == "https://arxiv.org/abs/1605.08386"


def test_fields_the_new_type_lacks_are_dropped() -> None:
    applied = apply_metadata(LIST_ITEM, preprint())
    assert "websiteTitle" not in applied


def test_the_input_is_not_changed() -> None:
    before = json.dumps(LIST_ITEM, sort_keys=True)
    apply_metadata(LIST_ITEM, preprint())
    assert json.dumps(LIST_ITEM, sort_keys=True) == before


def test_a_preprint_turned_article_loses_its_repository_and_keeps_the_arxiv_id_in_extra() -> None:
    item = apply_metadata(LIST_ITEM, preprint())
    published = Metadata(
        "arxiv:1605.08386",
        "journalArticle",
        {"title": "Heat-bath random walks with Markov bases", "DOI": "10.1/x", "volume": "3"},
        extra=("arXiv: 1605.08386",),
    )
    applied = apply_metadata({**item, "extra": "Read_Status: Read"}, published)
    assert applied["itemType"] == "journalArticle"
    assert "repository" not in applied and "archiveID" not in applied
    assert applied["DOI"] == "10.1/x"
    assert applied["extra"] == "Read_Status: Read\narXiv: 1605.08386"


def test_a_creator_type_the_item_type_lacks_becomes_its_primary_type() -> None:
    metadata = Metadata("doi:10.1/x", "webpage", {"title": "T"}, (Creator("editor", "A", "B"),))
    assert apply_metadata(LIST_ITEM, metadata)["creators"] == [
        {"creatorType": "author", "firstName": "A", "lastName": "B"}
    ]


@pytest.mark.parametrize("metadata", every_recorded_metadata(), ids=lambda m: m.ident_key)
def test_every_recorded_answer_applies_with_schema_valid_fields_only(metadata: Metadata) -> None:
    applied = apply_metadata(LIST_ITEM, metadata)
    schema = type_fields(applied["itemType"])
    assert set(applied) - NON_FIELDS <= schema.fields
    assert {c["creatorType"] for c in applied["creators"]} <= set(schema.creator_types)


def test_merge_extra_adds_a_line_only_once() -> None:
    assert (
        merge_extra("arXiv: 1605.08386\nnote", ["arXiv: 1605.08386"]) == "arXiv: 1605.08386\nnote"
    )
    assert merge_extra("", ["arXiv: 1"]) == "arXiv: 1"
    assert merge_extra("x", ["ARXIV: 2", "Citation Key: k"]) == "x\nARXIV: 2\nCitation Key: k"
