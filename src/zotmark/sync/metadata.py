"""Metadata for new items: from an imported ``.bib`` entry first, else from arXiv/Crossref.

Builds the runner's ``new_item`` hook. Enrichment never blocks a sync: a paper the services
cannot describe is created with what the list says (the enricher reports failures as values).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a run enriches: most runs create nothing
    from zotmark.core.actions import CreateItem
    from zotmark.enrich import Enricher
    from zotmark.enrich.published import Publication
    from zotmark.sync.writes import NewItemHook

    Found = Callable[[list[Publication]], None]

IMPORTED_PREFIX = "bib:"
KEPT = ("key", "version", "tags", "collections")


def imported_key(primary: str | None) -> str:
    """The state meta key under which a ``.bib`` import keeps a paper's item data."""
    return f"{IMPORTED_PREFIX}{primary}"


def with_imported(data: Mapping[str, Any], imported: Mapping[str, Any]) -> dict[str, Any]:
    """The item JSON from an imported ``.bib`` entry, keeping zotmark's key, tags, collections."""
    merged = {k: v for k, v in imported.items() if k not in KEPT}
    merged.update({k: data[k] for k in KEPT if k in data})
    return merged


def new_item_hook(
    enricher: Callable[[], Enricher] | None,
    imported: Callable[[list[str]], Mapping[str, str]],
    found: Found | None = None,
    *,
    update: bool = False,
) -> NewItemHook:
    """The hook: ``.bib`` data where the list's entry came from an import, else enrichment
    (when ``enricher`` is given: it makes the enricher when first needed). ``imported`` reads
    the state's meta values of the keys it is given at call time: the hook asks it once per
    call (a batch of creates), for that batch's :func:`imported_key` keys only. Preprints
    enrichment finds published are told to ``found`` (once per batch, before it is sent);
    with ``update`` (the ``published = "update"`` policy) they are created as the published
    version (:func:`~zotmark.enrich.published.updated_item`) and told as done."""

    def hook(creates: list[tuple[CreateItem, dict[str, Any]]]) -> list[dict[str, Any]]:
        meta = imported([imported_key(action.entry.ident.primary) for action, _ in creates])
        out: list[dict[str, Any]] = []
        pending: list[tuple[int, CreateItem]] = []
        for action, data in creates:
            raw = meta.get(imported_key(action.entry.ident.primary))
            out.append(with_imported(data, json.loads(raw)) if raw else data)
            if raw is None and enricher is not None:
                pending.append((len(out) - 1, action))
        if enricher is not None and pending:
            from zotmark.enrich import Metadata, ident_key
            from zotmark.enrich.published import found as publication_of
            from zotmark.enrich.published import updated_item

            made = enricher()
            results = made.enrich(action.entry.ident for _, action in pending)
            publications = []
            for index, action in pending:
                key = ident_key(action.entry.ident)
                result = results.get(key) if key else None
                if key is not None and isinstance(result, Metadata):
                    out[index] = made.apply(out[index], result)
                    publication = publication_of(key, str(out[index]["key"]), result)
                    if publication is None:
                        continue
                    if update:
                        out[index] = updated_item(out[index], publication)
                        publication = replace(publication, done="update")
                    publications.append(publication)
            if publications and found is not None:
                found(publications)
        return out

    return hook
