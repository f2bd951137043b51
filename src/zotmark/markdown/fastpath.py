"""A fast path for the two entry shapes almost every list uses, with the general rules' result.

``**Title** ([Link](url))`` (optionally without the parentheses or the link) and
``[Title](url)``, optionally followed by an anchor, are read with one regex when the title and
link hold no character that could be markup. :func:`extract_common` then returns exactly what
:func:`zotmark.markdown.inline.extract` would (a property test checks that), else ``None``.
"""

from __future__ import annotations

import re

from zotmark.markdown.inline import Inline, is_generic

_PLAIN = r"[^*_\\\[\]<>`~\s]"  # a character that is no markup and no whitespace
_TEXT = rf"{_PLAIN}(?:[^*_\\\[\]<>`~\r\n]*{_PLAIN})?"
_URL = r"[^\s()<>\\`#][^\s()<>\\`]*"
_COMMON = re.compile(
    rf"[ \t]*(?:\*\*(?P<bold>{_TEXT})\*\*"
    rf"(?:[ \t]+(?P<open>\(?)\[(?P<label>[^*_\\\[\]<>`~()]*)\]\((?P<url>{_URL})\)(?P<close>\)?))?"
    rf"|\[(?P<text>{_TEXT})\]\((?P<lurl>{_URL})\))"
    r"(?:[ \t]*<!--[ \t]*zotero:(?P<key>[A-Z0-9]{8})[ \t]*-->)?[ \t]*"
)


def _link_title(match: re.Match[str], content: str) -> Inline | None:
    title = " ".join(match["text"].split())
    if is_generic(title):
        return None
    return Inline(
        title=title,
        url=match["lurl"],
        struck=False,
        anchor=match["key"],
        anchor_key=match.span("key") if match["key"] else None,
        anchor_at=len(content),
        title_inner=match.span("text"),
        title_outer=(match.start("text") - 1, match.end("lurl") + 1),
        title_form="link",
        link_label=None,
        link_wrapped=False,
        issues=(),
    )


def extract_common(content: str, continuation: str | None) -> Inline | None:
    """The fields of an entry line of a common shape, or ``None`` for any other line."""
    match = _COMMON.fullmatch(content)
    if match is None or "://" in (match["bold"] or match["text"]):
        return None
    if match["text"] is not None:
        return _link_title(match, content)
    title = " ".join(match["bold"].split())
    url = match["url"]
    if (url is None and continuation) or not any(char.isalnum() for char in title):
        return None
    return Inline(
        title=title,
        url=url,
        struck=False,
        anchor=match["key"],
        anchor_key=match.span("key") if match["key"] else None,
        anchor_at=len(content),
        title_inner=match.span("bold"),
        title_outer=(match.start("bold") - 2, match.end("bold") + 2),
        title_form="bold",
        link_label=match["label"],
        link_wrapped=bool(match["open"] and match["close"]),
        issues=() if url is not None else ("no-link",),
    )
