"""A run's citation keys (``RunKeys``): given at creation, read, replaced, written, stored."""

from __future__ import annotations

import functools
import json
from typing import Any

from zotmark.core.item import Item
from zotmark.core.model import Ident
from zotmark.core.port import Change, Snapshot
from zotmark.state import CiteKey, MemoryStateStore
from zotmark.state.commit import RunCommit
from zotmark.sync.citekeys import RunKeys, with_keys

COLLECTION = "COLL2345"
AUTHOR = [{"creatorType": "author", "firstName": "A.", "lastName": "Vaswani"}]


def data(key: str = "ITEM2345", **more: Any) -> dict[str, Any]:
    return {"key": key, "title": "Attention Is All You Need", "collections": [COLLECTION], **more}


def text(key: str = "ITEM2345", **more: Any) -> dict[str, str]:
    return {key: json.dumps(data(key, **more))}


def snapshot(*keys: str) -> Snapshot:
    items = {
        k: Item(k, 1, "preprint", "T", None, Ident(title="t"), collections=frozenset({COLLECTION}))
        for k in keys
    }
    return Snapshot(1, items)


def test_a_create_carries_the_key_its_formula_makes_from_what_it_holds() -> None:
    keys = RunKeys({}, collection=COLLECTION)
    made = data(creators=AUTHOR, date="2017")
    keys.for_create(made)
    assert made["citationKey"] == "vaswani2017attention"
    assert keys.landed(["ITEM2345"]) == {
        "ITEM2345": CiteKey("vaswani2017attention", False, False, "vaswani2017attention")
    }


def test_a_create_without_creators_or_date_gets_a_provisional_key() -> None:
    keys = RunKeys({}, collection=COLLECTION)
    made = data()
    keys.for_create(made)
    assert made["citationKey"] == "anonattention"
    assert keys.landed(["ITEM2345"])["ITEM2345"].provisional


def test_a_new_key_never_takes_one_the_list_holds_in_any_case() -> None:
    keys = RunKeys({"OTHER234": CiteKey("AnonAttention")}, collection=COLLECTION)
    made = data()
    keys.for_create(made)
    assert made["citationKey"] == "anonattentiona"


def test_a_create_sent_again_keeps_the_key_it_was_given() -> None:
    keys = RunKeys({"ITEM2345": CiteKey("anonattention", False, True, None)}, collection=COLLECTION)
    made = data(creators=AUTHOR, date="2017")
    keys.for_create(made)
    assert made["citationKey"] == "anonattention"


def test_an_item_read_without_a_key_gets_one_to_write() -> None:
    keys = RunKeys({}, collection=COLLECTION)
    keys.read(text(creators=AUTHOR, date="2017"))
    assert keys.writes(snapshot("ITEM2345")) == {"ITEM2345": "vaswani2017attention"}


def test_an_item_of_another_collection_gets_no_key() -> None:
    keys = RunKeys({}, collection=COLLECTION)
    keys.read(text(collections=["OTHER234"]))
    assert keys.writes(snapshot("ITEM2345")) == {}
    assert keys.rest() == {}


def test_a_key_someone_else_set_is_never_written_over() -> None:
    rows = {"ITEM2345": CiteKey("anonattention", False, True, "anonattention")}
    keys = RunKeys(rows, collection=COLLECTION)
    keys.read(text(citationKey="vaswani17", creators=AUTHOR, date="2017"))
    assert keys.writes(snapshot("ITEM2345")) == {}
    assert keys.rest() == {}


def test_a_provisional_key_is_made_again_once_the_item_has_creators() -> None:
    rows = {"ITEM2345": CiteKey("anonattention", False, True, "anonattention")}
    keys = RunKeys(rows, collection=COLLECTION)
    keys.read(text(citationKey="anonattention", creators=AUTHOR, date="2017"))
    assert keys.writes(snapshot("ITEM2345")) == {"ITEM2345": "vaswani2017attention"}


def test_an_exported_provisional_key_stays() -> None:
    rows = {"ITEM2345": CiteKey("anonattention", True, True, "anonattention")}
    keys = RunKeys(rows, collection=COLLECTION)
    keys.read(text(citationKey="anonattention", creators=AUTHOR, date="2017"))
    assert keys.writes(snapshot("ITEM2345")) == {}


def test_a_key_cleared_in_zotero_is_written_again() -> None:
    rows = {"ITEM2345": CiteKey("vaswani2017attention", True, False, "vaswani2017attention")}
    keys = RunKeys(rows, collection=COLLECTION)
    keys.read(text(citationKey="", creators=AUTHOR))
    assert keys.writes(snapshot("ITEM2345")) == {"ITEM2345": "vaswani2017attention"}


