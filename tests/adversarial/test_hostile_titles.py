"""Items added in Zotero with titles (and links) made to break a Markdown list.

A real ``zotmark sync`` appends them to the synced original list. The list must then parse to
exactly the expected entries (one per item, its title as Zotero has it, whitespace runs made
one space), every line that was there before must be unchanged, each new entry must take its
own line(s), the items must stay as they were in Zotero, and the next runs must be idle (a
run that reads the file again included).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.adversarial.helpers import (
    ORIGINAL,
    World,
    assert_idle,
    the_collection,
)
from tests.adversarial.scenarios import Make

from zotmark.markdown.parser import parse

pytestmark = [pytest.mark.adversarial, pytest.mark.system]

HOSTILE = [
    "Bold **break** it",
    "Link ]() and (x)[y] and [z](https://evil.example/)",
    "Line one\nline two\n- [ ] a fake entry\n    - [x] Relevant?",
    "- [x] starts like a task",
    "back`tick` and ``code`` spans",
    "~~struck~~ title",
    "Long " + "x" * 4000,
    "\u202eevil\u202c right-to-left, zero\u200bwidth, \ufeffbom, joiner\u200d",
    "controls: bell\x07 escape\x1b[31mred\x1b[0m delete\x7f start\x01",
    "trailing backslash \\",
    "<details><summary>HTML</summary> &amp; <b>bold</b>",
    "# heading-like",
    "> a quote | a | table |",
    "https://bare.example/url and www.example.com",
    "CR\rLF\r\nmixed\u2028line\u2029separators\x85next",
    "Relevant?",
    "[x]",
    "* _ \\* \\_ \\\\ and words",
    "\tindented  with   runs\t",
    "Émoji 🧪 naïve café ﬁ",
]
HOSTILE_LINKS = [  # (title, url)
    ("A link with spaces and parens", "https://example.org/a b)(<>`\\"),
    ("A link with a line break", "https://example.org/x\n- [ ] fake"),
    ("A script link", "javascript:alert(1)"),
]


UNWRITABLE = re.compile("[\ud800-\udfff\x00-\x08\x0e-\x1b\x7f-\x9f]")


def _collapsed(title: str) -> str:
    """The title as the list holds it: control characters replaced, whitespace runs one space."""
    return " ".join(UNWRITABLE.sub("\ufffd", title).split())


def _synced_original(world: Make) -> World:
    subject = world(ORIGINAL.read_text(encoding="utf-8"), "subject")
    subject.run_here("sync").ok()
    return subject


def _add(subject: World, titles_and_links: list[tuple[str, str]]) -> dict[str, tuple[str, bool]]:
    """Add items to the collection as another Zotero client would; their key → (title, read)."""
    sandbox = subject.sandbox
    collection = the_collection(sandbox)
    items: list[dict[str, Any]] = [
        {
            "itemType": "webpage",
            "title": title,
            "url": url,
            "collections": [collection],
            "tags": [{"tag": "read"}] if i % 2 else [],
        }
        for i, (title, url) in enumerate(titles_and_links)
    ]
    keys = sandbox.add_items(items)
    pairs = enumerate(zip(keys, titles_and_links, strict=True))
    return {key: (title, bool(i % 2)) for i, (key, (title, _)) in pairs}


def _without_key(items: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The items without their citation keys and versions."""
    drop = {"citationKey", "version", "dateModified"}
    return {k: {f: v for f, v in item.items() if f not in drop} for k, item in items.items()}


