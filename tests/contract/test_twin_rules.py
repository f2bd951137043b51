"""The twin's own rules beyond the port's contract: the recorded server's versions and words,
the request counts it reports, and its faults on demand.

Recordings cited: ``dataserver-session.jsonl`` (REC #n) and ``zotmark-on-dataserver`` session 3
(S3 step) in ``tests/fixtures/recordings``.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from zotmark.core.port import Change, NewItem, Snapshot
from zotmark.errors import PreconditionFailed
from zotmark.zotero.twin import Refused, TwinLibrary

LONG_TITLE = "日" * 30_000  # 90,000 UTF-8 bytes: over the server's 65,535 (S3 s10x-edge-sync1)


def preprint(title: str, **fields: object) -> dict[str, object]:
    return {"itemType": "preprint", "title": title, **fields}


@pytest.fixture
def twin() -> TwinLibrary:
    return TwinLibrary()


def new_item(key: str, data: dict[str, object]) -> NewItem:
    return NewItem(key, {**data, "key": key, "version": 0})


def _snapshot(twin: TwinLibrary) -> Snapshot:
    return twin.refresh(Snapshot()).snapshot


def _keys(count: int) -> list[str]:
    """``count`` distinct well-formed item keys."""
    return [f"AAAA{n:04d}".translate(str.maketrans("01", "XY")) for n in range(count)]


# --- versions (REC #3, #4, #10) -------------------------------------------------------------


def test_three_creates_in_one_batch_take_the_library_from_1_to_4(twin: TwinLibrary) -> None:
    twin.app_add_collection("Reading list")
    applied = twin.apply(
        _snapshot(twin), [new_item(k, preprint(k)) for k in ("GNVQSMGM", "X9R462TF", "HGCTPTJR")]
    )
    assert [o.item.version for o in applied.outcomes if o.item] == [2, 3, 4]
    assert applied.snapshot.version == twin.version == 4


def test_a_refused_object_moves_no_version(twin: TwinLibrary) -> None:
    applied = twin.apply(_snapshot(twin), [new_item("GNVQSMGM", preprint(LONG_TITLE))])
    assert not applied.outcomes[0].ok
    assert twin.version == applied.snapshot.version == 0


def test_sending_the_same_tags_again_still_moves_the_item(twin: TwinLibrary) -> None:
    key = twin.app_add(preprint("tagged", tags=[{"tag": "x"}]))
    version = twin.app_edit(key, {"tags": [{"tag": "x"}]})
    assert version == twin.version == 2


def test_change_that_changes_nothing_lands_unsent(twin: TwinLibrary) -> None:
    key = twin.app_add(preprint("trashed", deleted=1))
    snapshot = _snapshot(twin)
    before = twin.requests
    applied = twin.apply(snapshot, [Change(key, trashed=True)])
    assert applied.outcomes[0].item == snapshot.items[key]
    assert (twin.requests, twin.version) == (before, 1)


def test_two_writes_to_one_key_are_misuse(twin: TwinLibrary) -> None:
    key = twin.app_add(preprint("a"))
    with pytest.raises(ValueError, match=key):
        twin.apply(_snapshot(twin), [Change(key, trashed=True), Change(key, title="b")])


def test_new_item_without_its_key_in_the_data_is_misuse(twin: TwinLibrary) -> None:
    with pytest.raises(ValueError, match="GNVQSMGM"):
        twin.apply(_snapshot(twin), [NewItem("GNVQSMGM", preprint("keyless"))])


# --- the server's words ----------------------------------------------------------------------


def test_stale_snapshot_names_both_versions(twin: TwinLibrary) -> None:
    key = twin.app_add(preprint("a"))
    snapshot = _snapshot(twin)
    twin.app_edit(key, {"title": "b"})
    with pytest.raises(PreconditionFailed, match=r"expected 1, found 2\)"):
        twin.apply(snapshot, [Change(key, trashed=True)])


def test_over_long_title_is_refused_naming_the_field_and_the_item(twin: TwinLibrary) -> None:
    applied = twin.apply(_snapshot(twin), [new_item("IL3UWSPG", preprint(LONG_TITLE))])
    assert (
        applied.outcomes[0].message
        == f"Title field value '{'日' * 50}…' too long for item '1/IL3UWSPG'"
    )


def test_over_long_tag_is_refused_413(twin: TwinLibrary) -> None:
    applied = twin.apply(
        _snapshot(twin), [new_item("GNVQSMGM", preprint("t", tags=[{"tag": "t" * 256}]))]
    )
    assert (applied.outcomes[0].code, applied.outcomes[0].message) == (
        413,
        f"Tag '{'t' * 50}…' too long",
    )


def test_unknown_collection_is_refused_409(twin: TwinLibrary) -> None:
    applied = twin.apply(
        _snapshot(twin), [new_item("GNVQSMGM", preprint("t", collections=["ZZZZZZZZ"]))]
    )
    assert (applied.outcomes[0].code, applied.outcomes[0].message) == (
        409,
        "Collection ZZZZZZZZ not found",
    )


def test_malformed_collection_key_is_refused_400(twin: TwinLibrary) -> None:
    applied = twin.apply(
        _snapshot(twin), [new_item("GNVQSMGM", preprint("t", collections=["nope"]))]
    )
    assert applied.outcomes[0].message == "'nope' is not a valid collection key"


def test_unknown_property_is_refused_400(twin: TwinLibrary) -> None:
    applied = twin.apply(_snapshot(twin), [new_item("GNVQSMGM", preprint("t", foo="bar"))])
    assert (applied.outcomes[0].code, applied.outcomes[0].message) == (
        400,
        "Invalid property 'foo'",
    )


def test_lower_case_key_is_refused_400(twin: TwinLibrary) -> None:
    applied = twin.apply(_snapshot(twin), [new_item("abcdefgh", preprint("t"))])
    assert applied.outcomes[0].message == "'abcdefgh' is not a valid item key"


def test_unknown_item_type_is_refused_400(twin: TwinLibrary) -> None:
    applied = twin.apply(_snapshot(twin), [new_item("GNVQSMGM", {"itemType": "notARealType"})])
    assert applied.outcomes[0].message == "'notARealType' is not a valid itemType"


def test_regular_item_may_say_it_has_no_parent(twin: TwinLibrary) -> None:
    key = twin.app_add(preprint("top-level", parentItem=False))
    assert key in _snapshot(twin).items


def test_regular_item_cannot_be_a_child(twin: TwinLibrary) -> None:
    parent = twin.app_add(preprint("parent"))
    with pytest.raises(Refused, match="Child item must be note, attachment, or annotation"):
        twin.app_add(preprint("child", parentItem=parent))


def test_dates_are_taken_as_sent(twin: TwinLibrary) -> None:
    key = twin.app_add(preprint("dated", dateAdded="2020-01-01T00:00:00Z"))
    assert (twin.item_data(key) or {})["dateAdded"] == "2020-01-01T00:00:00Z"


def test_empty_value_of_a_field_the_type_lacks_is_dropped(twin: TwinLibrary) -> None:
    key = twin.app_add({"itemType": "webpage", "title": "w", "repository": ""})
    assert "repository" not in (twin.item_data(key) or {})


# --- request counts (the Web API client's floor) --------------------------------------------


def test_first_refresh_reads_pages_of_100_items_until_the_announced_count(
    twin: TwinLibrary,
) -> None:
    for index in range(200):
        twin.app_add(preprint(f"p{index}"))
    twin.refresh(Snapshot())
    assert twin.requests == 2


def test_refresh_of_changes_costs_versions_items_and_deleted(twin: TwinLibrary) -> None:
    key = twin.app_add(preprint("a"))
    snapshot = _snapshot(twin)
    twin.app_edit(key, {"title": "b"})
    before = twin.requests
    twin.refresh(snapshot)
    assert twin.requests - before == 3


def test_refresh_after_version_after_skips_the_versions_request(twin: TwinLibrary) -> None:
    key = twin.app_add(preprint("a"))
    snapshot = _snapshot(twin)
    twin.app_edit(key, {"title": "b"})
    before = twin.requests
    twin.refresh(snapshot, changed=twin.version_after(snapshot.version) is not None)
    assert twin.requests - before == 3


def test_apply_sends_batches_of_50(twin: TwinLibrary) -> None:
    snapshot = _snapshot(twin)
    before = twin.requests
    twin.apply(snapshot, [new_item(key, preprint("p")) for key in _keys(120)])
    assert twin.requests - before == 3


def test_repeated_keyed_create_costs_a_read_back(twin: TwinLibrary) -> None:
    first = twin.apply(_snapshot(twin), [new_item("GNVQSMGM", preprint("once"))])
    before = twin.requests
    twin.apply(first.snapshot, [new_item("GNVQSMGM", preprint("once"))])
    assert twin.requests - before == 2


def test_collection_key_costs_one_request_and_one_more_to_create(twin: TwinLibrary) -> None:
    twin.collection_key("Reading list", create=True)
    assert twin.requests == 2


# --- another client and faults --------------------------------------------------------------


def test_app_edit_of_an_unknown_item_is_refused_404(twin: TwinLibrary) -> None:
    with pytest.raises(Refused, match="404"):
        twin.app_edit("GNVQSMGM", {"title": "x"})


def test_gone_names_only_items_the_snapshot_held(twin: TwinLibrary) -> None:
    held = twin.app_add(preprint("held"))
    snapshot = _snapshot(twin)
    unseen = twin.app_add(preprint("unseen"))
    twin.app_delete(held)
    twin.app_delete(unseen)
    assert twin.refresh(snapshot).gone == {held}


def test_refuse_next_refuses_that_write_once(twin: TwinLibrary) -> None:
    key = twin.app_add(preprint("a"))
    twin.refuse_next(key, 500, "boom")
    first = twin.apply(_snapshot(twin), [Change(key, trashed=True)])
    second = twin.apply(first.snapshot, [Change(key, trashed=True)])
    assert [(o.code, o.message) for o in first.outcomes] == [(500, "boom")]
    assert second.outcomes[0].ok


def test_before_next_apply_moves_the_library_under_the_caller(twin: TwinLibrary) -> None:
    key = twin.app_add(preprint("a"))
    twin.before_next_apply(lambda: twin.app_edit(key, {"title": "b"}))
    with pytest.raises(PreconditionFailed):
        twin.apply(_snapshot(twin), [Change(key, trashed=True)])


def test_another_thread_waits_while_an_apply_is_in_progress(twin: TwinLibrary) -> None:
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:  # the apply holds the library while this runs
        inside.set()
        release.wait(5)

    twin.before_next_apply(hold)
    applying = threading.Thread(target=twin.apply, args=(Snapshot(), []))
    applying.start()
    inside.wait(5)
    adding = threading.Thread(target=twin.app_add, args=(preprint("meanwhile"),))
    adding.start()
    adding.join(0.2)
    waited = adding.is_alive()
    release.set()
    applying.join(5)
    adding.join(5)
    assert waited and twin.version == 1


# --- replayed: the recorded server's answers to session 3's probes -------------------------

RECORDINGS = Path(__file__).parents[1] / "fixtures" / "recordings" / "zotmark-on-dataserver"
S3 = RECORDINGS / "session-3-edges-probes.jsonl"
# Steps whose refusal the twin models (it does not check dates).
REPLAYED = (
    "s10x-edge-sync3",
    "probe:badcoll",
    "probe:badcoll2",
    "probe:tag256",
    "probe:badfield",
    "probe:unknownfield",
    "probe:lowerkey",
    "probe:notype",
    "probe:extra70k",
    "probe:badcreatortype",
)


def _refused_upload(step: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The object the server refused in ``step``'s item POST, and its ``failed`` entry."""
    with S3.open(encoding="utf-8") as lines:
        for exchange in map(json.loads, lines):
            body = exchange["resp_body"]
            if exchange["step"] == step and isinstance(body, dict) and body.get("failed"):
                index, failure = next(iter(body["failed"].items()))
                return dict(exchange["req_body"][int(index)]), failure
    raise LookupError(step)


@pytest.mark.parametrize("step", REPLAYED)
def test_twin_refuses_a_probe_as_the_recorded_server_did(step: str) -> None:
    upload, failure = _refused_upload(step)
    twin = TwinLibrary(library_id=3)
    twin.app_add_collection("Reading List", key="35JNII4H")
    # a keyless object gets the key the server gave it (a 413's message names it)
    named = re.search(r"for item '3/(\w{8})'", failure["message"])
    key = upload.pop("key", None) or (named.group(1) if named else "ABCD2345")
    upload.pop("version", None)
    with pytest.raises(Refused) as refused:
        twin.app_add(upload, key=key)
    assert (refused.value.code, refused.value.message) == (failure["code"], failure["message"])
