"""``zotmark sandbox``: run the local Zotero API server in the foreground.

Once the server accepts connections, the first line on stdout is one JSON object
``{"url", "api_key", "user_id", "readonly_key", "group_id", "stream_url"}`` (flushed), so a parent
process can read it and connect. With ``--data FILE`` the libraries and keys are loaded from FILE
when it exists and saved back atomically after changes and on exit (SIGINT/SIGTERM).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from zotmark.errors import ConfigError, ZotmarkError
from zotmark.sandbox.app import SandboxApp
from zotmark.sandbox.faults import FaultSpecError
from zotmark.sandbox.harness import Identity, Sandbox, make_state
from zotmark.sandbox.persistence import Saver
from zotmark.sandbox.server import bind_socket, serve_forever, socket_url


def run_sandbox(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    data: Path | None = None,
    latency_ms: float = 0.0,
    faults: str = "",
    out: TextIO = sys.stdout,
) -> None:
    """Serve until interrupted; raise :class:`ZotmarkError` for unusable options."""
    try:
        state = make_state(data, Identity())
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"cannot load the sandbox data file {data}: {error}") from None
    state.latency_ms = latency_ms
    try:
        state.faults.add(faults)
    except FaultSpecError as error:
        raise ConfigError(f"invalid --faults spec: {error}") from None
    try:
        sock = bind_socket(host, port)
    except OSError as error:
        raise ZotmarkError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    saver = Saver(state.store, data) if data is not None else None
    handle = Sandbox(state, socket_url(sock))
    try:
        serve_forever(SandboxApp(state), sock, lambda: announce(handle, out))
    finally:
        sock.close()
        if saver is not None:
            saver.close()


def announce(handle: Sandbox, out: TextIO) -> None:
    """Write the first stdout line (JSON) and flush it."""
    line = {
        "url": handle.url,
        "api_key": handle.api_key,
        "user_id": handle.user_id,
        "readonly_key": handle.readonly_key,
        "group_id": handle.group_id,
        "stream_url": handle.stream_url,
    }
    out.write(json.dumps(line) + "\n")
    out.flush()
