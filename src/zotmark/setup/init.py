"""``zotmark init``: from an API key to a working ``zotmark.toml`` in one guided step.

:class:`Init` validates the key (``/keys/current``: whose it is, whether it may write the
library), picks or creates the collection, offers to put the tags ``read`` and ``relevant`` on
Zotero's number keys 1 and 2 (keeping the user's other coloured tags), writes the config (mode
0600; never the key itself) and, if asked, the key file (mode 0600), and runs a dry-run sync.
Every question goes through an :class:`~zotmark.setup.asking.Asker`: its ``Defaults``
answer them from the flags for scripts (and fails clearly when a needed answer is missing).

Nothing is changed in Zotero before the config is written: every question is asked first, then
the config is written (naming a new collection by the key it will be created under), then the
collection is created and the tag colours are set. A key that cannot write the library is
refused before anything else, and a person at a terminal is asked for another one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from rich.console import RenderableType
from rich.table import Table

from zotmark.config import load_config
from zotmark.core.model import new_item_key
from zotmark.errors import AuthError, ConfigError, ZotmarkError
from zotmark.presentation.render import plan_lines
from zotmark.setup.asking import Asker
from zotmark.setup.init_files import ConfigChoices, config_text, create_list, write_private
from zotmark.setup.stream_probe import probe_stream, stream_url_of
from zotmark.sync.report import RunReport
from zotmark.sync.session import open_session
from zotmark.zotero.client import DEFAULT_BASE_URL, ZoteroClient
from zotmark.zotero.results import CollectionInfo, KeyInfo
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


@dataclass(frozen=True, slots=True)
class Collection:
    """The chosen collection: its key (chosen here when it is new) and name."""

    key: str
    name: str
    new: bool


@dataclass
class Init:
    """One ``zotmark init`` (see the module docstring); :meth:`run` returns the config path.

    ``stream_probe`` tells whether a URL serves the streaming API (for a server other than
    zotero.org, such as the sandbox); ``randbelow`` picks a new collection's key."""

    options: InitOptions
    ask: Asker
    say: Callable[[RenderableType], None]
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    stream_probe: Callable[[str], bool] = probe_stream
    randbelow: Callable[[int], int] = secrets.randbelow
    _chosen: dict[str, str] = field(default_factory=dict, init=False)

    def run(self) -> Path:
        """Do every step; raises ``ZotmarkError`` subclasses with advice on the way out."""
        out = self.options.config_out.expanduser().absolute()
        if out.exists():
            raise ConfigError(
                f"{out} already exists; zotmark init does not overwrite it. Remove it, or write "
                "the new config elsewhere with --config-out."
            )
        key, from_env = self._key()
        key, library = self._key_and_library(key, retry=self.ask.interactive and not from_env)
        with ZoteroClient(library.library_type, library.library_id, key, self._base) as client:
            collection = self._collection(client)
            colours = self._want_tag_colors()
            key_file = self._store_key(key, out) if not from_env else self.options.key_file
            if key_file is not None and from_env:
                write_private(key_file, key + "\n", overwrite=True)
            choices = ConfigChoices(
                self._base, library.library_type, library.library_id, self.options.api_key_env,
                key_file, self.options.list_file, collection.key, collection.name,
                stream_url=self._stream_url(),
            )  # fmt: skip
            self._write(out, choices)
            if collection.new:
                self._create(client, collection, out)
        if colours:
            self._tag_colors(key, library)
        if self.options.dry_run:
            self._dry_run(out, key)
        return out

    def _stream_url(self) -> str | None:
        """The config's ``stream_url``: ``None`` (the default) for zotero.org, the server's
        own WebSocket root when it answers there (the sandbox), else ``""`` (poll only)."""
        if self._base == DEFAULT_BASE_URL:
            return None
        url = stream_url_of(self._base)
        return url if self.stream_probe(url) else ""

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

    def _key_and_library(self, key: str, *, retry: bool) -> tuple[str, Library]:
        """The key and the library it may read and write; with ``retry`` (a person typed the
        key), a refused or read-only key is asked for again, up to ``KEY_TRIES`` keys."""
        for attempt in range(1, KEY_TRIES + 1):
            try:
                library = self._library(self._key_info(key))
            except AuthError as refused:
                if attempt == KEY_TRIES or not retry:
                    raise
                self.say(f"{refused.message} Enter another key.")
                key = self.ask.secret("Zotero API key (input hidden)").strip()
                continue
            self.say(f"Key OK: it may read and write {library.words}.")
            return key, library
        raise AssertionError("unreachable")

    def _key_info(self, key: str) -> KeyInfo:
        """What the key may do (``AuthError`` for a refused key)."""
        try:
            with ZoteroClient("user", "", key, self._base) as client:
                return client.key_info()
        except AuthError:
            raise AuthError(
                f"The Zotero server at {self._base} refused the API key {mask(key)} (a "
                f"mistyped, revoked or deleted key). Copy the key again from {KEYS_URL} (or "
                "create a new one there, with write access) and run zotmark init again."
            ) from None

    def _library(self, info: KeyInfo) -> Library:
        """Choose the library; refuse one the key cannot read and write."""
        self.say(f"The key belongs to {info.username or 'user'} (user id {info.user_id}).")
        library = self._choose_library(info)
        write = "yes" if library.can_write else "NO"
        read = "yes" if library.can_read else "NO"
        self.say(f"Library: {library.words}; read access: {read}, write access: {write}.")
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
        """The library to sync: from the flags, else asked (once: a key typed again after a
        refusal is checked against the same library)."""
        kind = self.options.library_type or self._chosen.get("type")
        groups = sorted(g for g in info.groups if g != "all")
        if kind is None and (groups or "all" in info.groups):
            answer = self.ask.text("Library: your own (user) or a group (group)?", "user")
            kind = "group" if answer.strip().lower().startswith("g") else "user"
        self._chosen["type"] = kind or "user"
        if (kind or "user") == "user":
            return Library("user", str(info.user_id), info.can_read, info.can_write)
        group_id = (
            self.options.library_id
            or self._chosen.get("group")
            or self.ask.text(
                f"Group id (the key can reach: {', '.join(groups) or 'all groups'})",
                groups[0] if len(groups) == 1 else "",
            )
        )
        self._chosen["group"] = group_id
        if not group_id.strip().isdigit():
            raise ConfigError("a group library needs its number: pass --library-id N.")
        access = info.groups.get(group_id.strip()) or info.groups.get("all")
        read, write = (access.read, access.write) if access else (False, False)
        return Library("group", group_id.strip(), read, write)

    # --- the collection and the tag colours ---------------------------------------------------

    def _collection(self, client: ZoteroClient) -> Collection:
        """The chosen collection; a new one gets its key here and is created only after the
        config is written (:meth:`_create`)."""
        existing = client.collections()
        wanted = self.options.collection
        if wanted is None and self.ask.interactive:
            if existing:
                self.say(collections_table(existing))
                prompt = (
                    "Collection to sync (a number above, a name or a key; a new name creates it)"
                )
            else:
                self.say("This library has no collections yet: zotmark creates one for the list.")
                prompt = "Name of the collection to create"
            wanted = self.ask.text(prompt, DEFAULT_COLLECTION)
        wanted = (wanted or DEFAULT_COLLECTION).strip()
        if wanted.isdigit() and 1 <= int(wanted) <= len(existing):
            chosen = existing[int(wanted) - 1]
            self.say(f"Collection: “{chosen.name}” ({chosen.key}).")
            return Collection(chosen.key, chosen.name, new=False)
        for info in existing:
            if wanted in (info.key, info.name):
                self.say(f"Collection: “{info.name}” ({info.key}).")
                return Collection(info.key, info.name, new=False)
        if not self.ask.confirm(f"Create the collection “{wanted}” in Zotero?", True):
            raise ConfigError("no collection chosen; run zotmark init again to pick one.")
        return Collection(new_item_key(self.randbelow), wanted, new=True)

    def _create(self, client: ZoteroClient, collection: Collection, out: Path) -> None:
        """Create the new collection under the key the config names; if that fails, take the
        config back (it would name a collection that does not exist)."""
        try:
            client.create_collection(collection.name, key=collection.key)
        except ZotmarkError:
            out.unlink(missing_ok=True)
            self.say(f"Removed {out} again: its collection could not be created.")
            raise
        self.say(f"Created the collection “{collection.name}” ({collection.key}).")

    def _want_tag_colors(self) -> bool:
        """Whether to put ``read`` and ``relevant`` on the number keys (asked, or the flag)."""
        if self.options.tag_colors is not None:
            return self.options.tag_colors
        return self.ask.confirm(
            "Put the tags “read” and “relevant” on the keys 1 and 2 in Zotero (coloured "
            "tags: one keystroke toggles them; your other colours are kept)?",
            True,
        )

    def _tag_colors(self, key: str, library: Library) -> None:
        """Put ``read`` and ``relevant`` on the number keys 1 and 2 (other colours kept)."""
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
    """One list's dry-run plan, its first lines (new items without keys: the real sync picks
    its own)."""
    lines = plan_lines(report.plan, new_keys=False)
    shown = [f"  {line}" for line in lines[:SHOWN_PLAN_LINES]]
    if len(lines) > SHOWN_PLAN_LINES:
        shown.append(f"  … and {len(lines) - SHOWN_PLAN_LINES} more")
    return "\n".join([f"{report.list_name}: {report.summary}", *shown])
