"""Contract test: replay zotmark's own recorded traffic with a genuine Zotero server.

``tests/fixtures/recordings/zotmark-on-dataserver/`` holds three sessions of zotmark (and a few
hand-made probes) talking to a real zotero/dataserver (schema 41). Each session is replayed
against a fresh sandbox serving the same user, request by request, from its start, and every
answer is compared with the recorded one: status, ``Last-Modified-Version``, ``Total-Results``,
``Link``, ``Content-Type``, the version headers' presence and the body (JSON compared as data,
so write reports are compared with their ``successful``/``success``/``unchanged``/``failed``
maps, codes and messages). Dates, the server's base URL, the API key and object keys the server
chose are normalised; versions are compared as they are, since the sandbox must move its
library version exactly as the real server does.

Two things the recordings cannot replay as they are:

* ``OUTSIDE_EDITS``: writes a person made in the Zotero app while zotmark ran that did not go
  through the recording proxy. The replay makes them with the sandbox's back door, taking the
  items' state from the first recorded read that returns it.
* ``failed`` entries with code 500 (``An error occurred``): internal errors of the real server,
  not refusals (the same object was accepted a request later). Such objects are left out of the
  request sent to the sandbox, and the answer's slots renumbered back.

The sandbox's clock is set to each request's recorded time, so that listings sorted by
``dateModified`` come out in the recorded order. There are no known differences left: any
mismatch fails the test. (Fixed to get here, each with a test in ``test_recorded_facts.py``:
field lengths in UTF-8 bytes, collection names over 255 characters, ``dateAdded`` formats, no
``Last-Modified-Version`` on a library-version 412, unchanged tags as a change, trash setting
``dateModified``, unescaped error texts, 413 texts naming the item, ``failed`` entries without
``key``, the multi-object 428 text, control characters dropped, ``CURRENT_TIMESTAMP``, and the
delete log in key order.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx2
import pytest

from zotmark.sandbox import Identity, Sandbox, start_sandbox

HERE = Path(__file__).parents[1] / "fixtures" / "recordings" / "zotmark-on-dataserver"
RECORDED_BASE = "http://127.0.0.1:8089"
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
KEY = re.compile(r"\b[23456789A-Z]{8}\b")
ITEM_IN_MESSAGE = re.compile(r"for item '(\d+)/([23456789A-Z]{8})'")
DELETED_KINDS = ("collections", "items", "searches", "tags", "settings")
FORWARDED = (
    "content-type",
    "if-unmodified-since-version",
    "if-modified-since-version",
    "zotero-write-token",
    "zotero-api-version",
    "user-agent",
)


@dataclass(frozen=True)
class Session:
    """One recorded session: its file, the user it ran as, and what it needs from the replay."""

    name: str
    identity: Identity
    outside_edits: dict[int, tuple[int, str]] = field(default_factory=dict)
    """seq -> (seq of the read showing the edited items, what the person did)"""


SESSIONS = (
    Session(
        "session-1-scenarios",
        Identity(user_id=1, username="syncuser"),
    ),
    Session(
        "session-2-bulk-concurrency",
        Identity(user_id=2, username="bulkuser"),
        outside_edits={
            19: (
                21,
                "s12: the concurrent writer (the Zotero app) retagged two items between "
                "zotmark's read and its write; the app's requests bypassed the proxy",
            ),
        },
    ),
    Session(
        "session-3-edges-probes",
        Identity(user_id=3, username="daemonuser"),
        outside_edits={
            39: (
                40,
                "d-b-servertag: a tag set in the Zotero app while the daemon ran; the "
                "app's request bypassed the proxy",
            ),
        },
    ),
)


def _exchanges(session: Session) -> list[dict[str, Any]]:
    path = HERE / f"{session.name}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


class Replay:
    """Sends a session's recorded requests to a sandbox and normalises both answers."""

    def __init__(self, sandbox: Sandbox, exchanges: list[dict[str, Any]]) -> None:
        self.sandbox = sandbox
        self.exchanges = exchanges
        self.keys: dict[str, str] = {}  # recorded key -> the sandbox's key
        self.client = httpx2.Client(base_url=sandbox.url, timeout=30, trust_env=False)

    # --- requests ---------------------------------------------------------------------------
    def to_sandbox(self, text: str) -> str:
        if not self.keys:
            return text
        return KEY.sub(lambda m: self.keys.get(m.group(0), m.group(0)), text)

    def send(self, exchange: dict[str, Any], dropped: set[int]) -> httpx2.Response:
        headers = {}
        for name, value in exchange["req_headers"].items():
            lower = name.lower()
            if lower in FORWARDED:
                headers[name] = value
            elif lower == "authorization":
                headers[name] = f"Bearer {self.sandbox.api_key}"
            elif lower == "zotero-api-key":
                headers[name] = self.sandbox.api_key
        body = exchange["req_body"]
        if isinstance(body, list) and dropped:
            body = [obj for index, obj in enumerate(body) if index not in dropped]
        content = None if body is None else self.to_sandbox(json.dumps(body)).encode()
        path, _, query = self.to_sandbox(exchange["path"]).partition("?")
        params = [
            (name, self.to_sandbox(value))
            for name, value in parse_qsl(query, keep_blank_values=True)
        ]
        return self.client.request(
            exchange["method"], path, params=params, headers=headers, content=content
        )

    def learn_keys(self, exchange: dict[str, Any], ours: Any, slots: dict[str, str]) -> None:
        """Map keys the real server chose (objects sent without one) to the sandbox's."""
        recorded = exchange["resp_body"]
        if not (isinstance(recorded, dict) and isinstance(ours, dict) and "success" in recorded):
            return
        for slot, key in recorded["success"].items():
            mine = ours.get("success", {}).get(slots.get(slot, slot))
            if mine is not None and key not in self.keys:
                self.keys[key] = mine

    def set_clock(self, stamp: float) -> None:
        """The sandbox's clock reads the recorded request's time, so that listings sorted by
        ``dateModified`` (ties broken by version) come out in the recorded order."""
        moment = datetime.fromtimestamp(int(stamp), UTC)
        self.sandbox.state.store.clock = lambda: moment

    # --- outside edits ----------------------------------------------------------------------
    def apply_outside_edit(self, source_seq: int) -> None:
        """Make the edits a read at ``source_seq`` shows, one version each (oldest first)."""
        source = next(e for e in self.exchanges if e["seq"] == source_seq)
        items = sorted(source["resp_body"], key=lambda item: item["version"])
        for item in items:
            data = {
                k: v
                for k, v in item["data"].items()
                if k not in ("version", "dateAdded", "dateModified")
            }
            self.sandbox.add_items([json.loads(self.to_sandbox(json.dumps(data)))])

    # --- normalisation ----------------------------------------------------------------------
    def normalise(self, value: Any, *, recorded: bool) -> Any:
        text = json.dumps(value, ensure_ascii=False)
        if recorded:
            text = self.to_sandbox(text.replace(RECORDED_BASE, self.sandbox.url))
            text = re.sub(r"<API_KEY_USER\d>", "<API_KEY>", text)
        else:
            text = text.replace(self.sandbox.api_key, "<API_KEY>")
        text = ITEM_IN_MESSAGE.sub(self._item_in_message, text)
        value = json.loads(DATE.sub("<date>", text))
        if isinstance(value, dict) and set(value) == set(DELETED_KINDS):
            # /deleted lists keys in key order, and some keys were chosen by each server
            value = {kind: sorted(names) for kind, names in value.items()}
        return value

    def _item_in_message(self, match: re.Match[str]) -> str:
        """``for item 'LIB/KEY'`` names a key the server chose for a keyless object: the two
        servers chose differently, so only the form is compared for those."""
        key = match.group(2)
        known = key in self.keys.values() or any(key in str(e["req_body"]) for e in self.exchanges)
        return match.group(0) if known else f"for item '{match.group(1)}/<new key>'"


