"""The normalisation of identifiers and titles into matching keys.

Pure: no I/O. Each function reads one kind of identifier out of a text or URL, or brings a URL
or title to a canonical form: arXiv ids, DOIs, OpenReview ids, URLs, titles. Every
normalisation is one small pure function; :func:`zotmark.core.model.identify` combines them
into an :class:`~zotmark.core.model.Ident`.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from urllib.parse import unquote, urlsplit, urlunsplit

# --- arXiv ids ---------------------------------------------------------------------------------

_OLD_ARCHIVES = (
    "acc-phys|adap-org|alg-geom|ao-sci|astro-ph|atom-ph|bayes-an|chao-dyn|chem-ph|cmp-lg|"
    "comp-gas|cond-mat|cs|dg-ga|funct-an|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math-ph|math|"
    "mtrl-th|nlin|nucl-ex|nucl-th|patt-sol|physics|plasm-ph|q-alg|q-bio|q-fin|quant-ph|"
    "solv-int|stat|supr-con"
)
# One id, new style (2104.00437) or old style (hep-th/9901001, math.GT/0309136), version optional.
_ARXIV_ID = (
    r"(\d{4}\.\d{4,5}(?!\d)"
    rf"|(?:{_OLD_ARCHIVES})(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?/\d{{7}}(?!\d))(?:v\d+)?"
)
_ARXIV_HOST = r"(?:(?:www\.|export\.|ar5iv\.labs\.)?arxiv\.org|(?:www\.)?ar5iv\.org)"
_ARXIV_IN_TEXT = re.compile(
    rf"(?<![\w.-]){_ARXIV_HOST}/(?:abs|pdf|html|ps|format)/{_ARXIV_ID}"
    rf"|(?<![\w.-])arxiv:\s?{_ARXIV_ID}"
    rf"|(?<![\w.])10\.48550/arxiv\.{_ARXIV_ID}",
    re.IGNORECASE,
)
_ARXIV_ALONE = re.compile(rf"\s*{_ARXIV_ID}\s*", re.IGNORECASE)


def _canonical_arxiv(raw: str) -> str | None:
    """The canonical form of a matched id (archive lower-cased, subject class dropped), or
    ``None`` when its date or number length is impossible for arXiv."""
    if "/" in raw:
        archive, number = raw.split("/")
        month = int(number[2:4])
        return f"{archive.split('.')[0].lower()}/{number}" if 1 <= month <= 12 else None
    yymm, number = raw.split(".")
    month, expected_digits = int(yymm[2:]), (4 if yymm < "1501" else 5)
    if not 1 <= month <= 12 or yymm < "0704" or len(number) != expected_digits:
        return None
    return raw


# Matches (in lower-cased text) wherever a match of _ARXIV_IN_TEXT can start: each of those
# starts with "arxiv" or "ar5iv", or with the lead of "www.arxiv.org", "export.arxiv.org" or
# "10.48550/arXiv." right before one. (A branch of literals: re scans for its first characters.)
_ARXIV_START = re.compile(r"(?:www\.ar|export\.ar|10\.48550/ar|ar)[x5]iv")


# A new-style id _canonical_arxiv accepts as it is: a month from 0704 on, a 4-digit number up to
# 1412 and a 5-digit one from 1501.
_VALID_NEW_ID = (
    r"(?:07(?:0[4-9]|1[0-2])|(?:0[89]|1[0-4])(?:0[1-9]|1[0-2]))\.\d{4}"
    r"|(?:1[5-9]|[2-9]\d)(?:0[1-9]|1[0-2])\.\d{5}"
)
# An arXiv abs/pdf or ar5iv URL of a valid new-style id and nothing else: _ARXIV_IN_TEXT's first
# match in it is that id, and no other can follow (only a version, ".pdf" or "/" do).
_ARXIV_PLAIN_URL = re.compile(
    r"https?://(?:arxiv\.org/(?:abs|pdf)|ar5iv\.labs\.arxiv\.org/html)/"
    rf"({_VALID_NEW_ID})(?:v\d+)?(?:\.pdf)?/?"
)


# A plain arXiv URL (as above) already in normalize_url's canonical form: "https", no trailing
# "/", ASCII digits only (what _CANONICAL_PLAIN_URL also matches).
_CANONICAL_ARXIV_URL = re.compile(
    r"https://(?:arxiv\.org/(?:abs|pdf)|ar5iv\.labs\.arxiv\.org/html)/"
    rf"({_VALID_NEW_ID})(?:v\d+)?(?:\.pdf)?",
    re.ASCII,
)


def canonical_arxiv_url_id(url: str) -> str | None:
    """The arXiv id of ``url`` if it is a plain arXiv URL already canonical, else ``None``.

    For such a URL, ``arxiv_id(url)`` is that id and ``normalize_url(url)`` is ``url``: one
    match reads both for the URL of most entries.
    """
    plain = _CANONICAL_ARXIV_URL.fullmatch(url)
    return plain[1] if plain else None


def _arxiv_scan_start(text: str) -> int:
    """A position in ``text`` before which no match of ``_ARXIV_IN_TEXT`` starts.

    That is where ``_ARXIV_START`` first matches ``text.lower()``, unless a character there
    moves positions (lowers to two: only "İ" does) or matches an "i" under IGNORECASE without
    lowering to one (only "ı" and "İ" do; no other non-ASCII character matches a letter of the
    leads and names). With either, 0: scan everything.
    """
    low = text.lower()
    if len(low) != len(text) or "ı" in low:
        return 0
    first = _ARXIV_START.search(low)
    return first.start() if first else len(text)


def _first_arxiv_id(text: str, pos: int) -> str | None:
    """The first valid id of a ``_ARXIV_IN_TEXT`` match in ``text`` from ``pos`` on (its
    lookbehinds still see what precedes ``pos``)."""
    match = _ARXIV_IN_TEXT.search(text, pos)
    while match:
        found = _canonical_arxiv(match[1] or match[2] or match[3])  # one branch's group is set
        if found:
            return found
        match = _ARXIV_IN_TEXT.search(text, match.end())
    return None


def arxiv_id(text: str) -> str | None:
    """The first arXiv id in ``text``, canonical and without version, or ``None``.

    Recognised: arxiv.org / export.arxiv.org / ar5iv.org / ar5iv.labs.arxiv.org URLs
    (``abs``, ``pdf``, ``html``), ``arXiv:`` text, arXiv DOIs ``10.48550/arXiv.*``, and a text
    that is nothing but an id. A number in any other URL or text is not an arXiv id.
    (Same result as :func:`_arxiv_id_general`, only faster.)
    """
    # A bare id has no ":" (no \s, \d, letter or id punctuation matches one), while every URL
    # and "arXiv:" text has: those skip the fullmatch.
    if ":" not in text and (alone := _ARXIV_ALONE.fullmatch(text)):
        return _canonical_arxiv(alone.group(1))
    if plain := _ARXIV_PLAIN_URL.fullmatch(text):  # the URL of most entries: its one id
        return plain[1]
    folded = text.casefold()
    if "rxiv" not in folded and "r5iv" not in folded:  # cheap test before the regex
        return None
    unquoted = unquote(text)
    return _first_arxiv_id(unquoted, _arxiv_scan_start(unquoted))


def _arxiv_id_general(text: str) -> str | None:
    """:func:`arxiv_id` without its shortcuts: the reference the tests compare it with."""
    alone = _ARXIV_ALONE.fullmatch(text)
    if alone:
        return _canonical_arxiv(alone.group(1))
    folded = text.casefold()
    if "rxiv" not in folded and "r5iv" not in folded:
        return None
    return _first_arxiv_id(unquote(text), 0)


# --- DOIs and OpenReview ids -------------------------------------------------------------------

_DOI = re.compile(r"(?<![\w.])10\.\d{4,9}(?:/|%2[Ff])[^\s\"<>\[\]{}|\\^`?#]+")
# A DOI inside a URL path counts only behind a resolver or a publisher's DOI path.
_DOI_URL_PREFIX = re.compile(
    r"(?:doi\.org|/doi(?:/[a-z]+)?|/(?:article|chapter|book))/$", re.IGNORECASE
)
_TRAILING = ".,;:!'\"*_~"
# A doi.org URL of a plain DOI (ASCII letters, digits and "-._/" after "10.NNNN/", ending in a
# letter or digit): all of it after "doi.org/" is the first _DOI match, accepted behind that
# resolver, with no escape to decode and nothing to trim.
_PLAIN_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/(10\.[0-9]{4,9}/[-\w./]*[^\W_])", re.ASCII)
_OPENREVIEW = re.compile(r"openreview\.net/(?:forum|pdf|attachment)/?\?(?:[^#\s]*?&)?id=([\w-]+)")


def _trim_doi(found: str) -> str:
    """``found`` without trailing punctuation and unbalanced closing brackets."""
    while found:
        last = found[-1]
        if last in _TRAILING or (last == ")" and found.count(")") > found.count("(")):
            found = found[:-1]
        else:
            break
    return found


def doi(text: str) -> str | None:
    """The first DOI in ``text``, lower-cased and URL-decoded, or ``None``.

    Recognised: doi.org / dx.doi.org URLs, publisher URLs with a ``/doi/`` path, ``doi:`` text
    and a bare ``10.NNNN/…``. An arXiv DOI is returned as a DOI (:func:`identify` maps it).
    """
    if plain := _PLAIN_DOI_URL.fullmatch(text):  # the link of many entries
        return plain[1].lower()
    start = text.find("10.")
    if start < 0:
        return None
    for match in _DOI.finditer(text, start):  # every match starts with "10.": none before
        before = text[: match.start()]
        # ("doi.org/", the common prefix, is one _DOI_URL_PREFIX accepts, and cheaper to see.)
        if before.endswith("/") and not (
            before.endswith("doi.org/") or _DOI_URL_PREFIX.search(before[-20:])
        ):
            continue
        found = _trim_doi(unquote(match.group()))
        if not found.endswith("/"):
            return found.lower()
    return None


def publisher_doi(text: str) -> str | None:
    """The first DOI in ``text`` unless it is an arXiv DOI (:func:`arxiv_id` reads those)."""
    found = doi(text)
    return None if found is None or found.startswith("10.48550/arxiv.") else found


def openreview_id(url: str) -> str | None:
    """The OpenReview note id of an openreview.net ``forum``/``pdf``/``attachment`` URL."""
    match = _OPENREVIEW.search(url)
    return match.group(1) if match else None


# --- URLs ---------------------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_TRACKING = re.compile(r"(?:utm_[^=&]*|fbclid|gclid)(?:=|$)", re.IGNORECASE)
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def _normalize_netloc(netloc: str, scheme: str) -> str:
    """``netloc`` with the host lower-cased, ``www.`` and a default port dropped."""
    userinfo, at, hostport = netloc.rpartition("@")
    hostport = hostport.strip().lower()
    host, colon, port = hostport.rpartition(":")
    if colon and port in (_DEFAULT_PORTS.get(scheme), "443"):
        hostport = host
    hostport = hostport.removeprefix("www.")
    return f"{userinfo}{at}{hostport}"


# An http(s) URL with nothing but a host and a path, in characters the general path keeps as they
# are: no userinfo ("@"), port (":"), query ("?"), fragment ("#"), escape ("%"), IPv6 bracket,
# whitespace, control or non-ASCII character.
_PLAIN_HTTP_URL = re.compile(r"https?://([-\w.~!$&'()*+,;=]+)([-\w.~!$&'()*+,;=/]*)", re.ASCII)
# A plain URL (as above) that the plain case returns as it is: scheme "https", a host without
# capitals or a leading "www." and a path without a trailing "/". (Nothing to strip either: no
# whitespace matches.)
_CANONICAL_PLAIN_URL = re.compile(
    r"https://(?!www\.)[-a-z0-9_.~!$&'()*+,;=]+(?:/[-\w.~!$&'()*+,;=/]*)?(?<!/)", re.ASCII
)


def normalize_url(url: str) -> str:
    """``url`` in a canonical form for matching: scheme and host lower-cased, ``http`` →
    ``https``, ``www.``, a default port, a trailing slash, the fragment and tracking
    parameters (``utm_*``, ``fbclid``, ``gclid``) dropped, the other parameters sorted.

    A text without scheme and host is returned stripped, otherwise unchanged. Idempotent.
    (Same result as :func:`_normalize_url_general`, only faster.)
    """
    if _CANONICAL_PLAIN_URL.fullmatch(url):  # the URL of most entries: already canonical
        return url
    plain = _PLAIN_HTTP_URL.fullmatch(url.strip())
    # For such a URL the general path only rewrites the scheme, lower-cases the host, drops its
    # "www." and the path's trailing slashes; it differs only when the host is nothing but "www.".
    if plain and (host := plain[1].lower().removeprefix("www.")):
        return f"https://{host}{plain[2].rstrip('/')}"
    return _normalize_url_general(url)


def _normalize_url_general(url: str) -> str:
    """:func:`normalize_url` for every URL; the reference the tests compare it with."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return url.strip()
    if not parts.scheme or not parts.netloc:
        return url.strip()
    original_scheme = parts.scheme.lower()
    scheme = "https" if original_scheme == "http" else original_scheme
    netloc = _normalize_netloc(parts.netloc, original_scheme)
    path = _ESCAPE.sub(lambda m: m.group().upper(), parts.path).rstrip("/ \t")
    params = [p.strip() for p in parts.query.split("&")]
    params = [p for p in params if p and not _TRACKING.match(p)]
    query = "&".join(sorted(params))
    return urlunsplit((scheme, netloc, path, query, ""))


