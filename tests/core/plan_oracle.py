"""The oracle for the planner state machine: what a run must bring about, and the checks.

Pure test helpers over the model world of ``plan_simulation``. The oracle pairs rows with base
records only where that is unambiguous (by anchor, else by identifier and title), forecasts
from the edits since the base what a correct run must do (DESIGN §4: edits on one side reach
the other and win over a delete; only unedited pairs whose other side was deleted go, as the
deletion policy says), and checks the invariants after the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tests.core.plan_simulation import Row, World

from zotmark.core.actions import CreateItem
from zotmark.core.identifiers import identify, normalize_title
from zotmark.core.item import Item
from zotmark.core.model import BaseRecord, Entry
from zotmark.core.plan import Plan, Policy

READ = "read"
STATUS_TAGS = {READ: "x", "not-reading": "-", "reading": "/"}
"""The status tags of the default policy and their states, in the order they take precedence."""
MARKERS = (" ", "/", "x", "X", "-", ">")
"""The markers users type into an entry's box: the four states, ``X``, one zotmark does not know."""
_KNOWN = {" ": " ", "/": "/", "x": "x", "X": "x", "-": "-"}


def item_state(item: Item) -> str:
    """The reading state an item's tags say (the first status tag it carries; none: to do)."""
    return next((state for tag, state in STATUS_TAGS.items() if tag in item.tags), " ")


def same_paper(a: Entry | Item, title: str, url: str | None) -> bool:
    """Whether ``a`` states the paper (title, url) exactly, as far as identity goes."""
    ident = identify(title, url)
    return a.ident.primary == ident.primary and a.ident.title == ident.title


# --- the oracle's view of which entry goes with which record --------------------------------


def pair_rows(world: World, rows: list[Row], strict: bool) -> dict[int, BaseRecord]:
    """Rows (by uid) → their base record, claimed only where unambiguous.

    By anchor first; then, for a row not anchored to an item of the library, by identifier: the
    record with the same identifier and title (or the only record with that identifier when
    one row has it, unless the collection holds an item of the row's paper that no record
    and no anchor names: the row lists that paper, not the record's). ``strict`` (after a run)
    also requires the record to state the entry's boxes, so equal-looking rows cannot swap.
    """
    found: dict[int, BaseRecord] = {}
    used: set[str] = set()
    for row in rows:
        anchor = row.entry.anchor
        if anchor is not None and anchor in world.base and anchor not in used:
            found[row.uid] = world.base[anchor]
            used.add(anchor)
    for row in rows:
        if row.uid in found or row.entry.anchor in world.library:
            continue  # (anchored to an item whose row was not recorded: the planner holds it)
        record = _record_for(world, rows, row, used, strict)
        if record is not None:
            found[row.uid] = record
            used.add(record.item_key)
    return found


def _record_for(
    world: World, rows: list[Row], row: Row, used: set[str], strict: bool
) -> BaseRecord | None:
    entry = row.entry
    same_ident = [
        r
        for r in sorted(world.base.values(), key=lambda r: r.item_key)
        if r.ident_key == entry.ident.primary and r.item_key not in used
    ]
    titled = [r for r in same_ident if normalize_title(r.title) == entry.ident.title]
    if strict:
        matching = [r for r in titled if _states(r, entry)]
        return matching[0] if matching else None
    twins = [r for r in rows if r.entry.ident.primary == entry.ident.primary]
    if len(titled) == 1 and sum(r.entry.ident.title == entry.ident.title for r in twins) == 1:
        return titled[0]
    if len(same_ident) == 1 and len(twins) == 1 and not _lists_a_new_item(world, rows, entry):
        return same_ident[0]
    return None


def _lists_a_new_item(world: World, rows: list[Row], entry: Entry) -> bool:
    """Whether a live item of the collection that neither a base record nor an entry's anchor
    names states the entry's paper (identifier and title)."""
    anchors = {r.entry.anchor for r in rows}
    return any(
        same_paper(world.library[key], entry.title, entry.url)
        for key in world.live_keys()
        if key not in world.base and key not in anchors
    )


