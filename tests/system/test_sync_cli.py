"""``zotmark sync`` as a user runs it: a second run right after the first costs one request."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.helpers import FakeTime
from tests.system.daemon_process import original_list_config

from zotmark.cli import main
from zotmark.sandbox import Sandbox


@pytest.fixture
def config(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ZOTERO_API_KEY", sandbox.api_key)
    return original_list_config(tmp_path, sandbox.url)


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


HUGE = "日" * 30_000  # 90,000 UTF-8 bytes: Zotero refuses it


def _add_line(config: Path, line: str) -> None:
    listed = config.parent / "list.md"
    listed.write_text(listed.read_text().rstrip("\n") + "\n" + line + "\n")


def test_a_refused_change_is_shown_with_its_line_and_the_run_exits_1(
    config: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_line(config, f"- [ ] **{HUGE}** ([Link](https://example.org/huge))")
    line = len((config.parent / "list.md").read_text().splitlines())
    assert main(["sync", "--config", str(config)]) == 1
    out, err = capsys.readouterr()
    assert "1 refused" in out
    assert "1 change was refused by Zotero" in err
    # the server's text names the item: "... too long for item '1/KEY'" (zotmark-on-dataserver)
    assert f"line {line} “日日日" in err and "too long for item '1/" in err and "(413)" in err
    assert "Traceback" not in err
    assert len(sandbox.items()) == 17  # everything else was synced


def test_status_lists_a_refusal_until_it_is_fixed(
    config: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_line(config, f"- [ ] **{HUGE}** ([Link](https://example.org/huge))")
    main(["sync", "--config", str(config)])
    sandbox.reset_stats()
    assert main(["sync", "--config", str(config)]) == 1  # still refused: said again
    assert sandbox.request_count == 1  # and not sent again
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "refused: line" in out and "too long" in out
    listed = config.parent / "list.md"
    listed.write_text(listed.read_text().replace(HUGE, "A Sane Title"))
    assert main(["sync", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    assert "refused" not in capsys.readouterr().out


def test_the_same_paper_listed_twice_is_one_item_and_sync_says_so(
    config: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    first = next(x for x in (config.parent / "list.md").read_text().splitlines() if "**" in x)
    _add_line(config, first)
    assert main(["sync", "--config", str(config)]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "repeats the paper of line" in err
    assert len(sandbox.items()) == 17


def test_ctrl_c_during_a_sync_says_nothing_was_lost_and_the_next_run_finishes(
    config: Path, sandbox: Sandbox, zotero_time: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.add_faults("drop,method=POST,path=/items,times=1")  # the create lands, unanswered

    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the client waits to retry

    zotero_time.on_sleep = interrupt
    assert main(["sync", "--config", str(config)]) == 130
    zotero_time.on_sleep = None
    err = capsys.readouterr().err
    assert err.startswith("interrupted. Nothing was lost") and "Traceback" not in err
    assert main(["sync", "--config", str(config)]) == 0
    assert len(sandbox.items()) == 17  # the create that landed was not made twice
