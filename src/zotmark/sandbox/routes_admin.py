"""Out-of-process control under ``/_sandbox`` (never faulted, never counted):

* ``GET /_sandbox/stats[?log=0]`` — request counters and log (see :mod:`zotmark.sandbox.stats`);
* ``POST /_sandbox/stats/reset`` — zero the counters;
* ``POST /_sandbox/reset`` — empty every library, clear faults, counters and captured errors;
* ``GET|POST|DELETE /_sandbox/faults`` — list, add (body: a fault spec, as text or
  ``{"spec": "..."}``) or clear fault rules (grammar in :mod:`zotmark.sandbox.faults`);
* ``GET|PUT|DELETE /_sandbox/keys/<key>`` — a key's access (as ``/keys/<key>`` shows it),
  replace it (body ``{"userID"?, "access": {...}}``, creating the key) or remove the key;
* ``POST /_sandbox/users`` — add a user (``{"id"?, "username", "displayName"?}``) with an
  empty library;
* ``POST /_sandbox/groups``, ``DELETE /_sandbox/groups/<id>`` — add a group (``{"name",
  "owner", "type", "libraryReading", "libraryEditing", "fileEditing", "members", "admins"}``)
  or delete one with its library.

Users, groups and keys come back as they started with ``/_sandbox/reset`` (see
:mod:`zotmark.sandbox.accounts`).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from zotmark.sandbox import accounts
from zotmark.sandbox.auth import key_json
from zotmark.sandbox.context import SandboxState
from zotmark.sandbox.faults import FaultSpecError


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.scope["sandbox"]
    return state


async def stats(request: Request) -> Response:
    with_log = request.query_params.get("log", "1") not in ("0", "false")
    return JSONResponse(_state(request).stats.snapshot(log=with_log))


async def reset_stats(request: Request) -> Response:
    _state(request).stats.reset()
    return Response(status_code=204)


async def reset(request: Request) -> Response:
    _state(request).reset()
    return Response(status_code=204)


async def faults(request: Request) -> Response:
    state = _state(request)
    if request.method == "DELETE":
        state.faults.clear()
        return Response(status_code=204)
    if request.method == "POST":
        raw = (await request.body()).decode("utf-8", "replace").strip()
        spec = raw
        if raw.startswith("{"):
            try:
                spec = str(json.loads(raw).get("spec", ""))
            except (ValueError, AttributeError):
                return PlainTextResponse('body must be a fault spec or {"spec": ...}', 400)
        try:
            state.faults.add(spec)
        except FaultSpecError as bad:
            return PlainTextResponse(str(bad), 400)
        return Response(status_code=204)
    return JSONResponse(state.faults.describe())


async def _json(request: Request) -> object:
    try:
        return json.loads(await request.body() or b"{}")
    except ValueError:
        raise accounts.AccountError(400, "body must be JSON") from None


async def keys(request: Request) -> Response:
    store = _state(request).store
    name = request.path_params["key"]
    try:
        if request.method == "PUT":
            accounts.set_key(store, name, await _json(request))
        elif request.method == "DELETE":
            if store.api_keys.pop(name, None) is None:
                raise accounts.AccountError(404, "key not found")
            return Response(status_code=204)
        with store.lock:
            key = store.api_keys.get(name)
            if key is None:
                raise accounts.AccountError(404, "key not found")
            return JSONResponse(key_json(store, key))
    except accounts.AccountError as refused:
        return PlainTextResponse(str(refused), refused.status)


async def users(request: Request) -> Response:
    try:
        user = accounts.add_user(_state(request).store, await _json(request))
    except accounts.AccountError as refused:
        return PlainTextResponse(str(refused), refused.status)
    return JSONResponse({"id": user.id, "username": user.username}, 201)


async def groups(request: Request) -> Response:
    store = _state(request).store
    try:
        if request.method == "DELETE":
            accounts.remove_group(store, int(request.path_params["id"]))
            return Response(status_code=204)
        group = accounts.add_group(store, await _json(request))
    except accounts.AccountError as refused:
        return PlainTextResponse(str(refused), refused.status)
    return JSONResponse(accounts.group_json(group), 201)


def admin_routes() -> list[Route]:
    return [
        Route("/_sandbox/keys/{key}", keys, methods=["GET", "PUT", "DELETE"]),
        Route("/_sandbox/users", users, methods=["POST"]),
        Route("/_sandbox/groups", groups, methods=["POST"]),
        Route("/_sandbox/groups/{id:int}", groups, methods=["DELETE"]),
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
    ]
