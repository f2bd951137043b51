"""Preprints that were published: recorded as found, re-checked now and then, the policy applied.

A list's publications (:class:`~zotmark.enrich.published.Publication`) live in its state's
meta, as one JSON text under ``places.PUBLISHED``: enrichment records those it finds when it
creates items (:func:`record`, the answer is at hand), and :func:`follow` runs after a list's
run (with ``enrich`` on; the session calls it only when it is due, from two small meta values).
It

1. re-checks the list's preprints not known published (arXiv papers, and DOI papers whose
   item is a preprint) when ``published_check_days`` have passed since the last cycle of
   checks (``places.PUBLISHED_NEXT``): 50 of them per run (one arXiv request, one Crossref
   request per DOI preprint and per published version found), the next 50 at the next run,
   until all were asked;
2. applies the list's ``published`` policy to the publications not yet done: ``update``
   rewrites the preprint's item (:func:`~zotmark.enrich.published.updated_item`);
   ``relate`` creates the published version's item in the library (not in the collection) under
   a key recorded before the create is sent, so a run killed anywhere and run again finds the
   same item (a create that already landed answers "already exists"), then relates the two
   items both ways; ``ignore`` writes nothing.

A publication's ``done`` says what became of it: ``update``/``relate`` (done), ``refused``
(Zotero refused the write: logged, not sent again), ``gone`` (the preprint's item was deleted
or trashed: left alone); an item changed meanwhile (412) is read and written again at the next
run. The Markdown file is never touched.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from zotmark.core.model import Ident, new_item_key
from zotmark.enrich.published import (
    Publication,
    decode,
    encode,
    found,
    item_uri,
    published_item,
    updated_item,
    with_relation,
)
from zotmark.state.commit import RunCommit
from zotmark.sync.places import PUBLISHED as META
from zotmark.sync.places import PUBLISHED_NEXT as NEXT
from zotmark.sync.places import PUBLISHED_TODO as TODO
from zotmark.sync.status import stored_data
from zotmark.zotero.writes import batches

if TYPE_CHECKING:
    from zotmark.config import ListSettings
    from zotmark.enrich import Enricher
    from zotmark.state.store import StateStore
    from zotmark.zotero.client import ZoteroClient
    from zotmark.zotero.results import WriteFailure

log = logging.getLogger("zotmark.published")
HOUR, DAY = 3600.0, 86400.0
RECHECKED = 50
"""How many preprints one run re-checks at most: one arXiv request (``id_list`` of 50), so a
re-check never makes a run wait more than one arXiv request (and arXiv's 3 s spacing) longer."""
RECHECKED_DOIS = 10
"""How many of them may be DOI preprints: one Crossref request each, 0.2 s apart, so about two
seconds more at most."""
CURSOR = "published.cursor"
"""The state meta key of where a re-check cycle under way goes on (its position among the
list's arXiv and DOI papers not known published, in ident order)."""


def record(store: StateStore, key: str, publications: Iterable[Publication]) -> None:
    """Add publications found to list ``key``'s record: those it has for the same item are
    kept as they are (with what was done), one for another item (the entry's paper was added
    again) is replaced."""
    known = decode(store.meta(key, [META]).get(META))
    new = {
        p.preprint: p
        for p in publications
        if p.preprint not in known or known[p.preprint].item_key != p.item_key
    }
    if new:
        _save(store, key, known | new)


def _save(
    store: StateStore, key: str, publications: Mapping[str, Publication], **more: str
) -> None:
    """Store the list's publications (and how many are not done) with ``more`` meta values."""
    todo = sum(not p.done for p in publications.values())
    meta = {META: encode(publications), TODO: str(todo), **more}
    store.commit_run(key, RunCommit(meta=meta))


@dataclass(frozen=True, slots=True)
class Follow:
    """What :func:`follow` needs for one list: its settings, the state (``store``, the list's
    ``key`` in it), the library's client and its type (``user``/``group``), the enricher
    (made when first needed), ``clock`` and the random source of new keys."""

    settings: ListSettings
    store: StateStore
    key: str
    client: ZoteroClient
    library_type: str
    enricher: Callable[[], Enricher]
    clock: Callable[[], float]
    randbelow: Callable[[int], int] = secrets.randbelow


def follow(run: Follow) -> dict[str, Publication]:
    """Re-check when due, then apply the policy (see the module docstring); the list's
    publications afterwards, by preprint ident key."""
    meta = run.store.meta(run.key, [META, NEXT, CURSOR])
    publications = decode(meta.get(META))
    now, interval = run.clock(), run.settings.published_check_days * DAY
    if interval > 0 and float(meta.get(NEXT) or 0) <= now:
        found_now, cursor, when = _recheck(run, publications, interval, int(meta.get(CURSOR) or 0))
        publications |= found_now
        _save(run.store, run.key, publications, **{NEXT: repr(when), CURSOR: str(cursor)})
    todo = [p for p in publications.values() if not p.done]
    if not todo or run.settings.published == "ignore":
        return publications
    if run.settings.published == "relate":
        todo = [p if p.related_key else replace(p, related_key=new_item_key(run.randbelow))
                for p in todo]  # fmt: skip
        publications |= {p.preprint: p for p in todo}
        _save(run.store, run.key, publications)  # the keys, before any create is sent
    apply = _update if run.settings.published == "update" else _relate
    for batch in batches(todo):
        publications |= apply(run, batch)
    _save(run.store, run.key, publications)
    return publications


def _recheck(
    run: Follow, known: Mapping[str, Publication], interval: float, cursor: int
) -> tuple[dict[str, Publication], int, float]:
    """The publications found among the next :data:`RECHECKED` of the list's preprints not
    known published (:func:`_next_preprints`, from ``cursor`` on; their answers asked again
    when older than ``interval``: one arXiv request, one Crossref request per DOI preprint),
    where the cycle goes on (0: it is complete) and when: at the next run while it is under
    way, after ``interval`` once complete, and when the enricher retries them if a look-up
    failed (the same batch, asked again)."""
    now = run.clock()
    papers, following = _next_preprints(run, known, cursor)
    if not papers:
        return {}, 0, now + interval
    from zotmark.enrich import Metadata

    idents = [
        Ident(arxiv=k.removeprefix("arxiv:")) if k.startswith("arxiv:") else Ident(doi=k[4:])
        for k in papers
    ]
    lookups = run.enricher().look_up(idents, max_age=interval, quiet=True)
    new = {
        key: publication
        for key, result in lookups.results.items()
        if isinstance(result, Metadata)
        and (publication := found(key, papers[key], result)) is not None
    }
    if new:
        log.info("%d preprint(s) found published", len(new))
    if lookups.failed:
        retry = lookups.retry_at or now + HOUR
        log.debug("published: re-check of %d preprints: %s", len(papers), lookups.summary())
        return new, cursor, retry
    return new, following, now if following else now + interval


def _next_preprints(
    run: Follow, known: Mapping[str, Publication], cursor: int
) -> tuple[dict[str, str], int]:
    """The next :data:`RECHECKED` preprints (ident key → item key; :data:`RECHECKED_DOIS` of
    them DOI papers at most) of the list not known published, from ``cursor`` on among its
    arXiv and DOI papers in ident order, and the position after the last (0 when none is
    left): every arXiv paper, and a DOI paper when its item is a ``preprint`` as the state's
    mirror has it (bioRxiv, SSRN, …; a journal article's DOI is not asked about). Reads the
    mirror texts of the DOI papers passed over, :data:`RECHECKED` at a time, so a whole cycle
    reads each of them once."""
    records = run.store.load(run.key, texts=False).records.values()
    papers = {
        r.ident_key: r.item_key
        for r in records
        if r.ident_key.startswith(("arxiv:", "doi:")) and r.ident_key not in known
    }
    order, position = sorted(papers), cursor
    asked: dict[str, str] = {}

    def full() -> bool:
        dois = sum(key.startswith("doi:") for key in asked)
        return len(asked) == RECHECKED or dois == RECHECKED_DOIS

    while position < len(order) and not full():
        window = order[position : position + RECHECKED]
        preprints = _preprint_items(run, [papers[k] for k in window if k.startswith("doi:")])
        for key in window:
            position += 1
            if key.startswith("arxiv:") or papers[key] in preprints:
                asked[key] = papers[key]
                if full():
                    break
    return asked, position if position < len(order) else 0


def _preprint_items(run: Follow, item_keys: list[str]) -> set[str]:
    """Those of ``item_keys`` whose item is a ``preprint``, per the state's mirror."""
    texts = run.store.texts_of(run.key, item_keys) if item_keys else {}
    return {key for key, data in stored_data(texts).items() if data.get("itemType") == "preprint"}


def _preprints(run: Follow, batch: list[Publication]) -> dict[str, dict[str, Any]]:
    """The ``data`` of the batch's preprint items that still exist out of the trash, by key
    (one request)."""
    items = run.client.fetch_items([p.item_key for p in batch])
    return {str(i["key"]): i["data"] for i in items if not i["data"].get("deleted")}


def _outcome(p: Publication, policy: str, failed: Mapping[str, WriteFailure]) -> Publication:
    """``p`` after its write: done by ``policy``, or ``refused`` (logged; not sent again)
    when Zotero refused it, or as it was when the item changed meanwhile (412: the next run
    reads it again)."""
    failure = failed.get(p.item_key) or failed.get(p.related_key)
    if failure is None:
        return replace(p, done=policy)
    if failure.code == 412:
        return p
    log.warning("published: Zotero refused to %s item %s: %s", policy, p.item_key, failure.message)
    return replace(p, done="refused")


def _update(run: Follow, batch: list[Publication]) -> dict[str, Publication]:
    """``update`` of one batch: each preprint's item rewritten as its published version
    (two requests); the batch's publications afterwards (``gone``: the item was deleted or
    trashed; it is left alone)."""
    preprints = _preprints(run, batch)
    mine = [p for p in batch if p.item_key in preprints]
    patches = [_patch(preprints[p.item_key], updated_item(preprints[p.item_key], p)) for p in mine]
    failed = run.client.update_items(patches).failed if patches else {}
    gone = {p.preprint: replace(p, done="gone") for p in batch if p.item_key not in preprints}
    return gone | {p.preprint: _outcome(p, "update", failed) for p in mine}


def _relate(run: Follow, batch: list[Publication]) -> dict[str, Publication]:
    """``relate`` of one batch (their ``related_key`` recorded): the published versions'
    items created, each preprint's item related to its published version's (three
    requests); the batch's publications afterwards (see :func:`_update`)."""
    preprints = _preprints(run, batch)
    mine = [p for p in batch if p.item_key in preprints]
    gone = {p.preprint: replace(p, done="gone") for p in batch if p.item_key not in preprints}
    if not mine:
        return gone

    def uri(key: str) -> str:
        return item_uri(run.library_type, run.client.library_id, key)

    made = run.client.create_items(
        [published_item(p, p.related_key, uri(p.item_key)) for p in mine]
    )
    landed = [p for p in mine if p.related_key not in made.failed]
    patches = []
    for p in landed:
        preprint = preprints[p.item_key]
        if (relation := with_relation(preprint, uri(p.related_key))) is not None:
            patches.append({"key": p.item_key, "version": _version(preprint), **relation})
    failed = {**made.failed, **(run.client.update_items(patches).failed if patches else {})}
    return gone | {p.preprint: _outcome(p, "relate", failed) for p in mine}


def _version(data: Mapping[str, Any]) -> int:
    """An item's version from its ``data``."""
    return int(data.get("version") or 0)


def _patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The patch turning ``old`` into ``new``: the properties that changed. Fields of the old
    type the new one lacks are not named: Zotero drops them with the type change (naming one
    for the new type, even empty, is refused)."""
    patch: dict[str, Any] = {"key": old["key"], "version": _version(old)}
    patch |= {name: value for name, value in new.items() if old.get(name) != value}
    return patch
