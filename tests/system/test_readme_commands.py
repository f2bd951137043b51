"""The README's first set-up command, verbatim, in a fresh venv on a fresh copy of the sources.

The copy holds what a clone of the branch would hold once the working tree is committed: the
files ``git ls-files`` lists (tracked, and untracked ones that are not ignored), so uncommitted
work is tested too; ``.venv`` and other ignored files are left behind. The command installs
zotmark and runs ``zotmark demo``. Slow (a venv and an install), so it runs in CI (``CI`` set,
as ``.ci/run`` does); ``.ci/run`` itself runs the README's second command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    """The commands of the README's first ``sh`` block, in order."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("```sh") + 1
    return lines[start : lines.index("```", start)]


def _fresh_copy(target: Path) -> None:
    """Copy the files a clone would have (tracked + untracked, not ignored) to ``target``."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # listed but deleted in the working tree: not part of it
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def test_readme_has_the_two_set_up_commands_first() -> None:
    first, second = readme_commands()
    assert first.startswith("python3 -m venv .venv && ") and first.endswith("zotmark demo")
    assert second.endswith(".venv/bin/python -m pytest -q")


@pytest.mark.timeout(900)
def test_first_readme_command_installs_and_runs_the_demo_in_a_fresh_copy(tmp_path: Path) -> None:
    if not os.environ.get("CI"):
        pytest.skip("slow (a fresh venv and a pip install): runs when CI is set, as in .ci/run")
    clone = tmp_path / "zotmark"
    clone.mkdir()
    _fresh_copy(clone)
    assert not (clone / ".venv").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run(
        ["bash", "-c", readme_commands()[0]],
        cwd=clone,
        env=env | {"TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "First sync: 17 created" in result.stdout
    assert "+- [x] **WaveNet: A Generative Model for Raw Audio**" in result.stdout
    assert (clone / ".venv" / "bin" / "zotmark").exists()
