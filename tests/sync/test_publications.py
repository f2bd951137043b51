"""Preprints that were published, end to end: a list synced against the sandbox while fake
arXiv and Crossref servers on the loopback interface say that one of its preprints was
published, under each ``published`` policy."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.enrich.fake_services import Paper, Services, serving
from tests.helpers import FakeTime

from zotmark.config import load_config
from zotmark.enrich import Enricher
from zotmark.enrich.published import decode
from zotmark.errors import NetworkError
from zotmark.presentation.render import status_json
from zotmark.sandbox import Sandbox
from zotmark.sync.places import PUBLISHED
from zotmark.sync.publications import DAY, Follow, follow
from zotmark.sync.session import Session, open_session, production_hooks

LIST = (
    "# Papers\n\n"
    "- [ ] **Vision Transfomers are Robust Learners** (Link)[https://arxiv.org/abs/2105.07581]\n"
    "- [x] **Attention Is All You Need** ([Link](https://arxiv.org/abs/1706.03762))\n"
)
DOI = "10.1609/aaai.v36i2.20103"
VENUE = "Proceedings of the AAAI Conference on Artificial Intelligence"
AAAI = {
    "DOI": DOI,
    "type": "proceedings-article",
    "title": ["Vision Transformers Are Robust Learners"],
    "container-title": [VENUE],
    "volume": "36",
    "issue": "2",
    "page": "2071-2081",
    "issued": {"date-parts": [[2022, 6, 28]]},
    "author": [{"given": "Sayak", "family": "Paul"}, {"given": "Pin-Yu", "family": "Chen"}],
}
ROBUST = Paper("2105.07581", "Vision Transformers are Robust Learners")
PUBLISHED_ROBUST = Paper(ROBUST.arxiv_id, ROBUST.title, DOI, "AAAI 2022")
ATTENTION = Paper("1706.03762", "Attention Is All You Need")


def services(*, published: bool = True) -> Services:
    robust = PUBLISHED_ROBUST if published else ROBUST
    return Services({p.arxiv_id: p for p in (robust, ATTENTION)}, {DOI: AAAI})


class World:
    """A list file, its config and state in ``tmp_path``, the sandbox, the fake services (and
    the fetch that asks them) and one fake time for the session and the enricher."""

    def __init__(
        self, tmp_path: Path, sandbox: Sandbox, policy: str, services: Services, fetch: Any
    ) -> None:
        self.tmp_path, self.sandbox, self.time = tmp_path, sandbox, FakeTime()
        self.services, self.fetch = services, fetch
        self.file = tmp_path / "list.md"
        self.file.write_text(LIST, encoding="utf-8")
        self.config_path = tmp_path / "zotmark.toml"
        self.set_policy(policy)

    def set_policy(self, policy: str, *, library: str = "") -> None:
        self.config_path.write_text(
            f'[zotero]\nlibrary_id = "{self.sandbox.user_id}"\nbase_url = "{self.sandbox.url}"\n'
            f'stream_url = ""\n[state]\ndir = "state"\n[[lists]]\nname = "papers"\n'
            f'file = "list.md"\ncollection = "Papers"\nanchors = false\n'
            f'published = "{policy}"\n{library}'
        )
        self.config_path.chmod(0o600)

    @contextmanager
    def session(self) -> Iterator[Session]:
        config = load_config(self.config_path)
        enricher = functools.cache(
            lambda: Enricher(self.fetch, self.tmp_path / "cache", self.time.clock, self.time.sleep)
        )
        with open_session(config, lock=False) as made:
            made.enricher, made.clock = enricher, self.time.clock
            made.new_item = production_hooks(config, made.store, enricher)
            yield made

    def sync(self) -> None:
        with self.session() as session:
            session.sync(None)

    def requests_per_sync(self, service: str, runs: int) -> list[int]:
        """Sync ``runs`` times; the requests each run sent to ``service`` (arxiv/crossref)."""
        asked = []
        for _ in range(runs):
            before = self.services.requests[service]
            self.sync()
            asked.append(self.services.requests[service] - before)
        return asked

    def collection_items(self) -> dict[str, dict[str, Any]]:
        [collection] = self.sandbox.collections()
        return {k: d for k, d in self.sandbox.items().items() if collection in d["collections"]}

    def item_of(self, arxiv_id: str) -> dict[str, Any]:
        [item] = [d for d in self.collection_items().values() if arxiv_id in d["url"]]
        return item


@pytest.fixture
def world_for(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("ZOTERO_API_KEY", sandbox.api_key)
    made = services()
    with serving(made) as served:

        def make(policy: str) -> World:
            return World(tmp_path, sandbox, policy, made, served.fetch)

        yield make


def test_update_creates_the_preprint_as_its_published_version(world_for: Any) -> None:
    world = world_for("update")
    world.sync()
    item = world.item_of("2105.07581")
    assert (item["itemType"], item["DOI"]) == ("conferencePaper", DOI)
    assert (item["proceedingsTitle"], item["volume"], item["issue"]) == (VENUE, "36", "2")
    assert (item["pages"], item["date"]) == ("2071-2081", "2022-06-28")
    assert "arXiv: 2105.07581" in item["extra"].splitlines()
    assert item["url"] == "https://arxiv.org/abs/2105.07581"
    assert world.item_of("1706.03762")["itemType"] == "preprint"
    assert world.file.read_text(encoding="utf-8") == LIST


def test_an_updated_item_still_pairs_with_its_entry_and_a_second_sync_changes_nothing(
    world_for: Any,
) -> None:
    world = world_for("update")
    world.sync()
    before, version = world.sandbox.items(), world.sandbox.library_version()
    world.sync()
    assert (world.sandbox.items(), world.sandbox.library_version()) == (before, version)
    assert world.file.read_text(encoding="utf-8") == LIST


def test_an_updated_item_is_found_by_its_arxiv_id_when_the_state_is_lost(
    world_for: Any,
) -> None:
    world = world_for("update")
    world.sync()
    for path in (world.tmp_path / "state").glob("state.sqlite3*"):
        path.unlink()
    world.sync()
    assert len(world.collection_items()) == 2
    assert len(world.sandbox.items()) == 2


def test_update_rewrites_an_existing_preprint_found_published_at_its_recheck(
    world_for: Any,
) -> None:
    world = world_for("update")
    world.services.papers["2105.07581"] = ROBUST  # not published yet
    world.sync()
    assert world.item_of("2105.07581")["itemType"] == "preprint"
    world.services.papers["2105.07581"] = PUBLISHED_ROBUST
    world.time.now += 31 * DAY
    world.sync()
    item = world.item_of("2105.07581")
    assert (item["itemType"], item["DOI"], item["proceedingsTitle"]) == (
        "conferencePaper", DOI, VENUE,
    )  # fmt: skip
    assert item["title"] == "Vision Transformers are Robust Learners"
    assert world.file.read_text(encoding="utf-8") == LIST


def test_a_sync_before_the_recheck_interval_asks_neither_service(world_for: Any) -> None:
    world = world_for("update")
    world.sync()
    asked = dict(world.services.requests)
    world.time.now += 29 * DAY
    world.sync()
    assert dict(world.services.requests) == asked


def test_relate_adds_the_published_version_outside_the_collection_related_both_ways(
    world_for: Any,
) -> None:
    world = world_for("relate")
    world.sync()
    preprint = world.item_of("2105.07581")
    assert preprint["itemType"] == "preprint"
    [published] = [d for d in world.sandbox.items().values() if d.get("DOI") == DOI]
    assert published["collections"] == [] and published["itemType"] == "conferencePaper"
    user = world.sandbox.user_id
    assert published["relations"]["dc:relation"] in (
        f"http://zotero.org/users/{user}/items/{preprint['key']}",
        [f"http://zotero.org/users/{user}/items/{preprint['key']}"],
    )
    served = world.sandbox.zotero().item(preprint["key"])["data"]["relations"]["dc:relation"]
    assert f"http://zotero.org/users/{user}/items/{published['key']}" in (
        [served] if isinstance(served, str) else served
    )
    assert len(world.collection_items()) == 2
    assert world.file.read_text(encoding="utf-8") == LIST


def test_relate_is_idempotent_across_runs(world_for: Any) -> None:
    world = world_for("relate")
    world.sync()
    before = world.sandbox.items()
    world.time.now += 31 * DAY
    world.sync()
    assert world.sandbox.items() == before


class Killed(BaseException):
    """The process dies (a kill, a power cut) at this point."""


class KilledAfterCreate:
    """A client that forwards everything and dies once a create has reached the server."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def create_items(self, batch: Any, **kw: Any) -> Any:
        self._client.create_items(batch, **kw)
        raise Killed


