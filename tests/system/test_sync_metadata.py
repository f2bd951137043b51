"""``zotmark sync`` when arXiv and Crossref cannot be reached (run as a subprocess).

The look-ups go through a proxy on a closed local port (``HTTPS_PROXY``), so they fail at once
with no request leaving the machine; the sandbox is reached directly (``NO_PROXY``).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

import pytest
from tests.system.daemon_process import original_list_config, run_zotmark

from zotmark.sandbox import Sandbox

pytestmark = pytest.mark.system


@pytest.fixture
def config(tmp_path: Path, sandbox: Sandbox) -> Path:
    return original_list_config(tmp_path, sandbox.url, enrich=True)


def _zotmark(config: Path, sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}"
    proxies = {name: nowhere for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")}
    local = {name: "127.0.0.1,localhost" for name in ("NO_PROXY", "no_proxy")}
    env = {**os.environ, **proxies, **local, "ZOTERO_API_KEY": sandbox.api_key, "COLUMNS": "200"}
    return run_zotmark(*args, cwd=config.parent, env=env)


def test_unreachable_metadata_services_are_one_summary_line_and_the_sync_goes_on(
    config: Path, sandbox: Sandbox
) -> None:
    result = _zotmark(config, sandbox, "sync")
    assert result.returncode == 0, result.stderr
    assert "17 created" in result.stdout
    assert re.fullmatch(
        r"metadata: 12 look-ups failed \(network\); retrying after \d\d:\d\d\n", result.stderr
    )
    assert len(list((config.parent / "state" / "enrich-cache").glob("*.json"))) == 12


def test_quiet_keeps_the_metadata_summary_back(config: Path, sandbox: Sandbox) -> None:
    result = _zotmark(config, sandbox, "--quiet", "sync")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert len(sandbox.items()) == 17


def test_verbose_sync_logs_every_failed_look_up(config: Path, sandbox: Sandbox) -> None:
    result = _zotmark(config, sandbox, "-vv", "sync")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert sum("logger=zotmark.enrich" in line and "level=debug" in line for line in lines) == 12
    [summary] = [line for line in lines if "level=warning logger=zotmark.enrich" in line]
    assert 'msg="metadata: 12 look-ups failed (network); retrying after' in summary
