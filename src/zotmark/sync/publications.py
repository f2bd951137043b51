"""Preprints that were published: recorded as found, re-checked now and then, the policy applied.

A list's publications (:class:`~zotmark.enrich.published.Publication`) live in its state's
meta, as one JSON text under ``places.PUBLISHED``: enrichment records those it finds when it
creates items (:func:`record`, the answer is at hand), and :func:`follow` runs after a list's
run (with ``enrich`` on; the session calls it only when it is due, from two small meta values).
It

1. re-checks the list's arXiv preprints not known published when ``published_check_days``
   have passed since the last check (``places.PUBLISHED_NEXT``): one arXiv request per 50 ids,
   3 s apart, and one Crossref request per published version found;
2. applies the list's ``published`` policy to the publications not yet done: ``update``
   rewrites the preprint's item (:func:`~zotmark.enrich.published.updated_item`);
   ``relate`` creates the published version's item in the library (not in the collection) under
   a key recorded before the create is sent, so a run killed anywhere and run again finds the
   same item (a create that already landed answers "already exists"), then relates the two
   items both ways; ``ignore`` writes nothing.

What fails (a refused write, an item gone) is left for the next run; nothing here raises
for Zotero's answers on one item. The Markdown file is never touched.
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
from zotmark.zotero.writes import batches

if TYPE_CHECKING:
    from zotmark.config import ListSettings
    from zotmark.enrich import Enricher
    from zotmark.state.store import StateStore
    from zotmark.zotero.client import ZoteroClient

log = logging.getLogger("zotmark.published")
DAY = 86400.0


def record(store: StateStore, key: str, publications: Iterable[Publication]) -> None:
    """Add publications found to list ``key``'s record (those it has are kept as they are)."""
    known = decode(store.meta(key, [META]).get(META))
    new = {p.preprint: p for p in publications if p.preprint not in known}
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
    meta = run.store.meta(run.key, [META, NEXT])
    publications = decode(meta.get(META))
    now, interval = run.clock(), run.settings.published_check_days * DAY
    if interval > 0 and float(meta.get(NEXT) or 0) <= now:
        publications |= _recheck(run, publications, interval)
        _save(run.store, run.key, publications, **{NEXT: repr(now + interval)})
    todo = [p for p in publications.values() if not p.done]
    if todo and run.settings.published == "update":
        publications |= _update(run, todo)
    elif todo and run.settings.published == "relate":
        publications |= _relate(run, publications, todo)
    return publications


def _recheck(
    run: Follow, known: Mapping[str, Publication], interval: float
) -> dict[str, Publication]:
    """The publications found among the list's arXiv preprints not known published (their
    answers asked again when older than ``interval``)."""
    records = run.store.load(run.key, texts=False).records.values()
    papers = {r.ident_key: r.item_key for r in records if r.ident_key.startswith("arxiv:")}
    asked = [Ident(arxiv=k.removeprefix("arxiv:")) for k in papers if k not in known]
    if not asked:
        return {}
    from zotmark.enrich import Metadata

    results = run.enricher().look_up(asked, max_age=interval).results
    new = {
        key: publication
        for key, result in results.items()
        if isinstance(result, Metadata)
        and (publication := found(key, papers[key], result)) is not None
    }
    if new:
        log.info("%d preprint(s) found published", len(new))
    return new


def _update(run: Follow, todo: list[Publication]) -> dict[str, Publication]:
    """``update``: each preprint's item rewritten as its published version; the ones done."""
    done: dict[str, Publication] = {}
    by_item = {p.item_key: p for p in todo}
    for batch in batches(list(by_item)):
        items = {str(i["key"]): i for i in run.client.fetch_items(batch) if not _gone(i)}
        patches = [
            _full_patch(item["data"], updated_item(item["data"], by_item[key]))
            for key, item in items.items()
        ]
        written = run.client.update_items(patches) if patches else None
        for key in items:
            if written is not None and key not in written.failed:
                done[by_item[key].preprint] = replace(by_item[key], done="update")
    _save(run.store, run.key, _merged(run, done))
    return done


def _relate(
    run: Follow, publications: Mapping[str, Publication], todo: list[Publication]
) -> dict[str, Publication]:
    """``relate``: the published versions' items, under keys recorded first, and the
    relation of each preprint's item to its published version's; the ones done."""
    keyed = {p.preprint: p if p.related_key else replace(p, related_key=new_item_key(run.randbelow))
             for p in todo}  # fmt: skip
    _save(run.store, run.key, {**publications, **keyed})  # the keys, before any create is sent
    library_id = run.client.library_id
    done: dict[str, Publication] = {}
    for batch in batches(list(keyed.values())):
        preprints = {str(i["key"]): i["data"] for i in run.client.fetch_items(
            [p.item_key for p in batch]) if not _gone(i)}  # fmt: skip
        batch = [p for p in batch if p.item_key in preprints]
        uri = {p.item_key: item_uri(run.library_type, library_id, p.item_key) for p in batch}
        creates = [published_item(p, p.related_key, uri[p.item_key]) for p in batch]
        made = run.client.create_items(creates) if creates else None
        landed = [p for p in batch if made is not None and p.related_key not in made.failed]
        patches = []
        for p in landed:
            relation = with_relation(
                preprints[p.item_key], item_uri(run.library_type, library_id, p.related_key)
            )
            if relation is not None:
                patches.append({"key": p.item_key, "version": _version(preprints[p.item_key]),
                                **relation})  # fmt: skip
        written = run.client.update_items(patches) if patches else None
        for p in landed:
            if written is None or p.item_key not in written.failed:
                done[p.preprint] = replace(p, done="relate")
    _save(run.store, run.key, {**publications, **keyed, **done})
    return {**keyed, **done}


def _merged(run: Follow, done: Mapping[str, Publication]) -> dict[str, Publication]:
    """The list's recorded publications with ``done`` replacing theirs."""
    return decode(run.store.meta(run.key, [META]).get(META)) | dict(done)


def _gone(item: Mapping[str, Any]) -> bool:
    """Whether an item read back is in the trash (a policy leaves it alone)."""
    return bool(item.get("data", {}).get("deleted"))


def _version(data: Mapping[str, Any]) -> int:
    """An item's version from its ``data``."""
    return int(data.get("version") or 0)


def _full_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The patch turning ``old`` into ``new``: the properties that changed. Fields of the old
    type the new one lacks are not named: Zotero drops them with the type change (naming one
    for the new type, even empty, is refused)."""
    patch: dict[str, Any] = {"key": old["key"], "version": _version(old)}
    patch |= {name: value for name, value in new.items() if old.get(name) != value}
    return patch