def test_a_relate_killed_after_its_create_converges_without_a_duplicate(
    world_for: Any,
) -> None:
    world = world_for("ignore")
    world.sync()  # records the publication, writes nothing
    world.set_policy("relate")
    with world.session() as session:
        settings = session.config.lists[0]
        run = Follow(
            settings, session.store, session.key(settings),
            KilledAfterCreate(session.client_for(settings)), "user", session.enricher,  # type: ignore[arg-type]
            world.time.clock,
        )  # fmt: skip
        with pytest.raises(Killed):
            follow(run)
    assert len([d for d in world.sandbox.items().values() if d.get("DOI") == DOI]) == 1
    world.sync()
    [published] = [d for d in world.sandbox.items().values() if d.get("DOI") == DOI]
    preprint = world.sandbox.zotero().item(world.item_of("2105.07581")["key"])["data"]
    assert preprint["relations"]
    with world.session() as session:
        key = session.key(session.config.lists[0])
        [recorded] = decode(session.store.meta(key, [PUBLISHED]).get(PUBLISHED)).values()
    assert (recorded.done, recorded.related_key) == ("relate", published["key"])
    assert world.file.read_text(encoding="utf-8") == LIST


def test_ignore_leaves_zotero_alone_and_records_the_publication(world_for: Any) -> None:
    world = world_for("ignore")
    world.sync()
    assert world.item_of("2105.07581")["itemType"] == "preprint"
    assert len(world.sandbox.items()) == 2
    with world.session() as session:
        key = session.key(session.config.lists[0])
        [found] = decode(session.store.meta(key, [PUBLISHED]).get(PUBLISHED)).values()
    assert (found.preprint, found.doi, found.venue, found.done) == (
        "arxiv:2105.07581", DOI, VENUE, "",
    )  # fmt: skip
    assert world.file.read_text(encoding="utf-8") == LIST


