"""Mutants of the engine, and which state machine catches each: re-run with

    .venv/bin/python tests/sync/mutants.py [--old | --only-old] [--long=SECONDS] [NAME ...]

Each mutant is one textual change of ``src/``, applied to a scratch copy of the repository
(never to this one); the new machine (``tests/sync/test_engine_machine.py``, on the twin) and,
with ``--old``, the old end-to-end one (``tests/system/test_sync_machine.py``, sandbox over
HTTP, real SQLite) run on the copy in their CI configuration (``CI=true``: derandomized, not
shrunk; the new machine 100 examples, the old one 60). With ``--long=SECONDS`` they run the
long random profile (2,000 examples) for at most that long. A mutant is caught when the
machine fails. Not a test module: pytest does not collect it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# name: (file, original text, mutated text, what it breaks)
MUTANTS = {
    "a-refused-landed": (
        "src/zotmark/sync/writes.py",
        "landed = {o.key: o.item for o in applied.outcomes if o.item is not None}",
        "landed = {o.key: o.item for o in applied.outcomes}",
        "a refused or failed write is recorded as landed (Written.of)",
    ),
    "b-replaces-ignored": (
        "src/zotmark/sync/status.py",
        "unmoved = {old for new, old in plan.replaces.items() if new in blocked}",
        "unmoved: set[str] = set()",
        "file_landed ignores Plan.replaces: a pair whose move did not land loses its old row",
    ),
    "c-pushed-all-fields": (
        "src/zotmark/sync/status.py",
        "    tags = update.add_tags | update.remove_tags\n",
        "    return planned  # mutant\n",
        "_pushed takes every planned field, not only those the update wrote",
    ),
    "d-appended-flags": (
        "src/zotmark/core/planner.py",
        "tags = self.policy.flag_tags if self.flag_boxes else ()",
        "tags = self.policy.flag_tags",
        "an entry appended without flag boxes records flags (the old machine's seed 3023652556)",
    ),
    "e-412-ignored": (
        "src/zotmark/sync/engine.py",
        "continue  # a concurrent writer: re-read and re-plan",
        "raise  # mutant: no re-plan",
        "the engine does not re-plan on PreconditionFailed (the run fails on a 412)",
    ),
    "f-pending-unrecorded": (
        "src/zotmark/sync/engine.py",
        "self.store.add_pending(self.state_key, pending)",
        "pass  # mutant: creates not recorded as pending before they are sent",
        "a create is sent without being recorded as pending first",
    ),
    "g-mid-run-save-fails": (
        "src/zotmark/sync/engine.py",
        "                # what this attempt already wrote to Zotero, so that their edit wins\n"
        "                continue\n",
        "                # what this attempt already wrote to Zotero, so that their edit wins\n"
        "                raise  # mutant\n",
        "a save of the list while a run is in flight fails the run instead of a re-plan",
    ),
    "h-version-unsettled": (
        "src/zotmark/sync/status.py",
        '    """``record`` at the item\'s version and with its title as the library has them."""\n',
        '    """``record`` at the item\'s version and with its title as the library has them."""\n'
        "    return record  # mutant\n",
        "a pair's row keeps the item version and title it had before the run's writes",
    ),
    "i-noop-ignores-file": (
        "src/zotmark/sync/engine.py",
        "if head.library_version and head.mark and head.mark.settled == self._settled_token():",
        "if head.library_version and head.mark:  # mutant",
        "the no-op check skips a run when the library did not move, even if the file did",
    ),
}
MACHINES = {
    "new": "tests/sync/test_engine_machine.py",
    "old": "tests/system/test_sync_machine.py",
}


# The CI profile without shrinking: the same examples, and a mutant caught is not shrunk.
PLUGIN = """
def pytest_configure(config):
    from hypothesis import Phase, settings

    import os

    base = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")
    settings.register_profile("mutant", base, phases=[Phase.explicit, Phase.reuse, Phase.generate])
    settings.load_profile("mutant")
"""


def scratch(name: str) -> Path:
    """A copy of the repository's src, tests and pyproject with mutant ``name`` applied."""
    path, original, mutated, _ = MUTANTS[name]
    root = Path(tempfile.mkdtemp(prefix=f"zotmark-mutant-{name}-"))
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.pyc")
    for part in ("src", "tests", "config"):
        if (ROOT / part).exists():
            shutil.copytree(ROOT / part, root / part, ignore=ignore)
    for file in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / file, root / file)
    (root / "mutant_plugin.py").write_text(PLUGIN)
    target = root / path
    text = target.read_text()
    assert text.count(original) == 1, f"{name}: the text to mutate is not in {path} once"
    target.write_text(text.replace(original, mutated))
    return root


def caught(name: str, machine: str, seconds: int | None = None) -> tuple[bool, float]:
    """Whether ``machine`` fails on mutant ``name`` (CI profile; with ``seconds``, the long
    random profile for at most that long), and how long it took."""
    root = scratch(name)
    env = {**os.environ, "CI": "true", "PYTHONPATH": f"{root / 'src'}:{root}"}
    if seconds:
        env["HYPOTHESIS_PROFILE"] = "long"
    started = time.monotonic()
    try:
        result = subprocess.run(
            # (-n 0: one test, and pytest-xdist exits 2, not 1, when -x stops it)
            [sys.executable, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:cacheprovider",
             "-p", "mutant_plugin",
             MACHINES[machine]],
            cwd=root, env=env, capture_output=True, text=True, check=False, timeout=seconds,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return False, time.monotonic() - started
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return result.returncode == 1, time.monotonic() - started


def main(argv: list[str]) -> int:
    machines = ["new", "old"] if "--old" in argv else ["new"]
    machines = ["old"] if "--only-old" in argv else machines
    long = next((int(a.split("=")[1]) for a in argv if a.startswith("--long=")), None)
    names = [a for a in argv if not a.startswith("--")] or list(MUTANTS)
    for name in names:
        for machine in machines:
            hit, seconds = caught(name, machine, long)
            verdict = "caught" if hit else "MISSED"
            print(f"{name:22} {machine}: {verdict} ({seconds:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
