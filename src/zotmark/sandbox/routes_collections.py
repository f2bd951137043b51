"""Collection routes: ``{L}/collections`` (list, POST, multi-DELETE), ``/collections/top``,
``/collections/<key>`` (GET, PUT, PATCH, DELETE) and ``/collections/<key>/collections``."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from zotmark.sandbox.context import Ctx, api
from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.listing import filtered, list_params, listing, unmodified
from zotmark.sandbox.query import COLLECTION_FORMATS
from zotmark.sandbox.render import Renderer
from zotmark.sandbox.routes_items import delete_objects, get_object, post_objects, write_object


async def _list(ctx: Ctx, parent: str | None, top: bool) -> Response:
    library = ctx.library()
    cached = unmodified(ctx, library)
    if cached is not None:
        return cached
    params = list_params(ctx, COLLECTION_FORMATS, "collectionKey")
    with ctx.store.lock:
        if parent is not None and parent not in library.collections:
            raise ApiError(404, "Collection not found")
        chosen = [
            c
            for c in library.collections.values()
            if (not top or not c.data["parentCollection"])
            and (parent is None or c.data["parentCollection"] == parent)
        ]
        renderer = Renderer(ctx.base, library, ctx.state.schema, ctx.store.users)
        return listing(ctx, library, filtered(chosen, params), params, renderer.collection)


@api
async def list_collections(ctx: Ctx) -> Response:
    return await _list(ctx, None, top=False)


@api
async def list_top_collections(ctx: Ctx) -> Response:
    return await _list(ctx, None, top=True)


@api
async def list_subcollections(ctx: Ctx) -> Response:
    return await _list(ctx, ctx.request.path_params["key"], top=False)


@api
async def get_collection(ctx: Ctx) -> Response:
    return await get_object(ctx, "collections", "Collection")


@api
async def post_collections(ctx: Ctx) -> Response:
    return await post_objects(ctx, "collections")


@api
async def write_collection(ctx: Ctx) -> Response:
    return await write_object(ctx, "collections")


@api
async def delete_collections(ctx: Ctx) -> Response:
    return await delete_objects(ctx, "collections", "collectionKey")


def collection_routes(prefix: str) -> list[Route]:
    """The collection routes under a library ``prefix``."""
    return [
        Route(f"{prefix}/collections", list_collections, methods=["GET", "HEAD"]),
        Route(f"{prefix}/collections", post_collections, methods=["POST"]),
        Route(f"{prefix}/collections", delete_collections, methods=["DELETE"]),
        Route(f"{prefix}/collections/top", list_top_collections, methods=["GET", "HEAD"]),
        Route(
            f"{prefix}/collections/{{key}}/collections",
            list_subcollections,
            methods=["GET", "HEAD"],
        ),
        Route(f"{prefix}/collections/{{key}}", get_collection, methods=["GET", "HEAD"]),
        Route(
            f"{prefix}/collections/{{key}}", write_collection, methods=["PUT", "PATCH", "DELETE"]
        ),
    ]
