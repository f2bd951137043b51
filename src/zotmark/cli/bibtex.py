"""``zotmark export-bib`` and ``zotmark import-bib``: a list's collection as BibTeX, and a
.bib's papers into a list."""

import sys

import typer

from zotmark.cli.app import (
    CONFIG_OPTION,
    JSON_OPTION,
    LIST_OPTION,
    OUTPUT,
    Quiet,
    Verbose,
    load,
    set_output,
    state_store,
)
from zotmark.cli.output import echo


def export_bib(
    config: str | None = CONFIG_OPTION,
    list_name: str | None = LIST_OPTION,
    output: str | None = typer.Option(
        None, "-o", "--output", metavar="FILE", help="Write here (- for stdout)."
    ),
    rekey: bool = typer.Option(
        False,
        "--rekey",
        help="Make every key again by the formula (not those set in Zotero); says which changed.",
    ),
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Write the BibTeX of a list's collection (as of the last sync); exported keys never
    change unless --rekey."""
    set_output(quiet, verbose)
    from pathlib import Path

    from zotmark.sync.bibliography import export_list

    loaded = load(config)
    settings = loaded.list(list_name)
    to_stdout = output == "-"
    target = Path(output) if output and not to_stdout else None
    with state_store(loaded) as (store, key):
        stdout = sys.stdout if to_stdout else None
        done = export_list(store, key(settings), settings, target, stdout=stdout, rekey=rekey)
    report = done.report
    for old, new in done.rekeyed:
        echo(f"key {old} -> {new}", err=to_stdout)
    for line in done.clash_lines():
        echo(line, err=True)
    if rekey and not done.rekeyed:
        echo("no key changed", err=to_stdout)
    if OUTPUT.quiet:
        return
    entries = f"{report.entries} {'entry' if report.entries == 1 else 'entries'}"
    if to_stdout:  # stdout holds the BibTeX: the count goes to stderr
        echo(f"{entries} written to stdout", err=True)
        return
    state = "written" if report.changed else "unchanged"
    where = target or settings.bibtex
    echo(f"{where}: {entries}, {state}")


def import_bib(
    bib: str = typer.Argument(..., metavar="FILE.bib", help="The .bib file to import."),
    config: str | None = CONFIG_OPTION,
    list_name: str | None = LIST_OPTION,
    json_output: bool = JSON_OPTION,
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Add the .bib's papers to the list (and to Zotero on the next sync); matches are skipped."""
    set_output(quiet, verbose)
    import json
    from pathlib import Path

    from zotmark.sync.bibliography import import_into_list

    loaded = load(config)
    settings = loaded.list(list_name)
    with state_store(loaded) as (store, key):
        report = import_into_list(store, key(settings), settings, Path(bib))
    problems = [{"line": p.line, "message": p.message} for p in report.problems]
    if json_output:
        document = {"added": list(report.added), "matched": list(report.matched)}
        typer.echo(json.dumps({**document, "problems": problems}, indent=2))
        return
    echo(
        f"{len(report.added)} added to {settings.file}, "
        f"{len(report.matched)} already there; {len(problems)} problems"
    )
    for problem in problems:
        echo(f"  line {problem['line']}: {problem['message']}")
