"""Translation of Zotero HTTP failures into zotmark's typed errors, with the API key masked.

Every message names what was asked for and what the server said (status and a short excerpt
of its body), in words a user can act on. An answer no Zotero server gives (an HTML page, JSON
of the wrong shape, a web server's own error page) is a :class:`ProtocolError` that says so,
never mistaken for what a Zotero server would have meant by the same status. The key is
replaced by ``…`` plus its last four characters wherever it could appear (a server may echo
it, e.g. ``Key '…' not found``).
"""

from __future__ import annotations

import re

import httpx2

from zotmark.errors import (
    AuthError,
    NetworkError,
    NotFoundError,
    PreconditionFailed,
    ProtocolError,
    ZoteroError,
)
from zotmark.zotero.answers import looks_like_html
from zotmark.zotero.transport import NOT_CONNECTED

EXCERPT_CHARS = 200
PROTOCOL_EXCERPT_CHARS = 100
ZOTERO_API_URL = "https://api.zotero.org"
KEYS_URL = "https://www.zotero.org/settings/keys"
_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


def mask(secret: str) -> str:
    """How a secret is shown: ``…`` and its last four characters (nothing of a short one)."""
    return f"…{secret[-4:]}" if len(secret) >= 12 else "…"


def scrub(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` masked."""
    return text.replace(secret, mask(secret)) if secret else text


def _excerpt(response: httpx2.Response, secret: str, chars: int = EXCERPT_CHARS) -> str:
    """The first line-folded ``chars`` characters of the body, masked."""
    try:
        text = response.text
    except (UnicodeDecodeError, httpx2.ResponseNotRead):
        text = ""
    text = " ".join(scrub(text, secret).split())
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _asked(response: httpx2.Response, secret: str) -> str:
    """The request ``response`` answers, as ``METHOD /path``, masked."""
    return scrub(f"{response.request.method} {response.request.url.path}", secret)


def protocol_error(
    response: httpx2.Response, problem: str, *, base_url: str, secret: str
) -> ProtocolError:
    """The :class:`ProtocolError` for ``response``, which a Zotero server would not have sent:
    ``problem`` says what is wrong with it ("an HTML page where JSON was expected")."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip() or "no Content-Type"
    body = _excerpt(response, secret, PROTOCOL_EXCERPT_CHARS)
    shown = f"{kind} “{body}”" if body else f"{kind} and an empty body"
    return ProtocolError(
        f"The server at {base_url} did not answer as a Zotero API does: "
        f"{_asked(response, secret)} answered {response.status_code} with {shown} ({problem}). "
        "Check base_url in your configuration; if it is right, the server (or a proxy in "
        "front of it) is failing: try again later. Nothing was recorded as synced."
    )


def not_zotero(response: httpx2.Response, base_url: str, secret: str) -> ProtocolError | None:
    """The :class:`ProtocolError` for a client-error answer no Zotero server sends (a web
    page, a JSON error document: Zotero's error bodies are plain sentences), else ``None``."""
    status = response.status_code
    if not 400 <= status < 500 or status == 429:
        return None
    json_typed = "json" in response.headers.get("Content-Type", "").lower()
    if not json_typed and not looks_like_html(_excerpt(response, secret)):
        return None
    page = "a JSON document" if json_typed else "a web page"
    return ProtocolError(
        f"The server at {base_url} does not look like a Zotero API: "
        f"{_asked(response, secret)} answered {status} with {page} "
        f"“{_excerpt(response, secret, PROTOCOL_EXCERPT_CHARS)}”, where Zotero answers with "
        f"a plain sentence. Check base_url in your configuration (the Zotero Web API is "
        f"{ZOTERO_API_URL})."
    )


def _forbidden(body: str, what: str, base_url: str) -> AuthError:
    """The :class:`AuthError` for a 401/403 with body ``body``."""
    lowered = body.lower()
    if "write access" in lowered or "api key is required for write" in lowered:
        return AuthError(
            f"The Zotero API key lacks write access to {what} (the server said “{body}”). "
            f"Allow write access for this key at {KEYS_URL}, or use a key that has it."
        )
    if "invalid key" in lowered or "not found" in lowered or not body:
        return AuthError(
            f"The Zotero API key is not valid for {base_url} (the server said “{body}”). "
            f"Check the key in your configuration, or create one at {KEYS_URL}."
        )
    return AuthError(
        f"The Zotero API key has no access to {what} (the server said “{body}”). Check "
        f"library_type and library_id in your configuration, or give the key access at {KEYS_URL}."
    )


def error_for_response(
    response: httpx2.Response, *, what: str, base_url: str, secret: str
) -> ZoteroError:
    """The typed error for a failed ``response`` to a request about ``what`` (e.g. "the user
    library 123" or "collection ABCD2345"): 401/403 → :class:`AuthError`, 404 →
    :class:`NotFoundError`, 412 → :class:`PreconditionFailed`, else :class:`ZoteroError`; but
    :class:`ProtocolError` for an answer a Zotero server never gives (a web page or a JSON
    document with a 4xx status, or a 2xx/3xx status that the request did not expect)."""
    status = response.status_code
    body = _excerpt(response, secret)
    asked = _asked(response, secret)
    if status < 400:  # a success or redirect where another was due: no Zotero answer either
        return protocol_error(
            response, "not the answer a Zotero server gives", base_url=base_url, secret=secret
        )
    foreign = not_zotero(response, base_url, secret)
    if foreign is not None:
        return foreign
    if status in (401, 403):
        return _forbidden(body, what, base_url)
    if status == 404:
        return NotFoundError(
            f"{what[:1].upper()}{what[1:]} does not exist on {base_url} "
            f"(the server answered 404 “{body}” to {asked})."
        )
    if status == 412:
        return PreconditionFailed(
            f"{what[:1].upper()}{what[1:]} changed on the server while zotmark was working "
            f"(412 “{body}” to {asked}); run again to pick up the change."
        )
    if status in (429, 503):
        reason = "is rate-limiting zotmark" if status == 429 else "is unavailable"
        return ZoteroError(
            f"The Zotero server at {base_url} {reason} ({status} “{body}” to {asked}) and "
            "still was after every retry; try again later."
        )
    return ZoteroError(f"The Zotero server at {base_url} answered {status} to {asked}: “{body}”.")


def network_error(exc: Exception, *, base_url: str, attempts: int, secret: str) -> NetworkError:
    """The :class:`NetworkError` for a transport failure that outlived ``attempts`` tries: a
    connection that could not be made at all (refused, a failed DNS lookup) is told apart from
    trouble after connecting (timeouts, dropped connections)."""
    detail = scrub(_ERRNO.sub("", str(exc)).strip() or type(exc).__name__, secret)
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    if isinstance(exc, NOT_CONNECTED):
        return NetworkError(
            f"Could not connect to the Zotero server at {base_url} "
            f"({detail[:1].lower()}{detail[1:]}) after {tries}. Check base_url in your "
            "configuration and that the network is up; a running `zotmark daemon` tries again "
            "at every poll."
        )
    return NetworkError(
        f"Could not reach the Zotero server at {base_url} after {tries} "
        f"({type(exc).__name__}: {detail}). Check the network and base_url in your configuration."
    )
