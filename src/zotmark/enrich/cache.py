"""An on-disk JSON cache of enrichment results, one small file per identifier.

The directory is injected. Files are named by a hash of the ident key and hold the key itself,
the time of storing and the value; a write goes to a temporary file in the same directory and
is renamed over the old one, so a reader never sees half a file. The cache is a convenience:
an unreadable or corrupt file is a miss and a failed write is logged and forgotten, never an
error for the caller.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 2  # bump when the stored value's shape or the mapping changes: old files become misses
# (2: a preprint's published version kept apart from the preprint, issue 17)


class JsonCache:
    """Values by key under ``directory`` (created on the first write)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
        return self.directory / f"{digest}.json"

    def get(self, key: str) -> tuple[float, dict[str, Any]] | None:
        """``(stored_at, value)`` for ``key``, or ``None`` when absent, stale-format or corrupt."""
        try:
            raw = json.loads(self._path(key).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT or raw.get("key") != key:
            return None
        value, stored_at = raw.get("value"), raw.get("stored_at")
        if not isinstance(value, dict) or not isinstance(stored_at, int | float):
            return None
        return float(stored_at), value

    def put(self, key: str, value: dict[str, Any], stored_at: float) -> None:
        """Store ``value`` for ``key`` atomically; a failure is logged, not raised."""
        document = {"format": FORMAT, "key": key, "stored_at": stored_at, "value": value}
        text = json.dumps(document, ensure_ascii=False, sort_keys=True)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _atomic_write(self._path(key), text)
        except OSError as exc:
            log.warning("enrichment cache: cannot write %s: %s", self.directory, exc)


def _atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary sibling file and a rename."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
