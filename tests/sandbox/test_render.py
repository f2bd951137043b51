"""sandbox.render: an item's ``meta`` (creator summary, parsed date, number of children)."""

from __future__ import annotations

from zotmark.sandbox.harness import Identity, build_store
from zotmark.sandbox.render import Renderer, creator_summary, parsed_date
from zotmark.sandbox.schema import load_schema
from zotmark.sandbox.writes import write_many

NOW = "2026-01-02T03:04:05Z"


def _meta(upload: dict[str, object]) -> dict[str, object]:
    library = build_store(Identity()).libraries["/users/1"]
    report = write_many(
        library, "items", [upload], library_header=None, now=NOW, schema=load_schema()
    )
    item = report.successful["0"]
    meta: dict[str, object] = Renderer("http://x", library, load_schema()).item(item)["meta"]
    return meta


def test_an_item_without_creators_or_date_has_only_its_child_count() -> None:
    assert _meta({"itemType": "preprint", "title": "T"}) == {"numChildren": 0}


def test_an_item_with_creators_and_a_date_has_their_summary() -> None:
    upload = {
        "itemType": "journalArticle",
        "creators": [{"creatorType": "author", "firstName": "Alan", "lastName": "Turing"}],
        "date": "March 5, 1936",
    }
    assert _meta(upload) == {
        "creatorSummary": "Turing",
        "parsedDate": "1936-03-05",
        "numChildren": 0,
    }


def test_empty_creators_and_dates_summarise_to_nothing() -> None:
    """What lets rendering skip both for items that have neither."""
    assert creator_summary([], load_schema(), "book") == ""
    assert parsed_date("") == ""
