"""Running the ASGI app with uvicorn: on a pre-bound socket, in a thread or in the foreground.

The socket is bound (and listening) before uvicorn starts, so port 0 gives an ephemeral port
whose number is known up front. :class:`ServerThread` runs uvicorn in a daemon thread and waits
(bounded) until it is accepting connections; :func:`serve_forever` runs it in the calling thread
until SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from types import FrameType

import uvicorn

from zotmark.sandbox.app import SandboxApp

START_TIMEOUT = 15.0


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0 = any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto is
    # TCP, and without it every response waits ~40 ms for the client's delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


def socket_url(sock: socket.socket) -> str:
    """``http://host:port`` for a bound socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server with a callback once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Shut down gracefully on SIGINT/SIGTERM and then return normally (no re-raise), so
        the caller's clean-up (saving ``--data``) runs and the process exits 0."""
        super().handle_exit(sig, frame)
        self._captured_signals.clear()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_started()


def _config(app: SandboxApp) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        access_log=False,
        ws="websockets-sansio",
        timeout_graceful_shutdown=1,
        ws_ping_interval=25.0,
    )


class ServerThread:
    """uvicorn serving ``app`` on ``sock`` in a daemon thread."""

    def __init__(self, app: SandboxApp, sock: socket.socket) -> None:
        self.app = app
        self.sock = sock
        self.url = socket_url(sock)
        self._started = threading.Event()
        self._server = _Server(_config(app), self._started.set)
        self._thread = threading.Thread(target=self._run, name="zotmark-sandbox", daemon=True)
        self._failure: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self.sock]))
        except BaseException as failure:  # reported by start()
            self._failure = failure
            self._started.set()

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start serving; return once connections are accepted (raise if that fails)."""
        self._thread.start()
        if not self._started.wait(timeout) or self._failure is not None:
            raise RuntimeError(f"the sandbox server did not start: {self._failure!r}")

    def stop(self, timeout: float = START_TIMEOUT) -> None:
        """Ask uvicorn to exit and wait (bounded) for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout)
        self.sock.close()


def serve_forever(app: SandboxApp, sock: socket.socket, on_started: Callable[[], None]) -> None:
    """Serve in the calling thread until SIGINT/SIGTERM; ``on_started`` runs once ready."""
    server = _Server(_config(app), on_started)
    server.run(sockets=[sock])
