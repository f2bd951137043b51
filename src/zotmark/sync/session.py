"""The sync session: from a loaded configuration to runnable lists, with production defaults.

:func:`open_session` is what ``zotmark sync`` and the daemon call: it takes the state-dir lock,
opens the state store and one Zotero client per library the lists live in (``[zotero]``'s, or a
list's own ``library_type``/``library_id``), and :meth:`Session.sync` runs each selected list.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from zotmark.config import Config, LibraryRef, ListSettings
from zotmark.core.plan import Policy
from zotmark.errors import ZotmarkError
from zotmark.state.lock import StateLock
from zotmark.state.sqlite import SqliteStateStore
from zotmark.sync import library_ids
from zotmark.sync.document import BeforeWrite, ListDocument
from zotmark.sync.engine import ListRunner
from zotmark.sync.metadata import new_item_hook
from zotmark.sync.places import (
    ENRICH_CACHE,
    PUBLISHED_NEXT,
    PUBLISHED_TODO,
    list_key,
    state_dir,
)
from zotmark.sync.report import RunReport

if TYPE_CHECKING:  # imported where used: a run without enrichment, progress or BibTeX needs none
    from pathlib import Path

    from zotmark.enrich import Enricher
    from zotmark.enrich.published import Publication
    from zotmark.state.store import StateStore
    from zotmark.sync.progress import ProgressHook
    from zotmark.sync.writes import NewItemHook
    from zotmark.zotero.client import ZoteroClient

log = logging.getLogger("zotmark.session")

ClientFactory = Callable[[Config], "ZoteroClient"]
"""Makes the client of the library ``[zotero]`` names (a list in another library gets a
factory call with :meth:`Config.for_library` of its library)."""


def policy_for(settings: ListSettings, *, force_delete: bool = False) -> Policy:
    """The planner's policy for one configured list."""
    return Policy(
        collection=settings.collection,
        read_tag=settings.read_tag,
        in_progress_tag=settings.in_progress_tag,
        cancelled_tag=settings.cancelled_tag,
        status_store=settings.status_store,
        plugin_statuses=tuple((name, box[1]) for name, box in settings.plugin_statuses.items()),
        flag_tags=tuple(settings.flags.values()),
        conflict=settings.conflict,
        on_markdown_delete=settings.on_markdown_delete,
        on_zotero_delete=settings.on_zotero_delete,
        anchors=settings.anchors,
        max_delete_fraction=float(settings.max_delete_fraction),
        force_delete=force_delete,
        new_items_heading=settings.new_items_heading,
    )


def default_client(config: Config) -> ZoteroClient:
    """The production client for the configured library (a user library configured without
    an id uses the one remembered for this key, see :mod:`library_ids`)."""
    zotero = config.zotero
    key = config.api_key().reveal()
    library_id = zotero.library_id
    if not library_id and zotero.library_type == "user":
        library_id = library_ids.remembered(state_dir(config), zotero.base_url, key)
    from zotmark.zotero.client import ZoteroClient

    return ZoteroClient(zotero.library_type, library_id, key, zotero.base_url)


