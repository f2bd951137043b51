"""BibTeX export of Zotero items: one entry per item, in key order, valid for biber and BibTeX.

Pure. zotmark writes the entries itself rather than through bibtexparser's ``BibTexWriter``,
which neither escapes LaTeX nor writes month macros. Each item type maps to an entry type,
and only fields that biblatex's data model allows for that entry type are written (so
``biber --validate-datamodel`` stays silent): integer volumes, valid ISBNs/ISSNs, a four-digit
year. Only bibliographic metadata is exported: tags (zotmark's status tags among them) never
are, and of ``extra`` only the ``arXiv:`` line (as ``eprint``) and free-text lines (as ``note``)
are used; ``Key: value`` lines (citation keys, reading status, plugin data) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from zotmark.bibtex.latex import escape, protect_case
from zotmark.bibtex.names import format_names
from zotmark.bibtex.scanner import MONTHS
from zotmark.core.identifiers import arxiv_id
from zotmark.enrich.model import Creator
from zotmark.schema import type_fields

HEADER = "% Exported by zotmark. Edit the papers in Zotero or in the reading list, not here.\n"
NOT_EXPORTED_TYPES = frozenset({"note", "attachment", "annotation"})
ENTRY_TYPES = {
    "journalArticle": "article", "magazineArticle": "article", "newspaperArticle": "article",
    "conferencePaper": "inproceedings", "book": "book", "bookSection": "incollection",
    "encyclopediaArticle": "incollection", "dictionaryEntry": "incollection",
    "thesis": "phdthesis", "report": "techreport", "manuscript": "unpublished",
    "patent": "patent",
}  # fmt: skip
_COMMON = frozenset({
    "author", "title", "year", "month", "doi", "url", "urldate", "eprint", "archiveprefix",
    "abstract", "note",
})  # fmt: skip
ALLOWED_FIELDS = {
    "article": {*_COMMON, "editor", "journal", "volume", "number", "pages", "issn"},
    "misc": {*_COMMON, "editor", "howpublished", "organization", "address", "type"},
    "inproceedings": {*_COMMON, "editor", "booktitle", "volume", "number", "pages", "publisher"}
    | {"organization", "address", "series", "isbn"},
    "incollection": {*_COMMON, "editor", "booktitle", "edition", "volume", "number", "pages"}
    | {"publisher", "address", "series", "isbn"},
    "inbook": {*_COMMON, "editor", "booktitle", "edition", "volume", "number", "pages"}
    | {"publisher", "address", "series", "isbn"},
    "book": {*_COMMON, "editor", "edition", "volume", "number", "pages", "publisher"}
    | {"address", "series", "isbn"},
    "collection": {*_COMMON - {"author"}, "editor", "edition", "volume", "number", "pages"}
    | {"publisher", "address", "series", "isbn"},
    "phdthesis": {*_COMMON, "school", "address", "type", "pages"},
    "mastersthesis": {*_COMMON, "school", "address", "type", "pages"},
    "techreport": {*_COMMON, "institution", "address", "number", "type", "pages"},
    "unpublished": {*_COMMON, "howpublished", "address", "type"},
    "patent": {*_COMMON, "number", "type", "address"},
}
# Fields biber's data model requires (besides title and year, which every type needs).
MANDATORY_FIELDS: dict[str, set[str]] = {
    "article": {"author", "journal"}, "book": {"author"}, "collection": {"editor"},
    "incollection": {"author", "editor", "booktitle"}, "inbook": {"author", "booktitle"},
    "inproceedings": {"author", "booktitle"}, "phdthesis": {"author", "school"},
    "mastersthesis": {"author", "school"}, "techreport": {"author", "institution"},
    "unpublished": {"author"}, "patent": {"author", "number"}, "misc": set(),
}  # fmt: skip
# Zotero field -> BibTeX field, for fields written as escaped text.
_TEXT_FIELDS = (
    ("publicationTitle", "journal"), ("proceedingsTitle", "booktitle"),
    ("bookTitle", "booktitle"), ("encyclopediaTitle", "booktitle"),
    ("dictionaryTitle", "booktitle"), ("websiteTitle", "howpublished"),
    ("edition", "edition"), ("series", "series"), ("publisher", "publisher"),
    ("university", "school"), ("institution", "institution"), ("place", "address"),
    ("thesisType", "type"), ("reportType", "type"), ("reportNumber", "number"),
    ("patentNumber", "number"), ("issue", "number"),
)  # fmt: skip
_VERBATIM_UNSAFE = {"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20"}
_KEY_LINE = re.compile(r"^\s*[A-Za-z][\w .-]*:\s")
_YEAR = re.compile(r"(?<!\d)([12]\d{3})(?!\d)")
_ISO_MONTH = re.compile(r"^\d{4}-(\d{1,2})(?:-\d{1,2})?\b")


def export_bibtex(items: Iterable[Mapping[str, Any]], keys: Mapping[str, str]) -> str:
    """The ``.bib`` text of ``items`` (Zotero ``data`` dicts), one entry each under its key
    from ``keys`` (item key -> citation key), sorted by citation key. Notes, attachments,
    annotations, child items and trashed items are left out. ``ValueError`` if ``keys``
    lacks an exported item (call :func:`~zotmark.bibtex.keys.assign_keys` first)."""
    entries = []
    for data in items:
        if not is_exported(data):
            continue
        item_key = str(data.get("key", ""))
        if item_key not in keys:
            raise ValueError(f"no citation key for item {item_key!r}")
        entries.append((keys[item_key], format_entry(data, keys[item_key])))
    return HEADER + "".join(f"\n{text}" for _, text in sorted(entries))


def is_exported(data: Mapping[str, Any]) -> bool:
    """Whether an item belongs in the export (a regular, top-level item not in the trash)."""
    return (
        data.get("itemType") not in NOT_EXPORTED_TYPES
        and not data.get("parentItem")
        and not data.get("deleted")
    )


def format_entry(data: Mapping[str, Any], citation_key: str) -> str:
    """One item as a BibTeX entry (``@type{key,`` … ``}``, a field per line)."""
    fields: dict[str, str] = {}
    for name, value in entry_fields(data):
        if value:
            fields.setdefault(name, value)
    entry_type = entry_type_of(data, fields.keys())
    allowed = ALLOWED_FIELDS[entry_type]
    lines = [f"  {name} = {value}," for name, value in fields.items() if name in allowed]
    return "\n".join([f"@{entry_type}{{{citation_key},", *lines, "}"]) + "\n"


def entry_type_of(data: Mapping[str, Any], present: Iterable[str]) -> str:
    """The BibTeX entry type of an item whose non-empty fields are ``present``: the type's
    natural entry type if the item has that type's mandatory fields, else the next candidate
    (a chapter without editors is an ``inbook``, a book with only editors a ``collection``),
    finally ``misc``."""
    item_type = str(data.get("itemType", ""))
    natural = ENTRY_TYPES.get(item_type, "misc")
    if item_type == "thesis" and re.search(r"master|msc|m\.sc", _text(data, "thesisType"), re.I):
        natural = "mastersthesis"
    candidates: dict[str, tuple[str, ...]] = {
        "incollection": ("incollection", "inbook"),
        "book": ("book", "collection"),
    }
    have = set(present)
    for entry_type in (*candidates.get(natural, (natural,)), "misc"):
        if MANDATORY_FIELDS[entry_type] <= have:
            return entry_type
    return "misc"


def entry_fields(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every field the item can give, in output order, as ``(name, BibTeX value)``; values
    are braced and escaped (``month`` is a bare macro); empty values are ``""``."""
    creators = [Creator.from_zotero(c) for c in data.get("creators") or () if isinstance(c, dict)]
    year, month = _year_month(_base_text(data, "date")) or _arxiv_year_month(_arxiv_of(data))
    fields = [
        ("title", _braced(protect_case(_base_text(data, "title")))),
        ("author", _braced(format_names(c for c in creators if c.creator_type == "author"))),
        ("editor", _braced(format_names(c for c in creators if c.creator_type == "editor"))),
    ]
    fields += [(bib, _braced(escape(_text(data, zotero)))) for zotero, bib in _TEXT_FIELDS]
    fields += [
        ("howpublished", _braced(escape(_repository(data)))),
        ("year", _braced(year)),
        ("month", month),
        ("volume", _braced(_text(data, "volume") if _text(data, "volume").isdigit() else "")),
        ("pages", _braced(_pages(_text(data, "pages")))),
        ("isbn", _braced(_first_valid(_text(data, "ISBN"), _valid_isbn))),
        ("issn", _braced(_first_valid(_text(data, "ISSN"), _valid_issn))),
        ("doi", _braced(_verbatim(_text(data, "DOI")))),
        ("url", _braced(_verbatim(_text(data, "url")))),
        ("urldate", _braced(_iso_day(_text(data, "accessDate")))),
        *_eprint(data),
        ("abstract", _braced(escape(_text(data, "abstractNote")))),
        ("note", _braced(escape(_free_extra(_text(data, "extra"))))),
    ]
    return fields


