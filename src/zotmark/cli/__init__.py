"""The command-line interface (typer): ``zotmark`` and its commands.

:mod:`.app` holds the typer application and the options its commands share, the modules
beside it one command or two each, and :mod:`.entry` registers them and turns zotmark's typed
errors into words and exit codes (the one place that does).
"""

from zotmark.cli.entry import entrypoint, main

__all__ = ["entrypoint", "main"]
