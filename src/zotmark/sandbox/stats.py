"""Request counting and a bounded request log, readable by tests and benchmarks.

Every API request (not ``/_sandbox``) is counted by method, by route pattern and by status, and
appended to a log of the most recent requests. Benchmarks read the counters to check request
budgets (e.g. "a no-op sync costs at most one request").
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any

LOG_SIZE = 10_000


@dataclass(frozen=True)
class LoggedRequest:
    """One served request."""

    method: str
    path: str
    query: str
    status: int
    milliseconds: float
    dropped: bool = False


class Stats:
    """Thread-safe counters plus the last :data:`LOG_SIZE` requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.total = 0
            self.writes = 0
            self.by_method: Counter[str] = Counter()
            self.by_route: Counter[str] = Counter()
            self.by_status: Counter[int] = Counter()
            self.log: deque[LoggedRequest] = deque(maxlen=LOG_SIZE)

    def record(self, entry: LoggedRequest, route: str) -> None:
        """Count one request."""
        with self._lock:
            self.total += 1
            if entry.method not in ("GET", "HEAD"):
                self.writes += 1
            self.by_method[entry.method] += 1
            self.by_route[f"{entry.method} {route}"] += 1
            self.by_status[entry.status] += 1
            self.log.append(entry)

    def snapshot(self, *, log: bool = True) -> dict[str, Any]:
        """A JSON-ready copy: ``requests``, ``writes``, ``by_method``, ``by_route``, ``by_status``,
        and (unless ``log=False``) ``log``."""
        with self._lock:
            data: dict[str, Any] = {
                "requests": self.total,
                "writes": self.writes,
                "by_method": dict(self.by_method),
                "by_route": dict(self.by_route),
                "by_status": {str(k): v for k, v in self.by_status.items()},
            }
            if log:
                data["log"] = [asdict(entry) for entry in self.log]
            return data
