"""``zotmark init``: from an API key to a working ``zotmark.toml`` in one guided step.

:class:`Init` validates the key (``/keys/current``: whose it is, whether it may write the
library), picks or creates the collection, offers to put the tags ``read`` and ``relevant`` on
Zotero's number keys 1 and 2 (keeping the user's other coloured tags), writes the config (mode
0600; never the key itself) and, if asked, the key file (mode 0600), and runs a dry-run sync.
Every question goes through an :class:`Asker`: :class:`Defaults` answers them from the flags
for scripts (and fails clearly when a needed answer is missing).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import platformdirs
import typer
from rich.console import RenderableType
from rich.table import Table

from zotmark.config import load_config
from zotmark.errors import AuthError, ConfigError
from zotmark.service.app import open_session
from zotmark.service.init_files import ConfigChoices, config_text, create_list, write_private
from zotmark.service.render import plan_lines
from zotmark.service.runner import RunReport
from zotmark.zotero.client import DEFAULT_BASE_URL, CollectionInfo, KeyInfo, ZoteroClient
from zotmark.zotero.settings import LibrarySettings
from zotmark.zotero.translate import KEYS_URL, mask

DEFAULT_COLLECTION = "Reading List"
KEY_TRIES = 3
SHOWN_PLAN_LINES = 15


@dataclass(frozen=True, slots=True)
class InitOptions:
    """The flags of ``zotmark init`` (``None``: ask, or take the default without a terminal)."""

    base_url: str = DEFAULT_BASE_URL
    api_key_env: str = "ZOTERO_API_KEY"
    key_file: Path | None = None
    library_type: str | None = None
    library_id: str = ""
    collection: str | None = None
    list_file: str = "reading-list.md"
    tag_colors: bool | None = None
    config_out: Path = Path("zotmark.toml")
    dry_run: bool = True


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


class TerminalAsker:
    """The interactive :class:`Asker`: questions on the terminal, the key's input hidden."""

    interactive = True

    def text(self, prompt: str, default: str) -> str:
        return str(typer.prompt(prompt, default=default or None))

    def secret(self, prompt: str) -> str:
        return str(typer.prompt(prompt, hide_input=True))

    def confirm(self, prompt: str, default: bool) -> bool:
        return bool(typer.confirm(prompt, default=default))


@dataclass(frozen=True, slots=True)
class Library:
    """The chosen library and what the key may do there."""

    library_type: str
    library_id: str
    can_read: bool
    can_write: bool

    @property
    def words(self) -> str:
        kind = "your personal library" if self.library_type == "user" else "group"
        return f"{kind} {self.library_id}" if self.library_type == "group" else kind