# --- what a run must bring about ----------------------------------------------------------


@dataclass
class Expect:
    """After the run: row ``uid`` (or, when ``None``, some row paired with item ``key``) is
    active, paired with a live item, and both sides show these values."""

    why: str
    uid: int | None = None
    key: str | None = None
    boxes: dict[str | None, bool | str] = field(default_factory=dict)  # None: the state
    title: str | None = None  # normalised
    standing: set[str | None] = field(default_factory=set)  # boxes neither side moved


def box(values: Entry | Item | BaseRecord, flag: str | None) -> bool | str | None:
    """The reading state (``flag is None``) or a flag box as an entry, item or record states
    it (``None``: the entry or record has no such box, or the entry's marker is unknown)."""
    if flag is None:
        if isinstance(values, Item):
            return item_state(values)
        return _KNOWN.get(values.state)
    if isinstance(values, Item):
        return flag in values.tags
    return values.flags.get(flag)


@dataclass
class Forecast:
    """What the next successful run must bring about, from the edits since the base.

    ``expected``: edits made on one side reach the other (and win over a delete). ``gone``:
    live items whose entry was removed and which were not edited: only these may leave the
    collection. ``vanishing``: rows whose item left and which were not edited: only these
    may be struck or removed. ``live`` and ``active``: the live items and active rows before.
    Where the oracle cannot tell which entry holds which record (no anchors, an identifier
    shared by rows it could not pair), ``may_go`` and ``may_vanish`` list the items and rows
    that a correct planner may still take away. A row holding a live twin moves onto the
    item the twin merges into: only the boxes edited on one side are expected of it (a box
    neither side moved may take an edit made to that item), and of the survivor (a box its
    item did not move may take an edit made to that row).
    """

    expected: list[Expect] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    vanishing: set[int] = field(default_factory=set)
    live: set[str] = field(default_factory=set)
    active: set[int] = field(default_factory=set)
    may_go: set[str] = field(default_factory=set)
    may_vanish: set[int] = field(default_factory=set)


def forecast(world: World, policy: Policy) -> Forecast:
    """The :class:`Forecast` of the next run under ``policy``."""
    rows = world.active_rows()
    result = Forecast(live=set(world.live_keys()), active={r.uid for r in rows})
    pairs = pair_rows(world, rows, strict=False)
    for uid, record in pairs.items():
        entry = world.row(uid).entry  # type: ignore[union-attr]
        expect = _pair_expectation(world, uid, entry, record, policy, pairs)
        if expect is not None:
            result.expected.append(expect)
        elif world.live(record.item_key) is None:
            result.vanishing.add(uid)
    _forecast_unpaired(world, pairs, [r for r in rows if r.uid not in pairs], result)
    twins, survivors = _twins(world)
    result.may_go |= twins | survivors
    result.gone -= survivors
    for expect in result.expected:  # a row of a twin moves onto its survivor: edits count
        if expect.key in survivors or (
            expect.uid is not None and pairs[expect.uid].item_key in twins
        ):
            expect.boxes = {f: v for f, v in expect.boxes.items() if f not in expect.standing}
    return result


def _twins(world: World) -> tuple[set[str], set[str]]:
    """Live items of the collection that another one of the same identifier and title, added
    before them (or at once, with a smaller key), makes twins: they may go to the trash; and
    the items that make them twins, their survivors: one whose own entry was removed stays
    when an entry of its twin moves to it, and goes otherwise."""
    live = [world.library[key] for key in world.live_keys()]
    first: dict[tuple[str | None, str], tuple[str, str]] = {}
    for item in live:
        paper, added = (item.ident.primary, item.ident.title), (item.added, item.key)
        first[paper] = min(first.get(paper, added), added)
    twins = {i.key for i in live if first[i.ident.primary, i.ident.title] < (i.added, i.key)}
    papers = {(world.library[key].ident.primary, world.library[key].ident.title) for key in twins}
    return twins, {first[paper][1] for paper in papers}


