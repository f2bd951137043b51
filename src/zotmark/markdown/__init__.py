"""The reading-list document: lossless parse, surgical patches, atomic write.

``parse`` reads a list into a :class:`Document` (``render`` gives the text back unchanged);
the functions of :mod:`zotmark.markdown.patch` turn intended changes into :class:`Edit` values
that ``apply`` applies together; :class:`ListFile` reads a list with its fingerprint and
replaces it atomically only if it did not change meanwhile.
"""

from zotmark.markdown.compose import NewEntry
from zotmark.markdown.document import Document, ListEntry, ParseWarning, Section, render
from zotmark.markdown.files import Fingerprint, ListFile
from zotmark.markdown.parser import DEFAULT_FLAGS, parse
from zotmark.markdown.patch import Edit, apply
from zotmark.markdown.style import Style, detect_style

__all__ = [
    "DEFAULT_FLAGS",
    "Document",
    "Edit",
    "Fingerprint",
    "ListEntry",
    "ListFile",
    "NewEntry",
    "ParseWarning",
    "Section",
    "Style",
    "apply",
    "detect_style",
    "parse",
    "render",
]
