"""Getting started: ``zotmark init`` (a working config from an API key) and ``zotmark demo``
(the whole loop against a local sandbox)."""

import sys
from typing import Any

import typer

from zotmark.cli.app import JSON_OPTION, OUTPUT, Quiet, Verbose, set_output
from zotmark.cli.output import console, echo


class TerminalAsker:
    """The interactive :class:`~zotmark.setup.asking.Asker`: questions on the terminal, the
    key's input hidden."""

    interactive = True

    def text(self, prompt: str, default: str) -> str:
        return str(typer.prompt(prompt, default=default or None))

    def secret(self, prompt: str) -> str:
        return str(typer.prompt(prompt, hide_input=True))

    def confirm(self, prompt: str, default: bool) -> bool:
        return bool(typer.confirm(prompt, default=default))


def init(
    base_url: str = typer.Option(
        "https://api.zotero.org", "--base-url", metavar="URL", help="The Zotero API server."
    ),
    api_key_env: str = typer.Option(
        "ZOTERO_API_KEY", "--api-key-env", metavar="NAME", help="Read the key from this variable."
    ),
    key_file: str | None = typer.Option(
        None, "--key-file", metavar="FILE", help="Keep the key in FILE (mode 0600)."
    ),
    library_type: str | None = typer.Option(
        None, "--library-type", metavar="user|group", help="Your own library or a group's."
    ),
    library_id: str = typer.Option("", "--library-id", metavar="N", help="The group's number."),
    collection: str | None = typer.Option(
        None, "--collection", metavar="NAME|KEY", help="Sync this collection (a name creates it)."
    ),
    list_file: str = typer.Option(
        "reading-list.md", "--list-file", metavar="FILE", help="The reading list to sync."
    ),
    tag_colors: bool | None = typer.Option(
        None, "--tag-colors/--no-tag-colors", help="Put read/relevant on Zotero's keys 1 and 2."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Ask nothing; take the defaults."),
    config_out: str = typer.Option(
        "zotmark.toml", "--config-out", metavar="FILE", help="Where to write the config."
    ),
    dry_run: bool = typer.Option(
        True, "--dry-run/--no-dry-run", help="Run `zotmark sync --dry-run` at the end."
    ),
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Set up: validate the API key, pick or create the collection, write zotmark.toml.

    Without a terminal (or with --yes) it asks nothing: the key comes from $ZOTERO_API_KEY.
    """
    set_output(quiet, verbose)
    from pathlib import Path

    from zotmark.setup.asking import Defaults
    from zotmark.setup.init import Init, InitOptions

    if library_type not in (None, "user", "group"):
        raise typer.BadParameter("use user or group", param_hint="--library-type")
    options = InitOptions(
        base_url=base_url, api_key_env=api_key_env,
        key_file=Path(key_file).expanduser().absolute() if key_file else None,
        library_type=library_type, library_id=library_id.strip(), collection=collection,
        list_file=list_file, tag_colors=tag_colors, config_out=Path(config_out), dry_run=dry_run,
    )  # fmt: skip
    interactive = not yes and sys.stdin.isatty()

    def say(message: Any) -> None:
        """A line as it stands; a table (a rich renderable) by rich."""
        if OUTPUT.quiet:
            return
        if isinstance(message, str):
            echo(message)
        else:
            console().print(message, soft_wrap=True)

    Init(options, TerminalAsker() if interactive else Defaults(), say).run()


def demo(
    json_output: bool = JSON_OPTION,
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """The whole loop on the original list against a local sandbox: no account, no network."""
    set_output(quiet, verbose)
    import json

    from zotmark.setup.demo import run_demo

    if json_output:
        typer.echo(json.dumps(run_demo().as_json(), ensure_ascii=False, indent=2))
        return
    shown = console()
    run_demo(lambda _r: None) if OUTPUT.quiet else run_demo(
        lambda renderable: shown.print(renderable, highlight=False, soft_wrap=True)
    )
