"""Style detection: new entries follow the file's dominant bullet, indent, ending and form."""

from __future__ import annotations

from tests.conftest import FIXTURES

from zotmark.markdown.parser import parse
from zotmark.markdown.style import Style, detect_style


def test_original_list_style() -> None:
    text = (FIXTURES / "original-reading-list.md").read_bytes().decode()
    assert detect_style(parse(text)) == Style(
        marker="-",
        indent_unit="    ",
        eol="\n",
        bold_titles=True,
        link_label="Link",
        link_wrapped=True,
        flag_items=True,
    )


def test_empty_file_gets_the_default_style() -> None:
    assert detect_style(parse("")) == Style()


def test_link_titles_star_bullets_tabs_and_crlf() -> None:
    text = (
        "* [ ] [A](https://a.org)\r\n\t* [ ] Relevant?\r\n"
        "* [x] [B](https://b.org)\r\n* [ ] [C](https://c.org)\r\n"
    )
    style = detect_style(parse(text))
    assert (style.marker, style.indent_unit, style.eol, style.bold_titles) == (
        "*",
        "\t",
        "\r\n",
        False,
    )
    assert style.flag_items is False  # one entry in three has a flag box


def test_bold_titles_with_bare_link_labels() -> None:
    text = (
        "1. [ ] **A** [pdf](https://a.org)\n  - [ ] Relevant?\n2. [ ] **B** [pdf](https://b.org)\n"
    )
    style = detect_style(parse(text))
    assert (style.marker, style.indent_unit, style.link_label, style.link_wrapped) == (
        "1.",
        "  ",
        "pdf",
        False,
    )
    assert style.flag_items is True


def test_lone_carriage_returns() -> None:
    assert detect_style(parse("- [ ] A\r- [ ] B\r")).eol == "\r"
