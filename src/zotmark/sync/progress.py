"""Progress of long runs: the callback.

A :data:`ProgressHook` is told ``(what, done, total)`` as work advances (``total`` is ``None``
when unknown): ``zotero.library.ZoteroLibrary`` tells it how the big reads and writes of a run
advance, batch by batch (new items' metadata is fetched as each batch of creates goes, so the
writes' progress is the metadata's too). The CLI draws the bars
(:mod:`zotmark.cli.progress_bars`).
"""

from __future__ import annotations

from collections.abc import Callable

ProgressHook = Callable[[str, int, "int | None"], None]
"""Called with (what is being done, how many are done, how many in all or ``None``)."""
