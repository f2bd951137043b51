"""The sync engine and its wiring: the runner, the two sides, the session (``open_session``).

The daemon is :mod:`zotmark.daemon`, setup :mod:`zotmark.setup`, the words
:mod:`zotmark.presentation`.
"""
