"""``format=atom``: the API's older Atom form of the JSON envelopes, as dataserver's
``Zotero_Atom::createAtomFeed`` and the objects' ``toAtom`` write it (REC #45 of the recorded
session is such a feed).

A feed has a title, an id (its URL without ``format``), ``self``/``first``/``next``/``last``
links (``application/atom+xml``) and an ``alternate`` web link, ``updated`` (the newest entry's
``dateModified``) and one ``<entry>`` per object: title, author (the library), id (the object's
URI), published and updated, links, ``zapi:key``/``zapi:version`` and, for items,
``zapi:itemType``, ``zapi:creatorSummary``, ``zapi:parsedDate`` and ``zapi:numChildren``
(collections: ``zapi:numCollections``/``zapi:numItems``; tags: ``zapi:numItems``).
``content=json`` puts the object's data in ``<content>`` as JSON; the default ``content=html``
an XHTML table of the item's fields (item type, creators, then the other non-empty fields but
the title; the real server orders those by its internal field ids, we by the schema's order),
``content=none`` nothing. The document is indented by two spaces as PHP's DOM writes it, down
to the ``xmlns:default`` it adds to entries with XHTML content. Entries are built from the JSON
envelopes so the two formats cannot disagree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from zotmark.sandbox.errors import escape_compat
from zotmark.sandbox.schema import NOTE_TYPES, Schema
from zotmark.sandbox.selection import display_title

ATOM_TYPE = "application/atom+xml"
NS_ATOM = "http://www.w3.org/2005/Atom"
NS_ZAPI = "http://zotero.org/ns/api"
NS_XHTML = "http://www.w3.org/1999/xhtml"
_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass
class Node:
    """An element: a name, attributes in order, and text or child elements."""

    name: str
    attrs: list[tuple[str, str]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    text: str | None = None

    def add(self, name: str, text: object = None, **attrs: str) -> Node:
        child = Node(name, list(attrs.items()), text=None if text is None else str(text))
        self.children.append(child)
        return child

    def write(self, out: list[str], depth: int) -> None:
        pad = "  " * depth
        attrs = "".join(f' {k}="{escape_compat(v)}"' for k, v in self.attrs)
        if self.children:
            out.append(f"{pad}<{self.name}{attrs}>\n")
            for child in self.children:
                child.write(out, depth + 1)
            out.append(f"{pad}</{self.name}>\n")
        elif self.text:
            out.append(f"{pad}<{self.name}{attrs}>{escape(self.text)}</{self.name}>\n")
        else:
            out.append(f"{pad}<{self.name}{attrs}/>\n")


def groups_feed(groups: Sequence[dict[str, Any]]) -> str:
    """A user's groups (their JSON envelopes) as a minimal Atom feed: per group its name, URI,
    ``zapi:groupID`` and ``zapi:numItems``."""
    feed = Node("feed", [("xmlns", NS_ATOM), ("xmlns:zapi", NS_ZAPI)])
    feed.add("title", "Groups")
    for group in groups:
        entry = feed.add("entry")
        entry.add("title", group["data"]["name"])
        entry.add("id", group["links"]["self"]["href"])
        entry.add("zapi:groupID", group["id"])
        entry.add("zapi:numItems", group["meta"]["numItems"])
    return _document(feed)


def _document(root: Node) -> str:
    out = [_PROLOG]
    root.write(out, 0)
    return "".join(out)


class AtomWriter:
    """Writes entries and feeds for one library (``base`` = the server's URL)."""

    def __init__(self, base: str, prefix: str, schema: Schema, now: str) -> None:
        self.base = base
        self.library_uri = base + prefix
        self.schema = schema
        self.now = now

    def feed(
        self,
        title: str,
        feed_id: str,
        links: Sequence[tuple[str, str]],
        envelopes: Sequence[dict[str, Any]],
        content: Sequence[str],
    ) -> str:
        """A whole feed; ``links`` are (rel, href) pairs in order, ``alternate`` being HTML."""
        root = Node("feed", [("xmlns", NS_ATOM), ("xmlns:zapi", NS_ZAPI)])
        root.add("title", title)
        root.add("id", feed_id)
        for rel, href in links:
            kind = "text/html" if rel == "alternate" else ATOM_TYPE
            root.add("link", rel=rel, type=kind, href=href)
        dates = [e["data"].get("dateModified", "") for e in envelopes if "data" in e]
        root.add("updated", max((d for d in dates if d), default=self.now))
        root.children.extend(self.entry(e, content, root=False) for e in envelopes)
        return _document(root)

    def document(self, envelope: dict[str, Any], content: Sequence[str]) -> str:
        """One object as a standalone entry (``GET <object>?format=atom``)."""
        return _document(self.entry(envelope, content, root=True))

    def entry(self, envelope: dict[str, Any], content: Sequence[str], *, root: bool) -> Node:
        """The ``<entry>`` of one JSON envelope (item, collection, search or tag row)."""
        node = Node("entry")
        if root:
            node.attrs += [("xmlns", NS_ATOM), ("xmlns:zapi", NS_ZAPI)]
        if "tag" in envelope:
            return self._tag_entry(node, envelope, content)
        data = envelope["data"]
        links = envelope["links"]
        meta = envelope.get("meta", {})
        is_item = "itemType" in data
        title = (display_title(data) or "[Untitled]") if is_item else data.get("name", "")
        node.add("title", title)
        author = node.add("author")
        creator = meta.get("createdByUser")
        if creator:
            author.add("name", creator["username"])
            author.add("uri", f"{self.base}/users/{creator['id']}")
        else:
            author.add("name", envelope["library"]["name"])
            author.add("uri", self.library_uri)
        self_href = links["self"]["href"]
        node.add("id", self_href)
        node.add("published", data.get("dateAdded", self.now))
        node.add("updated", data.get("dateModified", self.now))
        suffix = "?format=atom" + (
            "" if list(content) == ["html"] else f"&content={','.join(content)}"
        )
        node.add("link", rel="self", type=ATOM_TYPE, href=self_href + suffix)
        if "up" in links:
            node.add("link", rel="up", type=ATOM_TYPE, href=links["up"]["href"] + suffix)
        if "alternate" in links:
            node.add("link", rel="alternate", type="text/html", href=links["alternate"]["href"])
        node.add("zapi:key", envelope["key"])
        node.add("zapi:version", envelope["version"])
        if is_item:
            self._item_zapi(node, data, meta)
        elif "conditions" not in data:
            node.add("zapi:numCollections", meta.get("numCollections", 0))
            node.add("zapi:numItems", meta.get("numItems", 0))
        self._content(node, data, content, is_item)
        return node

    @staticmethod
    def _item_zapi(node: Node, data: dict[str, Any], meta: dict[str, Any]) -> None:
        modifier = meta.get("lastModifiedByUser")
        if modifier:
            node.add("zapi:lastModifiedByUser", modifier["username"])
        node.add("zapi:itemType", data["itemType"])
        if data["itemType"] not in NOTE_TYPES:
            for name in ("creatorSummary", "parsedDate"):
                if name in meta:
                    node.add(f"zapi:{name}", meta[name])
            node.add("zapi:numChildren", meta.get("numChildren", 0))

    def _content(
        self, node: Node, data: dict[str, Any], content: Sequence[str], is_item: bool
    ) -> None:
        """``<content>``: JSON text, an XHTML table, nothing, or ``zapi:subcontent`` each."""
        if len(content) > 1:
            holder = node.add("content", type="application/xml")
            for kind in content:
                self._fill(holder.add("zapi:subcontent"), kind, data, is_item, node)
            return
        self._fill(node.add("content"), content[0], data, is_item, node)

    def _fill(
        self, target: Node, kind: str, data: dict[str, Any], is_item: bool, entry: Node
    ) -> None:
        target.attrs.append(("zapi:type", kind))
        if kind == "json":
            target.text = json.dumps(data, ensure_ascii=False, indent=4)
        elif kind == "html" and is_item:
            target.attrs.append(("type", "xhtml"))
            entry.attrs.append(("xmlns:default", NS_XHTML))
            div = target.add("default:div", xmlns=NS_XHTML)
            self._table(div.add("table"), data)

    def _table(self, table: Node, data: dict[str, Any]) -> None:
        """dataserver's ``Item::toHTML``: item type, creators, the used fields but the title."""

        def row(name: str, label: str, value: str) -> None:
            tr = table.add("tr", **{"class": name})
            tr.add("th", label, style="text-align: right")
            tr.add("td", value)

        schema = self.schema
        item_type = data["itemType"]
        row("itemType", schema.field_label("itemType"), schema.type_label(item_type))
        for creator in data.get("creators", ()):
            name = (
                creator.get("name")
                or f"{creator.get('firstName', '')} {creator.get('lastName', '')}"
            )
            row("creator", schema.creator_label(creator["creatorType"]), name.strip())
        known = schema.item_type(item_type)
        for name in known.fields if known else ():
            value = data.get(name)
            if "title" in (name, known.base_fields.get(name)) if known else name == "title":
                continue
            if isinstance(value, str) and value.strip():
                row(name, schema.field_label(name), value.strip())
        if data.get("note"):
            row("note", "Note", str(data["note"]))
        if item_type == "attachment":
            row("linkMode", "Link Mode", str(data.get("linkMode", "")))
            for name, label in (("contentType", "MIME Type"), ("charset", "Character Set")):
                if data.get(name):
                    row(name if name == "charset" else "mimeType", label, str(data[name]))
        if data.get("deleted"):
            row("deleted", "Deleted", "Yes")

    def _tag_entry(self, node: Node, row: dict[str, Any], content: Sequence[str]) -> Node:
        links = row["links"]
        meta = row["meta"]
        node.add("title", row["tag"])
        author = node.add("author")
        author.add("name", "")
        author.add("uri", self.library_uri)
        node.add("id", links["self"]["href"])
        node.add("published", self.now)
        node.add("updated", self.now)
        node.add("link", rel="self", type=ATOM_TYPE, href=links["self"]["href"] + "?format=atom")
        node.add("link", rel="alternate", type="text/html", href=links["alternate"]["href"])
        node.add("zapi:numItems", meta["numItems"])
        data = {"tag": row["tag"], "type": meta["type"]}
        if list(content) != ["html"]:
            self._content(node, data, content, False)
        return node
