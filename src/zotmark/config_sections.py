"""The sections of the TOML configuration (DESIGN §5) as immutable dataclasses.

``[zotero]`` (:class:`ZoteroSettings`), ``[state]`` (:class:`StateSettings`), ``[daemon]``
(:class:`DaemonSettings`) and each ``[[lists]]`` (:class:`ListSettings`). Each key is a field
declared with :func:`~zotmark.config_reader.setting`: its type, default and rules are what
:mod:`zotmark.config_reader` checks a file against and what the reference in ``config_docs``
is generated from. A section checks what involves several of its keys in ``__post_init__``
(a ``ValueError`` names the problem).

The module does without ``from __future__ import annotations``: the reader takes each field's
type as declared (:mod:`zotmark.config_reader`), which a string annotation is not.
"""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

from zotmark.config_reader import setting

# patterns as the keys' own (``setting(pattern=…)``): compiled on first use (``re``'s cache),
# not by every process that reads a config (~0.5M instructions each; issue 16)
_KEY_ALPHABET = r"[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}"
_LOOKS_LIKE_KEY = r"(?=.*[a-z])(?=.*[0-9])[A-Za-z0-9]{24}"

LIBRARY_ID_HINT = "it must be the library's number (digits only)"
GROUP_NEEDS_AN_ID = "a group library needs library_id (the group's number)"


def _not_the_key_itself(name: str) -> str:
    """Refuse an API key written where the name of its variable belongs."""
    if re.fullmatch(_LOOKS_LIKE_KEY, name):
        raise ValueError(
            "it looks like an API key itself; it must be the *name* of the environment "
            "variable that holds the key (the value is not shown)"
        )
    return name


def _no_trailing_slash(url: str) -> str:
    return url.rstrip("/")


LibraryType = Literal["user", "group"]


@dataclass(frozen=True, slots=True)
class ZoteroSettings:
    """``[zotero]``: which library, where the key comes from, which servers."""

    library_type: LibraryType = setting("user")
    library_id: str = setting("", pattern=r"[0-9]*", hint=LIBRARY_ID_HINT, integer_as_text=True)
    api_key_env: str = setting(
        "ZOTERO_API_KEY",
        pattern=r"[A-Za-z_][A-Za-z0-9_]*",
        hint="it must be the name of an environment variable, such as ZOTERO_API_KEY",
        secret=True,
        then=_not_the_key_itself,
    )
    api_key_file: Path | None = setting(None, empty_is_default=True)
    base_url: str = setting(
        "https://api.zotero.org",
        pattern=r"https?://\S+",
        hint="it must be an http:// or https:// URL",
        then=_no_trailing_slash,
    )
    stream_url: str = setting(
        "wss://stream.zotero.org",
        pattern=r"(wss?://\S+)?",
        hint='it must be a ws:// or wss:// URL, or "" to turn streaming off',
        then=_no_trailing_slash,
    )

    def __post_init__(self) -> None:
        if self.library_type == "group" and not self.library_id:
            raise ValueError(GROUP_NEEDS_AN_ID)


def _default_state_dir() -> Path:
    import platformdirs  # (only for a config that does not name its state directory)

    return Path(platformdirs.user_state_dir("zotmark"))


def _can_be_a_directory(path: Path) -> Path:
    """Refuse a path that is, or lies under, something other than a directory."""
    for existing in (path, *path.parents):
        if not os.path.lexists(existing):
            continue
        if existing.is_dir():
            return path
        raise ValueError(
            f"{existing} is a file, not a directory; point dir at a directory (it is "
            "created when missing), or leave it empty for the platform's default"
        )
    return path


@dataclass(frozen=True, slots=True)
class StateSettings:
    """``[state]``: where the sync state and the lock live (one zotmark per directory)."""

    dir: Path = setting(factory=_default_state_dir, empty_is_default=True, then=_can_be_a_directory)


@dataclass(frozen=True, slots=True)
class DaemonSettings:
    """``[daemon]``: the poll interval and the quiet time after a file event."""

    poll_seconds: float = setting(60.0, at_least=1, at_most=86400)
    debounce_seconds: float = setting(0.5, at_least=0, at_most=60)


Conflict = Literal["markdown-wins", "zotero-wins", "fail"]
OnMarkdownDelete = Literal["remove-from-collection", "trash", "keep"]
OnZoteroDelete = Literal["strike", "remove", "keep"]
Published = Literal["ignore", "update", "relate"]
StatusStore = Literal["tags", "reading-list-plugin"]

