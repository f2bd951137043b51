"""Citation keys end to end: ``zotmark sync`` and ``export-bib`` against the sandbox, offline.

The keys in the exported ``.bib`` are the keys in the items' ``citationKey`` fields; a key
someone set there wins; a provisional key is replaced once metadata arrives unless exported;
``export-bib --rekey`` makes keys again by a new formula; an offline export of the original
list passes biber's datamodel check for every arXiv paper.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx2
import pytest
from tests.bibtex.bib_samples import run_biber
from tests.conftest import FIXTURES
from tests.sync.test_engine_regressions import AfterWrite
from tests.system.daemon_process import original_list_config, run_zotmark
from tests.system.sync_harness import UnsettledStore

from zotmark.bibtex.scanner import scan
from zotmark.core.plan import Policy
from zotmark.sandbox import Sandbox
from zotmark.state.sqlite import SqliteStateStore
from zotmark.sync.document import ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.sync.report import RunReport
from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.library import ZoteroLibrary

pytestmark = pytest.mark.system


@pytest.fixture
def config(tmp_path: Path, sandbox: Sandbox) -> Path:
    made = original_list_config(tmp_path, sandbox.url)
    made.write_text(made.read_text() + 'bibtex = "list.bib"\n')
    return made


def zotmark(config: Path, sandbox: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZOTERO_API_KEY": sandbox.api_key, "COLUMNS": "200"}
    done = run_zotmark(*args, cwd=config.parent, env=env)
    assert done.returncode == 0, done.stderr
    return done


def bib_keys(path: Path) -> list[str]:
    """The citation keys of the exported file, sorted."""
    return sorted(e.key for e in scan(path.read_text()).entries)


def bib_key_of(path: Path, url: str) -> str:
    """The citation key of the exported file's entry for ``url``."""
    return next(e.key for e in scan(path.read_text()).entries if e.fields.get("url") == url)


def zotero_keys(sandbox: Sandbox) -> list[str]:
    """The items' citationKey fields, sorted."""
    return sorted(item["citationKey"] for item in sandbox.items().values())


def item_titled(sandbox: Sandbox, words: str) -> tuple[str, dict[str, Any]]:
    return next((k, i) for k, i in sandbox.items().items() if words in i["title"])


def test_the_keys_in_zotero_are_the_keys_in_the_exported_bib(
    config: Path, sandbox: Sandbox
) -> None:
    zotmark(config, sandbox, "sync")
    keys = bib_keys(config.parent / "list.bib")
    assert len(set(keys)) == 17 and "anonaudio" in keys
    assert zotero_keys(sandbox) == keys


def test_a_key_set_in_zotero_wins_and_is_never_overwritten(config: Path, sandbox: Sandbox) -> None:
    zotmark(config, sandbox, "sync")
    key, item = item_titled(sandbox, "Vision Transfomers")
    sandbox.update_item(key, {"citationKey": "shao2021robust"})
    zotmark(config, sandbox, "sync")
    zotmark(config, sandbox, "export-bib", "--rekey")
    zotmark(config, sandbox, "sync")
    assert sandbox.items()[key]["citationKey"] == "shao2021robust"
    assert bib_key_of(config.parent / "list.bib", item["url"]) == "shao2021robust"


def test_a_sync_warns_of_a_key_set_in_zotero_that_another_items_exported_key_holds(
    config: Path, sandbox: Sandbox
) -> None:
    zotmark(config, sandbox, "sync")  # exports list.bib: every key is pinned
    key, item = item_titled(sandbox, "Vision Transfomers")
    taken = next(k for k in bib_keys(config.parent / "list.bib") if k != item["citationKey"])
    sandbox.update_item(key, {"citationKey": taken})
    done = zotmark(config, sandbox, "sync")
    exported = bib_key_of(config.parent / "list.bib", item["url"])
    assert exported != taken and exported.startswith(taken)  # theirs, made free by a suffix
    said = f"key {taken} set in Zotero is another item's exported key: exported as {exported}\n"
    assert said in done.stderr