@dataclass
class Init:
    """One ``zotmark init`` (see the module docstring); :meth:`run` returns the config path."""

    options: InitOptions
    ask: Asker
    say: Callable[[RenderableType], None]
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    def run(self) -> Path:
        """Do every step; raises ``ZotmarkError`` subclasses with advice on the way out."""
        out = self.options.config_out.expanduser().absolute()
        if out.exists():
            raise ConfigError(
                f"{out} already exists; zotmark init does not overwrite it. Remove it, or write "
                "the new config elsewhere with --config-out."
            )
        key, from_env = self._key()
        key, info = self._key_info(key, retry=self.ask.interactive and not from_env)
        library = self._library(info)
        with ZoteroClient(library.library_type, library.library_id, key, self._base) as client:
            collection_key, collection_name = self._collection(client)
        self._tag_colors(key, library)
        key_file = self._store_key(key, out) if not from_env else self.options.key_file
        if key_file is not None and from_env:
            write_private(key_file, key + "\n", overwrite=True)
        choices = ConfigChoices(
            self._base, library.library_type, library.library_id, self.options.api_key_env,
            key_file, self.options.list_file, collection_key, collection_name,
            stream=self._base == DEFAULT_BASE_URL,
        )  # fmt: skip
        self._write(out, choices)
        if self.options.dry_run:
            self._dry_run(out, key)
        return out

    @property
    def _base(self) -> str:
        return self.options.base_url.rstrip("/")

    # --- the key ------------------------------------------------------------------------------

    def _key(self) -> tuple[str, bool]:
        """The API key and whether it came from the environment."""
        name = self.options.api_key_env
        from_env = self.environ.get(name, "").strip()
        if from_env:
            self.say(f"Using the API key in ${name} ({mask(from_env)}).")
            return from_env, True
        if self.ask.interactive:
            self.say(f"Create a key with write access at {KEYS_URL}/new if you have none.")
        return self.ask.secret("Zotero API key (input hidden)").strip(), False

    def _key_info(self, key: str, *, retry: bool) -> tuple[str, KeyInfo]:
        """The key and what it may do; with ``retry``, a refused key is asked for again."""
        for attempt in range(1, KEY_TRIES + 1):
            try:
                with ZoteroClient("user", "", key, self._base) as client:
                    return key, client.key_info()
            except AuthError:
                refused = (
                    f"The Zotero server at {self._base} refused the API key {mask(key)} (a "
                    "mistyped, revoked or deleted key)."
                )
                if attempt == KEY_TRIES or not retry:
                    raise AuthError(
                        f"{refused} Copy the key again from {KEYS_URL} (or create a new one "
                        "there, with write access) and run zotmark init again."
                    ) from None
                self.say(f"{refused} Try again.")
                key = self.ask.secret("Zotero API key (input hidden)").strip()
        raise AssertionError("unreachable")

    def _library(self, info: KeyInfo) -> Library:
        """Choose the library; refuse one the key cannot read and write."""
        self.say(f"Key OK: it belongs to {info.username or 'user'} (user id {info.user_id}).")
        library = self._choose_library(info)
        write = "yes" if library.can_write else "NO"
        self.say(f"Library: {library.words}; read access: yes, write access: {write}.")
        if not library.can_read:
            raise AuthError(
                f"The API key has no access to {library.words}. At {KEYS_URL}, edit the key "
                "and give it access to that library (for a group: under “Groups”), or check "
                "--library-type and --library-id; then run zotmark init again."
            )
        if not library.can_write:
            raise AuthError(
                f"The API key is read-only for {library.words}; zotmark needs write access (it "
                f"creates items and sets tags). At {KEYS_URL}, edit the key and tick “Allow "
                "write access” (for a group: set its permission to “Read/Write”), then run "
                "zotmark init again."
            )
        return library

    def _choose_library(self, info: KeyInfo) -> Library:
        kind = self.options.library_type
        groups = sorted(g for g in info.groups if g != "all")
        if kind is None and (groups or "all" in info.groups):
            answer = self.ask.text("Library: your own (user) or a group (group)?", "user")
            kind = "group" if answer.strip().lower().startswith("g") else "user"
        if (kind or "user") == "user":
            return Library("user", str(info.user_id), info.can_read, info.can_write)
        group_id = self.options.library_id or self.ask.text(
            f"Group id (the key can reach: {', '.join(groups) or 'all groups'})",
            groups[0] if len(groups) == 1 else "",
        )
        if not group_id.strip().isdigit():
            raise ConfigError("a group library needs its number: pass --library-id N.")
        access = info.groups.get(group_id.strip()) or info.groups.get("all")
        read, write = (access.read, access.write) if access else (False, False)
        return Library("group", group_id.strip(), read, write)

    # --- the collection and the tag colours ---------------------------------------------------

    def _collection(self, client: ZoteroClient) -> tuple[str, str]:
        """The chosen collection's key and name (created when it is a new name)."""
        existing = client.collections()
        wanted = self.options.collection
        if wanted is None and self.ask.interactive:
            if existing:
                self.say(collections_table(existing))
            wanted = self.ask.text(
                "Collection to sync (a number above, a name or a key; a new name creates it)",
                DEFAULT_COLLECTION,
            )
        wanted = (wanted or DEFAULT_COLLECTION).strip()
        if wanted.isdigit() and 1 <= int(wanted) <= len(existing):
            chosen = existing[int(wanted) - 1]
            return chosen.key, chosen.name
        for info in existing:
            if wanted in (info.key, info.name):
                self.say(f"Collection: “{info.name}” ({info.key}).")
                return info.key, info.name
        if not self.ask.confirm(f"Create the collection “{wanted}” in Zotero?", True):
            raise ConfigError("no collection chosen; run zotmark init again to pick one.")
        key = client.find_or_create_collection(wanted)
        self.say(f"Created the collection “{wanted}” ({key}).")
        return key, wanted

    def _tag_colors(self, key: str, library: Library) -> None:
        """Offer ``read`` and ``relevant`` on the number keys 1 and 2 (colours kept)."""
        wanted = self.options.tag_colors
        if wanted is None:
            wanted = self.ask.confirm(
                "Put the tags “read” and “relevant” on the keys 1 and 2 in Zotero (coloured "
                "tags: one keystroke toggles them; your other colours are kept)?",
                True,
            )
        if not wanted:
            return
        with LibrarySettings(library.library_type, library.library_id, key, self._base) as lib:
            colors = lib.assign_keys(["read", "relevant"])
        listed = ", ".join(f"{i}: {name}" for i, name in enumerate(colors.names, 1))
        self.say(f"Coloured tags in Zotero: {listed}.")

    # --- files and the dry run ----------------------------------------------------------------

    def _store_key(self, key: str, out: Path) -> Path | None:
        """Where the typed key is kept (a 0600 file), or ``None`` to use the variable."""
        path = self.options.key_file or default_key_file()
        if not self.ask.confirm(f"Save the key in {path} (readable by you only)?", True):
            self.say(
                f"Then set ${self.options.api_key_env} to the key before running zotmark "
                f"(e.g. in your shell profile)."
            )
            return None
        write_private(path, key + "\n", overwrite=True)
        self.say(f"Saved the key in {path} (mode 0600).")
        return path

    def _write(self, out: Path, choices: ConfigChoices) -> None:
        list_path = Path(choices.list_file).expanduser()
        list_path = list_path if list_path.is_absolute() else out.parent / list_path
        if create_list(list_path):
            self.say(f"Created an empty reading list {list_path}.")
        write_private(out, config_text(choices))
        self.say(f"Wrote {out} (mode 0600; it names where the key is, never the key).")

    def _dry_run(self, out: Path, key: str) -> None:
        """``zotmark sync --dry-run`` with the new config: what the first sync will do."""
        environ = {**self.environ, self.options.api_key_env: key}
        config = load_config(out, environ=environ)
        self.say(f"Dry run (zotmark sync --dry-run --config {out}):")
        with open_session(config) as session:
            reports = session.sync(None, dry_run=True)
        for report in reports:
            self.say(dry_run_text(report))
        self.say("Next: `zotmark sync` to sync for real, or `zotmark daemon` to keep syncing.")


def default_key_file() -> Path:
    """Where a typed key is kept by default: ``api-key`` in the user config directory."""
    return Path(platformdirs.user_config_dir("zotmark")) / "api-key"


def collections_table(collections: list[CollectionInfo]) -> Table:
    """The library's collections, numbered for the choice."""
    table = Table(title="Collections in this library")
    table.add_column("#", justify="right")
    table.add_column("name")
    table.add_column("key", no_wrap=True)
    for number, info in enumerate(collections, 1):
        table.add_row(str(number), info.name, info.key)
    return table


def dry_run_text(report: RunReport) -> str:
    """One list's dry-run plan, its first lines."""
    lines = plan_lines(report.plan)
    shown = [f"  {line}" for line in lines[:SHOWN_PLAN_LINES]]
    if len(lines) > SHOWN_PLAN_LINES:
        shown.append(f"  … and {len(lines) - SHOWN_PLAN_LINES} more")
    return "\n".join([f"{report.list_name}: {report.summary}", *shown])
