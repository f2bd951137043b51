"""Fake arXiv and Crossref APIs on the loopback interface, for end-to-end runs that enrich.

:class:`Services` holds the papers arXiv knows (an Atom entry each, with ``arxiv:doi`` and
``arxiv:journal_ref`` when given) and the works Crossref knows (``/works/{doi}`` messages);
:func:`serving` runs them on 127.0.0.1 and yields where (:class:`Served`: the base URL, and
the ``fetch`` an :class:`~zotmark.enrich.Enricher` uses: the production fetch, urllib and real
HTTP, with the two services' hosts pointed at the local server). Every request is counted by
service.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

from tests.helpers.servers import local_http_server

from zotmark.enrich import urllib_fetch

ATOM_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
)


@dataclass(frozen=True)
class Paper:
    """One arXiv paper as its Atom entry says it."""

    arxiv_id: str
    title: str
    doi: str = ""
    journal_ref: str = ""

    def entry(self) -> str:
        """The paper's ``<entry>``."""
        extra = f"<arxiv:doi>{escape(self.doi)}</arxiv:doi>" if self.doi else ""
        if self.journal_ref:
            extra += f"<arxiv:journal_ref>{escape(self.journal_ref)}</arxiv:journal_ref>"
        return (
            f"<entry><id>http://arxiv.org/abs/{self.arxiv_id}v2</id>"
            f"<title>{escape(self.title)}</title><summary>An abstract.</summary>"
            "<published>2021-05-17T17:59:59Z</published>"
            f"<author><name>Sayak Paul</name></author>{extra}</entry>\n"
        )


@dataclass
class Services:
    """What the fake arXiv knows (papers by id) and the fake Crossref (messages by DOI);
    while ``down``, both answer 503."""

    papers: dict[str, Paper] = field(default_factory=dict)
    works: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    down: bool = False

    def answer(self, path: str, query: str) -> tuple[int, bytes]:
        """The status and body answering a GET of ``path?query``."""
        self.requests["arxiv" if path == "/api/query" else "crossref"] += 1
        if self.down:
            return 503, b"Service Unavailable"
        if path == "/api/query":
            ids = parse_qs(query)["id_list"][0].split(",")
            entries = "".join(self.papers[i].entry() for i in ids if i in self.papers)
            return 200, f"{ATOM_HEAD}{entries}</feed>\n".encode()
        work = self.works.get(unquote(path.removeprefix("/works/")).lower())
        if work is None:
            return 404, b"Resource not found."
        return 200, json.dumps({"status": "ok", "message": work}).encode()


@dataclass(frozen=True)
class Served:
    """Fake services being served: their ``base`` URL and the ``fetch`` that asks them."""

    base: str
    fetch: Callable[[str], bytes]


@contextmanager
def serving(services: Services) -> Iterator[Served]:
    """Serve ``services`` on the loopback interface (see :class:`Served`)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, body = services.answer(parts.path, parts.query)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    with local_http_server(Handler) as base:

        def fetch(url: str) -> bytes:
            for real in ("https://export.arxiv.org", "https://api.crossref.org"):
                url = url.replace(real, base)
            return urllib_fetch(url)

        yield Served(base, fetch)
