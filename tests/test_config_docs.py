"""The README's configuration reference is generated from the models and kept in step."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from zotmark.config import ListSettings
from zotmark.config_docs import END, SECTIONS, START, config_reference, section_reference
from zotmark.config_reader import keys, setting

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_reference() -> str:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, "reference markers missing"
    return text[text.index(START) + len(START) : text.index(END)].lstrip("\n")


def test_the_readme_reference_is_the_generated_one() -> None:
    assert _readme_reference() == config_reference(), (
        "README.md's configuration reference is stale; replace it with the output of "
        "`.venv/bin/python -m zotmark.config_docs`"
    )


def test_every_key_of_every_section_has_a_row() -> None:
    reference = config_reference()
    for _title, model in SECTIONS:
        for name in (field.name for field in keys(model)):
            assert f"| `{name}` |" in reference


def test_allowed_values_and_defaults_come_from_the_model() -> None:
    rows = {
        line.split(" | ")[0].strip("| `"): line
        for line in section_reference("[[lists]]", ListSettings).splitlines()
        if line.startswith("| `")
    }
    assert '`"markdown-wins"` \\| `"zotero-wins"` \\| `"fail"`' in rows["conflict"]
    assert "| `0.25` |" in rows["max_delete_fraction"]
    assert "(≥ 0, ≤ 1)" in rows["max_delete_fraction"]
    assert "**required**" in rows["collection"]


def test_a_key_without_a_written_meaning_is_refused() -> None:
    @dataclass(frozen=True)
    class ListSettings:  # the name of the real section, one key too many
        undocumented: int = setting(1)

    with pytest.raises(KeyError, match="undocumented"):
        section_reference("[[lists]]", ListSettings)


def test_the_guard_s_minimum_is_documented_as_it_behaves() -> None:
    """The README and the key's reference say a run may always delete two entries and that
    lists under three synced entries are not guarded; the planner does exactly that."""

    from tests.core.test_planner import POLICY, _many, run

    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert "Deleting one or two entries never trips the guard" in readme
    assert "A run may always delete two entries" in config_reference()
    strict = POLICY._replace(max_delete_fraction=0.0)
    entries, zotero, base = _many(10)
    assert run(entries[:8], zotero, base, policy=strict).guards == ()  # two of ten
    assert run(entries[:7], zotero, base, policy=strict).guards != ()  # three of ten
    entries, zotero, base = _many(2)
    assert run([], zotero, base).guards == ()  # not guarded below three
