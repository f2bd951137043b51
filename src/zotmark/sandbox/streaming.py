"""The Zotero streaming API (``wss://stream.zotero.org/``) as a WebSocket endpoint at ``/``.

Protocol (zotero/stream-server): on connect the server sends ``{"event": "connected",
"retry": 10000}`` — with ``"topics"`` when the socket was opened with a key (``?key=`` or
``Zotero-API-Key``), which subscribes every topic the key can see and cannot be modified. A bare
connection sends ``{"action": "createSubscriptions", "subscriptions": [{"apiKey": K,
"topics": [...]?}]}`` and gets ``subscriptionsCreated`` (with ``errors`` for topics the key may
not see); ``deleteSubscriptions`` answers ``subscriptionsDeleted``. After every request that moved
a library's version each subscriber of its topic gets ``{"event": "topicUpdated", "topic":
"/users/1", "version": N}``. Errors close the socket with 4000 + HTTP status (4400, 4403, 4405,
4409).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from zotmark.sandbox.model import Library
from zotmark.sandbox.store import ApiKey, Store

RETRY_MS = 10_000


class CloseConnection(Exception):
    """Close the socket with ``code`` (4000 + HTTP status) and ``reason``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(eq=False)
class Subscriber:
    """One WebSocket connection: its topics (topic -> api key or None) and its outbox."""

    queue: asyncio.Queue[dict[str, Any]]
    single_key: bool = False
    topics: dict[str, str | None] = field(default_factory=dict)


class StreamHub:
    """Fans library version changes out to subscribed connections (thread-safe entry point)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.loop: asyncio.AbstractEventLoop | None = None
        self.subscribers: set[Subscriber] = set()
        store.listeners.append(self.library_changed)

    def library_changed(self, library: Library) -> None:
        """Store listener: queue ``topicUpdated`` for the library's subscribers (any thread)."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        message = {"event": "topicUpdated", "topic": library.prefix, "version": library.version}
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._dispatch, message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        for subscriber in list(self.subscribers):
            if message["topic"] in subscriber.topics:
                subscriber.queue.put_nowait(message)

    def topics_for(self, key: ApiKey) -> list[str]:
        """Every topic ``key`` can read: its user library, then its groups."""
        with self.store.lock:
            return [
                library.prefix for library in self.store.libraries.values() if key.can_read(library)
            ]


async def stream_endpoint(websocket: WebSocket) -> None:
    """Serve one streaming connection until the client leaves or an error closes it."""
    hub: StreamHub = websocket.scope["sandbox"].hub
    hub.loop = asyncio.get_running_loop()
    await websocket.accept()
    subscriber = Subscriber(asyncio.Queue())
    try:
        await _greet(websocket, hub, subscriber)
        hub.subscribers.add(subscriber)
        await _serve(websocket, hub, subscriber)
    except CloseConnection as closing:
        await websocket.close(code=closing.code, reason=closing.reason)
    except WebSocketDisconnect:
        pass
    finally:
        hub.subscribers.discard(subscriber)


async def _greet(websocket: WebSocket, hub: StreamHub, subscriber: Subscriber) -> None:
    key = websocket.query_params.get("key") or websocket.headers.get("zotero-api-key")
    greeting: dict[str, Any] = {"event": "connected", "retry": RETRY_MS}
    if key:
        info = hub.store.api_keys.get(key)
        if info is None:
            raise CloseConnection(4403, "Invalid API key")
        subscriber.single_key = True
        subscriber.topics = {topic: None for topic in hub.topics_for(info)}
        greeting["topics"] = list(subscriber.topics)
    await websocket.send_json(greeting)


async def _serve(websocket: WebSocket, hub: StreamHub, subscriber: Subscriber) -> None:
    reader = asyncio.ensure_future(_read(websocket, hub, subscriber))
    writer = asyncio.ensure_future(_write(websocket, subscriber))
    try:
        done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in (reader, writer):
            task.cancel()


async def _write(websocket: WebSocket, subscriber: Subscriber) -> None:
    while True:
        message = await subscriber.queue.get()
        await websocket.send_json(message)


async def _read(websocket: WebSocket, hub: StreamHub, subscriber: Subscriber) -> None:
    while True:
        text = await websocket.receive_text()
        try:
            message = json.loads(text)
        except ValueError:
            raise CloseConnection(4400, "Invalid JSON") from None
        if not isinstance(message, dict):
            raise CloseConnection(4400, "Invalid message")
        action = message.get("action")
        if action == "createSubscriptions":
            reply = _create(hub, subscriber, message.get("subscriptions"))
        elif action == "deleteSubscriptions":
            reply = _delete(subscriber, message.get("subscriptions"))
        else:
            raise CloseConnection(4400, f"Invalid action '{action}'")
        await websocket.send_json(reply)


def _create(hub: StreamHub, subscriber: Subscriber, entries: Any) -> dict[str, Any]:
    if subscriber.single_key:
        raise CloseConnection(4405, "Single-key connection cannot be modified")
    if not isinstance(entries, list):
        raise CloseConnection(4400, "'subscriptions' array not provided")
    created: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise CloseConnection(4400, "Subscription must be an object")
        api_key = entry.get("apiKey")
        wanted = entry.get("topics")
        if api_key is None:
            for topic in wanted or []:
                errors.append(
                    {"topic": topic, "error": "Topic is not accessible without an API key"}
                )
            continue
        info = hub.store.api_keys.get(api_key)
        if info is None:
            raise CloseConnection(4403, "Invalid API key")
        allowed = hub.topics_for(info)
        granted = []
        for topic in wanted if isinstance(wanted, list) else allowed:
            if topic in allowed:
                granted.append(topic)
                subscriber.topics[topic] = api_key
            else:
                errors.append(
                    {
                        "apiKey": api_key,
                        "topic": topic,
                        "error": "Topic is not valid for provided API key",
                    }
                )
        created.append({"apiKey": api_key, "topics": granted})
    return {"event": "subscriptionsCreated", "subscriptions": created, "errors": errors}


def _delete(subscriber: Subscriber, entries: Any) -> dict[str, Any]:
    if not isinstance(entries, list):
        raise CloseConnection(4400, "'subscriptions' array not provided")
    removed: dict[str | None, list[str]] = {}
    for entry in entries:
        api_key = entry.get("apiKey") if isinstance(entry, dict) else None
        topic = entry.get("topic") if isinstance(entry, dict) else None
        for name, owner in list(subscriber.topics.items()):
            if (api_key is None or owner == api_key) and (topic is None or name == topic):
                del subscriber.topics[name]
                removed.setdefault(owner, []).append(name)
    if not removed:
        raise CloseConnection(4409, "No matching subscription")
    deleted = [{"apiKey": key, "topics": topics} for key, topics in removed.items()]
    return {"event": "subscriptionsDeleted", "subscriptions": deleted}