PLUGIN_STATUSES = {
    "To Read": "[ ]",
    "New": "[ ]",
    "In Progress": "[/]",
    "Read": "[x]",
    "Not Reading": "[-]",
}
"""The Zotero Reading List plugin's statuses and the box of the state each is (the first name
of a state is the one zotmark writes)."""
_BOXES = ("[ ]", "[/]", "[x]", "[-]")


class LibraryRef(NamedTuple):
    """One Zotero library: ``("user", "")`` is the key's own user library."""

    library_type: LibraryType
    library_id: str


def _name_from_file(table: Mapping[str, Any]) -> str | None:
    """A list's default name: its file's name without extension."""
    file = table.get("file")
    return Path(file).stem if isinstance(file, str) else None


def _statuses_complete(statuses: dict[str, str]) -> dict[str, str]:
    for name, box in statuses.items():
        if not name.strip() or box not in _BOXES:
            raise ValueError(
                f"plugin_statuses maps a status name to a box, one of {', '.join(_BOXES)}; "
                f"got {name!r} = {box!r}"
            )
    missing = [box for box in _BOXES if box not in statuses.values()]
    if missing:
        raise ValueError(f"plugin_statuses names no status for {', '.join(missing)}")
    return statuses


def _flags_not_empty(flags: dict[str, str]) -> dict[str, str]:
    for label, tag in flags.items():
        if not label.strip() or not tag.strip():
            raise ValueError("flag labels and tags must not be empty")
    return flags


CITEKEY_FORMULA = "auth.lower.default('anon') + year + veryshorttitle.lower"
"""The default citation key formula (``bibtex.formula.DEFAULT_FORMULA``: kept equal by a test;
written out here so that reading a config imports no formula code)."""


def _readable_formula(formula: str) -> str:
    """Refuse a citation key formula zotmark cannot read, saying what is wrong with it."""
    if formula == CITEKEY_FORMULA:
        return formula
    from zotmark.bibtex.formula import FormulaError, parse

    try:
        parse(formula)
    except FormulaError as error:
        raise ValueError(f'{error} (see README, "Citation keys")') from None
    return formula


@dataclass(frozen=True, slots=True)
class ListSettings:
    """One ``[[lists]]`` table: a Markdown file, its collection and its sync policies.

    ``library_type``/``library_id`` put the list in another library than ``[zotero]``'s (a
    group's, for a shared lab list); when both are unset the list uses ``[zotero]``'s library.
    """

    name: str = setting(min_length=1, derive=_name_from_file)
    file: Path = setting()
    collection: str = setting(min_length=1)
    library_type: LibraryType | None = setting(None)
    library_id: str = setting("", pattern=r"[0-9]*", hint=LIBRARY_ID_HINT, integer_as_text=True)
    bibtex: Path | None = setting(None, empty_is_default=True)
    citekey_formula: str = setting(CITEKEY_FORMULA, min_length=1, then=_readable_formula)
    citekeys_in_zotero: bool = setting(True)
    read_tag: str = setting("read", min_length=1)
    in_progress_tag: str = setting("reading", min_length=1)
    cancelled_tag: str = setting("not-reading", min_length=1)
    status_store: StatusStore = setting("tags")
    plugin_statuses: dict[str, str] = setting(
        factory=lambda: dict(PLUGIN_STATUSES), then=_statuses_complete
    )
    flags: dict[str, str] = setting(
        factory=lambda: {"Relevant?": "relevant"}, then=_flags_not_empty
    )
    anchors: bool = setting(True)
    conflict: Conflict = setting("markdown-wins")
    on_markdown_delete: OnMarkdownDelete = setting("remove-from-collection")
    on_zotero_delete: OnZoteroDelete = setting("strike")
    new_items_heading: str = setting("")
    enrich: bool = setting(True)
    published: Published = setting("ignore")
    published_check_days: float = setting(30.0, at_least=0)
    max_delete_fraction: float = setting(0.25, at_least=0, at_most=1)

    def __post_init__(self) -> None:
        if self.library_type == "group" and not self.library_id:
            raise ValueError(GROUP_NEEDS_AN_ID)
        status_tags = (self.read_tag, self.in_progress_tag, self.cancelled_tag)
        if len(set(status_tags)) < 3:
            raise ValueError("read_tag, in_progress_tag and cancelled_tag must be three tags")
        for key, tag in zip(
            ("read_tag", "in_progress_tag", "cancelled_tag"), status_tags, strict=True
        ):
            if tag in self.flags.values():
                raise ValueError(f"the tag {tag!r} is both {key} and a flag's tag")

    @property
    def collection_key(self) -> str | None:
        """The collection as a Zotero key when ``collection`` is one (8 key characters)."""
        return self.collection if re.fullmatch(_KEY_ALPHABET, self.collection) else None
