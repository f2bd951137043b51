"""Multi-object GET responses: conditional 304, selection, paging headers and body formats.

Shared by items, collections and tags. A listing answers 304 (bare) when
``If-Modified-Since-Version`` is not older than the library, else 200 with
``Last-Modified-Version`` (library version), ``Total-Results`` and ``Link``, and a body in the
requested format: JSON objects, ``{key: version}``, newline-separated keys, or BibTeX.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from zotmark.sandbox.atom import ATOM_TYPE, AtomWriter
from zotmark.sandbox.bibtex import items_to_bibtex
from zotmark.sandbox.context import Ctx
from zotmark.sandbox.model import Library, StoredObject
from zotmark.sandbox.query import (
    ListParams,
    build_links,
    link_header,
    parse_content,
    parse_format,
    parse_list_params,
)
from zotmark.sandbox.respond import BIBTEX_TYPE, KEYS_TYPE, json_response, not_modified, respond
from zotmark.sandbox.selection import matches, page, sort_objects


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
    if params.format == "atom":
        envelopes = [render(obj) for obj in chunk]
        return atom_listing(ctx, library, envelopes, params, total, headers)
    return json_response([render(obj) for obj in chunk], last_modified=version, headers=headers)


_FEED_TITLES = {"items": "Items", "top": "Top-Level Items", "trash": "Deleted Items"}


def atom_listing(
    ctx: Ctx,
    library: Library,
    envelopes: list[dict[str, Any]],
    params: ListParams,
    total: int,
    headers: dict[str, str],
) -> Response:
    """A page as an Atom feed (``format=atom``), with the same ``Link`` and ``Total-Results``."""
    path = ctx.request.url.path
    last = path.rstrip("/").rsplit("/", 1)[-1]
    title = f"Zotero / {library.name} / {_FEED_TITLES.get(last, last.capitalize())}"
    without_format = dict(params.non_default)
    without_format.pop("format", None)
    feed_id = (
        ctx.base
        + path
        + ("?" + urlencode(sorted(without_format.items())) if without_format else "")
    )
    built = build_links(ctx.base, path, params, total)
    links = [
        (rel, built[rel]) for rel in ("self", "first", "next", "last", "alternate") if rel in built
    ]
    writer = AtomWriter(ctx.base, library.prefix, ctx.state.schema, ctx.store.now())
    text = writer.feed(title, feed_id, links, envelopes, params.content)
    return respond(text, ATOM_TYPE, last_modified=library.version, headers=headers)


def single_object(ctx: Ctx, library: Library, envelope: dict[str, Any], version: int) -> Response:
    """``GET <object>``: the JSON envelope, or with ``format=atom`` (or ``content``) one entry."""
    query = ctx.request.query_params
    fmt = parse_format(query, frozenset({"json", "atom"}))
    if fmt == "json":
        return json_response(envelope, last_modified=version)
    content = parse_content(query, fmt)
    writer = AtomWriter(ctx.base, library.prefix, ctx.state.schema, ctx.store.now())
    return respond(writer.document(envelope, content), ATOM_TYPE, last_modified=version)
