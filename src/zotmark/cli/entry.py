"""The command-line interface's entry: :func:`main`.

This is the one place that turns zotmark's typed errors into words and exit codes: commands
raise :class:`~zotmark.errors.ZotmarkError` subclasses and :func:`main` prints the message on
stderr and exits with the error's code. No traceback reaches a user for an expected failure.
Commands with ``--json`` print exactly one JSON document on stdout.
"""

from __future__ import annotations

import sys

from zotmark.cli.app import app
from zotmark.cli.output import ERROR, echo
from zotmark.errors import ExitCode, Interrupted, ZotmarkError
from zotmark.printable import printable


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
        echo(printable(stopped.message), err=True)
        return stopped.exit_code
    except ZotmarkError as error:
        echo(ERROR, f" {printable(error.message)}", err=True)
        return error.exit_code
    except KeyboardInterrupt:
        echo("interrupted", err=True)
        return ExitCode.INTERRUPTED
    return ExitCode.OK


def entrypoint() -> None:
    """Console-script entry point."""
    sys.exit(main())
