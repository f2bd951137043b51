"""The long-running commands: ``zotmark daemon`` (keep the lists in sync) and ``zotmark
sandbox`` (the local Zotero API server)."""

import typer

from zotmark.cli.app import CONFIG_OPTION, OUTPUT, Quiet, Verbose, load, set_output


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
    set_output(quiet, verbose)
    from pathlib import Path

    from zotmark.sandbox.command import run_sandbox

    run_sandbox(
        host=host,
        port=port,
        data=Path(data) if data else None,
        latency_ms=latency_ms,
        faults=faults,
    )


def daemon(
    config: str | None = CONFIG_OPTION,
    log_level: str = typer.Option(
        "info", "--log-level", metavar="LEVEL", help="debug, info, warning or error."
    ),
    quiet: Quiet = False,
    verbose: Verbose = 0,
) -> None:
    """Watch the lists, poll and stream Zotero, and sync until SIGINT/SIGTERM."""
    set_output(quiet, verbose)
    from zotmark.daemon.allocator import keep_large_blocks_mapped
    from zotmark.daemon.daemon import Daemon
    from zotmark.presentation.logs import LEVELS, configure_logging

    if log_level.strip().lower() not in LEVELS:
        raise typer.BadParameter(f"use one of: {', '.join(LEVELS)}", param_hint="--log-level")
    if OUTPUT.verbose >= 2 or OUTPUT.quiet:  # -vv: everything; -q: errors only
        log_level = "debug" if OUTPUT.verbose else "error"
    loaded = load(config)
    configure_logging(log_level, secrets=[loaded.api_key().reveal()])
    keep_large_blocks_mapped()  # (the process's own setting: a daemon in a test shares one)
    Daemon(loaded).serve()
