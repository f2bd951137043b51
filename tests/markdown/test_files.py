"""Reading and atomically rewriting list files: bytes kept, mode kept, newer edits never lost."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from zotmark.errors import FileChangedError, ListFileError
from zotmark.markdown.files import ListFile

AWKWARD = (
    b"\xef\xbb\xbf- [ ] **A**\r\n\t- [x] Relevant?\r"
    b"- [ ] \xff\xfe bad bytes \xf0\x9f\x98\x80  \n- [ ] B"
)


def test_read_returns_the_text_and_its_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"- [ ] A\n")
    text, fingerprint = ListFile.read(path)
    info = path.stat()
    assert text == "- [ ] A\n"
    assert (fingerprint.size, fingerprint.mtime_ns, fingerprint.inode) == (
        8,
        info.st_mtime_ns,
        info.st_ino,
    )
    assert len(fingerprint.sha256) == 64


def test_bom_crlf_and_undecodable_bytes_survive_a_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(AWKWARD)
    text, fingerprint = ListFile.read(path)
    assert text.startswith("\ufeff")
    ListFile.write(path, text, fingerprint)
    assert path.read_bytes() == AWKWARD


def test_write_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"- [ ] A\n")
    path.chmod(0o640)
    text, fingerprint = ListFile.read(path)
    ListFile.write(path, text.replace("[ ]", "[x]"), fingerprint)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_bytes() == b"- [x] A\n"


def test_write_returns_the_new_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"- [ ] A\n")
    _, fingerprint = ListFile.read(path)
    written = ListFile.write(path, "- [x] A\n", fingerprint)
    assert written == ListFile.read(path)[1]
    assert written.inode != fingerprint.inode


def test_write_refuses_when_the_file_changed_after_it_was_read(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"- [ ] A\n")
    _, fingerprint = ListFile.read(path)
    path.write_bytes(b"- [ ] A\n- [ ] B, typed meanwhile\n")
    with pytest.raises(FileChangedError, match="changed since it was read"):
        ListFile.write(path, "- [x] A\n", fingerprint)
    assert path.read_bytes() == b"- [ ] A\n- [ ] B, typed meanwhile\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.md"]


def test_write_refuses_when_the_file_was_replaced_with_equal_bytes(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"- [ ] A\n")
    _, fingerprint = ListFile.read(path)
    (tmp_path / "new.md").write_bytes(b"- [ ] A\n")
    os.replace(tmp_path / "new.md", path)
    with pytest.raises(FileChangedError):
        ListFile.write(path, "- [x] A\n", fingerprint)


def test_write_refuses_when_the_file_was_deleted(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"- [ ] A\n")
    text, fingerprint = ListFile.read(path)
    path.unlink()
    with pytest.raises(FileChangedError):
        ListFile.write(path, text, fingerprint)
    assert not path.exists()


def test_write_creates_a_new_file_only_when_none_exists(tmp_path: Path) -> None:
    path = tmp_path / "new.md"
    ListFile.write(path, "- [ ] A\n", None)
    assert path.read_bytes() == b"- [ ] A\n"
    with pytest.raises(FileChangedError):
        ListFile.write(path, "- [ ] B\n", None)


def test_write_through_a_symlink_replaces_the_target(tmp_path: Path) -> None:
    target = tmp_path / "real.md"
    target.write_bytes(b"- [ ] A\n")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    _, fingerprint = ListFile.read(link)
    ListFile.write(link, "- [x] A\n", fingerprint)
    assert link.is_symlink()
    assert target.read_bytes() == b"- [x] A\n"


def test_missing_file_is_a_list_file_error(tmp_path: Path) -> None:
    with pytest.raises(ListFileError, match=r"cannot read the list .*missing\.md: No such file"):
        ListFile.read(tmp_path / "missing.md")


def test_directory_is_a_list_file_error(tmp_path: Path) -> None:
    with pytest.raises(ListFileError, match="Is a directory"):
        ListFile.read(tmp_path)


def test_unwritable_directory_is_a_list_file_error(tmp_path: Path) -> None:
    with pytest.raises(ListFileError, match="cannot write the list"):
        ListFile.write(tmp_path / "no-such-dir" / "list.md", "- [ ] A\n", None)
