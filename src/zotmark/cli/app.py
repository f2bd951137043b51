"""The typer application and what its commands share: the root's options (``--version``,
``--quiet``/``--verbose``), the ``--config``/``--list``/``--json`` options, the loading of the
config with its warnings (printed by :mod:`.output`).

The commands live in the modules beside this one, named in :data:`COMMANDS`; a run builds the
one it runs (:class:`_CommandGroup`).
"""

import importlib
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
import typer.core
import typer.main
from typer.models import CommandInfo

from zotmark import __version__
from zotmark.cli.output import WARNING, echo

if TYPE_CHECKING:
    from zotmark.config import Config, ListSettings
    from zotmark.state import StateStore

COMMANDS = {
    "check": ("check", "check"),
    "sandbox": ("serve", "sandbox"),
    "sync": ("sync", "sync"),
    "status": ("sync", "status"),
    "daemon": ("serve", "daemon"),
    "demo": ("setup", "demo"),
    "export-bib": ("bibtex", "export_bib"),
    "import-bib": ("bibtex", "import_bib"),
    "init": ("setup", "init"),
}
"""The commands in their help order: each one's module (beside this one) and function."""


class _Command(typer.core.TyperCommand):
    """A command of zotmark's: its help and its completions name the user's config file in
    the help of ``--config`` (:data:`CONFIG_HELP`)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._name_the_user_file()
        super().format_help(ctx, formatter)

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        self._name_the_user_file()
        return super().shell_complete(ctx, incomplete)

    def _name_the_user_file(self) -> None:
        for param in self.params:
            if isinstance(param, typer.core.TyperOption) and param.help == CONFIG_HELP:
                param.help = CONFIG_HELP.format(user_file=_user_config_file())


class _Commands(Mapping[str, _Command]):
    """The commands of :data:`COMMANDS` by name, each built (its module imported, its
    parameters read by typer) when it is first looked up. A run looks up the one it runs;
    the help and shell completion, which list them all, build every one. (Building all nine
    cost a no-op ``zotmark sync`` ~15M instructions of its ~780M, and importing their
    modules more: issue 16.)"""

    def __init__(self, group: "_CommandGroup") -> None:
        self._group = group
        self._built: dict[str, _Command] = {}

    def __getitem__(self, name: str) -> _Command:
        built = self._built.get(name)
        if built is None:
            module, function = COMMANDS[name]
            callback = getattr(importlib.import_module(f"zotmark.cli.{module}"), function)
            command = typer.main.get_command_from_info(
                CommandInfo(name, cls=_Command, callback=callback),
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=self._group.rich_markup_mode,
            )
            built = self._built[name] = cast(_Command, command)
        return built

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class _CommandGroup(typer.core.TyperGroup):
    """The ``zotmark`` group, its commands those of :data:`COMMANDS` (:class:`_Commands`)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(self)  # type: ignore[assignment]


app = typer.Typer(
    name="zotmark",
    cls=_CommandGroup,
    help="Keep a Markdown reading list and a Zotero collection in two-way sync.",
    invoke_without_command=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _no_type_for_flags() -> None:
    """Show flags (``--json``, ``--yes/-y``, ``-v``) in the help without a ``<bool>``/``<int>``
    type column: they take no value. (typer 0.28's rich help shows an option's metavar, its
    type for every option; typer is pinned below 0.29, whose pydantic coercion costs ~0.1 s.)"""
    original = typer.core.TyperOption.make_metavar
    if getattr(original, "_zotmark", False):
        return

    def make_metavar(self: typer.core.TyperOption, ctx: Any) -> str:
        if self.is_flag or self.count:
            return ""
        return original(self, ctx=ctx)

    make_metavar._zotmark = True  # type: ignore[attr-defined]
    typer.core.TyperOption.make_metavar = make_metavar  # type: ignore[method-assign]


_no_type_for_flags()


class _Output:
    """The ``--quiet``/``--verbose`` choice: the root's options, then the command's own."""

    quiet = False
    verbose = 0


OUTPUT = _Output()

QUIET_HELP = "Print nothing but errors (and --json documents)."
VERBOSE_HELP = "More detail: every line (-v), and the log (-vv: debug)."
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP, show_default=False)]
Verbose = Annotated[
    int, typer.Option("--verbose", "-v", count=True, help=VERBOSE_HELP, show_default=False)
]
"""``--quiet``/``--verbose``: accepted before the command (``zotmark -v sync``) and after it
(``zotmark sync -v``); the counts add up."""


def set_output(quiet: bool = False, verbose: int = 0) -> None:
    """Apply ``--quiet``/``--verbose``: the root's values with the command's own added."""
    quiet, verbose = OUTPUT.quiet or quiet, OUTPUT.verbose + verbose
    if quiet and verbose:
        raise typer.BadParameter("use --quiet or --verbose, not both", param_hint="--quiet")
    OUTPUT.quiet, OUTPUT.verbose = quiet, verbose
    # Without a log handler, Python prints zotmark's warnings (a retry, the metadata summary)
    # as bare lines on stderr; --quiet keeps them back, as it keeps back everything but errors.
    logging.getLogger("zotmark").setLevel(logging.ERROR if quiet else logging.NOTSET)
    if verbose:
        from zotmark.presentation.logs import configure_logging

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


def _user_config_file() -> str:
    """The user's own config file, ``~`` for the home directory (for the help text)."""
    from pathlib import Path

    from zotmark.config_paths import user_config_path

    path, home = user_config_path(), Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


CONFIG_HELP = "The config file (default: ./zotmark.toml if it exists, else {user_file})."
"""The help of ``--config``; the user's file is found (platformdirs) only when the help or a
completion shows it (:class:`_Command`), not on every run (issue 16: ~13M instructions)."""

CONFIG_OPTION = typer.Option(
    None, "--config", "-c", metavar="FILE", help=CONFIG_HELP, show_default=False
)
LIST_OPTION = typer.Option(None, "--list", metavar="NAME", help="Only this list.")
JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document.")


def load(config: str | None) -> "Config":
    """The config at ``config`` (or the default one), its warnings printed on stderr unless
    ``--quiet``."""
    from pathlib import Path

    from zotmark.config import load_config

    loaded = load_config(Path(config) if config else None)
    for warning in [] if OUTPUT.quiet else loaded.warnings():
        echo(WARNING, f" {warning}", err=True)
    return loaded


@contextmanager
def state_store(
    config: "Config",
) -> Iterator[tuple["StateStore", Callable[["ListSettings"], str]]]:
    """The state store of ``config``'s state directory, open for the block, with the function
    that names a list's state in it (:func:`~zotmark.sync.places.list_key`, which moves state
    an older zotmark kept under the list's bare name)."""
    from zotmark.state import SqliteStateStore
    from zotmark.sync.places import list_key, state_dir

    with SqliteStateStore.in_dir(state_dir(config)) as store:
        yield store, lambda settings: list_key(config, settings, store)
