"""What the contract suite needs of a target: a library behind the port, and another client.

A :class:`World` is one target of the suite: ``library`` (the port under test) and the hands of
another client (the Zotero app) that seed and edit the same library behind the port's back.
:class:`TwinWorld` is the twin's; :class:`HttpWorld` is a plain Web API client, for the
sandbox and a real server alike. Keys and names are fresh per world, so tests on a real,
non-empty library only ever look at what they made (and :meth:`HttpWorld.clean_up` deletes it).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Protocol

import httpx2

from zotmark.core.model import new_item_key
from zotmark.core.port import Library
from zotmark.zotero.twin import TwinLibrary


class World(Protocol):
    """One target of the contract suite."""

    @property
    def library(self) -> Library:
        """The library under test."""
        ...

    def new_key(self) -> str:
        """A fresh item key for a client-chosen create."""
        ...

    def name(self, label: str) -> str:
        """``label`` made unique to this world (titles and collection names)."""
        ...

    def app_add(self, data: Mapping[str, Any]) -> str:
        """Another client creates an item of ``data``; its key."""
        ...

    def app_edit(self, key: str, changes: Mapping[str, Any]) -> None:
        """Another client PATCHes item ``key`` with ``changes``."""
        ...

    def app_delete(self, key: str) -> None:
        """Another client deletes item ``key`` for good."""
        ...

    def data(self, key: str) -> dict[str, Any] | None:
        """Item ``key``'s data as the server holds it now, or ``None`` when it has none."""
        ...

    def app_add_collection(self, name: str, *, trashed: bool = False) -> str:
        """Another client creates a top-level collection (in the trash with ``trashed``)."""
        ...

    def app_delete_collection(self, key: str) -> None:
        """Another client deletes collection ``key`` for good."""
        ...


class TwinWorld:
    """The twin, with its own test hooks as the other client."""

    def __init__(self) -> None:
        self.twin = TwinLibrary(seed=16)
        self._serial = 0

    @property
    def library(self) -> Library:
        return self.twin

    def new_key(self) -> str:
        return new_item_key(secrets.randbelow)

    def name(self, label: str) -> str:
        self._serial += 1
        return f"{label} {self._serial}"

    def app_add(self, data: Mapping[str, Any]) -> str:
        return self.twin.app_add(data)

    def app_edit(self, key: str, changes: Mapping[str, Any]) -> None:
        self.twin.app_edit(key, changes)

    def app_delete(self, key: str) -> None:
        self.twin.app_delete(key)

    def data(self, key: str) -> dict[str, Any] | None:
        return self.twin.item_data(key)

    def app_add_collection(self, name: str, *, trashed: bool = False) -> str:
        return self.twin.app_add_collection(name, trashed=trashed)

    def app_delete_collection(self, key: str) -> None:
        self.twin.app_delete_collection(key)


class HttpWorld:
    """Another client of the user library at ``base_url`` through the plain Web API, with
    the same key as the library under test (never shown: not in ``repr``, not in messages)."""

    def __init__(self, library: Library, base_url: str, api_key: str, user_id: int) -> None:
        self._library = library
        self._run = secrets.token_hex(3)
        self._made: list[str] = []
        self._serial = 0
        headers = {"Zotero-API-Key": api_key, "Zotero-API-Version": "3"}
        loopback = httpx2.URL(base_url).host in ("127.0.0.1", "localhost", "::1")
        self._http = httpx2.Client(
            base_url=f"{base_url.rstrip('/')}/users/{user_id}",
            headers=headers,
            trust_env=not loopback,  # a real server may sit behind the environment's proxy
        )

    def __repr__(self) -> str:
        return f"HttpWorld({self._http.base_url})"

    @property
    def library(self) -> Library:
        return self._library

    def new_key(self) -> str:
        key = new_item_key(secrets.randbelow)
        self._made.append(key)
        return key

    def name(self, label: str) -> str:
        self._serial += 1
        return f"zotmark-contract {self._run} {label} {self._serial}"

    def app_add(self, data: Mapping[str, Any]) -> str:
        key = self.new_key()
        response = self._http.post("/items", json=[{**data, "key": key, "version": 0}])
        response.raise_for_status()
        assert "0" in response.json()["successful"], response.text
        return key

    def app_edit(self, key: str, changes: Mapping[str, Any]) -> None:
        headers = {"If-Unmodified-Since-Version": str(self._version_of(key))}
        self._http.patch(f"/items/{key}", json=dict(changes), headers=headers).raise_for_status()

    def app_delete(self, key: str) -> None:
        headers = {"If-Unmodified-Since-Version": str(self._version_of(key))}
        self._http.delete(f"/items/{key}", headers=headers).raise_for_status()

    def data(self, key: str) -> dict[str, Any] | None:
        response = self._http.get(f"/items/{key}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        data: dict[str, Any] = response.json()["data"]
        return data

    def app_add_collection(self, name: str, *, trashed: bool = False) -> str:
        sent = {"name": name, "parentCollection": False, **({"deleted": True} if trashed else {})}
        response = self._http.post("/collections", json=[sent])
        response.raise_for_status()
        key: str = response.json()["successful"]["0"]["key"]
        return key

    def app_delete_collection(self, key: str) -> None:
        headers = {"If-Unmodified-Since-Version": str(self._version_of(key, "collections"))}
        self._http.delete(f"/collections/{key}", headers=headers).raise_for_status()

    def _version_of(self, key: str, kind: str = "items") -> int:
        response = self._http.get(f"/{kind}/{key}")
        response.raise_for_status()
        return int(response.json()["version"])

    def close(self) -> None:
        """Close the other client's connections."""
        self._http.close()

    def clean_up(self) -> None:
        """Delete for good every item this world made and every collection it named (on a
        real server, whose library outlives the test)."""
        for start in range(0, len(self._made), 50):
            version = self._http.get("/items", params={"limit": 1}).headers["Last-Modified-Version"]
            chunk = ",".join(self._made[start : start + 50])
            headers = {"If-Unmodified-Since-Version": version}
            self._http.delete("/items", params={"itemKey": chunk}, headers=headers)
        listed = self._http.get("/collections", params={"limit": 100})
        ours = [c["key"] for c in listed.json() if self._run in c["data"]["name"]]
        if ours:
            version = listed.headers["Last-Modified-Version"]
            headers = {"If-Unmodified-Since-Version": version}
            params = {"collectionKey": ",".join(ours)}
            self._http.delete("/collections", params=params, headers=headers)
