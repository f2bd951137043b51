"""The daemon process's allocator setting (``zotmark.daemon.allocator``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

GLIBC = sys.platform == "linux" and os.confstr("CS_GNU_LIBC_VERSION") is not None


@pytest.mark.skipif(not GLIBC, reason="mallopt's mmap threshold is glibc's")
def test_glibc_takes_the_pinned_mmap_threshold() -> None:
    """On glibc the setting is taken (``mallopt`` answers 1); in a subprocess, as it sets the
    whole process's allocator."""
    done = subprocess.run(
        [sys.executable, "-c", "from zotmark.daemon.allocator import keep_large_blocks_mapped\n"
         "print(keep_large_blocks_mapped())"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.strip() == "True"


def test_the_daemon_command_pins_the_threshold_before_it_serves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``zotmark daemon`` sets it once, before the daemon starts serving."""
    from zotmark.cli import serve
    from zotmark.daemon import allocator, daemon
    from zotmark.presentation import logs

    calls: list[str] = []

    class Served:
        def __init__(self, config: object) -> None:
            pass

        def serve(self) -> None:
            calls.append("served")

    class Loaded:
        def api_key(self) -> Loaded:
            return self

        def reveal(self) -> str:
            return "not-a-key"

    monkeypatch.setattr(allocator, "keep_large_blocks_mapped", lambda: calls.append("pinned"))
    monkeypatch.setattr(daemon, "Daemon", Served)
    monkeypatch.setattr(logs, "configure_logging", lambda level, secrets: None)
    monkeypatch.setattr(serve, "load", lambda config: Loaded())
    serve.daemon(config=None, log_level="info", quiet=False, verbose=0)
    assert calls == ["pinned", "served"]
