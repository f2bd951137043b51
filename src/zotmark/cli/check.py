"""``zotmark check``: parse a list and show how zotmark understands it (no config, no network;
with ``--published``, arXiv and Crossref are asked which of its preprints were published)."""

from typing import TYPE_CHECKING, Any

import typer

from zotmark.cli.app import OUTPUT, Quiet, Verbose, set_output
from zotmark.cli.output import console

if TYPE_CHECKING:
    from zotmark.markdown.document import Document


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
    published: bool = typer.Option(
        False, "--published", help="Ask arXiv and Crossref which preprints were published."
    ),
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Parse a list; print the entries as understood and every warning.

    A list of more than 100 entries is summed up (the table of every entry with --verbose).
    With --published, the preprints arXiv or Crossref report published are listed after it
    (one arXiv request per 50 papers, 3 s apart; one Crossref request per DOI).
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
    found = _published(document) if published else None
    if json_output:
        report = check_json(file, document) | ({"published": found} if found is not None else {})
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    if OUTPUT.verbose or len(document.entries) <= TABLE_MAX_ENTRIES:
        console().print(check_renderable(file, document))
    elif not OUTPUT.quiet:
        console().print(check_summary(file, document), highlight=False, soft_wrap=True)
    if found is not None and not OUTPUT.quiet:
        from zotmark.presentation.render import published_line

        for row in found:
            typer.echo(f"line {row['line']}: {published_line(row)}")
        typer.echo(f"{len(found)} of the list's papers were found published.")


def _published(document: "Document") -> list[dict[str, Any]]:
    """The entries whose paper arXiv or Crossref report published, asked now (failed look-ups
    are one warning, as in a sync): their line, preprint, DOI and venue, in file order."""
    from zotmark.enrich import Enricher, Metadata, ident_key
    from zotmark.enrich.published import found

    entries = [listed.entry for listed in document.entries]
    results = Enricher().look_up(entry.ident for entry in entries).results
    rows = []
    for entry in entries:
        key = ident_key(entry.ident)
        result = results.get(key) if key else None
        if key and isinstance(result, Metadata):
            publication = found(key, entry.anchor or "", result)
            if publication is not None:
                rows.append({"line": entry.line, "preprint": key, "item": publication.item_key,
                             "doi": publication.doi, "venue": publication.venue, "done": "",
                             "related": ""})  # fmt: skip
    return rows