def _text(data: Mapping[str, Any], name: str) -> str:
    """A field's text, stripped ("" when absent)."""
    value = data.get(name)
    return str(value).strip() if value is not None else ""


def _base_text(data: Mapping[str, Any], base: str) -> str:
    """The text of the field that holds ``base`` for the item's type (a case's ``caseName``
    is its title, a patent's ``issueDate`` its date)."""
    own = type_fields(str(data.get("itemType", ""))).field_for(base)
    return _text(data, own or base) or _text(data, base)


def _braced(value: str) -> str:
    """``{value}``, or "" for an empty value (the field is then left out)."""
    return f"{{{value}}}" if value else ""


def _verbatim(value: str) -> str:
    """A URL-like value as written, with the characters that would break the entry encoded."""
    return "".join(_VERBATIM_UNSAFE.get(char, char) for char in value)


def _year_month(date: str) -> tuple[str, str] | None:
    """The four-digit year and the month macro (``jun``, "" if unknown) of a Zotero date;
    ``None`` when it holds no year."""
    year = _YEAR.search(date)
    if year is None:
        return None
    iso = _ISO_MONTH.match(date)
    number = int(iso.group(1)) if iso else 0
    if not number:
        number = next((i for i, m in enumerate(MONTHS, 1) if m[:3].lower() in date.lower()), 0)
    return year.group(1), _month_macro(number)


