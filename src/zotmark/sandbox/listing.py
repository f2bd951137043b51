"""Multi-object GET responses: conditional 304, selection, paging headers and body formats.

Shared by items, collections and tags. A listing answers 304 (bare) when
``If-Modified-Since-Version`` is not older than the library, else 200 with
``Last-Modified-Version`` (library version), ``Total-Results`` and ``Link``, and a body in the
requested format: JSON objects, ``{key: version}``, newline-separated keys, or BibTeX.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from starlette.responses import Response

from zotmark.sandbox.bibtex import items_to_bibtex
from zotmark.sandbox.context import Ctx
from zotmark.sandbox.model import Library, StoredObject
from zotmark.sandbox.query import (
    ListParams,
    link_header,
    matches,
    page,
    parse_list_params,
    sort_objects,
)
from zotmark.sandbox.respond import BIBTEX_TYPE, KEYS_TYPE, json_response, not_modified, respond


def unmodified(ctx: Ctx, library: Library) -> Response | None:
    """A bare 304 when ``If-Modified-Since-Version`` >= the library version, else None."""
    since = ctx.header_version("if-modified-since-version")
    if since is not None and library.version <= since:
        return not_modified()
    return None


def list_params(ctx: Ctx, formats: frozenset[str], key_param: str) -> ListParams:
    """Parse the request's listing parameters."""
    query = ctx.request.query_params
    return parse_list_params(query, query.getlist("tag"), formats=formats, key_param=key_param)


def filtered(objects: Iterable[StoredObject], params: ListParams) -> list[StoredObject]:
    """Apply ``since``, ``itemKey``/``collectionKey``, ``tag``, ``q`` and ``itemType`` filters."""
    keys = set(params.keys) if params.keys is not None else None
    return [obj for obj in objects if (keys is None or obj.key in keys) and matches(obj, params)]


def listing(
    ctx: Ctx,
    library: Library,
    objects: list[StoredObject],
    params: ListParams,
    render: Callable[[StoredObject], dict[str, Any]],
) -> Response:
    """The 200 response for a sorted, paged selection of ``objects``."""
    ordered = sort_objects(objects, params)
    return page_response(ctx, library, page(ordered, params), len(ordered), params, render)


def page_response(
    ctx: Ctx,
    library: Library,
    chunk: list[StoredObject],
    total: int,
    params: ListParams,
    render: Callable[[StoredObject], dict[str, Any]],
) -> Response:
    """The 200 response for ``chunk``, the requested page of ``total`` selected objects."""
    headers = {
        "Total-Results": str(total),
        "Link": link_header(ctx.base, ctx.request.url.path, params, total),
    }
    version = library.version
    if params.format == "keys":
        text = "\n".join(obj.key for obj in chunk) + "\n"
        return respond(text, KEYS_TYPE, last_modified=version, headers=headers)
    if params.format == "versions":
        versions = {obj.key: obj.version for obj in chunk}
        return json_response(versions, last_modified=version, headers=headers)
    if params.format in ("bibtex", "biblatex"):
        text = items_to_bibtex([obj.data for obj in chunk], biblatex=params.format == "biblatex")
        return respond(text, BIBTEX_TYPE, last_modified=version, headers=headers)
    return json_response([render(obj) for obj in chunk], last_modified=version, headers=headers)
