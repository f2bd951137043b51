"""The CLI's lines: bare text where nothing is styled, styled by rich on a terminal."""

from __future__ import annotations

import pytest

from zotmark.cli.output import WARNING, console, echo, styled

BOLD = "\x1b[1m"


@pytest.fixture(autouse=True)
def _no_forced_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' streams are no terminal, whatever the environment running them says."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


def test_a_line_to_a_pipe_is_its_bare_text(capsys: pytest.CaptureFixture[str]) -> None:
    echo(("papers", "bold"), ": 0 created; [b]not markup[/b] :smile:")
    assert capsys.readouterr().out == "papers: 0 created; [b]not markup[/b] :smile:\n"


def test_a_line_with_err_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    echo(WARNING, " the list moved", err=True)
    assert capsys.readouterr() == ("", "warning: the list moved\n")


def test_nothing_is_styled_on_a_pipe() -> None:
    assert styled() is None and styled(err=True) is None


def test_a_line_is_styled_where_rich_sees_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert styled() is not None
    echo(("papers", "bold"), ": [b]not markup[/b]")
    out = capsys.readouterr().out
    assert BOLD in out and "[b]not markup[/b]" in out


def test_an_empty_force_color_styles_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """rich reads ``FORCE_COLOR=`` as no terminal: the line is the bare text."""
    monkeypatch.setenv("FORCE_COLOR", "")
    assert styled() is None
    echo(("papers", "bold"), ": done")
    assert capsys.readouterr().out == "papers: done\n"


def test_stderr_has_one_console_for_bars_and_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress bars draw on it, so the lines printed while they run go above them."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert styled(err=True) is console(err=True) is styled(err=True)
