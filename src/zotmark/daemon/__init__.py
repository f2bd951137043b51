"""``zotmark daemon``: keep every configured list in sync until SIGINT/SIGTERM.

:mod:`.daemon` wires the parts: the file watcher (:mod:`.watcher`), the run scheduler
(:mod:`.scheduler`), the Zotero streaming listener (:mod:`.stream`), the heartbeat
(:mod:`.heartbeat`) and the guard that keeps a dead thread from going unnoticed
(:mod:`.threads`). The engine that one run calls lives below, in :mod:`zotmark.sync`.
"""
