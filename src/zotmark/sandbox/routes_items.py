"""Item routes: ``{L}/items`` (list, POST, multi-DELETE), ``/items/top``, ``/items/trash``,
``/items/<key>`` (GET, PUT, PATCH, DELETE), ``/items/<key>/children`` and
``/collections/<key>/items[/top]``. Semantics live in :mod:`zotmark.sandbox.writes`."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from zotmark.sandbox.bibtex import items_to_bibtex
from zotmark.sandbox.context import Ctx, api, json_body
from zotmark.sandbox.deletes import delete_many, delete_single
from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.keys import is_valid_key
from zotmark.sandbox.listing import (
    filtered,
    list_params,
    listing,
    page_response,
    single_object,
    unmodified,
)
from zotmark.sandbox.model import Library, StoredObject
from zotmark.sandbox.query import ITEM_FORMATS, ListParams, parse_format, parse_list_params
from zotmark.sandbox.render import Renderer
from zotmark.sandbox.respond import BIBTEX_TYPE, json_response, no_content, respond
from zotmark.sandbox.selection import matches_query, tag_names_match, type_matches
from zotmark.sandbox.tags_settings import drop_page_indexes
from zotmark.sandbox.views import in_scope, select_items
from zotmark.sandbox.writes import (
    MAX_WRITE_OBJECTS,
    add_to_collection,
    write_many,
    write_single,
)

ITEM_SINGLE_FORMATS = frozenset({"json", "atom", "bibtex", "biblatex"})


def scope_items(
    library: Library, scope: str, include_trashed: bool, anchor: str | None
) -> list[StoredObject]:
    """The items a listing path covers, before query filters."""
    return [
        item
        for item in library.items.values()
        if in_scope(library, item, scope, anchor, include_trashed)
    ]


async def _list(ctx: Ctx, scope: str) -> Response:
    library = ctx.library()
    cached = unmodified(ctx, library)
    if cached is not None:
        return cached
    params = list_params(ctx, ITEM_FORMATS, "itemKey")
    anchor = ctx.request.path_params.get("key")
    if scope.startswith("collection") and anchor not in library.collections:
        raise ApiError(404, "Collection not found")
    if scope == "children" and anchor not in library.items:
        raise ApiError(404, "Item not found")
    with ctx.store.lock:
        renderer = Renderer(ctx.base, library, ctx.state.schema, ctx.store.users)
        if scope.endswith("top") and family_filters(params):
            chosen = top_matches(library, scope, params, anchor)
        elif not notes_allowed(ctx, library):
            chosen = filtered(scope_items(library, scope, params.include_trashed, anchor), params)
        else:
            selection = select_items(library, scope, anchor, params)
            chunk = selection.page(params)
            return page_response(ctx, library, chunk, selection.total, params, renderer.item)
        if not notes_allowed(ctx, library):
            chosen = [item for item in chosen if item.data.get("itemType") != "note"]
        return listing(ctx, library, chosen, params, renderer.item)


def notes_allowed(ctx: Ctx, library: Library) -> bool:
    """Whether the key may see notes: a key without ``notes`` access to its user library gets
    listings without them (dataserver permission tests)."""
    return library.kind != "user" or ctx.key is None or ctx.key.notes


def family_filters(params: ListParams) -> bool:
    """Whether a ``/top`` listing filters by the item's family (children match for it)."""
    return bool(params.q or params.item_type or params.tags or params.keys is not None)


def top_matches(
    library: Library, scope: str, params: ListParams, anchor: str | None
) -> list[StoredObject]:
    """``/items/top`` with ``itemKey``, ``q``, ``itemType`` or ``tag``: the top-level items
    whose family (the item, its children and theirs) matches, since a child's match shows its
    top-level item (a note's text, an attachment's title, an annotation's key); a negated tag
    excludes a family in which any member has it. ``since`` applies to the top-level item."""
    items, children = library.items, library.children
    keys = set(params.keys) if params.keys is not None else None
    out = []
    for top in scope_items(library, scope, params.include_trashed, anchor):
        if params.since is not None and top.version <= params.since:
            continue
        family = [top]
        for member in family:
            family.extend(items[key] for key in children.get(member.key, ()))
        if keys is not None and not any(m.key in keys for m in family):
            continue
        if params.q and not any(matches_query(m, params.q) for m in family):
            continue
        if params.item_type and not any(type_matches(m, params.item_type) for m in family):
            continue
        names = {t["tag"].lower() for m in family for t in m.data.get("tags", ())}
        if params.tags and not tag_names_match(names, params.tags):
            continue
        out.append(top)
    return out


@api
async def list_items(ctx: Ctx) -> Response:
    return await _list(ctx, "all")


@api
async def list_top_items(ctx: Ctx) -> Response:
    return await _list(ctx, "top")


@api
async def list_trash(ctx: Ctx) -> Response:
    return await _list(ctx, "trash")


@api
async def list_children(ctx: Ctx) -> Response:
    return await _list(ctx, "children")


@api
async def list_collection_items(ctx: Ctx) -> Response:
    return await _list(ctx, "collection")


@api
async def list_collection_top_items(ctx: Ctx) -> Response:
    return await _list(ctx, "collection-top")


@api
async def get_item(ctx: Ctx) -> Response:
    library = ctx.library()
    key = ctx.request.path_params["key"]
    fmt = parse_format(ctx.request.query_params, ITEM_SINGLE_FORMATS)
    with ctx.store.lock:
        item = library.items.get(key) if is_valid_key(key) else None
        if item is None:
            raise ApiError(404, "Item does not exist" if is_valid_key(key) else "Not found")
        if fmt in ("bibtex", "biblatex"):
            text = items_to_bibtex([item.data], biblatex=fmt == "biblatex")
            return respond(text, BIBTEX_TYPE, last_modified=item.version)
        body = Renderer(ctx.base, library, ctx.state.schema, ctx.store.users).item(item)
        return single_object(ctx, library, body, item.version)


