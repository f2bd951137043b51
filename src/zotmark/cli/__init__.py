"""The command-line interface (typer): ``zotmark`` and its commands.

:mod:`.app` holds the typer application and the options its commands share, :mod:`.output`
prints their lines (styled by rich on a terminal only), the modules beside them hold one command
or two each, and :mod:`.entry` registers them and turns zotmark's typed errors into words and
exit codes (the one place that does).

The modules that define commands do without ``from __future__ import annotations``: typer
reads every command's parameters on every run, and a string annotation costs it an ``eval``
(~1.6 ms of CPU for the nine commands, of a no-op ``zotmark sync``'s ~0.2 s; issue 16).
"""

from zotmark.cli.entry import entrypoint, main

__all__ = ["entrypoint", "main"]
