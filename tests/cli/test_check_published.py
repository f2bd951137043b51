"""``zotmark check --published``: the list's preprints that arXiv or Crossref report published,
asked of fake services on the loopback interface (the API URLs pointed at them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.enrich.fake_services import Paper, Services, serving

from zotmark.cli import main
from zotmark.enrich import arxiv, crossref

LIST = (
    "- [ ] **Vision Transfomers are Robust Learners** (Link)[https://arxiv.org/abs/2105.07581]\n"
    "- [x] **Attention Is All You Need** ([Link](https://arxiv.org/abs/1706.03762))\n"
)
DOI = "10.1609/aaai.v36i2.20103"
SERVICES = Services(
    {
        "2105.07581": Paper("2105.07581", "Vision Transformers are Robust Learners", DOI),
        "1706.03762": Paper("1706.03762", "Attention Is All You Need"),
    },
    {DOI: {"DOI": DOI, "type": "proceedings-article", "title": ["V"],
           "container-title": ["Proceedings of the AAAI Conference"]}},
)  # fmt: skip


@pytest.fixture
def listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "list.md"
    path.write_text(LIST, encoding="utf-8")
    with serving(SERVICES) as served:
        monkeypatch.setattr(arxiv, "API_URL", f"{served.base}/api/query")
        monkeypatch.setattr(crossref, "API_URL", f"{served.base}/works/")
        yield path


def test_check_published_lists_each_published_preprint_with_its_line(
    listed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--published", str(listed)]) == 0
    out = capsys.readouterr().out
    assert (
        "line 1: published: arXiv 2105.07581 → DOI 10.1609/aaai.v36i2.20103 "
        "(Proceedings of the AAAI Conference)\n"
    ) in out
    assert out.endswith("1 of the list's papers were found published.\n")


def test_check_published_json_holds_them_beside_the_entries(
    listed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--published", "--json", str(listed)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert len(document["entries"]) == 2
    assert [(p["line"], p["preprint"], p["doi"]) for p in document["published"]] == [
        (1, "arxiv:2105.07581", DOI)
    ]


def test_check_without_published_asks_no_service(
    listed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = dict(SERVICES.requests)
    assert main(["check", "--json", str(listed)]) == 0
    assert "published" not in json.loads(capsys.readouterr().out)
    assert dict(SERVICES.requests) == asked
