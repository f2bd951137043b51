"""``zotmark.markdown.labels``: which link texts name no paper."""

from __future__ import annotations

import pytest

from zotmark.markdown.labels import is_generic


@pytest.mark.parametrize(
    "label", ["Link", "PDF", "[pdf]", "arXiv:2401.13660", "Code_official", "🔗", "12"]
)
def test_a_label_of_generic_words_numbers_or_no_letter_names_no_paper(label: str) -> None:
    assert is_generic(label)


@pytest.mark.parametrize("label", ["Attention Is All You Need", "PDF of BERT", "ResNet 50"])
def test_a_label_with_a_word_of_its_own_names_a_paper(label: str) -> None:
    """One word that is neither generic nor a number makes the text a title."""
    assert not is_generic(label)