def test_hostile_titles_from_zotero_cannot_break_the_list(world: Make) -> None:
    subject = _synced_original(world)
    sandbox = subject.sandbox
    before = subject.text()
    anchors = re.findall(r"<!-- zotero:(\w{8}) -->", before)
    titles = [*HOSTILE, f"Anchor <!-- zotero:{anchors[0]} --> of another entry"]
    cases = [(t, f"https://example.org/hostile/{i}") for i, t in enumerate(titles)]
    added = _add(subject, cases)
    items_before = sandbox.items()
    version = sandbox.library_version()

    subject.run("sync").ok()

    after = subject.text()
    assert after.startswith(before), "a line that was there before changed"
    appended = after[len(before) :].lstrip("\n").splitlines()
    entry_lines = [line for line in appended if line.startswith("- [")]
    assert len(entry_lines) == len(added), "a title took more or fewer lines than its entry"
    assert all(re.fullmatch(r"\s+- \[ \] Relevant\?", x) for x in appended if x not in entry_lines)
    document = parse(after, {"Relevant?": "relevant"})
    entries = [listed.entry for listed in document.entries]
    assert len(entries) == 17 + len(added), [e.title for e in entries]
    by_anchor = {e.anchor: e for e in entries}
    assert len(by_anchor) == len(entries), "two entries with one anchor"
    for key, (title, read) in added.items():
        entry = by_anchor[key]
        assert entry.title == _collapsed(title), (entry.title, title)
        assert entry.state == ("x" if read else " ") and not entry.struck and entry.url, entry
    # zotmark writes only each copied item's citation key (issue 17), nothing else of it
    assert _without_key(sandbox.items()) == _without_key(items_before), "items rewritten"
    assert all(sandbox.items()[key]["citationKey"] for key in added)
    assert sandbox.library_version() > version
    assert_idle(subject)
    # A run that reads the file again (the box of the first entry ticked) changes only that.
    subject.list.write_text(after.replace("- [ ]", "- [x]", 1), encoding="utf-8")
    report = subject.run_here("sync", "--json").ok().json()["lists"][0]
    assert report["zotero_actions"] == [f"update {anchors[0]}: +read"], report
    assert report["file_actions"] == [], report
    assert_idle(subject)


def test_a_nul_in_a_zotero_title_leaves_the_list_readable(world: Make) -> None:
    subject = _synced_original(world)
    _add(subject, [("A title with a NUL\x00 inside", "https://example.org/nul")])
    subject.run("sync").ok()
    subject.list.write_text(subject.text().replace("- [ ]", "- [x]", 1), encoding="utf-8")
    subject.run("sync").ok()  # the list must still be readable
    assert "\x00" not in subject.text()


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def test_titles_from_zotero_reach_the_terminal_without_control_sequences(world: Make) -> None:
    subject = _synced_original(world)
    _add(subject, [("Clear \x1b[2J\x1b]0;owned\x07 screen", "https://example.org/esc")])
    ran = subject.run("sync").ok()
    assert not CONTROL.search(ran.out + ran.err), repr(ran.out + ran.err)


def test_a_title_of_punctuation_only_round_trips_and_follows_zotero(world: Make) -> None:
    subject = _synced_original(world)
    [(key, _)] = _add(subject, [("**", "https://example.org/stars")]).items()
    subject.run("sync").ok()
    titles = {e.anchor: e.title for e in (x.entry for x in parse(subject.text()).entries)}
    assert titles[key] == "**", titles[key]
    subject.sandbox.update_item(key, {"title": "~~ ~~"})
    subject.run_here("sync").ok()
    titles = {e.anchor: e.title for e in (x.entry for x in parse(subject.text()).entries)}
    assert titles[key] == "~~ ~~", "the title changed in Zotero did not reach the file"


def test_links_copied_from_zotero_are_not_pushed_back_rewritten(world: Make) -> None:
    subject = _synced_original(world)
    added = _add(subject, HOSTILE_LINKS)
    subject.run("sync").ok()
    entries = {x.entry.anchor: x.entry for x in parse(subject.text()).entries}
    for key in added:
        url = entries[key].url
        assert url and "\n" not in url, entries[key]
    urls = {k: i["url"] for k, i in subject.sandbox.items().items()}
    subject.list.write_text(subject.text().replace("- [ ]", "- [x]", 1), encoding="utf-8")
    report = subject.run_here("sync", "--json").ok().json()["lists"][0]
    assert len(report["zotero_actions"]) == 1, report["zotero_actions"]  # the box only
    assert {k: i["url"] for k, i in subject.sandbox.items().items()} == urls
