"""The sections of the TOML configuration (DESIGN §5) as validated, immutable models.

``[zotero]`` (:class:`ZoteroSettings`), ``[state]`` (:class:`StateSettings`), ``[daemon]``
(:class:`DaemonSettings`) and each ``[[lists]]`` (:class:`ListSettings`). Each field states its
default, its allowed values and its meaning (the reference in ``config_docs`` is generated from
them); relative paths are resolved against the config file's directory, passed in the
validation context as ``base_dir``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

_KEY_ALPHABET = re.compile(r"[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}")
_LOOKS_LIKE_KEY = re.compile(r"(?=.*[a-z])(?=.*[0-9])[A-Za-z0-9]{24}")

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
"""A finite TOML integer or float (a string such as ``"60"``, ``inf`` and ``nan`` are refused)."""


def _resolve(value: Any, info: ValidationInfo) -> Any:
    """Turn a path string into an absolute Path against the config file's directory."""
    if isinstance(value, str) and value:
        path = Path(value).expanduser()
        base = (info.context or {}).get("base_dir")
        return path if path.is_absolute() or base is None else Path(base) / path
    return value


class Section(BaseModel):
    """A table of the file: unknown keys are refused, and the values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ZoteroSettings(Section):
    """``[zotero]``: which library, where the key comes from, which servers."""

    library_type: Literal["user", "group"] = "user"
    library_id: str = Field(default="", pattern=r"^[0-9]*$")
    api_key_env: str = Field(default="ZOTERO_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    api_key_file: Path | None = None
    base_url: str = Field(default="https://api.zotero.org", pattern=r"^https?://\S+$")
    stream_url: str = Field(default="wss://stream.zotero.org", pattern=r"^(wss?://\S+)?$")

    @field_validator("library_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("api_key_env", mode="before")
    @classmethod
    def _not_the_key_itself(cls, value: Any) -> Any:
        if isinstance(value, str) and _LOOKS_LIKE_KEY.fullmatch(value):
            raise ValueError(
                "it looks like an API key itself; it must be the *name* of the environment "
                "variable that holds the key (the value is not shown)"
            )
        return value

    @field_validator("api_key_file", mode="before")
    @classmethod
    def _key_path(cls, value: Any, info: ValidationInfo) -> Any:
        return None if value == "" else _resolve(value, info)

    @field_validator("base_url", "stream_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _group_needs_an_id(self) -> ZoteroSettings:
        if self.library_type == "group" and not self.library_id:
            raise ValueError("a group library needs library_id (the group's number)")
        return self


def _default_state_dir() -> Path:
    return Path(platformdirs.user_state_dir("zotmark"))


class StateSettings(Section):
    """``[state]``: where the sync state and the lock live (one zotmark per directory)."""

    dir: Path = Field(default_factory=_default_state_dir)

    @field_validator("dir", mode="before")
    @classmethod
    def _dir(cls, value: Any, info: ValidationInfo) -> Any:
        return _default_state_dir() if value == "" else _resolve(value, info)

    @field_validator("dir")
    @classmethod
    def _can_be_a_directory(cls, path: Path) -> Path:
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


class DaemonSettings(Section):
    """``[daemon]``: the poll interval and the quiet time after a file event."""

    poll_seconds: Number = Field(default=60.0, ge=1, le=86400)
    debounce_seconds: Number = Field(default=0.5, ge=0, le=60)


Conflict = Literal["markdown-wins", "zotero-wins", "fail"]
OnMarkdownDelete = Literal["remove-from-collection", "trash", "keep"]
OnZoteroDelete = Literal["strike", "remove", "keep"]


class LibraryRef(NamedTuple):
    """One Zotero library: ``("user", "")`` is the key's own user library."""

    library_type: str
    library_id: str


class ListSettings(Section):
    """One ``[[lists]]`` table: a Markdown file, its collection and its sync policies.

    ``library_type``/``library_id`` put the list in another library than ``[zotero]``'s (a
    group's, for a shared lab list); when both are unset the list uses ``[zotero]``'s library.
    """

    name: str = Field(min_length=1)
    file: Path
    collection: str = Field(min_length=1)
    library_type: Literal["user", "group"] | None = None
    library_id: str = Field(default="", pattern=r"^[0-9]*$")
    bibtex: Path | None = None
    read_tag: str = Field(default="read", min_length=1)
    flags: dict[str, str] = Field(default_factory=lambda: {"Relevant?": "relevant"})
    anchors: StrictBool = True
    conflict: Conflict = "markdown-wins"
    on_markdown_delete: OnMarkdownDelete = "remove-from-collection"
    on_zotero_delete: OnZoteroDelete = "strike"
    new_items_heading: str = ""
    enrich: StrictBool = True
    max_delete_fraction: Number = Field(default=0.25, ge=0, le=1)

    @model_validator(mode="before")
    @classmethod
    def _name_from_file(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data and isinstance(data.get("file"), str):
            return {"name": Path(data["file"]).stem, **data}
        return data

    @field_validator("file", "bibtex", mode="before")
    @classmethod
    def _paths(cls, value: Any, info: ValidationInfo) -> Any:
        if value == "":
            return None if info.field_name == "bibtex" else value
        return _resolve(value, info)

    @field_validator("flags")
    @classmethod
    def _flags(cls, flags: dict[str, str]) -> dict[str, str]:
        for label, tag in flags.items():
            if not label.strip() or not tag.strip():
                raise ValueError("flag labels and tags must not be empty")
        return flags

    @field_validator("library_id", mode="before")
    @classmethod
    def _list_id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _list_group_needs_an_id(self) -> ListSettings:
        if self.library_type == "group" and not self.library_id:
            raise ValueError("a group library needs library_id (the group's number)")
        return self

    @model_validator(mode="after")
    def _read_tag_is_not_a_flag(self) -> ListSettings:
        if self.read_tag in self.flags.values():
            raise ValueError(f"the tag {self.read_tag!r} is both read_tag and a flag's tag")
        return self

    @property
    def collection_key(self) -> str | None:
        """The collection as a Zotero key when ``collection`` is one (8 key characters)."""
        return self.collection if _KEY_ALPHABET.fullmatch(self.collection) else None
