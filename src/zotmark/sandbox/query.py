"""Query parameters of multi-object reads: parsing, filtering, sorting, paging and ``Link``.

Follows dataserver's ``Zotero_API::parseQueryParams``/``buildLinks``: ``limit`` defaults to 25
(all for ``format=keys|versions``) and is clamped to 100, ``itemKey``/``collectionKey`` force 100;
``Link`` URLs carry only non-default parameters, sorted alphabetically, with ``start`` dropped at 0;
``first``/``last`` are left out when equal to the page itself. Unknown parameters are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.keys import is_valid_key

MAX_LIMIT = 100


DEFAULT_LIMIT = 25


ITEM_FORMATS = frozenset({"json", "atom", "keys", "versions", "bibtex", "biblatex"})


COLLECTION_FORMATS = frozenset({"json", "atom", "keys", "versions"})


TAG_FORMATS = frozenset({"json", "atom"})


CONTENT_TYPES = frozenset({"html", "json", "none"})


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
    content: list[str] = field(default_factory=lambda: ["html"])  # format=atom only
    non_default: dict[str, str] = field(default_factory=dict)


def default_sort(fmt: str) -> str:
    """``dateAdded`` for Atom, ``dateModified`` otherwise (dataserver ``$defaultParams``)."""
    return "dateAdded" if fmt == "atom" else "dateModified"


def _default_direction(sort: str) -> str:
    return "desc" if sort.startswith("date") else "asc"


def parse_list_params(
    query: Mapping[str, str], tags: Sequence[str], *, formats: frozenset[str], key_param: str
) -> ListParams:
    """Validate the query of a multi-object GET (``tags`` = every ``tag=`` value)."""
    params = ListParams()
    params.format = parse_format(query, formats)
    params.content = parse_content(query, params.format)
    params.sort = default_sort(params.format)
    unlimited = params.format in ("keys", "versions")
    params.limit = 0 if unlimited else DEFAULT_LIMIT
    _parse_paging(query, params, unlimited)
    _parse_sort(query, params)
    _parse_filters(query, tags, params, key_param)
    params.non_default = _non_default(query, tags, params, key_param)
    return params


def parse_format(query: Mapping[str, str], formats: frozenset[str]) -> str:
    """``format``: ``content`` alone asks for Atom; anything not in ``formats`` is a 400."""
    fmt = query.get("format") or ("atom" if query.get("content") else "json")
    if fmt not in formats:
        raise ApiError(400, f"Invalid 'format' value '{fmt}'")
    return fmt


def parse_content(query: Mapping[str, str], fmt: str) -> list[str]:
    """``content`` (Atom only): sorted, without repeats; ``none`` alone."""
    value = query.get("content")
    if value is None:
        return ["html"]
    if fmt != "atom":
        raise ApiError(400, "'content' is valid only for format=atom")
    kinds = sorted(set(value.split(",")))
    for kind in kinds:
        if kind == "none" and len(kinds) > 1:
            raise ApiError(400, "content=none is not valid in multi-format responses")
        if kind not in CONTENT_TYPES:
            raise ApiError(400, f"Invalid 'content' value '{kind}'")
    return kinds


def _parse_paging(query: Mapping[str, str], params: ListParams, unlimited: bool) -> None:
    if "limit" in query:
        limit = _as_int(query["limit"])
        if limit > 0:
            params.limit = limit if unlimited else min(limit, MAX_LIMIT)
    if "start" in query:
        params.start = max(_as_int(query["start"]), 0)
    for name in ("since", "newer"):
        if name in query and params.since is None:
            params.since = parse_since(query[name], name)


def parse_since(value: str, name: str = "since") -> int:
    """The library version in a ``since`` (or ``newer``) parameter: ASCII digits, an optional
    minus, spaces around; else 400."""
    if not re.fullmatch(r"\s*-?[0-9]+\s*", value):
        raise ApiError(400, f"Invalid value for '{name}' parameter")
    return int(value)


def _parse_sort(query: Mapping[str, str], params: ListParams) -> None:
    # ``order`` is the old name of ``sort``, and the old ``sort`` the direction; either way
    # round, a value asc/desc is the direction (dataserver sort tests)
    named = [v for v in (query.get("sort", ""), query.get("order", "")) if v]
    fields = [v for v in named if v not in ("asc", "desc")]
    directions = [v for v in named if v in ("asc", "desc")]
    if fields:
        sort = fields[0]
        if sort not in SORT_FIELDS and not sort.endswith("KeyList"):
            raise ApiError(400, f"Invalid 'sort' value '{sort}'")
        params.sort = sort
        params.direction = _default_direction(sort)
    if directions:
        params.direction = directions[0]
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
    params.tags = parse_tag_groups(tags)
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
    if params.sort != default_sort(params.format):
        out["sort"] = params.sort
    if params.direction != _default_direction(params.sort):
        out["direction"] = params.direction
    if params.content != ["html"]:
        out["content"] = ",".join(params.content)
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
    """The ``Link`` header of a page, as dataserver's ``buildLinkHeader`` writes it: ``first``
    and ``last`` only when they differ from the page itself."""
    links = build_links(base, path, params, total)
    parts = []
    for rel in ("first", "prev", "next", "last", "alternate"):
        href = links.get(rel)
        if href is not None and (rel in ("prev", "next", "alternate") or href != links["self"]):
            parts.append(f'<{href}>; rel="{rel}"')
    return ", ".join(parts)


def build_links(base: str, path: str, params: ListParams, total: int) -> dict[str, str]:
    """dataserver's ``buildLinks``: ``self``, ``first``, ``prev`` (past the first page),
    ``last`` (the page itself when everything fits), ``next`` and ``alternate``."""
    uri = base + path

    def url(values: dict[str, str]) -> str:
        return uri + ("?" + urlencode(sorted(values.items())) if values else "")

    without_start = {k: v for k, v in params.non_default.items() if k != "start"}
    links = {"self": url(params.non_default), "first": url(without_start)}
    if params.start:
        prev = dict(without_start)
        if params.start - params.limit > 0:
            prev["start"] = str(params.start - params.limit)
        links["prev"] = url(prev)
    if not params.start and params.limit >= total:
        links["last"] = links["self"]
    elif params.limit:
        if params.start >= total:
            last_start = total - params.limit
        else:
            last_start = total - (total % params.limit)
            if last_start == total:
                last_start = total - params.limit
        last = dict(without_start)
        if last_start > 0:
            last["start"] = str(last_start)
        links["last"] = url(last)
        if params.start + params.limit < total:
            links["next"] = url(dict(without_start, start=str(params.start + params.limit)))
    links["alternate"] = uri
    return links


def split_or(value: str) -> list[str]:
    """``a || b`` as ``["a", "b"]``: ``||`` with whitespace on both sides, as dataserver's
    ``getSearchParamValues`` splits ``tag`` and ``itemType`` (``a||b`` is one name)."""
    return re.split(r"\s+\|\|\s+", value)


def parse_tag_groups(values: Sequence[str]) -> list[list[str]]:
    """``tag`` parameters as AND-ed groups of OR-ed names, as ``getSearchParamValues`` reads
    them: a leading ``-`` negates the whole group (``-a || b``: neither), written here as one
    group per negated name (``-a``, ``-b``); ``\\-a`` is the literal name ``-a`` (kept as
    ``\\-a``); see :func:`split_or`."""
    groups: list[list[str]] = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        negated = value.startswith("-")
        parts = split_or(value[1:] if negated else value)
        if negated:
            groups.extend([f"-{part}"] for part in parts)
        else:
            groups.append(parts)
    return groups


def tag_literal(name: str) -> str:
    """The tag name a group entry stands for (without its negation or escape)."""
    return name[1:] if name.startswith(("-", "\\-")) else name