def _month_macro(number: int) -> str:
    """``jan`` … ``dec`` for 1 … 12, "" for anything else."""
    return MONTHS[number - 1][:3].lower() if 1 <= number <= 12 else ""


def _arxiv_year_month(found: str | None) -> tuple[str, str]:
    """The year and month an arXiv id was given in (``1906.00435`` → 2019, ``jun``;
    ``hep-th/9901001`` → 1999, ``jan``): the date of a preprint that has none of its own.
    ("", "") without an id. Old-style ids run from 1991 to 2007, new-style ones from 2007."""
    digits = re.search(r"(?:^|/)(\d{2})(\d{2})", found or "")
    if digits is None:
        return "", ""
    yy, month = int(digits.group(1)), int(digits.group(2))
    if not 1 <= month <= 12:
        return "", ""
    return str((1900 if yy >= 91 else 2000) + yy), _month_macro(month)


def _pages(pages: str) -> str:
    """A page range with BibTeX's ``--`` between its ends (``113-118`` -> ``113--118``)."""
    return "--".join(escape(part) for part in re.split(r"\s*[-–—]+\s*", pages))


def _iso_day(value: str) -> str:
    """The ``YYYY-MM-DD`` day of a Zotero access date ("" if it has none)."""
    found = re.match(r"\d{4}-\d{2}-\d{2}", value)
    return found.group() if found else ""


def _repository(data: Mapping[str, Any]) -> str:
    """Where a non-arXiv preprint is posted (``bioRxiv``), "" for arXiv and other types."""
    repository = _text(data, "repository")
    return "" if repository.lower() == "arxiv" else repository


def _eprint(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``eprint`` and ``archiveprefix`` for an item with an arXiv id; none otherwise."""
    found = _arxiv_of(data)
    return [("eprint", _braced(found)), ("archiveprefix", "{arXiv}")] if found else []


def _arxiv_of(data: Mapping[str, Any]) -> str | None:
    """The item's arXiv id (its ``archiveID``, or an ``arXiv:`` line in ``extra``)."""
    archive_id = _text(data, "archiveID")
    found = arxiv_id(archive_id) if archive_id.lower().startswith("arxiv:") else None
    for line in _text(data, "extra").splitlines():
        if found is None and line.strip().lower().startswith("arxiv:"):
            found = arxiv_id(line.strip())
    return found


def _free_extra(extra: str) -> str:
    """The free-text lines of ``extra``: ``Key: value`` lines (metadata for Zotero, citation
    keys, plugins' reading status) are not notes and stay out of the export."""
    lines = (line.strip() for line in extra.splitlines())
    return "; ".join(line for line in lines if line and not _KEY_LINE.match(line))


def _first_valid(value: str, valid: Callable[[str], bool]) -> str:
    """The first of the ISBNs/ISSNs in ``value`` that passes ``valid``, "" if none does."""
    for candidate in re.split(r"[\s,;]+", value):
        compact = candidate.replace("-", "").upper()
        if compact and valid(compact):
            return candidate
    return ""


def _valid_isbn(isbn: str) -> bool:
    """Whether a compact ISBN-10 or ISBN-13 has a correct check digit."""
    if re.fullmatch(r"\d{9}[\dX]", isbn):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(isbn))
        return total % 11 == 0
    if re.fullmatch(r"\d{13}", isbn):
        return sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(isbn)) % 10 == 0
    return False


def _valid_issn(issn: str) -> bool:
    """Whether a compact ISSN has a correct check digit."""
    if not re.fullmatch(r"\d{7}[\dX]", issn):
        return False
    total = sum((8 - i) * int(c) for i, c in enumerate(issn[:7]))
    check = (11 - total % 11) % 11
    return issn[7] == ("X" if check == 10 else str(check))