def test_status_lists_the_preprint_found_published_from_the_state(world_for: Any) -> None:
    world = world_for("update")
    world.sync()
    with world.session() as session:
        settings = session.config.lists[0]
        state = status_json(settings, session.store.load(session.key(settings)))
    item = world.item_of("2105.07581")["key"]
    assert state["published"] == [
        {"preprint": "arxiv:2105.07581", "item": item, "doi": DOI, "venue": VENUE,
         "done": "update", "related": ""},
    ]  # fmt: skip


def test_a_recheck_asks_arxiv_once_for_every_preprint_not_known_published(
    world_for: Any,
) -> None:
    world = world_for("update")
    world.sync()
    assert dict(world.services.requests) == {"arxiv": 1, "crossref": 1}
    world.time.now += 31 * DAY
    world.sync()
    assert dict(world.services.requests) == {"arxiv": 2, "crossref": 1}


BIORXIV_DOI = "10.1101/2021.05.17.444444"
BIORXIV = {
    "DOI": BIORXIV_DOI,
    "type": "posted-content",
    "title": ["Robust learners, the preprint"],
    "relation": {"is-preprint-of": [{"id-type": "doi", "id": DOI, "asserted-by": "subject"}]},
}


def test_an_updated_doi_preprint_is_still_found_by_its_link_when_the_state_is_lost(
    world_for: Any,
) -> None:
    world = world_for("update")
    world.services.works[BIORXIV_DOI] = BIORXIV
    text = f"- [ ] **Robust learners** ([Link](https://doi.org/{BIORXIV_DOI}))\n"
    world.file.write_text(text, encoding="utf-8")
    world.sync()
    [item] = world.collection_items().values()
    assert (item["itemType"], item["DOI"]) == ("conferencePaper", DOI)
    for path in (world.tmp_path / "state").glob("state.sqlite3*"):
        path.unlink()
    world.sync()
    assert len(world.sandbox.items()) == 1
    assert world.file.read_text(encoding="utf-8") == text


UNPUBLISHED_BIORXIV = {k: v for k, v in BIORXIV.items() if k != "relation"}
JOURNAL_DOI = "10.1038/s41586-021-03819-2"
JOURNAL = {"DOI": JOURNAL_DOI, "type": "journal-article", "title": ["A journal article"]}


def test_a_doi_preprint_found_published_at_its_recheck_is_updated_and_an_article_not_asked(
    world_for: Any,
) -> None:
    world = world_for("update")
    world.services.works |= {BIORXIV_DOI: UNPUBLISHED_BIORXIV, JOURNAL_DOI: JOURNAL}
    world.file.write_text(
        f"- [ ] **Robust learners** ([Link](https://doi.org/{BIORXIV_DOI}))\n"
        f"- [ ] **A journal article** ([Link](https://doi.org/{JOURNAL_DOI}))\n",
        encoding="utf-8",
    )
    world.sync()
    assert world.services.requests["crossref"] == 2
    world.services.works[BIORXIV_DOI] = BIORXIV
    world.time.now += 31 * DAY
    world.sync()
    assert world.services.requests["crossref"] == 2 + 2  # the preprint, its published version
    [item] = [d for d in world.collection_items().values() if BIORXIV_DOI in d["url"]]
    assert (item["itemType"], item["DOI"]) == ("conferencePaper", DOI)


