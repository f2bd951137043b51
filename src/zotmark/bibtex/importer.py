"""Importing a ``.bib`` file: each readable entry as a paper for the list and a Zotero item.

Pure and total: :func:`import_bib` never raises on its input. Every entry that can be read
gives a :class:`BibEntry` (title, identifiers, authors, and a Zotero item ``data`` dict built
from its fields, with its citation key); everything else is a :class:`Problem` with the line
it starts on. :func:`decode_bib` turns a file's bytes into text (UTF-8, a BOM, GBK, Latin-1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from zotmark.bibtex.latex import decode
from zotmark.bibtex.names import parse_names
from zotmark.bibtex.scanner import MONTHS, Problem, RawEntry, scan
from zotmark.core.identifiers import arxiv_id, doi, identify
from zotmark.core.model import Ident
from zotmark.enrich.apply import creators_for
from zotmark.schema import type_fields

ENTRY_TYPES = {
    "article": "journalArticle", "periodical": "journalArticle",
    "inproceedings": "conferencePaper", "conference": "conferencePaper",
    "incollection": "bookSection", "inbook": "bookSection", "suppbook": "bookSection",
    "book": "book", "mvbook": "book", "booklet": "book", "collection": "book",
    "mvcollection": "book", "proceedings": "book", "mvproceedings": "book",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
    "techreport": "report", "report": "report", "manual": "report",
    "unpublished": "manuscript", "online": "webpage", "electronic": "webpage",
    "www": "webpage", "webpage": "webpage", "patent": "patent", "software": "computerProgram",
    "dataset": "dataset", "inreference": "encyclopediaArticle", "misc": "document",
}  # fmt: skip
NOT_REFERENCES = frozenset({"set", "xdata"})
_THESIS_TYPES = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}
# BibTeX field -> Zotero base field, for fields copied as decoded text.
_TEXT_FIELDS = {
    "journal": "publicationTitle", "journaltitle": "publicationTitle",
    "booktitle": "publicationTitle", "volume": "volume", "publisher": "publisher",
    "school": "publisher", "institution": "publisher", "organization": "publisher",
    "address": "place", "location": "place", "edition": "edition", "series": "series",
    "type": "type", "language": "language", "shorttitle": "shortTitle", "isbn": "ISBN",
    "issn": "ISSN", "urldate": "accessDate",
}  # fmt: skip
_MONTH_NUMBER = {name.lower(): index for index, name in enumerate(MONTHS, 1)} | {
    name[:3].lower(): index for index, name in enumerate(MONTHS, 1)
}
_PREPRINT_TYPES = frozenset({"misc", "online", "unpublished", "article", "electronic"})
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_ARXIV_JOURNAL = re.compile(r"arxiv|corr\b|e-?prints?", re.IGNORECASE)

KeyField = Literal["citationKey", "extra"]


@dataclass(frozen=True)
class BibEntry:
    """One imported paper. ``title`` is plain Unicode; ``authors`` are display names
    (``First Last``); ``item_data`` is a Zotero item ``data`` dict (schema-valid fields only)."""

    line: int
    citekey: str
    title: str
    doi: str | None
    arxiv: str | None
    url: str | None
    year: str | None
    authors: tuple[str, ...]
    item_data: dict[str, Any] = field(compare=False)

    @property
    def ident(self) -> Ident:
        """The paper's :class:`~zotmark.core.model.Ident`, for matching it against the list
        and the library (arXiv id, DOI, URL, title)."""
        mentions = [f"arXiv:{self.arxiv}" if self.arxiv else "", self.doi or ""]
        return identify(self.title, self.url, " ".join(mentions))


@dataclass(frozen=True)
class ImportResult:
    """The entries of a ``.bib`` file in file order, and the problems met (by line)."""

    entries: list[BibEntry]
    problems: list[Problem]


def decode_bib(data: bytes) -> tuple[str, list[Problem]]:
    """The text of a ``.bib`` file's bytes: UTF-8 (a BOM dropped), else GBK when every
    non-ASCII byte comes in pairs, else Latin-1; a non-UTF-8 guess is reported as a problem."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    for encoding in ("gbk", "latin-1"):
        if encoding == "gbk" and not _paired_high_bytes(data):
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, [Problem(0, f"the file is not UTF-8; read it as {encoding.upper()}")]
    raise AssertionError("unreachable: Latin-1 decodes any bytes")


def _paired_high_bytes(data: bytes) -> bool:
    """Whether every run of non-ASCII bytes in ``data`` has an even length (GBK's shape)."""
    return all(len(run) % 2 == 0 for run in re.findall(rb"[\x80-\xff]+", data))


