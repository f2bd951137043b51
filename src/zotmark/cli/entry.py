"""The command-line interface's entry: the commands registered in their help order, and
:func:`main`.

This is the one place that turns zotmark's typed errors into words and exit codes: commands
raise :class:`~zotmark.errors.ZotmarkError` subclasses and :func:`main` prints the message on
stderr and exits with the error's code. No traceback reaches a user for an expected failure.
Commands with ``--json`` print exactly one JSON document on stdout.
"""

from __future__ import annotations

import sys

from rich.markup import escape

from zotmark.cli import bibtex, check, serve, setup, sync
from zotmark.cli.app import app, err_console
from zotmark.errors import ExitCode, Interrupted, ZotmarkError
from zotmark.printable import printable

app.command()(check.check)
app.command()(serve.sandbox)
app.command()(sync.sync)
app.command()(sync.status)
app.command()(serve.daemon)
app.command()(setup.demo)
app.command("export-bib")(bibtex.export_bib)
app.command("import-bib")(bibtex.import_bib)
app.command()(setup.init)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    typer/click handle usage errors themselves (exit 2); zotmark's typed errors become one
    message on stderr and the error's exit code.
    """
    try:
        app(args=argv, prog_name="zotmark")
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else ExitCode.ERROR)
    except Interrupted as stopped:
        err_console.print(escape(printable(stopped.message)), highlight=False)
        return stopped.exit_code
    except ZotmarkError as error:
        message = escape(printable(error.message))
        err_console.print(f"[bold red]error:[/] {message}", highlight=False)
        return error.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return ExitCode.INTERRUPTED
    return ExitCode.OK


def entrypoint() -> None:
    """Console-script entry point."""
    sys.exit(main())
