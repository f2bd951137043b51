"""Link labels that name no paper: ``Link``, ``PDF``, ``[code]``, ``arXiv:2401.13660``.

A link whose text is such a label is not the entry's title (:mod:`zotmark.markdown.inline`),
and a title written as a link never reads as one (:mod:`zotmark.markdown.compose`).
"""

from __future__ import annotations

import re

__all__ = ["is_generic"]

_GENERIC_TEXT = (
    "link links url pdf pdfs arxiv paper papers code codes project projects page website web "
    "site homepage home html abs abstract doi github gitlab git repo repository video videos "
    "slides slide ppt blog post demo dataset data poster talk openreview oepnreview here "
    "download source official community supp supplementary bibtex youtube note notes review "
    "read this preprint publication article full text online version pytorch tensorflow "
    "implementation huggingface hf model models weights tweet twitter medium"
)
_GENERIC_WORDS = frozenset(_GENERIC_TEXT.split())
_WORD = re.compile(r"[^\W_]+")  # a word: letters and digits (no underscore)


def is_generic(label: str) -> bool:
    """Whether a link text names no paper: ``Link``, ``PDF``, ``[pdf]``, ``arXiv:2401.13660``,
    ``Code_official``, an emoji, a number (every word generic or a number, or no letter)."""
    if not any(map(str.isalpha, label)):
        return True
    # Words never span a space: they are read between spaces, and a piece of letters alone is a
    # word as it is, told without a regex; the first word neither generic nor a number ends the
    # reading (a title of 33 characters: 29.8k -> 8.5k instructions; "Link": 11.1k -> 4.6k).
    for piece in label.split():
        for word in (piece,) if piece.isalpha() else _WORD.findall(piece):
            if word.casefold() not in _GENERIC_WORDS and not word.isdigit():
                return False
    return True
