"""The sandbox's HTTP-level failures: a whole request refused, or one object of a write refused.

These are the server's own answers (the texts the real dataserver sends), not zotmark's user-facing
errors: the HTTP layer turns an :class:`ApiError` into a plain-text response and an
:class:`ObjectError` into an entry of a write report's ``failed`` map.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A request the server refuses as a whole (4xx/5xx with a plain-text body).

    ``last_modified`` is sent as ``Last-Modified-Version`` (the real server does this only for
    version conflicts). ``early`` marks failures the real server raises before it sets its
    ``Zotero-API-Version``/``Zotero-Schema-Version`` headers (invalid key, reused write token).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        last_modified: int | None = None,
        early: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.last_modified = last_modified
        self.early = early
        self.headers = headers or {}


class ObjectError(Exception):
    """One object of a multi-object write refused; becomes ``failed[i]`` in the write report."""

    def __init__(self, code: int, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def as_report(self) -> dict[str, Any]:
        """The ``failed`` entry: ``code``, ``message`` (with ``&``, ``<``, ``>`` and ``"``
        HTML-escaped, as dataserver's ``htmlspecialchars(..., ENT_COMPAT)`` does) and ``data``.

        The recorded server never names the object's ``key`` in ``failed``, even when the
        upload had one (zotmark-on-dataserver, session 3).
        """
        entry: dict[str, Any] = {"code": self.code, "message": escape_compat(self.message)}
        if self.data is not None:
            entry["data"] = self.data
        return entry


def escape_compat(text: str) -> str:
    """PHP ``htmlspecialchars($text, ENT_COMPAT)``: single quotes stay as they are."""
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def bad(message: str) -> ObjectError:
    """The 400 refusal of one uploaded object, with the server's ``message``."""
    return ObjectError(400, message)
