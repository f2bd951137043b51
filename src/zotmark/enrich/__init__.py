"""Metadata enrichment from arXiv and Crossref."""
