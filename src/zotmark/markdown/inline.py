"""The fields of one entry read from the text of its line: title, URL, anchor, strikethrough.

:func:`extract` implements DESIGN §2's field rules on the content of an entry line (the text
after the task box) and, for the URL only, its continuation line. All positions it returns
are offsets into that content, so the parser can turn them into offsets into the file.

Inline structure is found with regexes on a *mask* of the content: a same-length copy in which
backslash escapes, code-span contents and (for emphasis) link destinations are blanked with NUL
characters, HTML comments and the anchor with U+0001 (a bare URL ends where one starts). Text is
always cut from the original, never from the mask.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import NamedTuple

from zotmark.markdown.escape import blank, mask_code, mask_escapes, unescape
from zotmark.markdown.labels import is_generic

_TEXT = r"(?:[^\[\]]++|\[(?:[^\[\]]++|\[[^\[\]]*+\])*+\])*+"
_DEST = r"<[^<>\n]*+>|(?:[^\s()]++|\((?:[^\s()]++|\([^\s()]*+\))*+\))*+"
SCHEME = r"(?:https?|ftp)://"  # the schemes a link or bare URL may have
_GAP = rf"(?:[ \t]+(?=\([ \t]*{SCHEME}))?"  # "[text] (url)": a space only before a URL
_TITLE = r"""(?:[ \t]+(?:"[^"]*"|'[^']*'|\([^()]*\)))?"""
# A branch per kind of link, each opening with its own character (the regex engine skips to such
# characters, and tries at each only its branches). A match's last group names its kind: ``dest``
# a link, ``alt`` an image, ``rdest`` (text)[url], ``auto`` <url>, ``None`` (no group) a bare URL.
LINK = re.compile(
    rf"!\[(?P<alt>{_TEXT})\]{_GAP}\([ \t]*(?:{_DEST}){_TITLE}[ \t]*\)"
    rf"|\[(?P<text>{_TEXT})\]{_GAP}\([ \t]*(?P<dest>{_DEST}){_TITLE}[ \t]*\)"
    rf"|\((?P<rtext>[^()\[\]]*)\)\[(?P<rdest>{SCHEME}[^\s\[\]]*)\]"
    rf"|<(?P<auto>{SCHEME}[^\s<>]*)>"
    r"|https?://[^\W_][^\s<>\x01]*|ftp://[^\W_][^\s<>\x01]*"
)
_LABEL: dict[str | None, str] = {"dest": "text", "alt": "alt"}  # the group of a link's text
ANCHOR = re.compile(r"<!--[ \t]*zotero:(?P<key>[A-Z0-9]{8})[ \t]*-->")
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
# "**" opens and closes only where CommonMark says it may (flanking). The text between is
# taken a run of other characters or one delimiter character at a time: a closing "**" can
# only start after one of those, so no other position is tried.
_BOLD = re.compile(
    r"(?=[*_])(?:(?:\*\*(?=[^\W_])|(?<![^\W_])\*\*(?=[^\s*]))(?P<a>(?:[^*\n]++|\*)+?)"
    r"(?:(?<=[^\W_])\*\*|(?<=[^\s*])\*\*(?![^\W_]))"
    r"|(?<![^\W_])__(?=\S)(?P<b>(?:[^_\n]++|_)+?)(?<=\S)__(?![^\W_]))"
)
# _MARKS takes first one character of a set (the engine skips to such characters at once), each
# branch then looking back at it: "(?<=~)~" is the branch of a match that started with "~".
_MARKS = re.compile(  # a star run, "~~", a backtick run, an underscore run that may open or
    r"[*~`_<](?:(?<=\*)\**|(?<=~)~|(?<=`)`*"  # close emphasis, a comment
    r"|(?<=_)_*(?![^\W_])|(?<=_)(?<![^\W_]_)_*|(?<=<)!--.*?(?:-->|$))"
)
_STARS = re.compile(r"\*+")
_BARE_TRAILING = ".,;:!?'\"*_~"
EMPTY_PAIR = re.compile(r"\(\s*\)|\[\s*\]|\{\s*\}")
_TITLE_JUNK = " \t-–—:;,|/·•"
_ALNUM = re.compile(r"[^\W_]")  # a character for which str.isalnum() holds
_MARKUP = re.compile(r"[\\`*_~<\[]")  # where an escape, code, emphasis, comment or link starts

Span = tuple[int, int]


class Inline(NamedTuple):
    """What one entry line says (offsets relative to the content passed to :func:`extract`).

    A flat record (the parsed document keeps one per entry): each span is two fields.
    ``inner_start``/``inner_end`` delimit the text a new title replaces (``inner_start`` is
    ``None`` without a title); ``outer_start``/``outer_end`` what strikethrough wraps (the
    whole ``**…**`` or ``[…](…)``; ``outer_start`` is ``None`` when there is nothing to
    strike). ``key_at`` is where the anchor's 8-character key starts (``None`` without an
    anchor), ``anchor_at`` where an anchor goes. ``title_form`` is ``bold``, ``link``,
    ``text`` or ``""`` (no title). ``link_label``/``link_wrapped`` describe the link the URL
    came from when it is not the title (``([Link](url))``: ``"Link"``, ``True``); ``issues``
    holds ``reversed-link``, ``empty-link`` or ``no-link``.
    """

    title: str
    url: str | None
    struck: bool
    anchor: str | None
    key_at: int | None
    anchor_at: int
    inner_start: int | None
    inner_end: int
    outer_start: int | None
    outer_end: int
    title_form: str
    link_label: str | None
    link_wrapped: bool
    issues: tuple[str, ...]


_CUT = "\x01"  # fills comments and the anchor in a mask: a bare URL ends where they start


def _unmark(text: str, mask: str, start: int, end: int, lone_star: bool) -> str:
    """``text[start:end]`` without emphasis/code/strike delimiters and comments, unescaped.
    With ``lone_star`` a ``*`` run is literal text (it has nothing to pair with)."""
    parts, pos = [], start
    mark = _MARKS.search(mask, start, end)  # (most texts have no mark: a finditer would cost
    while mark is not None:  # three searches to set up)
        if not lone_star or mark.group()[0] != "*":
            parts.append(unescape(text[pos : mark.start()]))
            pos = mark.end()
        mark = _MARKS.search(mask, mark.end(), end)
    parts.append(unescape(text[pos:end]))
    return "".join(parts)


def plain(text: str, lone_star: bool | None = None) -> str:
    """``text`` (inline Markdown) as plain text: links become their text, images vanish,
    delimiters go, escapes are resolved and whitespace collapses. A single ``*`` run is
    literal text; ``lone_star`` overrides that count when ``text`` is part of a longer text."""
    if "://" not in text and _MARKUP.search(text) is None:  # no markup, nor a bare URL: plain
        return " ".join(text.split())  # (most titles: 12.7k -> 7.0k instructions for 33 chars)
    mask = mask_code(mask_escapes(text))
    if lone_star is None:
        lone_star = "*" in mask and len(_STARS.findall(mask)) == 1
    parts, pos = [], 0
    for link in _links(mask):
        parts.append(_unmark(text, mask, pos, link.start(), lone_star))
        kind = link.lastgroup
        if kind == "dest" or kind == "rdest":  # a link's text
            label = "text" if kind == "dest" else "rtext"
            parts.append(plain(text[link.start(label) : link.end(label)]))
        elif kind != "alt":  # an autolink (its group's text) or a bare URL (the match's)
            group = "auto" if kind == "auto" else 0
            parts.append(text[link.start(group) : _end(text, link, group)])
        pos = _end(text, link)
    parts.append(_unmark(text, mask, pos, len(text), lone_star))
    return " ".join("".join(parts).split())


def _links(mask: str) -> list[re.Match[str]]:
    """The ``LINK`` matches in ``mask`` (each holds "[", "<" or "://": most titles have none)."""
    if "[" in mask or "<" in mask or "://" in mask:
        return list(LINK.finditer(mask))
    return []


def _end(text: str, link: re.Match[str], group: str | int = 0) -> int:
    """Where a link match ends; a bare URL ends before its trailing punctuation."""
    if link.lastgroup is not None:  # (not a bare URL)
        return link.end(group)
    return link.start() + len(_trim_bare(text[link.start() : link.end()]))


def _trim_bare(url: str) -> str:
    """A bare URL without trailing punctuation and unbalanced closing brackets."""
    while url and (
        url[-1] in _BARE_TRAILING
        or (url[-1] == ")" and url.count(")") > url.count("("))
        or (url[-1] == "]" and url.count("]") > url.count("["))
    ):
        url = url[:-1]
    return url


@dataclass(slots=True)
class _Scan:
    """The content and its mask while one line is being read: ``hidden`` holds the spans of
    the anchor and the comments, which the mask blanks and no title holds."""

    text: str
    mask: str  # escapes, code-span contents, comments and the anchor blanked
    links: list[re.Match[str]]
    hidden: list[Span]
    anchor: re.Match[str] | None
    open_comment: int | None


def _scan(text: str) -> _Scan:
    """Mask escapes, then code spans, then the anchor and comments; then find the links."""
    mask = mask_code(mask_escapes(text))
    hidden: list[Span] = []
    anchor = open_comment = None
    if "<!--" in mask:
        # the last anchor: the one that starts at the last "<!--" where one does (no anchor
        # holds a "<!--" of another, so it is also the last of all the anchors, left to right)
        at = mask.rfind("<!--")
        while at >= 0 and (anchor := ANCHOR.match(mask, at)) is None:
            at = mask.rfind("<!--", 0, at)
        if anchor is not None:
            start, end = anchor.span()
            mask = blank(mask, start, end, _CUT)
            hidden.append((start, end))
        for comment in _COMMENT.finditer(mask) if "<!--" in mask else ():
            if not comment.group().endswith("-->"):
                open_comment = comment.start()
            mask = blank(mask, *comment.span(), _CUT)
            hidden.append(comment.span())
    return _Scan(text, mask, _links(mask), hidden, anchor, open_comment)


def _url_of(text: str, link: re.Match[str]) -> str | None:
    """The target of one link match in ``text``, or ``None`` for an image, an empty or an
    in-page target."""
    kind = link.lastgroup
    if kind == "dest":
        dest = unescape(text[link.start("dest") : link.end("dest")])
        dest = dest[1:-1].strip() if dest.startswith("<") else dest
        return dest if dest and not dest.startswith("#") else None
    if kind == "rdest" or kind == "auto":
        return text[link.start(kind) : link.end(kind)]
    return None if kind == "alt" else _trim_bare(text[link.start() : link.end()]) or None


def _choose_url(scan: _Scan) -> tuple[str | None, re.Match[str] | None]:
    """The first explicit link target, else the first bare URL; and the link it came from."""
    bare: tuple[str | None, re.Match[str] | None] = (None, None)
    for link in scan.links:
        url = _url_of(scan.text, link)
        if url is None:
            continue
        if link.lastgroup is not None:  # (not a bare URL)
            return url, link
        if bare[0] is None:
            bare = (url, link)
    return bare


def _wrapped_in_tildes(segment: str) -> bool:
    segment = segment.strip()
    return len(segment) >= 4 and segment.startswith("~~") and segment.endswith("~~")


def _struck(mask: str, outer: Span, inner: Span) -> bool:
    """Whether the title is struck through: ``~~**T**~~``, ``**~~T~~**`` or ``~~T~~``."""
    if "~~" not in mask:  # (each of these forms has it)
        return False
    start, end = outer
    if start >= 2 and mask[start - 2 : start] == "~~" and mask[end : end + 2] == "~~":
        return True
    return _wrapped_in_tildes(mask[start:end]) or _wrapped_in_tildes(mask[inner[0] : inner[1]])


def _inside_link_text(scan: _Scan, pos: int) -> bool:
    for link in scan.links:
        label = _LABEL.get(link.lastgroup)
        if label is not None and link.start(label) <= pos < link.end(label):
            return True
    return False


def _bold_title(scan: _Scan) -> tuple[str, Span, Span] | None:
    """The first bold span outside link texts whose text has a letter or digit, or that
    opens the entry (struck through or not) with any visible text: how zotmark writes a title
    of punctuation alone (``**\\*\\***`` for a Zotero title ``**``)."""
    if "**" not in scan.mask and "__" not in scan.mask:
        return None
    emphasis = scan.mask
    for link in scan.links:  # link targets and bare URLs never hold emphasis
        label = _LABEL.get(link.lastgroup)
        start = link.end(label) if label is not None else link.start()
        emphasis = blank(emphasis, start, _end(scan.text, link))
    # (a span that starts before the first link is in no link's text; one that ends before it
    # holds no link: most titles)
    first_link = scan.links[0].start() if scan.links else len(scan.text)  # (links in order)
    bold: re.Match[str] | None = None  # (searched one by one: the first is mostly the title)
    while bold := _BOLD.search(emphasis, 0 if bold is None else bold.end()):
        at = bold.start()
        if at >= first_link and _inside_link_text(scan, at):
            continue
        inner = bold.span(bold.lastgroup or "a")  # (the group that matched: "a" **…**, "b" __…__)
        title = plain(scan.text[inner[0] : inner[1]])
        opens = title.strip() and scan.mask[:at].strip() in ("", "~~")
        if not opens and not _ALNUM.search(title):  # (most titles open their entry: no search)
            continue
        within = inner[1] > first_link and any(inner[0] <= k.start() < inner[1] for k in scan.links)
        if within and is_generic(title):
            continue  # **[[Paper](url)]** is a link, not a title
        return title, inner, bold.span()
    return None


def _link_title(scan: _Scan) -> tuple[str, Span, Span] | None:
    """The text of the first link (not an image), unless it is generic."""
    for link in scan.links:
        kind = link.lastgroup
        if kind != "dest" and kind != "rdest":
            continue
        inner = link.span("text" if kind == "dest" else "rtext")
        title = plain(scan.text[inner[0] : inner[1]])
        return (title, inner, link.span()) if not is_generic(title) else None
    return None


def _text_pieces(scan: _Scan) -> list[Span]:
    """The spans of the content outside links, URLs, comments and the anchor."""
    links = [(link.start(), _end(scan.text, link)) for link in scan.links]
    pieces, pos = [], 0
    for start, end in sorted(scan.hidden + links):
        if start > pos:
            pieces.append((pos, start))
        pos = max(pos, end)
    pieces.append((pos, len(scan.text)))
    return pieces


def _clean_title(title: str) -> str:
    previous = None
    while previous != title:
        previous = title
        title = EMPTY_PAIR.sub("", title).strip(_TITLE_JUNK)
    return " ".join(title.split())


def _text_title(scan: _Scan) -> tuple[str, Span, Span] | None:
    """The text left without links, URLs and comments; spans cover its first real piece."""
    pieces = _text_pieces(scan)
    stars = sum(len(_STARS.findall(scan.mask, a, b)) for a, b in pieces)
    title = _clean_title(" ".join(plain(scan.text[a:b], stars == 1) for a, b in pieces))
    if not title:
        return None
    for start, end in pieces:
        segment = scan.text[start:end]
        if _ALNUM.search(segment):
            outer = (start + len(segment) - len(segment.lstrip()), start + len(segment.rstrip()))
            inner = outer
            if _wrapped_in_tildes(scan.mask[outer[0] : outer[1]]):
                inner = (outer[0] + 2, outer[1] - 2)
            return title, inner, outer
    return None


def _title(scan: _Scan) -> tuple[str, Span | None, Span | None, str]:
    """Title, inner and outer span, form. Without a title the outer span is the whole content
    before any comment or anchor, so that an entry of only a link can still be struck through."""
    for form, finder in (("bold", _bold_title), ("link", _link_title), ("text", _text_title)):
        found = finder(scan)
        if found is not None:
            return found[0], found[1], found[2], form
    segment = scan.text[: min((start for start, _ in scan.hidden), default=len(scan.text))]
    start = len(segment) - len(segment.lstrip())
    outer = (start, len(segment.rstrip())) if segment.strip() else None
    return "", outer, outer, ""


def _issues(scan: _Scan, url: str | None, source: re.Match[str] | None) -> list[str]:
    issues = []
    if source is not None and source.lastgroup == "rdest":
        issues.append("reversed-link")
    for link in scan.links:
        if link.lastgroup == "dest" and link.start("dest") == link.end("dest"):
            issues.append("empty-link")
            break
    if url is None and not issues and not scan.links:
        issues.append("no-link")
    return issues


def _link_form(content: str, source: re.Match[str] | None, form: str) -> tuple[str | None, bool]:
    """The text of the link the URL came from (unless it is the title) and whether the link
    sits in parentheses, as in ``([Link](url))``."""
    if source is None or source.lastgroup != "dest" or form == "link":
        return None, False
    start, end = source.span()
    wrapped = start > 0 and content[start - 1] == "(" and content[end : end + 1] == ")"
    return content[source.start("text") : source.end("text")], wrapped


def extract(content: str, continuation: str | None = None) -> Inline:
    """The fields of an entry whose line reads ``content`` after its task box.

    ``continuation`` is the entry's next line when it continues the entry's paragraph; it is
    searched for a URL only when ``content`` has no link at all.
    """
    scan = _scan(content)
    url, source = _choose_url(scan)
    issues = _issues(scan, url, source)
    if url is None and not scan.links and continuation:
        url, source = _choose_url(_scan(continuation))
        if url is not None:
            issues = ["reversed-link"] if source is not None and source.lastgroup == "rdest" else []
        source = None  # a link on the next line says nothing about the entry line's form
    title, inner, outer, form = _title(scan)
    label, wrapped = _link_form(content, source, form)
    inner_start, inner_end = inner if form and inner is not None else (None, 0)
    outer_start, outer_end = outer if outer is not None else (None, 0)
    struck = outer is not None and inner is not None and _struck(scan.mask, outer, inner)
    key, key_at = (scan.anchor["key"], scan.anchor.start("key")) if scan.anchor else (None, None)
    anchor_at = scan.open_comment if scan.open_comment is not None else len(content)
    # interned, as Zotero's items and the state's rows intern theirs: a daemon holds each
    # entry's title, URL and key once, not three times (20,000 entries: -12 % of what it holds),
    # and a list's one or few link labels once (50,000 entries: 2.6 MB less held)
    title, url, key = sys.intern(title), url and sys.intern(url), key and sys.intern(key)
    label = label and sys.intern(label)
    return Inline(
        title, url, struck, key, key_at, anchor_at, inner_start, inner_end, outer_start,
        outer_end, form, label, wrapped, tuple(issues),
    )  # fmt: skip
