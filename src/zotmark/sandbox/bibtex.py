"""A compact item-JSON → BibTeX/BibLaTeX translation for ``format=bibtex`` / ``format=biblatex``.

Modelled on the output of Zotero's ``BibTeX.js`` translator as recorded (REC #42–#44): entry
types, field order, ``{Capitalised}`` title words protected, ``month = mar`` macros, ``pages``
with ``--``, tags as ``keywords``, and the citation key from a ``Citation Key:`` line in ``extra``,
else ``citationKey``, else ``author_titleword_year``. It is enough for a usable ``.bib``; zotmark's
real exporter lives in ``zotmark.bibtex``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from zotmark.sandbox.render import parsed_date
from zotmark.sandbox.schema import NOTE_TYPES

ENTRY_TYPES = {
    "journalArticle": "article",
    "magazineArticle": "article",
    "newspaperArticle": "article",
    "book": "book",
    "bookSection": "incollection",
    "conferencePaper": "inproceedings",
    "thesis": "phdthesis",
    "report": "techreport",
    "manuscript": "unpublished",
}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
STOP_WORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "some",
        "from",
        "on",
        "in",
        "to",
        "of",
        "do",
        "with",
        "der",
        "die",
        "das",
        "ein",
        "eine",
        "einer",
        "eines",
        "einem",
        "einen",
        "un",
        "une",
        "la",
        "le",
        "les",
        "el",
        "las",
        "los",
        "al",
        "uno",
        "una",
        "unos",
        "unas",
        "de",
        "des",
        "del",
    )
)
_CITATION_KEY_LINE = re.compile(r"^\s*(?:Citation Key|bibtex)\s*:\s*(\S+)\s*$", re.IGNORECASE)
_SPECIALS = re.compile(r"([&%$#_])")


def items_to_bibtex(items: list[dict[str, Any]], *, biblatex: bool = False) -> str:
    """The BibTeX (or BibLaTeX) text for item ``data`` dicts; notes and attachments are skipped."""
    used: set[str] = set()
    entries = []
    for data in items:
        if data.get("itemType") in NOTE_TYPES:
            continue
        key = _unique(citation_key(data), used)
        entries.append(_entry(data, key, biblatex))
    return "".join(entries)


def citation_key(data: dict[str, Any]) -> str:
    """``Citation Key:`` line in ``extra``, else ``citationKey``, else ``author_word_year``."""
    for line in str(data.get("extra", "")).splitlines():
        match = _CITATION_KEY_LINE.match(line)
        if match:
            return match.group(1)
    if data.get("citationKey"):
        return str(data["citationKey"])
    creators = data.get("creators") or []
    author = ""
    if creators:
        first = creators[0]
        author = _ascii_word(first.get("lastName") or first.get("name") or "")
    words = [_ascii_word(w) for w in str(data.get("title", "")).split()]
    word = next((w for w in words if w and w not in STOP_WORDS), "")
    year = parsed_date(str(data.get("date", "")))[:4]
    return "_".join((author or "noauthor", word, year or "nodate"))


def _ascii_word(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def _unique(key: str, used: set[str]) -> str:
    candidate, suffix = key, 0
    while candidate in used:
        candidate = key + chr(ord("a") + suffix)
        suffix += 1
    used.add(candidate)
    return candidate


def _entry(data: dict[str, Any], key: str, biblatex: bool) -> str:
    entry_type = ENTRY_TYPES.get(str(data.get("itemType")), "misc")
    lines = [f"\n@{entry_type}{{{key},\n"]
    for name, value, raw in _fields(data, entry_type, biblatex):
        lines.append(f"\t{name} = {value if raw else '{' + value + '}'},\n")
    lines.append("}\n")
    return "".join(lines)


def _fields(data: dict[str, Any], entry_type: str, biblatex: bool) -> list[tuple[str, str, bool]]:
    def get(name: str) -> str:
        return str(data.get(name) or "").strip()

    title = get("title")
    out: list[tuple[str, str, bool]] = []

    def add(name: str, value: str, *, raw: bool = False, escape: bool = True) -> None:
        if value:
            out.append((name, _escape(value) if escape and not raw else value, raw))

    add("title", title if biblatex else _protect(title))
    add("volume", get("volume"))
    add("issn", get("ISSN"))
    add("isbn", get("ISBN"))
    add("url", get("url"), escape=False)
    add("doi", get("DOI"), escape=False)
    add("abstract", get("abstractNote"))
    container = get("publicationTitle") or get("proceedingsTitle") or get("bookTitle")
    if entry_type == "article":
        add("journaltitle" if biblatex else "journal", container)
    elif entry_type in ("incollection", "inproceedings"):
        add("booktitle", container)
    add("number", get("issue") or get("reportNumber") or (get("archiveID") if biblatex else ""))
    publisher = get("publisher") or get("repository")
    field = {"techreport": "institution", "phdthesis": "school"}.get(entry_type, "publisher")
    add(field, get("university") or get("institution") or publisher)
    add("address", get("place"))
    _add_creators(data, add)
    add("urldate", get("accessDate")[:10])
    _add_date(get("date"), add, biblatex)
    keywords = ", ".join(t["tag"] for t in data.get("tags", ()))
    add("keywords", keywords)
    add("pages", re.sub(r"\s*[-–]\s*", "--", get("pages")))
    note = "\n".join(
        line for line in get("extra").splitlines() if not _CITATION_KEY_LINE.match(line)
    )
    add("note", note.strip())
    return out


def _add_creators(data: dict[str, Any], add: Any) -> None:
    for role, name in (("author", "author"), ("editor", "editor")):
        names = [_creator_name(c) for c in data.get("creators", ()) if c["creatorType"] == role]
        add(name, " and ".join(names), escape=False)


def _creator_name(creator: dict[str, str]) -> str:
    if "name" in creator:
        return "{" + creator["name"] + "}"
    first, last = creator.get("firstName", ""), creator.get("lastName", "")
    return f"{last}, {first}" if first else last


def _add_date(date: str, add: Any, biblatex: bool) -> None:
    parsed = parsed_date(date)
    if not parsed:
        return
    if biblatex:
        add("date", parsed)
        return
    parts = parsed.split("-")
    if len(parts) > 1:
        add("month", MONTHS[int(parts[1]) - 1], raw=True)
    add("year", parts[0])


def _protect(title: str) -> str:
    """Brace words after the first that start with a capital (BibTeX.js case protection)."""
    words = title.split(" ")
    return " ".join(
        f"{{{w}}}" if i and w[:1].isupper() and w.isalpha() else w for i, w in enumerate(words)
    )


def _escape(value: str) -> str:
    return _SPECIALS.sub(r"\\\1", value)
