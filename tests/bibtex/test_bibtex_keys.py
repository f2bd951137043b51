"""Citation keys: explicit, pinned, generated; distinct, deterministic, stable under edits."""

from __future__ import annotations

import functools
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotmark.bibtex.keys import (
    ascii_fold,
    assign_keys,
    explicit_key,
    first_free,
    free_to,
    generate_key,
)


def item(
    key: str, title: str = "Attention Is All You Need", last: str = "Vaswani", **more: Any
) -> dict[str, Any]:
    creators = [{"creatorType": "author", "firstName": "A.", "lastName": last}] if last else []
    return {
        "key": key,
        "itemType": "preprint",
        "title": title,
        "creators": creators,
        "date": "2017-06-12",
        **more,
    }


def test_the_generated_key_is_author_year_first_word() -> None:
    assert generate_key(item("K1")) == "vaswani2017attention"


@pytest.mark.parametrize(
    ("title", "word"),
    [
        ("The Devil is in the Details", "devil"),
        ("On the Pitfalls of Event Extraction", "pitfalls"),
        ("A Survey of Multimodal Learning", "survey"),
        ("ViLBERT: Pretraining Task-Agnostic Representations", "vilbert"),
        ("“Über” alles", "uber"),
        ("", ""),
    ],
)
def test_the_first_word_skips_articles_and_prepositions(title: str, word: str) -> None:
    assert generate_key(item("K1", title=title)) == f"vaswani2017{word}"


@pytest.mark.parametrize(
    ("last", "folded"),
    [
        ("Müller", "muller"),
        ("Ødegård", "odegard"),
        ("Łukasiewicz", "lukasiewicz"),
        ("Straße", "strasse"),
        ("van der Putten", "vanderputten"),
        ("O'Neil", "oneil"),
    ],
)
def test_author_names_are_folded_to_lower_case_ascii(last: str, folded: str) -> None:
    assert generate_key(item("K1", last=last)).startswith(folded + "2017")


def test_an_item_without_authors_uses_its_first_creator_then_anon() -> None:
    editor = item(
        "K1", last="", creators=[{"creatorType": "editor", "firstName": "E.", "lastName": "Eddy"}]
    )
    organisation = item(
        "K2", last="", creators=[{"creatorType": "author", "name": "World Health Organization"}]
    )
    assert generate_key(editor) == "eddy2017attention"
    assert generate_key(organisation) == "worldhealthorganization2017attention"
    assert generate_key(item("K3", last="")) == "anon2017attention"
    assert generate_key({"key": "K4"}) == "anon"


def test_the_native_citation_key_field_comes_first() -> None:
    data = item("K1", citationKey="Vaswani:2017", extra="Citation Key: other")
    assert explicit_key(data) == "Vaswani:2017"
    assert assign_keys([data], {"K1": "pinned"}) == {"K1": "Vaswani:2017"}


def test_a_citation_key_line_in_extra_counts_as_explicit() -> None:
    assert (
        explicit_key(item("K1", extra="arXiv: 1706.03762\ncitation key: vaswani17\nx"))
        == "vaswani17"
    )


def test_characters_that_break_bibtex_are_removed_from_explicit_keys() -> None:
    assert explicit_key(item("K1", citationKey="a b,c{d}%e")) == "abcde"
    assert explicit_key(item("K1", citationKey=" {,} ")) is None


def test_two_papers_with_the_same_key_get_suffixes_in_item_key_order() -> None:
    items = [item("ZZZZ2222"), item("AAAA2222"), item("MMMM2222")]
    keys = assign_keys(items, {})
    assert keys == {
        "AAAA2222": "vaswani2017attention",
        "MMMM2222": "vaswani2017attentiona",
        "ZZZZ2222": "vaswani2017attentionb",
    }
    shuffled = items[:]
    random.Random(4).shuffle(shuffled)
    assert assign_keys(shuffled, {}) == keys


def test_keys_are_distinct_regardless_of_case() -> None:
    keys = assign_keys(
        [item("K1", citationKey="Smith2020"), item("K2", citationKey="smith2020")], {}
    )
    assert keys == {"K1": "Smith2020", "K2": "smith2020a"}


def test_a_pinned_key_survives_any_metadata_change() -> None:
    pinned = assign_keys([item("K1")], {})
    edited = item("K1", title="Transformers", last="Shazeer", date="2019")
    assert assign_keys([edited], pinned) == pinned


def test_a_new_paper_never_takes_a_pinned_key() -> None:
    pinned = {"ZZZZ9999": "vaswani2017attention"}
    assert assign_keys([item("AAAA2222")], pinned) == {"AAAA2222": "vaswani2017attentiona"}


def test_the_pinned_key_of_a_removed_item_stays_reserved() -> None:
    pinned = assign_keys([item("K1")], {})
    assert assign_keys([item("K2")], pinned) == {"K2": "vaswani2017attentiona"}