def test_a_recheck_asks_crossref_for_ten_doi_preprints_per_run(world_for: Any) -> None:
    world = world_for("ignore")
    dois = [f"10.1101/2021.01.{n:02d}.000000" for n in range(1, 13)]
    works = {d: {"DOI": d, "type": "posted-content", "title": [f"Preprint {d}"]} for d in dois}
    world.services.works |= works
    world.file.write_text("".join(f"- [ ] **Preprint {d}** (https://doi.org/{d})\n" for d in dois))
    for _ in range(3):  # creates them (12 requests); a cycle answered from the cache
        world.sync()
    assert world.services.requests["crossref"] == 12
    world.time.now += 31 * DAY
    assert world.requests_per_sync("crossref", 3) == [10, 2, 0]


def test_a_recheck_cycle_asks_for_fifty_preprints_per_run_until_all_were_asked(
    world_for: Any,
) -> None:
    world = world_for("ignore")
    papers = [Paper(f"2101.{n:05d}", f"Paper {n}") for n in range(1, 121)]
    world.services.papers.update({p.arxiv_id: p for p in papers})
    world.file.write_text(
        "".join(f"- [ ] **{p.title}** (https://arxiv.org/abs/{p.arxiv_id})\n" for p in papers)
    )
    world.sync()  # enriches them (3 requests) and starts a cycle, answered from the cache
    for _ in range(3):
        world.sync()
    assert world.services.requests["arxiv"] == 3
    world.time.now += 31 * DAY
    assert world.requests_per_sync("arxiv", 4) == [1, 1, 1, 0]


def _recorded(world: World) -> Any:
    with world.session() as session:
        key = session.key(session.config.lists[0])
        [found] = decode(session.store.meta(key, [PUBLISHED]).get(PUBLISHED)).values()
    return found


def test_a_deleted_preprint_is_left_alone_and_not_asked_about_again(world_for: Any) -> None:
    world = world_for("ignore")
    world.sync()
    world.sandbox.delete_item(world.item_of("2105.07581")["key"])
    world.set_policy("relate")
    world.sync()
    assert _recorded(world).done == "gone"
    assert not [d for d in world.sandbox.items().values() if d.get("DOI") == DOI]
    world.sync()
    before = world.sandbox.request_count
    world.sync()
    assert world.sandbox.request_count - before == 1


class Unreachable:
    """A client that forwards everything but reads of items, which fail as a network does."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def fetch_items(self, keys: Any) -> Any:
        raise NetworkError("Zotero could not be reached.")


def test_a_zotero_error_while_following_is_a_warning_and_is_retried_next_run(
    world_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    world = world_for("ignore")
    world.sync()
    world.set_policy("update")
    with world.session() as session:
        session.clients = {k: Unreachable(c) for k, c in session.clients.items()}
        session.sync(None)
    assert "published: Zotero could not be reached." in caplog.text
    assert _recorded(world).done == ""
    world.sync()
    assert (_recorded(world).done, world.item_of("2105.07581")["DOI"]) == ("update", DOI)


def test_a_recheck_that_failed_asks_for_the_same_preprints_after_the_retry_time(
    world_for: Any,
) -> None:
    world = world_for("update")
    world.services.papers["2105.07581"] = ROBUST  # not published yet
    world.sync()
    world.time.now += 31 * DAY
    world.services.down = True
    world.sync()
    world.services.down = False
    asked = world.services.requests["arxiv"]
    world.sync()
    assert world.services.requests["arxiv"] == asked  # before the retry time: not asked
    world.services.papers["2105.07581"] = PUBLISHED_ROBUST
    world.time.now += 2 * 3600
    world.sync()
    assert world.services.requests["arxiv"] == asked + 1
    assert world.item_of("2105.07581")["DOI"] == DOI


def test_relate_in_a_group_library_names_the_group_s_items(world_for: Any) -> None:
    world = world_for("relate")
    group = world.sandbox.group_id
    world.set_policy("relate", library=f'library_type = "group"\nlibrary_id = {group}\n')
    world.sync()
    items = world.sandbox.items("group")
    [published] = [d for d in items.values() if d.get("DOI") == DOI]
    [preprint] = [d for d in items.values() if "2105.07581" in d.get("url", "")]
    assert published["relations"]["dc:relation"] in (
        f"http://zotero.org/groups/{group}/items/{preprint['key']}",
        [f"http://zotero.org/groups/{group}/items/{preprint['key']}"],
    )
    assert world.sandbox.items() == {}
