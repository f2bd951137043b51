"""LaTeX in BibTeX fields: escaping for export, decoding on import, and their round trip."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotmark.bibtex.latex import decode, escape, protect_case


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("R&D", r"R\&D"),
        ("100%", r"100\%"),
        ("$5 #1 a_b", r"\$5 \#1 a\_b"),
        ("C:\\temp", r"C:\textbackslash{}temp"),
        ("a~b^c", r"a\textasciitilde{}b\textasciicircum{}c"),
        ("{paired} braces", r"\{paired\} braces"),
        ("one { alone", r"one \textbraceleft{} alone"),
        ("}{", r"\textbraceright{}\textbraceleft{}"),
        ("1--2 ``q''", "1-{}-2 `{}`q'{}'"),
        ("Zoë Ødegård 凯撒", "Zoë Ødegård 凯撒"),
        ("tab\tand\x07bell", "tab\tand bell"),
    ],
)
def test_escape(text: str, escaped: str) -> None:
    assert escape(text) == escaped


def test_protect_case_braces_words_with_inner_capitals_only() -> None:
    assert protect_case("ViLBERT: Pretraining GPT-3 and iPhone Models") == (
        "{ViLBERT:} Pretraining {GPT-3} and {iPhone} Models"
    )


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (
            r"{\"u}ber \"{U}ber \'e \`a \^o \~n \c{c} \v{S} \H{o} \k{a} \r{a} \u{g} \={a}",
            "über Über é à ô ñ ç Š ő ą å ğ ā",
        ),
        (r"\ss{} \o{} \O{} \ae{} \AE{} \oe{} \aa{} \l{} \L{} \'{\i}", "ß ø Ø æ Æ œ å ł Ł í"),
        (r"\o \O", "øØ"),
        (r"The {Devil} is in the {Details}", "The Devil is in the Details"),
        (r"$\alpha$-synuclein and $\Omega$", "α-synuclein and Ω"),
        (r"\emph{Deep} \textbf{learning} with \LaTeX\ today", "Deep learning with LaTeX today"),
        (r"A \& B, 50\%, \$, \#, \_", "A & B, 50%, $, #, _"),
        (r"pages 1--10 --- a~b", "pages 1–10 — a b"),
        ("line\n   broken", "line broken"),
        (r"\textbraceleft{}x\textbraceright{} \textbackslash{}", "{x} \\"),
        (r"\unknowncommand{x}", "unknowncommandx"),
    ],
)
def test_decode(latex: str, text: str) -> None:
    assert decode(latex) == text


def test_decode_can_keep_paragraphs() -> None:
    assert decode("One\n  two.\n\n  Three.", collapse=False) == "One two.\n\nThree."


@given(st.text(max_size=60))
def test_decoding_an_escaped_text_gives_it_back(text: str) -> None:
    """Back with its whitespace collapsed, and control characters (not allowed) as spaces."""
    assert decode(escape(text)) == " ".join(re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text).split())


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=60))
def test_decoding_a_case_protected_title_gives_it_back(text: str) -> None:
    assert decode(protect_case(text)) == " ".join(text.split())


@given(st.text(max_size=60))
def test_an_escaped_text_has_balanced_braces(text: str) -> None:
    depth = 0
    for char in escape(text) + protect_case(text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
