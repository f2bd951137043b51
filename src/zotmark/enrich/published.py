"""Preprints found published: what zotmark records of each, and what each policy writes.

Pure. A :class:`Publication` is one preprint of a list (its ident key and item) and its
published version's :class:`~zotmark.enrich.model.Metadata` (Crossref's record, or the DOI
alone); the state keeps a list's publications as one JSON text (:func:`encode` /
:func:`decode`). The ``update`` policy rewrites the preprint's item into the published version
(:func:`updated_item`: the published type, DOI and venue; the item's title, creators and URL
kept, and the arXiv id as an ``arXiv: ID`` Extra line, so matching by arXiv id still finds
it); ``relate`` adds a separate item (:func:`published_item`) linked both ways with Zotero's
``dc:relation`` (:func:`with_relation`, :func:`item_uri`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from zotmark.enrich.apply import apply_metadata
from zotmark.enrich.arxiv import JOURNAL_REF
from zotmark.enrich.model import Metadata, from_json, to_json
from zotmark.schema import type_fields

UPDATED = frozenset(
    {"DOI", "publicationTitle", "journalAbbreviation", "volume", "issue", "pages", "date",
     "ISSN", "conferenceName"}
)  # fmt: skip
"""The base fields ``update`` takes from the published version (the venue and where in it)."""
RELATION = "dc:relation"


@dataclass(frozen=True, slots=True)
class Publication:
    """A preprint of a list (``preprint``: its ident key, ``arxiv:…`` or ``doi:…``;
    ``item_key``: its Zotero item) found published as ``published``. ``done`` names the
    policy applied to the item (``update``/``relate``; "" before); ``related_key`` is the key
    ``relate`` chose for the published version's item, recorded before its create is sent."""

    preprint: str
    item_key: str
    published: Metadata
    done: str = ""
    related_key: str = ""

    @property
    def doi(self) -> str:
        """The published version's DOI."""
        return self.published.fields.get("DOI", "")

    @property
    def venue(self) -> str:
        """Where it was published, in words: the journal or proceedings title, else arXiv's
        journal reference ("" when neither is known)."""
        own = type_fields(self.published.item_type).field_for("publicationTitle")
        if own and self.published.fields.get(own):
            return self.published.fields[own]
        for line in self.published.extra:
            if line.startswith(JOURNAL_REF):
                return line.removeprefix(JOURNAL_REF)
        return ""

    def to_json(self) -> dict[str, Any]:
        """The publication as a JSON-ready dict (see :func:`decode`)."""
        return {
            "item": self.item_key,
            "published": to_json(self.published),
            "done": self.done,
            "related": self.related_key,
        }


def found(preprint: str, item_key: str, metadata: Metadata) -> Publication | None:
    """The publication of item ``item_key`` when its metadata names a published version."""
    if metadata.published is None or not metadata.published.fields.get("DOI"):
        return None
    slim = replace(metadata.published, fields=_without_abstract(metadata.published.fields))
    return Publication(preprint, item_key, slim)


def _without_abstract(fields: Mapping[str, str]) -> dict[str, str]:
    """``fields`` without the abstract (the state keeps what status and the policies need)."""
    return {name: value for name, value in fields.items() if name != "abstractNote"}


def encode(publications: Mapping[str, Publication]) -> str:
    """A list's publications (by preprint ident key) as the state's JSON text."""
    return json.dumps(
        {key: p.to_json() for key, p in sorted(publications.items())}, ensure_ascii=False
    )


def decode(text: str | None) -> dict[str, Publication]:
    """The publications :func:`encode` wrote; ``{}`` for ``None`` or an unreadable text (a
    record is a convenience: what is lost is found again by the next re-check)."""
    try:
        raw = json.loads(text) if text else {}
        return {
            str(key): Publication(
                str(key),
                str(value["item"]),
                _metadata(value["published"]),
                str(value.get("done") or ""),
                str(value.get("related") or ""),
            )
            for key, value in raw.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def _metadata(raw: Mapping[str, Any]) -> Metadata:
    """Metadata read back from JSON (``TypeError`` for a failure)."""
    result = from_json(raw)
    if not isinstance(result, Metadata):
        raise TypeError("a publication holds metadata")
    return result


def updated_item(item_data: Mapping[str, Any], publication: Publication) -> dict[str, Any]:
    """``item_data`` as the published version (``update``): its item type, DOI and venue
    fields (:data:`UPDATED`, the ones the type has), the rest of the item kept (title,
    creators, URL, tags, collections), and for an arXiv preprint an ``arXiv: ID`` Extra line."""
    published = publication.published
    schema = type_fields(published.item_type)
    fields = {n: v for n, v in published.fields.items() if schema.base_of(n) in UPDATED}
    arxiv = publication.preprint.removeprefix("arxiv:")
    extra = (f"arXiv: {arxiv}",) if arxiv != publication.preprint else ()
    changes = Metadata(published.ident_key, published.item_type, fields, extra=extra)
    return apply_metadata(item_data, changes)


def published_item(publication: Publication, key: str, preprint_uri: str) -> dict[str, Any]:
    """The new item of the published version (``relate``): key ``key`` (``version`` 0, a
    create), in no collection, related to the preprint's item at ``preprint_uri``."""
    new = {"itemType": publication.published.item_type, "key": key, "version": 0,
           "collections": [], "tags": [], "relations": {RELATION: [preprint_uri]}}  # fmt: skip
    return apply_metadata(new, publication.published)


def with_relation(item_data: Mapping[str, Any], uri: str) -> dict[str, Any] | None:
    """The item's ``relations`` with ``dc:relation`` to ``uri`` added (a one-property
    patch), or ``None`` when it has it already. Zotero writes one related item as a string
    and several as a list; both are read."""
    relations = dict(item_data.get("relations") or {})
    current = relations.get(RELATION) or []
    values = [current] if isinstance(current, str) else list(current)
    if uri in values:
        return None
    relations[RELATION] = [*values, uri]
    return {"relations": relations}


def item_uri(library_type: str, library_id: str, key: str) -> str:
    """The Zotero URI of item ``key`` of a ``user`` or ``group`` library, as relations name
    items: ``http://zotero.org/users/ID/items/KEY``."""
    kind = "groups" if library_type == "group" else "users"
    return f"http://zotero.org/{kind}/{library_id}/items/{key}"
