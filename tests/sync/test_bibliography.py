"""Importing a .bib into a list and exporting a list's collection."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES

from zotmark.config import ListSettings
from zotmark.markdown.files import ListFile
from zotmark.markdown.parser import parse
from zotmark.state import CiteKey, MemoryStateStore, SyncMark
from zotmark.state.commit import RunCommit
from zotmark.sync.bibliography import export_list, import_into_list
from zotmark.sync.metadata import IMPORTED_PREFIX

BIB = FIXTURES / "bib" / "Panreta-zotero-library__My_Library.bib"


def _settings(tmp_path: Path) -> ListSettings:
    target = tmp_path / "list.md"
    shutil.copyfile(FIXTURES / "original-reading-list.md", target)
    return ListSettings(name="list", file=target, collection="Reading List", bibtex=None)


def test_import_appends_every_new_paper_to_the_list(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    report = import_into_list(MemoryStateStore(), "list", settings, BIB)
    entries = parse(ListFile.read(settings.file)[0]).entries
    assert len(report.added) == 9
    assert len(entries) == 17 + 9


def test_import_keeps_each_papers_metadata_for_the_next_sync(tmp_path: Path) -> None:
    store = MemoryStateStore()
    import_into_list(store, "list", _settings(tmp_path), BIB)
    kept = [
        json.loads(v) for k, v in store.load("list").meta.items() if k.startswith(IMPORTED_PREFIX)
    ]
    assert len(kept) == 9
    assert all(data.get("creators") for data in kept if data["itemType"] == "journalArticle")


def test_importing_the_same_file_twice_matches_instead_of_doubling(tmp_path: Path) -> None:
    settings, store = _settings(tmp_path), MemoryStateStore()
    import_into_list(store, "list", settings, BIB)
    again = import_into_list(store, "list", settings, BIB)
    assert again.added == ()
    assert len(again.matched) == 9


def test_export_writes_the_mirrored_collection_and_pins_its_keys(tmp_path: Path) -> None:
    settings, store = _settings(tmp_path), MemoryStateStore()
    data = {"key": "ABCD2345", "version": 3, "itemType": "journalArticle",
            "title": "Attention Is All You Need", "collections": ["COLL2345"],
            "creators": [{"creatorType": "author", "firstName": "A", "lastName": "Vaswani"}],
            "date": "2017"}  # fmt: skip
    store.commit_run(
        "list",
        RunCommit(
            mirror_upserts={"ABCD2345": json.dumps(data)}, mark=SyncMark("Reading List", "COLL2345")
        ),
    )
    report = export_list(store, "list", settings, tmp_path / "out.bib").report
    assert report.keys == {"ABCD2345": "vaswani2017attention"}
    assert store.load("list").citekeys == {"ABCD2345": CiteKey("vaswani2017attention")}
    assert "{vaswani2017attention," in (tmp_path / "out.bib").read_text()


def _mirrored(store: MemoryStateStore, *datas: dict[str, Any]) -> None:
    texts = {d["key"]: json.dumps({"collections": ["COLL2345"], "itemType": "preprint", **d})
             for d in datas}  # fmt: skip
    mark = SyncMark("Reading List", "COLL2345", "settled")
    store.commit_run("list", RunCommit(mirror_upserts=texts, mark=mark))


def test_export_pins_the_keys_zotmark_gave_and_keeps_what_it_wrote(tmp_path: Path) -> None:
    settings, store = _settings(tmp_path), MemoryStateStore()
    _mirrored(store, {"key": "ABCD2345", "title": "Audio", "citationKey": "anonaudio"})
    store.pin_citekeys("list", {"ABCD2345": CiteKey("anonaudio", False, True, "anonaudio")})
    export_list(store, "list", settings, tmp_path / "out.bib")
    state = store.load("list")
    assert state.citekeys == {"ABCD2345": CiteKey("anonaudio", True, False, "anonaudio")}
    assert state.mark is not None and state.mark.settled == "settled"


def test_export_leaves_a_key_someone_else_set_out_of_the_state(tmp_path: Path) -> None:
    settings, store = _settings(tmp_path), MemoryStateStore()
    _mirrored(store, {"key": "ABCD2345", "title": "Audio", "citationKey": "mine2020"})
    done = export_list(store, "list", settings, tmp_path / "out.bib")
    assert done.report.keys == {"ABCD2345": "mine2020"}
    assert store.load("list").citekeys == {}


def test_export_of_an_item_zotmark_never_keyed_unsettles_the_list_to_write_its_key(
    tmp_path: Path,
) -> None:
    settings, store = _settings(tmp_path), MemoryStateStore()
    _mirrored(store, {"key": "ABCD2345", "title": "Audio"})
    export_list(store, "list", settings, tmp_path / "out.bib")
    state = store.load("list")
    assert state.citekeys == {"ABCD2345": CiteKey("anonaudio", True, False, None)}
    assert state.mark is not None and state.mark.settled is None


def test_rekey_makes_the_keys_again_and_names_the_changes(tmp_path: Path) -> None:
    settings, store = _settings(tmp_path), MemoryStateStore()
    _mirrored(store, {"key": "ABCD2345", "title": "Audio", "citationKey": "anonaudio"})
    store.pin_citekeys("list", {"ABCD2345": CiteKey("anonaudio", True, False, "anonaudio")})
    rekeyed = dataclasses.replace(settings, citekey_formula="'paper-' + title")
    done = export_list(store, "list", rekeyed, tmp_path / "out.bib", rekey=True)
    assert done.rekeyed == (("anonaudio", "paper-Audio"),)
    assert store.load("list").citekeys == {
        "ABCD2345": CiteKey("paper-Audio", True, False, "anonaudio")
    }


def test_export_reports_a_key_set_in_zotero_that_another_items_exported_key_holds(
    tmp_path: Path,
) -> None:
    settings, store = _settings(tmp_path), MemoryStateStore()
    _mirrored(
        store,
        {"key": "ABCD2345", "title": "Audio", "citationKey": "anonaudio"},
        {"key": "JOIN2345", "title": "Video", "citationKey": "anonaudio"},
    )
    store.pin_citekeys("list", {"ABCD2345": CiteKey("anonaudio", True, False, "anonaudio")})
    done = export_list(store, "list", settings, tmp_path / "out.bib")
    assert done.clashes == (("anonaudio", "anonaudioa"),)
