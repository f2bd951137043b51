"""The command-line interface (typer).

This is the one place that turns zotmark's typed errors into words and exit codes: commands
raise :class:`~zotmark.errors.ZotmarkError` subclasses and :func:`main` prints the message on
stderr and exits with the error's code. No traceback reaches a user for an expected failure.
Commands with ``--json`` print exactly one JSON document on stdout.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from zotmark import __version__
from zotmark.errors import ExitCode, ZotmarkError

app = typer.Typer(
    name="zotmark",
    help="Keep a Markdown reading list and a Zotero collection in two-way sync.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zotmark {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Keep a Markdown reading list and a Zotero collection in two-way sync."""


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
    except ZotmarkError as error:
        err_console.print(f"[bold red]error:[/] {escape(error.message)}", highlight=False)
        return error.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    return ExitCode.OK


def entrypoint() -> None:
    """Console-script entry point."""
    sys.exit(main())
