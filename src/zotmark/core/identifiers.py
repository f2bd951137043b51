"""The normalisation of identifiers and titles into matching keys.

Pure: no I/O. Each function reads one kind of identifier out of a text or URL, or brings a URL
or title to a canonical form: arXiv ids, DOIs, OpenReview ids, URLs, titles. Every
normalisation is one small pure function; :func:`identify` combines them into an
:class:`~zotmark.core.model.Ident`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import unquote, urlsplit, uses_netloc

from zotmark.core.model import Ident

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
# Where a match of _ARXIV_IN_TEXT can start: "a", "e" or "w" (of a host or "arxiv:") after no
# word character, "." or "-", or the "1" of "10.48550" after no word character or "."; the
# search starts at the first such place (a set of characters the regex engine skips to at
# once), not at every character of a URL. (Under IGNORECASE these four letters and the digit
# match only themselves and their ASCII capitals.)
_ARXIV_LEAD = re.compile(r"[AaEeWw1](?<![\w.-][AaEeWw])(?<![\w.]1)")
# An id alone: its text starts with the four digits of a new-style id or with an archive
# name's letters and "/" (the lookahead rejects other texts before the archive names are tried).
_ARXIV_ALONE = re.compile(
    rf"\s*(?=\d{{4}}\.|[a-z-]++(?:\.[a-z]++(?:-[a-z]++)?)?/){_ARXIV_ID}\s*", re.IGNORECASE
)


def _canonical_arxiv(raw: str) -> str | None:
    """The canonical form of a matched id (archive lower-cased, subject class dropped), or
    ``None`` when its date or number length is impossible for arXiv."""
    if "/" in raw:
        archive, number = raw.split("/")
        month = int(number[2:4])
        return f"{archive.split('.')[0].lower()}/{number}" if 1 <= month <= 12 else None
    # yymm.number: its month, its date (from April 2007) and the number's length (5 digits
    # from 2015; "raw < '1501'" compares the four digits of yymm, as raw is longer)
    if not 1 <= int(raw[2:4]) <= 12 or raw < "0704" or len(raw) - 5 != (4 if raw < "1501" else 5):
        return None
    return raw


def _first_arxiv_id(text: str) -> str | None:
    """The first valid id of a ``_ARXIV_IN_TEXT`` match in ``text``."""
    lead = _ARXIV_LEAD.search(text)
    match = None if lead is None else _ARXIV_IN_TEXT.search(text, lead.start())
    while match is not None:  # (one search per match: a finditer costs twice a search to start)
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
    """
    folded = text.casefold()
    if "rxiv" in folded or "r5iv" in folded:  # a URL, mention or DOI of arXiv, maybe
        found = _first_arxiv_id(unquote(text) if "%" in text else text)  # (unquote's own test)
        if found:
            return found
    # (a text that is an id alone matches none of those forms: it has no ":", one "/" at most)
    alone = _ARXIV_ALONE.fullmatch(text)
    return _canonical_arxiv(alone.group(1)) if alone else None


# --- DOIs and OpenReview ids -------------------------------------------------------------------

_DOI = re.compile(r"(?<![\w.])10\.\d{4,9}(?:/|%2[Ff])[^\s\"<>\[\]{}|\\^`?#]+")
# A DOI inside a URL path counts only behind a resolver or a publisher's DOI path.
_DOI_URL_PREFIX = re.compile(
    r"(?:doi\.org|/doi(?:/[a-z]+)?|/(?:article|chapter|book))/$", re.IGNORECASE
)
_TRAILING = ".,;:!'\"*_~"
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
    start = text.find("10.")  # every match starts there or later (its lookbehind sees before)
    if start < 0:
        return None
    for match in _DOI.finditer(text, start):
        before = text[: match.start()]
        if before.endswith("/") and not _DOI_URL_PREFIX.search(before[-20:]):
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
    if "openreview.net/" not in url:  # (most texts: a substring test, not a regex search)
        return None
    match = _OPENREVIEW.search(url)
    return match.group(1) if match else None


