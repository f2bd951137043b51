"""The TOML configuration (DESIGN §5): finding, reading and validating it, and the API key.

:func:`load_config` returns a validated, immutable :class:`Config` or raises
:class:`~zotmark.errors.ConfigError` with one paragraph naming the file, the key path (such as
``lists[0].conflict``), the value given and what is allowed. Relative paths in the file are
resolved against the file's directory. The API key is never part of the config: it is read on
demand by :meth:`Config.api_key` and travels as an :class:`ApiKey`, which masks itself.

The module does without ``from __future__ import annotations``, as its sections do
(:mod:`zotmark.config_sections`).
"""

import builtins
import json
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from zotmark.api_key import ApiKey
from zotmark.config_errors import Problems
from zotmark.config_paths import CONFIG_FILENAME, default_config_path, user_config_path
from zotmark.config_reader import read_section, setting
from zotmark.config_sections import (
    DaemonSettings,
    LibraryRef,
    ListSettings,
    StateSettings,
    ZoteroSettings,
)
from zotmark.errors import AccessError, ConfigError
from zotmark.permissions import missing_mount_hint, os_refusal

__all__ = [
    "CONFIG_FILENAME",
    "ApiKey",
    "Config",
    "DaemonSettings",
    "LibraryRef",
    "ListSettings",
    "StateSettings",
    "ZoteroSettings",
    "default_config_path",
    "load_config",
    "user_config_path",
]


def _unique_names(lists: tuple[ListSettings, ...]) -> tuple[ListSettings, ...]:
    """Refuse two lists of one name (``--list NAME`` must pick one)."""
    seen: dict[str, int] = {}
    for index, settings in enumerate(lists):
        if settings.name in seen:
            raise ValueError(
                f"lists[{seen[settings.name]}] and lists[{index}] are both named "
                f'"{settings.name}"; give one of them another name (name = "…")'
            )
        seen[settings.name] = index
    return lists


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The whole configuration. Build it with :func:`load_config`; ``path`` is the file it was
    read from, ``environ`` where :meth:`api_key` looks up the key's variable."""

    zotero: ZoteroSettings = setting(factory=ZoteroSettings)
    state: StateSettings = setting(factory=StateSettings)
    daemon: DaemonSettings = setting(factory=DaemonSettings)
    lists: tuple[ListSettings, ...] = setting(then=_unique_names)
    path: Path = field(default=Path(CONFIG_FILENAME), compare=False)
    environ: Mapping[str, str] = field(
        default_factory=lambda: os.environ, repr=False, compare=False
    )

    def list(self, name: str | None) -> ListSettings:
        """The list called ``name``; with ``None``, the only list (an error if there are several).

        Raises ``ConfigError`` naming the configured lists when there is no such list.
        """
        names = ", ".join(repr(s.name) for s in self.lists)
        if name is None:
            if len(self.lists) == 1:
                return self.lists[0]
            raise ConfigError(f"{self.path} has several lists ({names}); choose one with --list.")
        for settings in self.lists:
            if settings.name == name:
                return settings
        raise ConfigError(f"{self.path} has no list named {name!r}; its lists are: {names}.")

    def select(self, name: str | None) -> tuple[ListSettings, ...]:
        """The lists a command works on: all of them for ``None``, else the one named."""
        return self.lists if name is None else (self.list(name),)

    def library(self, settings: ListSettings) -> LibraryRef:
        """The library ``settings`` lives in: the list's own ``library_type``/``library_id``
        when it sets either (a missing type is ``[zotero]``'s), else ``[zotero]``'s library."""
        zotero = self.zotero
        if settings.library_type is None and not settings.library_id:
            return LibraryRef(zotero.library_type, zotero.library_id)
        return LibraryRef(settings.library_type or zotero.library_type, settings.library_id)

    def state_key(self, settings: ListSettings) -> str:
        """What identifies a list's sync state: its file's resolved absolute path with the
        server, library and collection it syncs with (a JSON array), never the file's name,
        so that any number of configs and projects can share one state directory."""
        library = self.library(settings)
        return json.dumps(
            [
                str(settings.file.expanduser().resolve()),
                self.zotero.base_url.rstrip("/"),
                library.library_type,
                library.library_id,
                settings.collection,
            ],
            ensure_ascii=False,
        )

    def for_library(self, library: LibraryRef) -> "Config":
        """This configuration with ``[zotero]`` pointing at ``library`` (what a client factory
        is given for a list in another library); the file path and environment are kept."""
        zotero = replace(
            self.zotero, library_type=library.library_type, library_id=library.library_id
        )
        return replace(self, zotero=zotero)

    def api_key(self) -> ApiKey:
        """Read the API key: from the variable ``api_key_env`` first, then from ``api_key_file``.

        Whitespace around the key is stripped. Raises ``ConfigError`` (exit 2) when neither
        holds a key.
        """
        zotero = self.zotero
        from_env = self.environ.get(zotero.api_key_env, "").strip()
        if from_env:
            return ApiKey(from_env)
        if zotero.api_key_file is not None and zotero.api_key_file.exists():
            return ApiKey(_read_key_file(zotero.api_key_file))
        where = (
            f"create the key file {zotero.api_key_file}"
            if zotero.api_key_file is not None
            else f"set zotero.api_key_file in {self.path} to a file holding it"
        )
        raise ConfigError(
            f"no Zotero API key: set the environment variable {zotero.api_key_env}, or {where}. "
            "Create a key at https://www.zotero.org/settings/keys."
        )

    def warnings(self) -> builtins.list[str]:
        """Warnings about the config and key files (a config or key file others can read)."""
        files = [self.path]
        if self.zotero.api_key_file is not None:
            files.append(self.zotero.api_key_file)
        return [warning for path in files if (warning := _exposure_warning(path))]


def _read_key_file(path: Path) -> str:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise ConfigError(f"cannot read the API key file {path}: {reason}.") from error
    if not key:
        raise ConfigError(f"the API key file {path} is empty; put the Zotero API key in it.")
    if len(key.split()) != 1:
        raise ConfigError(f"the API key file {path} must hold the key alone (one word).")
    return key


def _exposure_warning(path: Path) -> str | None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        return (
            f"{path} is readable by other users (mode {mode:04o}); "
            f"make it private with: chmod 600 {path}"
        )
    return None


def load_config(path: Path | None, *, environ: Mapping[str, str] = os.environ) -> Config:
    """Read and validate the configuration at ``path`` (``None``: :func:`default_config_path`).

    ``environ`` is where :meth:`Config.api_key` looks up the key's variable. Raises
    ``ConfigError`` for a missing, unreadable, malformed or invalid file.
    """
    path = (path or default_config_path()).expanduser().absolute()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        hint = missing_mount_hint(path)
        raise ConfigError(
            f"the config file {path} does not exist; create it (see config/zotmark.toml in "
            f"zotmark's sources) or run `zotmark init`.{' ' + hint if hint else ''}"
        ) from None
    except PermissionError as error:
        raise AccessError(
            f"cannot read the config file {path}: {os_refusal(error, path, write=False)}"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise ConfigError(f"cannot read the config file {path}: {reason}.") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}.") from error
    problems = Problems()
    config = read_section(Config, data, (), problems, path.parent, path=path, environ=environ)
    if config is None:
        raise ConfigError(problems.paragraph(path))
    return config
