"""Schema-derived endpoints: no key needed, always 200, contents from the packaged schema."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from zotmark.sandbox import Sandbox


@pytest.fixture
def anonymous(sandbox: Sandbox) -> Iterator[httpx2.Client]:
    """A client without any API key."""
    with httpx2.Client(base_url=sandbox.url, trust_env=False) as client:
        yield client


def test_item_type_fields_list_the_type_fields_in_schema_order(anonymous: httpx2.Client) -> None:
    """``/itemTypeFields?itemType=preprint`` starts with title, abstract, genre, repository."""
    rows = anonymous.get("/itemTypeFields", params={"itemType": "preprint"}).json()
    assert [r["field"] for r in rows[:5]] == [
        "title",
        "abstractNote",
        "genre",
        "repository",
        "archiveID",
    ]
    assert rows[3]["localized"] == "Repository"


def test_creator_types_put_the_primary_type_first(anonymous: httpx2.Client) -> None:
    """``/itemTypeCreatorTypes?itemType=book``: author first."""
    rows = anonymous.get("/itemTypeCreatorTypes", params={"itemType": "book"}).json()
    assert rows[0] == {"creatorType": "author", "localized": "Author"}


def test_creator_fields(anonymous: httpx2.Client) -> None:
    """``/creatorFields`` names firstName, lastName and name."""
    fields = [r["field"] for r in anonymous.get("/creatorFields").json()]
    assert fields == ["firstName", "lastName", "name"]


def test_schema_is_served_with_its_version(anonymous: httpx2.Client) -> None:
    """``/schema`` returns the schema document (version 41)."""
    response = anonymous.get("/schema")
    assert response.json()["version"] == 41
    assert response.headers["Zotero-Schema-Version"] == "41"


def test_mapping_endpoints_ignore_if_modified_since(anonymous: httpx2.Client) -> None:
    """pyzotero's cache revalidation sends ``If-Modified-Since``: the answer stays 200."""
    headers = {"If-Modified-Since": "Wed, 25 Nov 2099 00:00:00 GMT"}
    assert anonymous.get("/itemFields", headers=headers).status_code == 200


def test_unknown_item_type_is_400(anonymous: httpx2.Client) -> None:
    """``/items/new?itemType=nope``: 400; without the parameter: 400."""
    assert anonymous.get("/items/new", params={"itemType": "nope"}).status_code == 400
    assert anonymous.get("/items/new").status_code == 400


def test_note_template(anonymous: httpx2.Client) -> None:
    """``/items/new?itemType=note`` is the note template."""
    template = anonymous.get("/items/new", params={"itemType": "note"}).json()
    assert template == {
        "itemType": "note",
        "note": "",
        "tags": [],
        "collections": [],
        "relations": {},
    }
