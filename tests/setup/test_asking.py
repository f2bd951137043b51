"""setup.asking: without a person to ask, every answer is its default, and a key cannot be."""

from __future__ import annotations

import pytest

from zotmark.errors import ConfigError
from zotmark.setup.asking import Defaults


def test_the_defaults_answer_with_the_default() -> None:
    ask = Defaults()
    assert not ask.interactive
    assert ask.text("Collection", "Reading List") == "Reading List"
    assert ask.confirm("Colour the tags?", True) is True
    assert ask.confirm("Colour the tags?", False) is False


def test_the_defaults_cannot_make_up_a_key() -> None:
    with pytest.raises(ConfigError, match="ZOTERO_API_KEY"):
        Defaults().secret("API key")
