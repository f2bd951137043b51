"""Writing the export: atomic, only when changed, keys pinned; read errors translated."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from tests.bibtex.bib_samples import enriched_items

from zotmark.bibtex.files import export_bib_file, read_bib_file, write_if_changed
from zotmark.errors import BibtexError


def test_a_new_file_is_written(tmp_path: Path) -> None:
    path = tmp_path / "list.bib"
    assert write_if_changed(path, "@misc{k, title = {Ü}}\n") is True
    assert path.read_bytes() == "@misc{k, title = {Ü}}\n".encode()


def test_the_same_text_is_not_written_again(tmp_path: Path) -> None:
    path = tmp_path / "list.bib"
    write_if_changed(path, "same\n")
    before = path.stat()
    assert write_if_changed(path, "same\n") is False
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_change_replaces_the_file_by_rename_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "list.bib"
    path.write_text("old\n")
    path.chmod(0o640)
    inode = path.stat().st_ino
    assert write_if_changed(path, "new\n") is True
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # a new file renamed into place, not rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.bib"]


def test_a_failed_write_is_a_bibtex_error_and_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / ("x" * 250 + ".bib")  # the file fits, its temporary sibling's name does not
    path.write_text("old\n")
    with pytest.raises(BibtexError, match="Cannot write"):
        write_if_changed(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_path_under_a_file_is_a_bibtex_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BibtexError, match="file"):
        write_if_changed(blocker / "list.bib", "text\n")


def test_export_bib_file_assigns_keys_writes_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "list.bib"
    items = enriched_items()
    first = export_bib_file(items, {}, path)
    assert (first.entries, first.changed) == (len(items), True)
    assert set(first.keys) == {i["key"] for i in items}
    assert len(read_bib_file(path).entries) == len(items)
    again = export_bib_file(items, first.keys, path)
    assert (again.keys, again.changed) == (first.keys, False)


def test_export_bib_file_keeps_pinned_keys_when_titles_change(tmp_path: Path) -> None:
    path = tmp_path / "list.bib"
    items = enriched_items()
    pinned = export_bib_file(items, {}, path).keys
    retitled = [{**item, "title": "Completely different words"} for item in items]
    report = export_bib_file(retitled, pinned, path)
    assert report.keys == pinned and report.changed is True
