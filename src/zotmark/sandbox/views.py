"""Item listings that cost the page, not the library: sorted views kept up to date by changes.

A listing (``GET {L}/items``, ``/items/top``, ``/items/trash``, ``/items/<key>/children``,
``/collections/<key>/items[/top]``) selects the items of a *scope* that pass its filters and
sorts them. Doing that for every page made a paged pull of N items cost O(N^2). Here:

* ``itemKey=`` selections look their keys up (cost: the keys);
* other selections start from the smallest candidate set an index gives — the items changed
  since ``since=`` from the *version index* (every item ordered by version), the children of
  an item or the members of a collection (:class:`~zotmark.sandbox.model.Library` keeps those),
  else every item — then filter and sort as :mod:`zotmark.sandbox.query` says;
* a selection of many candidates sorted by :func:`~zotmark.sandbox.query.sort_key` is kept
  as a :class:`View` (its rows in that order) in the library's ``views``, least recently used
  dropped beyond :data:`MAX_VIEWS`. The next request for the same selection brings the view
  up to date by re-examining only the items named in the library's change log since (a write
  costs the views nothing until they are read), so a page costs the page plus the changes in
  between. Other sorts (``title``, ``creator``, ``date`` keep empty values last either way)
  are computed afresh.

Which items a view holds depends on each item and, for collection scopes, on its parent: that
is what the catch-up re-examines (a changed item and its children). Results are those of
filtering and sorting the whole library: the sort key (value, version, creation seq) is unique,
so the order is fully determined.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zotmark.sandbox.model import Library, StoredObject
from zotmark.sandbox.query import ListParams
from zotmark.sandbox.selection import matches, ordered_by_sort_key, page, sort_key, sort_objects

MAX_VIEWS = 6
"""Views kept per library (each holds a row per item it selects)."""
VIEW_MIN = 500
"""A selection of fewer candidates is computed afresh each time instead of kept."""
CATCH_UP_MIN = 1000
"""A view catches up with at most this many changes plus 1/16 of its rows, else starts over
(sorting N rows afresh costs about as much as N/16 insertions)."""
_VERSIONS = "versions"
Row = tuple[Any, ...]  # a sort key and the item key last


def in_scope(
    library: Library, item: StoredObject, scope: str, anchor: str | None, include_trashed: bool
) -> bool:
    """Whether ``item`` belongs to the listing ``scope`` (``all``, ``top``, ``trash``,
    ``children``, ``collection`` or ``collection-top``; ``anchor`` names the parent item or the
    collection), before the query filters."""
    data = item.data
    parent = data.get("parentItem")
    if scope.endswith("top") and parent:
        return False
    if scope == "trash":
        if not data.get("deleted"):
            return False
    elif data.get("deleted") and not include_trashed:
        return False
    if scope.startswith("collection") and anchor not in data.get("collections", ()):
        owner = library.items.get(parent) if parent else None
        if (
            scope.endswith("top")
            or owner is None
            or anchor not in owner.data.get("collections", ())
        ):
            return False
    return not (scope == "children" and parent != anchor)


@dataclass(frozen=True)
class _Spec:
    """What a view selects: everything about a listing but its paging and direction."""

    scope: str
    anchor: str | None
    include_trashed: bool
    since: int | None
    tags: tuple[tuple[str, ...], ...]
    q: str
    item_type: str
    sort: str


class View:
    """The rows of one selection, ascending, and the change-log position they reflect."""

    def __init__(self, library: Library, spec: _Spec | None, params: ListParams | None) -> None:
        self.spec = spec  # None: the version index (every item)
        self.params = params
        self.rows: list[Row] = []
        self.row_of: dict[str, Row] = {}
        self.position = library.log_end

    def row(self, item: StoredObject) -> Row:
        if self.spec is None:
            return (item.version, item.seq, item.key)
        return (*sort_key(item, self.spec.sort), item.key)

    def accepts(self, library: Library, item: StoredObject) -> bool:
        spec, params = self.spec, self.params
        if spec is None or params is None:
            return True
        return in_scope(library, item, spec.scope, spec.anchor, spec.include_trashed) and matches(
            item, params
        )

    def fill(self, library: Library, candidates: Iterable[StoredObject]) -> None:
        """Select from ``candidates`` afresh."""
        self.row_of = {
            item.key: self.row(item) for item in candidates if self.accepts(library, item)
        }
        self.rows = sorted(self.row_of.values())
        self.position = library.log_end

    def catch_up(self, library: Library) -> bool:
        """Re-examine the items changed since the view was last brought up to date; False when
        that would cost more than starting over (or the change log no longer reaches back)."""
        changes = library.changes_since(self.position)
        if changes is None or len(changes) > CATCH_UP_MIN + len(self.rows) // 16:
            return False
        keys = {name for kind, name in changes if kind == "items"}
        if self.spec is not None and self.spec.scope == "collection":
            for key in list(keys):  # the children of an item follow its collections
                keys.update(library.children.get(key, ()))
        for key in keys:
            self._update(library, key)
        self.position = library.log_end
        return True

    def _update(self, library: Library, key: str) -> None:
        old = self.row_of.pop(key, None)
        if old is not None:
            del self.rows[bisect_left(self.rows, old)]
        item = library.items.get(key)
        if item is not None and self.accepts(library, item):
            row = self.row(item)
            insort(self.rows, row)
            self.row_of[key] = row


class Selection:
    """The items of one listing, in order: a list, or a view's rows read in either direction."""

    def __init__(
        self, library: Library, ordered: list[StoredObject] | None, view: View | None, desc: bool
    ) -> None:
        self.library = library
        self.ordered = ordered
        self.view = view
        self.desc = desc

    @property
    def total(self) -> int:
        if self.ordered is not None:
            return len(self.ordered)
        assert self.view is not None
        return len(self.view.rows)

    def page(self, params: ListParams) -> list[StoredObject]:
        """The page ``params`` asks for (:func:`~zotmark.sandbox.query.page`); a view's rows
        are read from the end for ``desc``."""
        if self.ordered is not None:
            return page(self.ordered, params)
        total = self.total
        end = total if not params.limit else min(total, params.start + params.limit)
        start = params.start
        if start >= end:
            return []
        assert self.view is not None
        rows = self.view.rows
        chosen = rows[total - end : total - start][::-1] if self.desc else rows[start:end]
        items = self.library.items
        return [items[row[-1]] for row in chosen]


