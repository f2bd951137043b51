"""Which objects a multi-object read returns, in which order: filters, sorting and paging.

Follows dataserver's list queries: ``itemType`` (``-`` negates, ``||`` alternates), ``tag``
groups, ``q`` (title, creators, date; notes too with ``qmode=everything``), the sort fields
with empty values last, and ``start``/``limit`` applied to the sorted rows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from zotmark.sandbox.model import StoredObject
from zotmark.sandbox.query import ListParams, split_or, tag_literal
from zotmark.sandbox.render import parsed_date

_Row = TypeVar("_Row")


def page(rows: Sequence[_Row], params: ListParams) -> list[_Row]:
    """The slice ``start:start+limit`` of ``rows`` (everything from ``start`` when ``limit``
    is 0)."""
    end = params.start + params.limit if params.limit else None
    return list(rows[params.start : end])


def sort_objects(objects: Iterable[StoredObject], params: ListParams) -> list[StoredObject]:
    """Sort by ``params.sort``: ``*KeyList`` in the order the keys were given; ``title``,
    ``creator`` and ``date`` with empty values last either way; others by :func:`sort_key`."""
    field_name = params.sort
    if field_name.endswith("KeyList") and params.keys is not None:
        position = {key: index for index, key in enumerate(params.keys)}
        return sorted(objects, key=lambda obj: position.get(obj.key, len(position)))
    if field_name in _EMPTY_LAST:
        # empty values last in either direction, ties in the order added
        # (dataserver sort tests: items without creators after the others, by itemID)
        present = [o for o in objects if _sort_value(o, field_name) != ""]
        empty = sorted((o for o in objects if _sort_value(o, field_name) == ""), key=_added)
        desc = params.direction == "desc"
        present.sort(key=lambda o: (_sort_value(o, field_name), -o.seq if desc else o.seq))
        return (present[::-1] if desc else present) + empty
    return sorted(
        objects, key=lambda obj: sort_key(obj, field_name), reverse=params.direction == "desc"
    )


def sort_key(obj: StoredObject, field_name: str) -> tuple[Any, ...]:
    """What ``sort=field_name`` orders by (ascending): the field's value, then the version and
    the creation order, so no two objects of a library tie."""
    return (_sort_value(obj, field_name), obj.version, obj.seq)


_EMPTY_LAST = frozenset({"title", "creator", "date"})


"""Sorts that put empty values last in either direction, so that ``desc`` is not the reverse
of ``asc``: :func:`sort_key` alone does not order them."""


def ordered_by_sort_key(params: ListParams) -> bool:
    """Whether :func:`sort_objects` orders by :func:`sort_key` (reversed for ``desc``)."""
    return params.sort not in _EMPTY_LAST and not (
        params.sort.endswith("KeyList") and params.keys is not None
    )


def _added(obj: StoredObject) -> int:
    return obj.seq


def _sort_value(obj: StoredObject, field_name: str) -> Any:
    data = obj.data
    if field_name in ("dateModified", "serverDateModified"):
        return data.get("dateModified", "")
    if field_name == "title":
        return display_title(data).lower()
    if field_name == "creator":
        creators = data.get("creators") or [{}]
        first = creators[0]
        return str(first.get("lastName") or first.get("name") or "").lower()
    if field_name == "date":
        return sortable_date(str(data.get("date", "")))
    return str(data.get(field_name, "")).lower()


def matches(obj: StoredObject, params: ListParams) -> bool:
    """Whether ``obj`` passes ``since``, ``tag``, ``q`` and ``itemType`` (not the keys)."""
    if params.since is not None and obj.version <= params.since:
        return False
    if params.tags and not matches_tags(obj, params.tags):
        return False
    if params.q and not matches_query(obj, params.q):
        return False
    return not (params.item_type and not type_matches(obj, params.item_type))


def type_matches(obj: StoredObject, wanted: str) -> bool:
    """Whether ``obj`` passes ``itemType=wanted`` (``a || b``; ``-a`` negates, and never
    matches an annotation: dataserver's item tests)."""
    item_type = obj.data.get("itemType")
    if wanted.startswith("-"):
        return item_type != "annotation" and item_type not in split_or(wanted[1:])
    return item_type in split_or(wanted)


def display_title(data: dict[str, Any]) -> str:
    """The title an item is sorted and searched by: its title (or name), or a note's first
    line."""
    title = data.get("title") or data.get("name")
    if title:
        return str(title)
    note = data.get("note")
    if isinstance(note, str) and note:
        text = html.unescape(re.sub(r"<[^>]*>", "", re.sub(r"</p>\s*<p>", "\n", note)))
        return text.strip().split("\n", 1)[0].strip()
    return ""


def sortable_date(text: str) -> str:
    """``YYYY-MM-DD`` (zeros for missing parts) from a free-form date, or "" without a year."""
    parsed = parsed_date(text) if text else ""
    if not parsed:
        return ""
    parts = [*parsed.split("-"), "00", "00"]
    return "-".join(parts[:3])


def matches_tags(obj: StoredObject, groups: list[list[str]]) -> bool:
    """``tag=a || b`` groups are ANDed; ``-`` entries negate; names compare without case
    (``tag=B`` finds ``b``)."""
    return tag_names_match({t["tag"].lower() for t in obj.data.get("tags", ())}, groups)


def tag_names_match(names: set[str], groups: list[list[str]]) -> bool:
    """Whether a set of lower-cased tag names satisfies the ``tag`` groups."""
    for group in groups:
        hit = any(
            (tag_literal(name).lower() not in names)
            if name.startswith("-")
            else (tag_literal(name).lower() in names)
            for name in group
        )
        if not hit:
            return False
    return True


_QUOTED = re.compile(r'"([^"]*)"|(\S+)')


def query_words(q: str) -> list[str]:
    """``q`` as the words (or ``"quoted phrases"``) that must all be found."""
    return [(m.group(1) or m.group(2) or "").lower() for m in _QUOTED.finditer(q) if m.group(0)]


def matches_query(obj: StoredObject, q: str) -> bool:
    """``q=`` (titleCreatorYear): every word or quoted phrase, without case, in the title (a
    note's text), a creator's name or the date."""
    data = obj.data
    haystack = [display_title(data), str(data.get("note") or ""), str(data.get("date", ""))]
    for creator in data.get("creators", ()):
        haystack.extend(str(v) for k, v in creator.items() if k != "creatorType")
    text = "\n".join(haystack).lower()
    return all(word in text for word in query_words(q))
