"""Key permissions and groups, ported from dataserver's
``tests/remote/tests/3/permissions.test.js`` (keys changed and groups made under ``/_sandbox``).

Covered: a user's groups listed anonymously (JSON, and Atom with ``zapi:groupID``): the public
ones, also those closed to anonymous reading; all owned groups for a key with access to all
groups; a key without group access sees the public ones, and a private group once given read
access; reading a group library (and anonymously a public one open to all); no writing to a
group with read access only; a key without ``notes`` access sees no notes in any listing
(JSON, Atom, keys; library, top-level and collection), with ``Total-Results`` counting only the
rest; deleting tags needs write access; the sandbox's reset restores the key.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx2
import pytest

from zotmark.sandbox import Sandbox

from .ds_api import ZoteroAPI
from .test_ds_atom import NS, entry_keys

FULL = {
    "user": {"library": True, "notes": True, "write": True, "files": True},
    "groups": {"all": {"library": True, "write": True}},
}


@pytest.fixture
def groups(zapi: ZoteroAPI) -> dict[str, int]:
    """The sandbox's own private group and three more: public open to all, public closed to
    anonymous readers, private."""
    zapi.set_key_access(FULL)
    return {
        "sandbox": zapi.group_id,
        "public": zapi.add_group("Public", type="PublicOpen", libraryReading="all"),
        "publicNoAnonymous": zapi.add_group(
            "Closed", type="PublicClosed", libraryReading="members"
        ),
        "private": zapi.add_group("Private", type="Private"),
    }


def _ids(response: httpx2.Response) -> list[int]:
    return sorted(group["id"] for group in response.json())


def test_user_groups_anonymously(zapi: ZoteroAPI, sandbox: Sandbox, groups: dict[str, int]) -> None:
    anonymous = ZoteroAPI(sandbox, key="")
    try:
        response = anonymous.user("GET", "groups")
        public = sorted([groups["public"], groups["publicNoAnonymous"]])
        assert (response.status_code, response.headers["Total-Results"], _ids(response)) == (
            200,
            "2",
            public,
        )
        atom = anonymous.user("GET", "groups?content=json")
        assert atom.headers["Total-Results"] == "2"
        found = [
            int(node.text or "")
            for node in ET.fromstring(atom.text).iterfind("atom:entry/zapi:groupID", NS)
        ]
        assert sorted(found) == public
        assert anonymous.request("GET", f"/groups/{groups['public']}/items").status_code == 200
        assert (
            anonymous.request("GET", f"/groups/{groups['publicNoAnonymous']}/items").status_code
            == 403
        )
    finally:
        anonymous.close()


def test_user_groups_by_key_access(zapi: ZoteroAPI, groups: dict[str, int]) -> None:
    owned = zapi.user("GET", "groups")
    assert (owned.headers["Total-Results"], _ids(owned)) == ("4", sorted(groups.values()))
    zapi.set_key_access({})  # API.resetKey
    assert _ids(zapi.user("GET", "groups")) == sorted(
        [groups["public"], groups["publicNoAnonymous"]]
    )
    zapi.set_group_permission(groups["private"], "library", True)
    listed = zapi.user("GET", "groups")
    assert listed.headers["Total-Results"] == "3"
    assert groups["private"] in _ids(listed)


def test_group_library_reading_and_read_only_writes(
    zapi: ZoteroAPI, groups: dict[str, int]
) -> None:
    public = groups["public"]
    created = zapi.request("POST", f"/groups/{public}/items", [zapi.template("book")])
    key = created.json()["success"]["0"]
    assert zapi.request("GET", f"/groups/{public}/items/{key}").status_code == 200
    zapi.set_key_access({})
    zapi.set_user_permission("library", True)
    zapi.set_group_permission(public, "library", True)
    refused = zapi.request("POST", f"/groups/{public}/items", [zapi.template("book")])
    assert (refused.status_code, refused.text) == (403, "Write access denied")


def _counts(zapi: ZoteroAPI, query: str) -> tuple[int, str]:
    response = zapi.user("GET", query)
    assert response.status_code == 200, response.text
    if "format=keys" in query:
        return len(response.text.split()), response.headers["Total-Results"]
    if "format=atom" in query:
        return len(entry_keys(response.text)), response.headers["Total-Results"]
    return len(response.json()), response.headers["Total-Results"]


def test_key_note_access(zapi: ZoteroAPI) -> None:
    books = [zapi.create_item("book", {"title": "A"}, "key")]
    notes = [zapi.create_note(text, fmt="key") for text in "BCDE"]
    books.append(zapi.create_item("book", {"title": "F"}, "key"))
    child = zapi.create_note("G", books[1], "key")
    top = [*books, *notes]
    collection = zapi.create_collection("Test", fmt="key")
    filed = zapi.user("POST", f"collections/{collection}/items", " ".join(top))
    assert filed.status_code == 204, filed.text
    everything = len(top) + 1
    for fmt in ("json", "atom", "keys"):
        assert _counts(zapi, f"items?format={fmt}") == (everything, str(everything))
        assert _counts(zapi, f"items/top?format={fmt}") == (len(top), str(len(top)))
        assert _counts(zapi, f"collections/{collection}/items/top?format={fmt}") == (
            len(top),
            str(len(top)),
        )
    zapi.set_user_permission("notes", False)
    assert _counts(zapi, "items?limit=1") == (1, "2")
    assert _counts(zapi, "items?format=atom&limit=1") == (1, "2")
    for fmt in ("json", "atom", "keys"):
        for path in ("items", "items/top", f"collections/{collection}/items"):
            assert _counts(zapi, f"{path}?format={fmt}") == (2, "2"), (path, fmt)
    assert sorted(zapi.user("GET", "items?format=keys").text.split()) == sorted(books)
    assert child not in zapi.user("GET", "items?format=keys").text


def test_tag_delete_needs_write_access(zapi: ZoteroAPI) -> None:
    zapi.create_item("book", {"tags": [{"tag": "A"}]})
    version = zapi.library_version()
    zapi.set_user_permission("write", False)
    refused = zapi.user("DELETE", "tags?tag=A", If_Unmodified_Since_Version=str(version))
    assert (refused.status_code, refused.text) == (403, "Write access denied")
    zapi.set_user_permission("write", True)
    assert (
        zapi.user("DELETE", "tags?tag=A", If_Unmodified_Since_Version=str(version)).status_code
        == 204
    )


def test_reset_restores_keys_and_groups(
    zapi: ZoteroAPI, sandbox: Sandbox, groups: dict[str, int]
) -> None:
    zapi.set_key_access({})
    assert zapi.user("GET", "items").status_code == 403
    sandbox.reset()
    assert zapi.user("GET", "items").status_code == 200
    assert zapi.request("GET", f"/groups/{groups['public']}/items").status_code == 404
    assert zapi.key_access()["user"]["write"] is True


def test_created_and_modified_by_user_in_groups(zapi: ZoteroAPI, sandbox: Sandbox) -> None:
    """``meta.createdByUser`` for group items, ``lastModifiedByUser`` once another member edited
    (item tests); the second user and its key come from ``/_sandbox``."""
    second, group = zapi.second_member()
    other = second.user_id
    try:
        created = zapi.request("POST", f"/groups/{group}/items", [zapi.template("book")]).json()
        key = created["successful"]["0"]["key"]
        meta = created["successful"]["0"]["meta"]
        assert meta["createdByUser"]["id"] == zapi.user_id
        assert meta["createdByUser"]["links"]["alternate"]["type"] == "text/html"
        assert "lastModifiedByUser" not in meta
        version = created["successful"]["0"]["version"]
        edited = second.request(
            "PATCH",
            f"/groups/{group}/items/{key}",
            {"title": "By the other"},
            {"If-Unmodified-Since-Version": str(version)},
        )
        assert edited.status_code == 204, edited.text
        meta = zapi.request("GET", f"/groups/{group}/items/{key}").json()["meta"]
        assert (meta["createdByUser"]["id"], meta["lastModifiedByUser"]) == (
            zapi.user_id,
            {"id": other, "username": "second", "links": meta["lastModifiedByUser"]["links"]},
        )
        atom = zapi.request("GET", f"/groups/{group}/items/{key}?format=atom").text
        assert "<zapi:lastModifiedByUser>second</zapi:lastModifiedByUser>" in atom
        mine = zapi.user("POST", "items", [zapi.template("book")]).json()["successful"]["0"]["meta"]
        assert "createdByUser" not in mine  # user libraries have no such meta
    finally:
        second.close()
