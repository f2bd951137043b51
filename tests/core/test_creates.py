"""core.creates: the key of each create, and the paper an entry states."""

from __future__ import annotations

from itertools import count

from tests.core.test_planner import entry, record

from zotmark.core.creates import CreateKeys, paper, papers_after, pending_key
from zotmark.core.model import Refusal

NEW = entry("Attention Is All You Need", "https://arxiv.org/abs/1706.03762")


def fresh() -> CreateKeys:
    numbers = count(1)
    return CreateKeys({pending_key(NEW): "PEND2345"}, {}, lambda: f"NEW{next(numbers):05d}")


def test_a_create_goes_under_its_pending_key_once() -> None:
    keys = fresh()
    assert [keys.for_entry(NEW), keys.for_entry(NEW)] == ["PEND2345", "NEW00001"]


def test_a_refused_create_is_retried_under_its_key_after_a_retitle() -> None:
    refused = {"PEND2345": Refusal("PEND2345", "f", 1, NEW.title, "too long (413)")}
    keys = CreateKeys({pending_key(NEW): "PEND2345"}, refused, lambda: "NEW00001")
    retitled = entry("Attention Is All You Need, Again", NEW.url)
    assert keys.for_entry(retitled) == "PEND2345"


def test_the_same_link_under_the_same_title_is_the_same_paper() -> None:
    same = entry("attention is  all you need!", "https://arxiv.org/abs/1706.03762v2")
    assert paper(same) == paper(NEW)


def test_a_paired_entry_states_the_paper_of_its_row_after_the_run() -> None:
    retitled = record(NEW, "AAAA2345", title="Attention")  # the title Zotero gave it
    listed = papers_after({"AAAA2345": retitled}.get, [NEW], {0: "AAAA2345"})
    assert listed == {("arxiv:1706.03762", "attention"): NEW}
