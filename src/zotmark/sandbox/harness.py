"""The in-process sandbox: start it, talk to it, inspect and steer it from Python.

``with start_sandbox() as sandbox:`` runs the server in a thread on an ephemeral port of
127.0.0.1 and yields a :class:`Sandbox` handle with the ``url``, ``api_key`` (read/write),
``readonly_key``, ``user_id`` and ``group_id`` to use, plus helpers that act on the libraries
directly (seed, inspect, edit as the Zotero app would), switch faults, read request stats and
re-raise exceptions the server hit (:meth:`Sandbox.check_errors`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zotmark.sandbox import backdoor
from zotmark.sandbox.app import SandboxApp
from zotmark.sandbox.context import SandboxState
from zotmark.sandbox.keys import new_api_key
from zotmark.sandbox.model import Library
from zotmark.sandbox.persistence import Saver, load_data
from zotmark.sandbox.server import ServerThread, bind_socket
from zotmark.sandbox.store import ApiKey, Group, Store, User

if TYPE_CHECKING:
    from pyzotero.zotero import Zotero


@dataclass(frozen=True)
class Identity:
    """Who the sandbox serves: one user with a read/write and a read-only key, and one group."""

    user_id: int = 1
    username: str = "sandbox-user"
    api_key: str = ""
    readonly_key: str = ""
    group_id: int = 100
    group_name: str = "Sandbox Group"


def build_store(identity: Identity) -> Store:
    """A fresh store with the identity's user, group, keys and empty libraries."""
    store = Store()
    store.add_user(User(identity.user_id, identity.username))
    store.add_group(
        Group(identity.group_id, identity.group_name, identity.user_id, [identity.user_id])
    )
    write_key = identity.api_key or new_api_key()
    read_key = identity.readonly_key or new_api_key()
    store.api_keys[write_key] = ApiKey(write_key, identity.user_id, True, {identity.group_id: True})
    store.api_keys[read_key] = ApiKey(read_key, identity.user_id, False, {identity.group_id: False})
    return store


def keys_of(store: Store) -> tuple[str, str]:
    """(read/write key, read-only key) of the store's first user."""
    writable = next(k.key for k in store.api_keys.values() if k.write)
    readonly = next((k.key for k in store.api_keys.values() if not k.write), writable)
    return writable, readonly


