"""HTTP responses in the real server's style: headers, content types, plain-text errors.

Every API response carries ``Zotero-API-Version: 3`` and ``Zotero-Schema-Version``, except the
"early" errors (invalid key, reused write token) and bare 304s, as recorded. Error bodies are plain
text sent as ``text/html; charset=UTF-8``, not HTML-escaped (``'since' parameter must be
provided`` is 34 bytes on the wire in session 3 of zotmark-on-dataserver).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from zotmark.sandbox.errors import ApiError
from zotmark.sandbox.schema import load_schema

JSON_TYPE = "application/json"
KEYS_TYPE = "text/plain;charset=UTF-8"
BIBTEX_TYPE = "application/x-bibtex"
ERROR_TYPE = "text/html; charset=UTF-8"


def api_headers() -> dict[str, str]:
    """The version headers the real server adds to every regular response."""
    return {"Zotero-API-Version": "3", "Zotero-Schema-Version": str(load_schema().version)}


def dumps(body: Any) -> bytes:
    """UTF-8 JSON laid out as the real server's ``formatJSON``: pretty-printed with 4 spaces,
    ``": "`` between key and value, Unicode and slashes unescaped (the recorded responses'
    ``Content-Length`` matches this form byte for byte)."""
    return json.dumps(body, ensure_ascii=False, indent=4).encode("utf-8")


def respond(
    content: bytes | str,
    media_type: str,
    *,
    status: int = 200,
    last_modified: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A 2xx response with the version headers and, when given, ``Last-Modified-Version``."""
    all_headers = api_headers()
    if last_modified is not None:
        all_headers["Last-Modified-Version"] = str(last_modified)
    if headers:
        all_headers.update(headers)
    body = content.encode("utf-8") if isinstance(content, str) else content
    return Response(body, status_code=status, headers=all_headers, media_type=media_type)


def json_response(
    body: Any,
    *,
    last_modified: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """200 with a JSON body."""
    return respond(dumps(body), JSON_TYPE, last_modified=last_modified, headers=headers)


def no_content(last_modified: int) -> Response:
    """204 with ``Last-Modified-Version`` and no body (writes)."""
    headers = api_headers()
    headers["Last-Modified-Version"] = str(last_modified)
    return Response(b"", status_code=204, headers=headers)


def not_modified() -> Response:
    """Bare 304: no body and none of the API headers (REC #37)."""
    return Response(b"", status_code=304)


def error_response(error: ApiError) -> Response:
    """The plain-text answer to a refused request."""
    headers = {} if error.early else api_headers()
    if error.last_modified is not None:
        headers["Last-Modified-Version"] = str(error.last_modified)
    headers.update(error.headers)
    return Response(
        error.message.encode("utf-8"),
        status_code=error.status,
        headers=headers,
        media_type=ERROR_TYPE,
    )
