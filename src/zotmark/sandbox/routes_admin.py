"""Out-of-process control under ``/_sandbox`` (never faulted, never counted):

* ``GET /_sandbox/stats[?log=0]`` — request counters and log (see :mod:`zotmark.sandbox.stats`);
* ``POST /_sandbox/stats/reset`` — zero the counters;
* ``POST /_sandbox/reset`` — empty every library, clear faults, counters and captured errors;
* ``GET|POST|DELETE /_sandbox/faults`` — list, add (body: a fault spec, as text or
  ``{"spec": "..."}``) or clear fault rules (grammar in :mod:`zotmark.sandbox.faults`).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

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


def admin_routes() -> list[Route]:
    return [
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
    ]
