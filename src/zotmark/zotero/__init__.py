"""The Zotero side: pyzotero adapter and the item <-> Entry mapping."""
