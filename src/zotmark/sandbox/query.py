"""Query parameters of multi-object reads: parsing, filtering, sorting, paging and ``Link``.

Follows dataserver's ``Zotero_API::parseQueryParams``/``buildLinks``: ``limit`` defaults to 25
(all for ``format=keys|versions``) and is clamped to 100, ``itemKey``/``collectionKey`` force 100;
``Link`` URLs carry only non-default parameters, sorted alphabetically, with ``start`` dropped at 0;
``first``/``last`` are left out when equal to the page itself. Unknown parameters are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.keys import is_valid_key
from zotmark.sandbox.model import StoredObject

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
ITEM_FORMATS = frozenset({"json", "keys", "versions", "bibtex", "biblatex"})
COLLECTION_FORMATS = frozenset({"json", "keys", "versions"})
SEARCH_FORMATS = COLLECTION_FORMATS
SORT_FIELDS = frozenset(
    {
        "dateAdded",
        "dateModified",
        "title",
        "creator",
        "itemType",
        "date",
        "publisher",
        "publicationTitle",
        "journalAbbreviation",
        "language",
        "accessDate",
        "libraryCatalog",
        "callNumber",
        "rights",
        "extra",
        "serverDateModified",
        "numItems",
    }
)
_LIST_PARAMS = ("itemKey", "collectionKey", "searchKey")


@dataclass
class ListParams:
    """The validated parameters of one multi-object read."""

    format: str = "json"
    limit: int = DEFAULT_LIMIT  # 0 = no limit
    start: int = 0
    sort: str = "dateModified"
    direction: str = "desc"
    since: int | None = None
    include_trashed: bool = False
    keys: list[str] | None = None
    tags: list[list[str]] = field(default_factory=list)  # AND of OR-groups ("-x" negates)
    q: str = ""
    item_type: str = ""
    non_default: dict[str, str] = field(default_factory=dict)


def _default_direction(sort: str) -> str:
    return "desc" if sort.startswith("date") else "asc"


def parse_list_params(
    query: Mapping[str, str], tags: Sequence[str], *, formats: frozenset[str], key_param: str
) -> ListParams:
    """Validate the query of a multi-object GET (``tags`` = every ``tag=`` value)."""
    params = ListParams()
    params.format = query.get("format", "json") or "json"
    if params.format not in formats:
        raise ApiError(400, f"Invalid 'format' value '{params.format}'")
    unlimited = params.format in ("keys", "versions")
    params.limit = 0 if unlimited else DEFAULT_LIMIT
    _parse_paging(query, params, unlimited)
    _parse_sort(query, params)
    _parse_filters(query, tags, params, key_param)
    params.non_default = _non_default(query, tags, params, key_param)
    return params


def _parse_paging(query: Mapping[str, str], params: ListParams, unlimited: bool) -> None:
    if "limit" in query:
        limit = _as_int(query["limit"])
        if limit > 0:
            params.limit = limit if unlimited else min(limit, MAX_LIMIT)
    if "start" in query:
        params.start = max(_as_int(query["start"]), 0)
    for name in ("since", "newer"):
        if name in query and params.since is None:
            value = query[name]
            if not value.strip().lstrip("-").isdigit():
                raise ApiError(400, f"Invalid value for '{name}' parameter")
            params.since = int(value)


def _parse_sort(query: Mapping[str, str], params: ListParams) -> None:
    sort = query.get("sort") or query.get("order") or ""
    if sort in ("asc", "desc"):
        params.direction = sort
    elif sort:
        if sort not in SORT_FIELDS:
            raise ApiError(400, f"Invalid 'sort' value '{sort}'")
        params.sort = sort
        params.direction = _default_direction(sort)
    direction = query.get("direction", "")
    if direction:
        if direction not in ("asc", "desc"):
            raise ApiError(400, f"Invalid 'direction' value '{direction}'")
        params.direction = direction


def _parse_filters(
    query: Mapping[str, str], tags: Sequence[str], params: ListParams, key_param: str
) -> None:
    params.include_trashed = query.get("includeTrashed", "0") not in ("", "0", "false")
    raw_keys = query.get(key_param)
    if raw_keys is not None:
        # keys that cannot exist are ignored, for GET and DELETE alike (dataserver item tests)
        params.keys = [k for k in raw_keys.strip(",").split(",") if is_valid_key(k)]
        params.limit = MAX_LIMIT
    params.tags = [
        [part.strip() for part in value.split(" || ")] for value in tags if value.strip()
    ]
    params.q = query.get("q", "")
    params.item_type = query.get("itemType", "")


def _as_int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _non_default(
    query: Mapping[str, str], tags: Sequence[str], params: ListParams, key_param: str
) -> dict[str, str]:
    """The parameters that differ from the defaults, as they appear in ``Link`` URLs."""
    out: dict[str, str] = {}
    if params.format != "json":
        out["format"] = params.format
    unlimited = params.format in ("keys", "versions")
    default_limit = 0 if unlimited else DEFAULT_LIMIT
    if params.limit != default_limit:
        out["limit"] = str(params.limit)
    if params.start:
        out["start"] = str(params.start)
    if params.sort != "dateModified":
        out["sort"] = params.sort
    if params.direction != _default_direction(params.sort):
        out["direction"] = params.direction
    if params.since is not None:
        out["since"] = str(params.since)
    if params.include_trashed:
        out["includeTrashed"] = "1"
    if params.keys is not None:
        out[key_param] = ",".join(params.keys)
    if tags:
        out["tag"] = tags[0]
    for name in ("q", "qmode", "itemType"):
        if query.get(name):
            out[name] = query[name]
    if query.get("locale", "en-US") != "en-US":
        out["locale"] = query["locale"]
    return out


def link_header(base: str, path: str, params: ListParams, total: int) -> str:
    """The ``Link`` header of a page, as dataserver's ``buildLinkHeader`` writes it."""
    uri = base + path

    def url(values: dict[str, str]) -> str:
        return uri + ("?" + urlencode(sorted(values.items())) if values else "")

    self_url = url(params.non_default)
    without_start = {k: v for k, v in params.non_default.items() if k != "start"}
    parts: list[str] = []
    if url(without_start) != self_url:
        parts.append(f'<{url(without_start)}>; rel="first"')
    if params.start:
        prev = dict(without_start)
        if params.start - params.limit > 0:
            prev["start"] = str(params.start - params.limit)
        parts.append(f'<{url(prev)}>; rel="prev"')
    if params.limit and not (params.start == 0 and params.limit >= total):
        _append_next_last(parts, url, without_start, params, total, self_url)
    parts.append(f'<{uri}>; rel="alternate"')
    return ", ".join(parts)


