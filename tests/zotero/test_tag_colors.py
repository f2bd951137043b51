"""Coloured tags on the number keys: the pure reordering and the conditional setting write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from zotmark.errors import ProtocolError, ZoteroError
from zotmark.sandbox import Sandbox
from zotmark.sandbox.model import Setting
from zotmark.zotero.settings import PALETTE, LibrarySettings, with_keys


def _colours(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"name": name, "color": colour} for name, colour in pairs]


def _seed(sandbox: Sandbox, value: list[dict[str, Any]]) -> int:
    """Write the setting as another Zotero client would; its version."""
    library = sandbox.library()
    with sandbox.state.store.lock:
        version = library.bump()
        library.settings["tagColors"] = Setting(value, version)
    return version


def _stored(sandbox: Sandbox) -> list[dict[str, Any]]:
    return list(sandbox.library().settings["tagColors"].value)


@pytest.fixture
def settings(sandbox: Sandbox) -> Iterator[LibrarySettings]:
    with LibrarySettings("user", sandbox.user_id, sandbox.api_key, sandbox.url) as made:
        yield made


def test_new_tags_take_keys_one_and_two_before_the_users_colours() -> None:
    mine = _colours(("to-do", "#FF6666"), ("idea", "#2EA8E5"))
    result = with_keys(mine, ["read", "relevant"])
    assert [e["name"] for e in result] == ["read", "relevant", "to-do", "idea"]
    assert result[2:] == mine


def test_a_tag_that_already_has_a_colour_keeps_it_when_moved_to_its_key() -> None:
    mine = _colours(("to-do", "#FF6666"), ("read", "#A6507B"))
    result = with_keys(mine, ["read", "relevant"])
    assert result[0] == {"name": "read", "color": "#A6507B"}


def test_new_tags_get_colours_nobody_uses() -> None:
    mine = _colours(("a", "#5FB236"), ("b", "#FF8C19"))
    result = with_keys(mine, ["read", "relevant"])
    new = {e["color"] for e in result[:2]}
    assert new <= set(PALETTE)
    assert not new & {"#5FB236", "#FF8C19"}
    assert len(new) == 2


def test_empty_library_gets_both_coloured_tags(settings: LibrarySettings, sandbox: Sandbox) -> None:
    written = settings.assign_keys(["read", "relevant"])
    assert written.names == ["read", "relevant"]
    assert [e["name"] for e in _stored(sandbox)] == ["read", "relevant"]


def test_existing_colours_are_kept_after_the_new_ones(
    settings: LibrarySettings, sandbox: Sandbox
) -> None:
    mine = _colours(("to-do", "#FF6666"), ("idea", "#2EA8E5"))
    _seed(sandbox, mine)
    settings.assign_keys(["read", "relevant"])
    assert _stored(sandbox)[2:] == mine


def test_nothing_is_sent_when_the_tags_already_sit_on_their_keys(
    settings: LibrarySettings, sandbox: Sandbox
) -> None:
    version = _seed(sandbox, _colours(("read", "#5FB236"), ("relevant", "#FF8C19")))
    settings.assign_keys(["read", "relevant"])
    assert sandbox.library().settings["tagColors"].version == version
    assert sandbox.stats()["writes"] == 0


def test_a_setting_changed_meanwhile_is_read_again_and_keeps_the_other_change(
    settings: LibrarySettings, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(sandbox, _colours(("to-do", "#FF6666")))
    put = settings.put_tag_colors
    calls = []

    def concurrent_then_put(entries: Any, version: int) -> int:
        if not calls:
            _seed(sandbox, _colours(("to-do", "#FF6666"), ("late", "#009980")))
        calls.append(version)
        return put(entries, version)

    monkeypatch.setattr(settings, "put_tag_colors", concurrent_then_put)
    settings.assign_keys(["read", "relevant"])
    assert len(calls) == 2
    assert [e["name"] for e in _stored(sandbox)] == ["read", "relevant", "to-do", "late"]


def test_nine_colours_already_taken_stops_without_writing(
    settings: LibrarySettings, sandbox: Sandbox
) -> None:
    nine = _colours(*((f"t{i}", PALETTE[i]) for i in range(9)))
    _seed(sandbox, nine)
    with pytest.raises(ZoteroError, match="past key 9"):
        settings.assign_keys(["read", "relevant"])
    assert _stored(sandbox) == nine


def test_a_web_page_answering_404_is_no_zotero_api_not_an_empty_setting() -> None:
    page = b"<html><head><title>404 Not Found</title></head><body>nginx</body></html>"
    transport = httpx2.MockTransport(
        lambda request: httpx2.Response(404, content=page, headers={"Content-Type": "text/html"})
    )
    with (
        LibrarySettings(
            "user", 1, "SecretKey0123456789abcdef", "http://web.test", transport=transport
        ) as web,
        pytest.raises(ProtocolError, match="does not look like a Zotero API"),
    ):
        web.tag_colors()


def test_tag_colours_that_are_no_list_are_a_protocol_error() -> None:
    transport = httpx2.MockTransport(
        lambda request: httpx2.Response(
            200, json={"value": "red"}, headers={"Last-Modified-Version": "1"}
        )
    )
    with (
        LibrarySettings(
            "user", 1, "SecretKey0123456789abcdef", "http://web.test", transport=transport
        ) as web,
        pytest.raises(ProtocolError, match="tag colours that are a string, not a list"),
    ):
        web.tag_colors()
