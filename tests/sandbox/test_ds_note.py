"""Notes, ported from dataserver's ``tests/remote/tests/3/note.test.js``.

Covered: a 4-byte character kept, notes over 250,000 characters refused with 413 and the
server's excerpt of the note (plain, blank first lines, ``&nbsp;`` paragraphs, a title line, an
unclosed comment that leaves only raw HTML, escaped), HTML stored as sent, an unchanged note
reported ``unchanged``, ``zotero://`` links kept.
"""

from __future__ import annotations

import pytest

from .ds_api import ZoteroAPI

CONTENT = "1234567890" * 50001
DIGITS = "1234567890" * 8


@pytest.mark.parametrize(
    ("note", "excerpt"),
    [
        (CONTENT, DIGITS[:79]),
        (" \n \n" + CONTENT, DIGITS[:79]),
        ("\n<p>&nbsp;</p>\n<p>&nbsp;</p>\n" + CONTENT, DIGITS[:73]),
        ("Full Text:\n\n" + CONTENT, "Full Text: " + DIGITS[:67]),
        ("&nbsp;\n<p><!-- " + CONTENT + " --></p>", "&lt;p&gt;&lt;!-- " + DIGITS[:64]),
    ],
)
def test_note_too_long(zapi: ZoteroAPI, note: str, excerpt: str) -> None:
    json = zapi.template("note")
    json["note"] = note
    failed = zapi.post("items", [json]).json()["failed"]["0"]
    assert (failed["code"], failed["message"]) == (413, f"Note '{excerpt}...' too long")


def test_note_content_kept(zapi: ZoteroAPI) -> None:
    bear = "<p>\U0001f43b</p>"
    assert zapi.create_note(bear)["successful"]["0"]["data"]["note"] == bear
    html = "<p>Foo &amp; Bar</p>"
    assert zapi.create_note(html, fmt="data")["note"] == html
    link = '<p><a href="zotero://select/library/items/ABCD2345">Test</a></p>'
    data = zapi.create_note("<p>Test</p>", fmt="data")
    data["note"] = link
    assert zapi.post("items", [data]).json()["successful"]["0"]["data"]["note"] == link


def test_unchanged_note(zapi: ZoteroAPI) -> None:
    data = zapi.create_note("<span >Foo</span>", fmt="data")
    assert zapi.post("items", [data]).json()["unchanged"] == {"0": data["key"]}