def test_a_key_not_yet_written_is_written_when_its_item_is_in_the_collection() -> None:
    rows = {
        "ITEM2345": CiteKey("newkey", True, False, "oldkey"),
        "GONE2345": CiteKey("other", True, False, None),
    }
    assert RunKeys(rows, collection=COLLECTION).writes(snapshot("ITEM2345")) == {
        "ITEM2345": "newkey"
    }


def test_a_write_that_did_not_land_is_stored_to_be_tried_again() -> None:
    keys = RunKeys({}, collection=COLLECTION)
    keys.read(text(creators=AUTHOR, date="2017"))
    assert keys.landed([]) == {}
    assert keys.rest() == {"ITEM2345": CiteKey("vaswani2017attention", False, False, None)}


def test_a_runner_that_keeps_its_state_gets_the_landed_rows_too() -> None:
    keys = RunKeys({}, collection=COLLECTION, keep=True)
    made = data()
    keys.for_create(made)
    landed = keys.landed(["ITEM2345"])
    assert keys.rest() == landed


def test_a_key_rides_on_the_change_the_run_sends_anyway() -> None:
    changes = [Change("ITEM2345", add_tags=frozenset({"read"}))]
    out = with_keys(changes, {"ITEM2345": "k1", "OTHER234": "k2"})
    assert out == [
        Change("ITEM2345", add_tags=frozenset({"read"}), citation_key="k1"),
        Change("OTHER234", citation_key="k2"),
    ]


def test_a_create_keeps_the_key_an_imported_bib_entry_gave_it() -> None:
    keys = RunKeys({}, "auth.lower + '17'", collection=COLLECTION)
    imported = data(citationKey="vaswani17", creators=AUTHOR)
    keys.for_create(imported)
    other = data("OTHER234", creators=AUTHOR)
    keys.for_create(other)
    assert (imported["citationKey"], other["citationKey"]) == ("vaswani17", "vaswani17a")
    assert keys.rest()["ITEM2345"] == CiteKey("vaswani17", False, False, None, theirs=True)


def test_items_a_stopped_run_read_are_looked_at_by_the_next() -> None:
    store = MemoryStateStore()
    texts = {**text("OLD23456", version=3), **text("NEW23456", version=9)}
    store.commit_run("list", RunCommit(mirror_upserts=texts))
    keys = RunKeys({}, collection=COLLECTION, texts=functools.partial(store.texts_of, "list"))
    versions = [("OLD23456", 3), ("NEW23456", 9)]
    items = {k: Item(k, v, "preprint", "T", None, Ident(title="t")) for k, v in versions}
    keys.read_unread(Snapshot(9, items), version=5)
    assert set(keys.rest()) == {"NEW23456"}


def test_an_item_the_run_adds_to_the_collection_gets_a_key_to_write() -> None:
    store = MemoryStateStore()
    outside = text("OUT23456", collections=["OTHER234"], creators=AUTHOR, date="2017")
    store.commit_run("list", RunCommit(mirror_upserts=outside))
    keys = RunKeys({}, collection=COLLECTION, texts=functools.partial(store.texts_of, "list"))
    keys.joining(["OUT23456"])
    item = Item("OUT23456", 1, "preprint", "T", None, Ident(title="t"))
    assert keys.writes(Snapshot(1, {"OUT23456": item})) == {"OUT23456": "vaswani2017attention"}


def test_a_new_key_never_takes_one_someone_else_set_on_an_item_read_before() -> None:
    keys = RunKeys({}, collection=COLLECTION)
    keys.read({**text("THEIRS23", citationKey="anon"), **text("NEW23456", title="")})
    assert keys.rest()["NEW23456"].key == "anona"


def test_the_key_of_an_item_whose_write_stands_refused_waits_for_that_write() -> None:
    rows = {"ITEM2345": CiteKey("newkey", True, False, None)}
    keys = RunKeys(rows, collection=COLLECTION)
    assert keys.writes(snapshot("ITEM2345"), held={"ITEM2345"}) == {}


def test_a_key_someone_else_set_is_kept_so_that_no_later_run_gives_it_again() -> None:
    first = RunKeys({}, collection=COLLECTION)
    first.read(text("THEIRS23", citationKey="anon"))
    rows = first.rest()
    assert rows == {"THEIRS23": CiteKey("anon", False, False, None, theirs=True)}
    later = RunKeys(rows, collection=COLLECTION)
    later.read(text("NEW23456", title=""))
    assert later.writes(snapshot("THEIRS23", "NEW23456")) == {"NEW23456": "anona"}


def test_a_key_given_this_run_gives_way_to_the_same_key_set_on_an_item_read_after_it() -> None:
    read = {**text("NEW23456", title=""), **text("THEIRS23", citationKey="anon")}
    store = MemoryStateStore()
    store.commit_run("list", RunCommit(mirror_upserts=read))  # (a run stores what it reads first)
    keys = RunKeys({}, collection=COLLECTION, texts=functools.partial(store.texts_of, "list"))
    keys.read(read)
    assert keys.writes(snapshot("THEIRS23", "NEW23456")) == {"NEW23456": "anona"}


