"""The sync engine: it decides, executes and records (after vdirsyncer's ``sync`` package).

- :mod:`~zotmark.sync.engine`: one run of one list (:class:`~zotmark.sync.engine.ListRunner`):
  read both sides, plan (``core.planner``), carry out the plan, record what landed.
- :mod:`~zotmark.sync.report`: what one run planned and did
  (:class:`~zotmark.sync.report.RunReport`).
- :mod:`~zotmark.sync.status`: the run's working status, where the outcomes are recorded as
  they land, and the snapshot of the library the state keeps.
- :mod:`~zotmark.sync.writes`: from a plan to the Zotero port's writes, and from their
  outcomes to refusals.
- :mod:`~zotmark.sync.document`: the list file as a run sees it.
- :mod:`~zotmark.sync.metadata`: metadata for new items (an imported ``.bib``, enrichment).
- :mod:`~zotmark.sync.bibliography`: a list's BibTeX export and import.
- :mod:`~zotmark.sync.session`: from a configuration to runnable lists (the wiring).
- :mod:`~zotmark.sync.progress`: how a long run's reads and writes advance (the CLI's bars).
- :mod:`~zotmark.sync.library_ids`: the user library id of each API key, remembered.

The engine talks to Zotero only through :class:`zotmark.core.port.Library`.
"""
