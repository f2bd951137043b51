"""The world the sync state machine plays in, seen without zotmark's own eyes.

Helpers for ``test_sync_machine.py``: a pool of papers, an independent reader and editor of the
reading-list file (regular expressions for the list's one style, not zotmark's parser), a
view of the sandbox library by paper, and :class:`Sides`, the edits a user makes on both.

Two kinds of paper test the edges: titles over the server's field limit (a file may hold them,
Zotero refuses them, so no item ever carries one), and items whose type keeps its title in a
field of its own (``caseName``, ``nameOfAct``, ``subject``), read and written there.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zotmark.core.identifiers import identify, normalize_title
from zotmark.core.model import new_item_key
from zotmark.sandbox import Sandbox

SUFFIX = ": Revisited"
# 30,000 CJK characters are 90,000 UTF-8 bytes: a title with them is over the 65,535 bytes
# zotero.org allows a field, so Zotero refuses to create or retitle an item with it.
PAD = " " + "日" * 30_000
FIELD_LIMIT = 65_535  # bytes of UTF-8
# The item types whose title field is not ``title`` (Zotero's schema), and that field.
OWN_TITLE = {"case": "caseName", "statute": "nameOfAct", "email": "subject"}


def oversized(title: str) -> bool:
    """Whether Zotero refuses ``title`` (as a title field's value) for its length."""
    return len(title.encode("utf-8")) > FIELD_LIMIT


def sane(title: str) -> str:
    """``title`` without the pad that makes it too long (the fix a user makes)."""
    return title.replace(PAD, "")


def short(title: str) -> str:
    """A title as a failure message shows it (a padded one cut short)."""
    return title if len(title) <= 100 else f"{title[:60]}…[{len(title)} characters]"


def title_field(data: dict[str, Any]) -> str:
    """The field of an item's JSON that holds its title."""
    return OWN_TITLE.get(str(data.get("itemType", "")), "title")


@dataclass(frozen=True)
class Paper:
    """One paper of the pool; ``pid`` (its strongest identifier) never changes with its title."""

    title: str
    url: str
    fields: tuple[tuple[str, str], ...]  # the Zotero fields a user's item of it has

    def __repr__(self) -> str:
        return f"Paper({short(self.title)!r}, {self.url!r}, {dict(self.fields)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # how hypothesis shows a step: with a padded title cut short

    @property
    def pid(self) -> str:
        return identify(self.title, self.url).primary or ""

    def item(self, collections: list[str], tags: set[str]) -> dict[str, Any]:
        """The JSON of an item for this paper as a user would add it in Zotero: the title
        in its type's title field, of a length Zotero takes."""
        data: dict[str, Any] = {"itemType": "webpage", **dict(self.fields)}
        data[title_field(data)] = sane(self.title)
        data |= {"url": self.url, "collections": collections}
        return data | {"tags": [{"tag": t} for t in sorted(tags)]}


def _arxiv(title: str, arxiv: str, url: str = "") -> Paper:
    fields = (("itemType", "preprint"), ("repository", "arXiv"), ("archiveID", f"arXiv:{arxiv}"))
    return Paper(title, url or f"https://arxiv.org/abs/{arxiv}", fields)


PAPERS = (
    _arxiv("Attention Is All You Need", "1706.03762"),
    _arxiv("Vision Transfomers are Robust Learners", "2105.07581"),
    _arxiv(
        "Multimodal Learning with Transformers: A Survey",
        "2206.06488",
        "https://ar5iv.labs.arxiv.org/html/2206.06488",
    ),
    _arxiv("WaveNet: A Generative Model for Raw Audio", "1609.03499"),
    Paper(
        "Deep Residual Learning for Image Recognition",
        "https://doi.org/10.1109/CVPR.2016.90",
        (("itemType", "journalArticle"), ("DOI", "10.1109/CVPR.2016.90")),
    ),
    Paper(
        "Look, Listen and Learn",
        "https://openaccess.thecvf.com/content_iccv_2017/html/Arandjelovic_ICCV_2017.html",
        (("itemType", "webpage"),),
    ),
    Paper("A Blog Post About Transformers", "https://example.org/blog/transformers", ()),
    # listed with a title Zotero refuses (in Zotero it can only have its sane title)
    Paper(f"A Survey Written at Great Length{PAD}", "https://example.org/long/survey", ()),
    # types with a title field of their own
    Paper(
        "Brown v. Board of Education",
        "https://example.org/cases/brown-v-board",
        (("itemType", "case"), ("court", "Supreme Court")),
    ),
    Paper(
        "Copyright Act of 1976",
        "https://example.org/statutes/copyright-act-1976",
        (("itemType", "statute"),),
    ),
    Paper(
        "Re: Papers for the Reading Group",
        "https://example.org/mail/reading-group",
        (("itemType", "email"),),
    ),
)
SANE_PAPERS = [paper for paper in PAPERS if not oversized(paper.title)]
"""The papers whose titles Zotero takes (the engine and lab machines add only these)."""
BY_PID = {paper.pid: paper for paper in PAPERS}
assert len(BY_PID) == len(PAPERS)
TITLE_WORDS = {paper.pid: normalize_title(sane(paper.title)) for paper in PAPERS}
"""Each paper's words, whatever its title's case, suffix or pad."""


PAD_WORDS = " " + normalize_title(PAD)  # the pad as it ends a normalised title


def words(norm_title: str) -> str:
    """A normalised title without the suffix and the pad that retitles add."""
    return norm_title.removesuffix(PAD_WORDS).removesuffix(" revisited")


def retitled(title: str, how: str | bool) -> str:
    """A new title: another case (``"cosmetic"`` or ``True``: the same normalised title), a
    suffix toggled (``"suffix"`` or ``False``), or a pad toggled (``"oversize"``: a title
    Zotero refuses, or back to one it takes)."""
    if how in ("cosmetic", True):
        return title.upper() if title != title.upper() else title.lower()
    pad = PAD if PAD in title else ""
    title = sane(title)  # a title is its words, then maybe the suffix, then maybe the pad
    if how == "oversize":
        return title if pad else title + PAD
    if title.casefold().endswith(SUFFIX.casefold()):
        return title[: -len(SUFFIX)] + pad
    return title + SUFFIX + pad


# --- the file, read and edited as text --------------------------------------------------------

HEADER = "# Reading list\n\nPapers I mean to read, with a box for the good ones.\n\n"
ENTRY = re.compile(
    r"^- \[(?P<box>[ xX/-])\] (?P<strike>~~)?\*\*(?P<title>[^*]+)\*\*(?(strike)~~) "
    r"\(\[Link\]\((?P<url>[^()\s]+)\)\)(?: <!-- zotero:(?P<key>[A-Z0-9]{8}) -->)?$"
)
FLAG = re.compile(r"^    - \[(?P<box>[ xX])\] Relevant\?$")


STATUS_TAGS = {"read": "x", "not-reading": "-", "reading": "/"}
"""The status tags of the default policy and the reading states they say, in the order they
take precedence (an item may carry several)."""


def block(paper: Paper, read: str, relevant: bool | None, title: str = "") -> str:
    """An entry block in the original list's style, its own box holding the marker ``read``
    (with a ``Relevant?`` box unless None)."""
    text = f"- [{read}] **{title or paper.title}** ([Link]({paper.url}))\n"
    if relevant is not None:
        text += f"    - [{'x' if relevant else ' '}] Relevant?\n"
    return text


@dataclass
class Row:
    """One entry block of the file: lines ``[start, end)``."""

    start: int
    end: int
    read: str  # the reading state of its own box ("X" read as "x", done)
    struck: bool
    title: str
    url: str
    key: str | None
    relevant: bool | None = None

    def __repr__(self) -> str:
        boxes = f"read={self.read}, relevant={self.relevant}, struck={self.struck}"
        where = f"lines {self.start + 1}-{self.end}, key={self.key}"
        return f"Row({short(self.title)!r}, {self.url}, {boxes}, {where})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    @property
    def pid(self) -> str:
        return identify(self.title, self.url).primary or ""

    @property
    def norm_title(self) -> str:
        return normalize_title(self.title)


@dataclass
class ListText:
    """The file's text split into lines, its entry blocks and the lines around them."""

    lines: list[str]
    rows: list[Row]
    frame: list[str]

    @classmethod
    def parse(cls, text: str) -> ListText:
        """Read the list; every line must be an entry, a ``Relevant?`` box right under one,
        or part of the frame (the header); anything else fails the test."""
        lines = text.split("\n")
        rows: list[Row] = []
        frame: list[str] = []
        for number, line in enumerate(lines):
            entry, flag = ENTRY.match(line), FLAG.match(line)
            if entry:
                rows.append(_row(number, entry))
            elif flag and rows and rows[-1].end == number and rows[-1].relevant is None:
                rows[-1].relevant, rows[-1].end = flag["box"] != " ", number + 1
            else:
                assert not rows or line == "", f"line {number + 1} is not in the style: {line!r}"
                frame.append(line)
        return cls(lines, rows, frame)

    def active(self) -> list[Row]:
        return [row for row in self.rows if not row.struck]

    def active_by_pid(self) -> dict[str, Row]:
        """Active rows by paper; a paper with two active rows fails the test."""
        counts = Counter(row.pid for row in self.active())
        assert all(n == 1 for n in counts.values()), f"two active entries for a paper: {counts}"
        return {row.pid: row for row in self.active()}

    def text(self) -> str:
        return "\n".join(self.lines)

    def set_box(self, line: int, marker: str) -> None:
        old = self.lines[line]
        at = old.index("[") + 1
        self.lines[line] = old[:at] + marker + old[at + 1 :]

    def set_title(self, row: Row, title: str) -> None:
        self.lines[row.start] = self.lines[row.start].replace(f"**{row.title}**", f"**{title}**")

    def remove(self, row: Row) -> None:
        del self.lines[row.start : row.end]

    def append(self, text: str) -> None:
        """Append an entry block (the list ends with a line ending: ``lines[-1] == ""``)."""
        assert self.lines[-1] == ""
        self.lines[-1:] = [*text.split("\n")]


def _row(number: int, match: re.Match[str]) -> Row:
    return Row(
        number,
        number + 1,
        match["box"].replace("X", "x"),
        bool(match["strike"]),
        match["title"],
        match["url"],
        match["key"],
    )


# --- the library, by paper ----------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """One item of the library as the checks see it."""

    key: str
    pid: str
    title: str
    tags: frozenset[str]
    live: bool
    deleted: bool
    field: str = "title"  # the field its title is in
    citation_key: str = ""

    def __repr__(self) -> str:
        where = f"live={self.live}, deleted={self.deleted}"
        title = f"{self.field}={self.title!r}"
        return f"Held({self.key}, {self.pid}, {title}, {sorted(self.tags)}, {where})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    @property
    def read(self) -> str:
        """The reading state its tags say (the first status tag it carries; none: to do)."""
        return next((state for tag, state in STATUS_TAGS.items() if tag in self.tags), " ")

    @property
    def relevant(self) -> bool:
        return "relevant" in self.tags

    @property
    def norm_title(self) -> str:
        return normalize_title(self.title)


def library(sandbox: Sandbox, collection: str) -> dict[str, Held]:
    """Every item by paper; a paper with two items (trashed ones count) fails the test:
    the user never makes one, so it is a duplicate made by zotmark."""
    found: dict[str, Held] = {}
    for key, data in sandbox.items().items():
        text = "\n".join(str(data.get(n) or "") for n in ("DOI", "archiveID", "extra"))
        field = title_field(data)
        title = str(data.get(field, ""))
        pid = identify(title, data.get("url") or None, text).primary or ""
        assert not oversized(title), f"an item with a title Zotero refuses: {key}"
        deleted = bool(data.get("deleted"))
        live = collection in data.get("collections", []) and not deleted
        tags = frozenset(t["tag"] for t in data.get("tags", []))
        citation_key = str(data.get("citationKey") or "")
        held = Held(key, pid, title, tags, live, deleted, field, citation_key)
        assert pid not in found, f"duplicate items for {pid}: {found[pid]} and {held}"
        found[pid] = held
    return found


class Sides:
    """The list file and the library as a user edits them: the file as text, the library
    through the sandbox's backdoor, as the Zotero app would. Edits of one paper's field
    return its new value (a title normalised; ``None`` when nothing the sync reads
    changed: only a title's case, or a box given the state it said already)."""

    def __init__(self, path: Path, sandbox: Sandbox, keys: random.Random) -> None:
        self.path, self.sandbox, self.keys = path, sandbox, keys
        self.collection = ""

    def text(self) -> ListText:
        return ListText.parse(self.path.read_text())

    def save(self, text: ListText) -> None:
        self.path.write_text(text.text())

    def rows(self) -> dict[str, Row]:
        """The active entries by paper."""
        return self.text().active_by_pid()

    def held(self) -> dict[str, Held]:
        """The library's items by paper."""
        return library(self.sandbox, self.collection)

    def add_entry(self, paper: Paper, read: str, relevant: bool | None) -> None:
        text = self.text()
        text.append(block(paper, read, relevant))
        self.save(text)

    def remove_entry(self, row: Row) -> None:
        text = self.text()
        text.remove(row)
        self.save(text)

    def retitle_entry(self, pid: str, how: str | bool) -> str | None:
        """Retitle an entry (see :func:`retitled`)."""
        text = self.text()
        row = text.active_by_pid()[pid]
        title = retitled(row.title, how)
        text.set_title(row, title)
        self.save(text)
        return None if how in ("cosmetic", True) else normalize_title(title)

    def flip_box(self, pid: str, name: str, marker: str = "x") -> bool | str | None:
        """Write ``marker`` into the entry's own box (``read``; the state it says is returned,
        or ``None`` when it is the state the box said already: ``X`` over ``x``, or the same
        marker again, is no edit at all), or tick or untick its ``relevant`` box."""
        text = self.text()
        row = text.active_by_pid()[pid]
        if name == "read":
            text.set_box(row.start, marker)
            self.save(text)
            state = marker.replace("X", "x")
            return None if state == row.read else state
        value = not row.relevant
        text.set_box(row.end - 1, "x" if value else " ")
        self.save(text)
        return value

    def add_item(self, paper: Paper, in_collection: bool, tags: set[str]) -> None:
        item = paper.item([self.collection] if in_collection else [], tags)
        self.sandbox.add_items([{**item, "key": new_item_key(self.keys.randrange)}])

    def _collections(self, key: str) -> list[str]:
        return list(self.sandbox.items()[key].get("collections", []))

    def put_in_collection(self, key: str) -> None:
        """Put the item in the collection, restoring it from the trash."""
        collections = sorted({*self._collections(key), self.collection})
        self.sandbox.update_item(key, {"collections": collections, "deleted": 0})

    def take_out(self, key: str, trash: bool) -> None:
        """Take the item out of the collection, or move it to the trash."""
        if trash:
            self.sandbox.update_item(key, {"deleted": 1})
        else:
            collections = [c for c in self._collections(key) if c != self.collection]
            self.sandbox.update_item(key, {"collections": collections})

    def toggle_tag(self, key: str, tag: str) -> bool | str:
        """Add or remove ``tag``: whether it is on now, or for a status tag the reading state
        the item's tags say now."""
        tags = self.sandbox.items()[key].get("tags", [])
        kept = [t for t in tags if t["tag"] != tag]
        on = len(kept) == len(tags)
        now = [*kept, {"tag": tag}] if on else kept
        self.sandbox.update_item(key, {"tags": now})
        if tag in STATUS_TAGS:
            names = {t["tag"] for t in now}
            return next((s for t, s in STATUS_TAGS.items() if t in names), " ")
        return on

    def retitle_item(self, key: str, cosmetic: bool) -> str | None:
        """Retitle an item, in its type's title field (never to a title Zotero refuses)."""
        data = self.sandbox.items()[key]
        field = title_field(data)
        title = retitled(str(data[field]), cosmetic)
        self.sandbox.update_item(key, {field: title})
        return None if cosmetic else normalize_title(title)
