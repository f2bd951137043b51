"""The values enrichment produces: a paper's :class:`Metadata`, or a :class:`Failure`.

Both are keyed by an ident key (``arxiv:1706.03762``, ``doi:10.1103/physrevb.89.140501``) and
both round-trip through plain JSON (:func:`to_json` / :func:`from_json`) for the on-disk cache.
Fields use the Zotero field names of ``item_type`` (``proceedingsTitle`` on a
``conferencePaper``, never the base name); ``apply`` validates them against the schema again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Creator:
    """One Zotero creator: a two-part name (``first``/``last``) or a single-field ``name``."""

    creator_type: str = "author"
    first: str = ""
    last: str = ""
    name: str = ""

    def to_zotero(self) -> dict[str, str]:
        """The creator as Zotero item JSON."""
        if self.name:
            return {"creatorType": self.creator_type, "name": self.name}
        return {"creatorType": self.creator_type, "firstName": self.first, "lastName": self.last}

    @classmethod
    def from_zotero(cls, raw: Mapping[str, Any]) -> Creator:
        """A creator from Zotero item JSON (missing parts are empty)."""
        return cls(
            creator_type=str(raw.get("creatorType") or "author"),
            first=str(raw.get("firstName") or ""),
            last=str(raw.get("lastName") or ""),
            name=str(raw.get("name") or ""),
        )


@dataclass(frozen=True, slots=True)
class Metadata:
    """What arXiv and/or Crossref say about one paper, as Zotero item fields.

    ``fields`` are non-empty Zotero fields of ``item_type``; ``extra`` lines go into the item's
    Extra field (``arXiv: 1601.00001`` when a preprint turned into a published article);
    ``source`` names where it came from (``arxiv``, ``crossref`` or ``arxiv+crossref``);
    ``notes`` say what could not be added (e.g. the journal's Crossref record failed);
    ``published``: the published version of a preprint (arXiv's ``arxiv:doi``, Crossref's
    ``is-preprint-of``), as Crossref describes it, or only its DOI when Crossref could not.
    """

    ident_key: str
    item_type: str
    fields: Mapping[str, str]
    creators: tuple[Creator, ...] = ()
    extra: tuple[str, ...] = ()
    source: str = ""
    notes: tuple[str, ...] = field(default=())
    published: Metadata | None = None


NETWORK = "network"
"""The kind of a failure to reach arXiv or Crossref at all (a network failure, a timeout)."""
UNKNOWN = "unknown"
"""The kind of a final failure: the service does not know the identifier, or it is malformed."""
INCOMPLETE = "incomplete"
"""What a look-up whose metadata lacks a part (a published version's record) counts as."""


@dataclass(frozen=True, slots=True)
class Failure:
    """Enrichment of one identifier failed; the sync goes on without it.

    ``reason`` is a sentence for the user. ``retry`` is false when asking again is pointless
    (the identifier is unknown or malformed). ``kind`` says what went wrong, for summaries:
    :data:`NETWORK`, ``HTTP 503`` (an error status), ``error`` (an answer that could not be
    read, or anything else), :data:`UNKNOWN` (final).
    """

    ident_key: str
    reason: str
    retry: bool = True
    kind: str = "error"


Result = Metadata | Failure


def to_json(result: Result) -> dict[str, Any]:
    """``result`` as a JSON-ready dict (see :func:`from_json`)."""
    if isinstance(result, Failure):
        return {
            "failure": result.reason,
            "retry": result.retry,
            "ident": result.ident_key,
            "kind": result.kind,
        }
    document = {
        "ident": result.ident_key,
        "itemType": result.item_type,
        "fields": dict(result.fields),
        "creators": [c.to_zotero() for c in result.creators],
        "extra": list(result.extra),
        "source": result.source,
        "notes": list(result.notes),
    }
    if result.published is not None:
        document["published"] = to_json(result.published)
    return document


def from_json(raw: Mapping[str, Any]) -> Result:
    """The value :func:`to_json` made; ``KeyError``/``TypeError``/``ValueError`` if malformed."""
    if "failure" in raw:
        retry = bool(raw["retry"])
        kind = str(raw.get("kind") or ("error" if retry else UNKNOWN))
        return Failure(str(raw["ident"]), str(raw["failure"]), retry, kind)
    fields = raw["fields"]
    if not isinstance(fields, dict):
        raise TypeError("fields is not an object")
    return Metadata(
        ident_key=str(raw["ident"]),
        item_type=str(raw["itemType"]),
        fields={str(k): str(v) for k, v in fields.items()},
        creators=tuple(Creator.from_zotero(c) for c in raw["creators"]),
        extra=tuple(str(line) for line in raw["extra"]),
        source=str(raw["source"]),
        notes=tuple(str(note) for note in raw["notes"]),
        published=_metadata(from_json(raw["published"])) if "published" in raw else None,
    )


def _metadata(result: Result) -> Metadata:
    """``result`` if it is metadata; ``TypeError`` for a failure (where metadata must be)."""
    if isinstance(result, Failure):
        raise TypeError("a published version is metadata, not a failure")
    return result
