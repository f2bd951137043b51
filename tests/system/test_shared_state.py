"""Two projects that share one state directory (the default location): each list's state is
its own, keyed by its file's path, its library and its collection, never by the file's name."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from tests.helpers import FIXTURES

from zotmark.cli import main
from zotmark.config import load_config
from zotmark.sandbox import Sandbox
from zotmark.state import SqliteStateStore, StateLock
from zotmark.state.commit import RunCommit


def _project(root: Path, name: str, collection: str, state: Path, url: str) -> Path:
    """A directory with its own ``reading-list.md`` and ``zotmark.toml``."""
    project = root / name
    project.mkdir()
    shutil.copyfile(FIXTURES / "original-reading-list.md", project / "reading-list.md")
    config = project / "zotmark.toml"
    config.write_text(
        f'[zotero]\nbase_url = "{url}"\nstream_url = ""\n[state]\ndir = "{state}"\n'
        f'[[lists]]\nfile = "reading-list.md"\ncollection = "{collection}"\nenrich = false\n'
    )
    config.chmod(0o600)
    return config


@pytest.fixture
def projects(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    monkeypatch.setenv("ZOTERO_API_KEY", sandbox.api_key)
    state = tmp_path / "shared-state"
    return [
        _project(tmp_path, "thesis", "Thesis", state, sandbox.url),
        _project(tmp_path, "course", "Course", state, sandbox.url),
    ]


def _in(sandbox: Sandbox, collection: str) -> set[str]:
    [key] = [k for k, c in sandbox.collections().items() if c["name"] == collection]
    return {k for k, i in sandbox.items().items() if key in i.get("collections", [])}


def test_two_projects_with_lists_of_the_same_name_sync_on_their_own(
    projects: list[Path], sandbox: Sandbox
) -> None:
    thesis, course = projects
    assert main(["sync", "--config", str(thesis)]) == 0
    assert main(["sync", "--config", str(course)]) == 0  # no guard: it is a first sync
    assert len(_in(sandbox, "Thesis")) == len(_in(sandbox, "Course")) == 17
    assert main(["sync", "--config", str(thesis)]) == 0  # reads the course's new items
    sandbox.reset_stats()
    assert main(["sync", "--config", str(thesis)]) == 0
    assert sandbox.request_count == 1  # idle
    assert len(_in(sandbox, "Thesis")) == 17


def test_an_entry_deleted_in_one_project_stays_deleted(
    projects: list[Path], sandbox: Sandbox
) -> None:
    thesis, course = projects
    for config in projects:
        main(["sync", "--config", str(config)])
    listed = thesis.parent / "reading-list.md"
    lines = listed.read_text().splitlines(keepends=True)
    gone = next(i for i, line in enumerate(lines) if "VideoBERT" in line)
    listed.write_text("".join(lines[:gone] + lines[gone + 1 :]))
    for config in (thesis, course, thesis):
        assert main(["sync", "--config", str(config)]) == 0
    assert "VideoBERT" not in listed.read_text()
    assert len(_in(sandbox, "Thesis")) == 16 and len(_in(sandbox, "Course")) == 17


def test_status_shows_each_projects_own_file_and_run(
    projects: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    thesis, course = projects
    main(["sync", "--config", str(thesis)])
    capsys.readouterr()
    assert main(["status", "--config", str(course), "--json"]) == 0
    [status] = json.loads(capsys.readouterr().out)["lists"]
    assert status["file"] == str(course.parent / "reading-list.md")
    assert status["last_run"] is None  # the thesis's run is not the course's


def test_state_kept_under_the_lists_name_moves_to_its_key(
    projects: list[Path], sandbox: Sandbox
) -> None:
    """A state written by a zotmark that keyed lists by name is this list's when its
    collection is the list's: it is kept, and nothing is created twice."""
    thesis, _ = projects
    main(["sync", "--config", str(thesis)])
    config = load_config(thesis)
    with SqliteStateStore.in_dir(Path(config.state.dir)) as store:
        assert store.rename_list(config.state_key(config.lists[0]), "reading-list")
    sandbox.reset_stats()
    assert main(["sync", "--config", str(thesis)]) == 0
    assert sandbox.request_count == 1  # the old state was taken over: an idle run
    assert len(sandbox.items()) == 17


def test_state_of_another_collection_under_the_same_name_is_left_alone(
    projects: list[Path], sandbox: Sandbox
) -> None:
    thesis, course = projects
    main(["sync", "--config", str(thesis)])
    config = load_config(thesis)
    with SqliteStateStore.in_dir(Path(config.state.dir)) as store:
        store.rename_list(config.state_key(config.lists[0]), "reading-list")
    assert main(["sync", "--config", str(course)]) == 0  # not the thesis's state
    with SqliteStateStore.in_dir(Path(config.state.dir)) as store:
        mark = store.load("reading-list").mark
        assert mark is not None and mark.collection == "Thesis"


def test_a_sync_waits_for_another_zotmarks_run_then_runs(
    projects: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Runs on one state directory take turns (a daemon's run, a sync of another project)."""
    thesis, _ = projects
    lock = StateLock(Path(load_config(thesis).state.dir))
    lock.acquire()
    released = threading.Timer(0.3, lock.release)
    released.start()
    try:
        assert main(["sync", "--config", str(thesis)]) == 0
    finally:
        released.join()
    assert "waiting for another zotmark (pid" in capsys.readouterr().err


def test_run_commits_of_two_lists_do_not_mix(tmp_path: Path) -> None:
    with SqliteStateStore.in_dir(tmp_path) as store:
        store.commit_run("a", RunCommit(library_version=3, meta={"collection": "A"}))
        store.commit_run("b", RunCommit(library_version=5, meta={"collection": "B"}))
        assert (store.load("a").library_version, store.load("b").library_version) == (3, 5)
