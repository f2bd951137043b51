"""Annotations, ported from dataserver's ``tests/remote/tests/3/annotation.test.js``.

Covered: highlight (also with ``parentItem`` last), note, image and ink annotations saved and
read back; ``annotationText`` refused (even empty) for images; no author name when empty; the
type cannot change; comment and text updated by PATCH; ``"0"`` kept; fields cleared; a page label
over 50 characters and a position over 65,535 refused naming the attachment; text cut to 7,500
characters; an invalid sort index; the default colour and a colour without ``#``; an EPUB
annotation with EPUB's sort index; the parent must be a file attachment; annotations as
children of their attachment (``numChildren``) and in ``/top`` through it. Not covered: the
``invalidProp`` that old clients (``Zotero-Schema-Version: 28``) get for EPUB annotations.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .ds_api import ZoteroAPI

RECTS = [[314.4, 412.8, 556.2, 609.6]]
POSITION = json.dumps({"pageIndex": 123, "rects": RECTS})
SORT = "00015|002431|00000"


@pytest.fixture
def pdf(zapi: ZoteroAPI) -> str:
    parent = zapi.create_item("book", fmt="key")
    key: str = zapi.create_attachment(
        "imported_url", {"contentType": "application/pdf"}, parent, "key"
    )
    return key


def _post(zapi: ZoteroAPI, pdf: str, **fields: Any) -> dict[str, Any]:
    body = {
        "itemType": "annotation",
        "parentItem": pdf,
        "annotationSortIndex": SORT,
        "annotationPosition": POSITION,
        **fields,
    }
    report: dict[str, Any] = zapi.user("POST", "items", [body]).json()
    return report


def _saved(report: dict[str, Any]) -> dict[str, Any]:
    assert "0" in report["successful"], report
    data: dict[str, Any] = report["successful"]["0"]["data"]
    return data


def _refused(report: dict[str, Any]) -> tuple[int, str]:
    failed = report["failed"]["0"]
    return failed["code"], failed["message"]


def test_highlight(zapi: ZoteroAPI, pdf: str) -> None:
    fields = {
        "annotationType": "highlight",
        "annotationAuthorName": "First Last",
        "annotationText": "This is highlighted text.",
        "annotationColor": "#ff8c19",
        "annotationPageLabel": "10",
    }
    data = _saved(_post(zapi, pdf, **fields))
    assert {k: data[k] for k in fields} == fields
    assert (data["itemType"], data["annotationSortIndex"], data["parentItem"]) == (
        "annotation",
        SORT,
        pdf,
    )
    assert json.loads(data["annotationPosition"]) == {"pageIndex": 123, "rects": RECTS}
    last = {
        "itemType": "annotation",
        "annotationType": "highlight",
        "annotationText": "x",
        "annotationSortIndex": SORT,
        "annotationPosition": POSITION,
        "parentItem": pdf,
    }
    assert zapi.user("POST", "items", [last]).json()["successful"]["0"]["data"]["parentItem"] == pdf


@pytest.mark.parametrize("kind", ["note", "image"])
def test_note_and_image(zapi: ZoteroAPI, pdf: str, kind: str) -> None:
    extra = {"annotationComment": "This is a comment."} if kind == "note" else {}
    data = _saved(_post(zapi, pdf, annotationType=kind, **extra))
    assert data["annotationType"] == kind and "annotationText" not in data
    assert data.get("annotationComment", "") == extra.get("annotationComment", "")
    if kind == "image":
        for text in ("", "test"):
            assert _refused(_post(zapi, pdf, annotationType="image", annotationText=text)) == (
                400,
                "'annotationText' can only be set for highlight and underline annotations",
            )


def test_ink(zapi: ZoteroAPI, pdf: str) -> None:
    paths = [[173.54, 647.25, 175.88, 647.25], [92.4075, 245.284, 92.4075, 245.284]]
    position = json.dumps({"pageIndex": 123, "paths": paths, "width": 2})
    data = _saved(
        _post(
            zapi,
            pdf,
            annotationType="ink",
            annotationColor="#ff8c19",
            annotationPageLabel="10",
            annotationPosition=position,
        )
    )
    assert (data["annotationColor"], json.loads(data["annotationPosition"])["paths"]) == (
        "#ff8c19",
        paths,
    )


def test_author_name_type_change_and_edits(zapi: ZoteroAPI, pdf: str) -> None:
    report = _post(
        zapi,
        pdf,
        annotationType="highlight",
        annotationText="This is highlighted text.",
        annotationComment="",
    )
    assert "annotationAuthorName" not in _saved(report)
    key, version = report["successful"]["0"]["key"], report["successful"]["0"]["version"]
    changed = zapi.user("PATCH", f"items/{key}", {"version": version, "annotationType": "note"})
    assert (changed.status_code, changed.text) == (
        400,
        f"Cannot change existing annotationType for item {zapi.user_id}/{key}",
    )
    for field, value in (
        ("annotationComment", "What a highlight!"),
        ("annotationText", "New text"),
    ):
        version = zapi.get_object("items", key)["version"]
        assert (
            zapi.user(
                "PATCH", f"items/{key}", {"key": key, "version": version, field: value}
            ).status_code
            == 204
        )
        assert zapi.get_object("items", key)["data"][field] == value


def test_zero_kept_and_fields_cleared(zapi: ZoteroAPI, pdf: str) -> None:
    zero = _saved(
        _post(zapi, pdf, annotationType="highlight", annotationText="0", annotationComment="0")
    )
    assert (zero["annotationText"], zero["annotationComment"]) == ("0", "0")
    report = _post(
        zapi,
        pdf,
        annotationType="highlight",
        annotationText="t",
        annotationComment="c",
        annotationPageLabel="5",
    )
    key, version = report["successful"]["0"]["key"], report["successful"]["0"]["version"]
    assert (
        zapi.user(
            "PATCH",
            f"items/{key}",
            {"key": key, "version": version, "annotationComment": "", "annotationPageLabel": ""},
        ).status_code
        == 204
    )
    data = zapi.get_object("items", key)["data"]
    assert (data["annotationComment"], data["annotationPageLabel"]) == ("", "")


def test_lengths(zapi: ZoteroAPI, pdf: str) -> None:
    label = _post(
        zapi,
        pdf,
        annotationType="ink",
        annotationColor="#ff8c19",
        annotationPageLabel="x" * 51,
        annotationPosition={"paths": []},
    )
    assert _refused(label) == (400, f"Annotation page label is too long for attachment {pdf}")
    position = json.dumps({"pageIndex": 123, "rects": [list(range(13001))]})
    assert _refused(_post(zapi, pdf, annotationType="ink", annotationPosition=position)) == (
        400,
        f"Annotation position is too long for attachment {pdf}",
    )
    text = _saved(
        _post(zapi, pdf, annotationType="highlight", annotationText="这是一个测试。" * 5000)
    )
    assert len(text["annotationText"]) == 7500


def test_sort_index_and_colours(zapi: ZoteroAPI, pdf: str) -> None:
    assert _refused(
        _post(zapi, pdf, annotationType="highlight", annotationText="", annotationSortIndex="0000")
    ) == (400, "Invalid sortIndex '0000'")
    assert (
        _saved(_post(zapi, pdf, annotationType="highlight", annotationText=""))["annotationColor"]
        == "#ffd400"
    )
    assert _refused(_post(zapi, pdf, annotationType="highlight", annotationColor="ff8c19")) == (
        400,
        "annotationColor must be a hex color (e.g., '#FF0000')",
    )


def test_epub_annotation(zapi: ZoteroAPI) -> None:
    parent = zapi.create_item("book", fmt="key")
    epub = zapi.create_attachment(
        "imported_url", {"contentType": "application/epub+zip"}, parent, "key"
    )
    position = json.dumps({"type": "FragmentSelector", "value": "epubcfi(/6/4!/4/2,/1:4,/1:11)"})
    data = _saved(
        _post(
            zapi,
            epub,
            annotationType="highlight",
            annotationText="foo",
            annotationSortIndex="00050|00013029",
            annotationPosition=position,
        )
    )
    assert data["annotationSortIndex"] == "00050|00013029"
    assert _refused(_post(zapi, epub, annotationType="highlight", annotationText="foo")) == (
        400,
        f"Invalid sortIndex '{SORT}'",
    )


def test_parents_and_listings(zapi: ZoteroAPI, pdf: str) -> None:
    book = zapi.create_item("book", fmt="key")
    assert _refused(_post(zapi, book, annotationType="highlight", annotationText="x"))[0] == 400
    key = _post(zapi, pdf, annotationType="note", annotationComment="findme")["successful"]["0"][
        "key"
    ]
    assert zapi.get_object("items", pdf)["meta"]["numChildren"] == 1
    assert zapi.user("GET", f"items/{pdf}/children?format=keys").text.split() == [key]
    grandparent = zapi.get_object("items", pdf)["data"]["parentItem"]
    assert zapi.user("GET", f"items/top?format=keys&itemKey={key}").text.split() == [grandparent]
    assert zapi.user("GET", "items/top?format=keys&itemType=annotation").text.split() == [
        grandparent
    ]
