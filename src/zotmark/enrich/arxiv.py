"""The arXiv API: query URLs for batches of ids, and the Atom feed mapped to Zotero fields.

Pure: builds URLs and parses bytes; fetching and rate limiting are the enricher's. The API
answers ``id_list`` queries with one Atom ``<entry>`` per known id (unknown ids are simply
missing) and reports a malformed id as an entry whose id is an ``api/errors`` URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode
from xml.etree import ElementTree

from zotmark.core.identifiers import arxiv_id
from zotmark.enrich.model import Creator, Metadata
from zotmark.errors import EnrichError

API_URL = "https://export.arxiv.org/api/query"
BATCH_SIZE = 50
MIN_INTERVAL = 3.0  # seconds between requests, per arXiv's API terms of use
JOURNAL_REF = "arXiv journal reference: "
"""How a published version's Extra line holds arXiv's ``journal_ref`` (the venue in words)."""

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "du", "la", "le",
    "ten", "ter", "vander", "van't", "d'", "dei", "degli",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class ArxivRecord:
    """One arXiv entry: the id (no version) and what the feed says about it.

    ``doi`` is the DOI of the published version (``arxiv:doi``), ``None`` if there is none.
    """

    arxiv_id: str
    title: str
    creators: tuple[Creator, ...]
    date: str
    abstract: str
    doi: str | None
    journal_ref: str


def query_url(ids: Sequence[str]) -> str:
    """The API URL that asks for exactly ``ids`` (``id_list`` and ``max_results``)."""
    return f"{API_URL}?{urlencode({'id_list': ','.join(ids), 'max_results': len(ids)})}"


def batches(ids: Sequence[str], size: int = BATCH_SIZE) -> list[list[str]]:
    """``ids`` in order, in consecutive batches of at most ``size``."""
    return [list(ids[start : start + size]) for start in range(0, len(ids), size)]


def is_valid_id(candidate: str) -> bool:
    """Whether ``candidate`` is a canonical arXiv id zotmark may send (no version suffix)."""
    return arxiv_id(candidate) == candidate


def parse_feed(body: bytes) -> dict[str, ArxivRecord]:
    """The entries of an API answer by arXiv id (version dropped).

    Raises :class:`EnrichError` for a body that is not an Atom feed, a feed with a DOCTYPE
    (entity tricks are refused), or an arXiv error entry (e.g. ``incorrect id format``).
    """
    if b"<!DOCTYPE" in body[:2048].upper():
        raise EnrichError("arXiv's answer declares a DOCTYPE; refusing to parse it.")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise EnrichError(f"arXiv's answer is not a valid Atom feed ({exc}).") from None
    if root.tag != f"{_ATOM}feed":
        raise EnrichError("arXiv's answer is not an Atom feed.")
    records: dict[str, ArxivRecord] = {}
    for entry in root.iter(f"{_ATOM}entry"):
        entry_id = _text(entry, f"{_ATOM}id")
        if "/api/errors" in entry_id:
            summary = _text(entry, f"{_ATOM}summary") or "unknown error"
            raise EnrichError(f"arXiv refused the query: {summary}.")
        record = _record(entry, entry_id)
        if record is not None:
            records[record.arxiv_id] = record
    return records


def _record(entry: ElementTree.Element, entry_id: str) -> ArxivRecord | None:
    """The record of one ``<entry>``, or ``None`` if its id is not an arXiv abs URL."""
    found = arxiv_id(entry_id)
    if found is None:
        return None
    creators = tuple(
        split_name(_collapse(author.findtext(f"{_ATOM}name") or ""))
        for author in entry.iter(f"{_ATOM}author")
    )
    doi = _text(entry, f"{_ARXIV}doi").lower()
    return ArxivRecord(
        arxiv_id=found,
        title=_collapse(_text(entry, f"{_ATOM}title")),
        creators=tuple(c for c in creators if c.last or c.name),
        date=_text(entry, f"{_ATOM}published")[:10],
        abstract=_collapse(_text(entry, f"{_ATOM}summary")),
        doi=doi or None,
        journal_ref=_collapse(_text(entry, f"{_ARXIV}journal_ref")),
    )


def to_metadata(record: ArxivRecord, ident_key: str) -> Metadata:
    """``record`` as a Zotero ``preprint`` (repository arXiv, the arXiv DOI and URL).

    A record with a published DOI (``arxiv:doi``) carries that version as ``published``: a
    ``journalArticle`` known by its DOI alone (Crossref completes it, see the enricher), its
    ``arxiv:journal_ref`` as an Extra line: the venue in words where Crossref has none.
    """
    fields = {
        "title": record.title,
        "date": record.date,
        "abstractNote": record.abstract,
        "url": f"https://arxiv.org/abs/{record.arxiv_id}",
        "repository": "arXiv",
        "archiveID": f"arXiv:{record.arxiv_id}",
        "DOI": f"10.48550/arXiv.{record.arxiv_id}",
    }
    published = None
    if record.doi is not None:
        published = Metadata(
            ident_key=f"doi:{record.doi}",
            item_type="journalArticle",
            fields={"DOI": record.doi},
            source="arxiv",
            extra=(f"{JOURNAL_REF}{record.journal_ref}",) if record.journal_ref else (),
        )
    return Metadata(
        ident_key=ident_key,
        item_type="preprint",
        fields={k: v for k, v in fields.items() if v},
        creators=record.creators,
        source="arxiv",
        published=published,
    )


def split_name(full: str) -> Creator:
    """A personal name as written (``Joost van der Putten``) split into first and last name.

    The last name is the last word together with any lower-case particles before it
    (``van der``); a one-word name is a last name alone.
    """
    words = full.split()
    if not words:
        return Creator()
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return Creator(first=" ".join(words[:start]), last=" ".join(words[start:]))


def _text(element: ElementTree.Element, tag: str) -> str:
    """The text of ``element``'s first child ``tag``, stripped ("" if absent)."""
    return (element.findtext(tag) or "").strip()


def _collapse(text: str) -> str:
    """``text`` with every run of whitespace (arXiv wraps titles and abstracts) one space."""
    return " ".join(text.split())
