"""``zotmark.core.guards``, through the plans it shapes: the mass-delete guard, and writes
Zotero refused before held back."""

from __future__ import annotations

from tests.core.test_planner import BASE, PAPER, POLICY, SYNCED, _many, run, snapshot

from zotmark.core.actions import CreateItem, UpdateItem, fingerprint
from zotmark.core.creates import pending_key
from zotmark.core.model import Refusal

# --- the mass-delete guard -----------------------------------------------------------------------


def test_mass_deletion_is_stopped_by_the_guard() -> None:
    entries, zotero, base = _many(10)
    result = run(entries[:5], zotero, base)
    assert result.changes_nothing
    assert "would delete 5 of 10" in result.guards[0].message


def test_mass_deletion_goes_ahead_with_force_delete() -> None:
    entries, zotero, base = _many(10)
    result = run(entries[:5], zotero, base, policy=POLICY._replace(force_delete=True))
    assert len(result.zotero) == 5
    assert result.guards == ()


def test_emptied_collection_is_stopped_by_the_guard() -> None:
    entries, _, base = _many(4)
    result = run(entries, snapshot(), base)
    assert "collection is empty" in result.guards[0].message


def test_a_few_deletions_pass_the_guard() -> None:
    entries, zotero, base = _many(10)
    assert run(entries[:8], zotero, base).guards == ()


def test_emptied_collection_does_not_trip_the_guard_when_zotero_deletions_are_kept() -> None:
    entries, _, base = _many(4)
    policy = POLICY._replace(on_zotero_delete="keep")
    result = run(entries, snapshot(), base, policy=policy)
    assert result.guards == ()
    assert result.changes_nothing


def test_emptied_list_does_not_trip_the_guard_when_markdown_deletions_are_kept() -> None:
    _, zotero, base = _many(4)
    policy = POLICY._replace(on_markdown_delete="keep")
    result = run([], zotero, base, policy=policy)
    assert result.guards == ()
    assert result.changes_nothing


# --- refused writes ------------------------------------------------------------------------------


def _refused(action: CreateItem | UpdateItem, line: int = 1) -> dict[str, Refusal]:
    return {action.key: Refusal(action.key, fingerprint(action), line, "t", "too long (413)")}


def test_a_refused_create_is_held_while_its_entry_is_unchanged() -> None:
    new = PAPER._replace(anchor=None, line=3)
    create = CreateItem("PEND2345", new, frozenset())
    result = run(
        [new], snapshot(), pending={pending_key(new): "PEND2345"}, refused=_refused(create)
    )
    assert result.changes_nothing
    assert result.records == {}
    assert [(r.item_key, r.line, r.title) for r in result.held] == [("PEND2345", 3, new.title)]


def test_a_refused_create_is_sent_again_under_its_key_once_its_entry_changes() -> None:
    new = PAPER._replace(anchor=None)
    create = CreateItem("PEND2345", new, frozenset())
    retitled = new._replace(title="A Shorter Title")  # its pending key changed with the title
    pending = {pending_key(new): "PEND2345"}
    result = run([retitled], snapshot(), pending=pending, refused=_refused(create))
    assert result.zotero == (CreateItem("PEND2345", retitled, frozenset()),)
    assert result.held == ()


def test_a_refused_update_is_held_and_its_pair_keeps_its_base_row() -> None:
    retitled = PAPER._replace(title="A Title Zotero Refuses")
    update = UpdateItem("ABCD2345", title=retitled.title)
    result = run([retitled], snapshot(SYNCED), BASE, refused=_refused(update))
    assert result.zotero == ()
    assert result.records["ABCD2345"] is BASE["ABCD2345"]
    assert [r.item_key for r in result.held] == ["ABCD2345"]
