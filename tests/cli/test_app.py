"""The application's commands: each built when it is looked up, all of them listed by the help
and completion, and the help of ``--config`` naming the user's config file wherever it shows."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import pytest

from zotmark.cli import main
from zotmark.cli.app import COMMANDS

COMMAND_MODULES = {f"zotmark.cli.{module}" for module, _ in COMMANDS.values()}


def _run(argv: list[str], env: dict[str, str]) -> str:
    """The stdout of ``zotmark <argv>`` in a fresh interpreter (with ``env`` added)."""
    script = f"import sys\nfrom zotmark.cli import main\nsys.exit(main({argv!r}))\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, timeout=60, env={**os.environ, **env}, check=False,
    )  # fmt: skip
    return done.stdout


def _summary(name: str) -> str:
    """The first line of the docstring of the function that runs command ``name``."""
    module, function = COMMANDS[name]
    callback = getattr(__import__(f"zotmark.cli.{module}", fromlist=[function]), function)
    return inspect.getdoc(callback).splitlines()[0]  # type: ignore[union-attr]


def test_the_help_lists_every_command_in_order_with_its_summary(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["--help"]) == 0
    lines = [line.strip("│ ") for line in capsys.readouterr().out.splitlines()]
    listed = [line.split()[0] for line in lines if line.split()[:1] and line.split()[0] in COMMANDS]
    assert listed == list(COMMANDS)
    for name in COMMANDS:
        assert f"{name.ljust(10)}  {_summary(name)}" in lines


def test_completion_lists_every_command_in_order() -> None:
    env = {"_ZOTMARK_COMPLETE": "complete_bash", "COMP_WORDS": "zotmark ", "COMP_CWORD": "1"}
    assert _run([], env).split() == list(COMMANDS)


def test_a_mistyped_command_is_answered_with_the_one_meant(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["statsu"]) == 2
    assert "No such command 'statsu'. Did you mean 'status'?" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["sync", "status", "daemon", "export-bib", "import-bib"])
def test_the_config_help_names_the_user_config_directory(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/srv/settings")
    assert main([command, "--help"]) == 0
    words = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "else /srv/settings/zotmark/zotmark.toml)." in words


def test_the_completion_of_config_names_the_user_config_directory() -> None:
    env = {
        "_ZOTMARK_COMPLETE": "complete_fish",
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        "_TYPER_COMPLETE_ARGS": "zotmark sync --con",
        "XDG_CONFIG_HOME": "/srv/settings",
    }
    words = " ".join(_run([], env).split())
    assert words == (
        "--config The config file (default: ./zotmark.toml if it exists, else "
        "/srv/settings/zotmark/zotmark.toml)."
    )


def test_a_run_imports_only_the_module_of_its_command() -> None:
    script = (
        "import sys\nfrom zotmark.cli import main\nmain(['status', '--help'])\n"
        "print('\\n'.join(sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert COMMAND_MODULES & set(done.stderr.splitlines()) == {"zotmark.cli.sync"}
