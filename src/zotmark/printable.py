"""Text for a terminal: what came from outside (Zotero, a list file, a server) made safe to show.

A title in a shared group library, a server's message or a byte of a list file could carry
control characters: an ESC sequence clears or retitles the terminal that prints it, a bidi
override reorders what is shown. :func:`printable` replaces them (and lone surrogates, the
undecodable bytes of a file) with U+FFFD; tabs and line breaks stay.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

_UNPRINTABLE = "[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
"""What :func:`printable` replaces. Compiled on first use (``re``'s cache of patterns), not on
import: its range of surrogates costs ~4M instructions to compile, and a no-op ``zotmark
sync`` shows nothing that needs it (issue 16)."""


def printable(text: str) -> str:
    """``text`` with every control character but tab and line feed, every bidi override or
    isolate and every lone surrogate replaced by U+FFFD."""
    return re.sub(_UNPRINTABLE, "\ufffd", text)
