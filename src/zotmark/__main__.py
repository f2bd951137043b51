"""``python -m zotmark``: the same as the ``zotmark`` command."""

from zotmark.cli import entrypoint

entrypoint()
