"""The durable sync state: SQLite store and its in-memory twin."""
