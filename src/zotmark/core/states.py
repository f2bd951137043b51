"""Reading states: what an entry's own box says, and how Zotero keeps it.

Pure: no I/O. A state is the marker of the box that states it (Obsidian Tasks' convention):
``" "`` to do, ``"/"`` in progress, ``"x"`` done (``"X"`` in a file says the same), ``"-"``
cancelled. Any other one-character marker (``[>]``, ``[?]``, …) is a state zotmark does not
know: its box is left alone, no state is pushed for it, and ``zotmark check`` reports it.

Zotero keeps the state in one of two stores (``Policy.status_store``):

* ``"tags"``: ``read_tag`` for done, ``in_progress_tag``, ``cancelled_tag``; no status tag
  is to do. An item carrying several reads as the first of done, cancelled, in progress. A
  write sets exactly one status tag (none for to do) and removes the others.
* ``"reading-list-plugin"``: the Zotero Reading List plugin's ``Read_Status: <name>`` line in
  the item's ``extra`` field (:func:`plugin_status`); the names map to states by
  ``Policy.plugin_statuses`` (name → marker; the first name of a state is the one written).
  An item with no status reads as to do; a name the policy does not map is a state unknown.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zotmark.core.item import Item
    from zotmark.core.plan import Policy

TODO, IN_PROGRESS, DONE, CANCELLED = " ", "/", "x", "-"
"""The four states zotmark syncs, each the marker that states it in a box."""

STATES = frozenset((TODO, IN_PROGRESS, DONE, CANCELLED))

_KNOWN = {" ": TODO, "/": IN_PROGRESS, "x": DONE, "X": DONE, "-": CANCELLED}

NAMES = {TODO: "to do", IN_PROGRESS: "in progress", DONE: "done", CANCELLED: "cancelled"}
"""Each state's name for people (and in the config: ``plugin_statuses``' values)."""


def known(marker: str) -> str | None:
    """The state ``marker`` states (``"X"`` is done), or ``None`` for a marker zotmark does
    not know."""
    return _KNOWN.get(marker)


def item_state(item: Item, policy: Policy) -> str | None:
    """The state ``item`` is in as the policy's store keeps it (``None``: a plugin status
    the policy does not map, which zotmark leaves alone)."""
    if policy.status_store == "tags":
        tags = item.tags
        if policy.read_tag in tags:
            return DONE
        if policy.cancelled_tag in tags:
            return CANCELLED
        return IN_PROGRESS if policy.in_progress_tag in tags else TODO
    name = plugin_status(item.extra) if item.extra else None
    if name is None:
        return TODO
    folded = name.casefold()
    for known_name, state in policy.plugin_statuses:
        if known_name.casefold() == folded:
            return state
    return None


def status_tags(policy: Policy) -> tuple[str, str, str]:
    """The tags of the tag store: done, in progress, cancelled."""
    return policy.read_tag, policy.in_progress_tag, policy.cancelled_tag


def state_tag(state: str, policy: Policy) -> str | None:
    """The tag that says ``state`` in the tag store (``None`` for to do: no tag)."""
    if state == DONE:
        return policy.read_tag
    if state == IN_PROGRESS:
        return policy.in_progress_tag
    return policy.cancelled_tag if state == CANCELLED else None


def plugin_name(state: str, policy: Policy) -> str:
    """The plugin status name zotmark writes for ``state``: the first the policy maps to it."""
    return next(name for name, mapped in policy.plugin_statuses if mapped == state)


# --- the Reading List plugin's lines in ``extra`` -----------------------------------------
# As its src/utils/extraField.ts reads and writes them: the text split at "\n" alone, a line
# matching ``^Read_Status:(.+)$`` case-insensitively (JavaScript's "." matches no "\r", so a
# CRLF line is no status line to it, nor here), its value trimmed; a status is set by dropping
# the old line(s) and appending "\nRead_Status: value", then the same for Read_Status_Date.

STATUS_FIELD, DATE_FIELD = "Read_Status", "Read_Status_Date"
_LINE_VALUE = r":([^\n\r\u2028\u2029]+)"
_STATUS_LINE = re.compile(STATUS_FIELD + _LINE_VALUE, re.IGNORECASE)
_DATE_LINE = re.compile(DATE_FIELD + _LINE_VALUE, re.IGNORECASE)


def plugin_status(extra: str) -> str | None:
    """The plugin's status in ``extra``: the value of its one ``Read_Status:`` line (``None``
    when there is none, or more than one: the plugin shows no status then)."""
    if "status" not in extra.lower():
        return None
    found = [m[1].strip() for line in extra.split("\n") if (m := _STATUS_LINE.fullmatch(line))]
    return found[0] if len(found) == 1 else None


def with_plugin_status(extra: str, name: str, stamp: str) -> str:
    """``extra`` with its status set to ``name`` at ``stamp`` (``Read_Status_Date``, an ISO
    time as the plugin writes it: :func:`plugin_stamp`), as the plugin sets them: every other
    line is kept byte for byte, the old status and date lines dropped, the new ones appended
    (to an ``extra`` left empty without the plugin's leading newline, which Zotero trims)."""
    lines = ((_STATUS_LINE, STATUS_FIELD, name), (_DATE_LINE, DATE_FIELD, stamp))
    for pattern, field, value in lines:
        rest = "\n".join(line for line in extra.split("\n") if not pattern.fullmatch(line))
        extra = f"{rest}\n{field}: {value.strip()}" if rest else f"{field}: {value.strip()}"
    return extra


def plugin_stamp(now: datetime) -> str:
    """``now`` as the plugin writes ``Read_Status_Date`` (JavaScript's ``toISOString``: UTC,
    milliseconds, ``Z``)."""
    utc = now.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
