"""One connection to a Zotero library: the shared HTTP client, pyzotero, and error translation.

Both ways of talking to the server go through here: :meth:`Connection.request` for zotmark's
own requests and :meth:`Connection.read` for pyzotero reads. Either way the request passes the
:class:`RetryTransport` and a failure leaves as a typed ``zotmark.errors`` error with the API
key masked. pyzotero is used unchanged but for its ``endpoint`` (and the client it is given).
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import httpx2

from zotmark import __version__
from zotmark.errors import ZoteroError
from zotmark.zotero.translate import error_for_response, network_error
from zotmark.zotero.transport import RetryTransport

T = TypeVar("T")


def env_proxy(base_url: str) -> str | None:
    """The proxy the environment names for ``base_url`` (``HTTPS_PROXY``…, ``NO_PROXY``)."""
    parts = urllib.parse.urlsplit(base_url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def library_version(response: httpx2.Response | None) -> int:
    """The ``Last-Modified-Version`` of ``response`` (0 when absent)."""
    if response is None:
        return 0
    return int(response.headers.get("Last-Modified-Version", 0))


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
        """One request of zotmark's own; a status outside ``ok`` raises its typed error."""
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
        return response

    def read(self, call: Callable[[], T], what: str) -> T:
        """Run one pyzotero read about ``what``, translating whatever it raises."""
        zot = self.zot
        zot.url_params, zot.links, zot.request = None, None, None
        try:
            return call()
        except httpx2.TransportError as exc:
            raise self.network_error(exc) from None
        except _pyzotero_error() as exc:
            if zot.request is not None and zot.request.status_code >= 300:
                raise self.error(zot.request, what) from None
            name = type(exc).__name__
            raise ZoteroError(f"Reading {what} from {self.base_url} failed ({name}).") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise ZoteroError(
                f"The Zotero server at {self.base_url} sent an answer about {what} that zotmark "
                f"cannot read ({type(exc).__name__})."
            ) from None

    def last_library_version(self) -> int:
        """The ``Last-Modified-Version`` of pyzotero's last response."""
        return library_version(self.zot.request)


def _pyzotero_error() -> type[Exception]:
    """pyzotero's base error class (imported only once pyzotero is in use)."""
    from pyzotero.errors import PyZoteroError

    return PyZoteroError
