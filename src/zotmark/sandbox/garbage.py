"""Answers no Zotero server gives, for the ``garbage`` fault (see :mod:`.faults`).

Two sorts: a body sent *instead of* serving the request (:data:`BODIES`: an HTML page, an empty
body, ``null``, a list or an object where the API has something else), and a real answer
*spoiled* on its way out (:class:`Spoiler`: cut in half, or its ``Last-Modified-Version``
made ``abc`` or dropped) after the request was served, writes applied.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

Message = MutableMapping[str, Any]

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Welcome</title></head>"
    b"<body><h1>It works!</h1><p>This is the default web page of this server.</p></body></html>\n"
)
BODIES: dict[str, tuple[bytes, bytes]] = {
    "html": (b"text/html; charset=utf-8", HTML_PAGE),
    "empty": (b"application/json", b""),
    "null": (b"application/json", b"null"),
    "list": (b"application/json", b"[]"),
    "object": (b"application/json", b"{}"),
}
_VERSION = b"last-modified-version"


class Spoiler:
    """Spoils the ASGI messages of one answer as ``what`` (``truncated``, ``version`` or
    ``noversion``) says."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._left: int | None = None  # body bytes still to send (truncated)

    def __call__(self, message: Message) -> Message:
        """``message``, spoiled."""
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if self.what in ("version", "noversion"):
                headers = [(k, v) for k, v in headers if k.lower() != _VERSION]
                if self.what == "version":
                    headers.append((_VERSION, b"abc"))
            elif self.what == "truncated":
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                length = int(dict(message.get("headers", [])).get(b"content-length", b"0"))
                self._left = length // 2
                headers.append((b"content-length", str(self._left).encode()))
            return {**message, "headers": headers}
        if message["type"] == "http.response.body" and self._left is not None:
            body = bytes(message.get("body", b""))[: self._left]
            self._left -= len(body)
            return {**message, "body": body}
        return message