def select_items(library: Library, scope: str, anchor: str | None, params: ListParams) -> Selection:
    """The items a listing of ``scope`` with ``params`` returns, in order (the caller holds the
    store lock)."""
    desc = params.direction == "desc"
    items = library.items
    if params.keys is not None:
        candidates = [items[key] for key in dict.fromkeys(params.keys) if key in items]
        return _fresh(library, candidates, scope, anchor, params)
    if not ordered_by_sort_key(params):  # a view's rows read backwards make ``desc``
        return _fresh(
            library, _candidates(library, scope, anchor, params.since), scope, anchor, params
        )
    spec = _Spec(
        scope,
        anchor,
        params.include_trashed,
        params.since,
        tuple(tuple(group) for group in params.tags),
        params.q,
        params.item_type,
        params.sort,
    )
    view = library.views.pop(spec, None)
    if view is not None:
        library.views[spec] = view  # most recently used last
        if not view.catch_up(library):
            view.fill(library, _candidates(library, scope, anchor, params.since))
        return Selection(library, None, view, desc)
    candidates = _candidates(library, scope, anchor, params.since)
    if len(candidates) < VIEW_MIN:
        return _fresh(library, candidates, scope, anchor, params)
    view = View(library, spec, params)
    view.fill(library, candidates)
    library.views[spec] = view
    stale = [key for key in library.views if key != _VERSIONS]
    for key in stale[: max(0, len(stale) - MAX_VIEWS)]:
        del library.views[key]
    return Selection(library, None, view, desc)


def _fresh(
    library: Library,
    candidates: Iterable[StoredObject],  # by key already, when ``params.keys`` is given
    scope: str,
    anchor: str | None,
    params: ListParams,
) -> Selection:
    chosen = [
        item
        for item in candidates
        if in_scope(library, item, scope, anchor, params.include_trashed) and matches(item, params)
    ]
    return Selection(library, sort_objects(chosen, params), None, params.direction == "desc")


def _candidates(
    library: Library, scope: str, anchor: str | None, since: int | None
) -> list[StoredObject]:
    """The items a selection can hold, from the smallest index that tells."""
    items = library.items
    if since is not None:
        return changed_since(library, since)
    if scope == "children" and anchor is not None:
        return [items[key] for key in library.children.get(anchor, ())]
    if scope.startswith("collection") and anchor is not None:
        members = list(library.members.get(anchor, ()))
        if scope == "collection":
            members += [child for key in members for child in library.children.get(key, ())]
        return [items[key] for key in dict.fromkeys(members)]
    return list(items.values())


def changed_since(library: Library, since: int) -> list[StoredObject]:
    """Every item whose version is greater than ``since``, from the version index."""
    index = library.views.get(_VERSIONS)
    if index is None:
        index = View(library, None, None)
        index.fill(library, library.items.values())
        library.views[_VERSIONS] = index
    elif not index.catch_up(library):
        index.fill(library, library.items.values())
    rows = index.rows
    items = library.items
    return [items[row[-1]] for row in rows[bisect_right(rows, (since, float("inf"))) :]]
