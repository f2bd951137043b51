"""Whether a Zotero API server other than zotero.org serves the streaming API (the sandbox
does, at its own root): ``zotmark init`` sets ``stream_url`` only where something answers."""

from __future__ import annotations

import json

STREAM_PROBE_SECONDS = 3.0


def stream_url_of(base_url: str) -> str:
    """Where a server other than zotero.org would serve the streaming API: its own root, as
    a WebSocket URL (``http://127.0.0.1:8080`` → ``ws://127.0.0.1:8080``), as the sandbox does."""
    scheme, _, rest = base_url.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}"


def probe_stream(url: str, timeout: float = STREAM_PROBE_SECONDS) -> bool:
    """Whether ``url`` speaks the Zotero streaming API (greets with ``connected``)."""
    from websockets.sync.client import connect

    try:
        with connect(url, open_timeout=timeout, close_timeout=1) as socket:
            greeting = json.loads(socket.recv(timeout=timeout))
    except Exception:  # refused, timed out, not a WebSocket, not JSON: no streaming API there
        return False
    return isinstance(greeting, dict) and greeting.get("event") == "connected"
