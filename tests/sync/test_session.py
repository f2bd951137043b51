"""The sync session: the runners it keeps for the daemon."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from zotmark.config import Config, load_config
from zotmark.sync.session import Session, open_session


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    monkeypatch.setenv("ZOTERO_API_KEY", "k" * 24)
    (tmp_path / "list.md").write_text("- [ ] **Paper**\n", encoding="utf-8")
    path = tmp_path / "zotmark.toml"
    path.write_text(
        '[zotero]\nlibrary_id = "1"\nbase_url = "http://127.0.0.1:9"\nstream_url = ""\n'
        '[state]\ndir = "state"\n[[lists]]\nname = "papers"\nfile = "list.md"\n'
        'collection = "Reading List"\nenrich = false\n'
    )
    path.chmod(0o600)
    config: Config = load_config(path)
    with open_session(config, lock=False) as made:  # (no request is sent)
        made.keep = True
        yield made


def test_a_kept_list_gets_the_same_runner_each_time(session: Session) -> None:
    settings = session.config.lists[0]
    assert session.runner(settings) is session.runner(settings)


def test_a_released_list_gets_a_new_runner(session: Session) -> None:
    settings = session.config.lists[0]
    kept = session.runner(settings)
    session.release(settings.name)
    assert session.runner(settings) is not kept
