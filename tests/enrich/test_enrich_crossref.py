"""The Crossref mapping: ``/works/{doi}`` JSON to Zotero item type and fields."""

from __future__ import annotations

import json

import pytest
from tests.enrich.recorded_api import API

from zotmark.enrich import crossref
from zotmark.enrich.model import Creator, Metadata
from zotmark.errors import EnrichError
from zotmark.schema import type_fields


def recorded(number: int) -> Metadata:
    path = next(API.glob(f"papis__crossref_test_{number}_*.json"))
    return crossref.parse_work(path.read_bytes(), "doi:test")


def work(**message: object) -> bytes:
    return json.dumps({"status": "ok", "message": {"DOI": "10.1/x", **message}}).encode()


def test_a_journal_article_gets_journal_volume_issue_issn_and_authors() -> None:
    metadata = recorded(1)
    assert metadata.item_type == "journalArticle"
    assert metadata.fields["title"] == (
        "Particle entanglement in continuum many-body systems via quantum Monte Carlo"
    )
    assert metadata.fields["publicationTitle"] == "Physical Review B"
    assert metadata.fields["journalAbbreviation"] == "Phys. Rev. B"
    assert (metadata.fields["volume"], metadata.fields["issue"]) == ("89", "14")
    assert metadata.fields["ISSN"] == "1098-0121, 1550-235X"
    assert metadata.fields["date"] == "2014-04-04"
    assert metadata.fields["DOI"] == "10.1103/physrevb.89.140501"
    assert metadata.creators[3] == Creator("author", first="A.", last="Del Maestro")


def test_a_jats_abstract_becomes_plain_text() -> None:
    abstract = recorded(2).fields["abstractNote"]
    assert abstract.startswith("In the international community, human dependence on plastic")
    assert "<" not in abstract


def test_a_proceedings_article_is_a_conference_paper_with_its_proceedings_title() -> None:
    metadata = recorded(3)
    assert metadata.item_type == "conferencePaper"
    assert metadata.fields["proceedingsTitle"].startswith(
        "Companion of the The Web Conference 2018"
    )
    assert metadata.fields["ISBN"] == "9781450356404"
    assert metadata.fields["date"] == "2018"
    assert "publicationTitle" not in metadata.fields


def test_a_book_chapter_is_a_book_section_with_book_title_pages_and_both_isbns() -> None:
    metadata = recorded(4)
    assert metadata.item_type == "bookSection"
    assert metadata.fields["bookTitle"] == "Hyperbolic Problems: Theory, Numerics, Applications"
    assert metadata.fields["pages"] == "113-118"
    assert metadata.fields["ISBN"] == "9783034897426 9783034887205"
    assert metadata.fields["publisher"] == "Birkhäuser Basel"
    assert metadata.creators[0] == Creator("author", first="François", last="Bouchut")


def test_an_article_number_stands_in_for_pages() -> None:
    assert recorded(5).fields["pages"] == "022212"


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_every_field_is_one_the_item_type_accepts(number: int) -> None:
    metadata = recorded(number)
    assert set(metadata.fields) <= type_fields(metadata.item_type).fields
    assert {c.creator_type for c in metadata.creators} <= set(
        type_fields(metadata.item_type).creator_types
    )


@pytest.mark.parametrize(
    ("crossref_type", "item_type"),
    [
        ("posted-content", "preprint"),
        ("dissertation", "thesis"),
        ("monograph", "book"),
        ("report", "report"),
        ("something-new", "journalArticle"),
    ],
)
def test_crossref_work_types_map_to_zotero_item_types(crossref_type: str, item_type: str) -> None:
    metadata = crossref.parse_work(work(type=crossref_type, title=["T"]), "doi:10.1/x")
    assert metadata.item_type == item_type


def test_a_posted_content_names_its_repository() -> None:
    body = work(type="posted-content", title=["T"], publisher="Cold Spring Harbor Laboratory")
    assert crossref.parse_work(body, "doi:10.1/x").fields["repository"] == (
        "Cold Spring Harbor Laboratory"
    )


def test_markup_in_titles_is_removed_and_subtitles_are_joined() -> None:
    body = work(title=["The <i>E. coli</i> genome"], subtitle=["A &amp; B"])
    assert crossref.parse_work(body, "doi:10.1/x").fields["title"] == "The E. coli genome: A & B"


def test_an_organisation_author_is_a_single_field_name() -> None:
    body = work(title=["T"], author=[{"name": "ATLAS Collaboration", "sequence": "first"}])
    assert crossref.parse_work(body, "doi:10.1/x").creators == (
        Creator("author", name="ATLAS Collaboration"),
    )


@pytest.mark.parametrize(
    "body", [b"Resource not found.", b"{}", b'{"message": []}', b'{"message": {"title": ["x"]}}']
)
def test_an_answer_that_is_no_work_record_is_an_error(body: bytes) -> None:
    with pytest.raises(EnrichError, match="Crossref"):
        crossref.parse_work(body, "doi:10.1/x")


def test_the_work_url_keeps_the_slash_and_quotes_the_rest() -> None:
    assert crossref.work_url("10.1002/(sici)1097-4636") == (
        "https://api.crossref.org/works/10.1002/%28sici%291097-4636"
    )


def test_strip_jats_keeps_paragraphs_and_drops_the_abstract_heading() -> None:
    text = (
        "<jats:title>Abstract</jats:title><jats:p>One\n  two.</jats:p><jats:p>Three &lt;4.</jats:p>"
    )
    assert crossref.strip_jats(text) == "One two.\n\nThree <4."


BIORXIV = {
    "type": "posted-content",
    "relation": {
        "is-preprint-of": [{"id-type": "doi", "id": "10.1038/S41586-021-03819-2",
                            "asserted-by": "subject"}],
        "has-review": [{"id-type": "doi", "id": "10.1/review", "asserted-by": "object"}],
    },
}  # fmt: skip


def test_a_preprint_naming_its_published_version_carries_that_doi() -> None:
    metadata = crossref.parse_work(work(**BIORXIV), "doi:10.1/x")
    assert metadata.item_type == "preprint"
    assert metadata.published == Metadata(
        "doi:10.1038/s41586-021-03819-2", "journalArticle",
        {"DOI": "10.1038/s41586-021-03819-2"}, source="crossref",
    )  # fmt: skip


@pytest.mark.parametrize(
    "relation",
    [
        {},
        {"has-preprint": [{"id-type": "doi", "id": "10.1101/2020.1"}]},
        {"is-preprint-of": [{"id-type": "uri", "id": "https://example.org/paper"}]},
        {"is-preprint-of": "10.1038/x"},
    ],
    ids=["none", "has-preprint", "not-a-doi", "malformed"],
)
def test_a_record_naming_no_published_doi_has_no_published_version(
    relation: dict[str, object],
) -> None:
    assert crossref.parse_work(work(relation=relation), "doi:10.1/x").published is None


def test_the_recorded_works_name_no_published_version() -> None:
    assert all(recorded(n).published is None for n in range(1, 6))