def _forecast_unpaired(
    world: World, pairs: dict[int, BaseRecord], untracked: list[Row], result: Forecast
) -> None:
    """Base records the oracle paired with no entry: the entry was removed (the item goes,
    unless it was edited: then it comes back into the file), or an untracked row with the
    record's or the item's identifier may be it (the planner may pair them)."""
    claimed = {r.item_key for r in pairs.values()}
    for key, record in world.base.items():
        item = world.live(key)
        idents = {record.ident_key, item.ident.primary if item is not None else None}
        twins = {r.uid for r in untracked if r.entry.ident.primary in idents}
        if item is None:
            result.may_vanish |= twins
        elif key in claimed:
            continue
        elif twins:
            result.may_go.add(key)
        elif _item_moved(item, record):
            boxes: dict[str | None, bool | str] = {None: item_state(item)}
            boxes.update({flag: flag in item.tags for flag in record.flags})
            standing = {flag for flag, value in boxes.items() if value == box(record, flag)}
            why = "edited in Zotero, removed from the file"
            result.expected.append(Expect(why, None, key, boxes, standing=standing))
        else:
            result.gone.add(key)


def _pair_expectation(
    world: World,
    uid: int,
    entry: Entry,
    record: BaseRecord,
    policy: Policy,
    pairs: Mapping[int, BaseRecord],
) -> Expect | None:
    """A synced pair: each field edited on one side only takes that side's value (titles
    edited on both sides take the winner's). An edited entry whose item left the collection
    brings it back (the edit wins over the delete); one whose item was deleted for good takes
    the library's item of its paper that nothing holds (:func:`_stand_in`) when there is one,
    whose boxes are then Zotero's side (a box it states apart from the entry's edit is a
    conflict, settled by the policy), else a new item."""
    item = world.library.get(record.item_key) or _stand_in(world, entry, pairs)
    boxes: dict[str | None, bool | str] = {}
    standing: set[str | None] = set()
    edited = False
    for flag in (None, *[f for f in entry.flags if f in record.flags]):
        mine, base = box(entry, flag), box(record, flag)
        theirs = box(item, flag) if item is not None else None
        if mine is None:  # a marker zotmark does not know: left alone, no state expected
            continue
        if mine != base:
            # a state moved apart on both sides (a box has two values: never) is a conflict
            apart = theirs is not None and theirs not in (base, mine)
            zotero_wins = apart and policy.conflict == "zotero-wins"
            boxes[flag], edited = theirs if zotero_wins else mine, True
        elif theirs is not None:
            boxes[flag] = theirs
            standing.add(flag)
    title = None
    file_moved = normalize_title(entry.title) != normalize_title(record.title)
    item_title = normalize_title(item.title) if item is not None else None
    item_moved = item_title is not None and item_title != normalize_title(record.item_title)
    if file_moved and (not item_moved or policy.conflict == "markdown-wins"):
        title = entry.ident.title
    elif item_moved and (not file_moved or policy.conflict == "zotero-wins"):
        title = item_title
    edited = edited or file_moved
    if world.live(record.item_key) is None and not edited:
        return None
    why = "edited in the file" if edited else "edited in Zotero"
    return Expect(why, uid=uid, boxes=boxes, title=title, standing=standing)


def _stand_in(world: World, entry: Entry, pairs: Mapping[int, BaseRecord]) -> Item | None:
    """The library item an entry whose item was deleted for good takes instead of a new one
    (a paper already in the library is never duplicated): one of the entry's identifier that
    no row's anchor and no pair names, of the entry's title first (the smallest key among
    equals); of another title only when the rows and records hold the identifier under one
    title (else it is the other paper behind the link)."""
    held = {r.entry.anchor for r in world.active_rows()} | {r.item_key for r in pairs.values()}
    free = [
        world.library[key] for key in sorted(world.library)
        if key not in held and world.library[key].ident.primary == entry.ident.primary
    ]  # fmt: skip
    titled = [item for item in free if item.ident.title == entry.ident.title]
    titles = {r.entry.ident.title for r in world.active_rows()
              if r.entry.ident.primary == entry.ident.primary}  # fmt: skip
    titles |= {normalize_title(r.title) for r in world.base.values()
               if r.ident_key == entry.ident.primary}  # fmt: skip
    return (titled or ([] if len(titles) > 1 else free) or [None])[0]


