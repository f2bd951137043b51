"""Readers of what a Zotero server answered: the one place that checks an answer's shape.

Every body zotmark reads from the Zotero Web API (its own requests' and pyzotero's reads')
passes one of these readers before anything else looks at it, and so does every
``Last-Modified-Version`` header. A reader returns the value as the rest of zotmark expects it
or raises :class:`BadAnswer` saying what was expected and what came instead ("an HTML page
where JSON was expected", "an object without 'version'"); the
:class:`~zotmark.zotero.connection.Connection` turns that into a
:class:`~zotmark.errors.ProtocolError` that names the server, the request and an excerpt.
Pure: no I/O, nothing raised but :class:`BadAnswer`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

import httpx2

VERSION_HEADER = "Last-Modified-Version"
_HTML_MARKS = ("<!doctype", "<html", "<head", "<body", "<title", "<?xml")
_WRITE_MAPS = ("successful", "success", "unchanged", "failed")


class BadAnswer(ValueError):
    """An answer without the shape the Zotero Web API gives it; the message says what was
    expected and what came instead, in words that can follow "the server sent …"."""


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is (the start of) an HTML or XML page rather than the plain sentence
    the Zotero API sends with an error status (its ``Content-Type`` says ``text/html`` for
    those too, so the body is what tells them apart)."""
    head = text.lstrip()[:1024].lower()
    return head.startswith("<") and any(mark in head for mark in _HTML_MARKS)


def json_body(response: httpx2.Response) -> Any:
    """The body of ``response`` parsed as JSON (any JSON value, ``null`` included)."""
    content = response.content
    if not content.strip():
        raise BadAnswer("an empty body where JSON was expected")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise BadAnswer("a body that is not UTF-8 text where JSON was expected") from None
    if looks_like_html(text):
        raise BadAnswer("an HTML page where JSON was expected")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise BadAnswer("JSON that breaks off before its end, as if cut off") from None
        raise BadAnswer(f"a body that is not JSON ({exc.msg} at character {exc.pos})") from None


def version_header(response: httpx2.Response) -> int:
    """The library (or object) version in the ``Last-Modified-Version`` header, which the
    Zotero API sends with every library-scoped success."""
    value = response.headers.get(VERSION_HEADER)
    if value is None:
        raise BadAnswer(f"no {VERSION_HEADER} header")
    if not value.strip().isdigit():
        raise BadAnswer(f"{VERSION_HEADER} “{value[:20]}”, which is not a version number")
    return int(value)


