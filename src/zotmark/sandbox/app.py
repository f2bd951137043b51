"""The ASGI application: routing plus the sandbox's own layer of faults, stats and error capture.

:class:`SandboxApp` wraps a Starlette router. For every API request (``/_sandbox`` excluded) it
applies the matching fault rules (latency, a concurrent writer, 429/503 or garbage instead of
serving, ``Backoff`` on the response, the response dropped or spoiled after the request was
served), counts the
request, and records any unexpected exception in ``state.errors`` (answering 500 ``An error
occurred``) so the test harness can re-raise it in the test.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import BaseRoute, Route, Router, WebSocketRoute

from zotmark.sandbox import backdoor
from zotmark.sandbox.context import SandboxState
from zotmark.sandbox.faults import Fault
from zotmark.sandbox.garbage import BODIES, Spoiler
from zotmark.sandbox.routes_admin import admin_routes
from zotmark.sandbox.routes_collections import collection_routes
from zotmark.sandbox.routes_items import item_routes
from zotmark.sandbox.routes_library import invalid_library_routes, library_routes, list_groups
from zotmark.sandbox.routes_meta import meta_routes
from zotmark.sandbox.routes_searches import search_routes
from zotmark.sandbox.stats import LoggedRequest
from zotmark.sandbox.streaming import stream_endpoint

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_LIBRARY_PATH = re.compile(r"^/(users|groups)/(\d+)")
_ITEM_PATH = re.compile(r"/items/([23456789A-Z]{8})")
_ROUTE_KEYS = re.compile(r"/[23456789A-Z]{8}(?=/|$)")
_ROUTE_IDS = re.compile(r"/\d+(?=/|$)")
_KEY_PATH = re.compile(r"^/keys/(?!current$)[^/]+")
_KEY_PARAM = re.compile(r"(^|&)key=[^&]*")


class LibraryTypeConvertor(Convertor[str]):
    """``users`` or ``groups`` in a path."""

    regex = "users|groups"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class BadIdConvertor(Convertor[str]):
    """A library id that is not a positive number (``foo``, ``0``)."""

    regex = "0+|[^/]*[^0-9/][^/]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("ltype", LibraryTypeConvertor())
register_url_convertor("badid", BadIdConvertor())


def build_routes() -> list[BaseRoute]:
    """Every route of the sandbox, specific paths before parametrised ones."""
    prefix = "/{ltype:ltype}/{lid:int}"
    routes: list[BaseRoute] = [WebSocketRoute("/", stream_endpoint)]
    routes += admin_routes()
    routes += meta_routes()
    routes.append(Route("/users/{lid:int}/groups", list_groups, methods=["GET", "HEAD"]))
    routes += library_routes(prefix)
    routes += item_routes(prefix)
    routes += collection_routes(prefix)
    routes += search_routes(prefix)
    routes += invalid_library_routes()
    return routes


def route_pattern(path: str) -> str:
    """A path with ids and object keys replaced, for per-route counters."""
    return _ROUTE_IDS.sub("/{id}", _ROUTE_KEYS.sub("/{key}", masked_path(path)))


def masked_path(path: str) -> str:
    """The path with an API key in ``/keys/<key>`` replaced (keys never reach logs)."""
    return _KEY_PATH.sub("/keys/{api_key}", path)


def masked_query(query: str) -> str:
    """The query string with a ``key=`` value replaced."""
    return _KEY_PARAM.sub(r"\1key=…", query)


class SandboxApp:
    """The ASGI callable uvicorn serves."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.router = Router(routes=build_routes())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["sandbox"] = self.state
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.router(scope, receive, send)
            return
        await self._serve(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        faults = self.state.faults.pick(method, path)
        kinds = {fault.kind: fault for fault in faults}
        record = _Recorder(self.state, scope, dropped="drop" in kinds)
        if self.state.latency_ms:
            await asyncio.sleep(self.state.latency_ms / 1000)
        for fault in faults:
            if fault.kind == "latency" and fault.value:
                await asyncio.sleep(fault.value / 1000)
        if "concurrent" in kinds:
            self._concurrent_write(path)
        refusal = kinds.get("429") or kinds.get("503")
        garbage = kinds["garbage"].garbage if "garbage" in kinds else None
        if refusal is not None:
            await _refuse(refusal, send, record)
        elif garbage in BODIES:
            content_type, body = BODIES[garbage]
            record(200)
            await _plain(send, 200, body, [], content_type)
        else:
            await self._run(scope, receive, send, kinds, record)
        record(0)  # no response at all (normally already recorded)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, kinds: dict[str, Fault], record: _Recorder
    ) -> None:
        backoff = kinds.get("backoff")
        drop = "drop" in kinds
        spoil = Spoiler(kinds["garbage"].garbage or "") if "garbage" in kinds else None

        async def wrapped(message: Message) -> None:
            if spoil is not None:
                message = spoil(message)
            if message["type"] == "http.response.start":
                if backoff is not None:
                    value = f"{backoff.value:g}".encode()
                    message["headers"] = [*message.get("headers", []), (b"backoff", value)]
                record(message["status"])  # before the client can see the response
            if not drop:
                await send(message)

        try:
            await self.router(scope, receive, wrapped)
        except Exception as error:  # recorded for the test harness, answered like the server
            self.state.errors.append(error)
            if not record.done and not drop:
                record(500)
                await _plain(send, 500, b"An error occurred", [])
        if drop:
            _drop_connection(send)

    def _concurrent_write(self, path: str) -> None:
        match = _LIBRARY_PATH.match(path)
        if match is None:
            return
        library = self.state.store.library(match.group(1)[:-1], int(match.group(2)))
        if library is not None:
            item = _ITEM_PATH.search(path)
            backdoor.touch(self.state.store, library, item.group(1) if item else None)


class _Recorder:
    """Counts one request in the stats exactly once, at the moment its status is known."""

    def __init__(self, state: SandboxState, scope: Scope, *, dropped: bool) -> None:
        self.state = state
        self.scope = scope
        self.dropped = dropped
        self.started = time.perf_counter()
        self.done = False

    def __call__(self, status: int) -> None:
        if self.done:
            return
        self.done = True
        path = self.scope["path"]
        query = masked_query(self.scope.get("query_string", b"").decode("latin-1"))
        elapsed = round((time.perf_counter() - self.started) * 1000, 3)
        entry = LoggedRequest(
            self.scope["method"], masked_path(path), query, status, elapsed, self.dropped
        )
        self.state.stats.record(entry, route_pattern(path))


async def _refuse(fault: Fault, send: Send, record: _Recorder) -> None:
    status = int(fault.kind)
    # The real server refuses these in ApiController::init, before its version headers.
    headers: list[tuple[bytes, bytes]] = []
    if fault.value is not None or status == 429:
        seconds = int(fault.value) if fault.value is not None else 1
        headers.append((b"retry-after", str(seconds).encode()))
    body = b"Request rate limit exceeded" if status == 429 else b"Service unavailable"
    record(status)
    await _plain(send, status, body, headers)


async def _plain(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    content_type: bytes = b"text/html; charset=UTF-8",
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *headers,
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _drop_connection(send: Send) -> None:
    """Close the client connection without a response (uvicorn's transport, via ``send``)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise RuntimeError("the 'drop' fault needs uvicorn's HTTP/1.1 server")
    transport.abort()
    if cycle is not None and hasattr(cycle, "disconnected"):
        cycle.disconnected = True  # uvicorn then sends nothing more for this request