# --- titles -------------------------------------------------------------------------------------

_HTML_BREAK = re.compile(r"<(?:br|p|div|li)\b[^<>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_LATEX_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a",
}  # fmt: skip
_LATEX_ACCENT = re.compile(
    r"\\(?:([\"'`^~=.])\s*|([uvHckr])(?=[\s{]))\s*(?:\{\s*([A-Za-z])\s*\}|([A-Za-z]))"
)
_LATEX_DROPPED_NAMES = (
    "text textbf textit textrm textsf texttt textsc textup textmd textnormal emph underline "
    "mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak mathscr mathnormal boldsymbol "
    "bm operatorname mbox hbox textsuperscript textsubscript left right big Big bigg Bigg "
    "displaystyle scriptstyle ensuremath ldots dots cdots textquoteleft textquoteright "
    "textquotedblleft textquotedblright"
)
_LATEX_DROPPED = frozenset(_LATEX_DROPPED_NAMES.split())
_LATEX_COMMAND = re.compile(r"\\([A-Za-z]+)")
_GREEK_NAME = re.compile(r"GREEK (?:SMALL |CAPITAL )?LETTER (?:FINAL )?([A-Z]+)")
_JOINERS = frozenset("'\"")  # plus every dash and quote (Pd, Pi, Pf): removed without a space