def describe(value: object) -> str:
    """What a JSON value is, in words: ``a list``, ``an object``, ``null``, ``a string`` …"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), "a non-JSON body")


def json_object(value: object, what: str = "a JSON object") -> dict[str, Any]:
    """``value`` if it is a JSON object."""
    if not isinstance(value, dict):
        raise BadAnswer(f"{describe(value)} where {what} was expected")
    return value


def _version(value: object) -> bool:
    """Whether ``value`` is a version number (a non-negative integer, not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def versions(value: object) -> dict[str, int]:
    """A ``format=versions`` answer: object key → version."""
    found = json_object(value, "an object of item versions")
    for key, version in found.items():
        if not _version(version):
            raise BadAnswer(f"version {describe(version)} for {key[:20]}, not a number")
    return found


def objects(value: object, *, named: bool = False) -> list[dict[str, Any]]:
    """A list of Zotero objects (items; collections when ``named``): each an object with a
    string ``key``, a ``version`` number and a ``data`` object (with a string ``name``)."""
    if not isinstance(value, list):
        raise BadAnswer(f"{describe(value)} where a list of objects was expected")
    for obj in value:
        _zotero_object(obj)
        if named and not isinstance(obj["data"].get("name"), str):
            raise BadAnswer(f"collection {obj['key'][:20]} without a name")
    return value


def _zotero_object(obj: object) -> dict[str, Any]:
    """``obj`` if it is one Zotero object (``key``, ``version``, ``data``)."""
    found = json_object(obj, "a Zotero object")
    if not isinstance(found.get("key"), str):
        raise BadAnswer("an object without a 'key' where a Zotero object was expected")
    if not _version(found.get("version")):
        raise BadAnswer(f"object {found['key'][:20]} without a 'version' number")
    if not isinstance(found.get("data"), dict):
        raise BadAnswer(f"object {found['key'][:20]} without its 'data'")
    return found


class ItemsPage(NamedTuple):
    """One page of a whole-library read: the items' JSON, the library version it reflects and
    the library's item count (``Total-Results``; ``None`` when the server sent none)."""

    objects: list[dict[str, Any]]
    library_version: int
    total: int | None


class Deletions(NamedTuple):
    """The keys a ``/deleted`` answer lists: items and collections deleted for good."""

    items: list[str]
    collections: list[str]


def deleted_keys(value: object) -> Deletions:
    """The item and collection keys of a ``/deleted`` answer (an object whose ``items`` and
    ``collections`` are lists of keys; a missing ``collections`` is none)."""
    found = json_object(value, "an object of deleted keys")
    return Deletions(
        _keys(found.get("items"), "item"), _keys(found.get("collections", []), "collection")
    )


def _keys(value: object, kind: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(key, str) for key in value):
        raise BadAnswer(f"'{kind}s' that is {describe(value)}, not a list of {kind} keys")
    return value


def key_info(value: object) -> dict[str, Any]:
    """A ``/keys/current`` answer: a ``userID`` and, optionally, ``access`` maps."""
    found = json_object(value, "the API key's description (an object)")
    user = found.get("userID")
    if not _version(user) and not (isinstance(user, str) and user.isdigit()):
        raise BadAnswer(f"'userID' that is {describe(user)} where a number was expected")
    access = json_object(found.get("access", {}), "an 'access' object")
    json_object(access.get("user", {}), "an 'access.user' object")
    groups = json_object(access.get("groups", {}), "an 'access.groups' object")
    for group in groups.values():
        json_object(group, "an object per group")
    return found


def write_report(value: object, *, sent: int) -> dict[str, Any]:
    """The answer to a POST of ``sent`` objects: ``successful`` (full objects), ``success``
    and ``unchanged`` (keys) and ``failed`` (``code``/``message``), each keyed by the index of
    the object sent, which together account for every object sent."""
    report = json_object(value, "a write report (an object)")
    seen: set[int] = set()
    for name in _WRITE_MAPS:
        entries = json_object(report.get(name, {}), f"a '{name}' object")
        for index, entry in entries.items():
            if not index.isdigit() or int(index) >= sent:
                raise BadAnswer(f"'{name}' entry “{index[:10]}” for none of the {sent} sent")
            _report_entry(name, entry)
            seen.add(int(index))
    missing = sorted(set(range(sent)) - seen)
    if missing:
        raise BadAnswer(f"a write report that says nothing of object {missing[0]} of {sent}")
    return report


def _report_entry(name: str, entry: object) -> None:
    """Check one entry of the write report's map ``name``."""
    if name == "successful":
        _zotero_object(entry)
    elif name in ("success", "unchanged"):
        if not isinstance(entry, str):
            raise BadAnswer(f"'{name}' entry that is {describe(entry)}, not a key")
    else:
        failure = json_object(entry, "a 'failed' entry (an object)")
        code = failure.get("code", 0)
        if not _version(code) and not (isinstance(code, str) and code.isdigit()):
            raise BadAnswer(f"a failure code that is {describe(code)}, not a number")


def tag_colors(value: object) -> tuple[list[Mapping[str, Any]], int | None]:
    """A ``/settings/tagColors`` answer: its entries and, when given, its version."""
    found = json_object(value, "the tag colours (an object)")
    entries = found.get("value")
    if not isinstance(entries, list):
        raise BadAnswer(f"tag colours that are {describe(entries)}, not a list")
    version = found.get("version")
    if version is not None and not _version(version):
        raise BadAnswer(f"a tag colour version that is {describe(version)}, not a number")
    return [entry for entry in entries if isinstance(entry, dict)], version