def test_an_explicit_key_that_is_pinned_to_another_item_gets_a_suffix() -> None:
    pinned = {"K1": "smith2020"}
    keys = assign_keys([item("K1"), item("K2", citationKey="smith2020")], pinned)
    assert keys == {"K1": "smith2020", "K2": "smith2020a"}


def test_suffixes_run_from_a_to_z_then_aa() -> None:
    items = [item(f"K{n:03d}") for n in range(29)]
    keys = assign_keys(items, {})
    assert [keys[f"K{n:03d}"].removeprefix("vaswani2017attention") for n in (0, 1, 26, 27, 28)] == [
        "",
        "a",
        "z",
        "aa",
        "ab",
    ]


def test_ascii_fold_keeps_only_letters_and_digits() -> None:
    assert ascii_fold("Ça-va 2.0 ÆØÅ ß") == "cava20aeoass"


# --- properties -------------------------------------------------------------------------------

NAMES = st.sampled_from(["Vaswani", "Smith", "Müller", "Ødegård", "", "Li", "van der Berg"])
WORDS = st.sampled_from(["Attention", "Deep", "The Learning", "On Graphs", "", "Über alles", "A"])
DATES = st.sampled_from(["2017", "2017-06-12", "", "Spring 2020", "1999"])


@st.composite
def items(draw: st.DrawFn) -> list[dict[str, Any]]:
    keys = draw(
        st.lists(
            st.sampled_from([f"KEY{n:04d}" for n in range(12)]),
            min_size=1,
            max_size=12,
            unique=True,
        )
    )
    return [item(k, title=draw(WORDS), last=draw(NAMES), date=draw(DATES)) for k in keys]


EDIT = st.tuples(
    st.integers(min_value=0, max_value=11),
    st.sampled_from(["title", "lastName", "date", "extra", "itemType", "creators"]),
    st.text(max_size=12),
)


@given(items(), st.lists(EDIT, min_size=1, max_size=100))
def test_keys_stay_identical_across_random_metadata_edits(
    start: list[dict[str, Any]], edits: list[tuple[int, str, str]]
) -> None:
    pinned = assign_keys(start, {})
    current = {d["key"]: dict(d) for d in start}
    for index, name, value in edits:
        data = current[sorted(current)[index % len(current)]]
        if name == "lastName":
            data["creators"] = [{"creatorType": "author", "firstName": "", "lastName": value}]
        elif name == "creators":
            data["creators"] = []
        elif name == "extra":
            data["extra"] = value.replace(
                ":", ""
            )  # never a Citation Key line: that is a key change
        else:
            data[name] = value
        assert assign_keys(current.values(), pinned) == pinned


@given(
    items(),
    st.dictionaries(
        st.sampled_from([f"KEY{n:04d}" for n in range(12)]),
        st.sampled_from(["vaswani2017attention", "x", "smith2017deep"]),
        max_size=3,
    ),
)
def test_assigned_keys_are_distinct_and_keep_every_pinned_key(
    data: list[dict[str, Any]], wanted: dict[str, str]
) -> None:
    pinned: dict[str, str] = {}
    for item_key, key in wanted.items():  # a valid state never pins one key to two items
        if key.casefold() not in {k.casefold() for k in pinned.values()}:
            pinned[item_key] = key
    keys = assign_keys(data, pinned)
    assert set(keys) == {d["key"] for d in data}
    assert len({k.casefold() for k in keys.values()}) == len(keys)
    assert all(keys[k] == v for k, v in pinned.items() if k in keys)
    others = {v.casefold() for k, v in pinned.items() if k not in keys}
    assert not others & {k.casefold() for k in keys.values()}


def test_papers_wishing_one_key_get_the_suffixes_in_order_past_z() -> None:
    items = [item(f"K{i:04d}") for i in range(30)]
    keys = assign_keys(items, {"PINNED": "vaswani2017attentionc"})
    suffixes = [keys[f"K{i:04d}"].removeprefix("vaswani2017attention") for i in range(30)]
    assert suffixes == ["", "a", "b", *"defghijklmnopqrstuvwxyz", "aa", "ab", "ac", "ad"]


def test_a_form_another_item_holds_is_never_free_but_one_the_caller_holds_is() -> None:
    held = {"vaswani2017attention": "MINE2345", "vaswani2017attentiona": "OTHR2345"}
    for caller, key in [("MINE2345", ""), ("OTHR2345", "a"), ("NEW23456", "b")]:
        free = functools.partial(free_to, owner=held, item_key=caller)
        assert first_free("vaswani2017attention", held, {}, free) == f"vaswani2017attention{key}"


def test_the_search_remembers_only_bases_whose_first_forms_it_found_taken() -> None:
    held = {"anon": "OTHR2345", "anona": "OTHR3456"}
    start: dict[str, int] = {}
    free = functools.partial(free_to, owner=held, item_key="NEW23456")
    assert [first_free(base, held, start, free) for base in ("anon", "vaswani")] == [
        "anonb",
        "vaswani",
    ]
    assert start == {"anon": 2}