def _item_moved(item: Item, record: BaseRecord) -> bool:
    if item_state(item) != record.state:
        return True
    if any((flag in item.tags) != on for flag, on in record.flags.items()):
        return True
    return normalize_title(item.title) != normalize_title(record.item_title)


# --- invariant checks ---------------------------------------------------------------------


def check_no_duplicate_create(world: World, result: Plan) -> None:
    """Invariant 3 (and "no duplicate ever"): a create is planned only for an entry whose
    item does not exist in the library, trashed or not, unless another entry holds it (the
    planner paired it: it is recorded, keeps its base row, or is forgotten after its other side
    was deleted)."""
    creates = [a for a in result.zotero if isinstance(a, CreateItem)]
    created = {a.key for a in creates}
    handled = set(world.base) | set(result.records) | set(result.forget)
    for create in creates:
        entry = create.entry
        assert entry.anchor not in world.library, f"re-created anchored item: {create}"
        for item in world.library.values():
            if same_paper(item, entry.title, entry.url):
                held = item.key in handled and item.key not in created
                assert held, f"{create} duplicates {item}"


def check_both_sides_agree(world: World, policy: Policy) -> dict[int, str]:
    """Invariant 1: every active entry is paired with a live item showing its boxes, and every
    live item has an entry (except what a ``keep`` policy keeps). Returns uid → item key."""
    rows = world.active_rows()
    pairs = pair_rows(world, rows, strict=True)
    held = {uid: r.item_key for uid, r in pairs.items()}
    for row in rows:
        entry = row.entry
        if row.uid not in pairs:  # left out: it repeats a paper another entry stands for
            left_out = _repeats_a_paired_row(row, rows, pairs) or held_twin(
                world, entry.anchor, held
            )
            assert left_out, f"entry without a pair: {entry}"
            continue
        record = pairs[row.uid]
        if policy.anchors:
            assert entry.anchor == record.item_key, f"entry not anchored to its item: {entry}"
        item = world.live(record.item_key)
        if item is None:
            kept = policy.on_zotero_delete == "keep" or held_twin(world, record.item_key, held)
            assert kept, f"entry's item is not live: {entry}"
            continue
        for flag in (None, *entry.flags):
            if box(entry, flag) is not None:  # (a marker zotmark does not know is left alone)
                assert box(item, flag) == box(entry, flag), f"{flag or 'state'}: {entry} vs {item}"
    paired = {r.item_key for r in pairs.values()}
    for key in world.live_keys():
        kept = policy.on_markdown_delete == "keep" and key in world.base
        assert key in paired or kept, f"live item without an entry: {world.library[key]}"
    return {uid: r.item_key for uid, r in pairs.items()}


def held_twin(world: World, key: str | None, pairs: Mapping[int, str]) -> bool:
    """Whether the item ``key`` a row holds is in the trash, in the collection, and of the
    identifier of a live item of the collection added before it that another row is paired
    with: the row's paper may be that item's (its twin, merged by another client), so the row
    may be left out of the sync, as it stands, until the user deletes one of the two lines.
    (May: whether the titles make it the same paper is the planner's call, not checked here.)"""
    item = world.library.get(key or "")
    if item is None or not item.deleted or item.ident.primary is None:
        return False
    if world.collection not in item.collections:
        return False
    added = (item.added, item.key)
    return any(
        other.ident.primary == item.ident.primary and (other.added, other.key) < added
        for other in (world.live(k) for k in pairs.values() if k != key)
        if other is not None
    )


def _repeats_a_paired_row(row: Row, rows: list[Row], pairs: Mapping[int, object]) -> bool:
    """Whether another row lists the same paper (identifier and title) and is paired."""
    paper = (row.entry.ident.primary, row.entry.ident.title)
    return any(
        other.uid in pairs and (other.entry.ident.primary, other.entry.ident.title) == paper
        for other in rows
    )


