"""Plans, run reports and list status as words (for people) and as JSON-ready values.

Pure formatting: no I/O. The CLI prints what these return; the daemon logs the refusals. The
action classes are imported where an action is worded: a run that planned nothing (a no-op
sync) words none, and loads none (issue 16).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from zotmark.errors import RefusedError
from zotmark.printable import printable
from zotmark.sync.places import PUBLISHED

if TYPE_CHECKING:  # (types only: `zotmark status` loads no engine, issue 16)
    from zotmark.config import ListSettings
    from zotmark.core.actions import FileAction, UpdateItem, ZoteroAction
    from zotmark.core.plan import Plan
    from zotmark.state.model import ListState
    from zotmark.sync.report import RunReport

TITLE_CHARS = 60
"""How much of a title a line shows."""


def short(title: str) -> str:
    """``title`` cut to :data:`TITLE_CHARS` characters (with an ellipsis when cut), safe to
    print (:func:`~zotmark.printable.printable`)."""
    return printable(title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…")


def zotero_line(action: ZoteroAction, *, new_keys: bool = True) -> str:
    """One Zotero action in words (a new item without its key unless ``new_keys``)."""
    from zotmark.core.actions import AdoptItem, CreateItem, RemoveItem

    if isinstance(action, CreateItem):
        tags = f" tagged {', '.join(sorted(action.tags))}" if action.tags else ""
        tags += f" status “{printable(action.status)}”" if action.status else ""
        key = f"{action.key} " if new_keys else ""
        return f"create {key}“{short(action.entry.title)}”{tags}"
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
    if action.status is not None:
        parts.append(f"status “{printable(action.status)}”")
    return f"update {action.key}: {' '.join(parts)}"


def file_line(action: FileAction, new: frozenset[str] = frozenset()) -> str:
    """One file action in words; an anchor to an item of ``new`` (created by the run, its key
    not shown) says so instead of naming the key."""
    from zotmark.core.actions import (
        InsertEntry,
        RemoveEntry,
        SetAnchor,
        SetBox,
        SetTitle,
        StrikeEntry,
    )

    if isinstance(action, SetBox):
        if action.flag is None:
            from zotmark.core.states import NAMES

            name = NAMES[action.marker]
            return f"line {action.line}: mark the box [{action.marker}] ({name})"
        verb = "untick" if action.marker == " " else "tick"
        return f"line {action.line}: {verb} the “{action.flag}” box"
    if isinstance(action, SetAnchor):
        target = "its new item" if action.key in new else action.key
        return f"line {action.line}: anchor to {target}"
    if isinstance(action, SetTitle):
        return f"line {action.line}: retitle to “{short(action.title)}”"
    if isinstance(action, InsertEntry):
        return f"append “{short(action.title)}” ({action.key})"
    if isinstance(action, StrikeEntry):
        return f"line {action.line}: strike through (gone from Zotero)"
    assert isinstance(action, RemoveEntry)
    return f"line {action.line}: remove (gone from Zotero)"


def _created(plan: Plan) -> frozenset[str]:
    """The keys of the items ``plan`` creates."""
    from zotmark.core.actions import CreateItem

    return frozenset(a.key for a in plan.zotero if isinstance(a, CreateItem))


def plan_lines(plan: Plan, *, notes: bool = True, new_keys: bool = True) -> list[str]:
    """The whole plan, one line per action, Zotero first; conflicts and (unless ``notes`` is
    false) notes after. Without ``new_keys`` the keys of items still to be created are left
    out: a dry run's keys are not the ones the real run picks."""
    new = frozenset() if new_keys else _created(plan)
    lines = [f"zotero: {zotero_line(a, new_keys=new_keys)}" for a in plan.zotero]
    lines += [f"file:   {file_line(a, new)}" for a in plan.file]
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
    keys = not report.dry_run  # a dry run's new keys are not the ones the real run picks
    new = frozenset() if keys else _created(plan)
    return {
        "list": report.list_name,
        "dry_run": report.dry_run,
        "zotero_actions": [zotero_line(a, new_keys=keys) for a in plan.zotero],
        "file_actions": [file_line(a, new) for a in plan.file],
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
        "published": published_json(state.meta.get(PUBLISHED)),
    }


def published_json(text: str | None) -> list[dict[str, str]]:
    """The list's preprints found published (the state's record, ``None`` for none), in
    preprint order: the preprint, its item, the published DOI and venue, and what the policy
    did (``done``: ``update``, ``relate`` or "" for nothing yet; ``related``: the related item)."""
    if not text:
        return []
    from zotmark.enrich.published import decode

    return [
        {
            "preprint": p.preprint,
            "item": p.item_key,
            "doi": p.doi,
            "venue": p.venue,
            "done": p.done,
            "related": p.related_key,
        }
        for _, p in sorted(decode(text).items())
    ]


