"""Annotation items (highlights, notes, images, ink in a PDF, EPUB or snapshot) as dataserver's
annotation tests expect them.

An annotation is the child of a file attachment; its ``annotationType`` is ``highlight``,
``underline``, ``note``, ``text``, ``image`` or ``ink`` and cannot change. Only highlights and
underlines carry ``annotationText`` (cut to 7,500 characters); ``annotationColor`` is a hex
colour (``#ffd400`` when none is given); ``annotationSortIndex`` has the form of the parent's
kind (PDF ``00015|002431|00000``, EPUB ``00050|00013029``, snapshot ``00001234``); the page label
has at most 50 characters and the position 65,535. ``annotationAuthorName`` is shown only when
not empty. Refusals are 400s with the server's texts.
"""

from __future__ import annotations

import re
from typing import Any

from zotmark.sandbox.errors import ObjectError
from zotmark.sandbox.model import Library, StoredObject

ANNOTATION_TYPES = ("highlight", "underline", "note", "text", "image", "ink")
TEXT_TYPES = frozenset({"highlight", "underline"})
DEFAULT_COLOR = "#ffd400"
MAX_TEXT = 7500
MAX_PAGE_LABEL = 50
MAX_POSITION = 65535
_SORT_INDEX = {
    "application/pdf": re.compile(r"^\d{5}\|\d{6}\|\d{5}$"),
    "application/epub+zip": re.compile(r"^\d{5}\|\d{8}$"),
    "text/html": re.compile(r"^\d{8}$"),
}
_STRINGS = ("annotationText", "annotationComment", "annotationPageLabel", "annotationAuthorName")
ORDER = (
    "annotationType",
    "annotationAuthorName",
    "annotationText",
    "annotationComment",
    "annotationColor",
    "annotationPageLabel",
    "annotationSortIndex",
    "annotationPosition",
)


def _bad(message: str) -> ObjectError:
    return ObjectError(400, message)


def check_annotation(body: dict[str, Any], library: Library, existing: StoredObject | None) -> None:
    """Refuse an annotation the server would (400), in the server's order of checks."""
    old = existing.data if existing is not None else {}
    parent_key = body.get("parentItem", old.get("parentItem"))
    if parent_key in (None, False, ""):
        raise _bad("Annotation must have a parent item")
    parent = library.items.get(str(parent_key))
    content_type = str(parent.data.get("contentType", "")) if parent is not None else ""
    if (
        parent is None
        or parent.data.get("itemType") != "attachment"
        or content_type not in _SORT_INDEX
    ):
        kind = body.get("annotationType", old.get("annotationType"))
        named = f"{kind} annotation" if isinstance(kind, str) and kind else "annotation"
        # dataserver's item tests (09cb2c5a): the text names the type and PDF alone, though
        # EPUB and snapshot attachments take annotations too
        raise _bad(f"Parent item of {named} must be a PDF attachment")
    kind = body.get("annotationType", old.get("annotationType"))
    if kind not in ANNOTATION_TYPES:
        names = ", ".join(f"'{t}'" for t in ANNOTATION_TYPES[:-1])
        raise _bad(f"annotationType must be {names}, or '{ANNOTATION_TYPES[-1]}'")
    if existing is not None and old.get("annotationType") not in (None, kind):
        raise _bad(f"Cannot change existing annotationType for item {library.id}/{existing.key}")
    for name in _STRINGS:
        if name in body and not isinstance(body[name], str):
            raise _bad(f"{name} must be a string")
    if "annotationText" in body and kind not in TEXT_TYPES:
        raise _bad("'annotationText' can only be set for highlight and underline annotations")
    color = body.get("annotationColor")
    if color and not (isinstance(color, str) and re.fullmatch(r"#[0-9a-z]{6}", color)):
        raise _bad("annotationColor must be a hex color (e.g., '#FF0000')")
    if "annotationSortIndex" in body or existing is None:
        sort_index = body.get("annotationSortIndex")
        if not (isinstance(sort_index, str) and _SORT_INDEX[content_type].match(sort_index)):
            raise _bad(f"Invalid sortIndex '{sort_index if sort_index is not None else ''}'")
    if len(str(body.get("annotationPageLabel", ""))) > MAX_PAGE_LABEL:
        raise _bad(f"Annotation page label is too long for attachment {parent_key}")
    if "annotationPosition" in body:
        position = body["annotationPosition"]
        if not isinstance(position, str):
            raise _bad("annotationPosition must be a string")
        if len(position) > MAX_POSITION:
            raise _bad(f"Annotation position is too long for attachment {parent_key}")


def annotation_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The stored annotation properties in the server's order: text only for highlights and
    underlines (cut to 7,500 characters), the author only when named, a default colour."""
    kind = values.get("annotationType")
    out: dict[str, Any] = {}
    for name in ORDER:
        value = values.get(name, "")
        if name == "annotationAuthorName" and not value:
            continue
        if name == "annotationText":
            if kind not in TEXT_TYPES:
                continue
            value = str(value)[:MAX_TEXT]
        if name == "annotationColor" and not value:
            value = DEFAULT_COLOR
        out[name] = value
    return out
