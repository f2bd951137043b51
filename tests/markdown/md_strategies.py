"""Hypothesis strategies for Markdown-ish text, shared by the markdown property tests."""

from __future__ import annotations

from hypothesis import strategies as st

FRAGMENTS = (
    "- [ ] ", "- [x] ", "* [X] ", "+ [ ] ", "1. [ ] ", "2) [x] ", "- ", "  ", "    ", "\t",
    "\n", "\r\n", "\r", "\ufeff", "# ", "## Heading\n", "Heading\n===\n", "---\n", "Relevant?",
    "**", "__", "~~", "`", "```", "~~~", "\\", "*", "_", "[", "]", "(", ")", "<", ">", "!",
    "[Link](https://arxiv.org/abs/2105.07581)", "(Link)[https://x.org/a]", "[Link]()",
    "<https://doi.org/10.1000/xyz>", "https://ar5iv.org/abs/1704.08292", "<!--", "-->",
    "<!-- zotero:ABCD2345 -->", "<details>", "</details>", "| a | b |", "Title", "😀", "é",
    "\udcff", " ", "x", "2004.09476",
)  # fmt: skip

fragment = st.sampled_from(FRAGMENTS)

markdownish = st.lists(st.one_of(fragment, fragment, st.text(max_size=8)), max_size=60).map("".join)
"""Text built from Markdown-ish fragments, line endings, BOMs and arbitrary characters."""

entry_lines = st.lists(
    st.tuples(
        st.sampled_from(["", "  ", "    ", "\t"]),
        st.sampled_from(["- ", "* ", "1. "]),
        st.sampled_from(["[ ] ", "[x] ", "[X] ", ""]),
        markdownish.map(lambda s: s.replace("\n", " ").replace("\r", " ")),
        st.sampled_from(["\n", "\r\n", "\r", ""]),
    ).map("".join),
    max_size=12,
).map("".join)
"""Text that is mostly list items, many of them task items, with any line endings."""

documents = st.one_of(st.text(), markdownish, entry_lines)

task_line = st.tuples(
    st.sampled_from(["", "  ", "\t"]),
    st.sampled_from(["- ", "* ", "1. "]),
    st.sampled_from(["[ ] ", "[x] ", "[X] "]),
    st.sampled_from(["**Title**", "[Title](https://a.org/x)", "Title", ""]),
    markdownish.map(lambda s: s.replace("\n", " ").replace("\r", " ")),
).map("".join)
with_entries = st.builds(
    "{}\n{}\n{}".format, st.one_of(st.just(""), documents), task_line, entry_lines
)
"""Text with at least one task line (still ignored when what precedes it leaves a code block
or a comment open)."""
