"""The README's systemd section, followed literally in a fresh home, as far as a machine
without a systemd user manager allows.

Run as written (in bash, ``HOME`` a fresh directory): ``zotmark init`` (plus ``--yes`` and
the sandbox's ``--base-url``), the key file, the copy of the shipped unit, and
``systemd-analyze --user verify`` (which must print nothing). ``systemctl`` and ``loginctl``
need a user manager, which neither this machine nor CI runs (PID 1 is no systemd): instead the
unit's own ``ExecStart``, ``EnvironmentFile`` and ``Environment`` are carried out as systemd
would (``%h`` is the home), and the daemon must sync the list, then exit 0 on SIGTERM.
zotmark is installed as the README's venv variant leaves it: ``~/.local/bin/zotmark`` linked
to this environment's command.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tests.helpers import FIXTURES, wait_for

from zotmark.sandbox import Sandbox

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
NEEDS_A_USER_MANAGER = ("systemctl ", "loginctl ")


def _systemd_block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### systemd (user service)") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def _unit_settings(unit: Path, home: Path) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value.replace("%h", str(home)))
    return settings


def test_the_readme_s_systemd_section_works_as_written(tmp_path: Path, sandbox: Sandbox) -> None:
    zotmark = shutil.which("zotmark", path=str(Path(sys.executable).parent))
    assert zotmark is not None
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "zotmark").symlink_to(zotmark)
    (home / "notes").mkdir()
    shutil.copyfile(FIXTURES / "original-reading-list.md", home / "notes" / "reading-list.md")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ZOTERO_"))}
    env |= {
        "HOME": str(home),
        "PATH": f"{home / '.local' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "XDG_RUNTIME_DIR": str(tmp_path / "runtime"),
        "ZOTERO_API_KEY": sandbox.api_key,  # init takes it from the environment
    }
    (tmp_path / "runtime").mkdir(mode=0o700)
    has_analyze = shutil.which("systemd-analyze") is not None
    for line in _systemd_block():
        command = line.split("  #")[0].strip()
        if command.startswith(NEEDS_A_USER_MANAGER):
            continue
        if command.startswith("systemd-analyze") and not has_analyze:
            continue
        if command.startswith("zotmark init "):
            command += f" --yes --no-tag-colors --base-url {sandbox.url}"
        command = command.replace("'your-key'", f"'{sandbox.api_key}'")
        result = subprocess.run(
            ["bash", "-c", command], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        if command.startswith("systemd-analyze"):
            assert result.stdout + result.stderr == "", result.stdout + result.stderr
    unit = home / ".config" / "systemd" / "user" / "zotmark.service"
    assert unit.read_text() == (ROOT / "config" / "zotmark.service").read_text()

    # systemctl --user enable --now zotmark, as systemd carries it out:
    settings = _unit_settings(unit, home)
    service_env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin"}
    for assignment in settings.get("Environment", []):
        key, value = assignment.split("=", 1)
        service_env[key] = value
    for env_file in settings.get("EnvironmentFile", []):
        path = Path(env_file.removeprefix("-"))
        for entry in path.read_text().splitlines():
            key, value = entry.split("=", 1)
            service_env[key] = value
    (exec_start,) = settings["ExecStart"]
    log = tmp_path / "journal.log"
    with log.open("wb") as journal:
        daemon = subprocess.Popen(
            exec_start.split(), env=service_env, stdout=journal, stderr=journal, cwd=home
        )
        try:

            def synced() -> bool:
                assert daemon.poll() is None, log.read_text()
                return len(sandbox.items()) >= 17

            wait_for(synced, "the 17 papers in Zotero", timeout=30)
            assert len(sandbox.items()) == 17, log.read_text()
        finally:
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(30)
    assert code == 0, log.read_text()
    assert "<!-- zotero:" in (home / "notes" / "reading-list.md").read_text()
