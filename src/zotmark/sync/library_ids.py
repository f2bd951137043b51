"""Remembers which user library an API key belongs to, so a run need not ask every time.

With ``library_id = ""`` the client learns the user id from ``/keys/current`` — one request per
process, which would double the cost of a run that finds nothing changed. The answer is kept in
the state directory under a hash of the server and key (never the key itself).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

FILENAME = "library-ids.json"


def _slot(base_url: str, api_key: str) -> str:
    return hashlib.sha256(f"{base_url}\n{api_key}".encode()).hexdigest()[:32]


def _read(directory: Path) -> dict[str, str]:
    try:
        loaded = json.loads((directory / FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def remembered(directory: Path, base_url: str, api_key: str) -> str:
    """The user library id last seen for this server and key, or ``""``."""
    return _read(directory).get(_slot(base_url, api_key), "")


def remember(directory: Path, base_url: str, api_key: str, library_id: str) -> None:
    """Keep ``library_id`` for this server and key (best effort: a failure only costs a request)."""
    known = _read(directory)
    slot = _slot(base_url, api_key)
    if not library_id or known.get(slot) == library_id:
        return
    known[slot] = library_id
    try:
        handle, name = tempfile.mkstemp(dir=directory, prefix=f".{FILENAME}.")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(known, out)
        os.replace(name, directory / FILENAME)
    except OSError:
        return
