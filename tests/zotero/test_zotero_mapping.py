"""zotero.mapping: item JSON → Item, Entry → new item JSON, patches, the identifier index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.core.model import Entry
from zotmark.core.port import Change
from zotmark.schema import item_types, title_field, type_fields, valid_field
from zotmark.zotero.mapping import (
    added_number,
    is_regular_item,
    item_from_json,
    item_patch,
    new_item_data,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"

FLAGS = {"Relevant?": "relevant"}


def _recorded(seq: int) -> dict[str, Any]:
    lines = (FIXTURES / "recordings" / "dataserver-session.jsonl").read_text().splitlines()
    exchange: dict[str, Any] = json.loads(lines[seq - 1])
    return exchange


def _entry(title: str, url: str | None, *, state: str = " ", relevant: bool | None = None) -> Entry:
    flags = {} if relevant is None else {"relevant": relevant}
    return Entry(line=1, title=title, url=url, ident=identify(title, url), state=state, flags=flags)


def _item(key: str, title: str, url: str | None = None, text: str = "") -> Item:
    return Item(key, 1, "preprint", title, url, identify(title, url, text))


# --- item_from_json -----------------------------------------------------------------------------


def test_recorded_preprint_maps_to_item_with_arxiv_ident() -> None:
    obj = _recorded(4)["response"]["body"]["successful"]["0"]
    item = item_from_json(obj)
    assert item.key == "GNVQSMGM"
    assert item.version == 2
    assert item.item_type == "preprint"
    assert item.title == "Attention Is Not All You Need"
    assert item.ident.arxiv == "2401.00001"
    assert item.tags == {"to-read", "transformers"}
    assert item.collections == {"HQ6CUPGM"}
    assert not item.deleted


def test_an_items_date_added_is_the_number_of_its_recorded_date_and_time() -> None:
    obj = _recorded(4)["response"]["body"]["successful"]["0"]  # dateAdded 2026-11-24T19:33:12Z
    assert item_from_json(obj).added == 20261124193312


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("2026-11-24T19:33:12Z", "2026-11-24T19:33:13Z"),
        ("2026-11-24T23:59:59Z", "2026-11-25T00:00:00Z"),
        ("2009-12-31T23:59:59Z", "2010-01-01T00:00:00Z"),
    ],
)
def test_dates_added_order_as_the_times_do(earlier: str, later: str) -> None:
    assert added_number(earlier) < added_number(later)


@pytest.mark.parametrize(
    "text", ["", "2026-11-24", "2026-11-24 19:33:12", "２０２６-11-24T19:33:12Z"]
)
def test_a_date_added_in_no_api_form_is_unknown(text: str) -> None:
    assert added_number(text) == 0


def test_recorded_trashed_item_is_deleted() -> None:
    obj = _recorded(30)["response"]["body"][0]
    assert item_from_json(obj).deleted


def test_bare_data_dict_maps_like_the_envelope() -> None:
    obj = _recorded(4)["response"]["body"]["successful"]["0"]
    assert item_from_json(obj["data"]) == item_from_json(obj)


def test_empty_url_is_none() -> None:
    assert item_from_json({"key": "AAAAAAAA", "version": 3, "data": {"url": ""}}).url is None


@pytest.mark.parametrize(
    ("data", "arxiv", "doi"),
    [
        (
            {"itemType": "journalArticle", "DOI": "10.1112/PLMS/s2-42.1.230"},
            None,
            "10.1112/plms/s2-42.1.230",
        ),
        ({"itemType": "journalArticle", "extra": "arXiv: 2206.06488 [cs]"}, "2206.06488", None),
        ({"itemType": "preprint", "archiveID": "arXiv:2105.07581v2"}, "2105.07581", None),
        ({"itemType": "preprint", "DOI": "10.48550/arXiv.2004.09476"}, "2004.09476", None),
        ({"itemType": "webpage", "url": "https://arxiv.org/pdf/2104.00437"}, "2104.00437", None),
    ],
)
def test_identifiers_come_from_url_doi_archive_id_and_extra(
    data: dict[str, str], arxiv: str | None, doi: str | None
) -> None:
    item = item_from_json({"key": "AAAAAAAA", "version": 1, "data": {"title": "T", **data}})
    assert (item.ident.arxiv, item.ident.doi) == (arxiv, doi)


def test_title_comes_from_the_types_title_like_field() -> None:
    item = item_from_json(
        {"key": "AAAAAAAA", "version": 1, "data": {"itemType": "case", "caseName": "Roe"}}
    )
    assert item.title == "Roe"
    assert item.ident.title == "roe"


@pytest.mark.parametrize(
    ("data", "regular"),
    [
        ({"itemType": "preprint"}, True),
        ({"itemType": "note"}, False),
        ({"itemType": "attachment"}, False),
        ({"itemType": "journalArticle", "parentItem": "ABCD2345"}, False),
    ],
)
def test_only_top_level_regular_items_are_regular(data: dict[str, str], regular: bool) -> None:
    assert is_regular_item({"data": data}) is regular


# --- new_item_data ------------------------------------------------------------------------------


def test_arxiv_entry_becomes_preprint_from_arxiv() -> None:
    entry = _entry("Multimodal Learning", "https://ar5iv.labs.arxiv.org/html/2206.06488")
    data = new_item_data(entry, key="ABCD2345", collection="COLL2345", tags={"read"})
    assert data["itemType"] == "preprint"
    assert data["repository"] == "arXiv"
    assert data["archiveID"] == "arXiv:2206.06488"
    assert data["url"] == "https://ar5iv.labs.arxiv.org/html/2206.06488"
    assert data["key"] == "ABCD2345"
    assert data["version"] == 0
    assert data["collections"] == ["COLL2345"]


def test_doi_entry_becomes_journal_article_with_doi() -> None:
    entry = _entry("On Computable Numbers", "https://doi.org/10.1112/plms/s2-42.1.230")
    data = new_item_data(entry, key="ABCD2345", collection="COLL2345", tags={"read"})
    assert data["itemType"] == "journalArticle"
    assert data["DOI"] == "10.1112/plms/s2-42.1.230"


@pytest.mark.parametrize("url", ["https://example.org/paper", None])
def test_other_entries_become_webpages(url: str | None) -> None:
    data = new_item_data(_entry("VideoBERT", url), key="ABCD2345", collection="C", tags={"read"})
    assert data["itemType"] == "webpage"
    assert data["title"] == "VideoBERT"
    assert data["url"] == (url or "")


ENTRIES = [
    _entry("Vision Transfomers are Robust Learners", "https://arxiv.org/abs/2105.07581", state="x"),
    _entry("Old style", "https://arxiv.org/abs/hep-th/9901001v2", relevant=True),
    _entry("A DOI paper", "https://dx.doi.org/10.1145/3292500.3330701"),
    _entry("An OpenReview paper", "https://openreview.net/forum?id=YicbFdNTTy"),
    _entry("A blog post", "http://www.example.com/post/?utm_source=x"),
    _entry("VideoBERT", None),
]


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.title)
def test_new_item_fields_are_valid_for_their_type(entry: Entry) -> None:
    data = new_item_data(entry, key="ABCD2345", collection="C", tags={"read"})
    fields = data.keys() - {"key", "version", "itemType", "tags", "collections"}
    assert fields
    assert all(valid_field(data["itemType"], name) for name in fields)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.title)
def test_new_item_maps_back_to_the_entrys_ident_and_the_plans_tags(entry: Entry) -> None:
    data = new_item_data(entry, key="ABCD2345", collection="C", tags={"read", "relevant"})
    item = item_from_json(data)
    assert item.ident.primary == entry.ident.primary
    assert item.tags == {"read", "relevant"}
    assert item.title == entry.title


ITEM_JSON: dict[str, Any] = {
    "key": "ABCD2345",
    "version": 7,
    "data": {
        "key": "ABCD2345",
        "version": 7,
        "itemType": "case",
        "caseName": "x",
        "tags": [{"tag": "mine"}, {"tag": "auto", "type": 1}, {"tag": "read"}],
        "collections": ["AAAA2222", "BBBB3333"],
    },
}


ITEM = item_from_json(ITEM_JSON)


def test_item_patch_keeps_the_users_other_tags_and_their_types() -> None:
    change = Change("ABCD2345", add_tags=frozenset({"relevant"}), remove_tags=frozenset({"read"}))
    assert item_patch(ITEM, change) == {
        "key": "ABCD2345",
        "version": 7,
        "tags": [{"tag": "auto", "type": 1}, {"tag": "mine"}, {"tag": "relevant"}],
    }


_NAMES = st.frozensets(st.sampled_from(["a", "b", "read", "relevant", "x y", "Ünï"]))


@given(current=_NAMES, add=_NAMES, remove=_NAMES)
def test_item_patch_tags_are_current_minus_removed_plus_added(
    current: frozenset[str], add: frozenset[str], remove: frozenset[str]
) -> None:
    add -= remove
    item = _item("ABCD2345", "t")
    item = Item(item.key, item.version, item.item_type, item.title, None, item.ident, current)
    patch = item_patch(item, Change(item.key, add_tags=add, remove_tags=remove))
    names = [t["tag"] for t in patch["tags"]] if "tags" in patch else current
    assert sorted(names) == sorted((current - remove) | add)


def test_item_patch_adding_a_tag_the_item_has_changes_nothing() -> None:
    assert item_patch(ITEM, Change("ABCD2345", add_tags=frozenset({"auto"}))).keys() == {
        "key",
        "version",
    }


def test_item_patch_refuses_overlapping_add_and_remove() -> None:
    with pytest.raises(ValueError, match="read"):
        item_patch(
            ITEM, Change("ABCD2345", add_tags=frozenset({"read"}), remove_tags=frozenset({"read"}))
        )


def test_item_patch_joins_and_leaves_collections_keeping_the_others() -> None:
    def joined(**change: str) -> list[str] | None:
        return item_patch(ITEM, Change("ABCD2345", **change)).get("collections")

    assert joined(add_collection="CCCC4444") == ["AAAA2222", "BBBB3333", "CCCC4444"]
    assert joined(remove_collection="AAAA2222") == ["BBBB3333"]
    assert joined(add_collection="AAAA2222") is None  # already there: no change


@pytest.mark.parametrize(
    ("item_type", "field"),
    [(t, title_field(t)) for t in item_types() if title_field(t) != "title"]
    + [("preprint", "title")],
)
def test_item_patch_writes_the_title_into_the_types_own_title_field(
    item_type: str, field: str
) -> None:
    item = {"key": "ABCD2345", "version": 7, "data": {"itemType": item_type, field: "Old"}}
    assert item_patch(item_from_json(item), Change("ABCD2345", title="New")) == {
        "key": "ABCD2345",
        "version": 7,
        field: "New",
    }


def test_item_patch_trashes_and_restores_only_when_that_changes() -> None:
    assert item_patch(ITEM, Change("ABCD2345", trashed=True)) == {
        "key": "ABCD2345",
        "version": 7,
        "deleted": 1,
    }
    assert "deleted" not in item_patch(ITEM, Change("ABCD2345", trashed=False))
    trashed = item_from_json({**ITEM_JSON, "data": {**ITEM_JSON["data"], "deleted": 1}})
    assert item_patch(trashed, Change("ABCD2345", trashed=False))["deleted"] == 0


# --- schema -------------------------------------------------------------------------------------


def test_schema_knows_title_like_fields() -> None:
    assert title_field("case") == "caseName"
    assert title_field("preprint") == "title"
    assert "archiveID" in type_fields("preprint").fields


def test_items_with_equal_tag_and_collection_sets_share_one_set_each() -> None:
    first, second = (
        item_from_json({"key": k, "version": 1, "data": {"tags": [{"tag": "read"}],
                                                          "collections": ["AAAA2222"]}})
        for k in ("ABCD2345", "EFGH2345")
    )  # fmt: skip
    assert first.tags is second.tags and first.collections is second.collections


def test_item_patch_sets_the_citation_key_field() -> None:
    change = Change("ABCD2345", citation_key="vaswani2017attention")
    assert item_patch(ITEM, change) == {
        "key": "ABCD2345",
        "version": 7,
        "citationKey": "vaswani2017attention",
    }
