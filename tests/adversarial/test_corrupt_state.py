"""A damaged state file under a real ``zotmark sync``, and the recovery the message advises.

Damage is made deterministically (fixed offsets, a seeded RNG). The run must stop with exit 1
and a message that names the state file and says how to recover, before it writes anything;
after the state is moved away as advised, the next run pairs entries and items again and
creates nothing twice.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.adversarial.helpers import (
    ORIGINAL,
    SEED,
    World,
    assert_idle,
    assert_no_duplicates,
    assert_paired,
    tags,
)
from tests.adversarial.scenarios import Make

from zotmark.sandbox import Sandbox

pytestmark = [pytest.mark.adversarial, pytest.mark.system]

ORIGINAL_TEXT = ORIGINAL.read_text(encoding="utf-8")
MOVE_AWAY = "move the file away (with its -wal and -shm files, if any)"


def _patch(data: bytearray, needle: bytes, at: int, value: bytes) -> None:
    where = data.find(needle)
    assert where >= 0, needle
    data[where + at : where + at + len(value)] = value


def _flip_header(data: bytearray) -> None:
    data[:16] = bytes(b ^ 0xFF for b in data[:16])


def _truncate(data: bytearray) -> None:
    del data[len(data) // 2 :]


def _garbage(data: bytearray) -> None:
    rng = random.Random(SEED)
    data[:] = bytes(rng.randrange(256) for _ in range(len(data)))


def _seeded_flips(data: bytearray) -> None:
    """Flip 200 bytes anywhere but the 100-byte header, at seeded places."""
    rng = random.Random(SEED + 1)
    for at in rng.sample(range(100, len(data)), 200):
        data[at] ^= 1 << rng.randrange(8)


def _newer_schema(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    db.close()


DAMAGE: list[tuple[str, Callable[[bytearray], None] | Callable[[Path], None], str | None]] = [
    # (id, damage to the bytes (or to the file, for a Path), what the message says)
    ("header", _flip_header, "is damaged (file is not a database)"),
    ("truncated", _truncate, "is damaged"),
    ("garbage", _garbage, "is damaged (file is not a database)"),
    ("text-not-utf-8", lambda d: _patch(d, b"VideoBERT", 2, b"\xff"), "Could not decode"),
    ("flags-not-json", lambda d: _patch(d, b'{"relevant"', 0, b"["), "not a JSON object"),
    ("schema-text", lambda d: _patch(d, b"CREATE TABLE", 9, b"X"), "malformed database schema"),
    ("newer-schema", _newer_schema, "was written by a newer zotmark"),
    ("seeded-flips", _seeded_flips, None),  # SQLite may or may not notice: safe either way
]


def _damage(path: Path, how: Callable[..., None]) -> None:
    if how is _newer_schema:
        how(path)
        return
    data = bytearray(path.read_bytes())
    how(data)
    path.write_bytes(bytes(data))


def _synced(world: Make) -> tuple[World, Path]:
    subject = world(ORIGINAL_TEXT, "subject")
    subject.run_here("sync").ok()
    state = subject.state / "state.sqlite3"
    assert state.is_file() and not Path(f"{state}-wal").exists()
    return subject, state


def _recovers(subject: World, server: Sandbox) -> None:
    """Move the state away as the message says; the next run must finish with nothing twice."""
    damaged = subject.state / "damaged"
    damaged.mkdir()
    for path in subject.state.glob("state.sqlite3*"):
        path.rename(damaged / path.name)
    subject.run_here("sync").ok()
    listing = subject.listing()
    assert_no_duplicates(server, 17)
    assert_paired(server, listing)
    ticked = listing.rows[0]
    assert ticked.read and ticked.key and "read" in tags(server.items()[ticked.key])
    assert_idle(subject)


@pytest.mark.parametrize(("how", "says"), [d[1:] for d in DAMAGE], ids=[d[0] for d in DAMAGE])
def test_a_damaged_state_stops_the_run_with_the_way_out(
    world: Make, server: Sandbox, how: Callable[..., None], says: str | None
) -> None:
    subject, state = _synced(world)
    _damage(state, how)
    edited = subject.text().replace("- [ ]", "- [x]", 1)  # something to do for the run
    subject.list.write_text(edited, encoding="utf-8")
    server.reset_stats()
    ran = subject.run("sync")
    if says is None and ran.code == 0:
        ran.ok()  # the flips hit nothing SQLite or zotmark reads: the run must still be right
        assert_no_duplicates(server, 17)
        assert_paired(server, subject.listing())
        return
    message = ran.error(1)
    assert f"the state file {state}" in message and MOVE_AWAY in message, message
    assert says is None or says in message, message
    assert server.stats()["writes"] == 0, "a run with a damaged state wrote to Zotero"
    assert subject.text() == edited
    _recovers(subject, server)


def test_an_emptied_state_file_is_a_lost_state(world: Make, server: Sandbox) -> None:
    subject, state = _synced(world)
    state.write_bytes(b"")
    subject.list.write_text(subject.text().replace("- [ ]", "- [x]", 1), encoding="utf-8")
    subject.run("sync").ok()
    assert_no_duplicates(server, 17)
    assert_paired(server, subject.listing())
    assert_idle(subject)


def test_a_state_file_that_is_a_directory_exits_1_naming_it(world: Make, server: Sandbox) -> None:
    subject, state = _synced(world)
    for path in subject.state.glob("state.sqlite3*"):
        path.unlink()
    state.mkdir()
    server.reset_stats()
    message = subject.run("sync").error(1)
    assert f"the state file {state}" in message, message
    assert server.stats()["writes"] == 0
    state.rmdir()
    subject.run_here("sync").ok()
    assert_no_duplicates(server, 17)
    assert_paired(server, subject.listing())
