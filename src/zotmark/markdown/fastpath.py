"""A fast path for the entry shapes almost every list uses, with the general rules' result.

``**Title** ([Link](url))`` (optionally without the parentheses or the link, or with the
link reversed: ``(Link)[url]``), ``[Title](url)`` and ``Title`` as plain text (optionally
followed by a bare URL), each optionally followed by an anchor, are read with one regex when
the title and link hold no character that could be markup.
:func:`extract_common` then returns exactly what :func:`zotmark.markdown.inline.extract` would
(a property test checks that), else ``None``.
"""

from __future__ import annotations

import re

from zotmark.markdown.inline import ANCHOR, EMPTY_PAIR, SCHEME, Inline, is_generic

_PLAIN = r"[^*_\\\[\]<>`~\s]"  # a character that is no markup and no whitespace
_TEXT = rf"{_PLAIN}(?:[^*_\\\[\]<>`~\r\n]*{_PLAIN})?"
_URL = r"[^\s()<>\\`#][^\s()<>\\`]*"
_LABEL = r"[^*_\\\[\]<>`~()]*"
# A plain-text title: no markup, no ``://``, and it neither starts nor ends with the characters
# the general rules strip from a title's ends (whitespace, dashes, ``:;,|/·•``).
_EDGE = r"[^*_\\\[\]<>`~\s\-–—:;,|/·•]"
_WORDS = rf"{_EDGE}(?:(?:[^*_\\\[\]<>`~\r\n:]|:(?!//))*{_EDGE})?"
# A bare URL that ends with no character the general rules would trim from it.
_BARE = rf"{SCHEME}[^\W_](?:[^\s<>\\`()\[\]\x01]*[^\s<>\\`()\[\].,;:!?'\"*_~\x01])?"
_REVERSED_URL = rf"{SCHEME}[^\s()<>\\`\[\]]*"
_COMMON = re.compile(
    rf"[ \t]*(?:\*\*(?P<bold>{_TEXT})\*\*"
    rf"(?:[ \t]+(?P<open>\(?)\[(?P<label>{_LABEL})\]\((?P<url>{_URL})\)(?P<close>\)?)"
    rf"|[ \t]+\((?P<rlabel>{_LABEL})\)\[(?P<rurl>{_REVERSED_URL})\])?"
    rf"|\[(?P<text>{_TEXT})\]\((?P<lurl>{_URL})\)"
    rf"|(?P<words>{_WORDS})(?:[ \t]+(?P<bare>{_BARE}))?)"
    rf"(?:[ \t]*{ANCHOR.pattern})?[ \t]*"
)
_ALNUM = re.compile(r"[^\W_]")  # a character for which str.isalnum() holds


def extract_common(content: str, continuation: str | None) -> Inline | None:
    """The fields of an entry line of a common shape, or ``None`` for any other line.

    (Called once per entry line of a parse, so its ``Inline`` is built by ``tuple.__new__``,
    see :class:`zotmark.core.model.Ident`, and the match's groups are read in one call.)
    """
    match = _COMMON.fullmatch(content)
    if match is None:
        return None
    bold, opening, label, url, closing, _, reversed_url, text, lurl, words, bare, key = (
        match.groups()
    )
    if "://" in (bold or text or words):
        return None
    anchor_key = match.span("key") if key else None
    end = match.end()
    if words is not None:
        if (bare is None and continuation) or EMPTY_PAIR.search(words) or not _ALNUM.search(words):
            return None
        span = match.span("words")
        issues: tuple[str, ...] = () if bare is not None else ("no-link",)
        title = " ".join(words.split())
        return tuple.__new__(
            Inline,
            (title, bare, False, key, anchor_key, end, span, span, "text", None, False, issues),
        )
    if text is not None:
        title = " ".join(text.split())
        if is_generic(title):
            return None
        inner = match.span("text")
        outer = (inner[0] - 1, match.end("lurl") + 1)
        return tuple.__new__(
            Inline,
            (title, lurl, False, key, anchor_key, end, inner, outer, "link", None, False, ()),
        )
    # (not empty: _TEXT starts with a visible character) Whitespace is collapsed, unless the
    # only whitespace is single spaces: every other whitespace character is unprintable.
    title = bold if "  " not in bold and bold.isprintable() else " ".join(bold.split())
    if (url is None and reversed_url is None and continuation) or not (
        title[0].isalnum() or _ALNUM.search(title)  # most titles: their first character
    ):
        return None
    inner = match.span("bold")
    issues = () if url is not None else ("no-link",)
    if reversed_url is not None:
        url, issues = reversed_url, ("reversed-link",)
    outer = (inner[0] - 2, inner[1] + 2)
    wrapped = bool(opening and closing)
    return tuple.__new__(
        Inline,
        (title, url, False, key, anchor_key, end, inner, outer, "bold", label, wrapped, issues),
    )
