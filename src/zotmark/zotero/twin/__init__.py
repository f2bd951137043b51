"""The twin: a strict in-memory Zotero library behind the port (:class:`TwinLibrary`), for tests.

:mod:`~zotmark.zotero.twin.library` holds the library and its test hooks,
:mod:`~zotmark.zotero.twin.rules` the server's per-object rules it enforces, and
:mod:`~zotmark.zotero.twin.client` what the Web API client does around the server (the uploads
it sends for the port's writes, the requests it counts).
"""

from zotmark.zotero.twin.library import TwinLibrary
from zotmark.zotero.twin.rules import Refused

__all__ = ["Refused", "TwinLibrary"]
