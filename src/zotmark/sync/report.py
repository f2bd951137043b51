"""What one run of one list planned and did: its :class:`RunReport`.

Made by :class:`~zotmark.sync.engine.ListRunner`, read by the CLI's output (``--json``, the
plan's lines), the log, the daemon and ``zotmark status``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from zotmark.core.model import Refusal
from zotmark.core.plan import Plan


class RunReport(NamedTuple):
    """What one run planned and did (for ``--json``, the log and ``zotmark status``)."""

    list_name: str
    plan: Plan
    dry_run: bool
    created: int = 0
    updated: int = 0
    failed: Mapping[str, str] | None = None
    file_changed: bool = False
    requests: int = 0
    library_version: int = 0
    attempts: int = 1
    refused: tuple[Refusal, ...] = ()

    @property
    def summary(self) -> str:
        """One line for logs and the status."""
        if self.dry_run:
            files = len(self.plan.file)
            return (
                f"dry run: {len(self.plan.zotero)} Zotero and {files} file "
                f"{'change' if files == 1 else 'changes'}"
            )
        unwritten = ""
        if self.refused or self.failed:
            unwritten = f", {len(self.refused) + len(self.failed or {})} refused"
        return (
            f"{self.created} created, {self.updated} updated in Zotero{unwritten}; "
            f"file {'changed' if self.file_changed else 'unchanged'}; "
            f"{self.requests} request{'' if self.requests == 1 else 's'}"
        )

    @property
    def complete(self) -> bool:
        """Whether every change the run planned reached Zotero (nothing refused or failed)."""
        return not (self.refused or self.failed)
