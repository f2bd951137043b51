"""permissions.os_refusal: the one wording of an operating system's refusal."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from zotmark.permissions import access_advice, os_refusal


def test_an_error_other_than_permission_is_its_reason_alone(tmp_path: Path) -> None:
    error = FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
    assert os_refusal(error, tmp_path / "missing.md", write=False) == "No such file or directory"


def test_a_permission_error_is_followed_by_whose_the_place_is(tmp_path: Path) -> None:
    error = PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    path = tmp_path / "list.md"
    path.write_text("")
    told = os_refusal(error, path, write=True)
    assert told == f"Permission denied. {access_advice(path, write=True)}"
    assert "chmod u+rw" in told
