"""BibTeX import: the real corpus, bad input, identifiers, and Zotero item data."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.bibtex.bib_samples import BIB, TRICKY_TITLE, enriched_items, tricky_items

from zotmark.bibtex.export import export_bibtex
from zotmark.bibtex.files import read_bib_file
from zotmark.bibtex.importer import BibEntry, decode_bib, import_bib
from zotmark.bibtex.keys import assign_keys
from zotmark.bibtex.scanner import Problem
from zotmark.core.model import Ident
from zotmark.errors import BibtexError
from zotmark.schema import type_fields

NON_FIELDS = {"itemType", "creators"}

# file -> (entries imported, problems reported)
CORPUS = {
    "Panreta-zotero-library__My_Library.bib": (9, 0),
    "Spico197-Mirror__Exported_Items.bib": (1, 0),
    "crcox-MASTERBIB__Main.bib": (707, 1403),
    "crcox-MASTERBIB__ttr.bib": (1291, 14),
    "crcox-MASTERBIB__zotero.bib": (686, 1),
    "jfcrenshaw-bibfile__My_Library.bib": (524, 0),
    "python-bibtexparser__article_start_with_bom.bib": (1, 0),
    "python-bibtexparser__biber-examples.bib": (99, 21),
    "python-bibtexparser__comments_spaces_and_declarations.bib": (1, 0),
    "python-bibtexparser__features2.bib": (1, 0),
    "python-bibtexparser__gbk_test.bib": (1, 1),
    "python-bibtexparser__multiple_entries_and_comments.bib": (3, 0),
}
PROBLEMS = {
    "crcox-MASTERBIB__ttr.bib": [
        (234, "@string 'AckleyD' is not defined; left empty"),
        (234, "@string 'HintonG' is not defined, used 6 times; left empty"),
        (234, "@string 'SejnowskiT' is not defined; left empty"),
        (1044, "@string 'BeckerS' is not defined; left empty"),
        (5190, "key 'JoanisseSeidenberg99' also used at line 5179"),
        (6211, "@string 'neurabstr' is not defined; left empty"),
        (8609, "'Test96' has no title, DOI, arXiv id or URL"),
        (11091, "key 'RogersMcClellandIP' also used at line 11080"),
        (11413, "@string 'RumelhartD' is not defined, used 4 times; left empty"),
        (11413, "@string 'SmolenskyP' is not defined; left empty"),
        (11413, "@string 'McClellandJ' is not defined, used 2 times; left empty"),
        (11457, "@string 'WilliamsRJ' is not defined, used 2 times; left empty"),
        (12723, "'SquireTV' has no title, DOI, arXiv id or URL"),
        (13319, "@string 'Erlbaum' is not defined; left empty"),
    ],
    "crcox-MASTERBIB__zotero.bib": [(3020, "'__????' has no title, DOI, arXiv id or URL")],
    "python-bibtexparser__biber-examples.bib": [
        (26, "@set 'set' is not a paper"),
        (34, "@set 'stdmodel' is not a paper"),
        (41, "@set 'stdmodel:ps_sc' is not a paper"),
        (1543, "'tmn4' has no title, DOI, arXiv id or URL"),
        (1556, "'alias1' has no title, DOI, arXiv id or URL"),
        (1562, "'alias2' has no title, DOI, arXiv id or URL"),
        (1568, "'alias5' has no title, DOI, arXiv id or URL"),
        (1575, "'url1' has no title; kept for its identifier"),
        (1582, "'url2' has no title; kept for its identifier"),
        *[(1594 + 4 * n, f"'pages{n + 1}' has no title, DOI, arXiv id or URL") for n in range(9)],
        (1632, "'us1' has no title, DOI, arXiv id or URL"),
        (1642, "'list1' has no title, DOI, arXiv id or URL"),
        (1646, "'sn1' has no title, DOI, arXiv id or URL"),
    ],
    "python-bibtexparser__gbk_test.bib": [(0, "the file is not UTF-8; read it as GBK")],
}


def entry(text: str) -> BibEntry:
    result = import_bib(text)
    assert result.problems == [], result.problems
    (found,) = result.entries
    return found


def test_the_corpus_is_the_one_pinned_here() -> None:
    assert sorted(p.name for p in BIB.glob("*.bib")) == sorted(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_corpus_file_imports_the_pinned_number_of_entries(name: str) -> None:
    result = read_bib_file(BIB / name)
    assert (len(result.entries), len(result.problems)) == CORPUS[name]
    expected = PROBLEMS.get(name)
    if expected is not None:
        assert [(p.line, p.message) for p in result.problems] == expected


def test_the_problems_of_the_jabref_file_are_its_undefined_author_macros() -> None:
    problems = read_bib_file(BIB / "crcox-MASTERBIB__Main.bib").problems
    assert all("is not defined" in p.message for p in problems)
    assert problems[:2] == [
        Problem(7, "@string 'Acosta-CabroneroJ' is not defined, used 3 times; left empty"),
        Problem(7, "@string 'PattersonK' is not defined, used 25 times; left empty"),
    ]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_imported_item_holds_only_fields_its_type_accepts(name: str) -> None:
    for found in read_bib_file(BIB / name).entries:
        schema = type_fields(found.item_data["itemType"])
        assert set(found.item_data) - NON_FIELDS <= schema.fields, found.citekey
        assert {c["creatorType"] for c in found.item_data["creators"]} <= set(schema.creator_types)


def test_a_zotero_export_gives_title_identifiers_authors_and_key() -> None:
    found = read_bib_file(BIB / "Spico197-Mirror__Exported_Items.bib").entries[0]
    assert found.citekey == "hao_devil_2023"
    assert (
        found.title == "The Devil is in the Details: On the Pitfalls of Event Extraction Evaluation"
    )
    assert (found.arxiv, found.doi, found.year) == ("2306.06918", None, "2023")
    assert found.url == "http://arxiv.org/abs/2306.06918"
    assert found.authors[0] == "Peng Hao"
    assert found.item_data["itemType"] == "preprint"
    assert found.item_data["archiveID"] == "arXiv:2306.06918"
    assert found.item_data["citationKey"] == "hao_devil_2023"


def test_a_better_bibtex_preprint_keeps_its_arxiv_id_and_doubled_braces_go() -> None:
    found = read_bib_file(BIB / "Panreta-zotero-library__My_Library.bib").entries[0]
    assert found.title.startswith("Reshaping Reasoning in LLMs: A Theoretical Analysis of RL")
    assert (found.arxiv, found.doi) == ("2506.04695", None)
    assert found.item_data["date"] == "2025-09"
    assert found.item_data["repository"] == "arXiv"


def test_string_macros_and_concatenations_are_expanded() -> None:
    found = read_bib_file(BIB / "python-bibtexparser__features2.bib").entries[0]
    assert found.title == "Cool Stuff"
    assert found.authors == ("John Doe",)
    assert found.item_data["proceedingsTitle"] == "My International Conference"
    assert found.item_data["pages"] == "1-10"


def test_a_bom_and_gbk_are_read_as_text() -> None:
    assert read_bib_file(BIB / "python-bibtexparser__article_start_with_bom.bib").entries[
        0
    ].authors == ("Jean César",)
    assert read_bib_file(BIB / "python-bibtexparser__gbk_test.bib").entries[0].authors == ("凯撒",)


def test_a_latin1_file_is_read_and_reported() -> None:
    text, problems = decode_bib(
        "@article{k, author = {Jean C\xe9sar}, title = {\xc9t\xe9}}".encode("latin-1")
    )
    assert problems == [Problem(0, "the file is not UTF-8; read it as LATIN-1")]
    assert entry(text).title == "Été"


def test_a_crossref_child_inherits_the_parents_fields() -> None:
    entries = {
        e.citekey: e for e in read_bib_file(BIB / "python-bibtexparser__biber-examples.bib").entries
    }
    child = entries["westfahl:space"]
    assert child.item_data["itemType"] == "bookSection"
    assert child.item_data["bookTitle"] == "Space and Beyond"
    assert child.item_data["publisher"] == "Greenwood"
    assert child.title.startswith("The True Frontier: Confronting and Avoiding")


def test_a_truncated_file_keeps_the_entries_before_the_cut() -> None:
    text = (BIB / "Panreta-zotero-library__My_Library.bib").read_text()
    cut = text[: text.index("@misc{teamKimiLinearExpressive2025") + 200]
    result = import_bib(cut)
    assert len(result.entries) == 4
    assert result.problems == [
        Problem(
            64,
            "@misc skipped: the file ends inside a value (a missing '}' or a truncated file)"
            " (at line 67).",
        )
    ]


def test_an_unbalanced_brace_costs_only_its_own_entry() -> None:
    text = (
        "@article{one, title = {First}, year = 2001}\n"
        "@article{two, title = {Broken {title}, year = 2002}\n"
        "@article{three, title = {Third}, year = 2003}\n"
    )
    result = import_bib(text)
    assert [e.citekey for e in result.entries] == ["one", "three"]
    assert result.problems == [
        Problem(
            2,
            "@article skipped: it is not closed before the next entry (a missing '}'?)"
            " (at line 3).",
        )
    ]


def test_a_missing_comma_is_reported_at_its_entry() -> None:
    result = import_bib("\n\n@book{k, title = {T} year = 2000}\n@book{ok, title = {Fine}}")
    assert [e.citekey for e in result.entries] == ["ok"]
    assert result.problems == [Problem(3, "@book skipped: expected ',' or '}', found 'y'.")]


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        bytes(range(256)) * 4,
        b"%PDF-1.7\n\x00\x01@article{",
    ],
    ids=["png", "all-bytes", "pdf"],
)
def test_a_binary_file_is_one_clear_problem(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "x.bib"
    path.write_bytes(data)
    result = read_bib_file(path)
    assert result.entries == []
    assert Problem(0, "this is not a BibTeX file (it holds binary data)") in result.problems


def test_an_unreadable_path_is_a_bibtex_error(tmp_path: Path) -> None:
    with pytest.raises(BibtexError, match="Cannot read"):
        read_bib_file(tmp_path / "missing.bib")


def test_a_title_with_escaped_special_characters_becomes_plain_text() -> None:
    found = entry(r"@misc{k, title = {A \{weird\} title: 100\% of R\&D \textbackslash{} {\"u}}}")
    assert found.title == r"A {weird} title: 100% of R&D \ ü"


def test_exported_tricky_titles_import_back_unchanged() -> None:
    items = tricky_items()
    result = import_bib(export_bibtex(items, assign_keys(items, {})))
    assert {e.citekey: e.title for e in result.entries} == {
        "odegard2021balanced": "Balanced {braces} in \\LaTeX",
        "tricky2020": TRICKY_TITLE,
    }


def test_export_then_import_keeps_titles_authors_years_and_dois() -> None:
    items = enriched_items()
    keys = assign_keys(items, {})
    imported = {e.citekey: e for e in import_bib(export_bibtex(items, keys)).entries}
    for item in items:
        found = imported[keys[item["key"]]]
        assert found.title == item["title"]
        assert found.item_data["creators"] == [
            c for c in item["creators"] if c["creatorType"] in ("author", "editor")
        ]
        assert found.year == item["date"][:4]
        doi = item.get("DOI", "").lower()
        assert found.doi == (None if doi.startswith("10.48550/") else doi)
        assert found.arxiv == (
            item.get("archiveID", "").removeprefix("arXiv:") or _extra_arxiv(item)
        )


def _extra_arxiv(item: dict[str, object]) -> str | None:
    for line in str(item.get("extra", "")).splitlines():
        if line.startswith("arXiv: "):
            return line.removeprefix("arXiv: ")
    return None


@pytest.mark.parametrize(
    ("fields", "arxiv"),
    [
        ("eprint = {1706.03762}, archivePrefix = {arXiv}", "1706.03762"),
        ("eprint = {1706.03762v5}, eprinttype = {arxiv}", "1706.03762"),
        ("eprint = {hep-th/9901001}", "hep-th/9901001"),
        ("journal = {arXiv preprint arXiv:1706.03762}", "1706.03762"),
        ("journal = {CoRR}, volume = {abs/1706.03762}", "1706.03762"),
        ("url = {https://arxiv.org/pdf/1706.03762v2.pdf}", "1706.03762"),
        ("doi = {10.48550/arXiv.1706.03762}", "1706.03762"),
        ("eprint = {hal-01234567}, eprinttype = {hal}", None),
    ],
)
def test_arxiv_ids_are_found_wherever_bib_files_put_them(fields: str, arxiv: str | None) -> None:
    found = entry(f"@article{{k, title = {{T}}, {fields}}}")
    assert found.arxiv == arxiv
    assert found.doi is None


def test_an_arxiv_article_in_a_real_journal_stays_an_article_with_the_id_in_extra() -> None:
    found = entry("@article{k, title={T}, journal={Nature}, eprint={1706.03762}, doi={10.1038/X}}")
    assert found.item_data["itemType"] == "journalArticle"
    assert found.item_data["extra"] == "arXiv: 1706.03762"
    assert found.doi == "10.1038/x"


def test_the_key_can_go_into_extra_instead_of_the_native_field() -> None:
    result = import_bib("@misc{smith2020, title = {T}, url = {https://x.org}}", key_field="extra")
    data = result.entries[0].item_data
    assert "citationKey" not in data and data["extra"] == "Citation Key: smith2020"


def test_month_names_numbers_and_macros_give_an_iso_month() -> None:
    dates = [
        entry(f"@misc{{k, title = {{T}}, year = 2020, month = {month}}}").item_data["date"]
        for month in ("jun", "{June}", "{6}", '"Jun."', "{Summer}")
    ]
    assert dates == ["2020-06", "2020-06", "2020-06", "2020-06", "2020"]


def test_names_follow_bibtex_rules() -> None:
    found = entry(
        "@misc{k, title = {T}, author = {van der Berg, Jan and Ludwig van Beethoven and "
        "{World Health Organization} and Smith, Jr., John and others}}"
    )
    assert found.item_data["creators"] == [
        {"creatorType": "author", "firstName": "Jan", "lastName": "van der Berg"},
        {"creatorType": "author", "firstName": "Ludwig", "lastName": "van Beethoven"},
        {"creatorType": "author", "name": "World Health Organization"},
        {"creatorType": "author", "firstName": "John", "lastName": "Smith Jr."},
    ]


@given(st.text(max_size=300))
def test_import_never_raises_on_any_text(text: str) -> None:
    result = import_bib(text)
    assert all(isinstance(p.line, int) and p.message for p in result.problems)


CUTTABLE = (BIB / "python-bibtexparser__biber-examples.bib").read_text()


@given(
    st.integers(min_value=0, max_value=len(CUTTABLE)),
    st.integers(min_value=0, max_value=len(CUTTABLE)),
)
def test_any_slice_of_a_real_file_imports_without_raising(start: int, end: int) -> None:
    result = import_bib(CUTTABLE[start:end])
    assert len(result.entries) <= 118


def test_a_value_that_swallows_the_next_entry_is_reported() -> None:
    text = "@article{one, title = {Broken, year = 2002,\n@article{two, title = {Second}}}\n"
    result = import_bib(text + "@article{three, title = {Third}}\n")
    assert [e.citekey for e in result.entries] == ["two", "three"]
    assert result.problems == [
        Problem(
            1, "@article skipped: a value runs into the next entry (a missing '}') (at line 2)."
        )
    ]


def test_an_entry_knows_its_ident_for_matching() -> None:
    found = entry("@article{k, title = {Attention Is {All} You Need}, eprint = {1706.03762v5}}")
    assert found.ident == Ident(arxiv="1706.03762", title="attention is all you need")
    with_doi = entry(
        "@article{k, title = {T}, doi = {10.1103/PhysRevB.89.140501}, url = {https://x.org/a}}"
    )
    assert (with_doi.ident.doi, with_doi.ident.url) == (
        "10.1103/physrevb.89.140501",
        "https://x.org/a",
    )


def test_a_stray_control_character_is_not_binary() -> None:
    assert entry("@misc{k, title = {Old DOS file}}\n\x1a").title == "Old DOS file"


def test_entries_without_a_key_are_imported_without_a_duplicate_warning() -> None:
    result = import_bib("@misc{, title = {One}}\n@misc{, title = {Two}}")
    assert ([e.title for e in result.entries], result.problems) == (["One", "Two"], [])
