"""What the CLI prints: lines on stdout and stderr, styled on a terminal, and the rich consoles
that show tables and progress bars.

A line is a sequence of parts, each text as it stands or a ``(text, style)`` pair (rich's
convention, :meth:`rich.text.Text.assemble`): there is no markup, so nothing to escape. On a
terminal rich prints the line styled; anywhere else rich would write the bare text, and the
text is written without loading rich (issue 16: rich's import and console cost ~20 ms of the
~0.2 s of CPU a no-op ``zotmark sync`` took, whose one line goes to a pipe or a log).
"""

from __future__ import annotations

import functools
import os
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

Part = str | tuple[str, str]
"""Part of a line: text, or text with a rich style (``("warning:", "yellow")``)."""

WARNING: Part = ("warning:", "yellow")
ERROR: Part = ("error:", "bold red")


def console(*, err: bool = False) -> Console:
    """A rich console on stdout, made now (it reads the terminal's width now); with ``err``, the
    one console on stderr (:func:`_stderr_console`)."""
    if err:
        return _stderr_console()
    from rich.console import Console

    return Console()


@functools.cache
def _stderr_console() -> Console:
    """The one console on stderr, made on first use: progress bars draw on it, and the lines
    printed while they run go above them."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def styled(*, err: bool = False) -> Console | None:
    """The console of stdout (stderr with ``err``) when what goes there is styled, rich's
    :attr:`~rich.console.Console.is_terminal`; else ``None``. It is ``None`` without asking
    rich where no console could style: the stream is no terminal, and neither ``FORCE_COLOR``
    nor ``TTY_COMPATIBLE`` (which rich reads) is set."""
    stream = sys.stderr if err else sys.stdout
    if not (_is_a_tty(stream) or {"FORCE_COLOR", "TTY_COMPATIBLE"} & os.environ.keys()):
        return None
    made = console(err=err)
    return made if made.is_terminal else None


def _is_a_tty(stream: TextIO | None) -> bool:
    """Whether ``stream`` is a terminal (a closed or missing stream is not)."""
    try:
        return stream is not None and stream.isatty()
    except ValueError:  # closed
        return False


def echo(*parts: Part, err: bool = False) -> None:
    """Print ``parts`` as one line on stdout (stderr with ``err``): styled where
    :func:`styled` gives a console, else as their bare text."""
    styling = styled(err=err)
    if styling is None:
        stream = sys.stderr if err else sys.stdout
        stream.write("".join(p if isinstance(p, str) else p[0] for p in parts) + "\n")
        stream.flush()
        return
    from rich.text import Text

    styling.print(Text.assemble(*parts), soft_wrap=True)
