"""The reading-list document: lossless parse, surgical patches, atomic write.

:func:`~zotmark.markdown.parser.parse` reads a list into a
:class:`~zotmark.markdown.document.Document` (``render`` gives the text back unchanged); the
functions of :mod:`zotmark.markdown.patch` turn intended changes into ``Edit`` values that
``apply`` applies together; :class:`~zotmark.markdown.files.ListFile` reads a list with its
fingerprint and replaces it atomically only if it did not change meanwhile.

The package imports none of its modules: a caller imports the one it uses (a no-op sync
hashes its list with :mod:`~zotmark.markdown.files` and loads no parser; issue 16).
"""
