"""Bad input to ``zotmark sync``: one clear paragraph, the documented exit code, nothing written."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from tests.helpers import FIXTURES, FakeTime, local_http_server
from tests.system.daemon_process import original_list_config

from zotmark.cli import main
from zotmark.config import load_config
from zotmark.sandbox import Sandbox
from zotmark.state import ListState, SqliteStateStore


def _config(tmp_path: Path, url: str, collection: str = "Reading List", extra: str = "") -> Path:
    return original_list_config(tmp_path, url, collection=collection, extra=extra)


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


def test_missing_list_file_exits_1_naming_it_before_any_write(
    tmp_path: Path, keyed: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, keyed.url)
    (tmp_path / "list.md").unlink()
    code, err = _sync(config, capsys)
    assert code == 1
    assert "list.md" in err
    assert "Traceback" not in err
    assert keyed.collections() == {}  # the list is read before the collection is created


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
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    zotero_time: FakeTime,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    slept = zotero_time.sleeps
    monkeypatch.setenv("ZOTERO_API_KEY", "A" * 24)
    code, err = _sync(_config(tmp_path, f"http://127.0.0.1:{port}"), capsys)
    err = " ".join(err.split())  # the console wraps long lines
    assert code == 1
    assert f"Could not connect to the Zotero server at http://127.0.0.1:{port}" in err
    assert "Traceback" not in err
    assert 1 <= len(slept) <= 2 and sum(slept) <= 3.0  # a retry or two, seconds apart
    assert f"after {len(slept) + 1} attempts" in err
    assert _unchanged(tmp_path)


def _state(tmp_path: Path) -> ListState:
    config = load_config(tmp_path / "zotmark.toml")
    with SqliteStateStore.in_dir(tmp_path / "state") as store:
        return store.load(config.state_key(config.lists[0]))


def _one_paragraph(err: str, key: str) -> str:
    """``err`` as one line, once checked to be one error paragraph without the key."""
    assert err.startswith("error: ") and "\n\n" not in err.strip()
    assert "Traceback" not in err and key not in err
    return " ".join(err.split())


@pytest.mark.parametrize(
    "garbage", ["html", "empty", "null", "list", "object", "truncated", "version", "noversion"]
)
def test_a_server_answering_garbage_exits_1_and_records_nothing_as_synced(
    tmp_path: Path, keyed: Sandbox, capsys: pytest.CaptureFixture[str], garbage: str
) -> None:
    keyed.add_faults(f"garbage={garbage},method=GET,path=/items")
    code, err = _sync(_config(tmp_path, keyed.url), capsys)
    assert code == 1
    err = _one_paragraph(err, keyed.api_key)
    assert f"The server at {keyed.url} did not answer as a Zotero API does: GET " in err
    assert "Check base_url in your configuration" in err
    state = _state(tmp_path)
    assert state.last_success is None and state.last_run is not None
    assert (state.records, state.library_version) == ({}, 0)
    assert _unchanged(tmp_path) and keyed.items() == {}


def test_a_garbled_answer_to_a_write_is_an_error_and_the_next_run_makes_no_duplicate(
    tmp_path: Path, keyed: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    keyed.add_faults("garbage=truncated,method=POST,path=/items")
    config = _config(tmp_path, keyed.url)
    code, err = _sync(config, capsys)
    assert code == 1
    assert "JSON that breaks off before its end" in _one_paragraph(err, keyed.api_key)
    assert _state(tmp_path).records == {} and _unchanged(tmp_path)
    created = set(keyed.items())  # the server applied the write whose answer was cut off
    assert _sync(config, capsys)[0] == 0
    assert set(keyed.items()) == created and len(_state(tmp_path).records) == len(created)


class _WebServer(BaseHTTPRequestHandler):
    """A web server that is no Zotero API: every path is 404 with an HTML page."""

    def do_GET(self) -> None:
        page = b"<html><head><title>404 Not Found</title></head><body>nginx</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[str]:
    with local_http_server(_WebServer) as url:
        yield url


def test_a_web_server_that_is_no_zotero_api_is_called_that(
    tmp_path: Path,
    web_server: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = "SecretKey0123456789abcdef"
    monkeypatch.setenv("ZOTERO_API_KEY", key)
    code, err = _sync(_config(tmp_path, web_server), capsys)
    assert code == 1
    err = _one_paragraph(err, key)
    assert f"The server at {web_server} does not look like a Zotero API" in err
    assert "GET /keys/current answered 404 with a web page" in err
    assert "does not exist" not in err and "API key" not in err
    assert _state(tmp_path).last_success is None and _unchanged(tmp_path)