def counted(count: int, one: str, many: str | None = None) -> str:
    """``count`` with its noun, singular or plural: ``1 request``, ``3 requests``."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _when(value: str | None) -> datetime | None:
    """An ISO 8601 time of the state (``None`` when missing or unreadable)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def relative(value: str | None, now: datetime) -> str:
    """An ISO time as a person reads it, against ``now``: ``just now``, ``40 s ago``,
    ``3 min ago``, ``2 h ago``, ``5 days ago``, or ``in 40 s`` for a time to come;
    ``?`` when unknown."""
    when = _when(value)
    if when is None:
        return value or "?"
    seconds = (now - when).total_seconds()
    if abs(seconds) < 1.5:
        return "just now"
    span = abs(seconds)
    if span < 59.5:
        words = f"{span:.0f} s"
    elif span < 90 * 60:
        words = f"{span / 60:.0f} min"
    elif span < 36 * 3600:
        words = f"{span / 3600:.0f} h"
    else:
        words = counted(round(span / 86400), "day")
    return f"{words} ago" if seconds > 0 else f"in {words}"


def status_lines(state: dict[str, Any], now: datetime) -> list[str]:
    """One list's status (a :func:`status_json` value, its daemon marked stale or gone, or
    not) in words, times relative to ``now``: a headline, then indented details."""
    last = state["last_run"] or {}
    name = f"{state['list']} ({state['file']})"
    if not last:
        lines = [f"{name}: never synced yet (`zotmark sync` does the first sync)"]
    else:
        outcome = "ok" if last["ok"] else "FAILED"
        lines = [f"{name}: last run {relative(last['finished_at'], now)}, {outcome}"]
        if last.get("summary"):
            lines.append(f"  {last['summary']}")
        if not last["ok"]:
            if last.get("error"):
                lines.append(f"  error: {printable(last['error'])}")
            success = state.get("last_success") or {}
            since = relative(success.get("finished_at"), now) if success else "never"
            lines.append(f"  last good run: {since}")
    lines.append(
        f"  {counted(state['synced_entries'], 'synced entry', 'synced entries')}, "
        f"{counted(state['pending_creates'], 'pending create')}, "
        f"library version {state['library_version']}"
    )
    for refusal in state.get("refused", ()):
        lines.append(
            f"  refused: line {refusal['line']} “{short(refusal['title'])}”: "
            f"{printable(refusal['message'])}"
        )
    for found in state.get("published", ()):
        lines.append(f"  {published_line(found)}")
    if state["daemon"]:
        success = (state.get("last_success") or {}).get("finished_at")
        lines.append(f"  daemon: {daemon_line(state['daemon'], now, last_success=success)}")
    return lines


def published_line(found: dict[str, str]) -> str:
    """One preprint found published, in words: ``published: arXiv 2105.07581 → DOI
    10.1609/… (venue), item updated``."""
    kind, _, ident = found["preprint"].partition(":")
    preprint = f"arXiv {ident}" if kind == "arxiv" else f"DOI {ident}"
    venue = f" ({printable(found['venue'])})" if found["venue"] else ""
    done = {
        "update": ", item updated",
        "relate": f", related item {found['related']}",
        "refused": ", Zotero refused the change",
        "gone": ", its item was deleted",
    }
    return (
        f"published: {preprint} → DOI {printable(found['doi'])}{venue}{done.get(found['done'], '')}"
    )


def daemon_line(daemon: dict[str, Any], now: datetime, *, last_success: str | None = None) -> str:
    """The daemon's heartbeat in words (``zotmark status``), times relative to ``now``. Its
    last error is left out once a run succeeded after it (``last_success``)."""
    beat = relative(daemon.get("heartbeat"), now)
    pid = daemon.get("pid") or "?"
    if daemon.get("state") == "stopped":
        return f"stopped {beat}"
    if daemon.get("gone"):
        return (
            f"not running: its process (pid {pid}) is gone (killed or crashed); last heartbeat "
            f"{beat}. Start it again"
        )
    line = f"running (pid {pid}), last heartbeat {beat}"
    if daemon.get("stale"):
        line += " — STALE: no heartbeat for too long; is the daemon stuck or killed?"
    elif daemon.get("next_poll"):
        line += f", next poll {relative(daemon['next_poll'], now)}"
    error_at, success_at = _when(daemon.get("last_error_at")), _when(last_success)
    if daemon.get("last_error") and not (error_at and success_at and success_at > error_at):
        when = relative(daemon.get("last_error_at"), now)
        line += f"; last error {when}: {printable(daemon['last_error'])}"
    return line
