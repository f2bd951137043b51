"""Reading and atomically rewriting list files: bytes kept, mode kept, newer edits never lost."""

from __future__ import annotations

import os
import socket
import stat
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from zotmark.errors import FileChangedError, ListFileError
from zotmark.markdown import files
from zotmark.markdown.files import BLOCK, MAX_LIST_BYTES, ListFile

WAIT = 10.0  # upper bound for a read that must not block; never reached when things work

AWKWARD = (
    b"\xef\xbb\xbf- [ ] **A**\r\n\t- [x] Relevant?\r- [ ] caf\xc3\xa9 \xf0\x9f\x98\x80  \n- [ ] B"
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


def test_bom_line_endings_and_non_ascii_text_survive_a_rewrite(tmp_path: Path) -> None:
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
    with pytest.raises(ListFileError, match="it is a directory"):
        ListFile.read(tmp_path)


def test_unwritable_directory_is_a_list_file_error(tmp_path: Path) -> None:
    with pytest.raises(ListFileError, match="cannot write the list"):
        ListFile.write(tmp_path / "no-such-dir" / "list.md", "- [ ] A\n", None)


def _refusal(tmp_path: Path, data: bytes) -> str:
    """The one-paragraph message reading a list of ``data`` is refused with."""
    path = tmp_path / "list.md"
    path.write_bytes(data)
    with pytest.raises(ListFileError) as caught:
        ListFile.read(path)
    message = caught.value.message
    assert message.startswith(f"cannot read the list {path}: ") and "\n" not in message
    return message


def test_a_latin1_list_is_refused_naming_the_byte_its_line_and_column(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "# Café\n\n- [ ] **Déjà vu**\n".encode("latin-1"))
    assert "byte 0xE9 at line 1, column 6 is not valid UTF-8" in message
    assert "Save the file as UTF-8" in message and "iconv -f latin1 -t UTF-8" in message


def test_one_bad_byte_in_a_title_is_located_in_characters_after_the_parsers_line_breaks(
    tmp_path: Path,
) -> None:
    """Columns count characters (``é`` and the emoji are one each); a lone CR ends a line."""
    data = "- [ ] é\r- [x] A\r\n- [ ] 😀 **Café ".encode() + b"\x92s**\n- [ ] B\n"
    assert "byte 0x92 at line 3, column 16 is not valid UTF-8" in _refusal(tmp_path, data)


def test_a_sequence_cut_short_at_the_end_is_refused(tmp_path: Path) -> None:
    assert "byte 0xE2 at line 2, column 1" in _refusal(tmp_path, b"- [ ] A\n\xe2\x82")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_a_bom_are_refused_with_the_conversion(
    tmp_path: Path, encoding: str
) -> None:
    name = encoding[:6].upper()
    message = _refusal(tmp_path, "\ufeff- [ ] **A**\n".encode(encoding))
    assert f"it is {name} text (it starts with a {name} byte order mark)" in message
    assert f"iconv -f {name} -t UTF-8" in message


def test_a_binary_file_is_refused_as_binary_not_as_another_encoding(tmp_path: Path) -> None:
    message = _refusal(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "a NUL byte (0x00) at line 3, column 1, so it is a binary file" in message
    assert "Latin-1" not in message


def test_a_nul_byte_in_valid_utf8_is_refused_as_binary(tmp_path: Path) -> None:
    message = _refusal(tmp_path, b"- [ ] A\n- [ ] B\x00\n")
    assert "a NUL byte (0x00) at line 2, column 8" in message
    assert "binary file (or UTF-16 text without a byte order mark)" in message


def test_utf16_without_a_bom_is_refused_at_its_first_nul(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "- [ ] A\n".encode("utf-16-le"))
    assert "NUL byte (0x00) at line 1, column 2" in message


def test_a_utf8_bom_list_reads_as_text_starting_with_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"\xef\xbb\xbf- [ ] A\n")
    assert ListFile.read(path)[0] == "\ufeff- [ ] A\n"


def test_text_utf8_cannot_hold_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_bytes(b"- [ ] A\n")
    text, fingerprint = ListFile.read(path)
    with pytest.raises(ListFileError, match=r"cannot write the list .* UTF-8 cannot encode"):
        ListFile.write(path, text + "- [ ] \udce9\n", fingerprint)
    assert path.read_bytes() == b"- [ ] A\n"


def _without_hanging(read: Callable[[Path], object], path: Path) -> BaseException | None:
    """What ``read(path)`` raised (``None``: it returned), called on a helper thread; a call
    still blocked after ``WAIT`` seconds fails the test (and is released by opening the FIFO's
    write end)."""
    outcome: list[BaseException | None] = []

    def call() -> None:
        try:
            read(path)
            outcome.append(None)
        except BaseException as error:  # handed to the test thread
            outcome.append(error)

    reader = threading.Thread(target=call, daemon=True)
    reader.start()
    reader.join(WAIT)
    if reader.is_alive():
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # lets a blocked open return
        pytest.fail(f"reading {path} blocked for {WAIT} s")
    return outcome[0]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    os.mkfifo(path)
    error = _without_hanging(ListFile.read, path)
    assert isinstance(error, ListFileError)
    assert error.message == (
        f"cannot read the list {path}: it is a named pipe (FIFO). zotmark reads lists only from "
        "regular files (a symbolic link to one is fine): point the list's file at your reading "
        "list."
    )


def test_the_fingerprint_of_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    os.mkfifo(path)
    error = _without_hanging(ListFile.fingerprint, path)
    assert isinstance(error, ListFileError) and "named pipe" in error.message


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_symlink_to_a_device_is_refused_naming_the_device(tmp_path: Path, device: str) -> None:
    link = tmp_path / "list.md"
    link.symlink_to(device)
    with pytest.raises(ListFileError, match=f"it leads to {device}, which is a character device"):
        ListFile.read(link)


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(ListFileError, match="it is a socket"):
            ListFile.read(path)


def test_a_file_over_the_size_ceiling_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    with path.open("wb") as sparse:
        sparse.truncate(MAX_LIST_BYTES + 1)  # no data written: a read would find NULs
    with pytest.raises(ListFileError, match=r"it is 64\.0 MiB, larger than the 64 MiB zotmark"):
        ListFile.read(path)


def test_no_more_than_the_ceiling_is_read_when_the_size_says_less(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A regular file whose size says 0 but which holds more (as files in /proc do)."""
    monkeypatch.setattr(files, "MAX_LIST_BYTES", 16)
    link = tmp_path / "list.md"
    link.symlink_to("/proc/self/maps")
    with pytest.raises(ListFileError, match=r"it is larger than the \d+ MiB zotmark reads"):
        ListFile.read(link)


def test_a_read_allocates_about_the_files_size_not_the_ceiling(tmp_path: Path) -> None:
    """Reading (and fingerprinting) a small list never asks for a buffer of the ceiling's size."""
    path = tmp_path / "list.md"
    path.write_text("- [ ] **Title** ([Link](https://example.org/1))\n" * 100)
    tracemalloc.start()
    try:
        ListFile.read(path)
        ListFile.fingerprint(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_fingerprint_of_a_list_larger_than_a_block_is_the_one_its_read_gives(
    tmp_path: Path,
) -> None:
    path = tmp_path / "list.md"
    path.write_text("- [ ] **Paper é**\n" * (3 * BLOCK // 16))
    assert ListFile.fingerprint(path) == ListFile.read(path)[1]