def _looks_binary(sample: str) -> bool:
    """Whether ``sample`` is binary data: a NUL, or control characters beyond a stray few
    (an old DOS file may end in Ctrl-Z)."""
    return "\x00" in sample or len(_BINARY.findall(sample)) > max(8, len(sample) // 100)


def import_bib(text: str, *, key_field: KeyField = "citationKey") -> ImportResult:
    """The papers of a ``.bib`` text and the problems met; never raises.

    ``key_field`` says where the item keeps the entry's key: the native ``citationKey``
    field (Zotero 7+ servers) or a ``Citation Key: …`` line in ``extra``.
    """
    if _looks_binary(text[:65536]):
        return ImportResult([], [Problem(0, "this is not a BibTeX file (it holds binary data)")])
    scanned = scan(text.removeprefix("\ufeff"))
    problems = list(scanned.problems)
    raw_entries = [e for e in scanned.entries if e.entry_type != "string"]
    by_key = {e.key.casefold(): e for e in reversed(raw_entries) if e.key}
    entries: list[BibEntry] = []
    seen: dict[str, int] = {}
    for raw in raw_entries:
        if raw.entry_type in NOT_REFERENCES:
            problems.append(Problem(raw.line, f"@{raw.entry_type} '{raw.key}' is not a paper"))
            continue
        entry = to_entry(_inherit(raw, by_key), key_field)
        if entry is None:
            problems.append(Problem(raw.line, f"'{raw.key}' has no title, DOI, arXiv id or URL"))
            continue
        if not entry.title:
            problems.append(Problem(raw.line, f"'{raw.key}' has no title; kept for its identifier"))
        first = seen.setdefault(raw.key.casefold(), raw.line) if raw.key else raw.line
        if first != raw.line:
            problems.append(Problem(raw.line, f"key '{raw.key}' also used at line {first}"))
        entries.append(entry)
    return ImportResult(entries, sorted(problems, key=lambda p: p.line))


def _inherit(raw: RawEntry, by_key: Mapping[str, RawEntry]) -> RawEntry:
    """``raw`` with the fields it lacks taken from its ``crossref`` parent (the parent's
    title becomes the ``booktitle``)."""
    parent = by_key.get(raw.fields.get("crossref", "").strip().casefold())
    if parent is None or parent is raw:
        return raw
    inherited = {k: v for k, v in parent.fields.items() if k not in ("title", "crossref")}
    if "title" in parent.fields:
        inherited.setdefault("booktitle", parent.fields["title"])
    return RawEntry(raw.line, raw.entry_type, raw.key, inherited | raw.fields)


def to_entry(raw: RawEntry, key_field: KeyField = "citationKey") -> BibEntry | None:
    """The :class:`BibEntry` of one raw entry, ``None`` when it names no paper at all."""
    fields = raw.fields
    title = decode(_title_text(raw))
    found_arxiv = _arxiv(fields)
    found_doi = doi(fields.get("doi", "")) or doi(_verbatim(fields.get("url", "")))
    if found_doi and found_doi.startswith("10.48550/arxiv."):
        found_doi = None
    url = _verbatim(fields.get("url", "")) or None
    if not (title or found_arxiv or found_doi or url):
        return None
    data = item_data(raw, found_arxiv, found_doi, url, key_field)
    creators = [c for c in data.get("creators", ()) if c.get("creatorType") == "author"]
    year = re.search(r"\d{4}", str(data.get("date", "")))
    return BibEntry(
        line=raw.line,
        citekey=raw.key,
        title=title,
        doi=found_doi,
        arxiv=found_arxiv,
        url=url,
        year=year.group() if year else None,
        authors=tuple(
            c.get("name") or f"{c.get('firstName', '')} {c['lastName']}".strip() for c in creators
        ),
        item_data=data,
    )


def item_data(
    raw: RawEntry, arxiv: str | None, found_doi: str | None, url: str | None, key_field: KeyField
) -> dict[str, Any]:
    """A Zotero item ``data`` dict for ``raw``: its item type and every field that type takes."""
    fields = raw.fields
    item_type = _item_type(raw.entry_type, fields, arxiv, url)
    by_base: dict[str, str] = {"title": decode(_title_text(raw))}
    by_base |= {base: decode(fields[name]) for name, base in _TEXT_FIELDS.items() if name in fields}
    by_base |= {
        "date": _date(fields),
        "pages": re.sub(r"\s*(--?|–|—)\s*", "-", decode(fields.get("pages", ""))),
        "abstractNote": decode(fields.get("abstract", ""), collapse=False),
        "DOI": found_doi or "",
        "url": url or (f"https://arxiv.org/abs/{arxiv}" if arxiv else ""),
        _number_field(item_type): decode(fields.get("number", "")),
    }
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", by_base.get("accessDate", "")):
        by_base.pop("accessDate", None)  # the server refuses anything but an ISO date here
    if item_type == "thesis":
        by_base.setdefault("type", _THESIS_TYPES.get(raw.entry_type, ""))
    extra: list[str] = []
    if arxiv and item_type == "preprint":
        by_base |= {"publisher": "arXiv", "number": f"arXiv:{arxiv}"}
    elif arxiv:
        extra.append(f"arXiv: {arxiv}")
    if key_field == "extra" and raw.key:
        extra.append(f"Citation Key: {raw.key}")
    return _assemble(item_type, by_base, raw, extra, key_field)


def _assemble(
    item_type: str, by_base: Mapping[str, str], raw: RawEntry, extra: list[str], key_field: str
) -> dict[str, Any]:
    """The item dict: the fields ``item_type`` takes, creators, key and Extra lines."""
    schema = type_fields(item_type)
    data: dict[str, Any] = {"itemType": item_type}
    for base, value in by_base.items():
        own = schema.field_for(base)
        if value and own and own not in data:
            data[own] = value
    creators = [
        *parse_names(raw.fields.get("author", ""), "author"),
        *parse_names(raw.fields.get("editor", ""), "editor"),
    ]
    data["creators"] = creators_for(creators, schema)
    if key_field == "citationKey" and raw.key and "citationKey" in schema.fields:
        data["citationKey"] = raw.key
    if extra:
        data["extra"] = "\n".join(extra)
    return data


def _title_text(raw: RawEntry) -> str:
    """The title of an entry with its biblatex ``subtitle``; a book-like entry without a title
    is named by its ``booktitle``."""
    title, subtitle = raw.fields.get("title", "").strip(), raw.fields.get("subtitle", "").strip()
    if not title and ENTRY_TYPES.get(raw.entry_type) == "book":
        title = raw.fields.get("booktitle", "").strip()
    return f"{title}: {subtitle}" if title and subtitle else title


def _item_type(
    entry_type: str, fields: Mapping[str, str], arxiv: str | None, url: str | None
) -> str:
    """The Zotero item type of an entry: an arXiv paper that names no other venue is a
    ``preprint``; a ``@misc`` with only a URL a ``webpage``; unknown types a ``document``."""
    venue = fields.get("journal") or fields.get("journaltitle") or ""
    arxiv_venue = not venue or _ARXIV_JOURNAL.search(venue) is not None
    if arxiv and entry_type in _PREPRINT_TYPES and (entry_type != "article" or arxiv_venue):
        return "preprint"
    if entry_type == "misc" and url and not venue and "publisher" not in fields:
        return "webpage"
    return ENTRY_TYPES.get(entry_type, "document")


def _number_field(item_type: str) -> str:
    """The base field a BibTeX ``number`` goes to for ``item_type``."""
    return {"journalArticle": "issue", "conferencePaper": "issue", "report": "number"}.get(
        item_type, "seriesNumber"
    )


def _arxiv(fields: Mapping[str, str]) -> str | None:
    """The arXiv id an entry names: ``eprint`` (arXiv or no ``eprinttype``/``archiveprefix``),
    DBLP's ``journal = CoRR, volume = abs/…``, or an arXiv URL, DOI or ``arXiv:`` mention."""
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "arxiv").strip().lower()
    candidates = [fields.get("eprint", "")] if prefix == "arxiv" else []
    volume = fields.get("volume", "").strip()
    if fields.get("journal", "").strip().lower() == "corr" and volume.startswith("abs/"):
        candidates.append(volume.removeprefix("abs/"))
    for name in ("url", "doi", "journal", "note", "howpublished", "eprint"):
        candidates.append(fields.get(name, ""))
    for candidate in candidates:
        if found := arxiv_id(_verbatim(candidate)):
            return found
    return None


def _date(fields: Mapping[str, str]) -> str:
    """The entry's date: ``date`` as written, else ``year`` with its ``month`` (``YYYY-MM``)."""
    if date := decode(fields.get("date", "")):
        return date
    year = decode(fields.get("year", ""))
    month = decode(fields.get("month", "")).strip().rstrip(".").lower()
    number = _MONTH_NUMBER.get(month) or (int(month) if month.isdigit() else 0)
    if re.fullmatch(r"\d{4}", year) and 1 <= number <= 12:
        return f"{year}-{number:02d}"
    return year


def _verbatim(value: str) -> str:
    """A URL-like field as written: braces and ``\\url`` dropped, escaped characters unescaped."""
    value = re.sub(r"\\url\s*", "", value.strip())
    return re.sub(r"\\([_%&#~$])", r"\1", value).replace("{", "").replace("}", "").strip()
