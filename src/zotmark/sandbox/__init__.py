"""A local Zotero Web API v3 server for tests, the demo and offline trials.

``with start_sandbox() as sandbox:`` serves the API at ``sandbox.url`` (pyzotero works with
``zot.endpoint = sandbox.url``) and the streaming API at ``sandbox.stream_url``; ``zotmark
sandbox`` runs the same server from the command line. Behaviour follows the real dataserver as
recorded in ``tests/fixtures/recordings/dataserver-session.jsonl``.
"""

from __future__ import annotations

from zotmark.sandbox.faults import FaultSpecError, parse_spec
from zotmark.sandbox.harness import Identity, Sandbox, start_sandbox

__all__ = ["FaultSpecError", "Identity", "Sandbox", "parse_spec", "start_sandbox"]