def _strip_markup(text: str) -> str:
    """``text`` without HTML tags and entities and LaTeX markup (``$``, braces, commands;
    ``\\eta`` becomes ``eta``, ``\\"o`` becomes ``ö``)."""
    text = _HTML_TAG.sub("", _HTML_BREAK.sub(" ", text))
    text = html.unescape(text)
    text = _LATEX_ACCENT.sub(
        lambda m: (m[3] or m[4]) + _LATEX_ACCENTS[m[1] or m[2]],
        text,
    )
    text = _LATEX_COMMAND.sub(lambda m: "" if m[1] in _LATEX_DROPPED else m[1], text)
    return text.replace("$", "").replace("{", "").replace("}", "")


@functools.lru_cache(maxsize=4096)
def _plain_char(char: str) -> str:
    """One character of a normalised title: Greek letters spelt out, punctuation and symbols
    dropped (dashes and quotes) or turned into a space (all others)."""
    if "\u0370" <= char <= "\u03ff" or "\u1f00" <= char <= "\u1fff":
        named = _GREEK_NAME.match(unicodedata.name(char, ""))
        return named.group(1).lower() if named else char
    category = unicodedata.category(char)
    if category in ("Pd", "Pi", "Pf") or char in _JOINERS:
        return ""
    if category[0] in "PSZC":
        return " "
    return char


