"""The sync session: the runners it keeps for the daemon."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from zotmark.config import Config, load_config
from zotmark.core.actions import CreateItem
from zotmark.core.identifiers import identify
from zotmark.core.model import Entry
from zotmark.enrich import Enricher
from zotmark.state import ListState, MemoryStateStore
from zotmark.state.commit import RunCommit
from zotmark.sync.metadata import imported_key
from zotmark.sync.session import Session, open_session, production_hooks


def no_enricher() -> Enricher:
    """The enricher of a list that does not enrich: never made."""
    raise AssertionError("the list does not enrich")


class LoadsKept(MemoryStateStore):
    """A memory store that keeps the names of the lists whose whole state was loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []

    def load(self, list_name: str, *, texts: bool = True) -> ListState:
        self.loaded.append(list_name)
        return super().load(list_name, texts=texts)


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


def test_a_batch_of_creates_takes_its_imported_metadata_without_loading_the_lists_state(
    session: Session,
) -> None:
    """The new-item hook reads its batch's meta rows only: loading the list's state for
    each batch of 50 creates read its pending creates again each time (a first sync of
    10,000 entries read 2 million rows)."""
    config, settings, store = session.config, session.config.lists[0], LoadsKept()
    url = "https://arxiv.org/abs/2105.07581"
    entry = Entry(1, "Paper", url, identify("Paper", url))
    bib = json.dumps({"itemType": "journalArticle", "title": "Paper, from the .bib"})
    key = config.state_key(settings)
    store.commit_run(key, RunCommit(meta={imported_key(entry.ident.primary): bib}))
    hook = production_hooks(config, store, enricher=no_enricher)(settings)
    assert hook is not None
    (made,) = hook([(CreateItem("NEW22222", entry, frozenset()), {"key": "NEW22222"})])
    assert (made["title"], key in store.loaded) == ("Paper, from the .bib", False)
