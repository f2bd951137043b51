"""The JSON envelopes the API returns: library, item, collection and tag objects.

Shapes follow the recorded real server: ``{key, version, library, links, meta, data}`` with
``links.self`` (API URL), ``links.alternate`` (web URL) and ``links.up`` for children, and
``meta.creatorSummary`` / ``meta.parsedDate`` / ``meta.numChildren`` for regular items.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import quote

from zotmark.sandbox.canonical import canonical_relations
from zotmark.sandbox.model import Library, StoredObject, relation_objects
from zotmark.sandbox.schema import NOTE_TYPES, Schema
from zotmark.sandbox.store import User
from zotmark.sandbox.tags_settings import TagRow

_MONTHS = {
    name: index + 1
    for index, names in enumerate(
        (
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        )
    )
    for name in names.split()
}
_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_YEAR = re.compile(r"\b(\d{4})\b")


def _link(href: str, kind: str = "application/json") -> dict[str, str]:
    return {"href": href, "type": kind}


class Renderer:
    """Renders one library's objects with absolute links under ``base`` (e.g. the sandbox URL)."""

    def __init__(
        self, base: str, library: Library, schema: Schema, users: dict[int, User] | None = None
    ) -> None:
        self.base = base
        self.users = users
        self.library = library
        self.schema = schema
        self.api = f"{base}{library.prefix}"
        owner = users.get(library.id) if users is not None and library.kind == "user" else None
        if library.kind == "group":
            web_name = f"groups/{library.id}"
        else:  # the web library is at the username; its name is the display name if any
            web_name = owner.username if owner is not None else library.name
        self.web = f"{base}/{quote(web_name)}"
        self._library_json = {
            "type": library.kind,
            "id": library.id,
            "name": library.name,
            "links": {"alternate": _link(self.web, "text/html")},
        }
        self._subcollections: Counter[str] | None = None

    def item(self, item: StoredObject) -> dict[str, Any]:
        """One item as ``GET /items/<key>`` returns it."""
        links = {
            "self": _link(f"{self.api}/items/{item.key}"),
            "alternate": _link(f"{self.web}/items/{item.key}", "text/html"),
        }
        parent = item.data.get("parentItem")
        if parent:
            links["up"] = _link(f"{self.api}/items/{parent}")
        return {
            "key": item.key,
            "version": item.version,
            "library": self._library_json,
            "links": links,
            "meta": self._item_meta(item),
            "data": self._item_data(item),
        }

    def _item_data(self, item: StoredObject) -> dict[str, Any]:
        """The item's data, with related items relating to it added (both directions)."""
        data = item.as_data()
        reverse = self.library.reverse_related(item.key)
        if reverse:
            relations = dict(data["relations"])
            listed = relation_objects(relations.get("dc:relation"))
            relations["dc:relation"] = listed + [uri for uri in reverse if uri not in listed]
            data["relations"] = canonical_relations(relations)
        return data

    def _item_meta(self, item: StoredObject) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        data = item.data
        if self.library.kind == "group":
            self._users_meta(item, meta)
        if data["itemType"] in NOTE_TYPES:
            # numChildren for notes (embedded images) and imported files (annotations) only
            # (dataserver Item::toResponseJSON)
            if data["itemType"] == "note" or str(data.get("linkMode", "")).startswith("imported_"):
                meta["numChildren"] = self.library.child_counts.get(item.key, 0)
            return meta
        # no creators or no date summarise to "": most new items skip both
        creators = data.get("creators")
        summary = creator_summary(creators, self.schema, data["itemType"]) if creators else ""
        if summary:
            meta["creatorSummary"] = summary
        date = data.get("date")
        parsed = parsed_date(str(date)) if date else ""
        if parsed:
            meta["parsedDate"] = parsed
        meta["numChildren"] = self.library.child_counts.get(item.key, 0)
        return meta

    def _users_meta(self, item: StoredObject, meta: dict[str, Any]) -> None:
        """``createdByUser`` and, when someone else edited it since, ``lastModifiedByUser``."""
        if item.created_by is not None and self.users is not None:
            meta["createdByUser"] = self._user_json(item.created_by)
            if item.modified_by not in (None, item.created_by):
                meta["lastModifiedByUser"] = self._user_json(item.modified_by)

    def _user_json(self, user_id: int | None) -> dict[str, Any]:
        user = self.users.get(user_id) if self.users is not None and user_id is not None else None
        name = user.username if user is not None else ""
        return {
            "id": user_id,
            "username": name,
            "links": {"alternate": _link(f"{self.base}/{quote(name)}", "text/html")},
        }

    def collection(self, collection: StoredObject) -> dict[str, Any]:
        """One collection as ``GET /collections/<key>`` returns it."""
        links = {
            "self": _link(f"{self.api}/collections/{collection.key}"),
            "alternate": _link(f"{self.web}/collections/{collection.key}", "text/html"),
        }
        parent = collection.data.get("parentCollection")
        if parent:
            links["up"] = _link(f"{self.api}/collections/{parent}")
        if self._subcollections is None:  # counted once per response, not per collection
            self._subcollections = Counter(
                c.data["parentCollection"] for c in self.library.collections.values()
            )
        items = self.library.items
        members = self.library.members.get(collection.key, ())
        num_items = sum(1 for key in members if not items[key].data.get("deleted"))
        return {
            "key": collection.key,
            "version": collection.version,
            "library": self._library_json,
            "links": links,
            "meta": {
                "numCollections": self._subcollections[collection.key],
                "numItems": num_items,
            },
            "data": collection.as_data(),
        }

    def search(self, search: StoredObject) -> dict[str, Any]:
        """One saved search as ``GET /searches/<key>`` returns it (no web page to link to)."""
        return {
            "key": search.key,
            "version": search.version,
            "library": self._library_json,
            "links": {"self": _link(f"{self.api}/searches/{search.key}")},
            "data": search.as_data(),
        }

    def tag(self, row: TagRow) -> dict[str, Any]:
        """One row of ``GET /tags``."""
        href = f"{self.api}/tags/{quote(row.name, safe='')}"
        return {
            "tag": row.name,
            "links": {"self": _link(href), "alternate": _link(href, "text/html")},
            "meta": {"type": row.type, "numItems": row.num_items},
        }


def creator_summary(creators: list[dict[str, str]], schema: Schema, item_type: str) -> str:
    """``Last``, ``A and B`` or ``A et al.`` from the primary creators (else editors, ...)."""
    known = schema.item_type(item_type)
    primary = known.primary_creator if known else "author"
    for kind in (primary, "editor", "contributor"):
        names = [
            c.get("name") or c.get("lastName", "") for c in creators if c["creatorType"] == kind
        ]
        if names:
            if len(names) == 1:
                return names[0]
            if len(names) == 2:
                return f"{names[0]} and {names[1]}"
            return f"{names[0]} et al."
    return ""


def parsed_date(text: str) -> str:
    """The ``YYYY[-MM[-DD]]`` the real server derives from a free-form ``date`` field."""
    text = text.strip()
    match = _ISO_DATE.match(text)
    if match:
        return "-".join(f"{int(p):02d}" if i else p for i, p in enumerate(match.groups()) if p)
    year = _YEAR.search(text)
    if not year:
        return ""
    words = re.findall(r"[A-Za-z]+", text.lower())
    month = next((_MONTHS[w] for w in words if w in _MONTHS), None)
    if month is None:
        return year.group(1)
    day = re.search(r"\b(\d{1,2})\b", text)
    suffix = f"-{int(day.group(1)):02d}" if day else ""
    return f"{year.group(1)}-{month:02d}{suffix}"
