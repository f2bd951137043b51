"""Per-request plumbing shared by the route modules.

``SandboxState`` is everything a request may touch (store, schema, faults, stats, captured
errors); it rides in the ASGI scope under ``"sandbox"``. ``Ctx`` is one authenticated request:
its key, its base URL, and helpers for the library in the path, the JSON body and version
headers; :meth:`Ctx.start_write` begins a :class:`Write` (``Zotero-Write-Token`` included).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from zotmark.sandbox.accounts import Accounts, restore, snapshot
from zotmark.sandbox.auth import authenticate, open_library
from zotmark.sandbox.canonical import DESKTOP_CLIENT
from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.faults import FaultSet
from zotmark.sandbox.model import Library
from zotmark.sandbox.respond import error_response
from zotmark.sandbox.schema import Schema, load_schema
from zotmark.sandbox.stats import Stats
from zotmark.sandbox.store import ApiKey, Store
from zotmark.sandbox.streaming import StreamHub
from zotmark.sandbox.writes import ACTING_USER

WRITE_TOKEN_SECONDS = 12 * 3600
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class SandboxState:
    """Everything the server's requests share."""

    store: Store
    schema: Schema = field(default_factory=load_schema)
    faults: FaultSet = field(default_factory=FaultSet)
    stats: Stats = field(default_factory=Stats)
    errors: list[BaseException] = field(default_factory=list)
    public_url: str | None = None
    latency_ms: float = 0.0
    hub: StreamHub = field(init=False)
    accounts: Accounts = field(init=False)

    def __post_init__(self) -> None:
        self.hub = StreamHub(self.store)
        self.accounts = snapshot(self.store)

    def reset(self) -> None:
        """Empty every library, clear faults, counters and captured errors; users, groups and
        keys changed under ``/_sandbox`` are as they were at the start."""
        restore(self.store, self.accounts)
        self.store.clear_data()
        self.faults.clear()
        self.stats.reset()
        self.errors.clear()


@dataclass
class Ctx:
    """One authenticated API request."""

    state: SandboxState
    request: Request
    key: ApiKey | None
    base: str

    @property
    def store(self) -> Store:
        return self.state.store

    def library(self, *, write: bool = False) -> Library:
        """The library named by the path (``/users/<id>`` or ``/groups/<id>``), access-checked."""
        params = self.request.path_params
        return open_library(self.store, self.key, params["ltype"][:-1], params["lid"], write=write)

    def header_version(self, name: str = "if-unmodified-since-version") -> int | None:
        """An integer version header, or None when absent; 400 when not a number."""
        value = self.request.headers.get(name)
        if value is None:
            return None
        if not value.strip().isdigit():
            title = "-".join(part.capitalize() for part in name.split("-"))
            raise ApiError(400, f"Invalid {title} value '{value}'")
        return int(value)

    def start_write(self) -> Write:
        """Begin a write request: check its ``Zotero-Write-Token``, then write access to the
        library in the path (in that order, before the body is read, as the server does)."""
        token = self._write_token()
        return Write(self, self.library(write=True), token)

    def _write_token(self) -> str | None:
        """Check ``Zotero-Write-Token`` before a write: 400 if malformed, 412 if already used."""
        token = self.request.headers.get("zotero-write-token")
        if not token:
            return None
        if not 5 <= len(token) <= 32:
            raise ApiError(400, "Write token must be 5-32 characters in length", early=True)
        if self.key is None:
            raise ApiError(400, "Write token cannot be used without an API key", early=True)
        expiry = self.store.write_tokens.get((self.key.key, token))
        if expiry is not None and expiry > self.store.clock().timestamp():
            raise ApiError(412, "Write token already used", early=True)
        return token


@dataclass
class Write:
    """A write request under way (:meth:`Ctx.start_write`): the library it writes to."""

    ctx: Ctx
    library: Library
    token: str | None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The store's transaction for the write; its write token is remembered (12 hours, per
        API key) when the block succeeds: a refused write leaves the token free for a retry."""
        store, key = self.ctx.store, self.ctx.key
        with store.transaction():
            yield
            if self.token and key is not None:
                expiry = store.clock().timestamp() + WRITE_TOKEN_SECONDS
                store.write_tokens[(key.key, self.token)] = expiry


async def json_body(request: Request) -> Any:
    """The request's JSON body; 400 with the real server's texts when empty or malformed."""
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, f"{request.method} data not provided")
    try:
        decoded = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "JSON Error: Syntax error, malformed JSON") from None
    return clean_strings(decoded)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def clean_strings(value: Any) -> Any:
    """Control characters (but tab and line feed) removed from every string of a decoded body,
    as dataserver's ``cleanStringRecursive`` does (``a\u0001b`` is stored as ``ab``, session 3
    of zotmark-on-dataserver)."""
    if isinstance(value, str):
        return _CONTROL.sub("", value) if _CONTROL.search(value) else value
    if isinstance(value, list):
        return [clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: clean_strings(v) for k, v in value.items()}
    return value


def base_url(request: Request, state: SandboxState) -> str:
    """The absolute URL prefix for links: the configured public URL or the request's host."""
    if state.public_url:
        return state.public_url.rstrip("/")
    host = request.headers.get("host") or "127.0.0.1"
    return f"{request.url.scheme}://{host}"


def api(handler: Callable[[Ctx], Awaitable[Response]]) -> Endpoint:
    """Wrap a handler: authenticate, build the :class:`Ctx`, turn :class:`ApiError` into text."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        state: SandboxState = request.scope["sandbox"]
        try:
            key = authenticate(state.store, request.headers, request.query_params, request.method)
            ACTING_USER.set(key.user_id if key is not None else None)
            DESKTOP_CLIENT.set("Firefox" in request.headers.get("user-agent", ""))
            ctx = Ctx(state, request, key, base_url(request, state))
            return await handler(ctx)
        except ApiError as refused:
            return error_response(refused)

    return endpoint