def test_zotmarks_key_gives_way_to_the_same_key_on_an_item_joining_the_collection() -> None:
    store = MemoryStateStore()
    mine = text("MINE2345", citationKey="anon", title="")
    store.commit_run("list", RunCommit(mirror_upserts=mine))
    rows = {"MINE2345": CiteKey("anon", False, False, "anon")}
    texts = functools.partial(store.texts_of, "list")
    keys = RunKeys(rows, collection=COLLECTION, texts=texts)
    keys.read(text("JOIN2345", citationKey="Anon", title=""))
    assert keys.writes(snapshot("MINE2345", "JOIN2345")) == {"MINE2345": "anona"}
    assert keys.rest()["MINE2345"] == CiteKey("anona", False, True, "anon")


def test_an_exported_key_keeps_its_item_when_another_joins_with_it() -> None:
    rows = {"MINE2345": CiteKey("anon", True, False, "anon")}
    keys = RunKeys(rows, collection=COLLECTION)
    keys.read(text("JOIN2345", citationKey="anon", title=""))
    assert keys.writes(snapshot("MINE2345", "JOIN2345")) == {}
    assert set(keys.rest()) == {"JOIN2345"}


def test_a_replaced_provisional_key_is_not_given_again_while_zotero_holds_it() -> None:
    rows = {"ITEM2345": CiteKey("anon", False, True, "anon")}
    keys = RunKeys(rows, collection=COLLECTION)
    keys.read({**text(citationKey="anon", creators=AUTHOR, title=""), **text("NEW23456", title="")})
    assert keys.rest()["NEW23456"].key == "anona"


def test_a_key_written_before_is_not_given_again_until_its_replacement_is_written() -> None:
    rows = {"ITEM2345": CiteKey("vaswani2017attention", False, False, "anon")}
    keys = RunKeys(rows, collection=COLLECTION)
    keys.read(text("NEW23456", title=""))
    assert keys.rest()["NEW23456"].key == "anona"


def test_a_provisional_key_made_again_to_the_same_key_keeps_it() -> None:
    rows = {"ITEM2345": CiteKey("attentionallyou", False, True, "attentionallyou")}
    keys = RunKeys(rows, "shorttitle.lower", collection=COLLECTION)
    keys.read(text(citationKey="attentionallyou", creators=AUTHOR))
    assert keys.rest()["ITEM2345"].key == "attentionallyou"


def test_a_key_whose_write_zotero_answered_unchanged_is_stored_as_written() -> None:
    keys = RunKeys({"ITEM2345": CiteKey("anonattention", False, True, None)}, collection=COLLECTION)
    assert keys.rest(landed=["ITEM2345"]) == {
        "ITEM2345": CiteKey("anonattention", False, True, "anonattention")
    }


def test_a_key_whose_write_landed_with_its_text_is_not_stored_again_from_the_runs_end() -> None:
    keys = RunKeys({"ITEM2345": CiteKey("old", False, False, None)}, collection=COLLECTION)
    keys.read(text(citationKey="", creators=AUTHOR, date="2017"))
    keys.landed(["ITEM2345"])
    assert keys.rest(landed=["ITEM2345"]) == {}


def test_a_created_items_key_landed_with_its_text_is_not_stored_again_from_the_runs_end() -> None:
    keys = RunKeys({}, collection=COLLECTION)
    keys.for_create(data())
    keys.landed(["ITEM2345"])
    assert keys.rest(landed=["ITEM2345"]) == {}


def test_a_key_given_after_the_attempts_keys_were_let_go_takes_none_of_its_landed_ones() -> None:
    keys = RunKeys({}, collection=COLLECTION)
    keys.for_create(data())
    stored = keys.landed(["ITEM2345"])
    keys.given()
    keys.renew(stored)  # (the attempt begun again: the state's rows hold the landed key)
    keys.read(text("NEW23456"))
    assert keys.rest()["NEW23456"].key == "anonattentiona"


def test_a_key_given_after_the_attempts_keys_were_let_go_takes_none_not_yet_landed() -> None:
    keys = RunKeys({}, collection=COLLECTION)
    keys.for_create(data())
    keys.given()
    keys.read(text("NEW23456"))
    assert keys.rest()["NEW23456"].key == "anonattentiona"


def test_a_key_someone_else_set_then_cleared_is_the_items_again_when_the_formula_makes_it() -> None:
    rows = {"ITEM2345": CiteKey("vaswani2017attention", False, False, None, theirs=True)}
    keys = RunKeys(rows, collection=COLLECTION)
    keys.read(text(creators=AUTHOR, date="2017"))
    assert keys.rest()["ITEM2345"] == CiteKey("vaswani2017attention", False, False, None)