# --- URLs ---------------------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_TRACKING = re.compile(r"(?:utm_[^=&]*|fbclid|gclid)(?:=|$)", re.IGNORECASE)
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
# What urlsplit strips from a URL's start (after str.strip: the C0 controls it leaves; it also
# removes every tab and line break), then the parts as urlsplit cuts them: the scheme (up to
# the first colon, all before it scheme characters), the netloc after "//" (up to the first
# "/", "?" or "#"), the path, and the query from the first "?" to the fragment (dropped).
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)([^?#]*)(?:\?([^#]*))?")


def _upper(escape: re.Match[str]) -> str:
    return escape.group().upper()


def _normalize_netloc(netloc: str, scheme: str) -> str:
    """``netloc`` with the host lower-cased, ``www.`` and a default port dropped."""
    userinfo, at, hostport = netloc.rpartition("@")
    hostport = hostport.strip().lower()
    host, colon, port = hostport.rpartition(":")
    if colon and port in (_DEFAULT_PORTS.get(scheme), "443"):
        hostport = host
    hostport = hostport.removeprefix("www.")
    return f"{userinfo}{at}{hostport}"


def normalize_url(url: str) -> str:
    """``url`` in a canonical form for matching: scheme and host lower-cased, ``http`` →
    ``https``, ``www.``, a default port, a trailing slash, the fragment and tracking
    parameters (``utm_*``, ``fbclid``, ``gclid``) dropped, the other parameters sorted.

    A text without scheme and host is returned stripped, otherwise unchanged; so is one whose
    host :func:`urllib.parse.urlsplit` refuses (an unbalanced IPv6 bracket). The URL is cut
    into its parts as ``urlsplit`` cuts it, and put together as ``urlunsplit`` does (``url``
    itself is returned when it is already canonical). Idempotent.
    """
    stripped = url.strip()
    text = stripped.lstrip(_C0_OR_SPACE).replace("\t", "").replace("\r", "").replace("\n", "")
    parts = _URL.match(text)
    if parts is None or not parts[2]:
        return stripped
    scheme, netloc, path, query = parts.groups()
    scheme = scheme.lower()
    if "[" in netloc or "]" in netloc or not netloc.isascii():
        try:  # urlsplit's own checks of such a host, which vary with Python's version
            urlsplit(text)
        except ValueError:
            return stripped
    netloc = _normalize_netloc(netloc, scheme)
    if "%" in path:
        path = _ESCAPE.sub(_upper, path)
    path = path.rstrip("/ \t")
    if query:
        params = [p.strip() for p in query.split("&")]
        query = "&".join(sorted(p for p in params if p and not _TRACKING.match(p)))
    scheme = "https" if scheme == "http" else scheme
    if netloc or (scheme in uses_netloc and path[:2] != "//"):  # as urlunsplit
        path = f"//{netloc}{path}"
    normal = f"{scheme}:{path}?{query}" if query else f"{scheme}:{path}"
    return url if normal == url else normal


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


class _PlainChars(dict[int, str]):
    """:func:`_plain_char` by code point, for ``str.translate``: each character's entry is
    made the first time a title holds it. (The titles of a 10,000-entry list normalise in
    ~11 ms through this table, in ~73 ms with ``_plain_char`` called per character: a sixth of
    the 300 ms a cold parse + plan of such a list may take.)
    """

    def __missing__(self, code: int) -> str:
        plain = self[code] = _plain_char(chr(code))
        return plain


_PLAIN_CHARS = _PlainChars()
# The same for the ASCII characters alone (most titles are ASCII), as a ``bytes.translate``
# table and the characters it deletes: a title of 36 characters is read in 2,400 instructions
# (encoded, translated, decoded) rather than 6,600 through a dict of code points, and a dict
# subclass reads at half the speed of a dict (1.1 against 0.6 us).
_PLAIN_ASCII = bytes(ord(_plain_char(chr(code)) or " ") for code in range(128)).ljust(256)
_PLAIN_ASCII_DROPPED = bytes(code for code in range(128) if not _plain_char(chr(code)))
_MARKUP_CHAR = re.compile(r"[<&\\${}]")  # where HTML or LaTeX markup starts


def normalize_title(title: str) -> str:
    """``title`` as a matching key: NFKC, case-folded, HTML and LaTeX markup removed,
    punctuation removed, Greek letters spelt out, whitespace collapsed. Titles that differ only
    in case, punctuation, markup or a trailing ``...`` normalise equal. Idempotent.
    """
    text = unicodedata.normalize("NFKC", title)
    if _MARKUP_CHAR.search(text):
        text = unicodedata.normalize("NFKC", _strip_markup(text))
    if text.isascii():  # (NFKC leaves ASCII text as it is, and casefold keeps it ASCII)
        text = text.casefold().encode().translate(_PLAIN_ASCII, _PLAIN_ASCII_DROPPED).decode()
    else:
        text = unicodedata.normalize("NFKC", text.casefold()).translate(_PLAIN_CHARS)
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


# --- the ident of an entry ----------------------------------------------------------------------


def identify(title: str, url: str | None, text: str = "") -> Ident:
    """The :class:`Ident` of a paper from its title, its URL and the rest of its entry text.

    Each identifier is the URL's when it has one, else the first ``text`` names (an ``arXiv:``
    mention or a second link counts). An arXiv DOI (``10.48550/arXiv.*``) gives ``arxiv``,
    never ``doi``. ``url`` is the normalised URL when there is one; ``title`` the normalised
    title.
    """
    arxiv = (url and arxiv_id(url)) or arxiv_id(text)
    doi = (url and publisher_doi(url)) or publisher_doi(text)
    openreview = (url and openreview_id(url)) or openreview_id(text)
    normal_url = normalize_url(url) if url else None
    return Ident(arxiv, doi, openreview, normal_url, normalize_title(title))
