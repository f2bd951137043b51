"""What one enrichment call found, and the one line that tells the user what failed.

Pure. :class:`Lookups` holds the results by ident key and when the look-ups that failed in a
way that may pass (network trouble, an error status, metadata lacking a part) are asked again;
:meth:`Lookups.summary` is the line a run reports for them (none when nothing failed), e.g.
``metadata: 12 look-ups failed (network); retrying after 14:05``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from zotmark.enrich.model import INCOMPLETE, Failure, Result


def local_time(timestamp: float) -> str:
    """``timestamp`` (seconds since the epoch) as the local time of day, ``14:05``."""
    return datetime.fromtimestamp(timestamp).strftime("%H:%M")


def shortfall(result: Result) -> str | None:
    """What went wrong with a look-up that may succeed later (a retryable failure's kind, or
    :data:`~zotmark.enrich.model.INCOMPLETE`); ``None`` for a success or a final failure."""
    if isinstance(result, Failure):
        return result.kind if result.retry else None
    return INCOMPLETE if result.notes else None


@dataclass(frozen=True, slots=True)
class Lookups:
    """The results of one enrichment call by ident key; ``retry_at``: when the earliest of
    the failed look-ups will be asked again (seconds since the epoch; ``None``: at the next
    call, as nothing is cached)."""

    results: Mapping[str, Result]
    retry_at: float | None = None

    @property
    def failed(self) -> dict[str, str]:
        """Ident key → what went wrong, for every look-up that failed but may succeed later."""
        return {key: kind for key, result in self.results.items() if (kind := shortfall(result))}

    def summary(self, clock_time: Callable[[float], str] = local_time) -> str | None:
        """One line saying how many look-ups failed, why, and when they are retried (the
        time of day by ``clock_time``); ``None`` when none failed."""
        failed = self.failed
        if not failed:
            return None
        counts = Counter(failed.values()).most_common()
        why = counts[0][0] if len(counts) == 1 else ", ".join(f"{n} {kind}" for kind, n in counts)
        when = "on the next run" if self.retry_at is None else f"after {clock_time(self.retry_at)}"
        plural = "s" if len(failed) != 1 else ""
        return f"metadata: {len(failed)} look-up{plural} failed ({why}); retrying {when}"
