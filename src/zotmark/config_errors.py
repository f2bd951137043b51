"""The problems found in a config file, as one paragraph a user can act on.

Each problem is one sentence naming the key path as it is written in TOML
(``lists[0].conflict``, ``zotero.library_id``), the value given, and what is allowed. Values
that may be secrets (unknown keys, ``api_key_env``) and whole tables or arrays are never
repeated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["Loc", "Problems", "key_path", "show"]

Loc = tuple[str | int, ...]
"""Where a value is in the file: ``("lists", 0, "file")``."""

SHOWN_PROBLEMS = 3
"""Problems the paragraph spells out; the rest are counted."""

_BARE_KEY = r"[A-Za-z0-9_-]+"  # (compiled on first use: a config without problems needs none)


def key_path(loc: Loc) -> str:
    """The TOML key path of a location: ``('lists', 0, 'file')`` → ``lists[0].file``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if re.fullmatch(_BARE_KEY, part) else json.dumps(part, ensure_ascii=False)
            text += f".{name}" if text else name
    return text or "the top level"


def show(value: Any) -> str:
    """A value as TOML would spell it, shortened."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 60 else value[:60] + "…", ensure_ascii=False)
    if isinstance(value, int | float):
        return repr(value)
    return type(value).__name__


class Problems:
    """The sentences about one config file, in the order they are found."""

    def __init__(self) -> None:
        self.sentences: list[str] = []

    def __len__(self) -> int:
        return len(self.sentences)

    def add(self, sentence: str) -> None:
        """A sentence of its own (it names its key)."""
        self.sentences.append(sentence)

    def missing(self, loc: Loc) -> None:
        """A required key is not there."""
        self.add(f"{key_path(loc)} is required but missing")

    def unknown(self, loc: Loc, allowed: Sequence[str]) -> None:
        """A key the section does not have (its value is never shown: it may be a key)."""
        self.add(f"{key_path(loc)} is not a known key (the keys allowed there are: "
                 f"{', '.join(allowed)})")  # fmt: skip

    def bad(self, loc: Loc, reason: str, value: Any = None, *, shown: bool = True) -> None:
        """The value at ``loc`` is wrong for ``reason``; the value is repeated unless it is
        not ``shown``, or is a table or an array."""
        key = key_path(loc)
        if shown and not isinstance(value, dict | list):
            key = f"{key} = {show(value)}"
        self.add(f"{key}: {reason}")

    def paragraph(self, path: Path) -> str:
        """One paragraph about the file: the first few problems, and how many more."""
        text = "; ".join(self.sentences[:SHOWN_PROBLEMS])
        more = len(self.sentences) - SHOWN_PROBLEMS
        if more > 0:
            text += f"; and {more} more problem{'s' if more > 1 else ''}"
        return f"invalid config file {path}: {text}."
