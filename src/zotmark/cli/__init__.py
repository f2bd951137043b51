"""The command-line interface (typer): ``zotmark`` and its commands.

:mod:`.app` holds the typer application, the table of its commands and the options they
share, :mod:`.output` prints their lines (styled by rich on a terminal only), the modules beside
them hold one command or two each (imported when their command runs, or the help or completion
lists it), and :mod:`.entry` turns zotmark's typed errors into words and exit codes (the one
place that does).

The modules that define commands do without ``from __future__ import annotations``: typer
reads a command's parameters on every run of it, and a string annotation costs it an ``eval``
(issue 16: start-up cost).
"""

from zotmark.cli.entry import entrypoint, main

__all__ = ["entrypoint", "main"]
