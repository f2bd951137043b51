"""Fixtures of the adversarial suite: one instrumented sandbox for the package, emptied per
test, and a check after every test that the API key is in no file the test left behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import ClientDisconnect
from tests.adversarial.helpers import KEY, Tripwire, World, files_with_key

from zotmark.sandbox import Identity, Sandbox, start_sandbox


@pytest.fixture(scope="package")
def watched_sandbox() -> Iterator[tuple[Sandbox, Tripwire]]:
    """A sandbox (127.0.0.1, ephemeral port) that knows :data:`KEY`, with a tripwire."""
    with start_sandbox(identity=Identity(api_key=KEY)) as sandbox:
        yield sandbox, Tripwire(sandbox)


@pytest.fixture
def server(watched_sandbox: tuple[Sandbox, Tripwire]) -> Iterator[Sandbox]:
    """The package's sandbox, emptied for this test; server-side exceptions are re-raised,
    except a client that went away before its request's body was read (a killed zotmark)."""
    sandbox, tripwire = watched_sandbox
    sandbox.reset()
    tripwire.reset()
    yield sandbox
    tripwire.disarm()
    sandbox.latency_ms = 0
    errors = sandbox.state.errors
    errors[:] = [error for error in errors if not isinstance(error, ClientDisconnect)]
    sandbox.check_errors()


@pytest.fixture
def tripwire(watched_sandbox: tuple[Sandbox, Tripwire], server: Sandbox) -> Tripwire:
    return watched_sandbox[1]


@pytest.fixture
def world(tmp_path: Path, server: Sandbox) -> Callable[..., World]:
    """Makes worlds in this test's temp directory: ``world(text, name="w", **options)``."""

    def make(text: str | bytes, name: str = "world", **options: Any) -> World:
        return World(tmp_path / name, server, text, **options)

    return make


@pytest.fixture(autouse=True)
def no_key_left_behind(tmp_path: Path) -> Iterator[None]:
    """After the test: no file under its temp directory (outputs, logs, lists, configs, state
    databases and their journals) holds the API key."""
    yield
    assert files_with_key(tmp_path) == []
