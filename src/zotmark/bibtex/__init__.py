"""BibTeX export and import with stable citation keys.

Export: :func:`assign_keys` (explicit, pinned, generated keys; distinct and deterministic),
:func:`export_bibtex` (the text), :func:`write_if_changed` (atomic), or all three at once with
:func:`export_bib_file`. Import: :func:`import_bib` (text -> entries and problems by line), or
:func:`read_bib_file` for a path (any encoding, never an error for bad content).
"""

from zotmark.bibtex.export import export_bibtex
from zotmark.bibtex.files import ExportReport, export_bib_file, read_bib_file, write_if_changed
from zotmark.bibtex.importer import BibEntry, ImportResult, decode_bib, import_bib
from zotmark.bibtex.keys import assign_keys, explicit_key, generate_key
from zotmark.bibtex.scanner import Problem

__all__ = [
    "BibEntry",
    "ExportReport",
    "ImportResult",
    "Problem",
    "assign_keys",
    "decode_bib",
    "explicit_key",
    "export_bib_file",
    "export_bibtex",
    "generate_key",
    "import_bib",
    "read_bib_file",
    "write_if_changed",
]
