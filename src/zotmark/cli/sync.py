"""``zotmark sync`` and ``zotmark status``: run each list's sync, and say how the lists stand."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

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
from zotmark.cli.output import WARNING, echo, styled
from zotmark.errors import ExitCode, Interrupted

if TYPE_CHECKING:
    from zotmark.sync.progress import ProgressHook

PLAN_LINES = 30
"""Plan lines ``zotmark sync`` prints before "… and N more" (all with ``--verbose``)."""


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
    set_output(quiet, verbose)
    import json

    from zotmark.presentation.render import plan_lines, refused_error, report_json
    from zotmark.sync.session import open_session

    loaded = load(config)
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
        for report in reports:
            echo((report.list_name, "bold"), f": {report.summary}")
            for note in report.plan.notes:
                echo(WARNING, f" {note}", err=True)
            # the notes went out as warnings; a dry run's new keys are not the real run's
            lines = plan_lines(report.plan, notes=False, new_keys=not report.dry_run)
            shown = lines if OUTPUT.verbose else lines[:PLAN_LINES]
            for line in shown:
                echo(f"  {line}")
            if len(shown) < len(lines):
                echo(f"  … and {len(lines) - len(shown)} more (--verbose shows them all)")
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
        echo(f"waiting for {who} to finish its run…", err=True)


@contextmanager
def _progress() -> Iterator["ProgressHook | None"]:
    """Progress bars on stderr when it is a terminal and --quiet is off; else no hook."""
    console = None if OUTPUT.quiet else styled(err=True)
    if console is None:
        yield None
        return
    from zotmark.cli.progress_bars import RichProgress

    with RichProgress(console) as progress:
        yield progress


def status(
    config: str | None = CONFIG_OPTION,
    list_name: str | None = LIST_OPTION,
    json_output: bool = JSON_OPTION,
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Per list: last run, last success, library version, pending creates (no network)."""
    set_output(quiet, verbose)
    import json

    from zotmark.daemon.heartbeat import mark_stale, this_machine
    from zotmark.presentation.render import status_json, status_lines

    loaded = load(config)
    with state_store(loaded) as (store, key):
        states = [status_json(s, store.load(key(s))) for s in loaded.select(list_name)]
    now = _now()
    unhealthy = mark_stale(states, loaded.daemon.poll_seconds, now, machine=this_machine())
    if json_output:
        typer.echo(json.dumps({"lists": states}, indent=2))
    elif not OUTPUT.quiet:
        for state in states:
            headline, *details = status_lines(state, now)
            echo((headline, "bold"))
            for line in details:
                echo(line)
    if unhealthy or any(s["last_run"] and not s["last_run"]["ok"] for s in states):
        raise typer.Exit(ExitCode.ERROR)
