"""The command-line interface (typer).

This is the one place that turns zotmark's typed errors into words and exit codes: commands
raise :class:`~zotmark.errors.ZotmarkError` subclasses and :func:`main` prints the message on
stderr and exits with the error's code. No traceback reaches a user for an expected failure.
Commands with ``--json`` print exactly one JSON document on stdout.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core
from rich.console import Console
from rich.markup import escape

from zotmark import __version__
from zotmark.errors import ExitCode, Interrupted, ZotmarkError
from zotmark.printable import printable

if TYPE_CHECKING:
    from zotmark.config import Config
    from zotmark.service.progress import ProgressHook

app = typer.Typer(
    name="zotmark",
    help="Keep a Markdown reading list and a Zotero collection in two-way sync.",
    invoke_without_command=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True, soft_wrap=True)


def _no_type_for_flags() -> None:
    """Show flags (``--json``, ``--yes/-y``, ``-v``) in the help without a ``<bool>``/``<int>``
    type column: they take no value. (typer shows a type for every option.)"""
    original = getattr(typer.core.TyperOption, "display_type_rich", None)
    if original is None or getattr(original, "_zotmark", False):
        return

    def display_type_rich(self: typer.core.TyperOption, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        return original(self, ctx)  # type: ignore[no-any-return]

    display_type_rich._zotmark = True  # type: ignore[attr-defined]
    typer.core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_no_type_for_flags()


class _Output:
    """The ``--quiet``/``--verbose`` choice: the root's options, then the command's own."""

    quiet = False
    verbose = 0


OUTPUT = _Output()
PLAN_LINES = 30
"""Plan lines ``zotmark sync`` prints before "… and N more" (all with ``--verbose``)."""

QUIET_HELP = "Print nothing but errors (and --json documents)."
VERBOSE_HELP = "More detail: every line (-v), and the log (-vv: debug)."
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP, show_default=False)]
Verbose = Annotated[
    int, typer.Option("--verbose", "-v", count=True, help=VERBOSE_HELP, show_default=False)
]
"""``--quiet``/``--verbose``: accepted before the command (``zotmark -v sync``) and after it
(``zotmark sync -v``); the counts add up."""


def _output(quiet: bool = False, verbose: int = 0) -> None:
    """Apply ``--quiet``/``--verbose``: the root's values with the command's own added."""
    quiet, verbose = OUTPUT.quiet or quiet, OUTPUT.verbose + verbose
    if quiet and verbose:
        raise typer.BadParameter("use --quiet or --verbose, not both", param_hint="--quiet")
    OUTPUT.quiet, OUTPUT.verbose = quiet, verbose
    # Without a log handler, Python prints zotmark's warnings (a retry, the metadata summary)
    # as bare lines on stderr; --quiet keeps them back, as it keeps back everything but errors.
    logging.getLogger("zotmark").setLevel(logging.ERROR if quiet else logging.NOTSET)
    if verbose:
        from zotmark.service.logs import configure_logging

        configure_logging("info" if verbose == 1 else "debug")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zotmark {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True,
        help="Print the version and exit.",
    ),
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:  # fmt: skip
    """Keep a Markdown reading list and a Zotero collection in two-way sync."""
    OUTPUT.quiet, OUTPUT.verbose = False, 0
    if ctx.invoked_subcommand is None:  # bare `zotmark`: the help, and success
        typer.echo(ctx.get_help())
        raise typer.Exit()
    if quiet and verbose:
        raise typer.BadParameter("use --quiet or --verbose, not both", param_hint="--quiet")
    OUTPUT.quiet, OUTPUT.verbose = quiet, verbose


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


@app.command()
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
    _output(quiet, verbose)
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
        Console().print(check_renderable(file, document))
    elif not OUTPUT.quiet:
        Console(highlight=False, soft_wrap=True).print(check_summary(file, document))


@app.command()
def sandbox(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(0, "--port", help="Port to listen on (0: any free port)."),
    data: str = typer.Option(
        "", "--data", metavar="FILE", help="Load the libraries from FILE and save them back."
    ),
    latency_ms: float = typer.Option(0.0, "--latency-ms", help="Delay every API request."),
    faults: str = typer.Option(
        "",
        "--faults",
        metavar="SPEC",
        help="Fault rules, ';'-separated, e.g. '429=2,times=1;backoff=5,method=GET' "
        "(kinds: latency=MS, backoff=S, 429[=S], 503[=S], drop, concurrent, garbage=WHAT; "
        "options: times=N, after=N, every=N, method=M, path=TEXT).",
    ),
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Run the local Zotero API server; the first stdout line is JSON {url, api_key, user_id}."""
    _output(quiet, verbose)
    from pathlib import Path

    from zotmark.sandbox.command import run_sandbox

    run_sandbox(
        host=host,
        port=port,
        data=Path(data) if data else None,
        latency_ms=latency_ms,
        faults=faults,
    )


