"""What a process imports: commands that read no config leave pydantic alone, and a run
without enrichment, progress bars or BibTeX imports none of them (issue 16: start-up cost)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "original-reading-list.md"


def _modules_after(argv: list[str]) -> set[str]:
    """The modules loaded once ``zotmark <argv>`` has run, in a fresh interpreter."""
    script = (
        "import sys\n"
        "from zotmark.cli import main\n"
        f"main({argv!r})\n"
        "print('\\n'.join(sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stderr.splitlines())


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["check", str(FIXTURE)]])
def test_commands_without_a_config_import_no_pydantic(argv: list[str]) -> None:
    loaded = _modules_after(argv)
    assert "pydantic" not in loaded
    assert "httpx2" not in loaded
