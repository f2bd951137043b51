"""What zotmark shows: plans, run reports and list status as words and JSON (:mod:`.render`)
and the ``key=value`` log format (:mod:`.logs`).

Shared by the CLI, the daemon's log and setup, so it sits below all three and above the
engine whose reports it words; it prints nothing itself.
"""
