"""What a process imports: commands that read no config leave the config's reader alone, and a
run without enrichment, progress bars or BibTeX imports none of them (issue 16: start-up cost)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from zotmark.sandbox import Sandbox

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "original-reading-list.md"


def _after(argv: list[str], env: dict[str, str] | None = None, *, report: str) -> set[str]:
    """The lines ``report`` (code run once ``zotmark <argv>`` has run, in a fresh interpreter)
    writes to stderr."""
    script = f"import sys\nfrom zotmark.cli import main\nmain({argv!r})\n{report}"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    return set(done.stderr.splitlines())


def _modules_after(argv: list[str], env: dict[str, str] | None = None) -> set[str]:
    """The modules loaded once ``zotmark <argv>`` has run, in a fresh interpreter."""
    return _after(argv, env, report="print('\\n'.join(sys.modules), file=sys.stderr)\n")


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["check", str(FIXTURE)]])
def test_commands_without_a_config_import_neither_the_config_nor_http(argv: list[str]) -> None:
    loaded = _modules_after(argv)
    assert "zotmark.config" not in loaded
    assert "httpx2" not in loaded


def _config(sandbox: Sandbox, tmp_path: Path, *, enrich: bool = False) -> Path:
    """A config syncing a copy of the original list with a collection of ``sandbox``."""
    shutil.copy(FIXTURE, tmp_path / "list.md")
    config = tmp_path / "zotmark.toml"
    config.write_text(
        f'[zotero]\nlibrary_id = "{sandbox.user_id}"\nbase_url = "{sandbox.url}"\n'
        f'stream_url = ""\n[state]\ndir = "{tmp_path / "state"}"\n[[lists]]\nname = "l"\n'
        'file = "list.md"\ncollection = "Lean"\n'
        f"enrich = {str(enrich).lower()}\n"
    )
    config.chmod(0o600)
    return config


def test_a_no_op_sync_imports_no_enrichment_bibtex_or_pyzotero_and_status_no_http(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    config = _config(sandbox, tmp_path)
    argv, env = ["sync", "-q", "--config", str(config)], {"ZOTERO_API_KEY": sandbox.api_key}
    _modules_after(argv, env)  # creates the items
    _modules_after(argv, env)  # settles the library version of its own writes
    loaded = _modules_after(argv, env)
    assert "zotmark.sync.engine" in loaded  # the run did happen
    unwanted = {"zotmark.enrich", "zotmark.bibtex", "zotmark.sync.bibliography", "pyzotero"}
    assert unwanted & loaded == set()
    status = _modules_after(["status", "-q", "--config", str(config)])
    assert "zotmark.state.sqlite" in status and "httpx2" not in status  # no network: no client


def test_a_no_op_sync_that_enriches_imports_no_enrichment_and_asks_zotero_once(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """With ``enrich`` on, a run with nothing to do reads when its preprints are next
    re-checked from the state, and that is all: no look-up, no enrichment module (arXiv and
    Crossref go through a proxy on a closed port: the first run's look-ups fail at once)."""
    config = _config(sandbox, tmp_path, enrich=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env = {"ZOTERO_API_KEY": sandbox.api_key, "HTTPS_PROXY": nowhere, "https_proxy": nowhere,
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}  # fmt: skip
    argv = ["sync", "-q", "--config", str(config)]
    assert "zotmark.enrich" in _modules_after(argv, env)  # creates the items, looks them up
    _modules_after(argv, env)  # settles the library version of its own writes
    before = sandbox.request_count
    loaded = _modules_after(argv, env)
    assert "zotmark.sync.engine" in loaded  # the run did happen
    assert {"zotmark.enrich", "zotmark.sync.publications"} & loaded == set()
    assert sandbox.request_count - before == 1


PLANNING = {
    "zotmark.core.planner",
    "zotmark.core.replan",
    "zotmark.sync.kept",
    "zotmark.sync.status",
    "zotmark.sync.writes",
    "zotmark.markdown.parser",
    "zotmark.markdown.patch",
    "zotmark.markdown.style",
    "zotmark.core.port",
    "zotmark.zotero.mapping",
}
"""What a run that plans uses: the planner, the kept run's pairs, the working status, the
writes, the list's parser and patches, the port's values and the items' mapping."""
UNUSED_BY_A_NO_OP = (
    "bibtexparser", "rich", "zotmark.setup", "zotmark.daemon", "zotmark.sandbox",
    "zotmark.core.identifiers", "zotmark.core.actions", "zotmark.core.item",
    "zotmark.state.commit", "platformdirs", "zotmark.cli.check", "zotmark.cli.serve",
    "zotmark.cli.setup", "zotmark.cli.bibtex", "shlex",
)  # fmt: skip
"""Packages and modules a no-op sync has no use for (nor any of their modules): its line goes
to a pipe here, and rich styles only what goes to a terminal; it reads no entry, so it needs
no identifier's patterns, and no item; it plans nothing, so it needs no action, and commits
no change to the state (it records how the run went); its config names its state directory
and it shows no help, so it needs no platform's default directory; it runs one command, whose
module alone it imports; it reads the list as UTF-8, so it quotes no path in the advice to
convert it (``shlex``)."""


def _within(loaded: set[str], names: tuple[str, ...]) -> set[str]:
    """The modules of ``loaded`` that are one of ``names`` or inside one of them."""
    return {m for m in loaded if any(m == n or m.startswith(f"{n}.") for n in names)}


def test_a_no_op_sync_loads_neither_the_planner_nor_the_parser(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    config = _config(sandbox, tmp_path)
    argv, env = ["sync", "--config", str(config)], {"ZOTERO_API_KEY": sandbox.api_key}
    first = _modules_after(argv, env)  # creates the items: it plans
    assert first >= PLANNING
    _modules_after(argv, env)  # settles the library version of its own writes
    loaded = _modules_after(argv, env)
    assert "zotmark.sync.engine" in loaded and "httpx2" in loaded  # it ran, and asked Zotero
    assert PLANNING & loaded == set()
    assert _within(loaded, UNUSED_BY_A_NO_OP) == set()


def test_a_changed_list_is_planned_after_a_no_op(sandbox: Sandbox, tmp_path: Path) -> None:
    config = _config(sandbox, tmp_path)
    argv, env = ["sync", "--config", str(config)], {"ZOTERO_API_KEY": sandbox.api_key}
    _modules_after(argv, env)
    _modules_after(argv, env)
    with (tmp_path / "list.md").open("a", encoding="utf-8") as listed:
        listed.write("\n- [ ] [A new paper](https://arxiv.org/abs/2101.00001)\n")
    assert _modules_after(argv, env) >= PLANNING


def test_status_loads_neither_the_engine_nor_the_list_document(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    config = _config(sandbox, tmp_path)
    _modules_after(["sync", "-q", "--config", str(config)], {"ZOTERO_API_KEY": sandbox.api_key})
    status = _modules_after(["status", "-q", "--config", str(config)])
    assert "zotmark.state.sqlite" in status
    assert {
        "zotmark.sync.engine",
        "zotmark.sync.document",
        "zotmark.sync.session",
    } & status == set()


DATACLASSES_OF_A_NO_OP = {
    "zotmark.config.Config",
    "zotmark.config_sections.ZoteroSettings",
    "zotmark.config_sections.StateSettings",
    "zotmark.config_sections.DaemonSettings",
    "zotmark.config_sections.ListSettings",
    "zotmark.state.model.RunStatus",
    "zotmark.state.model.SyncMark",
}
"""The dataclasses a no-op sync may define: the config's sections (read from their fields)
and the state's values that check what they are given. Defining a frozen dataclass costs
~3.5M instructions on Python 3.11 (each generated method is compiled apart), a named tuple
~0.9M, a class with its own ``__init__`` ~0.1M: a plain immutable record on the no-op's path is
a named tuple, and the run's mutable objects (the list's document, runner and session) are
plain classes."""


def test_a_no_op_sync_defines_no_dataclass_beyond_those_that_need_one(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    config = _config(sandbox, tmp_path)
    argv, env = ["sync", "--config", str(config)], {"ZOTERO_API_KEY": sandbox.api_key}
    _modules_after(argv, env)
    _modules_after(argv, env)
    defined = _after(
        argv,
        env,
        report=(
            "import dataclasses\n"
            "for name, module in list(sys.modules.items()):\n"
            "    if name.startswith('zotmark'):\n"
            "        for value in list(vars(module).values()):\n"
            "            if isinstance(value, type) and dataclasses.is_dataclass(value) "
            "and value.__module__ == name:\n"
            "                print(f'{name}.{value.__qualname__}', file=sys.stderr)\n"
        ),
    )
    assert "zotmark.config.Config" in defined  # it ran (it read the config)
    assert defined - DATACLASSES_OF_A_NO_OP == set()
