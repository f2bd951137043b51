"""Citation keys: read from the item, generated Better-BibTeX style, de-duplicated, pinned.

Pure. An item's *explicit* key is its native ``citationKey`` field, else a ``Citation Key: X``
line in ``extra`` (Better BibTeX's legacy pin). Without one, the key is the *pinned* key the
state recorded when the item was first exported, and only a new item gets a *generated* key,
``authorYearFirstword`` (``vaswani2017attention``). So a key never changes when metadata
changes; only the user changes it, by setting it in Zotero.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from itertools import count
from typing import Any

_CITATION_KEY_LINE = re.compile(r"^\s*citation\s*key\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
# Characters that cannot appear in a BibTeX key (biber and BibTeX both choke on them).
_KEY_UNSAFE = re.compile(r"[\s,{}()\"#%'=\\~]")
_YEAR = re.compile(r"(?<!\d)([12]\d{3})(?!\d)")
_FOLD = str.maketrans({
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
    "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i",
})  # fmt: skip
# Better BibTeX's skip words: never the "first word" of a title.
_SKIP_WORDS_TEXT = (
    "a ab aboard about above across after against al along amid among an and anti around as "
    "at before behind below beneath beside besides between beyond but by d da das de del dell "
    "dello dei degli della dem den der des despite die do down du during ein eine einem einen "
    "einer eines el en et except for from gli i il in inside into is l la las le les like lo "
    "los near nor of off on onto or over past per plus round save since so some sur than the "
    "through to toward towards un una unas under underneath une unlike uno unos until up upon "
    "versus via von while with within without yet zu zum"
)
SKIP_WORDS = frozenset(_SKIP_WORDS_TEXT.split())


def explicit_key(data: Mapping[str, Any]) -> str | None:
    """The key the item states itself (native ``citationKey``, else an Extra line), made
    safe for BibTeX, or ``None``."""
    native = str(data.get("citationKey") or "").strip()
    if not native:
        found = _CITATION_KEY_LINE.search(str(data.get("extra") or ""))
        native = found.group(1) if found else ""
    return _KEY_UNSAFE.sub("", native) or None


def generate_key(data: Mapping[str, Any]) -> str:
    """``authorYearFirstword`` for an item: the first author's last name, the year and the
    first title word that is not a skip word, lower-case ASCII (``anon`` without an author)."""
    return f"{_author_part(data) or 'anon'}{_year_part(data)}{_title_part(data)}"


def assign_keys(items: Iterable[Mapping[str, Any]], pinned: Mapping[str, str]) -> dict[str, str]:
    """A distinct citation key for every item (``data`` dicts with a ``key``), by item key.

    Each item's wish is its explicit key, else its ``pinned`` key, else a generated one. A
    pinned key belongs to its item for good (even when that item is not passed): anyone else
    wishing for it, and any later clash (case-insensitive), gets the first free suffix ``a``,
    ``b``, … ``z``, ``aa``, …. Wishes are served explicit first, then pinned, then generated,
    each class in item-key order, so the result is deterministic. Callers pin every key.
    """
    by_key = {str(d["key"]): d for d in items}
    owner = {key.casefold(): item for item, key in sorted(pinned.items())}
    wishes: dict[str, tuple[int, str]] = {}
    for item_key, data in by_key.items():
        explicit = explicit_key(data)
        if explicit is not None:
            wishes[item_key] = (0, explicit)
        elif item_key in pinned:
            wishes[item_key] = (1, pinned[item_key])
        else:
            wishes[item_key] = (2, generate_key(data))
    assigned: set[str] = set()
    result: dict[str, str] = {}
    for item_key in sorted(wishes, key=lambda k: (wishes[k][0], k)):
        result[item_key] = _claim(wishes[item_key][1], item_key, owner, assigned)
    return result


def _claim(base: str, item_key: str, owner: Mapping[str, str], assigned: set[str]) -> str:
    """``base`` or its first suffixed form that is neither assigned nor pinned to another
    item; marks it assigned."""
    for suffix in _suffixes():
        folded = (base + suffix).casefold()
        if folded not in assigned and owner.get(folded, item_key) == item_key:
            assigned.add(folded)
            return base + suffix
    raise AssertionError("unreachable: the suffixes never run out")


def _suffixes() -> Iterable[str]:
    """``""``, then ``a`` … ``z``, ``aa`` … ``zz``, ``aaa`` …"""
    yield ""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for width in count(1):
        for number in range(26**width):
            digits = []
            for _ in range(width):
                number, rest = divmod(number, 26)
                digits.append(letters[rest])
            yield "".join(reversed(digits))


def ascii_fold(text: str) -> str:
    """``text`` lower-case ASCII letters and digits only (accents dropped, ß → ss, …)."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if c.isascii() and c.isalnum()).lower()


def _author_part(data: Mapping[str, Any]) -> str:
    """The folded last name of the first author (or first creator), "" if none."""
    creators = [c for c in data.get("creators") or () if isinstance(c, Mapping)]
    authors = [c for c in creators if c.get("creatorType", "author") == "author"] or creators
    for creator in authors:
        name = str(creator.get("lastName") or creator.get("name") or "")
        if folded := ascii_fold(name):
            return folded
    return ""


def _year_part(data: Mapping[str, Any]) -> str:
    """The first plausible year in the item's date, "" if none."""
    found = _YEAR.search(str(data.get("date") or ""))
    return found.group(1) if found else ""


def _title_part(data: Mapping[str, Any]) -> str:
    """The first title word that folds to something and is not a skip word, "" if none."""
    for word in re.split(r"[\s\-–—/:;,.!?()\[\]{}\"']+", str(data.get("title") or "")):
        folded = ascii_fold(word)
        if folded and folded not in SKIP_WORDS:
            return folded
    return ""
