"""Tags, ported from dataserver's ``tests/remote/tests/3/tag.test.js``.

Covered: empty tags ignored, a non-object tag refused, tags kept across posts, 4-byte tags, a
tag over 255 characters (413 with the tag), item filters (``tag=a&tag=c``, ``b || c``, ``-a``,
``-z``, case-insensitive, negation in ``/top``), keyed items with tags, ``/items/tags``,
``/items/top/tags`` and the collection forms with ``itemQ``/``itemTag``, ``tags?tag=``, ``q`` and
``qmode=startswith``, orphaned tags gone, ``newer`` by the tag's first version, multi-tag DELETE
(428, 412, 204), a deleted tag removed from its item (which gets a version), a tag change moving
only that item, case and diacritics as different tags, a tag named ``0``.
"""

from __future__ import annotations

from .ds_api import ZoteroAPI


def _tags(data: list[dict[str, object]]) -> list[object]:
    return sorted(t["tag"] for t in data)


def test_tag_objects(zapi: ZoteroAPI) -> None:
    for empty in ("", " "):
        json = dict(zapi.template("book"), tags=[{"tag": "A"}, {"tag": empty, "type": 1}])
        assert zapi.post("items", [json]).json()["successful"]["0"]["data"]["tags"] == [
            {"tag": "A"}
        ]
    json = dict(zapi.template("book"), tags=[["invalid"]])
    assert zapi.post("items", [json]).json()["failed"]["0"]["message"] == "Tag must be an object"
    bear = "\U0001f43b"
    assert zapi.create_item("book", {"tags": [{"tag": bear, "type": 0}]}, "data")["tags"] == [
        {"tag": bear}
    ]
    long = "x" * 300
    failed = zapi.create_item("book", {"tags": [{"tag": long, "type": 1}]})["failed"]["0"]
    assert (failed["code"], failed["data"]["tag"]) == (413, long)
    assert zapi.create_item("book", {"tags": [{"tag": "0"}]}, "data")["tags"] == [{"tag": "0"}]


def test_item_tag_filters(zapi: ZoteroAPI) -> None:
    key1 = zapi.create_item("book", {"tags": [{"tag": "a"}, {"tag": "b"}]}, "key")
    key2 = zapi.create_item("book", {"tags": [{"tag": "a"}, {"tag": "c"}]}, "key")

    def keys(query: str) -> list[str]:
        return sorted(zapi.user("GET", f"items?format=keys&{query}").text.split())

    both = sorted([key1, key2])
    assert keys("tag=a") == both
    assert keys("tag=a&tag=c") == [key2]
    assert keys("tag=b&tag=c") == []
    assert keys("tag=b%20||%20c") == both
    assert keys("tag=a%20||%20b%20||%20c") == both
    assert keys("tag=-a") == []
    assert keys("tag=-b") == [key2]
    assert keys("tag=b%20||%20c&tag=a") == both
    assert keys("tag=-z") == both
    assert keys("tag=B") == [key1]
    assert keys("tag=-b%20||%20c") == []  # the negation covers the whole group
    assert keys("tag=b%20%20||%20%20c") == both  # any spaces around ||
    zapi.create_attachment("imported_url", {}, key1)
    zapi.create_attachment("imported_url", {}, key2)
    assert zapi.user("GET", "items/top?format=keys&tag=-b").text.split() == [key2]
    hyphen = zapi.create_item("book", {"tags": [{"tag": "-a"}]}, "key")
    assert keys("tag=%5C-a") == [hyphen]  # "\\-" is a literal hyphen


def test_tags_within_items(zapi: ZoteroAPI) -> None:
    collection = zapi.create_collection("Collection", fmt="key")
    item1 = zapi.create_item("book", {"title": "Foo", "tags": [{"tag": "a"}, {"tag": "g"}]}, "key")
    zapi.create_item(
        "note", {"note": "Test Note 1", "parentItem": item1, "tags": [{"tag": "a"}, {"tag": "e"}]}
    )
    zapi.create_item("book", {"title": "Bar", "tags": [{"tag": "b"}]})
    item4 = zapi.create_item(
        "book",
        {
            "title": "Foo",
            "collections": [collection],
            "tags": [{"tag": "a"}, {"tag": "c"}, {"tag": "g"}],
        },
        "key",
    )
    zapi.create_item(
        "note", {"note": "Test Note 2", "parentItem": item4, "tags": [{"tag": "a"}, {"tag": "f"}]}
    )
    zapi.create_item("book", {"title": "Bar", "collections": [collection], "tags": [{"tag": "d"}]})

    def names(path: str) -> list[object]:
        return _tags(zapi.user("GET", path).json())

    assert names("items/tags") == list("abcdefg")
    assert names("items/top/tags") == list("abcdg")
    assert names("items/tags?tag=a") == ["a"]
    assert names("items/tags?itemQ=foo") == list("acg")
    assert names("items/tags?itemQ=bar") == list("bd")
    assert names("items/tags?itemQ=Test%20Note") == list("aef")
    assert names("items/tags?itemTag=a&itemTag=g") == list("acg")
    assert names("items/tags?itemTag=a&itemTag=d") == []
    assert names(f"collections/{collection}/items/tags") == list("acdfg")
    assert names(f"collections/{collection}/items/top/tags") == list("acdg")
    assert names(f"collections/{collection}/items/tags?itemQ=Test%20Note") == list("af")
    assert names(f"collections/{collection}/items/tags?itemTag=a&itemTag=g") == list("acg")
    empty = zapi.create_collection("Empty collection", fmt="key")
    assert names(f"collections/{empty}/items/top/tags") == []


