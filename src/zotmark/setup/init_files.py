"""The files ``zotmark init`` writes: the config (TOML text), the key file, an empty list.

Private files are created with mode 0600 from the start (never world-readable for an
instant); an existing config is never overwritten. The config never holds the key itself:
it names the environment variable, or the key file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from zotmark.errors import ConfigError
from zotmark.permissions import os_refusal

NEW_LIST = "# Reading list\n\n"


@dataclass(frozen=True, slots=True)
class ConfigChoices:
    """What the user chose, as the config states it."""

    base_url: str
    library_type: str
    library_id: str
    api_key_env: str
    api_key_file: Path | None
    list_file: str
    collection_key: str
    collection_name: str
    stream_url: str | None
    """``None``: the default (zotero.org's), ``""``: no streaming API, else the URL."""


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are all valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def config_text(choices: ConfigChoices) -> str:
    """The ``zotmark.toml`` for ``choices`` (relative paths are relative to the file)."""
    lines = [
        "# zotmark.toml — written by `zotmark init`; relative paths are relative to this file.",
        "# Every key is described in the README's configuration reference.",
        "",
        "[zotero]",
        f"library_type = {_toml(choices.library_type)}",
        f"library_id = {_toml(choices.library_id)}",
        f"api_key_env = {_toml(choices.api_key_env)}"
        "   # the key is read from this environment variable first",
    ]
    if choices.api_key_file is not None:
        lines.append(f"api_key_file = {_toml(str(choices.api_key_file))}   # else from this file")
    lines.append(f"base_url = {_toml(choices.base_url)}")
    if choices.stream_url == "":
        lines.append('stream_url = ""   # no streaming API on this server: the daemon polls')
    elif choices.stream_url is not None:
        lines.append(f"stream_url = {_toml(choices.stream_url)}")
    lines += [
        "",
        "[[lists]]",
        f"file = {_toml(choices.list_file)}",
        f"collection = {_toml(choices.collection_key)}   # “{_comment(choices.collection_name)}”",
        'read_tag = "read"',
        'flags = { "Relevant?" = "relevant" }',
        "",
    ]
    return "\n".join(lines)


def _comment(text: str) -> str:
    """Text safe inside a one-line TOML comment."""
    return " ".join(text.split())


def write_private(path: Path, text: str, *, overwrite: bool = False) -> None:
    """Write ``text`` to a new file readable by its owner only (mode 0600), its directory
    created (0700) if missing. An existing file raises ``ConfigError`` unless ``overwrite``."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
        descriptor = os.open(path, flags, 0o600)
    except FileExistsError:
        raise ConfigError(
            f"{path} already exists; zotmark init does not overwrite it. Remove it, or write "
            "the new config elsewhere with --config-out."
        ) from None
    except OSError as error:
        raise _cannot_create(path, error) from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # also when it existed (overwrite) with a wider mode


def create_list(path: Path) -> bool:
    """Create an empty reading list at ``path`` unless it exists; whether it was created."""
    if path.exists():
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            handle.write(NEW_LIST)
    except OSError as error:
        raise _cannot_create(path, error, "the list ") from None
    return True


def _cannot_create(path: Path, error: OSError, what: str = "") -> ConfigError:
    """``cannot create <what><path>: <reason>.``, with who owns the place and what to change
    when the reason is permission."""
    why = os_refusal(error, path, write=True)
    return ConfigError(f"cannot create {what}{path}: {why}{'' if why.endswith('.') else '.'}")
