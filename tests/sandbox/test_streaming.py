"""The streaming API endpoint: connection, subscriptions and ``topicUpdated`` after writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from zotmark.sandbox import Sandbox

WAIT = 5.0


def _subscribe(socket: ClientConnection, *entries: dict[str, Any]) -> None:
    socket.send(json.dumps({"action": "createSubscriptions", "subscriptions": list(entries)}))


def _recv(socket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(socket.recv(timeout=WAIT))
    return message


@pytest.fixture
def stream(sandbox: Sandbox) -> Iterator[ClientConnection]:
    with connect(sandbox.stream_url, open_timeout=WAIT) as socket:
        yield socket


def test_bare_connection_is_greeted_with_connected(stream: ClientConnection) -> None:
    """A bare connection first receives ``{"event": "connected", "retry": 10000}``."""
    assert _recv(stream) == {"event": "connected", "retry": 10000}


def test_create_subscriptions_with_a_key_subscribes_its_libraries(
    stream: ClientConnection, sandbox: Sandbox
) -> None:
    """``createSubscriptions`` with only an API key subscribes the user and group topics."""
    _recv(stream)
    _subscribe(stream, {"apiKey": sandbox.api_key})
    reply = _recv(stream)
    assert reply["event"] == "subscriptionsCreated"
    topics = reply["subscriptions"][0]["topics"]
    assert set(topics) == {f"/users/{sandbox.user_id}", f"/groups/{sandbox.group_id}"}
    assert reply["errors"] == []


def test_a_write_pushes_topic_updated_with_the_new_version(
    stream: ClientConnection, sandbox: Sandbox
) -> None:
    """After a write the subscriber gets ``topicUpdated`` with the library's new version."""
    _recv(stream)
    topic = f"/users/{sandbox.user_id}"
    _subscribe(stream, {"apiKey": sandbox.api_key, "topics": [topic]})
    _recv(stream)
    sandbox.zotero().create_items([{"itemType": "book", "title": "a"}, {"itemType": "book"}])
    assert _recv(stream) == {"event": "topicUpdated", "topic": topic, "version": 2}


def test_topics_the_key_cannot_see_are_reported_as_errors(
    stream: ClientConnection, sandbox: Sandbox
) -> None:
    """A topic outside the key's access comes back in ``errors``."""
    _recv(stream)
    _subscribe(stream, {"apiKey": sandbox.api_key, "topics": ["/users/999"]})
    reply = _recv(stream)
    assert reply["errors"] == [
        {
            "apiKey": sandbox.api_key,
            "topic": "/users/999",
            "error": "Topic is not valid for provided API key",
        }
    ]


def test_single_key_connection_lists_topics_and_hears_group_writes(sandbox: Sandbox) -> None:
    """Connecting with ``?key=`` subscribes everything at once; group writes are pushed too."""
    with connect(f"{sandbox.stream_url}?key={sandbox.api_key}", open_timeout=WAIT) as socket:
        greeting = _recv(socket)
        assert greeting["event"] == "connected"
        assert f"/groups/{sandbox.group_id}" in greeting["topics"]
        sandbox.add_items([{"itemType": "book", "title": "shared"}], library="group")
        assert _recv(socket)["topic"] == f"/groups/{sandbox.group_id}"


def test_single_key_connection_cannot_be_modified(sandbox: Sandbox) -> None:
    """``createSubscriptions`` on a single-key connection closes it with 4405."""
    with connect(f"{sandbox.stream_url}?key={sandbox.api_key}", open_timeout=WAIT) as socket:
        _recv(socket)
        socket.send(json.dumps({"action": "createSubscriptions", "subscriptions": []}))
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=WAIT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4405


def test_invalid_key_closes_with_4403(sandbox: Sandbox) -> None:
    """An unknown key closes the socket with 4403."""
    with (
        connect(f"{sandbox.stream_url}?key=nope", open_timeout=WAIT) as socket,
        pytest.raises(ConnectionClosed) as closed,
    ):
        socket.recv(timeout=WAIT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def test_invalid_json_closes_with_4400(stream: ClientConnection) -> None:
    """A message that is not JSON closes the socket with 4400."""
    _recv(stream)
    stream.send("{nope")
    with pytest.raises(ConnectionClosed) as closed:
        stream.recv(timeout=WAIT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


def test_delete_subscriptions_stops_the_events(stream: ClientConnection, sandbox: Sandbox) -> None:
    """``deleteSubscriptions`` answers ``subscriptionsDeleted`` and removes the topics."""
    _recv(stream)
    _subscribe(stream, {"apiKey": sandbox.api_key})
    _recv(stream)
    stream.send(
        json.dumps(
            {"action": "deleteSubscriptions", "subscriptions": [{"apiKey": sandbox.api_key}]}
        )
    )
    reply = _recv(stream)
    assert reply["event"] == "subscriptionsDeleted"
    assert len(reply["subscriptions"][0]["topics"]) == 2
