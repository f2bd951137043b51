"""``python -m zotmark.cli``: the same as the ``zotmark`` command."""

from zotmark.cli.main import entrypoint

entrypoint()
