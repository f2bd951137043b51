"""Files the operating system refuses zotmark: every way ends in a message that names the path,
its owner, the uid zotmark runs as and what to change (as in a container started without
``--user``), never a traceback; a daemon whose list is missing does not crash-loop.

The refusals are real: as root (CI), zotmark runs as ``nobody`` (uid 65534) through the
machine's own Python 3 of the same version, with this environment's packages on its path;
as another user, those tests skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers import FIXTURES, wait_for
from tests.system.daemon_process import ZOTMARK, DaemonProcess, config_text, environment

from zotmark.permissions import access_advice
from zotmark.sandbox import Sandbox

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534
VERSION = f"python{sys.version_info.major}.{sys.version_info.minor}"


def _other_python() -> str:
    """A Python of this version that uid 65534 may run (the venv's may live under /root)."""
    if os.getuid() != 0:
        pytest.skip("running zotmark as another user needs root (CI runs as root)")
    for candidate in (f"/usr/bin/{VERSION}", f"/usr/local/bin/{VERSION}"):
        if Path(candidate).is_file():
            return candidate
    pytest.skip(f"no {VERSION} outside this virtual environment for uid {NOBODY} to run")


@pytest.fixture
def place() -> Iterator[Path]:
    """A directory everyone may enter (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="zotmark-perm-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _as_nobody(
    place: Path, sandbox: Sandbox, *args: str, container: bool = True
) -> subprocess.CompletedProcess[str]:
    """``zotmark ARGS`` as uid/gid 65534, in ``place``, as in the image (``ZOTMARK_CONTAINER``)."""
    python = _other_python()
    paths = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], str(ROOT / "src")]
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(place / "home"),
        "XDG_STATE_HOME": str(place / "state"),
        "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths)),
        "ZOTERO_API_KEY": sandbox.api_key,
        "NO_PROXY": "127.0.0.1,localhost",
        "COLUMNS": "400",
    }
    if container:
        env["ZOTMARK_CONTAINER"] = "docker"
    return subprocess.run(
        [python, "-m", "zotmark", *args],
        cwd=place, env=env, user=NOBODY, group=NOBODY, extra_groups=[],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def _setup(place: Path, sandbox: Sandbox) -> Path:
    """``place/data`` holds a list and its config (root's, as the host user's files are to a
    container running as another uid); ``place/state`` is writable by everyone."""
    data = place / "data"
    data.mkdir(mode=0o755)
    shutil.copyfile(FIXTURES / "original-reading-list.md", data / "list.md")
    (data / "list.md").chmod(0o644)
    config = data / "zotmark.toml"
    config.write_text(
        f'[zotero]\nbase_url = "{sandbox.url}"\nstream_url = ""\n'
        '[[lists]]\nfile = "list.md"\ncollection = "Reading List"\nenrich = false\n'
    )
    config.chmod(0o644)
    _setup_state(place)
    return config


def _setup_state(place: Path) -> None:
    """``place/state`` and ``place/home``, writable by everyone."""
    for private in ("state", "home"):
        (place / private).mkdir(mode=0o777)
        (place / private).chmod(0o777)


def _words(text: str) -> str:
    return " ".join(text.split())


def test_a_config_the_container_user_cannot_read_says_which_uid_to_run_as(
    place: Path, sandbox: Sandbox
) -> None:
    config = _setup(place, sandbox)
    config.chmod(0o600)  # as `zotmark init` writes it
    os.chown(config, 1000, 1000)
    result = _as_nobody(place, sandbox, "status", "--config", str(config))
    said = _words(result.stderr)
    assert result.returncode == 2, said
    assert f"cannot read the config file {config}: Permission denied" in said
    assert "runs as uid 65534 (gid 65534)" in said and "belongs to uid 1000 (gid 1000" in said
    assert "docker run --user 1000:1000" in said
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["status", "sync", "daemon"])
def test_a_state_directory_of_another_user_says_what_to_change(
    place: Path, sandbox: Sandbox, command: str
) -> None:
    """A state volume first used under another uid (the image's old default user)."""
    config = _setup(place, sandbox)
    (place / "state" / "zotmark").mkdir(mode=0o755)
    os.chown(place / "state" / "zotmark", 10001, 10001)
    result = _as_nobody(place, sandbox, command, "--config", str(config))
    said = _words(result.stderr)
    assert result.returncode == 2, said  # a restart cannot fix it: systemd does not restart
    assert f"may not write to the directory {place / 'state' / 'zotmark'}" in said
    assert "belongs to uid 10001 (gid 10001" in said and "--user 10001:10001" in said
    assert "Traceback" not in result.stderr
    assert sandbox.items() == {}


def test_init_in_a_root_owned_data_directory_says_whose_it_is_and_what_to_change(
    place: Path, sandbox: Sandbox
) -> None:
    """``zotmark init`` in a /data that Docker made (root's): not a bare "Permission denied"."""
    data = place / "data"
    data.mkdir(mode=0o755)  # root's
    _setup_state(place)
    result = _as_nobody(
        place, sandbox, "init", "--base-url", sandbox.url, "--list-file", "reading-list.md",
        "--config-out", str(data / "zotmark.toml"), "--yes",
    )  # fmt: skip
    said = _words(result.stderr)
    assert result.returncode == 2, said
    assert "Permission denied" in said and "It belongs to root" in said
    assert 'docker run --user "$(id -u):$(id -g)"' in said
    assert "Traceback" not in result.stderr


def test_a_missing_config_in_an_empty_root_owned_directory_says_the_mount_is_wrong(
    place: Path, sandbox: Sandbox
) -> None:
    """-v with a host path that did not exist: Docker mounts an empty directory of root's."""
    data = place / "data"
    data.mkdir(mode=0o755)  # root's, empty
    _setup_state(place)
    result = _as_nobody(place, sandbox, "daemon", "--config", str(data / "zotmark.toml"))
    said = _words(result.stderr)
    assert result.returncode == 2, said
    assert f"the config file {data / 'zotmark.toml'} does not exist" in said
    assert f"The directory {data} is empty and belongs to root" in said
    assert "check the host side of that -v option" in said
    outside = _as_nobody(
        place, sandbox, "daemon", "--config", str(data / "zotmark.toml"), container=False
    )
    assert "belongs to root" not in _words(outside.stderr)  # only said in a container


def test_a_root_owned_state_directory_says_docker_made_it(place: Path, sandbox: Sandbox) -> None:
    """Docker makes a missing host directory of a -v mount as root: say so, and how to fix."""
    config = _setup(place, sandbox)
    (place / "state").chmod(0o755)  # root's
    result = _as_nobody(place, sandbox, "sync", "--config", str(config))
    said = _words(result.stderr)
    assert result.returncode == 2, said
    assert "It belongs to root: Docker makes a missing host directory" in said
    assert 'sudo chown "$(id -u):$(id -g)"' in said
    assert "Traceback" not in result.stderr


def test_a_list_directory_the_atomic_write_cannot_use_stops_before_zotero_is_touched(
    place: Path, sandbox: Sandbox
) -> None:
    config = _setup(place, sandbox)
    os.chown(place / "data", 1000, 1000)  # the list itself is readable; its directory is not ours
    result = _as_nobody(place, sandbox, "sync", "--config", str(config))
    said = _words(result.stderr)
    assert result.returncode == 1, said
    assert "temporary file in its directory" in said
    assert f"may not write to the directory {place / 'data'}" in said
    assert "--user 1000:1000" in said
    assert sandbox.items() == {}  # refused before anything was sent
    health = _as_nobody(place, sandbox, "status", "--quiet", "--config", str(config))
    assert health.returncode == 1, health.stdout  # recorded as a failed run: the container
    # shows unhealthy, as the README says, instead of a "never synced yet" that looks fine
    dry = _as_nobody(place, sandbox, "sync", "--dry-run", "--config", str(config))
    assert dry.returncode == 0, dry.stderr  # a dry run writes nothing, so it may run


def test_outside_a_container_the_advice_is_to_run_as_the_owner(
    place: Path, sandbox: Sandbox
) -> None:
    config = _setup(place, sandbox)
    config.chmod(0o600)
    result = _as_nobody(place, sandbox, "sync", "--config", str(config), container=False)
    said = _words(result.stderr)
    assert result.returncode == 2, said
    assert "Run zotmark as the user who owns it (uid 0)" in said
    assert "docker" not in said


def test_advice_for_one_s_own_file_is_chmod(tmp_path: Path) -> None:
    """Runs as any user: a file of our own that we may not read."""
    mine = tmp_path / "zotmark.toml"
    mine.write_text("")
    mine.chmod(0o000)
    assert access_advice(mine, write=False).endswith(f"Give its owner access: chmod u+r {mine}")
    assert access_advice(tmp_path, write=True).endswith(f"chmod u+rwx {tmp_path}")


# --- a daemon's list that is missing --------------------------------------------------------


def test_a_daemon_waits_for_a_missing_list_file_and_syncs_it_once_it_appears(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """No crash loop: the run fails with a hint, the daemon keeps running, and the file
    syncs as soon as it is saved."""
    config = tmp_path / "zotmark.toml"
    config.write_text(config_text(sandbox.url, ""))
    config.chmod(0o600)
    daemon = DaemonProcess(config, sandbox.api_key, streaming=False)
    try:
        failed = daemon.wait_log(
            lambda events: [e for e in events if e.get("msg") == "list.failed"],
            "the first run to fail",
        )
        assert "No such file or directory" in failed[0]["message"]
        assert "create it if it is missing" in failed[0]["hint"]
        shutil.copyfile(FIXTURES / "original-reading-list.md", tmp_path / "list.md")
        wait_for(lambda: len(sandbox.items()) == 17, "the list to reach Zotero")
        daemon.check_alive()
    finally:
        assert daemon.terminate() == 0


def test_a_daemon_whose_list_directory_is_missing_exits_2_which_systemd_does_not_restart(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    config = tmp_path / "zotmark.toml"
    config.write_text(config_text(sandbox.url, "").replace('"list.md"', '"notes/list.md"'))
    config.chmod(0o600)
    result = subprocess.run(
        [*ZOTMARK, "daemon", "--config", str(config)],
        env=environment(sandbox.api_key), capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert f"the directory {tmp_path / 'notes'} of the list 'papers' does not exist" in _words(
        result.stderr
    )
    unit = (ROOT / "config" / "zotmark.service").read_text()
    assert "RestartPreventExitStatus=2" in unit.splitlines()
