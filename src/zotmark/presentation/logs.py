"""Structured logging for the daemon: one ``key=value`` line per event, secrets masked.

Every record becomes one line on stderr::

    ts=2025-01-31T12:00:00.123Z level=info logger=zotmark.daemon msg=run.finished list=papers ...

``msg`` is the record's message (an event name for the daemon's own events, a sentence from
other modules); the fields given as ``extra={"kv": {...}}`` follow it. Values with spaces, quotes,
``=`` or line breaks are JSON-quoted, so a line never breaks. An exception is appended as
``exc=`` (type and message) and ``traceback=`` (one quoted line). Every secret given to
:func:`configure_logging` (the API key) is replaced by its masked form in the finished line, as a
last line of defence. Other libraries (APScheduler, websockets, watchdog, the HTTP stack) log at
WARNING and above only, whatever the level.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["LEVELS", "KeyValueFormatter", "configure_logging", "kv"]

LEVELS = ("debug", "info", "warning", "error")
QUIET_LOGGERS = ("apscheduler",)
_BARE = re.compile(r"[^\s\"'=\\]+")


def kv(**fields: object) -> dict[str, Any]:
    """The ``extra`` argument that attaches ``fields`` to a log record."""
    return {"kv": fields}


def _value(value: object) -> str:
    """A field value as it appears after ``key=``: bare when safe, else JSON-quoted."""
    if isinstance(value, datetime):
        value = value.isoformat(timespec="seconds")
    elif isinstance(value, bool):
        value = "true" if value else "false"
    text = "" if value is None else str(value)
    return text if _BARE.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def _mask(secret: str) -> str:
    return "…" + secret[-4:] if len(secret) >= 12 else "…"


class KeyValueFormatter(logging.Formatter):
    """Formats records as single ``key=value`` lines; masks every secret it was given."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        fields: dict[str, object] = {
            "ts": stamp.replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        extra = getattr(record, "kv", None)
        if isinstance(extra, Mapping):
            fields.update({str(k): v for k, v in extra.items()})
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            fields["exc"] = f"{type(error).__name__}: {error}"
            fields["traceback"] = "".join(traceback.format_exception(error)).rstrip()
        line = " ".join(f"{key}={_value(value)}" for key, value in fields.items())
        for secret in self._secrets:
            line = line.replace(secret, _mask(secret))
        return line


def configure_logging(
    level: str, *, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record at ``level`` or above to ``stream`` (stderr) as key=value lines.

    ``level`` is one of :data:`LEVELS` (any case); ``ValueError`` otherwise. It applies to
    zotmark's own loggers; other libraries log warnings and errors only (APScheduler's logger is
    pinned to WARNING). Replaces the root logger's handlers; returns the handler installed.
    """
    name = level.strip().lower()
    if name not in LEVELS:
        raise ValueError(f"unknown log level {level!r}; use one of: {', '.join(LEVELS)}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(KeyValueFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("zotmark").setLevel(name.upper())
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
