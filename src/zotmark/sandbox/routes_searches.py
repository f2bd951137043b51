"""Saved-search routes: ``{L}/searches`` (list, POST, multi-DELETE) and ``/searches/<key>``
(GET, PUT, PATCH, DELETE). Searches are stored and versioned like collections; running them
(``/searches/<key>/items``) is not emulated."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from zotmark.sandbox.context import Ctx, api
from zotmark.sandbox.listing import filtered, list_params, listing, unmodified
from zotmark.sandbox.query import SEARCH_FORMATS
from zotmark.sandbox.render import Renderer
from zotmark.sandbox.routes_items import delete_objects, get_object, post_objects, write_object


@api
async def list_searches(ctx: Ctx) -> Response:
    library = ctx.library()
    cached = unmodified(ctx, library)
    if cached is not None:
        return cached
    params = list_params(ctx, SEARCH_FORMATS, "searchKey")
    with ctx.store.lock:
        renderer = Renderer(ctx.base, library, ctx.state.schema, ctx.store.users)
        chosen = filtered(library.searches.values(), params)
        return listing(ctx, library, chosen, params, renderer.search)


@api
async def get_search(ctx: Ctx) -> Response:
    return await get_object(ctx, "searches", "Search")


@api
async def post_searches(ctx: Ctx) -> Response:
    return await post_objects(ctx, "searches")


@api
async def write_search(ctx: Ctx) -> Response:
    return await write_object(ctx, "searches")


@api
async def delete_searches(ctx: Ctx) -> Response:
    return await delete_objects(ctx, "searches", "searchKey")


def search_routes(prefix: str) -> list[Route]:
    """The saved-search routes under a library ``prefix``."""
    return [
        Route(f"{prefix}/searches", list_searches, methods=["GET", "HEAD"]),
        Route(f"{prefix}/searches", post_searches, methods=["POST"]),
        Route(f"{prefix}/searches", delete_searches, methods=["DELETE"]),
        Route(f"{prefix}/searches/{{key}}", get_search, methods=["GET", "HEAD"]),
        Route(f"{prefix}/searches/{{key}}", write_search, methods=["PUT", "PATCH", "DELETE"]),
    ]
