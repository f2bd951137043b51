"""A local Zotero Web API v3 server for tests, the demo and offline trials."""
