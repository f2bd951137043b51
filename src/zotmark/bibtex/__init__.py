"""BibTeX export and import with stable citation keys."""
