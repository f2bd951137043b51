"""Creators, ported from dataserver's ``tests/remote/tests/3/creator.test.js``.

Covered: names kept with their case, ``creatorSummary`` for one, two and three authors, a
creator whose name is only a byte-order mark dropped (no summary), a 4-byte character.
"""

from __future__ import annotations

from .ds_api import ZoteroAPI


def _author(**name: str) -> dict[str, str]:
    return {"creatorType": "author", **name}


def test_creator_case_is_kept(zapi: ZoteroAPI) -> None:
    for name in ("test", "test", "Test", "SMITH", "Smith", "\U0001f43b"):
        json = zapi.create_item("book", {"creators": [_author(name=name)]}, "json")
        assert json["data"]["creators"][0]["name"] == name


def test_creator_summary(zapi: ZoteroAPI) -> None:
    json = zapi.create_item("book", {"creators": [_author(name="Test")]}, "json")
    assert json["meta"]["creatorSummary"] == "Test"
    data = json["data"]
    expected = ["Test and Foo", "Test et al."]
    for person, summary in zip([("Alice", "Foo"), ("Bob", "Bar")], expected, strict=True):
        data["creators"].append(_author(firstName=person[0], lastName=person[1]))
        assert zapi.user("PUT", f"items/{data['key']}", data).status_code == 204
        json = zapi.get_object("items", data["key"])
        assert json["meta"]["creatorSummary"] == summary
        data = json["data"]


def test_empty_creator(zapi: ZoteroAPI) -> None:
    json = zapi.create_item("book", {"creators": [_author(name="\ufeff")]}, "json")
    assert "creatorSummary" not in json["meta"]
