"""Translation of Zotero HTTP failures into zotmark's typed errors, with the API key masked.

Every message names what was asked for and what the server said (status and a short excerpt
of its body), in words a user can act on. The key is replaced by ``…`` plus its last four
characters wherever it could appear (a server may echo it, e.g. ``Key '…' not found``).
"""

from __future__ import annotations

import re

import httpx2

from zotmark.errors import AuthError, NetworkError, NotFoundError, PreconditionFailed, ZoteroError
from zotmark.zotero.transport import NOT_CONNECTED

EXCERPT_CHARS = 200
KEYS_URL = "https://www.zotero.org/settings/keys"
_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


def mask(secret: str) -> str:
    """How a secret is shown: ``…`` and its last four characters (nothing of a short one)."""
    return f"…{secret[-4:]}" if len(secret) >= 12 else "…"


def scrub(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` masked."""
    return text.replace(secret, mask(secret)) if secret else text


def _excerpt(response: httpx2.Response, secret: str) -> str:
    """The first line-folded ``EXCERPT_CHARS`` characters of the body, masked."""
    try:
        text = response.text
    except (UnicodeDecodeError, httpx2.ResponseNotRead):
        text = ""
    text = " ".join(scrub(text, secret).split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


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
    :class:`NotFoundError`, 412 → :class:`PreconditionFailed`, else :class:`ZoteroError`."""
    status = response.status_code
    body = _excerpt(response, secret)
    request = response.request
    asked = scrub(f"{request.method} {request.url.path}", secret)
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
    tries = "once" if attempts == 1 else f"{attempts} times"
    if isinstance(exc, NOT_CONNECTED):
        return NetworkError(
            f"Could not connect to the Zotero server at {base_url} ({detail[:1].lower()}"
            f"{detail[1:]}; tried {tries}). Check base_url in your configuration and that the "
            "network is up; a running `zotmark daemon` tries again at every poll."
        )
    return NetworkError(
        f"Could not reach the Zotero server at {base_url} (tried {tries}; "
        f"{type(exc).__name__}: {detail}). Check the network and base_url in your configuration."
    )
