"""Citation key formulas: a small subset of Better BibTeX's, parsed once, applied to item data.

Pure. A formula is parts joined by ``+``; a part is a function or quoted literal text,
followed by any number of ``.filter`` postfixes, applied left to right::

    auth.lower + year + shorttitle(3, 3)        # vaswani2017AttentionAllYou
    authEtAl + '_' + year                       # VaswaniEtAl_2017

Functions (names and titles are transliterated to ASCII letters and digits, their case kept,
as Better BibTeX's ``clean`` does; the title functions leave out Better BibTeX's skip words):

- ``auth(n, m)``: the first ``n`` characters (0: all) of the ``m``-th author's last name
  (defaults 0, 1); authors are the creators of type author, else all creators;
- ``authors(n)``: the last names of the first ``n`` authors (0: all), run together;
- ``authEtAl``: one author's name, two authors' names, or the first's and ``EtAl``;
- ``year``: the first four-digit year of the item's date;
- ``title``: every significant title word, capitalised, run together;
- ``shorttitle(n, m)``: the first ``n`` significant words (default 3), the first ``m`` of them
  capitalised (default 0); ``veryshorttitle(n, m)``: the same with ``n`` defaulting to 1;
- ``'text'`` or ``"text"``: the text itself (only characters a BibTeX key may hold).

Filters: ``lower``, ``upper``, ``ascii`` (transliterate and drop anything else non-ASCII),
``default(text)`` (``text`` when the part came out empty). Anything else is a
:class:`FormulaError` naming what is wrong. A formula whose result is empty gives ``anon``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_FORMULA = "auth.lower.default('anon') + year + veryshorttitle.lower"
"""zotmark's key before formulas existed: ``authorYearFirstword`` (``vaswani2017attention``)."""

KEY_UNSAFE = re.compile(r"[\s,{}()\"#%'=\\~]")
"""Characters that cannot appear in a BibTeX key (biber and BibTeX both choke on them)."""

_YEAR = re.compile(r"(?<!\d)([12]\d{3})(?!\d)")
_WORD_BREAK = re.compile(r"[\s\-–—/:;,.!?()\[\]{}\"']+")
_TOKEN = re.compile(
    r"\s*(?:(?P<name>[A-Za-z][A-Za-z0-9]*)|(?P<text>'[^']*'|\"[^\"]*\")"
    r"|(?P<number>-?\d+)|(?P<punct>[+.(),]))"
)
_FOLD = str.maketrans({
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
    "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i",
})  # fmt: skip
# Better BibTeX's skip words: never a significant title word.
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

Data = Mapping[str, Any]
Arg = int | str


class FormulaError(ValueError):
    """A formula zotmark cannot read; the message says where and what is wrong."""


def fold(text: str) -> str:
    """``text`` as ASCII letters and digits only, its case kept (accents dropped, ß → ss)."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if c.isascii() and c.isalnum())


def authors(data: Data) -> list[str]:
    """The folded last names of the item's authors (its creators of type author, else all
    its creators), those that fold to nothing left out."""
    creators = [c for c in data.get("creators") or () if isinstance(c, Mapping)]
    chosen = [c for c in creators if c.get("creatorType", "author") == "author"] or creators
    names = (fold(str(c.get("lastName") or c.get("name") or "")) for c in chosen)
    return [name for name in names if name]


def year(data: Data) -> str:
    """The first plausible year in the item's date, "" if none."""
    found = _YEAR.search(str(data.get("date") or ""))
    return found.group(1) if found else ""


def title_words(data: Data) -> list[str]:
    """The significant words of the item's title, folded (skip words left out)."""
    words = (fold(word) for word in _WORD_BREAK.split(str(data.get("title") or "")))
    return [word for word in words if word and word.lower() not in SKIP_WORDS]


def _capitalised(words: Sequence[str], first: int) -> str:
    return "".join(w[:1].upper() + w[1:] if i < first else w for i, w in enumerate(words))


def _auth(data: Data, n: Arg = 0, m: Arg = 1) -> str:
    names = authors(data)
    name = names[int(m) - 1] if 1 <= int(m) <= len(names) else ""
    return name[: int(n)] if int(n) > 0 else name


def _authors(data: Data, n: Arg = 0) -> str:
    names = authors(data)
    return "".join(names[: int(n)] if int(n) > 0 else names)


def _auth_et_al(data: Data) -> str:
    names = authors(data)
    return "".join(names) if len(names) <= 2 else f"{names[0]}EtAl"


def _shorttitle(data: Data, n: Arg = 3, m: Arg = 0) -> str:
    return _capitalised(title_words(data)[: int(n)], int(m))


def _veryshorttitle(data: Data, n: Arg = 1, m: Arg = 0) -> str:
    return _shorttitle(data, n, m)


def _title(data: Data) -> str:
    words = title_words(data)
    return _capitalised(words, len(words))


@dataclass(frozen=True, slots=True)
class _Function:
    """A formula function: what it computes, how many arguments it takes, of which kind."""

    compute: Callable[..., str]
    arity: int
    kinds: tuple[type, ...] = ()


