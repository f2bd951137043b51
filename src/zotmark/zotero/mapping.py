"""Zotero item JSON ⇄ zotmark values: reading items, building new items and write patches.

Pure: no I/O. Item JSON is what the Web API returns (``{"key", "version", "data": {…}}``) or
its bare ``data`` dict; both are accepted everywhere. Patches are dicts with ``key`` and
``version`` plus only the properties they change, ready for ``ZoteroClient.update_items``;
patches for the same item object compose with ``{**p1, **p2}``. Arrays in a patch (``tags``,
``collections``) replace the item's array wholesale, so they always carry the user's other
values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zotmark.core.model import Entry, Ident, Item, identify
from zotmark.errors import ZoteroError
from zotmark.schema import title_field, valid_field

JsonObject = Mapping[str, Any]

NON_REGULAR_TYPES = frozenset({"note", "attachment", "annotation"})


def _data(obj: JsonObject) -> JsonObject:
    """The ``data`` part of an API object, or ``obj`` itself when it is bare data."""
    data = obj.get("data")
    return data if isinstance(data, Mapping) else obj


def _key_version(obj: JsonObject) -> dict[str, Any]:
    """``{"key", "version"}`` of an item object (the envelope wins over ``data``)."""
    data = _data(obj)
    return {
        "key": obj.get("key", data.get("key")),
        "version": obj.get("version", data.get("version")),
    }


def is_regular_item(obj: JsonObject) -> bool:
    """Whether ``obj`` is a top-level regular item (not a note, attachment, annotation or
    child item): the only items a reading list can hold."""
    data = _data(obj)
    return data.get("itemType") not in NON_REGULAR_TYPES and not data.get("parentItem")


def item_from_json(obj: JsonObject) -> Item:
    """The :class:`Item` of an API item object (envelope or bare data).

    The title comes from the type's title-like field (``title``, ``caseName``, …); the ident
    from that title, ``url``, and the ``DOI``, ``archiveID`` and ``extra`` fields (Zotero's
    arXiv imports say ``arXiv:…`` there). An empty ``url`` is ``None``.
    """
    data = _data(obj)
    item_type = str(data.get("itemType", ""))
    title = str(data.get(title_field(item_type)) or data.get("title") or "")
    url = str(data.get("url") or "").strip() or None
    text = "\n".join(str(data.get(name) or "") for name in ("DOI", "archiveID", "extra"))
    key_version = _key_version(obj)
    return Item(
        key=str(key_version["key"]),
        version=int(key_version["version"] or 0),
        item_type=item_type,
        title=title,
        url=url,
        ident=identify(title, url, text),
        tags=frozenset(str(t["tag"]) for t in data.get("tags", ())),
        collections=frozenset(str(c) for c in data.get("collections", ())),
        deleted=bool(data.get("deleted")),
    )


def managed_tags(read_tag: str, flag_map: Mapping[str, str]) -> frozenset[str]:
    """The tags zotmark owns for a list: the read tag and every flag's tag.
    ``flag_map`` maps a flag label (``Relevant?``) to its tag (``relevant``)."""
    return frozenset({read_tag, *flag_map.values()})


def tags_for(
    read: bool, flags: Mapping[str, bool], read_tag: str, flag_map: Mapping[str, str]
) -> set[str]:
    """The managed tags an entry's boxes call for. ``flags`` is keyed by tag name (as in
    :class:`Entry`); ``flag_map`` maps labels to tag names and bounds which flags count."""
    tags = {read_tag} if read else set()
    tags.update(tag for tag in flag_map.values() if flags.get(tag))
    return tags


def _type_fields(ident: Ident, url: str | None) -> dict[str, str]:
    """``itemType`` and the identifying fields of a new item for ``ident``."""
    if ident.arxiv:
        return {
            "itemType": "preprint",
            "repository": "arXiv",
            "archiveID": f"arXiv:{ident.arxiv}",
            "DOI": f"10.48550/arXiv.{ident.arxiv}",
            "url": url or f"https://arxiv.org/abs/{ident.arxiv}",
        }
    if ident.doi:
        return {
            "itemType": "journalArticle",
            "DOI": ident.doi,
            "url": url or f"https://doi.org/{ident.doi}",
        }
    if ident.openreview and not url:
        url = f"https://openreview.net/forum?id={ident.openreview}"
    return {"itemType": "webpage", "url": url or ""}


def new_item_data(
    entry: Entry,
    *,
    key: str,
    collection: str,
    read_tag: str,
    flag_tags: Mapping[str, str],
) -> dict[str, Any]:
    """The JSON of a new item for ``entry``, to create with the client-chosen ``key`` and
    ``"version": 0`` (so a retried create cannot duplicate it) in ``collection``.

    ``preprint`` (repository ``arXiv``, ``archiveID`` ``arXiv:ID``, the arXiv DOI) for an
    arXiv id, ``journalArticle`` for a DOI, ``webpage`` otherwise. The entry's own URL is kept
    (canonical URL when it has none); the title is the entry's. Tags: :func:`tags_for` with
    ``flag_tags`` (label → tag). Every field is valid for its type in the packaged schema.
    """
    fields = _type_fields(entry.ident, entry.url)
    title = entry.title or entry.url or ""
    tags = sorted(tags_for(entry.read, entry.flags, read_tag, flag_tags))
    data: dict[str, Any] = {"key": key, "version": 0, "itemType": fields.pop("itemType")}
    data["title"] = title
    data.update(fields)
    for name in data.keys() - {"key", "version", "itemType"}:
        if not valid_field(data["itemType"], name):  # a bug here, never bad input
            raise ZoteroError(f"'{name}' is not a valid field for type '{data['itemType']}'.")
    data["tags"] = [{"tag": tag} for tag in tags]
    data["collections"] = [collection]
    return data


@dataclass(frozen=True, slots=True)
class ItemChange:
    """What one write changes on an item: tags added and removed (by name, any tag type),
    its title or URL set, a collection joined or left, the trash entered or left."""

    add_tags: frozenset[str] = frozenset()
    remove_tags: frozenset[str] = frozenset()
    title: str | None = None
    url: str | None = None
    add_collection: str | None = None
    remove_collection: str | None = None
    trashed: bool | None = None

    def __or__(self, later: ItemChange) -> ItemChange:
        """This change followed by ``later`` (whose values win where both set one)."""
        added = (self.add_tags - later.remove_tags) | later.add_tags
        return ItemChange(
            add_tags=added,
            remove_tags=(self.remove_tags | later.remove_tags) - added,
            title=later.title if later.title is not None else self.title,
            url=later.url if later.url is not None else self.url,
            add_collection=later.add_collection or self.add_collection,
            remove_collection=later.remove_collection or self.remove_collection,
            trashed=later.trashed if later.trashed is not None else self.trashed,
        )


def item_patch(item_json: JsonObject, change: ItemChange) -> dict[str, Any]:
    """The partial update that makes ``change`` to the item: ``key`` and ``version`` plus only
    the properties it changes. The one patch builder of zotmark.

    Arrays replace the item's wholesale, so they carry the user's other values: every other
    tag of the item as it is, its other collections in their order. The title goes into the
    type's own title field (``caseName`` for a case, …); a URL is left out for a type without
    a ``url`` field. ``add_tags`` and ``remove_tags`` must not overlap (``ValueError``).
    """
    if change.add_tags & change.remove_tags:
        raise ValueError(
            f"tags both added and removed: {sorted(change.add_tags & change.remove_tags)}"
        )
    data = _data(item_json)
    item_type = str(data.get("itemType", ""))
    patch = _key_version(item_json)
    if change.add_tags or change.remove_tags:
        kept = [dict(tag) for tag in data.get("tags", ()) if tag["tag"] not in change.remove_tags]
        present = {tag["tag"] for tag in kept}
        kept.extend({"tag": name} for name in sorted(change.add_tags - present))
        patch["tags"] = kept
    if change.title is not None:
        patch[title_field(item_type)] = change.title
    if change.url is not None and (valid_field(item_type, "url") or not item_type):
        patch["url"] = change.url
    if change.add_collection is not None or change.remove_collection is not None:
        current = [str(c) for c in data.get("collections", ())]
        joined = [c for c in current if c != change.remove_collection]
        if change.add_collection is not None and change.add_collection not in joined:
            joined.append(change.add_collection)
        if joined != current:
            patch["collections"] = joined
    if change.trashed is not None and bool(data.get("deleted")) != change.trashed:
        patch["deleted"] = 1 if change.trashed else 0
    return patch
