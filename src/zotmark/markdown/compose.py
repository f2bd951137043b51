"""New entry blocks written in a file's own style, with all outside text escaped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from zotmark.core.model import is_item_key
from zotmark.markdown.escape import escape_text, escape_url, unescape
from zotmark.markdown.labels import is_generic
from zotmark.markdown.style import Style


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to write: ``state`` is the marker of its box (a reading state of
    ``core.states``), ``flags`` maps tag names to box states; ``anchor`` an item key."""

    title: str
    url: str | None = None
    state: str = " "
    flags: Mapping[str, bool] = field(default_factory=dict)
    anchor: str | None = None


def _box(ticked: bool) -> str:
    return "[x]" if ticked else "[ ]"


def _body(title: str, url: str | None, style: Style) -> str:
    """The entry line after its box: title and link in the style's form."""
    text = escape_text(title)
    target = escape_url(url) if url else ""
    readable = unescape(text)
    if not text:
        return f"[Link]({target})" if target else ""
    if target and not style.bold_titles and not is_generic(readable):
        return f"[{text}]({target})"
    if not target:
        return f"**{text}**"
    link = f"[{style.link_label}]({target})"
    return f"**{text}** ({link})" if style.link_wrapped else f"**{text}** {link}"


def entry_block(new: NewEntry, style: Style, flag_labels: Mapping[str, str]) -> str:
    """The lines of a new top-level entry, each ending with ``style.eol``.

    ``flag_labels`` maps tag names to flag labels (``{"relevant": "Relevant?"}``): with
    ``style.flag_items`` each becomes a nested ``- [ ] Label`` item, ticked when
    ``new.flags`` says so. The title is escaped (:func:`escape_text`), the URL too
    (:func:`escape_url`), so the block parses back to ``new`` whatever they contain; a title
    needs a letter or digit to be read back as a title.

    Raises ``ValueError`` for an entry with neither title nor URL, or a malformed anchor key.
    """
    body = _body(new.title, new.url, style)
    if not body:
        raise ValueError("an entry needs a title or a URL")
    if new.anchor is not None and not is_item_key(new.anchor):
        raise ValueError(f"not a Zotero item key: {new.anchor!r}")
    anchor = f" <!-- zotero:{new.anchor} -->" if new.anchor else ""
    lines = [f"{style.marker} [{new.state}] {body}{anchor}"]
    if style.flag_items:
        marker = style.marker if style.marker in "-*+" else "-"
        for tag, label in flag_labels.items():
            lines.append(f"{style.indent_unit}{marker} {_box(new.flags.get(tag, False))} {label}")
    return "".join(line + style.eol for line in lines)
