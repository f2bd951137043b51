"""Timestamps as the real server reads and writes them (dataserver ``Zotero_Date``).

``dateAdded``/``dateModified`` take an SQL date-time (``YYYY-MM-DD hh:mm:ss``, UTC) or ISO 8601
with a zone (``2014-02-01T01:23:45Z``, ``…-0400``, ``…+02:00``); ``accessDate`` also takes an
SQL date or ``CURRENT_TIMESTAMP``. Whatever the form, the stored value is UTC
``YYYY-MM-DDThh:mm:ssZ`` (an offset is converted, not dropped).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_SQL_DATE = re.compile(r"^-?\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_SQL_DATETIME = re.compile(
    r"^-?\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$"
)
_ISO8601 = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:Z|([+-])(\d\d):?(\d\d))$", re.IGNORECASE
)


def is_sql_date(value: object) -> bool:
    return isinstance(value, str) and bool(_SQL_DATE.match(value))


def is_sql_datetime(value: object) -> bool:
    return isinstance(value, str) and bool(_SQL_DATETIME.match(value))


def is_iso8601(value: object) -> bool:
    """ISO 8601 as PHP's ``DateTime::ISO8601`` reads it: date, time and a zone."""
    return isinstance(value, str) and _parse_iso(value) is not None


def _parse_iso(value: str) -> datetime | None:
    match = _ISO8601.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(p) for p in match.groups()[:6])
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
    sign, off_hours, off_minutes = match.group(7), match.group(8), match.group(9)
    if sign:
        offset = timedelta(hours=int(off_hours), minutes=int(off_minutes))
        moment = moment - offset if sign == "+" else moment + offset
    return moment


def is_timestamp(value: object) -> bool:
    """An acceptable ``dateAdded``/``dateModified``."""
    return is_sql_datetime(value) or is_iso8601(value)


def format_utc(moment: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ``, the form the Zotero API uses for ``dateAdded``/``dateModified``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_utc(value: str) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` for an SQL date, SQL date-time or ISO 8601 timestamp."""
    text = value.strip()
    if is_sql_date(text):
        return f"{text}T00:00:00Z"
    if is_sql_datetime(text):
        return text.replace(" ", "T") + "Z"
    moment = _parse_iso(text)
    if moment is not None:
        return format_utc(moment)
    return text