class Sandbox:
    """A running sandbox and everything a test, benchmark or demo needs from it."""

    def __init__(self, state: SandboxState, url: str) -> None:
        self.state = state
        self.url = url
        self.stream_url = "ws" + url[len("http") :] + "/"
        self.api_key, self.readonly_key = keys_of(state.store)
        user = next(iter(state.store.users.values()))
        self.user_id = user.id
        self.group_id = next(iter(state.store.groups))
        self._initial_latency_ms = state.latency_ms

    def __repr__(self) -> str:  # never shows the keys
        return f"<Sandbox {self.url} user={self.user_id} group={self.group_id}>"

    # --- libraries -------------------------------------------------------------------------
    def library(self, which: str = "user") -> Library:
        """``"user"``, ``"group"`` or a prefix such as ``"/groups/100"``."""
        prefix = {"user": f"/users/{self.user_id}", "group": f"/groups/{self.group_id}"}
        return self.state.store.libraries[prefix.get(which, which)]

    def library_version(self, which: str = "user") -> int:
        return self.library(which).version

    def add_items(self, items: list[dict[str, Any]], library: str = "user") -> list[str]:
        """Create (or partially update, when ``key`` exists) items; one version per item."""
        return backdoor.seed(self.state.store, self.library(library), "items", items)

    def add_collections(
        self, collections: list[dict[str, Any]], library: str = "user"
    ) -> list[str]:
        """Create (or partially update) collections; one version per collection."""
        return backdoor.seed(self.state.store, self.library(library), "collections", collections)

    def add_collection(self, name: str, library: str = "user", **data: Any) -> str:
        return self.add_collections([{"name": name, **data}], library)[0]

    def update_item(self, key: str, changes: dict[str, Any], library: str = "user") -> int:
        """Edit an item as the Zotero app would (partial update); return its new version."""
        self.add_items([{**copy.deepcopy(changes), "key": key}], library)
        return self.library(library).items[key].version

    def delete_item(self, key: str, library: str = "user") -> int:
        """Delete an item for good (it shows up in ``/deleted``); return the library version."""
        return backdoor.remove(self.state.store, self.library(library), "items", key)

    def delete_collection(self, key: str, library: str = "user") -> int:
        """Delete a collection for good as another client would (its items leave it without a
        new version, as on the real server); return the library version."""
        return backdoor.remove(self.state.store, self.library(library), "collections", key)

    def touch_item(self, key: str | None = None, library: str = "user") -> int:
        """A concurrent writer: bump an item's version (the newest when no key)."""
        return backdoor.touch(self.state.store, self.library(library), key)

    def items(self, library: str = "user") -> dict[str, dict[str, Any]]:
        """Every item's data (including trashed ones), keyed by item key."""
        return backdoor.snapshot(self.state.store, self.library(library), "items")

    def collections(self, library: str = "user") -> dict[str, dict[str, Any]]:
        return backdoor.snapshot(self.state.store, self.library(library), "collections")

    def deleted(self, library: str = "user") -> dict[str, dict[str, int]]:
        """The delete log: kind -> {key or name: version}."""
        with self.state.store.lock:
            return copy.deepcopy(self.library(library).deleted)

    # --- control ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Empty every library; clear faults, stats, captured errors and extra latency."""
        self.state.reset()
        self.state.latency_ms = self._initial_latency_ms

    def add_faults(self, spec: str) -> None:
        """Add fault rules (grammar in :mod:`zotmark.sandbox.faults`)."""
        self.state.faults.add(spec)

    def clear_faults(self) -> None:
        self.state.faults.clear()

    @property
    def latency_ms(self) -> float:
        return self.state.latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self.state.latency_ms = value

    def stats(self, *, log: bool = True) -> dict[str, Any]:
        """Request counters (``requests``, ``writes``, ``by_method``, ``by_route``, ...)."""
        return self.state.stats.snapshot(log=log)

    @property
    def request_count(self) -> int:
        return self.state.stats.total

    def reset_stats(self) -> None:
        self.state.stats.reset()

    def check_errors(self) -> None:
        """Re-raise (once) the first exception the server hit while serving."""
        if self.state.errors:
            first = self.state.errors[0]
            self.state.errors.clear()
            raise first

    def zotero(self, library: str = "user", *, readonly: bool = False) -> Zotero:
        """A pyzotero client for ``library``, pointed at this sandbox."""
        from pyzotero.zotero import Zotero

        library_id = self.user_id if library == "user" else self.group_id
        key = self.readonly_key if readonly else self.api_key
        client = Zotero(library_id, library, key)
        client.endpoint = self.url
        return client


@contextmanager
def start_sandbox(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    data: Path | None = None,
    latency_ms: float = 0.0,
    faults: str = "",
    identity: Identity | None = None,
) -> Iterator[Sandbox]:
    """Run a sandbox server in a background thread for the duration of the ``with`` block."""
    state = make_state(data, identity or Identity())
    state.latency_ms = latency_ms
    if faults:
        state.faults.add(faults)
    server = ServerThread(SandboxApp(state), bind_socket(host, port))
    server.start()
    saver = Saver(state.store, data) if data is not None else None
    try:
        yield Sandbox(state, server.url)
    finally:
        server.stop()
        if saver is not None:
            saver.close()


def make_state(data: Path | None, identity: Identity) -> SandboxState:
    """The server state: loaded from ``data`` (and its journal) when that file exists, else
    fresh."""
    store = build_store(identity)
    if data is not None and data.exists():
        load_data(store, data)
    return SandboxState(store)
