"""The Python handle and the pytest fixtures: reset, seeding, stats, errors re-raised."""

from __future__ import annotations

import httpx2
import pytest

from zotmark.sandbox import Sandbox
from zotmark.sandbox.backdoor import SeedError


def test_each_test_starts_with_empty_libraries(sandbox: Sandbox) -> None:
    """The per-test fixture resets data, versions and counters."""
    assert sandbox.items() == {} and sandbox.library_version() == 0
    assert sandbox.request_count == 0
    sandbox.add_items([{"itemType": "book", "title": "left behind"}])


def test_reset_clears_what_the_previous_test_left(sandbox: Sandbox) -> None:
    """Runs after the test above in file order: nothing is left."""
    assert sandbox.items() == {}


def test_seeded_items_get_one_version_each(sandbox: Sandbox) -> None:
    """``add_items`` goes through validation and versioning like an API write."""
    keys = sandbox.add_items([{"itemType": "book", "title": "a"}, {"itemType": "book"}])
    assert [sandbox.items()[k]["version"] for k in keys] == [1, 2]


def test_seeding_invalid_data_raises_with_the_server_message(sandbox: Sandbox) -> None:
    """Seed data the server would refuse raises ``SeedError``."""
    with pytest.raises(SeedError, match="is not a valid itemType"):
        sandbox.add_items([{"itemType": "nope"}])


def test_stats_count_requests_by_route(sandbox: Sandbox) -> None:
    """Every API request is counted, by method and by route pattern; keys are masked."""
    zot = sandbox.zotero()
    zot.items()
    zot.key_info()
    stats = sandbox.stats()
    assert stats["requests"] == 2
    assert stats["by_route"]["GET /users/{id}/items"] == 1
    assert sandbox.api_key not in str(stats)


def test_server_side_exceptions_are_re_raised(sandbox: Sandbox) -> None:
    """An exception inside a handler becomes a 500 and is re-raised by ``check_errors``."""
    library = sandbox.library()
    library.items = None  # type: ignore[assignment]  # break the server on purpose
    try:
        response = httpx2.get(
            f"{sandbox.url}/users/{sandbox.user_id}/items",
            headers={"Zotero-API-Key": sandbox.api_key},
            trust_env=False,
        )
        assert (response.status_code, response.text) == (500, "An error occurred")
        with pytest.raises(AttributeError):
            sandbox.check_errors()
    finally:
        sandbox.reset()


def test_repr_never_shows_the_keys(sandbox: Sandbox) -> None:
    """The handle's repr names the URL, not the API keys."""
    assert sandbox.api_key not in repr(sandbox)
    assert sandbox.readonly_key not in repr(sandbox)


def test_editing_as_the_zotero_app_moves_the_item_version(sandbox: Sandbox) -> None:
    """``update_item`` is a partial update with a new version, visible through the API."""
    key = sandbox.add_items([{"itemType": "book", "title": "a", "tags": [{"tag": "x"}]}])[0]
    version = sandbox.update_item(key, {"tags": [{"tag": "x"}, {"tag": "read"}]})
    assert version == 2
    assert sandbox.zotero().item(key)["data"]["tags"] == [{"tag": "read"}, {"tag": "x"}]
