"""The command line's habits: where options go, help, version, completion, ``check``'s output.

In process through :func:`zotmark.cli.main` where that suffices; completion runs a real bash.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zotmark import __version__
from zotmark.cli import main
from zotmark.markdown.report import TABLE_MAX_ENTRIES

VENV_BIN = Path(sys.executable).parent


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main([*args, "--help"]) == 0
    return capsys.readouterr().out


def test_bare_zotmark_prints_the_help_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0  # click's no_args_is_help exited 2
    out = capsys.readouterr().out
    assert "Usage: zotmark" in out and "sync" in out


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_flags(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([flag]) == 0
    assert capsys.readouterr().out == f"zotmark {__version__}\n"


@pytest.mark.parametrize("command", ["", "sync", "init", "check", "status", "export-bib"])
def test_help_shows_flags_without_a_type(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flags take no value, so the help shows none (typer printed ``<bool>`` / ``<int>``)."""
    monkeypatch.setenv("COLUMNS", "160")
    out = _help(capsys, *([command] if command else []))
    assert "<bool>" not in out and "<int>" not in out
    assert re.search(r"--verbose\s+-v\s+More detail", out), out


@pytest.mark.parametrize("command", ["sync", "status", "daemon", "export-bib", "import-bib"])
def test_config_help_names_both_default_locations(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    words = " ".join(_help(capsys, command).replace("│", " ").split())
    assert "./zotmark.toml if it exists, else ~/.config/zotmark/zotmark.toml" in words


@pytest.mark.parametrize("command", ["sync", "status", "check", "init", "demo", "daemon"])
def test_every_command_takes_verbose_and_quiet_after_its_name(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    out = _help(capsys, command)
    assert "--verbose" in out and "--quiet" in out


def test_quiet_and_verbose_together_after_the_command_are_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listfile = tmp_path / "list.md"
    listfile.write_text("- [ ] **A paper**\n")
    assert main(["check", str(listfile), "-q", "-v"]) == 2
    assert main(["-q", "check", str(listfile), "-v"]) == 2
    assert "--quiet or --verbose" in capsys.readouterr().err


# --- check: a summary for a long list --------------------------------------------------------


def _long_list(path: Path, entries: int) -> Path:
    lines = ["# Papers", ""]
    for number in range(entries):
        box = "x" if number % 3 == 0 else " "
        lines.append(
            f"- [{box}] **Paper {number}** ([Link](https://arxiv.org/abs/2101.{number:05d}))"
        )
    lines.append("- [ ] **No link at all**")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_check_sums_up_a_long_list_with_its_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a table of every entry (10,000 entries printed 30,006 lines): a few lines."""
    monkeypatch.setenv("COLUMNS", "200")
    listfile = _long_list(tmp_path / "long.md", 2000)
    assert main(["check", str(listfile)]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) <= 6, out
    assert "2,001 entries, 1 warning" in out
    assert "1,334 entries to do, 667 entries done" in out
    assert "no-link" in out  # every warning is shown
    assert "--verbose" in out


def test_check_verbose_shows_the_table_of_a_long_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    listfile = _long_list(tmp_path / "long.md", TABLE_MAX_ENTRIES + 1)
    assert main(["check", str(listfile), "-v"]) == 0
    out = capsys.readouterr().out
    assert "Paper 100" in out and "Paper 0 " in out.replace("│", " ")


def test_check_shows_a_short_list_as_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    listfile = _long_list(tmp_path / "short.md", TABLE_MAX_ENTRIES - 1)
    assert main(["check", str(listfile)]) == 0
    assert "Paper 98" in capsys.readouterr().out


# --- shell completion ------------------------------------------------------------------------


def _zotmark_command() -> str:
    found = shutil.which("zotmark", path=str(VENV_BIN))
    assert found is not None, "the zotmark command is not installed in this environment"
    return found


def test_completion_completes_commands_and_options() -> None:
    env = {**os.environ, "_ZOTMARK_COMPLETE": "complete_bash", "COMP_CWORD": "1"}
    commands = subprocess.run(
        [_zotmark_command()], env={**env, "COMP_WORDS": "zotmark sy"},
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    options = subprocess.run(
        [_zotmark_command()], env={**env, "COMP_WORDS": "zotmark sync --dr", "COMP_CWORD": "2"},
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert commands.split() == ["sync"]
    assert options.split() == ["--dry-run"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_install_completion_for_bash_works_in_a_new_shell(tmp_path: Path) -> None:
    """``zotmark --install-completion`` as a user runs it in bash; then a new bash completes.
    (The shell is the process's parent, as typer finds it: without a shell among its ancestors
    the command answers "Shell None is not supported", whatever argument follows it; the
    ``exit`` keeps bash from replacing itself with the command.)"""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("_ZOTMARK")},
        "HOME": str(home),
        "SHELL": "/bin/bash",
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    installed = subprocess.run(
        ["bash", "--norc", "-c", f"{_zotmark_command()} --install-completion; exit $?"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "zotmark" in (home / ".bashrc").read_text()
    script = "source ~/.bashrc; COMP_WORDS=(zotmark exp); COMP_CWORD=1; "
    script += "_zotmark_completion zotmark; echo ${COMPREPLY[@]}"
    completed = subprocess.run(
        ["bash", "--norc", "-c", script],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert completed.stdout.split() == ["export-bib"], completed.stderr
