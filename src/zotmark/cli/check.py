"""``zotmark check``: parse a list and show how zotmark understands it (no config, no network)."""

import typer

from zotmark.cli.app import OUTPUT, Quiet, Verbose, set_output
from zotmark.cli.output import console


def _flag_options(values: list[str]) -> dict[str, str]:
    """``--flag LABEL=TAG`` options as a label → tag mapping (the default when none)."""
    from zotmark.markdown.parser import DEFAULT_FLAGS

    flags = {}
    for value in values:
        label, equals, tag = value.rpartition("=")
        if not equals or not label.strip() or not tag.strip():
            raise typer.BadParameter(f"expected LABEL=TAG, got {value!r}", param_hint="--flag")
        flags[label.strip()] = tag.strip()
    return flags or dict(DEFAULT_FLAGS)


def check(
    file: str = typer.Argument(..., metavar="FILE", help="The reading list (Markdown) to read."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON document."),
    flag: list[str] = typer.Option(  # noqa: B008
        [], "--flag", help="A flag label and its tag, LABEL=TAG (repeatable).", show_default=False
    ),
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Parse a list; print the entries as understood and every warning.

    A list of more than 100 entries is summed up (the table of every entry with --verbose).
    """
    set_output(quiet, verbose)
    import json

    from zotmark.markdown.files import ListFile
    from zotmark.markdown.parser import parse
    from zotmark.markdown.report import (
        TABLE_MAX_ENTRIES,
        check_json,
        check_renderable,
        check_summary,
    )

    flags = _flag_options(flag)
    text, _ = ListFile.read(file)
    document = parse(text, flags)
    if json_output:
        typer.echo(json.dumps(check_json(file, document), ensure_ascii=False, indent=2))
    elif OUTPUT.verbose or len(document.entries) <= TABLE_MAX_ENTRIES:
        console().print(check_renderable(file, document))
    elif not OUTPUT.quiet:
        console().print(check_summary(file, document), highlight=False, soft_wrap=True)
