"""Bad input to ``zotmark sync``: one clear paragraph, the documented exit code, nothing written."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from tests.conftest import FIXTURES

from zotmark.cli import main
from zotmark.sandbox import Sandbox


def _config(tmp_path: Path, url: str, collection: str = "Reading List", extra: str = "") -> Path:
    shutil.copyfile(FIXTURES / "original-reading-list.md", tmp_path / "list.md")
    config = tmp_path / "zotmark.toml"
    config.write_text(
        f'[zotero]\nbase_url = "{url}"\nstream_url = ""\n{extra}'
        f'[state]\ndir = "state"\n'
        f'[[lists]]\nfile = "list.md"\ncollection = "{collection}"\nenrich = false\n'
    )
    config.chmod(0o600)
    return config


def _sync(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["sync", "--config", str(config)])
    captured = capsys.readouterr()
    return code, captured.err


def _unchanged(tmp_path: Path) -> bool:
    return (tmp_path / "list.md").read_bytes() == (
        FIXTURES / "original-reading-list.md"
    ).read_bytes()


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox) -> Sandbox:
    monkeypatch.setenv("ZOTERO_API_KEY", sandbox.api_key)
    return sandbox


def test_malformed_config_exits_2_naming_the_key(
    tmp_path: Path, keyed: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, keyed.url)
    config.write_text(config.read_text() + 'conflict = "theirs"\n')
    code, err = _sync(config, capsys)
    assert code == 2
    assert "lists[0].conflict" in err
    assert "Traceback" not in err


def test_missing_list_file_exits_1_and_names_it(
    tmp_path: Path, keyed: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, keyed.url)
    (tmp_path / "list.md").unlink()
    code, err = _sync(config, capsys)
    assert code == 1
    assert "list.md" in err
    assert "Traceback" not in err


def test_wrong_key_exits_2_and_never_shows_the_key(
    tmp_path: Path,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ZOTERO_API_KEY", "WRONGwrongWRONGwrong1234")
    code, err = _sync(_config(tmp_path, sandbox.url), capsys)
    assert code == 2
    assert "WRONGwrongWRONGwrong1234" not in err
    assert _unchanged(tmp_path)


def test_read_only_key_exits_2_with_advice_and_writes_nothing(
    tmp_path: Path,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ZOTERO_API_KEY", sandbox.readonly_key)
    code, err = _sync(_config(tmp_path, sandbox.url), capsys)
    assert code == 2
    assert "write" in err.lower()
    assert _unchanged(tmp_path)
    assert sandbox.items() == {}


def test_unknown_collection_key_exits_2_naming_it(
    tmp_path: Path, keyed: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _sync(_config(tmp_path, keyed.url, collection="ZZZZ2345"), capsys)
    assert code == 2
    assert "ZZZZ2345" in err
    assert _unchanged(tmp_path)


def test_unreachable_server_fails_fast_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    slept: list[float] = []
    monkeypatch.setenv("ZOTERO_API_KEY", "A" * 24)
    monkeypatch.setattr("zotmark.zotero.client.time.sleep", slept.append)
    code, err = _sync(_config(tmp_path, f"http://127.0.0.1:{port}"), capsys)
    err = " ".join(err.split())  # the console wraps long lines
    assert code == 1
    assert f"Could not connect to the Zotero server at http://127.0.0.1:{port}" in err
    assert "Traceback" not in err
    assert 1 <= len(slept) <= 2 and sum(slept) <= 3.0  # a retry or two, seconds apart
    assert f"tried {len(slept) + 1} times" in err
    assert _unchanged(tmp_path)
