"""The Enricher: batching, rate limiting, caching, and failures reported as values."""

from __future__ import annotations

import itertools
import json
import urllib.error
from pathlib import Path

import pytest
from tests.enrich.recorded_api import RecordedFetch, route_of
from tests.helpers import FakeTime

from zotmark.core.model import Ident
from zotmark.enrich import Enricher, Failure, Metadata, RateLimiter, ident_key
from zotmark.errors import EnrichError, EnrichStatusError, EnrichUnreachable

RECORDED_ARXIV = ["1605.08386", "1707.08567", "2104.12255", "astro-ph/0601001", "quant-ph/0201082"]
RECORDED_DOIS = [
    "10.1103/physrevb.89.140501",
    "10.32396/usurj.v1i1.55",
    "10.1145/3184558.3186235",
    "10.1007/978-3-0348-8720-5_13",
    "10.1103/physreva.106.022212",
]


def make(fetch: RecordedFetch, time: FakeTime, cache: Path | None = None, **kw: float) -> Enricher:
    return Enricher(fetch, cache, time.clock, time.sleep, **kw)  # type: ignore[arg-type]


def test_every_recorded_arxiv_id_and_doi_is_enriched() -> None:
    fetch, time = RecordedFetch(), FakeTime()
    idents = [Ident(arxiv=a) for a in RECORDED_ARXIV] + [Ident(doi=d) for d in RECORDED_DOIS]
    results = make(fetch, time).enrich(idents)
    assert set(results) == {ident_key(i) for i in idents}
    assert all(isinstance(r, Metadata) for r in results.values()), results


def test_arxiv_ids_are_asked_for_in_one_batch_and_missing_ones_are_not_found() -> None:
    fetch, time = RecordedFetch(), FakeTime()
    idents = [Ident(arxiv="1605.08386"), Ident(arxiv="2201.00001"), Ident(arxiv="1707.08567")]
    results = make(fetch, time).enrich(idents)
    assert [route_of(url) for url in fetch.urls] == [
        ("arxiv", frozenset({"1605.08386", "2201.00001", "1707.08567"}))
    ]
    assert isinstance(results["arxiv:1605.08386"], Metadata)
    assert isinstance(results["arxiv:1707.08567"], Metadata)
    missing = results["arxiv:2201.00001"]
    assert isinstance(missing, Failure) and missing.retry is False
    assert "2201.00001" in missing.reason


def test_an_impossible_arxiv_id_is_not_sent(tmp_path: Path) -> None:
    fetch, time = RecordedFetch(), FakeTime()
    results = make(fetch, time).enrich([Ident(arxiv="0808.05394"), Ident(arxiv="1707.08567")])
    assert [route_of(url) for url in fetch.urls] == [("arxiv", frozenset({"1707.08567"}))]
    failure = results["arxiv:0808.05394"]
    assert isinstance(failure, Failure) and failure.retry is False


def test_arxiv_requests_are_at_least_three_seconds_apart() -> None:
    fetch, time = RecordedFetch(), FakeTime()
    asked: list[float] = []

    def timed(url: str) -> bytes:
        asked.append(time.now)
        return fetch(url)

    enricher = Enricher(timed, None, time.clock, time.sleep, arxiv_batch=1)
    enricher.enrich([Ident(arxiv=a) for a in RECORDED_ARXIV])
    assert len(asked) == len(RECORDED_ARXIV)
    assert all(b - a >= 3.0 for a, b in itertools.pairwise(asked))


def test_the_limiter_waits_only_for_what_is_left_of_the_interval() -> None:
    time = FakeTime()
    limiter = RateLimiter(3.0, time.clock, time.sleep)
    limiter.wait()
    time.now += 1.0
    limiter.wait()
    time.now += 10.0
    limiter.wait()
    assert time.sleeps == [2.0]


def test_the_limiter_waits_a_whole_interval_when_the_clock_went_backwards() -> None:
    time = FakeTime()
    limiter = RateLimiter(3.0, time.clock, time.sleep)
    limiter.wait()
    time.now -= 60.0
    limiter.wait()
    assert time.sleeps == [3.0]