def _user_config_file() -> str:
    """The user's own config file, ``~`` for the home directory (for the help text)."""
    from pathlib import Path

    from zotmark.config import user_config_path

    path, home = user_config_path(), Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


CONFIG_OPTION = typer.Option(
    None,
    "--config",
    "-c",
    metavar="FILE",
    help=f"The config file (default: ./zotmark.toml if it exists, else {_user_config_file()}).",
    show_default=False,
)
LIST_OPTION = typer.Option(None, "--list", metavar="NAME", help="Only this list.")
JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document.")


def _load(config: str | None) -> Config:
    from pathlib import Path

    from zotmark.config import load_config

    loaded = load_config(Path(config) if config else None)
    for warning in [] if OUTPUT.quiet else loaded.warnings():
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    return loaded


@app.command()
def sync(
    config: str | None = CONFIG_OPTION,
    list_name: str | None = LIST_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; change nothing."),
    json_output: bool = JSON_OPTION,
    force_delete: bool = typer.Option(
        False, "--force-delete", help="Go ahead even when the mass-delete guard trips."
    ),
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Bring each list and its Zotero collection into agreement (one run per list)."""
    _output(quiet, verbose)
    import json

    from zotmark.service.app import open_session
    from zotmark.service.render import plan_lines, refused_error, report_json

    loaded = _load(config)
    with open_session(loaded) as session, _progress() as progress:
        session.progress = progress
        session.on_wait = _say_waiting
        try:
            reports = session.sync(list_name, dry_run=dry_run, force_delete=force_delete)
        except KeyboardInterrupt:
            raise Interrupted(
                "interrupted. Nothing was lost: what reached Zotero is recorded (new items as "
                "pending, under the keys they were sent with), your file was written whole or "
                "not at all, and the next `zotmark sync` finishes the work without duplicates."
            ) from None
    if json_output:
        typer.echo(json.dumps({"lists": [report_json(r) for r in reports]}, indent=2))
    elif not OUTPUT.quiet:
        console = Console(highlight=False, soft_wrap=True)
        for report in reports:
            console.print(f"[bold]{escape(report.list_name)}[/]: {escape(report.summary)}")
            for note in report.plan.notes:
                err_console.print(f"[yellow]warning:[/] {escape(note)}", highlight=False)
            # the notes went out as warnings; a dry run's new keys are not the real run's
            lines = plan_lines(report.plan, notes=False, new_keys=not report.dry_run)
            shown = lines if OUTPUT.verbose else lines[:PLAN_LINES]
            for line in shown:
                console.print(f"  {escape(line)}")
            if len(shown) < len(lines):
                console.print(f"  … and {len(lines) - len(shown)} more (--verbose shows them all)")
    refused = refused_error(reports)
    if refused is not None:
        raise refused


def _now() -> datetime:
    """The time ``zotmark status`` measures ages against (tests replace it)."""
    return datetime.now(UTC)


def _say_waiting(pid: str | None) -> None:
    """Tell the user a run waits for another zotmark's run (a daemon's, usually)."""
    if not OUTPUT.quiet:
        who = f"another zotmark (pid {pid})" if pid else "another zotmark"
        err_console.print(f"waiting for {escape(who)} to finish its run…", highlight=False)


@contextmanager
def _progress() -> Iterator[ProgressHook | None]:
    """Progress bars on stderr when it is a terminal and --quiet is off; else no hook."""
    if OUTPUT.quiet or not err_console.is_terminal:
        yield None
        return
    from zotmark.service.progress import RichProgress

    with RichProgress(err_console) as progress:
        yield progress


@app.command()
def status(
    config: str | None = CONFIG_OPTION,
    list_name: str | None = LIST_OPTION,
    json_output: bool = JSON_OPTION,
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Per list: last run, last success, library version, pending creates (no network)."""
    _output(quiet, verbose)
    import json

    from zotmark.service.app import list_key, state_dir
    from zotmark.service.heartbeat import mark_stale, this_machine
    from zotmark.service.render import status_json, status_lines
    from zotmark.state import SqliteStateStore

    loaded = _load(config)
    with SqliteStateStore.in_dir(state_dir(loaded)) as store:
        states = [
            status_json(s, store.load(list_key(loaded, s, store))) for s in loaded.select(list_name)
        ]
    now = _now()
    unhealthy = mark_stale(states, loaded.daemon.poll_seconds, now, machine=this_machine())
    if json_output:
        typer.echo(json.dumps({"lists": states}, indent=2))
    elif not OUTPUT.quiet:
        console = Console(highlight=False, soft_wrap=True)
        for state in states:
            headline, *details = status_lines(state, now)
            console.print(f"[bold]{escape(headline)}[/]")
            for line in details:
                console.print(escape(line))
    if unhealthy or any(s["last_run"] and not s["last_run"]["ok"] for s in states):
        raise typer.Exit(ExitCode.ERROR)


