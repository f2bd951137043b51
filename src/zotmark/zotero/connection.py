"""One connection to a Zotero library: the shared HTTP client, pyzotero, and error translation.

Both ways of talking to the server go through here: :meth:`Connection.request` for zotmark's
own requests and :meth:`Connection.read` for pyzotero reads. Either way the request passes the
:class:`RetryTransport` and a failure leaves as a typed ``zotmark.errors`` error with the API
key masked. Every answer is read through a reader of :mod:`~zotmark.zotero.answers`
(:meth:`Connection.answer`, :meth:`Connection.version`, the ``check`` of :meth:`Connection.read`):
an answer no Zotero server gives raises :class:`~zotmark.errors.ProtocolError`, never a
``TypeError`` or ``JSONDecodeError``. pyzotero is used unchanged but for its ``endpoint`` (and the
client it is given).
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import httpx2

from zotmark import __version__
from zotmark.errors import ProtocolError, ZoteroError
from zotmark.zotero.answers import BadAnswer, json_body, version_header
from zotmark.zotero.translate import (
    error_for_response,
    network_error,
    not_zotero,
    protocol_error,
)
from zotmark.zotero.transport import RetryTransport

T = TypeVar("T")


def env_proxy(base_url: str) -> str | None:
    """The proxy the environment names for ``base_url`` (``HTTPS_PROXY``…, ``NO_PROXY``)."""
    parts = urllib.parse.urlsplit(base_url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


class Connection:
    """The HTTP plumbing of one ``ZoteroClient`` (see there for the arguments)."""

    def __init__(
        self,
        library_type: str,
        library_id: str,
        api_key: str,
        base_url: str,
        *,
        transport: RetryTransport,
        timeout: float,
    ) -> None:
        self.library_type = library_type
        self.base_url = base_url
        self._key = api_key
        self.transport = transport
        self.http = httpx2.Client(transport=transport, timeout=timeout, follow_redirects=True)
        self._zot: Any = None
        self.library_id = library_id

    def __repr__(self) -> str:
        return f"Connection({self.library_type!r}, {self.library_id!r}, {self.base_url!r})"

    @property
    def library_id(self) -> str:
        """The library's id (empty until known for a user library configured without one)."""
        return self._library_id

    @library_id.setter
    def library_id(self, value: str) -> None:
        self._library_id = value
        if self._zot is not None:
            self._zot.library_id = value

    @property
    def zot(self) -> Any:
        """pyzotero's client on our HTTP client, made (and pyzotero imported) on first use:
        a run that finds nothing changed never needs it, and importing it costs ~0.3 s."""
        if self._zot is None:
            from pyzotero import zotero

            self._zot = zotero.Zotero(
                self._library_id, self.library_type, self._key, client=self.http
            )
            self._zot.endpoint = self.base_url
        return self._zot

    @property
    def library(self) -> str:
        """The library in words, for messages: ``the user library 123``."""
        return f"the {self.library_type} library {self.library_id or '(of this key)'}"

    def path(self, tail: str) -> str:
        """The library-scoped path ``/users/ID…`` or ``/groups/ID…`` of ``tail``."""
        return f"/{self.library_type}s/{self.library_id}{tail}"

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    def headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The headers of zotmark's own requests, plus ``extra``."""
        return {
            "User-Agent": f"zotmark/{__version__}",
            "Zotero-API-Version": "3",
            "Authorization": f"Bearer {self._key}",
            **(extra or {}),
        }

    def error(self, response: httpx2.Response, what: str) -> ZoteroError:
        """The typed error for a failed ``response`` about ``what``."""
        return error_for_response(response, what=what, base_url=self.base_url, secret=self._key)

    def network_error(self, exc: Exception) -> ZoteroError:
        """The :class:`NetworkError` for a transport failure that outlived the retries."""
        attempts = self.transport.last_attempts
        return network_error(exc, base_url=self.base_url, attempts=attempts, secret=self._key)

    def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        ok: Iterable[int] = (200, 204),
        params: Mapping[str, str | int] | None = None,
        json: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx2.Response:
        """One request of zotmark's own; a status outside ``ok`` raises its typed error, and so
        does an error status in ``ok`` whose body no Zotero server sends (a web page)."""
        try:
            response = self.http.request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                headers=self.headers(headers),
            )
        except httpx2.TransportError as exc:
            raise self.network_error(exc) from None
        if response.status_code not in set(ok):
            raise self.error(response, what)
        foreign = not_zotero(response, self.base_url, self._key)
        if foreign is not None:
            raise foreign
        return response

    def protocol_error(self, response: httpx2.Response, problem: str) -> ProtocolError:
        """The :class:`ProtocolError` for ``response``, which is wrong as ``problem`` says."""
        return protocol_error(response, problem, base_url=self.base_url, secret=self._key)

    def answer(self, response: httpx2.Response, check: Callable[[Any], T]) -> T:
        """``check`` (a reader of :mod:`~zotmark.zotero.answers`) applied to the JSON body of
        ``response``; a body that is not JSON or does not fit raises :class:`ProtocolError`."""
        try:
            return check(json_body(response))
        except BadAnswer as bad:
            raise self.protocol_error(response, str(bad)) from None

    def version(self, response: httpx2.Response) -> int:
        """The ``Last-Modified-Version`` of ``response``; :class:`ProtocolError` when it is
        missing or not a number."""
        try:
            return version_header(response)
        except BadAnswer as bad:
            raise self.protocol_error(response, str(bad)) from None

    def read(self, call: Callable[[], Any], what: str, check: Callable[[Any], T]) -> T:
        """Run one pyzotero read about ``what`` and ``check`` what it returned (a reader of
        :mod:`~zotmark.zotero.answers`), translating whatever either raises: an answer
        pyzotero or ``check`` cannot read raises :class:`ProtocolError`."""
        zot = self.zot
        zot.url_params, zot.links, zot.request = None, None, None
        try:
            return check(call())
        except httpx2.TransportError as exc:
            raise self.network_error(exc) from None
        except _pyzotero_error() as exc:
            if zot.request is not None and zot.request.status_code >= 300:
                raise self.error(zot.request, what) from None
            name = type(exc).__name__
            raise ZoteroError(f"Reading {what} from {self.base_url} failed ({name}).") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # BadAnswer included
            if zot.request is None:
                raise ZoteroError(
                    f"Reading {what} from {self.base_url} failed ({type(exc).__name__})."
                ) from None
            raise self.protocol_error(zot.request, _problem(zot.request, exc)) from None

    def last_library_version(self) -> int:
        """The ``Last-Modified-Version`` of pyzotero's last response (see :meth:`version`)."""
        return self.version(self.zot.request)


def _problem(response: httpx2.Response, exc: Exception) -> str:
    """What is wrong with ``response``, the answer to a pyzotero read that raised ``exc``: what
    is wrong with its body if that is not JSON, else what ``exc`` says of its shape."""
    try:
        json_body(response)
    except BadAnswer as bad:
        return str(bad)
    kind = response.headers.get("Content-Type", "").split(";")[0].strip()
    if "json" not in kind.lower():
        return f"JSON sent as {kind}, not as application/json" if kind else "no Content-Type"
    if isinstance(exc, BadAnswer):
        return str(exc)
    return f"JSON of a shape zotmark cannot read ({type(exc).__name__})"


def _pyzotero_error() -> type[Exception]:
    """pyzotero's base error class (imported only once pyzotero is in use)."""
    from pyzotero.errors import PyZoteroError

    return PyZoteroError