def _body(response: httpx2.Response) -> Any:
    if response.status_code == 304 or not response.content:
        return None
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()
    return response.text


def _header_view(headers: dict[str, str] | httpx2.Headers) -> dict[str, str | None]:
    lower = {k.lower(): v for k, v in headers.items()}
    names = ("last-modified-version", "total-results", "content-type", "link")
    view: dict[str, str | None] = {name: lower.get(name) for name in names}
    for name in ("zotero-api-version", "zotero-schema-version"):
        view[name] = "present" if name in lower else None
    return view


def _renumber(body: Any, slots: dict[str, str]) -> Any:
    """Our write report with its slots named as in the recorded request."""
    if not slots or not isinstance(body, dict):
        return body
    back = {ours: recorded for recorded, ours in slots.items()}
    return {
        part: {back[slot]: value for slot, value in entries.items()}
        if isinstance(entries, dict)
        else entries
        for part, entries in body.items()
    }


def _internal_errors(exchange: dict[str, Any]) -> set[int]:
    """Indexes of objects the real server failed with 500 (internal error, not a refusal)."""
    body = exchange["resp_body"]
    if not isinstance(body, dict) or not isinstance(body.get("failed"), dict):
        return set()
    return {int(slot) for slot, entry in body["failed"].items() if entry.get("code") == 500}