class Session:
    """What a command needs for a run of several lists: one store, one client per library.

    ``progress``, when set, is told how the big reads and writes of a run advance.
    ``run_lock`` is held for each list's run (zotmark processes sharing the state directory
    take turns), waited for up to ``lock_wait`` seconds; ``on_wait`` is told when a run
    waits, with the other process's pid. With ``keep`` (the daemon's session) each list's
    runner is made once and kept, with what it knows of its list (see ``ListRunner.keep``).
    ``enricher`` (made when first needed) follows a list's preprints to their published
    versions after its run, when due (see :meth:`follow`); ``clock`` says when that is.
    """

    def __init__(
        self,
        config: Config,
        store: StateStore,
        clients: Mapping[LibraryRef, ZoteroClient],
        before_write: BeforeWrite | None = None,
        new_item: Callable[[ListSettings], NewItemHook | None] = lambda s: None,
        progress: ProgressHook | None = None,
        run_lock: StateLock | None = None,
        lock_wait: float = 60.0,
        on_wait: Callable[[str | None], None] | None = None,
        keep: bool = False,
        enricher: Callable[[], Enricher] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config, self.store, self.clients = config, store, clients
        self.enricher, self.clock = enricher, clock
        self.before_write, self.new_item, self.progress = before_write, new_item, progress
        self.run_lock, self.lock_wait, self.on_wait, self.keep = run_lock, lock_wait, on_wait, keep
        self._runners: dict[tuple[str, bool], ListRunner] = {}

    @property
    def client(self) -> ZoteroClient:
        """The client of ``[zotero]``'s library (the first list's when no list uses it)."""
        zotero = self.config.zotero
        default = self.clients.get(LibraryRef(zotero.library_type, zotero.library_id))
        return default or self.client_for(self.config.lists[0])

    def client_for(self, settings: ListSettings) -> ZoteroClient:
        """The client of the library the list lives in."""
        return self.clients[self.config.library(settings)]

    def key(self, settings: ListSettings) -> str:
        """The list's name in the state (see :func:`list_key`)."""
        return list_key(self.config, settings, self.store)

    def runner(self, settings: ListSettings, *, force_delete: bool = False) -> ListRunner:
        """The runner of one list (the one kept for it, with ``keep``)."""
        kept = self._runners.get((settings.name, force_delete))
        if kept is not None:
            return kept
        made = self._make_runner(settings, force_delete=force_delete)
        if self.keep:
            self._runners[settings.name, force_delete] = made
        return made

    def release(self, name: str) -> None:
        """Forget the runners kept for list ``name`` and what they hold: its next run makes a
        new one, which reads the list and the state afresh (see ``Daemon``'s renewal)."""
        for key in [key for key in self._runners if key[0] == name]:
            del self._runners[key]

    def _make_runner(self, settings: ListSettings, *, force_delete: bool) -> ListRunner:
        document = ListDocument(
            settings.file,
            settings.flags,
            settings.anchors,
            before_write=self.before_write,
            kept=self.keep,
        )
        from zotmark.zotero.library import ZoteroLibrary

        library = ZoteroLibrary(self.client_for(settings), progress=self.progress)
        return ListRunner(
            settings.name,
            policy_for(settings, force_delete=force_delete),
            library,
            self.store,
            document,
            new_item=self.new_item(settings),
            state_key=self.key(settings),
            keep=self.keep,
            citekey_formula=settings.citekey_formula if settings.citekeys_in_zotero else None,
        )

    def sync(
        self, name: str | None, *, dry_run: bool = False, force_delete: bool = False
    ) -> list[RunReport]:
        """Run the selected lists (all for ``None``) one after another; export each list's
        BibTeX after a run when the list has a ``bibtex`` file (only rewritten on change)."""
        reports = []
        for settings in self.config.select(name):
            with self._turn():
                report = self.runner(settings, force_delete=force_delete).run(dry_run=dry_run)
                if settings.enrich and not dry_run:
                    self.follow(settings)
                if settings.bibtex is not None and not dry_run:
                    from zotmark.sync.bibliography import export_list

                    exported = export_list(self.store, self.key(settings), settings)
                    for line in exported.clash_lines():  # each run, until someone fixes it
                        log.warning("bibtex: %s", line)
            reports.append(report)
        return reports

    def follow(self, settings: ListSettings) -> None:
        """Follow the list's preprints to their published versions
        (:func:`~zotmark.sync.publications.follow`) when a re-check is due or its policy has
        publications to apply; otherwise read two meta values and import nothing. A Zotero
        error on the way is a warning (the list's run succeeded; it is tried again next run)."""
        key = self.key(settings)
        meta = self.store.meta(key, [PUBLISHED_NEXT, PUBLISHED_TODO])
        recheck = settings.published_check_days > 0
        due = recheck and float(meta.get(PUBLISHED_NEXT) or 0) <= self.clock()
        todo = settings.published != "ignore" and meta.get(PUBLISHED_TODO, "0") != "0"
        if self.enricher is None or not (due or todo):
            return
        from zotmark.sync.publications import Follow, follow

        library = self.config.library(settings)
        run = Follow(settings, self.store, key, self.client_for(settings), library.library_type,
                     self.enricher, self.clock)  # fmt: skip
        try:
            follow(run)
        except ZotmarkError as error:  # the list's run succeeded; this is retried next time
            log.warning("published: %s (tried again at the next run)", error)

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """Hold the run lock (when the session has one) for one list's run."""
        if self.run_lock is None:
            yield
            return
        self.run_lock.acquire(wait=self.lock_wait, on_wait=self.on_wait)
        try:
            yield
        finally:
            self.run_lock.release()


def production_hooks(
    config: Config, store: StateStore, enricher: Callable[[], Enricher]
) -> Callable[[ListSettings], NewItemHook | None]:
    """New items take metadata from an imported ``.bib``, else arXiv/Crossref (``enrich``;
    ``enricher`` makes the enricher when a run first needs it). Each batch of creates reads
    only its own papers' meta rows: loading the list's state for them took a 10,000-entry
    first sync from 2.7 to 7.1 s in the daemon (``benchmarks/bench_daemon.py --entries 10000``),
    as its pending creates were all read again for every batch of 50."""

    def for_list(settings: ListSettings) -> NewItemHook:
        key = list_key(config, settings, store)

        def found(publications: list[Publication]) -> None:
            from zotmark.sync.publications import record

            record(store, key, publications)

        return new_item_hook(
            enricher if settings.enrich else None,
            lambda keys: store.meta(key, keys),
            found,
            update=settings.published == "update",
        )

    return for_list


@contextmanager
def open_session(
    config: Config,
    *,
    client_factory: ClientFactory = default_client,
    lock: bool = True,
) -> Iterator[Session]:
    """A session with the store and one client per library the configured lists live in
    (made by ``client_factory``; none sends a request before it is used), whose runs take the
    state directory's lock in turn (unless ``lock=False``)."""
    with ExitStack() as stack:
        directory = state_dir(config)
        store = stack.enter_context(SqliteStateStore.in_dir(directory))
        clients: dict[LibraryRef, ZoteroClient] = {}
        for library in dict.fromkeys(config.library(s) for s in config.lists):
            made = client_factory(
                config if _is_default(config, library) else config.for_library(library)
            )
            clients[library] = stack.enter_context(made)
        enricher = functools.cache(lambda: _enricher(directory / ENRICH_CACHE))
        try:
            hooks = production_hooks(config, store, enricher)
            run_lock = StateLock(directory) if lock else None
            yield Session(
                config, store, clients, new_item=hooks, run_lock=run_lock, enricher=enricher
            )
        finally:
            _remember_user_ids(config, clients, directory)


def _enricher(cache_dir: Path) -> Enricher:
    """The arXiv/Crossref enricher, its cache in ``cache_dir``."""
    from zotmark.enrich import Enricher

    return Enricher(cache_dir=cache_dir)


def _remember_user_ids(
    config: Config, clients: Mapping[LibraryRef, ZoteroClient], directory: Path
) -> None:
    """Keep the user id a client learnt from its key, for the next process."""
    zotero = config.zotero
    client = clients.get(LibraryRef(zotero.library_type, zotero.library_id))
    if client is None or zotero.library_type != "user" or zotero.library_id:
        return
    try:
        key = config.api_key().reveal()
    except ZotmarkError:
        return
    library_ids.remember(directory, zotero.base_url, key, client.library_id)


def _is_default(config: Config, library: LibraryRef) -> bool:
    """Whether ``library`` is the one ``[zotero]`` names."""
    zotero = config.zotero
    return library == LibraryRef(zotero.library_type, zotero.library_id)
