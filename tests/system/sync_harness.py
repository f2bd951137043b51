"""The sync state machine's hands on a zotmark run: kills and edits at chosen moments.

A :class:`Tap` is the HTTP transport under zotmark's client that kills the process before a
request (or after the server applied it) or lets someone edit while the run is in flight;
:class:`KilledDocument` and :class:`KilledStore` kill it just before the file write or just
before the state commit. A kill is :class:`Crash`, which nothing in zotmark catches.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import Any

import httpx2
from hypothesis import strategies as st

from zotmark.core.actions import FileAction
from zotmark.state import ListHead, ListState, SqliteStateStore
from zotmark.state.commit import RunCommit
from zotmark.sync.document import ListDocument

# Failures a run may end with when the sandbox keeps failing past the client's retries.
GIVE_UP = ("after every retry", "kept changing", "after 3 attempts")


class Crash(Exception):
    """The zotmark process was killed here: nothing after this point of the run happens."""

    def __init__(self, where: str, detail: str = "") -> None:
        super().__init__(f"killed {where} {detail}".strip())
        self.where = where


Moment = tuple[str, int]
"""A moment of a run: ``("request", n)``, the n-th request, or ``("write", n)``, the n-th write."""
MOMENTS = st.one_of(
    st.tuples(st.just("request"), st.integers(1, 6)),
    st.tuples(st.just("write"), st.integers(1, 2)),
)


class Tap(httpx2.BaseTransport):
    """The real HTTP transport with a hand on one moment of the run: the process is killed
    just before the request is sent (or, ``applied``, after the server applied it, before the
    answer came back); ``meddle`` runs just before the request (or, ``meddle_after``, once it
    was answered): someone edits meanwhile."""

    def __init__(
        self,
        crash_at: Moment | None = None,
        applied: bool = False,
        meddle_at: Moment | None = None,
        meddle: Callable[[], None] | None = None,
        meddle_after: bool = False,
    ) -> None:
        self.inner = httpx2.HTTPTransport(verify=False)  # plain HTTP to 127.0.0.1
        self.crash_at, self.applied = crash_at, applied
        self.meddle_at, self.meddle, self.meddle_after = meddle_at, meddle, meddle_after
        self.sent = self.writes = 0

    def _now(self, moment: Moment | None, write: bool) -> bool:
        if moment is None:
            return False
        kind, n = moment
        return n == (self.sent if kind == "request" else self.writes if write else -1)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        write = request.method != "GET"
        self.sent += 1
        self.writes += write
        crash, meddle = self._now(self.crash_at, write), self._now(self.meddle_at, write)
        if meddle and not self.meddle_after and self.meddle is not None:
            self.meddle()
        if crash and not self.applied:
            raise Crash(f"before a {self.crash_at[0]}", f"{self.sent} ({request.method})")
        response = self.inner.handle_request(request)
        if crash:
            response.read()
            response.close()
            raise Crash(
                f"after a {self.crash_at[0]} was applied", f"{self.sent} ({request.method})"
            )
        if meddle and self.meddle_after and self.meddle is not None:
            self.meddle()
        return response

    def close(self) -> None:
        self.inner.close()


class KilledDocument(ListDocument):
    """The list file, killed just before its write when ``crash`` is set."""

    def __init__(self, *args: Any, crash: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.crash = crash

    def apply(self, actions: Sequence[FileAction], *, skip_keys: Collection[str] = ()) -> bool:
        if self.crash:
            raise Crash("before the file write")
        return super().apply(actions, skip_keys=skip_keys)


class KilledStore:
    """The state store, killed when the run commits (after the file write)."""

    def __init__(self, inner: SqliteStateStore) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def commit_run(self, list_name: str, commit: RunCommit) -> None:
        raise Crash("after the file write, before the state commit")


class UnsettledStore:
    """The state store, as a run sees it that does not take the last run's word that both
    sides settled (it skips no run): it reads the library's changes and plans afresh."""

    def __init__(self, inner: SqliteStateStore) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def load(self, list_name: str, *, texts: bool = True) -> ListState:
        state = self.inner.load(list_name, texts=texts)
        return state._replace(mark=state.mark and replace(state.mark, settled=None))

    def head(self, list_name: str) -> ListHead:
        return self.load(list_name).head


def no_sleep(_seconds: float) -> None:
    """Back-off waits cost no time in tests."""
