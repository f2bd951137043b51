"""The command-line interface (typer): ``zotmark`` and its commands (see :mod:`.app`)."""

from zotmark.cli.app import entrypoint, main

__all__ = ["entrypoint", "main"]
