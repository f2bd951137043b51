"""The arXiv API mapping: query URLs, Atom parsing, and the Zotero fields of a preprint."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from tests.enrich.recorded_api import API, recorded_arxiv_body

from zotmark.enrich import arxiv
from zotmark.enrich.model import Creator, Metadata
from zotmark.errors import EnrichError
from zotmark.schema import type_fields

HEAT_BATH = "arxiv.py__id_1605.08386_s0_m100_199195aa31ad.json"
WORKSHOP = "arxiv.py__id_1707.08567_s0_m100_6a1afebfc6a3.json"


def test_query_url_asks_for_exactly_the_ids_of_the_batch() -> None:
    url = arxiv.query_url(["1706.03762", "hep-th/9901001"])
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname, parts.path) == ("https", "export.arxiv.org", "/api/query")
    assert parse_qs(parts.query) == {"id_list": ["1706.03762,hep-th/9901001"], "max_results": ["2"]}


def test_batches_keep_order_and_hold_at_most_the_batch_size() -> None:
    ids = [f"2101.{n:05d}" for n in range(120)]
    batches = arxiv.batches(ids, 50)
    assert [len(b) for b in batches] == [50, 50, 20]
    assert [i for b in batches for i in b] == ids


def test_a_recorded_entry_gives_title_authors_date_and_abstract() -> None:
    record = arxiv.parse_feed(recorded_arxiv_body(HEAT_BATH))["1605.08386"]
    assert record.title == "Heat-bath random walks with Markov bases"
    assert record.creators == (
        Creator(first="Caprice", last="Stanley"),
        Creator(first="Tobias", last="Windisch"),
    )
    assert record.date == "2016-05-26"
    assert record.abstract.startswith("Graphs on lattice points are studied")
    assert record.doi is None


def test_titles_and_abstracts_wrapped_by_arxiv_are_collapsed_to_one_line() -> None:
    record = arxiv.parse_feed((API / "zoia__arxiv_response.xml").read_bytes())["1601.00001"]
    assert record.title == (
        "Inelastic effects in molecular transport junctions: The probe technique at high bias"
    )
    assert "\n" not in record.abstract and "  " not in record.abstract


def test_the_version_suffix_of_an_entry_id_is_dropped() -> None:
    body = recorded_arxiv_body("arxiv.py__id_2104.12255v1_s0_m100_6ae69987ffe1.json")
    assert list(arxiv.parse_feed(body)) == ["2104.12255"]


def test_old_style_ids_keep_their_archive() -> None:
    body = recorded_arxiv_body("arxiv.py__id_astro-ph_0601001_s0_m100_3150dca9dc76.json")
    record = arxiv.parse_feed(body)["astro-ph/0601001"]
    assert record.creators[2] == Creator(first="B. Scott", last="Gaudi")


def test_utf8_names_and_name_particles_are_read_right() -> None:
    creators = arxiv.parse_feed(recorded_arxiv_body(WORKSHOP))["1707.08567"].creators
    assert Creator(first="Dirk", last="Wübben") in creators
    assert Creator(first="Joost", last="van der Putten") in creators
    assert Creator(first="Peter H. N.", last="de With") in creators
    assert len(creators) == 34


def test_a_batch_answer_holds_only_the_ids_arxiv_knows() -> None:
    body = recorded_arxiv_body("arxiv.py__id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json")
    assert list(arxiv.parse_feed(body)) == ["1707.08567"]


def test_an_empty_feed_is_no_entries() -> None:
    assert (
        arxiv.parse_feed(recorded_arxiv_body("arxiv.py__id_0000.0000_s0_m100_8b51d9633a68.json"))
        == {}
    )


def test_an_arxiv_error_entry_is_an_error_with_arxivs_words() -> None:
    body = recorded_arxiv_body("arxiv.py__id_abc_s0_m100_b79c8dcf6bc3.json")
    with pytest.raises(EnrichError, match="incorrect id format for abc"):
        arxiv.parse_feed(body)


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>Service unavailable</body></html>", b"\x89PNG\r\n\x1a\n\x00\x00"],
    ids=["empty", "html", "binary"],
)
def test_a_body_that_is_no_atom_feed_is_an_error(body: bytes) -> None:
    with pytest.raises(EnrichError, match="arXiv"):
        arxiv.parse_feed(body)


def test_a_feed_with_a_doctype_is_refused_unparsed() -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom"/>'
    with pytest.raises(EnrichError, match="DOCTYPE"):
        arxiv.parse_feed(body)


def test_a_preprint_gets_repository_archive_id_arxiv_doi_and_url() -> None:
    record = arxiv.parse_feed(recorded_arxiv_body(HEAT_BATH))["1605.08386"]
    metadata = arxiv.to_metadata(record, "arxiv:1605.08386")
    assert metadata.item_type == "preprint"
    assert {k: v for k, v in metadata.fields.items() if k != "abstractNote"} == {
        "title": "Heat-bath random walks with Markov bases",
        "date": "2016-05-26",
        "url": "https://arxiv.org/abs/1605.08386",
        "repository": "arXiv",
        "archiveID": "arXiv:1605.08386",
        "DOI": "10.48550/arXiv.1605.08386",
    }
    assert metadata.extra == ()
    assert set(metadata.fields) <= type_fields("preprint").fields


def test_a_paper_with_a_published_doi_stays_a_preprint_naming_its_published_version() -> None:
    record = arxiv.parse_feed((API / "zoia__arxiv_response.xml").read_bytes())["1601.00001"]
    metadata = arxiv.to_metadata(record, "arxiv:1601.00001")
    assert (metadata.item_type, metadata.fields["archiveID"]) == ("preprint", "arXiv:1601.00001")
    assert metadata.published == Metadata(
        ident_key="doi:10.1063/1.4944470",
        item_type="journalArticle",
        fields={"DOI": "10.1063/1.4944470"},
        extra=("arXiv journal reference: J. Chem. Phys. 144, 124107 (2016)",),
        source="arxiv",
    )


def test_a_journal_ref_without_a_doi_names_no_published_version() -> None:
    body = recorded_arxiv_body("arxiv.py__id_astro-ph_0601001_s0_m100_3150dca9dc76.json")
    record = arxiv.parse_feed(body)["astro-ph/0601001"]
    assert record.journal_ref == "ActaAstron.56:1-50,2006"
    assert arxiv.to_metadata(record, "arxiv:astro-ph/0601001").published is None


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Ashish Vaswani", "Ashish", "Vaswani"),
        ("Fons van der Sommen", "Fons", "van der Sommen"),
        ("Madonna", "", "Madonna"),
        ("A. J. Han Vinck", "A. J. Han", "Vinck"),
        ("  Jean   de la Fontaine ", "Jean", "de la Fontaine"),
    ],
)
def test_split_name_puts_particles_into_the_last_name(name: str, first: str, last: str) -> None:
    assert arxiv.split_name(name) == Creator(first=first, last=last)


@pytest.mark.parametrize(
    ("candidate", "valid"),
    [
        ("1706.03762", True),
        ("hep-th/9901001", True),
        ("1706.03762v2", False),
        ("abc", False),
        ("0000.0000", False),
    ],
)
def test_only_canonical_ids_are_sent(candidate: str, valid: bool) -> None:
    assert arxiv.is_valid_id(candidate) is valid
