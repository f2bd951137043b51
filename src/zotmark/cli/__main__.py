"""``python -m zotmark.cli``: the same as the ``zotmark`` command."""

from zotmark.cli.entry import entrypoint

entrypoint()
