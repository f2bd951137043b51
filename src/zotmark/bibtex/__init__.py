"""BibTeX export and import with stable citation keys.

Export: :func:`~zotmark.bibtex.keys.assign_keys` (explicit, pinned, generated keys; distinct
and deterministic; the formula in :mod:`zotmark.bibtex.formula`),
:func:`~zotmark.bibtex.export.export_bibtex` (the text),
:func:`~zotmark.bibtex.files.write_if_changed` (atomic), or all three at once with
:func:`~zotmark.bibtex.files.export_bib_file`. Import:
:func:`~zotmark.bibtex.importer.import_bib` (text -> entries and problems by line), or
:func:`~zotmark.bibtex.files.read_bib_file` for a path (any encoding, never an error for bad
content).

The package imports none of its modules: a sync run that gives citation keys imports
``keys`` and ``formula`` alone, not the export and import machinery (30 ms of a run's
start-up, ``python -X importtime``).
"""
