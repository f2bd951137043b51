"""Citation key formulas: the Better BibTeX subset, its errors, and the default's old keys."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from zotmark.bibtex.files import read_bib_file
from zotmark.bibtex.formula import DEFAULT_FORMULA, FormulaError, parse
from zotmark.bibtex.keys import generate_key
from zotmark.config_sections import CITEKEY_FORMULA
from zotmark.markdown.parser import parse as parse_list
from zotmark.zotero.mapping import new_item_data

FIXTURES = Path(__file__).parents[1] / "fixtures"


def paper(**more: Any) -> dict[str, Any]:
    authors = [("Ashish", "Vaswani"), ("Noam", "Shazeer"), ("Niki", "Parmar")]
    creators = [{"creatorType": "author", "firstName": f, "lastName": last} for f, last in authors]
    data = {"key": "K1", "title": "Attention Is All You Need", "date": "2017-06-12"}
    return {**data, "creators": creators, **more}


@pytest.mark.parametrize(
    ("formula", "key"),
    [
        ("auth.lower + shorttitle(3, 3) + year", "vaswaniAttentionAllYou2017"),
        ("auth + year", "Vaswani2017"),
        ("auth(3) + auth(0, 2).upper + year", "VasSHAZEER2017"),
        ("authors", "VaswaniShazeerParmar"),
        ("authors(2).lower", "vaswanishazeer"),
        ("authEtAl + '_' + year", "VaswaniEtAl_2017"),
        ("title", "AttentionAllYouNeed"),
        ("veryshorttitle + year", "Attention2017"),
        ('"ref-" + year', "ref-2017"),
        ("shorttitle(2).upper", "ATTENTIONALL"),
    ],
)
def test_a_formula_gives_the_key_better_bibtex_would(formula: str, key: str) -> None:
    assert parse(formula).key(paper()) == key


def test_auth_et_al_names_two_authors_and_only_the_first_of_more() -> None:
    two = paper(creators=paper()["creators"][:2])
    assert parse("authEtAl").key(two) == "VaswaniShazeer"
    assert parse("authEtAl").key(paper()) == "VaswaniEtAl"


def test_names_and_titles_are_transliterated_keeping_their_case() -> None:
    data = paper(creators=[{"creatorType": "author", "lastName": "Ødegård-Müller"}])
    assert parse("auth + title").key({**data, "title": "Über Straße"}) == "OdegardMullerUberStrasse"


def test_ascii_drops_what_it_cannot_transliterate_from_literal_text() -> None:
    assert parse("'Ωmega' + year").key(paper()) == "Ωmega2017"
    assert parse("'Ωmega'.ascii + year").key(paper()) == "mega2017"


def test_default_fills_an_empty_part() -> None:
    assert parse("auth.default('anon') + year").key(paper(creators=[])) == "anon2017"


def test_a_formula_that_gives_nothing_gives_anon() -> None:
    assert parse("year").key({"key": "K1"}) == "anon"


@pytest.mark.parametrize(
    ("formula", "problem"),
    [
        ("", "empty"),
        ("auth +", "ends where a function"),
        ("editor + year", "unknown function 'editor'"),
        ("auth.capitalize", "unknown filter 'capitalize'"),
        ("auth year", "expected '\\+' or '.' before 'year'"),
        ("shorttitle(a)", "whole numbers"),
        ("shorttitle(1, 2, 3)", "at most 2"),
        ("auth.default", "needs 1"),
        ("auth + 'a b'", "cannot hold"),
        ("auth + 'open", "unclosed quote"),
        ("auth(1", "never closed"),
        ("auth | year", "cannot read '| year'"),
    ],
)
def test_a_formula_zotmark_cannot_read_says_what_is_wrong(formula: str, problem: str) -> None:
    with pytest.raises(FormulaError, match=problem):
        parse(formula)


def test_the_default_formula_gives_the_keys_zotmark_gave_before_formulas() -> None:
    """The keys of every paper of the corpus's .bib files and reading lists (created from
    the list alone) as zotmark generated them before formulas existed (recorded with it)."""
    recorded = gzip.decompress((FIXTURES / "default-citekeys.tsv.gz").read_bytes()).decode()
    expected = dict(line.split("\t") for line in recorded.splitlines())
    got: dict[str, str] = {}
    for bib in sorted((FIXTURES / "bib").glob("*.bib")):
        entries = read_bib_file(bib).entries
        keys = (generate_key(dict(e.item_data, key=f"K{i}")) for i, e in enumerate(entries))
        got[bib.name] = " ".join(keys)
    lists = [*(FIXTURES / "markdown").glob("*.md"), FIXTURES / "original-reading-list.md"]
    for path in sorted(lists):
        text = path.read_text(encoding="utf-8", errors="replace")
        entries = [e.entry for e in parse_list(text, {"Relevant?": "relevant"}).entries]
        datas = (new_item_data(e, key="ABCD2345", collection="C", tags=()) for e in entries)
        got[path.name] = " ".join(generate_key(data) for data in datas)
    assert {name: keys for name, keys in got.items() if keys} == expected
    assert sum(len(keys.split()) for keys in got.values()) == 4995


def test_the_configs_default_formula_is_the_default_formula() -> None:
    assert CITEKEY_FORMULA == DEFAULT_FORMULA