def test_a_malformed_arxiv_id_fails_without_a_request() -> None:
    """(The recorded answer to ``abc`` is an HTTP 400 the enricher never provokes.)"""
    fetch, time = RecordedFetch(), FakeTime()
    result = make(fetch, time).enrich([Ident(arxiv="abc")])["arxiv:abc"]
    assert isinstance(result, Failure) and result.retry is False
    assert fetch.urls == []


def test_idents_without_arxiv_id_or_doi_are_left_out() -> None:
    fetch, time = RecordedFetch(), FakeTime()
    assert make(fetch, time).enrich([Ident(url="https://example.org/x", title="x")]) == {}
    assert fetch.urls == []


def test_a_published_version_is_completed_from_crossref() -> None:
    crossref_answer = json.dumps(
        {
            "message": {
                "DOI": "10.1063/1.4944470",
                "type": "journal-article",
                "title": ["Inelastic effects in molecular transport junctions"],
                "container-title": ["The Journal of Chemical Physics"],
                "volume": "144",
                "issued": {"date-parts": [[2016, 3, 24]]},
                "author": [
                    {"given": "Michael", "family": "Kilgour"},
                    {"given": "Dvira", "family": "Segal"},
                ],
            }
        }
    ).encode()
    fetch = RecordedFetch({("doi", frozenset({"10.1063/1.4944470"})): crossref_answer})
    result = make(fetch, FakeTime()).enrich([Ident(arxiv="1601.00001")])["arxiv:1601.00001"]
    assert isinstance(result, Metadata) and result.published is not None
    assert (result.item_type, result.fields["archiveID"]) == ("preprint", "arXiv:1601.00001")
    published = result.published
    assert (published.item_type, published.source) == ("journalArticle", "crossref")
    assert published.fields["publicationTitle"] == "The Journal of Chemical Physics"
    assert published.fields["DOI"] == "10.1063/1.4944470"
    assert published.fields["date"] == "2016-03-24"


def test_a_failed_crossref_lookup_keeps_the_published_doi_with_a_note() -> None:
    fetch = RecordedFetch(unknown=lambda url: EnrichError("api.crossref.org could not be reached."))
    result = make(fetch, FakeTime()).enrich([Ident(arxiv="1601.00001")])["arxiv:1601.00001"]
    assert isinstance(result, Metadata) and result.published is not None
    assert result.item_type == "preprint"
    assert result.published.fields == {"DOI": "10.1063/1.4944470"}
    assert result.notes == ("Crossref: api.crossref.org could not be reached.",)


@pytest.mark.parametrize(
    "error",
    [
        urllib.error.URLError("Name or service not known"),
        TimeoutError("timed out"),
        ValueError("unknown url type"),
        RuntimeError("anything at all"),
        EnrichError("export.arxiv.org answered HTTP 503 (Service Unavailable)."),
    ],
    ids=["urlerror", "timeout", "valueerror", "runtimeerror", "enricherror"],
)
def test_a_failing_fetch_is_a_retryable_failure_never_an_exception(error: Exception) -> None:
    def failing(url: str) -> bytes:
        raise error

    time = FakeTime()
    enricher = Enricher(failing, None, time.clock, time.sleep)
    results = enricher.enrich([Ident(arxiv="2201.00001"), Ident(doi="10.1/unknown")])
    for key in ("arxiv:2201.00001", "doi:10.1/unknown"):
        failure = results[key]
        assert isinstance(failure, Failure) and failure.retry is True
        assert failure.reason.startswith(("arXiv:", "Crossref:"))


def test_an_unknown_doi_is_a_final_failure() -> None:
    result = make(RecordedFetch(), FakeTime()).enrich([Ident(doi="10.1/unknown")])[
        "doi:10.1/unknown"
    ]
    assert isinstance(result, Failure) and result.retry is False


def test_cached_answers_need_no_request(tmp_path: Path) -> None:
    idents = [Ident(arxiv="1605.08386"), Ident(doi=RECORDED_DOIS[0])]
    first = make(RecordedFetch(), FakeTime(), tmp_path).enrich(idents)
    again_fetch = RecordedFetch()
    again = make(again_fetch, FakeTime(), tmp_path).enrich(idents)
    assert again == first
    assert again_fetch.urls == []


