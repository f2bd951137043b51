"""The Crossref REST API: the ``/works/{doi}`` URL, and its JSON mapped to Zotero fields.

Pure: builds URLs and parses bytes; fetching and rate limiting are the enricher's. The mapping
follows Crossref's work types (``journal-article``, ``proceedings-article``, ``book-chapter``,
``posted-content``, …) to Zotero item types, and puts each value under the field name the
chosen item type uses (``proceedingsTitle``, ``bookTitle``, ``publicationTitle``, ``repository``).
A preprint's record (``posted-content``) that names its published version (``relation`` →
``is-preprint-of``) carries that version's DOI as ``published``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from zotmark.core.identifiers import publisher_doi
from zotmark.enrich.model import Creator, Metadata
from zotmark.errors import EnrichError
from zotmark.schema import type_fields

API_URL = "https://api.crossref.org/works/"
MIN_INTERVAL = 0.2  # seconds between requests: Crossref's public pool allows 5 per second

ITEM_TYPES = {
    "journal-article": "journalArticle",
    "proceedings-article": "conferencePaper",
    "book-chapter": "bookSection",
    "book-section": "bookSection",
    "book-part": "bookSection",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-set": "book",
    "posted-content": "preprint",
    "report": "report",
    "report-component": "report",
    "dissertation": "thesis",
    "dataset": "dataset",
    "standard": "standard",
    "reference-entry": "encyclopediaArticle",
    "peer-review": "journalArticle",
    "component": "document",
    "other": "document",
}
_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
_PARAGRAPH_END = re.compile(r"</(?:jats:)?(?:p|sec|title)>", re.IGNORECASE)


def work_url(doi: str) -> str:
    """The ``/works/{doi}`` URL of ``doi`` (its slashes kept, everything else quoted)."""
    return API_URL + quote(doi, safe="/")


def parse_work(body: bytes, ident_key: str) -> Metadata:
    """The Zotero metadata of one Crossref ``/works/{doi}`` answer.

    Raises :class:`EnrichError` when ``body`` is not a Crossref work message.
    """
    try:
        message = json.loads(body)["message"]
    except (ValueError, KeyError, TypeError) as exc:
        raise EnrichError(f"Crossref's answer is not a work record ({exc}).") from None
    if not isinstance(message, dict) or not message.get("DOI"):
        raise EnrichError("Crossref's answer is not a work record (no DOI).")
    item_type = ITEM_TYPES.get(str(message.get("type", "")), "journalArticle")
    return Metadata(
        ident_key=ident_key,
        item_type=item_type,
        fields=_fields(message, item_type),
        creators=_creators(message, item_type),
        source="crossref",
        published=_published_version(message),
    )


def _published_version(message: Mapping[str, Any]) -> Metadata | None:
    """The published version a preprint's record names (``relation`` → ``is-preprint-of``,
    the first one given by DOI), known by its DOI alone; ``None`` when it names none."""
    relation = message.get("relation")
    targets = relation.get("is-preprint-of") if isinstance(relation, dict) else None
    for target in targets if isinstance(targets, list) else ():
        doi = publisher_doi(str(target.get("id") or "")) if isinstance(target, dict) else None
        if doi and target.get("id-type") == "doi":
            return Metadata(f"doi:{doi}", "journalArticle", {"DOI": doi}, source="crossref")
    return None


def _fields(message: Mapping[str, Any], item_type: str) -> dict[str, str]:
    """The non-empty Zotero fields of ``message`` that ``item_type`` accepts."""
    title = _first(message.get("title"))
    subtitle = _first(message.get("subtitle"))
    if subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    by_base = {
        "title": title,
        "date": _date(message),
        "publicationTitle": _first(message.get("container-title")),
        "journalAbbreviation": _first(message.get("short-container-title")),
        "volume": _plain(message.get("volume")),
        "issue": _plain(message.get("issue")),
        "pages": _plain(message.get("page")) or _plain(message.get("article-number")),
        "publisher": _plain(message.get("publisher")),
        "place": _plain(message.get("publisher-location")),
        "DOI": str(message["DOI"]).lower(),
        "ISSN": ", ".join(_strings(message.get("ISSN"))),
        "ISBN": " ".join(_strings(message.get("ISBN"))),
        "url": f"https://doi.org/{message['DOI']}",
        "abstractNote": strip_jats(str(message.get("abstract") or "")),
        "language": _plain(message.get("language")),
        "conferenceName": _plain((message.get("event") or {}).get("name")),
    }
    if item_type == "preprint":
        by_base["publisher"] = by_base["publisher"] or by_base["publicationTitle"]
    schema = type_fields(item_type)
    fields: dict[str, str] = {}
    for base, value in by_base.items():
        own = schema.field_for(base)
        if value and own and own not in fields:
            fields[own] = value
    return fields


def _creators(message: Mapping[str, Any], item_type: str) -> tuple[Creator, ...]:
    """Authors (and editors, where the type has them) as Zotero creators, in order."""
    allowed = type_fields(item_type).creator_types
    creators: list[Creator] = []
    for role in ("author", "editor"):
        if role not in allowed:
            continue
        for person in message.get(role) or ():
            if not isinstance(person, dict):
                continue
            family, given = _plain(person.get("family")), _plain(person.get("given"))
            if family:
                creators.append(Creator(role, first=given, last=family))
            elif name := _plain(person.get("name")) or given:
                creators.append(Creator(role, name=name))
    return tuple(creators)


def _date(message: Mapping[str, Any]) -> str:
    """The work's date as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` ("" if none is given)."""
    for key in ("issued", "published-print", "published-online", "published", "created"):
        parts = (message.get(key) or {}).get("date-parts") or [[]]
        first = parts[0] if parts and isinstance(parts[0], list) else []
        numbers = [int(p) for p in first if isinstance(p, int | str) and str(p).isdigit()]
        if numbers:
            return "-".join(f"{n:04d}" if i == 0 else f"{n:02d}" for i, n in enumerate(numbers[:3]))
    return ""


def strip_jats(text: str) -> str:
    """``text`` (a JATS/HTML abstract) as plain text: tags removed, entities decoded,
    paragraphs separated by a blank line, other whitespace collapsed."""
    paragraphs = _PARAGRAPH_END.split(text)
    cleaned = (" ".join(html.unescape(_TAG.sub(" ", p)).split()) for p in paragraphs)
    text = "\n\n".join(p for p in cleaned if p)
    return re.sub(r"^Abstract\s+", "", text)


def _first(value: Any) -> str:
    """The first string of a Crossref list value (or the value itself), tags stripped."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return _plain(value)


def _plain(value: Any) -> str:
    """A scalar value as plain text: markup removed, whitespace collapsed ("" for None)."""
    if value is None or isinstance(value, dict | list):
        return ""
    return " ".join(html.unescape(_TAG.sub("", str(value))).split())


def _strings(value: Any) -> list[str]:
    """A Crossref list of strings, each stripped; [] for anything else."""
    return [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list) else []