# _plain_char for ASCII text, as bytes.translate arguments (several times faster than
# str.translate): a table that maps to a space the characters that become one, and the characters
# dropped. (Every other ASCII character _plain_char keeps.)
_ASCII_SPACED = bytes(code for code in range(128) if _plain_char(chr(code)) == " ")
_ASCII_TO_SPACE = bytes.maketrans(_ASCII_SPACED, b" " * len(_ASCII_SPACED))
_ASCII_DROPPED = bytes(code for code in range(128) if not _plain_char(chr(code)))
_MARKUP_CHARS = "<&\\${}"  # where HTML or LaTeX markup starts
_MARKUP_CHAR = re.compile(f"[{re.escape(_MARKUP_CHARS)}]")  # (re scans for a class quickly)


# normalize_title's table for ASCII titles (for bytes.translate, _ASCII_DROPPED deleted): each
# character case-folded, then as _plain_char makes it; but a markup character (_MARKUP_CHARS) and
# NUL become NUL, which marks a title for the general path.
_ASCII_TITLE = bytes(
    0 if char in f"{_MARKUP_CHARS}\0" else ord(_plain_char(char.casefold()) or char)
    for char in map(chr, range(128))
) + bytes(range(128, 256))


@functools.lru_cache(maxsize=1 << 16)
def normalize_title(title: str) -> str:
    """``title`` as a matching key: NFKC, case-folded, HTML and LaTeX markup removed,
    punctuation removed, Greek letters spelt out, whitespace collapsed. Titles that differ only
    in case, punctuation, markup or a trailing ``...`` normalise equal. Idempotent.
    (Cached: lists and libraries repeat the same titles run after run. Same result as
    :func:`_normalize_title_general`, only faster.)
    """
    # The title of most entries: ASCII without markup. ASCII text is its own NFKC form, so the
    # general path only case-folds it and applies _plain_char: one translate does both (and
    # shows markup by a NUL, cheaper than a search for it first).
    if title.isascii():
        plain = title.encode().translate(_ASCII_TITLE, _ASCII_DROPPED)
        if 0 not in plain:  # (no markup, no NUL)
            return " ".join(plain.decode().split())
    return _normalize_title_general(title)


def _normalize_title_general(title: str) -> str:
    """:func:`normalize_title` for every title; the reference the tests compare it with."""
    text = unicodedata.normalize("NFKC", title)
    if _MARKUP_CHAR.search(text):
        text = unicodedata.normalize("NFKC", _strip_markup(text))
    text = text.casefold()
    if text.isascii():
        return " ".join(text.encode().translate(_ASCII_TO_SPACE, _ASCII_DROPPED).decode().split())
    text = unicodedata.normalize("NFKC", text)
    text = "".join(_plain_char(char) for char in text)
    return " ".join(unicodedata.normalize("NFKC", text).split())
