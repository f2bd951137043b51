"""Zotero item JSON ⇄ zotmark values: reading items, building new items and write patches.

Pure: no I/O. Item JSON is what the Web API returns (``{"key", "version", "data": {…}}``) or
its bare ``data`` dict; both are accepted everywhere. Patches are dicts with ``key`` and
``version`` plus only the properties they change, built from the typed
:class:`~zotmark.core.item.Item` of a snapshot and a :class:`~zotmark.core.port.Change`.
Arrays in a patch (``tags``, ``collections``) replace the item's array wholesale, so they
always carry the user's other values. :func:`is_regular_item` is the one test of which items a
reading list can hold.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Collection, Mapping
from typing import Any

from zotmark.core.identifiers import identify
from zotmark.core.item import Item
from zotmark.core.model import Entry, Ident
from zotmark.core.port import Change
from zotmark.errors import ZoteroError
from zotmark.schema import title_field, valid_field

JsonObject = Mapping[str, Any]

NON_REGULAR_TYPES = frozenset({"note", "attachment", "annotation"})

json_text: Callable[[object], str] = json.JSONEncoder(sort_keys=True).encode
"""``json.dumps(value, sort_keys=True)`` with one encoder for every call: the state's texts of
item JSON (thousands per large sync)."""


def item_text(obj: JsonObject) -> str:
    """The text the state keeps of an API item object: its ``data`` (version included) as
    sorted JSON."""
    return json_text(_data(obj))


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


def item_from_json(
    obj: JsonObject, idents: Mapping[Ident, Ident] | None = None, *, key: str | None = None
) -> Item:
    """The :class:`Item` of an API item object (envelope or bare data).

    The title comes from the type's title-like field (``title``, ``caseName``, …); the ident
    from that title, ``url``, and the ``DOI``, ``archiveID`` and ``extra`` fields (Zotero's
    arXiv imports say ``arXiv:…`` there). An empty ``url`` is ``None``. Its key, type, title
    and URL are interned (``sys.intern``), as the parsed list's and the state's rows are: a
    daemon that keeps items, rows and the list holds each string once (20,000 entries: 12 %
    less of what it holds), and 50,000 items one string of each type. Its ident is the equal
    one in ``idents`` when there is one (the list's entries' idents: an item and the entry
    it stands for then hold one ident and its strings, not two: 10 MB of what a daemon holds
    at 50,000 entries). ``key``, when given, is the item's key as the caller holds it (the key
    a write was sent with): the item holds that string, not the answer's, and interns nothing
    (the engine interns the keys it makes when its runner keeps: a first sync's 10,000 new
    keys in the interned table were 190 B an entry of its peak).
    """
    data = _data(obj)
    item_type = sys.intern(str(data.get("itemType", "")))
    title = sys.intern(str(data.get(title_field(item_type)) or data.get("title") or ""))
    url = str(data.get("url") or "").strip() or None
    url = url and sys.intern(url)
    text = "\n".join(str(data.get(name) or "") for name in ("DOI", "archiveID", "extra"))
    key_version = _key_version(obj)
    tags = data.get("tags", ())
    ident = identify(title, url, text)
    return Item(
        key=key if key is not None else sys.intern(str(key_version["key"])),
        version=int(key_version["version"] or 0),
        item_type=item_type,
        title=title,
        url=url,
        ident=idents.get(ident, ident) if idents else ident,
        tags=_shared(frozenset(str(t["tag"]) for t in tags)),
        collections=_shared(frozenset(str(c) for c in data.get("collections", ()))),
        deleted=bool(data.get("deleted")),
        auto_tags=_shared(frozenset(str(t["tag"]) for t in tags if t.get("type") == 1)),
        extra=str(data.get("extra") or ""),
        added=added_number(str(data.get("dateAdded") or "")),
    )


_DATE_MARKS = str.maketrans("", "", "-T:Z")


def added_number(date_added: str) -> int:
    """An item's ``dateAdded`` (``YYYY-MM-DDThh:mm:ssZ``, as the API gives it, in UTC) as
    the number ``YYYYMMDDhhmmss``, which orders as the times do; 0 for any other text."""
    digits = date_added.translate(_DATE_MARKS)
    well_formed = len(date_added) == 20 and len(digits) == 14 and digits.isascii()
    return int(digits) if well_formed and digits.isdigit() else 0


_SETS: dict[frozenset[str], frozenset[str]] = {}
_MAX_SHARED = 4096


def _shared(names: frozenset[str]) -> frozenset[str]:
    """``names``, or an equal set met before: a library's items share a few tag and
    collection sets (a set costs ~200 bytes; a snapshot of 50,000 items holds three per item).
    At most :data:`_MAX_SHARED` sets are remembered."""
    known = _SETS.get(names)
    if known is not None:
        return known
    if len(_SETS) < _MAX_SHARED:
        _SETS[names] = names
    return names


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
    tags: Collection[str],
    extra: str = "",
) -> dict[str, Any]:
    """The JSON of a new item for ``entry``, to create with the client-chosen ``key`` and
    ``"version": 0`` (so a retried create cannot duplicate it) in ``collection``.

    ``preprint`` (repository ``arXiv``, ``archiveID`` ``arXiv:ID``, the arXiv DOI) for an
    arXiv id, ``journalArticle`` for a DOI, ``webpage`` otherwise. The entry's own URL is kept
    (canonical URL when it has none); the title is the entry's; ``tags`` are the status tags
    the plan gives it (``CreateItem.tags``), ``extra`` its ``extra`` field (a reading status:
    ``core.states``). Every field is valid for its type in the packaged schema.
    """
    fields = _type_fields(entry.ident, entry.url)
    title = entry.title or entry.url or ""
    data: dict[str, Any] = {"key": key, "version": 0, "itemType": fields.pop("itemType")}
    data["title"] = title
    data.update(fields)
    if extra:
        data["extra"] = extra
    for name in data.keys() - {"key", "version", "itemType"}:
        if not valid_field(data["itemType"], name):  # a bug here, never bad input
            raise ZoteroError(f"'{name}' is not a valid field for type '{data['itemType']}'.")
    data["tags"] = [{"tag": tag} for tag in sorted(tags)]
    data["collections"] = [collection]
    return data


def item_patch(item: Item, change: Change) -> dict[str, Any]:
    """The partial update that makes ``change`` to ``item`` (as the snapshot holds it): ``key``
    and ``version`` plus only the properties it changes. The one patch builder of zotmark.

    Arrays replace the item's wholesale, so they carry the user's other values: every other
    tag of the item as it is (an automatic tag, type 1, stays one), its other collections. The
    title goes into the type's own title field (``caseName`` for a case, …); a URL is left out
    for a type without a ``url`` field; a citation key always goes (the item does not say
    which it holds) unless its type has no ``citationKey`` field. ``add_tags`` and
    ``remove_tags`` must not overlap (``ValueError``).
    """
    if change.add_tags & change.remove_tags:
        raise ValueError(
            f"tags both added and removed: {sorted(change.add_tags & change.remove_tags)}"
        )
    patch: dict[str, Any] = {"key": item.key, "version": item.version}
    if change.add_tags or change.remove_tags:
        names = (item.tags - change.remove_tags) | change.add_tags
        if names != item.tags:
            patch["tags"] = [_tag(name, item.auto_tags) for name in sorted(names)]
    if change.title is not None:
        patch[title_field(item.item_type)] = change.title
    if change.url is not None and (valid_field(item.item_type, "url") or not item.item_type):
        patch["url"] = change.url
    if change.extra is not None and change.extra != item.extra:
        patch["extra"] = change.extra
    joined = item.collections - {change.remove_collection}
    if change.add_collection is not None:
        joined |= {change.add_collection}
    if joined != item.collections:
        patch["collections"] = sorted(joined)
    if change.trashed is not None and item.deleted != change.trashed:
        patch["deleted"] = 1 if change.trashed else 0
    if change.citation_key is not None and valid_field(item.item_type, "citationKey"):
        patch["citationKey"] = change.citation_key
    return patch


def _tag(name: str, auto: frozenset[str]) -> dict[str, Any]:
    """One tag of a patch: a tag of type 1 keeps its type; a plain tag is sent without one."""
    return {"tag": name, "type": 1} if name in auto else {"tag": name}
