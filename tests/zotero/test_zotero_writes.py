"""zotero.writes: write reports from real and client-library fixtures, batching, read-backs."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from zotmark.zotero.results import (
    KeyAccess,
    WriteFailure,
    WriteReport,
    key_info_from_json,
    merge_reports,
)
from zotmark.zotero.writes import (
    batches,
    existing_creates,
    parse_report,
    patch_applied,
    unversioned,
    with_read_back,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _recorded(seq: int) -> dict[str, Any]:
    lines = (FIXTURES / "recordings" / "dataserver-session.jsonl").read_text().splitlines()
    exchange: dict[str, Any] = json.loads(lines[seq - 1])
    return exchange


def test_recorded_multi_write_gives_per_object_versions_and_failures() -> None:
    exchange = _recorded(18)
    sent, body = exchange["request"]["body"], exchange["response"]["body"]
    report = parse_report(sent, body, library_version=8)
    assert report.versions == {"X9R462TF": 7, "96GFVP6D": 8}
    assert report.failed == {
        "#1": WriteFailure("#1", 400, "Invalid property 'notAField'"),
        "#2": WriteFailure("#2", 400, "'notARealType' is not a valid itemType"),
    }
    assert report.objects["96GFVP6D"]["data"]["title"] == "New good item"
    assert report.library_version == 8
    assert not report.ok


def test_recorded_create_gives_each_object_its_own_version() -> None:
    exchange = _recorded(4)
    report = parse_report(exchange["request"]["body"], exchange["response"]["body"], 4)
    assert sorted(report.versions.values()) == [2, 3, 4]


def test_unchanged_objects_keep_the_version_sent() -> None:
    sent = [{"key": "ABCD2345", "version": 5, "title": "same"}]
    body = {"successful": {}, "success": {}, "unchanged": {"0": "ABCD2345"}, "failed": {}}
    report = parse_report(sent, body, 9)
    assert report.unchanged == {"ABCD2345"}
    assert report.versions == {"ABCD2345": 5}


def test_old_style_report_lists_keys_to_read_back() -> None:
    body = json.loads(
        (FIXTURES / "api" / "zotero-api-client__multi-mixed-write-response.json").read_text()
    )
    assert unversioned(body) == ["ABCD1111", "ABCD2222"]
    report = parse_report([{}] * 5, body, 3)
    assert set(report.failed) == {"ABCD4444", "ABCD5555"}


def test_existing_creates_are_412s_of_version_zero_objects() -> None:
    sent = [{"key": "AAAA2222", "version": 0}, {"key": "BBBB3333", "version": 4}]
    report = WriteReport(
        failed={
            "AAAA2222": WriteFailure("AAAA2222", 412, "Item AAAA2222 already exists"),
            "BBBB3333": WriteFailure("BBBB3333", 412, "Item has been modified"),
        }
    )
    assert existing_creates(sent, report) == ["AAAA2222"]


def test_read_back_turns_failures_into_successes() -> None:
    report = WriteReport(
        failed={"AAAA2222": WriteFailure("AAAA2222", 412, "exists")}, library_version=7
    )
    found = {"AAAA2222": {"key": "AAAA2222", "version": 6, "data": {}}}
    merged = with_read_back(report, found, existed=True)
    assert merged.ok
    assert merged.versions == {"AAAA2222": 6}
    assert merged.already_existed == {"AAAA2222"}
    assert merged.library_version == 7


keys = st.sampled_from(["AAAA2222", "BBBB3333", "CCCC4444", "DDDD5555"])
reports = st.builds(
    WriteReport,
    versions=st.dictionaries(keys, st.integers(0, 99)),
    objects=st.dictionaries(keys, st.fixed_dictionaries({"version": st.integers(0, 99)})),
    unchanged=st.frozensets(keys),
    already_existed=st.frozensets(keys),
    failed=st.dictionaries(keys, st.builds(WriteFailure, keys, st.integers(400, 412), st.text())),
    library_version=st.integers(0, 99),
)


@given(st.lists(reports, max_size=6))
def test_merging_batch_reports_at_once_equals_merging_them_one_by_one(
    parts: list[WriteReport],
) -> None:
    """``merge_reports`` gives what folding with ``WriteReport.merged`` gives, map order too."""
    expected = functools.reduce(WriteReport.merged, parts, WriteReport())
    merged = merge_reports(parts)
    assert merged == expected
    for name in ("versions", "objects", "failed"):
        assert list(getattr(merged, name).items()) == list(getattr(expected, name).items())


def test_batches_hold_at_most_fifty() -> None:
    assert [len(b) for b in batches([{"n": i} for i in range(120)])] == [50, 50, 20]


def test_patch_applied_compares_tags_and_collections_as_sets() -> None:
    data = {
        "tags": [{"tag": "b"}, {"tag": "a", "type": 1}],
        "collections": ["X", "Y"],
        "title": "T",
    }
    assert patch_applied(
        {"key": "K", "version": 1, "tags": [{"tag": "a", "type": 1}, {"tag": "b"}]}, data
    )
    assert patch_applied({"collections": ["Y", "X"], "title": "T"}, data)
    assert not patch_applied({"tags": [{"tag": "a"}, {"tag": "b"}]}, data)
    assert not patch_applied({"title": "U"}, data)
    assert patch_applied({"deleted": 0}, data)


def test_key_info_judges_access_to_the_configured_library() -> None:
    body = {
        "userID": 3,
        "username": "u",
        "access": {
            "user": {"library": True, "write": False},
            "groups": {"all": {"library": True, "write": True}},
        },
    }
    own = key_info_from_json(body, "user", "3")
    assert (own.user_id, own.can_read, own.can_write) == (3, True, False)
    assert not key_info_from_json(body, "user", "4").can_read
    assert key_info_from_json(body, "group", "77").can_write
    assert own.groups == {"all": KeyAccess(True, True)}
