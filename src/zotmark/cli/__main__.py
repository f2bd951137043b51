"""``python -m zotmark.cli``: the same as the ``zotmark`` command."""

from zotmark.cli.app import entrypoint

entrypoint()
