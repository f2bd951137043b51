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
_NON_WORD = re.compile(r"[\W_]+")


def is_generic(label: str) -> bool:
    """Whether a link text names no paper: ``Link``, ``PDF``, ``[pdf]``, ``arXiv:2401.13660``,
    ``Code_official``, an emoji, a number (every word generic or a number, or no letter)."""
    if not any(char.isalpha() for char in label):
        return True
    words = _NON_WORD.sub(" ", label).casefold().split()
    return all(word in _GENERIC_WORDS or word.isdigit() for word in words)
