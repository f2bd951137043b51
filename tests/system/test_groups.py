"""Two lists in one config, one in the user library and one in a group library: one
``zotmark sync`` syncs both, each in its own library, collection and state; ``--list`` picks one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.helpers import FIXTURES

from zotmark.cli import main
from zotmark.sandbox import Sandbox

pytestmark = pytest.mark.system

LAB_LIST = """# Lab reading list

- [ ] **Attention Is All You Need** ([Link](https://arxiv.org/abs/1706.03762))
- [x] **Deep Residual Learning for Image Recognition** ([Link](https://arxiv.org/abs/1512.03385))
- [ ] **BERT** ([Link](https://arxiv.org/abs/1810.04805))
"""


@pytest.fixture
def config(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ZOTERO_API_KEY", sandbox.api_key)
    shutil.copyfile(FIXTURES / "original-reading-list.md", tmp_path / "mine.md")
    (tmp_path / "lab.md").write_text(LAB_LIST)
    path = tmp_path / "zotmark.toml"
    path.write_text(
        f'[zotero]\nbase_url = "{sandbox.url}"\nstream_url = ""\n'
        '[state]\ndir = "state"\n'
        '[[lists]]\nname = "mine"\nfile = "mine.md"\ncollection = "Reading List"\n'
        "enrich = false\n"
        '[[lists]]\nname = "lab"\nfile = "lab.md"\ncollection = "Lab Reading"\n'
        f'library_type = "group"\nlibrary_id = {sandbox.group_id}\nenrich = false\n'
    )
    path.chmod(0o600)
    return path


def _sync(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict]:
    code = main(["sync", "--config", str(config), "--json", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return {r["list"]: r for r in json.loads(captured.out)["lists"]}


def _titles(sandbox: Sandbox, library: str) -> set[str]:
    return {item["title"] for item in sandbox.items(library).values()}


def test_one_sync_creates_each_lists_papers_in_its_own_library(
    config: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = _sync(config, capsys)
    assert {name: r["created"] for name, r in reports.items()} == {"mine": 17, "lab": 3}
    assert len(sandbox.items("user")) == 17
    assert _titles(sandbox, "group") == {
        "Attention Is All You Need",
        "Deep Residual Learning for Image Recognition",
        "BERT",
    }


def test_each_list_gets_its_collection_in_its_library(
    config: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _sync(config, capsys)
    assert [c["name"] for c in sandbox.collections("user").values()] == ["Reading List"]
    assert [c["name"] for c in sandbox.collections("group").values()] == ["Lab Reading"]


def test_each_file_is_anchored_to_items_of_its_own_library(
    config: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _sync(config, capsys)
    lab = (config.parent / "lab.md").read_text()
    assert all(f"zotero:{key}" in lab for key in sandbox.items("group"))
    assert not any(f"zotero:{key}" in lab for key in sandbox.items("user"))


def test_a_tag_set_in_the_group_comes_back_into_the_lab_list_only(
    config: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _sync(config, capsys)
    mine = (config.parent / "mine.md").read_bytes()
    key = next(k for k, i in sandbox.items("group").items() if i["title"] == "BERT")
    sandbox.update_item(key, {"tags": [{"tag": "read"}]}, library="group")
    reports = _sync(config, capsys)
    assert reports["lab"]["file_changed"] is True
    assert reports["mine"]["file_changed"] is False
    assert "- [x] **BERT**" in (config.parent / "lab.md").read_text()
    assert (config.parent / "mine.md").read_bytes() == mine


def test_list_option_syncs_only_the_named_list(
    config: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = _sync(config, capsys, "--list", "lab")
    assert list(reports) == ["lab"]
    assert sandbox.items("user") == {}
    assert len(sandbox.items("group")) == 3


def test_status_reports_each_list_and_list_option_picks_one(
    config: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _sync(config, capsys)
    assert main(["status", "--config", str(config), "--json", "--list", "lab"]) == 0
    states = json.loads(capsys.readouterr().out)["lists"]
    assert [(s["list"], s["synced_entries"]) for s in states] == [("lab", 3)]
