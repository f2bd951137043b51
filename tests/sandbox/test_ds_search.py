"""Saved searches, ported from dataserver's ``tests/remote/tests/3/search.test.js``.

Covered: create (name, conditions with ``/mode``), modify by PUT, multi-object POST as a partial
update, the validation texts (empty name, no conditions, missing or empty condition/operator),
emoji in names and values, read back by ``searchKey``.
"""

from __future__ import annotations

from .ds_api import ZoteroAPI

CONDITIONS = [
    {"condition": "title", "operator": "contains", "value": "test"},
    {"condition": "noChildren", "operator": "false", "value": ""},
    {"condition": "fulltextContent/regexp", "operator": "contains", "value": "/test/"},
]


def test_new_search_and_modify(zapi: ZoteroAPI) -> None:
    response = zapi.user("POST", "searches", [{"name": "Test Search", "conditions": CONDITIONS}])
    version = int(response.headers["Last-Modified-Version"])
    report = response.json()
    assert len(report["successful"]) == len(report["success"]) == 1
    data = report["successful"]["0"]["data"]
    assert (data["key"], data["version"], data["name"]) == (
        report["successful"]["0"]["key"],
        version,
        "Test Search",
    )
    assert data["conditions"] == CONDITIONS
    listed = zapi.user("GET", f"searches?searchKey={data['key']}")
    assert listed.headers["Total-Results"] == "1"
    assert listed.json()[0]["data"]["conditions"] == CONDITIONS

    data["conditions"] = CONDITIONS[1:]
    put = zapi.user(
        "PUT", f"searches/{data['key']}", data, If_Unmodified_Since_Version=str(version)
    )
    assert put.status_code == 204
    assert zapi.get_object("searches", data["key"])["data"]["conditions"] == CONDITIONS[1:]


def test_edit_multiple_searches(zapi: ZoteroAPI) -> None:
    first = zapi.create_search("Test 1", fmt="data")
    second_conditions = [{"condition": "title", "operator": "is", "value": "test2"}]
    second = zapi.create_search("Test 2", second_conditions, fmt="data")
    new_conditions = [{"condition": "title", "operator": "isNot", "value": "test1"}]
    response = zapi.user(
        "POST",
        "searches",
        [
            {"key": first["key"], "version": first["version"], "name": "Test 1 Modified"},
            {"key": second["key"], "version": second["version"], "conditions": new_conditions},
        ],
    )
    report = response.json()
    assert len(report["successful"]) == 2
    assert report["successful"]["0"]["data"]["name"] == "Test 1 Modified"
    assert report["successful"]["0"]["data"]["conditions"] == first["conditions"]
    assert report["successful"]["1"]["data"]["name"] == "Test 2"
    assert report["successful"]["1"]["data"]["conditions"] == new_conditions


def test_search_validation_texts(zapi: ZoteroAPI) -> None:
    cases = [
        ({"name": "", "conditions": CONDITIONS[:1]}, "Search name cannot be empty"),
        ({"name": "Test", "conditions": []}, "'conditions' cannot be empty"),
        (
            {"name": "Test", "conditions": [{"operator": "contains", "value": "test"}]},
            "'condition' property not provided for search condition",
        ),
        (
            {
                "name": "Test",
                "conditions": [{"condition": "", "operator": "contains", "value": "t"}],
            },
            "Search condition cannot be empty",
        ),
        (
            {"name": "Test", "conditions": [{"condition": "title", "value": "test"}]},
            "'operator' property not provided for search condition",
        ),
        (
            {"name": "Test", "conditions": [{"condition": "title", "operator": "", "value": "t"}]},
            "Search operator cannot be empty",
        ),
    ]
    for search, message in cases:
        failed = zapi.user("POST", "searches", [search]).json()["failed"]["0"]
        assert (failed["code"], failed["message"]) == (400, message)


def test_emoji_in_search(zapi: ZoteroAPI) -> None:
    dog = "\U0001f436"
    report = zapi.create_search(dog, [{"condition": "title", "operator": "contains", "value": dog}])
    assert report["successful"]["0"]["data"]["name"] == dog
