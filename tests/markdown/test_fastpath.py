"""The fast path reads common entry lines exactly as the general rules do."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotmark.markdown.fastpath import extract_common
from zotmark.markdown.inline import extract

# Words of characters without markup, joined by single spaces (most titles) or by other
# whitespace, which the title must collapse.
safe_title = st.builds(
    str.join,
    st.sampled_from([" ", " ", "  ", " \t\u00a0", "\u2003", "\x1f"]),
    st.lists(
        st.text(alphabet="aZ09:!.,-()é😀&/{}|·", min_size=1)
        | st.text(alphabet="aZ\x00", min_size=1),
        min_size=1,
    ),
)
tricky = st.text(
    alphabet=st.one_of(st.sampled_from("aZ09 \t:/()!#*_[]<>`~\\é😀"), st.characters()),
    max_size=12,
)
title = st.one_of(safe_title, safe_title, safe_title, tricky)
url = st.one_of(
    st.text(alphabet="ab/:.-_~*%[]#é", min_size=1),
    st.text(alphabet="ab/:.-_~*%[]#é()", min_size=1).map("https://{}".format),
    tricky,
)
common_lines = st.builds(
    "{}{}{}{}{}".format,
    st.sampled_from(["", " ", "  ", "\t"]),
    st.sampled_from(["**{}**", "**{}**", "[{}]", "__{}__", "{}", "{}"]).flatmap(
        lambda form: title.map(form.format)
    ),
    st.sampled_from(
        [
            "",
            " ([Link]({}))",
            " [PDF]({})",
            "({})",
            " ([]({}))",
            " [x]({}",
            " (Link)[{}]",
            " ()[{}]",
            " {}",
            "\t{}.",
            " {})",
            " {} (PDF)",
        ]
    ).flatmap(lambda form: url.map(form.format)),
    st.sampled_from(
        ["", " <!-- zotero:ABCD2345 -->", "<!-- zotero:ABCD2345 -->", "<!-- zotero:abcd -->"]
    ),
    st.sampled_from(["", " ", "\t"]),
)


@pytest.mark.parametrize(
    "content",
    [
        "**Title** ([Link](https://a.org/x))",
        "**Title** [pdf](https://a.org/x) <!-- zotero:ABCD2345 -->",
        "**Title**",
        "[A Title (2020)](https://a.org/x)",
        " **Title** ([Link](https://a.org/x))",
        "**Title** (Link)[https://arxiv.org/abs/2101.00001]",
        " A plain title https://example.org/papers/5",
        " A plain title https://example.org/papers/5<!-- zotero:ABCD2345 -->",
        " A plain title: (with) parts <!-- zotero:ABCD2345 -->",
    ],
)
def test_fast_path_takes_common_lines(content: str) -> None:
    assert extract_common(content, None) is not None


@pytest.mark.parametrize("space", ["  ", "\t", "\u00a0", "\u2003", "\x1f", " \u3000 "])
def test_fast_path_collapses_whitespace_in_a_bold_title(space: str) -> None:
    content = f"**Deep{space}Learning** ([Link](https://a.org/x))"
    fast = extract_common(content, None)
    assert fast is not None and fast.title == "Deep Learning"
    assert fast == extract(content, None)


@given(common_lines, st.sampled_from([None, "[Paper](https://b.org)"]))
def test_fast_path_agrees_with_the_general_rules(content: str, continuation: str | None) -> None:
    fast = extract_common(content, continuation)
    assert fast is None or fast == extract(content, continuation)