@app.command()
def daemon(
    config: str | None = CONFIG_OPTION,
    log_level: str = typer.Option(
        "info", "--log-level", metavar="LEVEL", help="debug, info, warning or error."
    ),
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Watch the lists, poll and stream Zotero, and sync until SIGINT/SIGTERM."""
    _output(quiet, verbose)
    from zotmark.service.daemon import Daemon
    from zotmark.service.logs import LEVELS, configure_logging

    if log_level.strip().lower() not in LEVELS:
        raise typer.BadParameter(f"use one of: {', '.join(LEVELS)}", param_hint="--log-level")
    if OUTPUT.verbose >= 2 or OUTPUT.quiet:  # -vv: everything; -q: errors only
        log_level = "debug" if OUTPUT.verbose else "error"
    loaded = _load(config)
    configure_logging(log_level, secrets=[loaded.api_key().reveal()])
    Daemon(loaded).serve()


@app.command()
def demo(
    json_output: bool = JSON_OPTION,
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """The whole loop on the original list against a local sandbox: no account, no network."""
    _output(quiet, verbose)
    import json

    from zotmark.service.demo import run_demo

    if json_output:
        typer.echo(json.dumps(run_demo().as_json(), ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    run_demo(lambda _r: None) if OUTPUT.quiet else run_demo(console.print)


@app.command("export-bib")
def export_bib(
    config: str | None = CONFIG_OPTION,
    list_name: str | None = LIST_OPTION,
    output: str | None = typer.Option(
        None, "-o", "--output", metavar="FILE", help="Write here (- for stdout)."
    ),
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Write the BibTeX of a list's collection (as of the last sync); keys never change."""
    _output(quiet, verbose)
    from pathlib import Path

    from zotmark.service.app import list_key, state_dir
    from zotmark.service.bibliography import export_list
    from zotmark.state import SqliteStateStore

    loaded = _load(config)
    settings = loaded.list(list_name)
    to_stdout = output == "-"
    target = Path(output) if output and not to_stdout else None
    with SqliteStateStore.in_dir(state_dir(loaded)) as store:
        key = list_key(loaded, settings, store)
        report = export_list(store, key, settings, target, stdout=sys.stdout if to_stdout else None)
    if OUTPUT.quiet:
        return
    entries = f"{report.entries} {'entry' if report.entries == 1 else 'entries'}"
    if to_stdout:  # stdout holds the BibTeX: the count goes to stderr
        err_console.print(f"{entries} written to stdout", highlight=False)
        return
    state = "written" if report.changed else "unchanged"
    where = target or settings.bibtex
    Console(highlight=False, soft_wrap=True).print(f"{escape(str(where))}: {entries}, {state}")


@app.command("import-bib")
def import_bib(
    bib: str = typer.Argument(..., metavar="FILE.bib", help="The .bib file to import."),
    config: str | None = CONFIG_OPTION,
    list_name: str | None = LIST_OPTION,
    json_output: bool = JSON_OPTION,
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Add the .bib's papers to the list (and to Zotero on the next sync); matches are skipped."""
    _output(quiet, verbose)
    import json
    from pathlib import Path

    from zotmark.service.app import list_key, state_dir
    from zotmark.service.bibliography import import_into_list
    from zotmark.state import SqliteStateStore

    loaded = _load(config)
    settings = loaded.list(list_name)
    with SqliteStateStore.in_dir(state_dir(loaded)) as store:
        report = import_into_list(store, list_key(loaded, settings, store), settings, Path(bib))
    problems = [{"line": p.line, "message": p.message} for p in report.problems]
    if json_output:
        document = {"added": list(report.added), "matched": list(report.matched)}
        typer.echo(json.dumps({**document, "problems": problems}, indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"{len(report.added)} added to {escape(str(settings.file))}, "
        f"{len(report.matched)} already there; {len(problems)} problems"
    )
    for problem in problems:
        console.print(f"  line {problem['line']}: {escape(str(problem['message']))}")


@app.command()
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
    _output(quiet, verbose)
    from pathlib import Path

    from zotmark.service.init import Defaults, Init, InitOptions, TerminalAsker

    if library_type not in (None, "user", "group"):
        raise typer.BadParameter("use user or group", param_hint="--library-type")
    options = InitOptions(
        base_url=base_url, api_key_env=api_key_env,
        key_file=Path(key_file).expanduser().absolute() if key_file else None,
        library_type=library_type, library_id=library_id.strip(), collection=collection,
        list_file=list_file, tag_colors=tag_colors, config_out=Path(config_out), dry_run=dry_run,
    )  # fmt: skip
    interactive = not yes and sys.stdin.isatty()
    console = Console(highlight=False, soft_wrap=True)

    def say(message: Any) -> None:
        if not OUTPUT.quiet:
            console.print(escape(message) if isinstance(message, str) else message)

    Init(options, TerminalAsker() if interactive else Defaults(), say).run()


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


if __name__ == "__main__":
    entrypoint()
