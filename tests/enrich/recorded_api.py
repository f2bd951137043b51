"""Recorded arXiv and Crossref answers (tests/fixtures/api) served by a fake ``fetch``.

The arXiv recordings (``arxiv.py__*.json``) hold the body as text that their recorder decoded
as Latin-1 (requests' default for a response without a charset); encoding it back as Latin-1
restores the bytes arXiv sent (UTF-8). The fake routes a request by what it asks for (the
``id_list`` ids, or the DOI) rather than by the exact URL, and behaves like the production
fetch and the real API: a recorded HTTP 400 raises :class:`EnrichError`; an arXiv batch that
was not recorded as such is answered as arXiv would, with the recorded entries of its ids (ids
without a recording have no entry); an unrecorded DOI is :class:`EnrichNotFound` unless told
otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree

from zotmark.errors import EnrichError, EnrichNotFound

API = Path(__file__).resolve().parents[1] / "fixtures" / "api"
ATOM = "http://www.w3.org/2005/Atom"
Answer = bytes | Exception
Route = tuple[str, frozenset[str]]


def recorded_arxiv_body(name: str) -> bytes:
    """The body of one ``arxiv.py__*.json`` recording as the bytes on the wire."""
    recording = json.loads((API / name).read_text("utf-8"))
    return str(recording["body"]).encode("latin-1")


def _unversioned(arxiv_id: str) -> str:
    head, _, tail = arxiv_id.rpartition("v")
    return head if head and tail.isdigit() and not head.endswith("/") else arxiv_id


def route_of(url: str) -> Route:
    """What a request asks for: ``("arxiv", ids without versions)`` or ``("doi", {doi})``."""
    parts = urlsplit(url)
    if parts.hostname == "export.arxiv.org":
        ids = parse_qs(parts.query)["id_list"][0].split(",")
        return "arxiv", frozenset(_unversioned(i) for i in ids if i)
    if parts.hostname == "api.crossref.org":
        return "doi", frozenset({unquote(parts.path.removeprefix("/works/")).lower()})
    raise AssertionError(f"unexpected URL {url}")


def recorded_routes() -> dict[Route, Answer]:
    """Every recorded answer, by route."""
    routes: dict[Route, Answer] = {}
    for path in sorted(API.glob("arxiv.py__id_*.json")):
        recording = json.loads(path.read_text("utf-8"))
        route = route_of(str(recording["url"]))
        if recording["status_code"] == 200:
            routes[route] = recorded_arxiv_body(path.name)
        else:
            routes[route] = EnrichError(
                f"export.arxiv.org answered HTTP {recording['status_code']}."
            )
    routes["arxiv", frozenset({"1601.00001"})] = (API / "zoia__arxiv_response.xml").read_bytes()
    for path in sorted(API.glob("papis__crossref_*.json")):
        body = path.read_bytes()
        routes["doi", frozenset({json.loads(body)["message"]["DOI"].lower()})] = body
    return routes


def combined_feed(bodies: Iterable[bytes]) -> bytes:
    """One Atom feed holding the entries of all ``bodies`` (what a batch query answers)."""
    ElementTree.register_namespace("", ATOM)
    ElementTree.register_namespace("arxiv", "http://arxiv.org/schemas/atom")
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    for body in bodies:
        feed.extend(ElementTree.fromstring(body).iter(f"{{{ATOM}}}entry"))
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


class RecordedFetch:
    """A ``fetch(url) -> bytes`` answering from the recordings; remembers every URL asked.

    ``extra`` adds or replaces answers; ``unknown`` makes the answer to an unrecorded question
    (by default: not found).
    """

    def __init__(
        self,
        extra: dict[Route, Answer] | None = None,
        unknown: Callable[[str], Answer] = lambda url: EnrichNotFound(f"{url}: not found."),
    ) -> None:
        self.routes = recorded_routes() | (extra or {})
        self.unknown = unknown
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        route = route_of(url)
        answer = self.routes.get(route)
        if answer is None and route[0] == "arxiv":
            singles = [self.routes.get(("arxiv", frozenset({i}))) for i in sorted(route[1])]
            answer = combined_feed(b for b in singles if isinstance(b, bytes))
        if answer is None:
            answer = self.unknown(url)
        if isinstance(answer, Exception):
            raise answer
        return answer
