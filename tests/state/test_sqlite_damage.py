"""A state file damaged after it was written (a flipped bit, a torn copy) is a StateError that
names the file and says how to recover, never a decoding traceback or a value of the wrong type
handed to the sync."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tests.state.state_helpers import record

from zotmark.errors import StateError
from zotmark.state import SqliteStateStore
from zotmark.state.commit import RunCommit
from zotmark.state.schema import RECOVERY_HINT

TITLE = "Attention Is All You Need"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A state file as the store writes it: one list with one record, checkpointed."""
    with SqliteStateStore.in_dir(tmp_path) as store:
        upserts = {"AAAA2222": record("AAAA2222", title=TITLE, item_title="As in Zotero")}
        store.commit_run("papers", RunCommit(record_upserts=upserts, meta={"note": "kept"}))
    return tmp_path / "state.sqlite3"


def flip_high_bit(path: Path, marker: bytes, offset: int) -> None:
    """Flip the top bit of the byte ``offset`` bytes into the only ``marker`` in the file."""
    data = bytearray(path.read_bytes())
    assert data.count(marker) == 1
    data[data.index(marker) + offset] ^= 0x80
    path.write_bytes(bytes(data))


def change(path: Path, statement: str) -> None:
    """Alter a stored value behind the store's back, as damage would."""
    connection = sqlite3.connect(path)
    connection.execute(statement)
    connection.commit()
    connection.close()


def damage_reported(path: Path) -> str:
    """The message of the StateError that opening and loading the state raises."""
    with pytest.raises(StateError) as caught, SqliteStateStore(path) as store:
        store.load("papers")
    message = caught.value.message
    assert message.startswith(f"the state file {path} is damaged (")
    assert message.endswith(f"; to recover, {RECOVERY_HINT}")
    return message


def test_the_recovery_says_to_move_the_file_away_and_that_nothing_is_created_twice() -> None:
    assert "move the file away (with its -wal and -shm files, if any)" in RECOVERY_HINT
    assert "by anchors and identifiers, and creates nothing twice" in RECOVERY_HINT


def test_a_flipped_bit_in_the_schema_text_is_damage_not_a_decoding_traceback(
    path: Path,
) -> None:
    """SQLite's message quotes the damaged text, which sqlite3 then cannot decode."""
    flip_high_bit(path, b"NOT NULL CHECK", len("NOT NULL CHE"))
    damage_reported(path)


def test_a_flipped_bit_in_a_title_is_damage(path: Path) -> None:
    flip_high_bit(path, TITLE.encode(), 3)
    assert "Could not decode to UTF-8 column 'title'" in damage_reported(path)


def test_a_text_value_stored_as_a_blob_is_damage(path: Path) -> None:
    """A flipped serial type makes SQLite return bytes; they never reach a record."""
    change(path, "UPDATE records SET ident_key = CAST(ident_key AS BLOB)")
    assert "a row of its records table holds a value of the wrong type" in damage_reported(path)


def test_a_meta_value_stored_as_a_blob_is_damage(path: Path) -> None:
    change(path, "UPDATE meta SET value = X'6b657074'")
    assert "a row of its meta table holds a value of the wrong type" in damage_reported(path)


@pytest.mark.parametrize("flags", ['{"relevant": tru', "[true]", '{"relevant": 1}'])
def test_flags_that_are_not_a_json_object_of_booleans_are_damage(path: Path, flags: str) -> None:
    change(path, f"UPDATE records SET flags = '{flags}'")
    assert "a record's flags are not a JSON object of booleans" in damage_reported(path)


def test_a_library_version_that_is_not_a_number_is_damage(path: Path) -> None:
    change(path, "UPDATE lists SET library_version = 'x'")
    assert "the library version is not a number" in damage_reported(path)


def test_a_column_missing_from_the_schema_is_damage(path: Path) -> None:
    change(path, "ALTER TABLE meta RENAME COLUMN value TO valve")
    assert "no such column: value" in damage_reported(path)
