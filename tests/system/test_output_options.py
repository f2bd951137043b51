"""The global ``--quiet``/``--verbose`` options on ``zotmark sync`` (run as a subprocess)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.system.daemon_process import original_list_config, run_zotmark

from zotmark.sandbox import Sandbox

pytestmark = pytest.mark.system


@pytest.fixture
def config(tmp_path: Path, sandbox: Sandbox) -> Path:
    return original_list_config(tmp_path, sandbox.url, mode=0o644)


def _zotmark(config: Path, sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZOTERO_API_KEY": sandbox.api_key, "COLUMNS": "200"}
    return run_zotmark(*args, cwd=config.parent, env=env)


def test_sync_shows_the_first_plan_lines_and_counts_the_rest(
    config: Path, sandbox: Sandbox
) -> None:
    result = _zotmark(config, sandbox, "sync")
    assert result.returncode == 0, result.stderr
    assert "17 created" in result.stdout
    assert "… and 4 more (--verbose shows them all)" in result.stdout  # 34 lines, 30 shown


def test_verbose_sync_shows_every_plan_line(config: Path, sandbox: Sandbox) -> None:
    result = _zotmark(config, sandbox, "--verbose", "sync")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("zotero: create") == 17
    assert result.stdout.count("file:   line") == 17
    assert "more (--verbose" not in result.stdout


def test_quiet_sync_prints_nothing_and_still_syncs(config: Path, sandbox: Sandbox) -> None:
    result = _zotmark(config, sandbox, "-q", "sync")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert len(sandbox.items()) == 17


def test_quiet_keeps_the_json_document(config: Path, sandbox: Sandbox) -> None:
    result = _zotmark(config, sandbox, "--quiet", "sync", "--json")
    assert result.returncode == 0, result.stderr
    assert '"created": 17' in result.stdout


def test_quiet_still_reports_errors(config: Path, sandbox: Sandbox) -> None:
    (config.parent / "list.md").unlink()
    result = _zotmark(config, sandbox, "--quiet", "sync")
    assert result.returncode == 1
    assert "list.md" in result.stderr


def test_quiet_and_verbose_together_are_a_usage_error(config: Path, sandbox: Sandbox) -> None:
    result = _zotmark(config, sandbox, "-q", "-v", "sync")
    assert result.returncode == 2


def test_verbose_and_quiet_work_after_the_command_too(config: Path, sandbox: Sandbox) -> None:
    """``zotmark sync -v`` was "No such option: -v"."""
    verbose = _zotmark(config, sandbox, "sync", "--dry-run", "-v")
    assert verbose.returncode == 0, verbose.stderr
    assert verbose.stdout.count("zotero: create") == 17
    quiet = _zotmark(config, sandbox, "sync", "-q")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert len(sandbox.items()) == 17


def test_double_verbose_prints_the_debug_log(config: Path, sandbox: Sandbox) -> None:
    result = _zotmark(config, sandbox, "sync", "-vv")
    assert result.returncode == 0, result.stderr
    assert "level=debug" in result.stderr
    assert sandbox.api_key not in result.stdout + result.stderr


def test_a_dry_run_names_no_key_for_items_it_would_create(config: Path, sandbox: Sandbox) -> None:
    """The keys a dry run would draw are not the ones the real run draws: none is shown."""
    dry = _zotmark(config, sandbox, "sync", "--dry-run", "-v")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("zotero: create “") == 17
    assert dry.stdout.count("anchor to its new item") == 17
    real = _zotmark(config, sandbox, "sync", "-v")
    keys = set(sandbox.items())
    assert all(f"create {key} " in real.stdout for key in keys)  # a real run names its keys


def test_export_bib_to_stdout(config: Path, sandbox: Sandbox) -> None:
    """``-o -`` writes the BibTeX to stdout (it wrote a file named ``-``), the count to
    stderr."""
    assert _zotmark(config, sandbox, "sync").returncode == 0
    result = _zotmark(config, sandbox, "export-bib", "-o", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n@") + result.stdout.startswith("@") == 17
    assert "17 entries written to stdout" in result.stderr
    assert not (config.parent / "-").exists()
    again = _zotmark(config, sandbox, "export-bib", "-o", "-", "-q")
    assert (again.stdout, again.stderr) == (result.stdout, "")  # the same keys every time
