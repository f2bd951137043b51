"""A lab's shared list end to end against the sandbox: three members, each with their own copy
of one list, their own config and state, sync one collection of a group library with
``zotmark sync``; their copies converge, and a paper made twice (a member's Zotero app made
an item while zotmark made one) is merged into the item added first by every member alike."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zotmark.cli import main
from zotmark.sandbox import Sandbox

pytestmark = pytest.mark.system

LAB_LIST = """# Lab reading list

- [ ] **Attention Is All You Need** ([Link](https://arxiv.org/abs/1706.03762))
- [x] **Deep Residual Learning for Image Recognition** ([Link](https://arxiv.org/abs/1512.03385))
"""
BERT = "- [ ] **BERT** ([Link](https://arxiv.org/abs/1810.04805))\n"
ANCHOR = re.compile(r"<!-- zotero:([A-Z0-9]{8}) -->")
BOX = re.compile(r"^- \[(.)\] \*\*(.+?)\*\*", re.MULTILINE)


class Member:
    """One lab member: their own folder with a copy of the list, a config and a state."""

    def __init__(self, root: Path, name: str, sandbox: Sandbox) -> None:
        self.folder = root / name
        self.folder.mkdir()
        self.list = self.folder / "reading-list.md"
        self.list.write_text(LAB_LIST)
        self.config = self.folder / "zotmark.toml"
        self.config.write_text(
            f'[zotero]\nbase_url = "{sandbox.url}"\nstream_url = ""\n'
            '[state]\ndir = "state"\n'
            '[[lists]]\nname = "lab"\nfile = "reading-list.md"\ncollection = "Lab Reading"\n'
            f'library_type = "group"\nlibrary_id = {sandbox.group_id}\nenrich = false\n'
        )
        self.config.chmod(0o600)

    def sync(self, capsys: pytest.CaptureFixture[str]) -> None:
        code = main(["sync", "--config", str(self.config)])
        captured = capsys.readouterr()
        assert code == 0, captured.err

    def boxes(self) -> dict[str, str]:
        """Each entry's anchor → its box's marker."""
        text = self.list.read_text()
        found: dict[str, str] = {}
        for line in text.splitlines():
            anchor, box = ANCHOR.search(line), BOX.match(line)
            if box:
                assert anchor, f"an entry without an anchor: {line}"
                found[anchor[1]] = box[1]
        return found

    def edit(self, old: str, new: str) -> None:
        text = self.list.read_text()
        assert old in text
        self.list.write_text(text.replace(old, new, 1))


@pytest.fixture
def lab(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> list[Member]:
    monkeypatch.setenv("ZOTERO_API_KEY", sandbox.api_key)
    return [Member(tmp_path, name, sandbox) for name in ("ada", "bo", "cy")]


def _sync_until_quiet(lab: list[Member], capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):  # a second round brings each member what the others' first sent
        for member in lab:
            member.sync(capsys)


def _live_keys(sandbox: Sandbox) -> set[str]:
    return {k for k, item in sandbox.items("group").items() if not item.get("deleted")}


def test_three_members_copies_of_one_list_make_each_paper_once(
    lab: list[Member], sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _sync_until_quiet(lab, capsys)
    assert len(_live_keys(sandbox)) == 2
    assert lab[0].boxes() == lab[1].boxes() == lab[2].boxes()
    assert sorted(lab[0].boxes().values()) == [" ", "x"]


def test_a_state_set_by_one_member_reaches_the_others_copies(
    lab: list[Member], sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _sync_until_quiet(lab, capsys)
    lab[1].edit("- [ ] **Attention", "- [/] **Attention")
    lab[2].edit("- [x] **Deep", "- [-] **Deep")
    _sync_until_quiet(lab, capsys)
    assert lab[0].boxes() == lab[1].boxes() == lab[2].boxes()
    assert sorted(lab[0].boxes().values()) == ["-", "/"]


def test_two_members_adding_the_same_paper_make_one_item_and_one_line_each(
    lab: list[Member], sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _sync_until_quiet(lab, capsys)
    for member in lab[:2]:
        member.list.write_text(member.list.read_text() + BERT)
    _sync_until_quiet(lab, capsys)
    assert len(_live_keys(sandbox)) == 3
    assert lab[0].boxes() == lab[1].boxes() == lab[2].boxes()
    assert all(m.list.read_text().count("**BERT**") == 1 for m in lab)


def test_an_app_made_twin_added_first_takes_every_members_line(
    lab: list[Member], sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _sync_until_quiet(lab, capsys)
    lab[0].list.write_text(lab[0].list.read_text() + BERT.replace("[ ]", "[/]"))
    lab[0].sync(capsys)
    (made,) = _live_keys(sandbox) - set(lab[1].boxes())
    data = {
        k: v for k, v in sandbox.items("group")[made].items()
        if k not in ("key", "version", "dateModified", "citationKey", "tags")
    }  # fmt: skip
    # Bo's Zotero app made the same paper offline, before Ada's zotmark did.
    (app,) = sandbox.add_items([{**data, "dateAdded": "2020-01-01T00:00:00Z"}], "group")
    _sync_until_quiet(lab, capsys)
    items = sandbox.items("group")
    assert items[made].get("deleted") and not items[app].get("deleted")
    assert lab[0].boxes() == lab[1].boxes() == lab[2].boxes()
    assert lab[0].boxes()[app] == "/"
    assert all(m.list.read_text().count("**BERT**") == 1 for m in lab)
    assert not any("~~" in m.list.read_text() for m in lab)