def test_a_corrupt_cache_file_is_a_miss(tmp_path: Path) -> None:
    ident = Ident(arxiv="1605.08386")
    make(RecordedFetch(), FakeTime(), tmp_path).enrich([ident])
    for path in tmp_path.glob("*.json"):
        path.write_text("{ not json")
    fetch = RecordedFetch()
    result = make(fetch, FakeTime(), tmp_path).enrich([ident])["arxiv:1605.08386"]
    assert isinstance(result, Metadata) and len(fetch.urls) == 1


def test_a_not_found_answer_is_cached_until_the_negative_ttl_ends(tmp_path: Path) -> None:
    time = FakeTime()
    unknown = [Ident(arxiv="2201.00001")]
    make(RecordedFetch(), time, tmp_path, negative_ttl=100.0).enrich(unknown)
    soon = RecordedFetch()
    make(soon, time, tmp_path, negative_ttl=100.0).enrich(unknown)
    time.now += 101.0
    later = RecordedFetch()
    make(later, time, tmp_path, negative_ttl=100.0).enrich(unknown)
    assert (len(soon.urls), len(later.urls)) == (0, 1)


def test_a_retryable_failure_is_cached_until_the_retry_ttl_ends(tmp_path: Path) -> None:
    def down(url: str) -> bytes:
        raise EnrichUnreachable("export.arxiv.org could not be reached.")

    time = FakeTime()
    unknown = [Ident(arxiv="2201.00001")]
    Enricher(down, tmp_path, time.clock, time.sleep, retry_ttl=3600.0).enrich(unknown)
    soon = RecordedFetch()
    time.now += 3599.0
    cached = make(soon, time, tmp_path, retry_ttl=3600.0).enrich(unknown)["arxiv:2201.00001"]
    time.now += 2.0
    later = RecordedFetch()
    make(later, time, tmp_path, retry_ttl=3600.0).enrich(unknown)
    assert isinstance(cached, Failure) and (cached.retry, cached.kind) == (True, "network")
    assert (len(soon.urls), len(later.urls)) == (0, 1)


def test_the_cache_leaves_no_temporary_files(tmp_path: Path) -> None:
    idents = [Ident(arxiv=a) for a in RECORDED_ARXIV]
    make(RecordedFetch(), FakeTime(), tmp_path).enrich(idents)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json"] * len(RECORDED_ARXIV)


