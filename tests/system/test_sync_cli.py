"""``zotmark sync`` as a user runs it: a second run right after the first costs one request."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.conftest import FIXTURES

from zotmark.cli import main
from zotmark.sandbox import Sandbox


@pytest.fixture
def config(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ZOTERO_API_KEY", sandbox.api_key)
    shutil.copyfile(FIXTURES / "original-reading-list.md", tmp_path / "list.md")
    path = tmp_path / "zotmark.toml"
    path.write_text(
        f'[zotero]\nbase_url = "{sandbox.url}"\nstream_url = ""\n[state]\ndir = "state"\n'
        '[[lists]]\nfile = "list.md"\ncollection = "Reading List"\nenrich = false\n'
    )
    path.chmod(0o600)
    return path


def test_second_sync_process_sends_one_request(config: Path, sandbox: Sandbox) -> None:
    assert main(["sync", "--config", str(config)]) == 0
    sandbox.reset_stats()
    assert main(["sync", "--config", str(config)]) == 0
    assert sandbox.request_count == 1


def test_dry_run_changes_nothing_on_either_side(config: Path, sandbox: Sandbox) -> None:
    before = (config.parent / "list.md").read_bytes()
    assert main(["sync", "--dry-run", "--config", str(config)]) == 0
    assert (config.parent / "list.md").read_bytes() == before
    assert sandbox.items() == {}
    assert sandbox.collections() == {}