@api
async def post_items(ctx: Ctx) -> Response:
    return await post_objects(ctx, "items")


async def get_object(ctx: Ctx, kind: str, noun: str) -> Response:
    """``GET {L}/<kind>/<key>`` of a collection or a saved search (404 "<noun> not found")."""
    library = ctx.library()
    key = ctx.request.path_params["key"]
    with ctx.store.lock:
        obj = library.objects(kind).get(key) if is_valid_key(key) else None
        if obj is None:
            raise ApiError(404, f"{noun} not found" if is_valid_key(key) else "Not found")
        renderer = Renderer(ctx.base, library, ctx.state.schema, ctx.store.users)
        render = renderer.collection if kind == "collections" else renderer.search
        return single_object(ctx, library, render(obj), obj.version)


async def post_objects(ctx: Ctx, kind: str) -> Response:
    """Multi-object POST for ``items`` or ``collections``: the write report, HTTP 200."""
    write = ctx.start_write()
    library = write.library
    header = ctx.header_version()
    uploads = await json_body(ctx.request)
    if not isinstance(uploads, list):
        raise ApiError(400, "Uploaded data must be a JSON array")
    if len(uploads) > MAX_WRITE_OBJECTS:
        raise ApiError(413, f"Cannot add more than {MAX_WRITE_OBJECTS} {kind} at a time")
    schema = ctx.state.schema
    with write.transaction():
        report = write_many(
            library, kind, uploads, library_header=header, now=ctx.store.now(), schema=schema
        )
        renderer = Renderer(ctx.base, library, schema, ctx.store.users)
        render = {
            "items": renderer.item,
            "collections": renderer.collection,
            "searches": renderer.search,
        }[kind]
        body = {
            "successful": {slot: render(obj) for slot, obj in report.successful.items()},
            "success": report.success,
            "unchanged": report.unchanged,
            "failed": report.failed,
        }
        version = library.version
    return json_response(body, last_modified=version)


@api
async def write_item(ctx: Ctx) -> Response:
    return await write_object(ctx, "items")


async def write_object(ctx: Ctx, kind: str) -> Response:
    """PUT, PATCH or DELETE of one item or collection: 204 with ``Last-Modified-Version``."""
    write = ctx.start_write()
    library = write.library
    key = ctx.request.path_params["key"]
    if not is_valid_key(key):
        raise ApiError(404, "Not found")
    header = ctx.header_version()
    method = ctx.request.method
    body = None if method == "DELETE" else await json_body(ctx.request)
    with write.transaction():
        if method == "DELETE":
            version = delete_single(library, kind, key, header)
            if kind == "items":
                drop_page_indexes(ctx.store, library, version)
        else:
            version = write_single(
                library,
                kind,
                key,
                body,
                header=header,
                method=method,
                now=ctx.store.now(),
                schema=ctx.state.schema,
            )
    return no_content(version)


@api
async def delete_items(ctx: Ctx) -> Response:
    return await delete_objects(ctx, "items", "itemKey")


async def delete_objects(ctx: Ctx, kind: str, key_param: str) -> Response:
    """``DELETE {L}/items?itemKey=A,B`` (or collections): checked against the library version."""
    write = ctx.start_write()
    library = write.library
    header = ctx.header_version()
    query = ctx.request.query_params
    params = parse_list_params(query, [], formats=frozenset({"json"}), key_param=key_param)
    with write.transaction():
        version = delete_many(library, kind, params.keys or [], header)
        if kind == "items":
            drop_page_indexes(ctx.store, library, version)
    return no_content(version)


@api
async def file_items(ctx: Ctx) -> Response:
    """``POST /collections/<key>/items`` with space-separated item keys: 204."""
    write = ctx.start_write()
    library = write.library
    keys = (await ctx.request.body()).decode("utf-8", "replace").split()
    if not keys:
        raise ApiError(400, "POST data not provided")
    with write.transaction():
        version = add_to_collection(library, ctx.request.path_params["key"], keys)
    return no_content(version)


def item_routes(prefix: str) -> list[Route]:
    """The item routes under a library ``prefix`` (specific paths before ``{key}``)."""
    return [
        Route(f"{prefix}/items", list_items, methods=["GET", "HEAD"]),
        Route(f"{prefix}/items", post_items, methods=["POST"]),
        Route(f"{prefix}/items", delete_items, methods=["DELETE"]),
        Route(f"{prefix}/items/top", list_top_items, methods=["GET", "HEAD"]),
        Route(f"{prefix}/items/trash", list_trash, methods=["GET", "HEAD"]),
        Route(f"{prefix}/items/{{key}}/children", list_children, methods=["GET", "HEAD"]),
        Route(f"{prefix}/items/{{key}}", get_item, methods=["GET", "HEAD"]),
        Route(f"{prefix}/items/{{key}}", write_item, methods=["PUT", "PATCH", "DELETE"]),
        Route(
            f"{prefix}/collections/{{key}}/items", list_collection_items, methods=["GET", "HEAD"]
        ),
        Route(f"{prefix}/collections/{{key}}/items", file_items, methods=["POST"]),
        Route(
            f"{prefix}/collections/{{key}}/items/top",
            list_collection_top_items,
            methods=["GET", "HEAD"],
        ),
    ]
