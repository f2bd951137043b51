"""The values of ``zotmark.core.model``: the ident of a paper and Zotero item keys (DESIGN §2)."""

from __future__ import annotations

import random
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotmark.core.model import ITEM_KEY_ALPHABET, Ident, is_item_key, new_item_key

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
