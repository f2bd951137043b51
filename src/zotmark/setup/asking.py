"""The questions of ``zotmark init``: what answers them (a person at a terminal, in the CLI's
``TerminalAsker``, or the defaults from the flags for scripts)."""

from __future__ import annotations

from typing import Protocol

from zotmark.errors import ConfigError
from zotmark.zotero.translate import KEYS_URL


class Asker(Protocol):
    """Asks the user; each answer defaults to ``default``. ``interactive``: a person answers."""

    interactive: bool

    def text(self, prompt: str, default: str) -> str: ...

    def secret(self, prompt: str) -> str: ...

    def confirm(self, prompt: str, default: bool) -> bool: ...


class Defaults:
    """The non-interactive :class:`Asker` (``--yes``): every answer is its default."""

    interactive = False

    def text(self, prompt: str, default: str) -> str:
        return default

    def secret(self, prompt: str) -> str:
        raise ConfigError(
            "no API key: set the environment variable named by --api-key-env (default "
            f"ZOTERO_API_KEY) to your Zotero API key (create one at {KEYS_URL})."
        )

    def confirm(self, prompt: str, default: bool) -> bool:
        return default
