"""Which library a list lives in: ``[zotero]``'s, or its own ``library_type``/``library_id``."""

from __future__ import annotations

from pathlib import Path

import pytest

from zotmark.config import Config, LibraryRef, load_config
from zotmark.errors import ConfigError


def _config(tmp_path: Path, zotero: str, *lists: str) -> Config:
    tables = "".join(
        f'[[lists]]\nname = "l{i}"\nfile = "l{i}.md"\ncollection = "C"\n{extra}\n'
        for i, extra in enumerate(lists)
    )
    path = tmp_path / "zotmark.toml"
    path.write_text(f"[zotero]\n{zotero}\n{tables}")
    return load_config(path, environ={})


def test_a_list_without_library_keys_lives_in_the_zotero_sections_library(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, 'library_id = "7"', "")
    assert config.library(config.lists[0]) == LibraryRef("user", "7")


def test_a_list_with_a_group_lives_in_that_group(tmp_path: Path) -> None:
    config = _config(tmp_path, "", 'library_type = "group"\nlibrary_id = 100')
    assert config.library(config.lists[0]) == LibraryRef("group", "100")


def test_a_list_with_only_an_id_takes_the_zotero_sections_type(tmp_path: Path) -> None:
    config = _config(tmp_path, 'library_type = "group"\nlibrary_id = "5"', "library_id = 9")
    assert config.library(config.lists[0]) == LibraryRef("group", "9")


def test_a_user_list_beside_a_group_default_is_the_keys_own_library(tmp_path: Path) -> None:
    config = _config(tmp_path, 'library_type = "group"\nlibrary_id = "5"', 'library_type = "user"')
    assert config.library(config.lists[0]) == LibraryRef("user", "")


def test_a_group_list_without_an_id_is_refused_naming_the_list(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        _config(tmp_path, "", "", 'library_type = "group"')
    assert "lists[1]" in raised.value.message
    assert "library_id" in raised.value.message


def test_for_library_points_zotero_at_the_library_and_keeps_the_file_and_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "zotmark.toml"
    path.write_text('[[lists]]\nfile = "a.md"\ncollection = "C"\n')
    config = load_config(path, environ={"ZOTERO_API_KEY": "k" * 24})
    moved = config.for_library(LibraryRef("group", "100"))
    assert (moved.zotero.library_type, moved.zotero.library_id) == ("group", "100")
    assert moved.path == config.path
    assert moved.api_key().reveal() == "k" * 24


def test_the_readme_lab_config_puts_the_list_in_the_group(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Lab: a shared list") :]
    block = section[section.index("```toml\n") + 8 : section.index("```\n", 10)]
    path = tmp_path / "zotmark.toml"
    path.write_text("\n".join(line.strip() for line in block.splitlines()) + "\n")
    config = load_config(path, environ={})
    assert config.library(config.lists[0]) == LibraryRef("group", "123456")