def test_a_provisional_key_is_replaced_once_metadata_arrives(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    config = original_list_config(tmp_path, sandbox.url)  # no .bib: nothing is exported
    zotmark(config, sandbox, "sync")
    key, item = item_titled(sandbox, "Vision Transfomers")
    assert item["citationKey"].startswith("anonvision")
    author = [{"creatorType": "author", "firstName": "Sayak", "lastName": "Paul"}]
    sandbox.update_item(key, {"creators": author, "date": "2021-05-17"})
    zotmark(config, sandbox, "sync")
    assert sandbox.items()[key]["citationKey"] == "paul2021vision"
    zotmark(config, sandbox, "export-bib", "-o", "out.bib")
    assert bib_key_of(tmp_path / "out.bib", item["url"]) == "paul2021vision"


def test_an_exported_provisional_key_is_pinned_for_good(config: Path, sandbox: Sandbox) -> None:
    zotmark(config, sandbox, "sync")  # exports list.bib: every key is pinned
    key, item = item_titled(sandbox, "Vision Transfomers")
    author = [{"creatorType": "author", "firstName": "Sayak", "lastName": "Paul"}]
    sandbox.update_item(key, {"creators": author, "date": "2021-05-17"})
    zotmark(config, sandbox, "sync")
    assert sandbox.items()[key]["citationKey"] == item["citationKey"]
    assert bib_key_of(config.parent / "list.bib", item["url"]) == item["citationKey"]


def test_rekey_makes_the_keys_again_by_the_formula_and_says_which_changed(
    config: Path, sandbox: Sandbox
) -> None:
    zotmark(config, sandbox, "sync")
    config.write_text(config.read_text() + "citekey_formula = \"'paper-' + veryshorttitle\"\n")
    done = zotmark(config, sandbox, "export-bib", "--rekey")
    assert "key anoncreating -> paper-Creating\n" in done.stdout
    assert len(done.stdout.splitlines()) == 18  # every key changed, and the file was written
    zotmark(config, sandbox, "sync")
    keys = bib_keys(config.parent / "list.bib")
    assert keys[:2] == ["paper-Audio", "paper-Audioa"]
    assert zotero_keys(sandbox) == keys
    again = zotmark(config, sandbox, "export-bib", "--rekey")
    assert "no key changed" in again.stdout


@pytest.mark.skipif(
    shutil.which("biber") is None, reason="biber is not installed (apt-get install biber)"
)
def test_an_offline_export_of_the_original_list_passes_biber_for_every_arxiv_paper(
    config: Path, sandbox: Sandbox
) -> None:
    zotmark(config, sandbox, "sync")  # enrich = false: nothing but the list and the arXiv ids
    path = config.parent / "list.bib"
    arxiv = [e.key for e in scan(path.read_text()).entries if "eprint" in e.fields]
    code, warnings = run_biber(path)
    assert code == 0 and len(arxiv) == 13
    assert [w for w in warnings if any(f"'{key}'" in w for key in arxiv)] == []


def test_papers_imported_from_a_bib_keep_its_keys_in_zotero_and_in_the_export(
    config: Path, sandbox: Sandbox
) -> None:
    bib = FIXTURES / "bib" / "Panreta-zotero-library__My_Library.bib"
    imported = {e.key for e in scan(bib.read_text()).entries}
    zotmark(config, sandbox, "import-bib", str(bib))
    zotmark(config, sandbox, "sync")
    in_zotero = set(zotero_keys(sandbox))
    assert len(imported & in_zotero) == 9
    assert in_zotero <= set(bib_keys(config.parent / "list.bib"))


def _run(
    sandbox: Sandbox, path: Path, store: Any, transport: httpx2.BaseTransport | None = None
) -> RunReport:
    """One run of the list at ``path`` against the sandbox, its state in ``store``."""
    with ZoteroClient(
        "user", sandbox.user_id, sandbox.api_key, sandbox.url, sleep=lambda _: None,
        transport=transport,
    ) as client:  # fmt: skip
        document = ListDocument(path, {})
        policy = Policy(collection="Reading List")
        return ListRunner("list", policy, ZoteroLibrary(client), store, document).run()


def test_a_run_after_one_whose_key_write_zotero_answered_unchanged_writes_nothing(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    path, store = tmp_path / "list.md", SqliteStateStore(tmp_path / "state.db")
    paper = "- [ ] **Attention Is All You Need** ([Link](https://arxiv.org/abs/1706.03762))"
    path.write_text(f"# List\n\n{paper}\n")
    _run(sandbox, path, store)
    [(key, row)] = store.load("list").citekeys.items()
    # the write of the key landed but its answer was lost: the state holds it unwritten
    store.pin_citekeys("list", {key: row._replace(written=None)})
    unsettled = UnsettledStore(store)
    _run(sandbox, path, unsettled)  # sends the key again: Zotero answers "unchanged"
    version = sandbox.library_version()
    _run(sandbox, path, unsettled)
    store.close()
    assert sandbox.library_version() == version


def test_an_attempt_begun_again_reads_an_item_it_created_with_the_key_zotmark_gave_it(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The list saved between the run's Zotero writes and its file write, and the item it
    created edited in Zotero meanwhile: the attempt begun again reads that item as holding
    zotmark's key (stored when its create landed), not a key someone else set."""
    path, store = tmp_path / "list.md", SqliteStateStore(tmp_path / "state.db")
    paper = "- [ ] **Attention Is All You Need** ([Link](https://arxiv.org/abs/1706.03762))"
    path.write_text(f"# List\n\n{paper}\n")

    def meanwhile() -> None:
        [key] = sandbox.items()
        sandbox.update_item(key, {"extra": "edited in the app"})
        path.write_text(path.read_text() + "\n")

    report = _run(sandbox, path, store, AfterWrite(meanwhile, nth=2))  # (1: the collection)
    [row] = store.load("list").citekeys.values()
    store.close()
    assert report.attempts == 2
    assert not row.theirs and row.written == row.key