def test_an_unwritable_cache_directory_does_not_stop_enrichment(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = make(RecordedFetch(), FakeTime(), blocker / "cache").enrich(
        [Ident(arxiv="1605.08386")]
    )
    assert isinstance(result["arxiv:1605.08386"], Metadata)


def test_a_published_doi_crossref_does_not_know_leaves_the_arxiv_metadata_final(
    tmp_path: Path,
) -> None:
    time = FakeTime()
    make(RecordedFetch(), time, tmp_path).enrich([Ident(arxiv="1601.00001")])
    again = RecordedFetch()
    result = make(again, time, tmp_path).enrich([Ident(arxiv="1601.00001")])["arxiv:1601.00001"]
    assert isinstance(result, Metadata) and result.notes == ()
    assert again.urls == []


def test_a_result_with_a_note_is_cached_until_the_retry_ttl_ends(tmp_path: Path) -> None:
    def crossref_down(url: str) -> EnrichError:
        return EnrichUnreachable("api.crossref.org could not be reached.")

    time = FakeTime()
    make(RecordedFetch(unknown=crossref_down), time, tmp_path).enrich([Ident(arxiv="1601.00001")])
    soon = RecordedFetch()
    result = make(soon, time, tmp_path).enrich([Ident(arxiv="1601.00001")])["arxiv:1601.00001"]
    time.now += 3601.0
    later = RecordedFetch()
    make(later, time, tmp_path).enrich([Ident(arxiv="1601.00001")])
    assert isinstance(result, Metadata) and result.notes
    assert soon.urls == []
    assert [route_of(url)[0] for url in later.urls] == ["arxiv", "doi"]


def test_an_unreachable_service_is_asked_once_per_call() -> None:
    asked: list[str] = []

    def down(url: str) -> bytes:
        asked.append(url)
        raise EnrichUnreachable(f"{url.split('/')[2]} could not be reached (timed out).")

    time = FakeTime()
    idents = [Ident(doi=d) for d in RECORDED_DOIS] + [Ident(arxiv=a) for a in RECORDED_ARXIV]
    results = Enricher(down, None, time.clock, time.sleep, arxiv_batch=2).enrich(idents)
    assert [route_of(url)[0] for url in asked] == ["arxiv", "doi"]
    assert {r.kind for r in results.values() if isinstance(r, Failure)} == {"network"}
    assert len(results) == len(idents) and all(isinstance(r, Failure) for r in results.values())
    assert "could not be reached (timed out)" in results[f"doi:{RECORDED_DOIS[-1]}"].reason


def test_look_up_says_when_the_failed_look_ups_are_retried(tmp_path: Path) -> None:
    def busy(url: str) -> bytes:
        raise EnrichStatusError("api.crossref.org answered HTTP 503 (Service Unavailable).", 503)

    time = FakeTime()
    idents = [Ident(doi=d) for d in RECORDED_DOIS[:3]]
    lookups = Enricher(busy, tmp_path, time.clock, time.sleep, retry_ttl=600.0).look_up(idents)
    assert lookups.failed == {f"doi:{d}": "HTTP 503" for d in RECORDED_DOIS[:3]}
    assert lookups.retry_at is not None and lookups.retry_at - time.now == pytest.approx(600, 1)
    assert lookups.summary(lambda at: f"<{at - time.now:.0f}>") == (
        "metadata: 3 look-ups failed (HTTP 503); retrying after <600>"
    )


def test_a_call_with_failures_logs_one_summary_warning_and_each_failure_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fetch = RecordedFetch(unknown=lambda url: EnrichUnreachable("api.crossref.org is down."))
    caplog.set_level("DEBUG", logger="zotmark.enrich")
    time = FakeTime()
    idents = [Ident(doi="10.1/a"), Ident(doi="10.1/b"), Ident(arxiv="1605.08386")]
    make(fetch, time).enrich(idents)
    records = [r for r in caplog.records if r.name == "zotmark.enrich"]
    warnings = [r.getMessage() for r in records if r.levelname == "WARNING"]
    assert warnings == ["metadata: 2 look-ups failed (network); retrying on the next run"]
    debug = [r.getMessage() for r in records if r.levelname == "DEBUG"]
    assert debug == [
        "metadata for doi:10.1/a: Crossref: api.crossref.org is down.",
        "metadata for doi:10.1/b: Crossref: api.crossref.org is down.",
    ]


def test_a_call_without_failures_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="zotmark.enrich")
    lookups = make(RecordedFetch(), FakeTime()).look_up([Ident(arxiv="1605.08386")])
    assert lookups.summary() is None and lookups.retry_at is None
    assert [r for r in caplog.records if r.name == "zotmark.enrich"] == []


def test_a_crossref_preprint_s_published_version_is_completed_from_crossref() -> None:
    preprint = {
        "DOI": "10.1101/2020.01.01.1",
        "type": "posted-content",
        "title": ["P"],
        "relation": {"is-preprint-of": [{"id-type": "doi", "id": "10.1038/x"}]},
    }
    article = {"DOI": "10.1038/x", "type": "journal-article", "title": ["P"],
               "container-title": ["Nature"], "volume": "596"}  # fmt: skip
    fetch = RecordedFetch({
        ("doi", frozenset({"10.1101/2020.01.01.1"})): json.dumps({"message": preprint}).encode(),
        ("doi", frozenset({"10.1038/x"})): json.dumps({"message": article}).encode(),
    })  # fmt: skip
    result = make(fetch, FakeTime()).enrich([Ident(doi="10.1101/2020.01.01.1")])
    found = result["doi:10.1101/2020.01.01.1"]
    assert isinstance(found, Metadata) and found.published is not None
    assert (found.item_type, found.published.fields["publicationTitle"]) == ("preprint", "Nature")


def test_a_look_up_with_a_max_age_asks_again_for_an_older_cached_answer(tmp_path: Path) -> None:
    fetch, time = RecordedFetch(), FakeTime()
    enricher = make(fetch, time, tmp_path)
    enricher.look_up([Ident(arxiv="1605.08386")])
    time.now += 2 * 86400
    enricher.look_up([Ident(arxiv="1605.08386")], max_age=3 * 86400)
    assert len(fetch.urls) == 1
    enricher.look_up([Ident(arxiv="1605.08386")], max_age=86400)
    assert len(fetch.urls) == 2
