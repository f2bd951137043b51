"""The progress bars: one per kind of work, drawn on the console given."""

from __future__ import annotations

from rich.console import Console

from zotmark.cli.progress_bars import RichProgress


def test_rich_progress_draws_a_bar_per_kind_of_work() -> None:
    console = Console(record=True, force_terminal=True, width=80)
    with RichProgress(console) as progress:
        progress("Creating items in Zotero", 50, 120)
        progress("Creating items in Zotero", 120, 120)
    assert "Creating items in Zotero" in console.export_text()