def test_tag_search_and_query(zapi: ZoteroAPI) -> None:
    zapi.create_item("book", {"tags": [{"tag": t} for t in ("a", "aa", "b")]})
    zapi.create_item("book", {"tags": [{"tag": t} for t in ("b", "c", "cc")]})
    assert len(zapi.user("GET", "tags?tag=a%20||%20aa%20||%20b").json()) == 3
    zapi.create_item("book", {"tags": [{"tag": t} for t in ("abc", "bab")]})
    assert _tags(zapi.user("GET", "tags?q=ab").json()) == ["abc", "bab"]
    assert _tags(zapi.user("GET", "tags?q=ab&qmode=startswith").json()) == ["abc"]


def test_orphaned_tag_and_newer(zapi: ZoteroAPI) -> None:
    data = zapi.create_item("book", {"tags": [{"tag": "a"}]}, "data")
    zapi.create_item("book", {"tags": [{"tag": "b"}]})
    zapi.create_item("book", {"tags": [{"tag": "b"}]})
    zapi.user("DELETE", f"items/{data['key']}", If_Unmodified_Since_Version=str(data["version"]))
    assert _tags(zapi.user("GET", "tags").json()) == ["b"]
    version = zapi.library_version()
    assert zapi.user("GET", f"tags?newer={version}").json() == []
    zapi.create_item("book", {"tags": [{"tag": "b"}, {"tag": "c"}]})
    newer = zapi.user("GET", f"tags?newer={version}")
    assert int(newer.headers["Last-Modified-Version"]) > version
    assert [(t["tag"], t["meta"]["type"]) for t in newer.json()] == [("c", 0)]


def test_multi_tag_delete(zapi: ZoteroAPI) -> None:
    tags1, tags2 = ["a", "aa", "b"], ["b", "c", "cc"]
    zapi.create_item("book", {"tags": [{"tag": t} for t in tags1]})
    zapi.create_item("book", {"tags": [{"tag": t, "type": 1} for t in tags2]})
    zapi.create_item("book", {"tags": [{"tag": "Foo"}]})
    version = zapi.library_version()
    query = "tags?tag=" + "%20||%20".join(tags1 + tags2)
    assert zapi.user("DELETE", query).status_code == 428
    assert (
        zapi.user("DELETE", query, If_Unmodified_Since_Version=str(version - 1)).status_code == 412
    )
    assert zapi.user("DELETE", query, If_Unmodified_Since_Version=str(version)).status_code == 204
    left = zapi.user("GET", "tags?tag=" + "%20||%20".join([*tags1, *tags2, "Foo"])).json()
    assert _tags(left) == ["Foo"]


def test_deleting_a_tag_updates_its_item(zapi: ZoteroAPI) -> None:
    key = zapi.create_item("book", {"tags": [{"tag": t} for t in ("a", "aa", "b")]}, "key")
    version = zapi.library_version()
    zapi.user("DELETE", "tags?tag=a", If_Unmodified_Since_Version=str(version))
    changed = zapi.user("GET", f"items?since={version}").json()
    assert [c["key"] for c in changed] == [key]
    assert [t["tag"] for t in changed[0]["data"]["tags"]] == ["aa", "b"]


def test_tag_changes_move_only_that_item(zapi: ZoteroAPI) -> None:
    data1 = zapi.create_item("book", {"tags": [{"tag": "a"}, {"tag": "b"}]}, "data")
    data2 = zapi.create_item("book", {"tags": [{"tag": "a"}, {"tag": "c"}]}, "data")
    data1["tags"] = [{"tag": "d"}, {"tag": "c"}]
    zapi.post("items", [data1])
    assert zapi.get_object("items", data1["key"])["version"] == data2["version"] + 1
    assert zapi.get_object("items", data2["key"])["version"] == data2["version"]


def test_case_and_diacritics_make_different_tags(zapi: ZoteroAPI) -> None:
    data1 = zapi.create_item("book", {"tags": [{"tag": "a"}]}, "data")
    data2 = zapi.create_item("book", {"tags": [{"tag": "a"}]}, "data")
    data1["tags"] = [{"tag": "A"}]
    assert zapi.post("items", [data1]).json()["success"]
    assert zapi.get_object("items", data1["key"])["data"]["tags"] == [{"tag": "A"}]
    assert zapi.get_object("items", data2["key"])["data"]["tags"] == [{"tag": "a"}]
    data = zapi.create_item("book", {"tags": [{"tag": "\u00ebtest"}]}, "data")
    data["tags"] = [{"tag": "\u00ebtest"}, {"tag": "etest"}]
    zapi.post("items", [data])
    got = zapi.get_object("items", data["key"])
    assert got["version"] == data["version"] + 1
    assert _tags(got["data"]["tags"]) == sorted(["\u00ebtest", "etest"])


def test_deleting_tags_splits_or_as_the_tag_filter_does(zapi: ZoteroAPI) -> None:
    """``DELETE /tags?tag=a  ||  b`` (any whitespace around ``||``) deletes what
    ``GET ?tag=a  ||  b`` matches; ``a||b`` is one name."""
    zapi.create_item("book", {"tags": [{"tag": t} for t in ("a", "b", "c")]})
    version = zapi.library_version()
    query = "tags?tag=a%20%20||%09b"
    assert zapi.user("DELETE", query, If_Unmodified_Since_Version=str(version)).status_code == 204
    assert _tags(zapi.user("GET", "tags").json()) == ["c"]
