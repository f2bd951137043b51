"""Library-level routes: ``/tags`` (GET, DELETE), item and collection tags, ``/settings``
(GET, POST) and ``/settings/<name>`` (GET, PUT, DELETE), ``/deleted`` and ``/users/<id>/groups``."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from zotmark.sandbox.accounts import group_json
from zotmark.sandbox.atom import ATOM_TYPE, groups_feed
from zotmark.sandbox.context import Ctx, api, json_body
from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.listing import atom_listing, filtered, list_params, unmodified
from zotmark.sandbox.model import Library, StoredObject
from zotmark.sandbox.query import (
    TAG_FORMATS,
    link_header,
    parse_list_params,
    parse_since,
    split_or,
    tag_literal,
)
from zotmark.sandbox.render import Renderer
from zotmark.sandbox.respond import json_response, no_content, respond
from zotmark.sandbox.routes_items import family_filters, scope_items, top_matches
from zotmark.sandbox.selection import page
from zotmark.sandbox.tags_settings import (
    delete_setting,
    delete_tags,
    post_settings,
    put_setting,
    tag_rows,
)


async def _tags(ctx: Ctx, scope: str) -> Response:
    library = ctx.library()
    cached = unmodified(ctx, library)
    if cached is not None:
        return cached
    params = list_params(ctx, TAG_FORMATS, "itemKey")
    key = ctx.request.path_params.get("key")
    query = ctx.request.query_params
    with ctx.store.lock:
        items = _tagged_items(ctx, library, scope, key)
        rows = tag_rows(items, library.tag_versions)
        if params.since is not None:
            rows = [row for row in rows if row.version > params.since]
        if params.tags:  # tag=a || b: those names
            names = {tag_literal(name).lower() for group in params.tags for name in group}
            rows = [row for row in rows if row.name.lower() in names]
        if params.q:
            needle = params.q.lower()
            starts = query.get("qmode") == "startswith"
            rows = [
                row
                for row in rows
                if (row.name.lower().startswith(needle) if starts else needle in row.name.lower())
            ]
        total = len(rows)
        renderer = Renderer(ctx.base, library, ctx.state.schema, ctx.store.users)
        body = [renderer.tag(row) for row in page(rows, params)]
        headers = {
            "Total-Results": str(total),
            "Link": link_header(ctx.base, ctx.request.url.path, params, total),
        }
        if params.format == "atom":
            return atom_listing(ctx, library, body, params, total, headers)
        return json_response(body, last_modified=library.version, headers=headers)


def _tagged_items(ctx: Ctx, library: Library, scope: str, key: str | None) -> list[StoredObject]:
    """The items whose tags a tag listing shows: the library's, one item's, a collection's, or
    those an item listing (``/items[/top]/tags``, ``/collections/<key>/items[/top]/tags``)
    selects with ``itemQ``, ``itemTag`` and ``itemType``."""
    if scope == "library":
        return list(library.items.values())
    if scope == "item":
        if key not in library.items:
            raise ApiError(404, "Item not found")
        return [library.items[key]]
    if key is not None and key not in library.collections:
        raise ApiError(404, "Collection not found")
    if scope == "collection":
        return [i for i in library.items.values() if key in i.data.get("collections", ())]
    query = ctx.request.query_params
    item_params = parse_list_params(
        {name: query[name] for name in ("itemQ", "itemType", "includeTrashed") if name in query}
        | ({"q": query["itemQ"]} if "itemQ" in query else {}),
        query.getlist("itemTag"),
        formats=frozenset({"json"}),
        key_param="itemKey",
    )
    if scope.endswith("top") and family_filters(item_params):
        return top_matches(library, scope, item_params, key)
    listing_scope = "collection" if scope == "collection-items" else scope  # views.in_scope's
    return filtered(
        scope_items(library, listing_scope, item_params.include_trashed, key), item_params
    )


@api
async def list_tags(ctx: Ctx) -> Response:
    return await _tags(ctx, "library")


@api
async def list_item_tags(ctx: Ctx) -> Response:
    return await _tags(ctx, "item")


@api
async def list_collection_tags(ctx: Ctx) -> Response:
    return await _tags(ctx, "collection")


@api
async def list_items_tags(ctx: Ctx) -> Response:
    return await _tags(ctx, "all")


@api
async def list_top_items_tags(ctx: Ctx) -> Response:
    return await _tags(ctx, "top")


@api
async def list_collection_items_tags(ctx: Ctx) -> Response:
    return await _tags(ctx, "collection-items")


@api
async def list_collection_top_items_tags(ctx: Ctx) -> Response:
    return await _tags(ctx, "collection-top")


@api
async def remove_tags(ctx: Ctx) -> Response:
    write = ctx.start_write()
    library = write.library
    header = ctx.header_version()
    names = [
        name.strip()
        for value in ctx.request.query_params.getlist("tag")
        for name in split_or(value)
        if name.strip()
    ]
    with write.transaction():
        version = delete_tags(library, names, header)
    return no_content(version)


@api
async def get_settings(ctx: Ctx) -> Response:
    library = ctx.library()
    cached = unmodified(ctx, library)
    if cached is not None:
        return cached
    since = parse_list_params(
        ctx.request.query_params, [], formats=frozenset({"json"}), key_param="settingKey"
    ).since
    with ctx.store.lock:
        body = {
            name: {"value": setting.value, "version": setting.version}
            for name, setting in sorted(library.settings.items())
            if since is None or setting.version > since
        }
        return json_response(body, last_modified=library.version)


@api
async def get_setting(ctx: Ctx) -> Response:
    library = ctx.library()
    name = ctx.request.path_params["name"]
    with ctx.store.lock:
        setting = library.settings.get(name)
        if setting is None:
            raise ApiError(404, "Setting not found")
        body = {"value": setting.value, "version": setting.version}
        return json_response(body, last_modified=setting.version)


@api
async def write_setting(ctx: Ctx) -> Response:
    write = ctx.start_write()
    library = write.library
    name = ctx.request.path_params["name"]
    header = ctx.header_version()
    body = await json_body(ctx.request) if ctx.request.method == "PUT" else None
    with write.transaction():
        if ctx.request.method == "PUT":
            version = put_setting(library, name, body, header)
        else:
            version = delete_setting(library, name, header)
    return no_content(version)


@api
async def post_settings_route(ctx: Ctx) -> Response:
    write = ctx.start_write()
    library = write.library
    header = ctx.header_version()
    body = await json_body(ctx.request)
    with write.transaction():
        version = post_settings(library, body, header)
    return no_content(version)


@api
async def get_deleted(ctx: Ctx) -> Response:
    library = ctx.library()
    raw = ctx.request.query_params.get("since") or ctx.request.query_params.get("newer")
    if raw is None or raw == "":
        raise ApiError(400, "'since' parameter must be provided")
    since = parse_since(raw)
    with ctx.store.lock:
        # in key order, as the delete log's primary key lists them (session 3 of
        # zotmark-on-dataserver: ["9TLIKT75", "NNBV4AVY"] for keys deleted in the other order)
        body = {
            kind: sorted(name for name, version in entries.items() if version > since)
            for kind, entries in library.deleted.items()
        }
        return json_response(body, last_modified=library.version)


@api
async def list_groups(ctx: Ctx) -> Response:
    """``/users/<id>/groups``: the user's groups the request may see: public ones for anyone,
    private ones for a key of that user with access to them (dataserver permission tests)."""
    user_id = ctx.request.path_params["lid"]
    if user_id not in ctx.store.users:
        raise ApiError(404, "Not found")
    key = ctx.key
    with ctx.store.lock:
        body = []
        for group in ctx.store.groups.values():
            if user_id not in group.members and user_id not in group.admins:
                continue
            library = ctx.store.libraries[f"/groups/{group.id}"]
            own_key = key is not None and key.user_id == user_id and key.can_read(library)
            if group.type != "Private" or own_key:
                body.append(_group_json(ctx, group.id))
    if ctx.request.query_params.get("format") == "atom" or "content" in ctx.request.query_params:
        return respond(groups_feed(body), ATOM_TYPE, headers={"Total-Results": str(len(body))})
    return json_response(body, headers={"Total-Results": str(len(body))})


def _group_json(ctx: Ctx, group_id: int) -> dict[str, object]:
    group = ctx.store.groups[group_id]
    library = ctx.store.libraries[f"/groups/{group_id}"]
    href = f"{ctx.base}/groups/{group_id}"
    return {
        "id": group.id,
        "version": 1,
        "links": {
            "self": {"href": href, "type": "application/json"},
            "alternate": {"href": href, "type": "text/html"},
        },
        "meta": {"numItems": len(library.items)},
        "data": {"id": group.id, "version": 1} | group_json(group),
    }


@api
async def invalid_library(ctx: Ctx) -> Response:
    """``/users/foo/...``: the server casts the id to a number, and 0 is no library."""
    raise ApiError(400, f"Invalid {ctx.request.path_params['ltype'][:-1]} ID")


def invalid_library_routes() -> list[Route]:
    """Catch-alls for ``/users/<not a number>[/...]`` (and ``/groups/...``)."""
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    return [
        Route("/{ltype:ltype}/{lid:badid}", invalid_library, methods=methods),
        Route("/{ltype:ltype}/{lid:badid}/{rest:path}", invalid_library, methods=methods),
    ]


def library_routes(prefix: str) -> list[Route]:
    """Tags, settings, deleted and searches routes under a library ``prefix``."""
    return [
        Route(f"{prefix}/tags", list_tags, methods=["GET", "HEAD"]),
        Route(f"{prefix}/tags", remove_tags, methods=["DELETE"]),
        Route(f"{prefix}/items/tags", list_items_tags, methods=["GET", "HEAD"]),
        Route(f"{prefix}/items/top/tags", list_top_items_tags, methods=["GET", "HEAD"]),
        Route(
            f"{prefix}/collections/{{key}}/items/tags",
            list_collection_items_tags,
            methods=["GET", "HEAD"],
        ),
        Route(
            f"{prefix}/collections/{{key}}/items/top/tags",
            list_collection_top_items_tags,
            methods=["GET", "HEAD"],
        ),
        Route(f"{prefix}/items/{{key}}/tags", list_item_tags, methods=["GET", "HEAD"]),
        Route(f"{prefix}/collections/{{key}}/tags", list_collection_tags, methods=["GET", "HEAD"]),
        Route(f"{prefix}/settings", get_settings, methods=["GET", "HEAD"]),
        Route(f"{prefix}/settings", post_settings_route, methods=["POST"]),
        Route(f"{prefix}/settings/{{name}}", get_setting, methods=["GET", "HEAD"]),
        Route(f"{prefix}/settings/{{name}}", write_setting, methods=["PUT", "DELETE"]),
        Route(f"{prefix}/deleted", get_deleted, methods=["GET", "HEAD"]),
    ]
