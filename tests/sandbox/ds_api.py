"""A small client for the sandbox in the style of dataserver's own API test helper.

The contract tests ported from ``zotero/dataserver``'s ``tests/remote/tests/3/*.test.js``
(``test_ds_*.py``) use it to say what those tests say in few words: create an item from the
``/items/new`` template, a collection, a saved search, a note or an attachment, and read back
its key, its JSON or its ``data``. It talks HTTP to a running sandbox, with the read/write key
as ``Authorization: Bearer`` and ``Zotero-API-Version: 3``, as the JS tests do.
"""

from __future__ import annotations

from typing import Any

import httpx2

from zotmark.sandbox import Sandbox

Json = dict[str, Any]
DEFAULT_CONDITIONS = [{"condition": "title", "operator": "contains", "value": "test"}]


class ZoteroAPI:
    """The sandbox's user library (and its group) over HTTP."""

    def __init__(self, sandbox: Sandbox, key: str | None = None) -> None:
        self.sandbox = sandbox
        self.user_id = sandbox.user_id
        self.group_id = sandbox.group_id
        self.key = sandbox.api_key if key is None else key  # "" for anonymous requests
        self.http = httpx2.Client(base_url=sandbox.url, timeout=30, trust_env=False)

    def close(self) -> None:
        self.http.close()

    # --- raw requests ------------------------------------------------------------------------
    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> httpx2.Response:
        all_headers = {"Zotero-API-Version": "3"}
        if self.key:
            all_headers["Authorization"] = f"Bearer {self.key}"
        all_headers.update(headers or {})
        content = None
        if body is not None:
            content = body.encode() if isinstance(body, str) else _dumps(body)
            all_headers.setdefault("Content-Type", "application/json")
        return self.http.request(method, path, content=content, headers=all_headers)

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx2.Response:
        return self.request("GET", path, headers=headers)

    def user(self, method: str, suffix: str, body: Any = None, **headers: str) -> httpx2.Response:
        """``method /users/<id>/<suffix>``; ``headers`` with ``_`` for ``-``."""
        return self.request(method, f"/users/{self.user_id}/{suffix}", body, _headers(headers))

    def group(self, method: str, suffix: str, body: Any = None, **headers: str) -> httpx2.Response:
        return self.request(method, f"/groups/{self.group_id}/{suffix}", body, _headers(headers))

    # --- templates and creation --------------------------------------------------------------
    def template(
        self, item_type: str, link_mode: str | None = None, annotation_type: str | None = None
    ) -> Json:
        query = f"itemType={item_type}" + (f"&linkMode={link_mode}" if link_mode else "")
        query += f"&annotationType={annotation_type}" if annotation_type else ""
        response = self.get(f"/items/new?{query}")
        assert response.status_code == 200, response.text
        template: Json = response.json()
        return template

    def post(self, plural: str, objects: list[Any], library: str = "user") -> httpx2.Response:
        send = self.user if library == "user" else self.group
        return send("POST", plural, objects)

    def created(
        self, plural: str, response: httpx2.Response, fmt: str, library: str = "user"
    ) -> Any:
        """The answer to a one-object create in ``fmt``: ``response``, ``responseJSON``,
        ``key``, ``json`` (the object as GET returns it) or ``data``."""
        assert response.status_code == 200, response.text
        if fmt == "response":
            return response
        report = response.json()
        if fmt == "responseJSON":
            return report
        assert len(report["success"]) == 1, report
        key = report["success"]["0"]
        if fmt == "key":
            return key
        send = self.user if library == "user" else self.group
        got = send("GET", f"{plural}/{key}")
        assert got.status_code == 200, got.text
        return got.json() if fmt == "json" else got.json()["data"]

    def group_items(self, group_id: int, objects: list[Any]) -> Json:
        """POST ``objects`` to group ``group_id``'s items: the ``successful`` map."""
        response = self.request("POST", f"/groups/{group_id}/items", objects)
        assert response.status_code == 200, response.text
        successful: Json = response.json()["successful"]
        assert len(successful) == len(objects), response.text
        return successful

    def create_item(
        self,
        item_type: str,
        data: Json | None = None,
        fmt: str = "responseJSON",
        library: str = "user",
    ) -> Any:
        json = self.template(item_type)
        json.update(data or {})
        return self.created("items", self.post("items", [json], library), fmt, library)

    def create_note(
        self, text: str = "", parent: str | None = None, fmt: str = "responseJSON"
    ) -> Any:
        json = self.template("note")
        json["note"] = text
        if parent:
            json["parentItem"] = parent
        return self.created("items", self.post("items", [json]), fmt)

    def create_attachment(
        self,
        link_mode: str,
        data: Json | None = None,
        parent: str | None = None,
        fmt: str = "responseJSON",
        library: str = "user",
    ) -> Any:
        json = self.template("attachment", link_mode)
        json.update(data or {})
        if parent:
            json["parentItem"] = parent
        return self.created("items", self.post("items", [json], library), fmt, library)

    def create_collection(
        self, name: str, data: Json | None = None, fmt: str = "responseJSON"
    ) -> Any:
        data = data or {}
        json: Json = {
            "name": name,
            "parentCollection": data.get("parentCollection", False),
            "relations": data.get("relations", {}),
        }
        if "deleted" in data:
            json["deleted"] = data["deleted"]
        return self.created("collections", self.post("collections", [json]), fmt)

    def create_search(
        self,
        name: str,
        conditions: list[Json] | None = None,
        fmt: str = "responseJSON",
        **extra: Any,
    ) -> Any:
        json = {"name": name, "conditions": conditions or DEFAULT_CONDITIONS, **extra}
        return self.created("searches", self.post("searches", [json]), fmt)

    def create_object(self, kind: str, data: Json | None = None, fmt: str = "json") -> Any:
        """A collection, item (book) or search, as ``API.createDataObject``."""
        if kind == "collection":
            return self.create_collection("Test", data, fmt)
        if kind == "item":
            return self.create_item("book", data, fmt)
        return self.create_search("Test", fmt=fmt, **(data or {}))

    def unsaved(self, kind: str) -> Json:
        """An object's JSON not yet sent (``API.createUnsavedDataObject``)."""
        if kind == "collection":
            return {"name": "Test"}
        if kind == "item":
            return self.template("book")
        return {"name": "Test", "conditions": list(DEFAULT_CONDITIONS)}

    # --- reads ---------------------------------------------------------------------------------
    def library_version(self, library: str = "user") -> int:
        send = self.user if library == "user" else self.group
        return int(send("GET", "items?format=keys&limit=1").headers["Last-Modified-Version"])

    def get_object(self, plural: str, key: str) -> Json:
        response = self.user("GET", f"{plural}/{key}")
        assert response.status_code == 200, response.text
        got: Json = response.json()
        return got

    # --- accounts (``/_sandbox``; dataserver's tests use the key API as super-user) ------------
    def key_access(self) -> Json:
        response = self.http.get(f"/_sandbox/keys/{self.sandbox.api_key}")
        assert response.status_code == 200, response.text
        access: Json = response.json()["access"]
        return access

    def set_key_access(self, access: Json) -> None:
        """Replace the read/write key's permissions (``{}`` is ``API.resetKey``)."""
        response = self.http.put(f"/_sandbox/keys/{self.sandbox.api_key}", json={"access": access})
        assert response.status_code == 200, response.text

    def set_user_permission(self, name: str, value: bool) -> None:
        """``API.setKeyUserPermission``: ``library``, ``notes``, ``write`` or ``files``."""
        access = self.key_access()
        access.setdefault("user", {})[name] = value
        self.set_key_access(access)

    def set_group_permission(self, group_id: int, name: str, value: bool) -> None:
        """``API.setKeyGroupPermission`` (group 0: all groups): ``library`` or ``write``."""
        access = self.key_access()
        rights = access.setdefault("groups", {}).setdefault(str(group_id or "all"), {})
        rights[name] = value
        if name == "write" and value:
            rights["library"] = True
        self.set_key_access(access)

    def add_group(self, name: str, **fields: Any) -> int:
        """A new group owned by the sandbox user (``type``, ``libraryReading``, ...)."""
        body = {"name": name, "owner": self.user_id, **fields}
        response = self.http.post("/_sandbox/groups", json=body)
        assert response.status_code == 201, response.text
        group_id: int = response.json()["id"]
        return group_id

    def second_member(self, username: str = "second") -> tuple[ZoteroAPI, int]:
        """A second user (``/_sandbox/users``) and a client with a key of its own, both
        members of a new group that either may write: (that client, the group id). The
        sandbox user's key gets full access; the client's ``user_id`` is the new user's.
        Close the client."""
        self.set_key_access(
            {
                "user": {"library": True, "notes": True, "write": True, "files": True},
                "groups": {"all": {"library": True, "write": True}},
            }
        )
        other = self.http.post("/_sandbox/users", json={"username": username}).json()["id"]
        group = self.add_group("Shared", members=[other])
        key = f"{username}key".ljust(24, "0")[:24]
        access = {"groups": {str(group): {"library": True, "write": True}}}
        answer = self.http.put(f"/_sandbox/keys/{key}", json={"userID": other, "access": access})
        assert answer.status_code == 200, answer.text
        client = ZoteroAPI(self.sandbox, key=key)
        client.user_id = other
        return client, group


PLURAL = {"collection": "collections", "item": "items", "search": "searches"}


def _dumps(body: Any) -> bytes:
    import json

    return json.dumps(body).encode()


def _headers(headers: dict[str, str]) -> dict[str, str]:
    return {name.replace("_", "-"): value for name, value in headers.items()}