FUNCTIONS: dict[str, _Function] = {
    "auth": _Function(_auth, 2, (int, int)),
    "authors": _Function(_authors, 1, (int,)),
    "authEtAl": _Function(_auth_et_al, 0),
    "year": _Function(lambda data: year(data), 0),
    "title": _Function(_title, 0),
    "shorttitle": _Function(_shorttitle, 2, (int, int)),
    "veryshorttitle": _Function(_veryshorttitle, 2, (int, int)),
}
FILTERS: dict[str, _Function] = {
    "lower": _Function(lambda text: text.lower(), 0),
    "upper": _Function(lambda text: text.upper(), 0),
    "ascii": _Function(fold, 0),
    "default": _Function(lambda text, other: text or other, 1, (str,)),
}


@dataclass(frozen=True, slots=True)
class _Step:
    """A function or filter with its arguments (a literal is a function of none)."""

    name: str
    args: tuple[Arg, ...] = ()


@dataclass(frozen=True, slots=True)
class Formula:
    """A parsed formula: each part's source (a function or literal) and its filters."""

    text: str
    parts: tuple[tuple[_Step, tuple[_Step, ...]], ...]

    def key(self, data: Data) -> str:
        """The key the formula gives the item ``data`` (unsafe characters removed; ``anon``
        when nothing is left)."""
        pieces = []
        for source, filters in self.parts:
            if source.name.startswith(("'", '"')):
                value = source.name[1:-1]
            else:
                value = FUNCTIONS[source.name].compute(data, *source.args)
            for step in filters:
                value = FILTERS[step.name].compute(value, *step.args)
            pieces.append(value)
        return KEY_UNSAFE.sub("", "".join(pieces)) or "anon"


def parse(text: str) -> Formula:
    """The formula ``text`` parsed; :class:`FormulaError` says what is wrong with it."""
    tokens = _tokens(text)
    parts: list[tuple[_Step, tuple[_Step, ...]]] = []
    position = 0
    while True:
        source, position = _step(tokens, position, FUNCTIONS, "function")
        filters: list[_Step] = []
        while position < len(tokens) and tokens[position] == ".":
            step, position = _step(tokens, position + 1, FILTERS, "filter")
            filters.append(step)
        parts.append((source, tuple(filters)))
        if position == len(tokens):
            return Formula(text, tuple(parts))
        if tokens[position] != "+":
            raise FormulaError(f"expected '+' or '.' before {tokens[position]!r}")
        position += 1


def _tokens(text: str) -> list[str]:
    """``text`` split into names, quoted texts, numbers and punctuation."""
    tokens: list[str] = []
    position = 0
    while text[position:].strip():
        found = _TOKEN.match(text, position)
        if found is None:
            rest = text[position:].strip()
            raise FormulaError(f"cannot read {rest[:20]!r} (an unclosed quote, or a character "
                               "a formula does not use)")  # fmt: skip
        tokens.append(found.group().strip())
        position = found.end()
    if not tokens:
        raise FormulaError("the formula is empty")
    return tokens


def _step(
    tokens: Sequence[str], position: int, known: Mapping[str, _Function], what: str
) -> tuple[_Step, int]:
    """The function (or literal) or filter at ``position``, and the position after it."""
    if position >= len(tokens):
        raise FormulaError(f"the formula ends where a {what} was expected")
    name = tokens[position]
    if what == "function" and name[:1] in "'\"":
        if KEY_UNSAFE.search(name[1:-1]):
            raise FormulaError(f"the text {name} holds a character a BibTeX key cannot hold")
        return _Step(name), position + 1
    if name not in known:
        raise FormulaError(f"unknown {what} {name!r} (known: {', '.join(sorted(known))})")
    args, position = _args(tokens, position + 1)
    spec = known[name]
    if len(args) > spec.arity:
        raise FormulaError(f"{name} takes at most {spec.arity} argument(s), got {len(args)}")
    if what == "filter" and len(args) < spec.arity:
        raise FormulaError(f"{name} needs {spec.arity} argument(s)")
    typed = tuple(_typed(name, arg, kind) for arg, kind in zip(args, spec.kinds, strict=False))
    return _Step(name, typed), position


def _args(tokens: Sequence[str], position: int) -> tuple[list[str], int]:
    """The arguments in parentheses at ``position`` (none if there are none)."""
    if position >= len(tokens) or tokens[position] != "(":
        return [], position
    args: list[str] = []
    position += 1
    while position < len(tokens) and tokens[position] != ")":
        if tokens[position] != ",":
            args.append(tokens[position])
        position += 1
    if position >= len(tokens):
        raise FormulaError("a '(' is never closed")
    return args, position + 1


def _typed(name: str, arg: str, kind: type) -> Arg:
    """An argument as its function wants it: a whole number, or text (quoted or bare)."""
    if kind is int:
        if not re.fullmatch(r"\d+", arg):
            raise FormulaError(f"{name} wants whole numbers, not {arg!r}")
        return int(arg)
    text = arg[1:-1] if arg[:1] in "'\"" else arg
    if KEY_UNSAFE.search(text):
        raise FormulaError(f"the text {arg} holds a character a BibTeX key cannot hold")
    return text
