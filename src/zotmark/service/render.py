"""Plans, run reports and list status as words (for people) and as JSON-ready values.

Pure formatting: no I/O. ``cli.py`` prints what these return.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from zotmark.config import ListSettings
from zotmark.core.actions import (
    AdoptItem,
    CreateItem,
    FileAction,
    InsertEntry,
    Plan,
    RemoveEntry,
    RemoveItem,
    SetAnchor,
    SetBox,
    SetTitle,
    StrikeEntry,
    UpdateItem,
    ZoteroAction,
)
from zotmark.errors import RefusedError
from zotmark.printable import printable
from zotmark.service.runner import RunReport
from zotmark.state import ListState

TITLE_CHARS = 60
"""How much of a title a line shows."""


def short(title: str) -> str:
    """``title`` cut to :data:`TITLE_CHARS` characters (with an ellipsis when cut), safe to
    print (:func:`~zotmark.printable.printable`)."""
    return printable(title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…")


def zotero_line(action: ZoteroAction) -> str:
    """One Zotero action in words."""
    if isinstance(action, CreateItem):
        tags = f" tagged {', '.join(sorted(action.tags))}" if action.tags else ""
        return f"create {action.key} “{short(action.entry.title)}”{tags}"
    if isinstance(action, AdoptItem):
        return f"add {action.key} “{short(action.entry.title)}” to the collection"
    if isinstance(action, RemoveItem):
        return f"{'trash' if action.trash else 'remove from the collection'} {action.key}"
    return _update_line(action)


def _update_line(action: UpdateItem) -> str:
    parts = [f"+{t}" for t in sorted(action.add_tags)]
    parts += [f"-{t}" for t in sorted(action.remove_tags)]
    if action.title is not None:
        parts.append(f"title “{short(action.title)}”")
    if action.url is not None:
        parts.append(f"url {printable(action.url)}")
    return f"update {action.key}: {' '.join(parts)}"


def file_line(action: FileAction) -> str:
    """One file action in words."""
    if isinstance(action, SetBox):
        box = "read box" if action.flag is None else f"“{action.flag}” box"
        return f"line {action.line}: {'tick' if action.checked else 'untick'} the {box}"
    if isinstance(action, SetAnchor):
        return f"line {action.line}: anchor to {action.key}"
    if isinstance(action, SetTitle):
        return f"line {action.line}: retitle to “{short(action.title)}”"
    if isinstance(action, InsertEntry):
        return f"append “{short(action.title)}” ({action.key})"
    if isinstance(action, StrikeEntry):
        return f"line {action.line}: strike through (gone from Zotero)"
    assert isinstance(action, RemoveEntry)
    return f"line {action.line}: remove (gone from Zotero)"


def plan_lines(plan: Plan, *, notes: bool = True) -> list[str]:
    """The whole plan, one line per action, Zotero first; conflicts and (unless ``notes`` is
    false) notes after."""
    lines = [f"zotero: {zotero_line(a)}" for a in plan.zotero]
    lines += [f"file:   {file_line(a)}" for a in plan.file]
    for conflict in plan.conflicts:
        outcome = f"{conflict.winner} wins" if conflict.winner else "unresolved"
        lines.append(
            f"conflict: {conflict.key} {conflict.field}: file {conflict.markdown!r}, "
            f"Zotero {conflict.zotero!r} ({outcome})"
        )
    lines += [f"note: {note}" for note in plan.notes] if notes else []
    return lines


def refusal_lines(report: RunReport) -> list[str]:
    """Each change of the run that did not reach Zotero, with its entry's line and what the
    server said (refusals first, then transient failures)."""
    return _refused_lines(report) + _failed_lines(report)


def _refused_lines(report: RunReport) -> list[str]:
    return [f"line {r.line} “{short(r.title)}”: {printable(r.message)}" for r in report.refused]


def _failed_lines(report: RunReport) -> list[str]:
    lines = []
    for key, reason in sorted((report.failed or {}).items()):
        line = report.plan.lines.get(key)
        where = f"line {line} ({key})" if line else f"item {key}"
        lines.append(f"{where}: {printable(reason)}; retried on the next run")
    return lines


def refused_error(reports: list[RunReport]) -> RefusedError | None:
    """The error a command ends with when changes of its runs did not reach Zotero: those
    Zotero refused (held until their entries change), then those that failed for now."""
    parts = []
    for lines_of, what, then in (
        (
            _refused_lines,
            "refused by Zotero",
            "A refused change is not sent again until its entry changes (e.g. shorten an "
            "over-long title):",
        ),
        (_failed_lines, "not written", "They are sent again on the next run:"),
    ):
        lines = [f"  {r.list_name}: {line}" for r in reports for line in lines_of(r)]
        if lines:
            said = "1 change was" if len(lines) == 1 else f"{len(lines)} changes were"
            parts.append(f"{said} {what}; everything else is in sync. {then}\n" + "\n".join(lines))
    return RefusedError("\n".join(parts)) if parts else None


def report_json(report: RunReport) -> dict[str, Any]:
    """A run report as JSON-ready values."""
    plan = report.plan
    return {
        "list": report.list_name,
        "dry_run": report.dry_run,
        "zotero_actions": [zotero_line(a) for a in plan.zotero],
        "file_actions": [file_line(a) for a in plan.file],
        "conflicts": [
            {
                "key": c.key,
                "field": c.field,
                "markdown": c.markdown,
                "zotero": c.zotero,
                "winner": c.winner,
            }
            for c in plan.conflicts
        ],
        "notes": list(plan.notes),
        "created": report.created,
        "updated": report.updated,
        "failed": dict(report.failed or {}),
        "refused": [r._asdict() for r in report.refused],
        "file_changed": report.file_changed,
        "requests": report.requests,
        "library_version": report.library_version,
    }


def status_json(settings: ListSettings, state: ListState) -> dict[str, Any]:
    """One list's status as JSON-ready values: the list's name and file, then its state."""
    return {
        "list": settings.name,
        "file": str(settings.file),
        "collection": settings.collection,
        "library_version": state.library_version,
        "refused": [r._asdict() for r in sorted(state.refused.values(), key=lambda r: r.line)],
        "synced_entries": len(state.records),
        "pending_creates": len(state.pending),
        "last_run": asdict(state.last_run) if state.last_run else None,
        "last_success": asdict(state.last_success) if state.last_success else None,
        "daemon": {
            k.removeprefix("daemon."): v for k, v in state.meta.items() if k.startswith("daemon.")
        },
    }


def status_lines(state: dict[str, Any]) -> list[str]:
    """One list's status (a :func:`status_json` value, its daemon marked stale or not) in
    words: a headline, then indented details."""
    last = state["last_run"] or {}
    outcome = "never run" if not last else ("ok" if last["ok"] else "FAILED")
    lines = [f"{state['list']} ({state['file']}): last run {outcome}"]
    if last:
        lines.append(f"  finished {last['finished_at']}: {last['summary'] or ''}")
        if last.get("error"):
            lines.append(f"  error: {last['error']}")
    lines.append(
        f"  {state['synced_entries']} synced entries, {state['pending_creates']} pending "
        f"creates, library version {state['library_version']}"
    )
    for refusal in state.get("refused", ()):
        lines.append(
            f"  refused: line {refusal['line']} “{short(refusal['title'])}”: "
            f"{printable(refusal['message'])}"
        )
    if state["daemon"]:
        lines.append(f"  daemon: {daemon_line(state['daemon'])}")
    return lines


def daemon_line(daemon: dict[str, Any]) -> str:
    """The daemon's heartbeat in words (``zotmark status``)."""
    if daemon.get("state") == "stopped":
        return f"stopped at {daemon.get('heartbeat', '?')}"
    line = f"running (pid {daemon.get('pid', '?')}), heartbeat {daemon.get('heartbeat', '?')}"
    if daemon.get("stale"):
        line += " — STALE: no heartbeat for too long; is the daemon stuck or killed?"
    if daemon.get("next_poll"):
        line += f", next poll {daemon['next_poll']}"
    if daemon.get("last_error"):
        line += f"; last error at {daemon.get('last_error_at', '?')}: {daemon['last_error']}"
    return line
