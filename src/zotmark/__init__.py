"""zotmark: two-way sync between a Markdown reading list and a Zotero collection."""

__version__ = "0.1.0"
