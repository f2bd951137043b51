"""enrich.lookups: which look-ups count as failed, and the one summary line about them."""

from __future__ import annotations

from zotmark.enrich.lookups import Lookups
from zotmark.enrich.model import Failure, Metadata, Result, from_json, to_json


def _at(timestamp: float) -> str:
    return f"T{timestamp:g}"


def _network(key: str) -> Failure:
    return Failure(key, "arXiv: export.arxiv.org could not be reached.", True, "network")


PAPER = Metadata("arxiv:1605.08386", "preprint", {"title": "A paper"})


def test_nothing_failed_is_no_summary() -> None:
    unknown = Failure("doi:10.1/x", "Crossref: not found.", False, "unknown")
    lookups = Lookups({"arxiv:1605.08386": PAPER, "doi:10.1/x": unknown})
    assert lookups.failed == {}
    assert lookups.summary(_at) is None


def test_one_kind_of_failure_is_named_with_the_retry_time() -> None:
    results: dict[str, Result] = {f"arxiv:{n}": _network(f"arxiv:{n}") for n in range(12)}
    lookups = Lookups({**results, PAPER.ident_key: PAPER}, retry_at=5000.0)
    assert lookups.summary(_at) == "metadata: 12 look-ups failed (network); retrying after T5000"


def test_several_kinds_are_counted_most_common_first() -> None:
    results: dict[str, Result] = {
        "doi:10.1/a": Failure("doi:10.1/a", "Crossref: HTTP 503.", True, "HTTP 503"),
        "arxiv:1": _network("arxiv:1"),
        "arxiv:2": _network("arxiv:2"),
        "arxiv:3": Metadata("arxiv:3", "journalArticle", {}, notes=("Crossref: down.",)),
    }
    assert Lookups(results, retry_at=1.0).summary(_at) == (
        "metadata: 4 look-ups failed (2 network, 1 HTTP 503, 1 incomplete); retrying after T1"
    )


def test_without_a_cache_the_failures_are_retried_on_the_next_run() -> None:
    assert Lookups({"arxiv:1": _network("arxiv:1")}).summary(_at) == (
        "metadata: 1 look-up failed (network); retrying on the next run"
    )


def test_a_failure_keeps_its_kind_through_the_cache() -> None:
    failure = Failure("doi:10.1/a", "Crossref: HTTP 503.", True, "HTTP 503")
    assert from_json(to_json(failure)) == failure


def test_a_final_failure_cached_before_kinds_existed_is_unknown() -> None:
    old = {"failure": "arXiv has no paper 2201.00001.", "retry": False, "ident": "arxiv:2201.00001"}
    assert from_json(old) == Failure("arxiv:2201.00001", old["failure"], False, "unknown")


def test_metadata_with_a_published_version_round_trips_through_json() -> None:
    published = Metadata("doi:10.1/j", "journalArticle", {"DOI": "10.1/j"}, extra=("x: y",))
    preprint = Metadata("arxiv:2101.00001", "preprint", {"title": "T"}, published=published)
    assert from_json(to_json(preprint)) == preprint
