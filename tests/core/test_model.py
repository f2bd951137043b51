"""The values of ``zotmark.core.model``: the ident of a paper and Zotero item keys (DESIGN §2)."""

from __future__ import annotations

import random
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotmark.core.model import (
    ITEM_KEY_ALPHABET,
    Ident,
    identify,
    is_item_key,
    new_item_key,
)

# --- identify -----------------------------------------------------------------------------------


def test_identify_an_ar5iv_entry() -> None:
    ident = identify(
        "Multimodal Learning with Transformers: A Survey",
        "https://ar5iv.labs.arxiv.org/html/2206.06488",
    )
    assert ident == Ident(
        arxiv="2206.06488",
        url="https://ar5iv.labs.arxiv.org/html/2206.06488",
        title="multimodal learning with transformers a survey",
    )


def test_identify_a_plain_url_entry_keys_on_the_normalised_url() -> None:
    ident = identify("MIR-ST500: A Dataset", "http://www.paperswithcode.com/dataset/mir-st500/")
    assert ident.arxiv is None
    assert ident.primary == "url:https://paperswithcode.com/dataset/mir-st500"


def test_identify_without_url_keys_on_the_title() -> None:
    ident = identify("VideoBERT", None)
    assert ident == Ident(title="videobert")
    assert ident.primary == "title:videobert"


def test_identify_maps_an_arxiv_doi_to_arxiv() -> None:
    ident = identify("T", "https://doi.org/10.48550/arXiv.2104.00437")
    assert (ident.arxiv, ident.doi) == ("2104.00437", None)


def test_identify_maps_an_arxiv_doi_in_the_text_to_arxiv() -> None:
    ident = identify("T", None, "doi:10.48550/arXiv.2104.00437")
    assert (ident.arxiv, ident.doi) == ("2104.00437", None)


def test_identify_keeps_a_publisher_doi_next_to_an_arxiv_doi() -> None:
    ident = identify(
        "T", "https://doi.org/10.48550/arXiv.2104.00437", "doi:10.1145/3292500.3330701"
    )
    assert (ident.arxiv, ident.doi) == ("2104.00437", "10.1145/3292500.3330701")


def test_identify_keeps_a_publisher_doi() -> None:
    ident = identify("T", "https://doi.org/10.1145/3292500.3330701")
    assert (ident.arxiv, ident.doi) == (None, "10.1145/3292500.3330701")


def test_identify_counts_an_arxiv_mention_in_the_text() -> None:
    ident = identify(
        "Neural Machine Translation", "https://github.com/x/nmt", "arXiv preprint arXiv:1409.0473"
    )
    assert ident.arxiv == "1409.0473"
    assert ident.url == "https://github.com/x/nmt"


def test_identify_prefers_the_url_over_the_text() -> None:
    ident = identify("T", "https://arxiv.org/abs/1706.03762", "arXiv:1810.04805")
    assert ident.arxiv == "1706.03762"


def test_identify_finds_an_openreview_id() -> None:
    ident = identify("T", "https://openreview.net/forum?id=SkgxcnNYDS")
    assert ident.openreview == "SkgxcnNYDS"
    assert ident.primary == "openreview:SkgxcnNYDS"


def test_identify_ignores_numbers_in_a_non_arxiv_url() -> None:
    ident = identify("T", "https://example.com/2104.00437", "Published 2021, pages 1234.5678")
    assert ident.arxiv is None


# --- item keys ----------------------------------------------------------------------------------


def test_new_item_key_is_an_item_key() -> None:
    assert is_item_key(new_item_key(secrets.randbelow))


def test_new_item_key_spells_one_draw_in_the_key_alphabet() -> None:
    digits = [0, 1, 2, 3, 30, 31, 32, 8]  # "2345XYZA"
    bounds: list[int] = []

    def draw(bound: int) -> int:
        bounds.append(bound)
        return sum(digit * 33 ** (7 - place) for place, digit in enumerate(digits))

    assert new_item_key(draw) == "2345XYZA"
    assert bounds == [33**8]


def test_new_item_key_spans_the_whole_key_space() -> None:
    assert new_item_key(lambda bound: 0) == "22222222"
    assert new_item_key(lambda bound: bound - 1) == "ZZZZZZZZ"


@given(
    st.builds(
        Ident, *(st.one_of(st.none(), st.text(max_size=3)) for _ in range(4)), st.text(max_size=3)
    )
)
def test_primary_is_the_first_match_key(ident: Ident) -> None:
    keys = ident.match_keys()
    assert ident.primary == (keys[0] if keys else None)


@given(st.randoms(use_true_random=False))
def test_new_item_key_is_always_well_formed(rng: random.Random) -> None:
    key = new_item_key(rng.randrange)
    assert len(key) == 8
    assert set(key) <= set(ITEM_KEY_ALPHABET)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ABCD2345", True),
        ("ZZZZZZZZ", True),
        ("abcd2345", False),
        ("ABCD234", False),
        ("ABCD23456", False),
        ("ABCD0345", False),
        ("ABCD1345", False),
        ("ABCDO345", False),
        ("", False),
    ],
)
def test_is_item_key(text: str, expected: bool) -> None:
    assert is_item_key(text) is expected