def _append_next_last(
    parts: list[str],
    url: Callable[[dict[str, str]], str],
    without_start: dict[str, str],
    params: ListParams,
    total: int,
    self_url: str,
) -> None:
    if params.start >= total:
        last_start = total - params.limit
    else:
        last_start = total - (total % params.limit)
        if last_start == total:
            last_start = total - params.limit
    last = dict(without_start)
    if last_start > 0:
        last["start"] = str(last_start)
    if params.start + params.limit < total:
        parts.append(
            f'<{url(dict(without_start, start=str(params.start + params.limit)))}>; rel="next"'
        )
    if url(last) != self_url:
        parts.append(f'<{url(last)}>; rel="last"')


def page(objects: list[StoredObject], params: ListParams) -> list[StoredObject]:
    """The slice ``start:start+limit`` (everything from ``start`` when ``limit`` is 0)."""
    if not params.limit:
        return objects[params.start :]
    return objects[params.start : params.start + params.limit]


def sort_objects(objects: Iterable[StoredObject], params: ListParams) -> list[StoredObject]:
    """Sort by ``params.sort``; ties broken by version then creation order (newest first)."""
    field_name = params.sort

    def sort_key(obj: StoredObject) -> tuple[Any, ...]:
        return (_sort_value(obj, field_name), obj.version, obj.seq)

    return sorted(objects, key=sort_key, reverse=params.direction == "desc")


def _sort_value(obj: StoredObject, field_name: str) -> Any:
    data = obj.data
    if field_name in ("dateModified", "serverDateModified"):
        return data.get("dateModified", "")
    if field_name == "title":
        return str(data.get("title") or data.get("name") or "").lower()
    if field_name == "creator":
        creators = data.get("creators") or [{}]
        first = creators[0]
        return str(first.get("lastName") or first.get("name") or "").lower()
    return str(data.get(field_name, "")).lower()


def matches_tags(obj: StoredObject, groups: list[list[str]]) -> bool:
    """``tag=a || b`` groups are ANDed; a leading ``-`` negates a name."""
    names = {t["tag"] for t in obj.data.get("tags", ())}
    for group in groups:
        hit = any(
            (name[1:] not in names) if name.startswith("-") else (name in names) for name in group
        )
        if not hit:
            return False
    return True


def matches_query(obj: StoredObject, q: str) -> bool:
    """``q=``: case-insensitive substring of title/name, creators or date (titleCreatorYear)."""
    needle = q.lower()
    data = obj.data
    haystack = [
        str(data.get("title") or data.get("name") or data.get("note") or ""),
        str(data.get("date", "")),
    ]
    for creator in data.get("creators", ()):
        haystack.extend(str(v) for k, v in creator.items() if k != "creatorType")
    return any(needle in text.lower() for text in haystack)
