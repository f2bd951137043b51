"""The image, built and run as the README's Docker section says, against the sandbox.

Needs a Docker daemon (``docker info`` answers) and a base image (``python:3.11-slim``, or the
image named by ``ZOTMARK_DOCKER_BASE``, e.g. one made from Debian's python3 and python3-venv);
without them every test here skips and says why. The container shares the host's network
(``--network host``) so that it reaches the sandbox on 127.0.0.1. The files are owned by a user
other than root (the test's own uid, or 1000 when the test runs as root), who runs the
container with ``--user UID:GID`` as the README says.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import FIXTURES, wait_for

from zotmark.sandbox import Sandbox

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
WAIT = 120.0


def _docker(
    *args: str, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=check
    )


def _docker_unavailable() -> str | None:
    if shutil.which("docker") is None:
        return "the docker command is not installed"
    try:
        info = _docker("info", timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer within 30 s"
    if info.returncode != 0:
        return f"no Docker daemon answers `docker info`: {info.stderr.strip()[:200]}"
    return None


def _until(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    return wait_for(condition, what, timeout, tick=0.5)


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    """``docker build -t TAG .`` in the repository (the base from ZOTMARK_DOCKER_BASE)."""
    why = _docker_unavailable()
    if why:
        pytest.skip(why)
    tag = f"zotmark-test:{uuid.uuid4().hex[:12]}"
    base = os.environ.get("ZOTMARK_DOCKER_BASE")
    args = ["build", "-t", tag, *(["--build-arg", f"BASE={base}"] if base else []), str(ROOT)]
    built = _docker(*args, timeout=1800, check=False)
    if built.returncode != 0 and "pull access denied" in built.stderr + built.stdout:
        pytest.skip(f"the base image cannot be pulled here: {built.stderr.strip()[-300:]}")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    yield tag
    _docker("rmi", "-f", tag, check=False)


@pytest.fixture
def host(tmp_path: Path, sandbox: Sandbox) -> Iterator[dict[str, Any]]:
    """A user's notes directory (list + config from a real ``zotmark init``-like config,
    mode 0600) and state directory, owned by that user, and the env file with the key."""
    uid, gid = (1000, 1000) if os.getuid() == 0 else (os.getuid(), os.getgid())
    notes, state = tmp_path / "notes", tmp_path / "state"
    notes.mkdir()
    state.mkdir()
    shutil.copyfile(FIXTURES / "original-reading-list.md", notes / "reading-list.md")
    config = notes / "zotmark.toml"
    config.write_text(
        f'[zotero]\nbase_url = "{sandbox.url}"\nstream_url = "{sandbox.stream_url.rstrip("/")}"\n'
        "[daemon]\npoll_seconds = 5\n"
        '[[lists]]\nfile = "reading-list.md"\ncollection = "Reading List"\nenrich = false\n'
    )
    config.chmod(0o600)
    env_file = tmp_path / "env"
    env_file.write_text(f"ZOTERO_API_KEY={sandbox.api_key}\n")
    for path in (notes, state, *notes.iterdir()):
        os.chown(path, uid, gid)
    tmp_path.chmod(0o755)
    names: list[str] = []
    yield {"uid": uid, "gid": gid, "notes": notes, "state": state, "env": env_file, "names": names}
    for name in names:
        _docker("rm", "-f", name, check=False)


def _run_args(host: dict[str, Any], *, user: bool = True) -> list[str]:
    """The README's ``docker run`` options (plus host networking for the sandbox)."""
    return [
        "--network", "host",
        *(["--user", f"{host['uid']}:{host['gid']}"] if user else []),
        "--env-file", str(host["env"]),
        "-v", f"{host['notes']}:/data", "-v", f"{host['state']}:/state",
    ]  # fmt: skip


def _owner(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_uid, info.st_gid, info.st_mode & 0o777


def test_the_readme_s_docker_run_syncs_edits_stays_healthy_and_stops_cleanly(
    image: str, host: dict[str, Any], sandbox: Sandbox
) -> None:
    listfile = host["notes"] / "reading-list.md"
    before = _owner(listfile)
    once = _docker("run", "--rm", *_run_args(host), image, "sync", timeout=300, check=False)
    assert once.returncode == 0, once.stdout + once.stderr
    assert len(sandbox.items()) == 17
    assert _owner(listfile) == before  # the atomic write kept owner, group and mode

    name = f"zotmark-test-{uuid.uuid4().hex[:8]}"
    host["names"].append(name)
    _docker(
        "run", "-d", "--name", name, "--restart", "unless-stopped", *_run_args(host),
        "--health-interval", "2s", "--health-start-period", "1s", image,
    )  # fmt: skip
    _until(lambda: "daemon.started" in _docker("logs", name, check=False).stderr, "the daemon")
    text = listfile.read_text(encoding="utf-8")
    listfile.write_text(text.replace("- [ ] **VideoBERT**", "- [x] **VideoBERT**", 1))
    _until(
        lambda: any(
            "VideoBERT" in i["title"] and {"tag": "read"} in i.get("tags", [])
            for i in sandbox.items().values()
        ),
        "the edit on the host to reach Zotero",
    )

    def health() -> str:
        state = json.loads(_docker("inspect", name).stdout)[0]["State"]
        return str(state.get("Health", {}).get("Status", ""))

    _until(lambda: health() == "healthy", "the health check to pass")
    _docker("stop", name, timeout=60)
    state = json.loads(_docker("inspect", name).stdout)[0]["State"]
    assert state["ExitCode"] == 0  # SIGTERM handled: a SIGKILL after docker's 10 s exits 137
    assert _owner(listfile) == before
    assert all(_owner(p)[:2] == (host["uid"], host["gid"]) for p in host["state"].rglob("*"))


def test_without_user_the_container_says_which_user_to_run_as(
    image: str, host: dict[str, Any]
) -> None:
    result = _docker("run", "--rm", *_run_args(host, user=False), image, timeout=300, check=False)
    said = " ".join(result.stderr.split())
    assert result.returncode == 2, said
    assert f"docker run --user {host['uid']}:{host['gid']}" in said
    assert "Traceback" not in result.stderr