def _expected_pair(world: World, pairs: dict[int, str], expect: Expect) -> tuple[Row | None, str]:
    """The row and item key an expectation speaks of after the run. An item that came back
    into the file is found by its key, or (when a look-alike record took its row in the
    oracle's pairing) by a row its record states exactly."""
    if expect.uid is not None:
        row = world.row(expect.uid)
        if row is None:
            return None, ""
        # a row that reads exactly as this one, paired with a live item, may be the one the
        # planner paired with this row's item (rows alike to the letter cannot be told apart)
        alike = [
            r.uid for r in world.active_rows()
            if r.uid != row.uid and _reads_alike(r.entry, row.entry)
            and world.live(pairs.get(r.uid, "")) is not None
        ]  # fmt: skip
        if world.live(pairs.get(row.uid, "")) is None and alike:
            return world.row(alike[0]), pairs[alike[0]]
        return row, pairs.get(expect.uid, "")
    key = expect.key or ""
    record = world.base.get(key)
    by_key = {k: uid for uid, k in pairs.items()}
    if key in by_key:
        return world.row(by_key[key]), key
    stated = [r for r in world.active_rows() if record is not None and _states(record, r.entry)]
    return (stated[0] if stated else None), key


def _reads_alike(a: Entry, b: Entry) -> bool:
    """Whether two entries read the same but for their line: title, link, boxes, anchor."""
    return (a.title, a.url, a.state, dict(a.flags), a.anchor) == (
        b.title, b.url, b.state, dict(b.flags), b.anchor
    )  # fmt: skip


def _states(record: BaseRecord, entry: Entry) -> bool:
    """Whether ``record`` states ``entry``: identifier, title and boxes."""
    same = record.ident_key == entry.ident.primary and _KNOWN.get(entry.state) in (
        None,
        record.state,
    )
    same_title = normalize_title(record.title) == entry.ident.title
    return same and same_title and dict(record.flags) == dict(entry.flags)


def look_alike_records(world: World) -> bool:
    """Whether two base records state the same identifier and title. Without anchors the
    planner cannot tell them apart, so which entry pairs with which may change between runs
    (the sides stay in agreement; only the recorded pairing moves)."""
    seen = [(r.ident_key, normalize_title(r.title)) for r in world.base.values()]
    return len(seen) != len(set(seen))


def check_forecast(world: World, pairs: dict[int, str], told: Forecast, policy: Policy) -> None:
    """Invariant 5-ish: edits since the last run survive; only unedited pairs whose other
    side was deleted go, and they go the way the deletion policy says."""
    for expect in told.expected:
        row, key = _expected_pair(world, pairs, expect)
        assert row is not None and row in world.active_rows(), f"lost: {expect}"
        if expect.uid is not None and expect.uid not in pairs:
            rows = world.active_rows()
            assert _repeats_a_paired_row(row, rows, pairs), f"not synced: {expect}, {row.entry}"
            continue  # it repeats a listed paper: left out of the sync (and kept in the file)
        item = world.live(key)
        if item is None and held_twin(world, key, pairs):
            continue  # left out of the sync: its twin's survivor is on another row
        assert item is not None, f"item not live: {expect}, {row.entry}"
        for flag, value in expect.boxes.items():
            assert box(row.entry, flag) == value, f"file lost {flag or 'state'}: {expect}"
            assert box(item, flag) == value, f"Zotero lost {flag or 'state'}: {expect}"
        if expect.title is not None:
            assert row.entry.ident.title == expect.title, f"file title lost: {expect}"
            assert normalize_title(item.title) == expect.title, f"item title lost: {expect}"
    for key in told.live - set(world.live_keys()):
        assert key in told.gone | told.may_go, f"item left unasked: {world.library[key]}"
    for key in told.gone:
        item = world.library[key]
        assert (key in world.live_keys()) == (policy.on_markdown_delete == "keep"), item
        assert item.deleted == (policy.on_markdown_delete == "trash"), item
    for uid in told.active - {r.uid for r in world.active_rows()}:
        row = world.row(uid)
        assert uid in told.vanishing | told.may_vanish, f"entry struck or removed unasked: {row}"
        assert policy.on_zotero_delete == ("remove" if row is None else "strike"), row