def _slot_map(exchange: dict[str, Any], dropped: set[int]) -> dict[str, str]:
    """Recorded slot -> the slot of the same object in the request the sandbox got."""
    if not dropped:
        return {}
    kept = [i for i in range(len(exchange["req_body"])) if i not in dropped]
    return {str(original): str(sent) for sent, original in enumerate(kept)}


@pytest.fixture(params=SESSIONS, ids=lambda s: s.name)
def replay(request: pytest.FixtureRequest) -> Iterator[tuple[Session, Replay]]:
    session: Session = request.param
    with start_sandbox(identity=session.identity) as sandbox:
        for key in sandbox.state.store.api_keys.values():
            key.groups.clear()  # the recorded keys had no group access
        yield session, Replay(sandbox, _exchanges(session))
        sandbox.check_errors()


def test_every_recorded_exchange_matches_the_sandbox(replay: tuple[Session, Replay]) -> None:
    """Status, version headers, Link and bodies match the real server for every exchange."""
    session, player = replay
    mismatches: list[str] = []
    for exchange in player.exchanges:
        seq = exchange["seq"]
        if seq in session.outside_edits:
            player.apply_outside_edit(session.outside_edits[seq][0])
        player.set_clock(exchange["t"])
        dropped = _internal_errors(exchange)
        slots = _slot_map(exchange, dropped)
        response = player.send(exchange, dropped)
        ours = _body(response)
        player.learn_keys(exchange, ours, slots)
        problems = _compare(player, exchange, response, _renumber(ours, slots), dropped)
        mismatches += [f"#{seq} {exchange['step']}: {p}" for p in problems]
    assert mismatches == [], "\n".join(mismatches)


def _compare(
    player: Replay,
    exchange: dict[str, Any],
    response: httpx2.Response,
    body: Any,
    dropped: set[int],
) -> list[str]:
    if response.status_code != exchange["status"]:
        return [f"status {response.status_code} != {exchange['status']}: {response.text[:300]}"]
    problems = []
    expected_headers = player.normalise(_header_view(exchange["resp_headers"]), recorded=True)
    actual_headers = player.normalise(_header_view(response.headers), recorded=False)
    if actual_headers != expected_headers:
        problems.append(f"headers {actual_headers} != {expected_headers}")
    expected = player.normalise(exchange["resp_body"], recorded=True)
    actual = player.normalise(body, recorded=False)
    if dropped and isinstance(expected, dict):
        for slot in dropped:
            expected["failed"].pop(str(slot))
    if actual != expected:
        problems.append(f"body {json.dumps(actual)[:700]} != {json.dumps(expected)[:700]}")
    return problems
