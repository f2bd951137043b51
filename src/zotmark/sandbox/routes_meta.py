"""Routes that are not library-scoped: ``/keys/current``, ``/keys/<key>``, ``/itemTypes``,
``/itemFields``, ``/itemTypeFields``, ``/itemTypeCreatorTypes``, ``/creatorFields``,
``/items/new`` and ``/schema``. The mapping endpoints need no key and always answer 200 (the real
server ignores ``If-Modified-Since`` there)."""

from __future__ import annotations

import zlib

from starlette.responses import Response
from starlette.routing import Route

from zotmark.sandbox.auth import key_json
from zotmark.sandbox.context import Ctx, api
from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.respond import JSON_TYPE, json_response, respond
from zotmark.sandbox.schema import (
    CREATOR_FIELDS,
    TEMPLATE_ANNOTATION_TYPES,
    ItemType,
    schema_bytes,
)
from zotmark.sandbox.validation import LINK_MODES


@api
async def current_key(ctx: Ctx) -> Response:
    if ctx.key is None:
        raise ApiError(403, "Forbidden")
    body = key_json(ctx.store, ctx.key)
    if ctx.request.query_params.get("showid"):
        body["id"] = zlib.crc32(ctx.key.key.encode()) % 1_000_000
    return json_response(body)


@api
async def named_key(ctx: Ctx) -> Response:
    info = ctx.store.api_keys.get(ctx.request.path_params["key"])
    if info is None:
        raise ApiError(404, "Key not found")
    return json_response(key_json(ctx.store, info))


def _item_type(ctx: Ctx, *, annotation: bool = False) -> ItemType:
    """The ``itemType`` parameter's type; ``annotation`` only where it is allowed (a new
    item's template): the field and creator-type listings refuse it, as dataserver does."""
    name = ctx.request.query_params.get("itemType")
    if not name:
        raise ApiError(400, "'itemType' not provided")
    item_type = ctx.state.schema.item_type(name)
    if item_type is None or (not annotation and name == "annotation"):
        raise ApiError(400, f"Invalid item type '{name}'")
    return item_type


@api
async def item_types(ctx: Ctx) -> Response:
    return json_response(ctx.state.schema.item_types_listing())


@api
async def item_fields(ctx: Ctx) -> Response:
    return json_response(ctx.state.schema.item_fields_listing())


@api
async def item_type_fields(ctx: Ctx) -> Response:
    return json_response(ctx.state.schema.type_fields_listing(_item_type(ctx)))


@api
async def item_type_creator_types(ctx: Ctx) -> Response:
    item_type = _item_type(ctx)
    return json_response(ctx.state.schema.creator_types_listing(item_type))


@api
async def creator_fields(ctx: Ctx) -> Response:
    return json_response(list(CREATOR_FIELDS))


@api
async def new_item(ctx: Ctx) -> Response:
    query = ctx.request.query_params
    name = query.get("itemType")
    link_mode = query.get("linkMode") or None
    annotation_type = None
    if name == "attachment":
        if not link_mode:
            raise ApiError(400, "linkMode required for itemType=attachment")
        if link_mode not in LINK_MODES:
            raise ApiError(400, f"Invalid linkMode '{link_mode}'")
    elif name == "annotation":
        annotation_type = query.get("annotationType")
        if not annotation_type:
            raise ApiError(400, "annotationType required for itemType=annotation")
        if annotation_type not in TEMPLATE_ANNOTATION_TYPES:
            raise ApiError(400, f"Invalid annotationType '{annotation_type}'")
    item_type = _item_type(ctx, annotation=True)
    return json_response(ctx.state.schema.template(item_type, link_mode, annotation_type))


@api
async def schema(ctx: Ctx) -> Response:
    return respond(schema_bytes(), JSON_TYPE)


def meta_routes() -> list[Route]:
    """The non-library routes."""
    return [
        Route("/keys/current", current_key, methods=["GET", "HEAD"]),
        Route("/keys/{key}", named_key, methods=["GET", "HEAD"]),
        Route("/itemTypes", item_types, methods=["GET", "HEAD"]),
        Route("/itemFields", item_fields, methods=["GET", "HEAD"]),
        Route("/itemTypeFields", item_type_fields, methods=["GET", "HEAD"]),
        Route("/itemTypeCreatorTypes", item_type_creator_types, methods=["GET", "HEAD"]),
        Route("/creatorFields", creator_fields, methods=["GET", "HEAD"]),
        Route("/items/new", new_item, methods=["GET", "HEAD"]),
        Route("/schema", schema, methods=["GET", "HEAD"]),
    ]
