"""``zotmark init`` against the sandbox, as a script runs it (flags, --yes) and as a person does
(a pseudo-terminal, pexpect): a good key, a read-only key, a wrong key, no key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pexpect
import pytest
from tests.helpers import FIXTURES

from zotmark.sandbox import Sandbox

pytestmark = pytest.mark.system

WRONG_KEY = "WRONGwrongWRONGwrong9876"


def _env(tmp_path: Path, key: str | None) -> dict[str, str]:
    """The environment of a user whose config and state live under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if k != "ZOTERO_API_KEY"}
    env |= {
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
        "COLUMNS": "200",
    }
    if key is not None:
        env["ZOTERO_API_KEY"] = key
    return env


def _init(
    tmp_path: Path, sandbox: Sandbox, key: str | None, *args: str
) -> subprocess.CompletedProcess[str]:
    """``zotmark init --yes`` in ``tmp_path`` with the original list beside it."""
    listfile = tmp_path / "reading-list.md"
    if not listfile.exists():
        listfile.write_bytes((FIXTURES / "original-reading-list.md").read_bytes())
    return subprocess.run(
        [sys.executable, "-m", "zotmark.cli", "init", "--yes", "--base-url", sandbox.url, *args],
        cwd=tmp_path,
        env=_env(tmp_path, key),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _words(text: str) -> str:
    """``text`` with its line wrapping undone."""
    return " ".join(text.split())


def _config(tmp_path: Path, name: str = "zotmark.toml") -> dict[str, Any]:
    with (tmp_path / name).open("rb") as handle:
        return tomllib.load(handle)


def _collections(sandbox: Sandbox, library: str = "user") -> dict[str, str]:
    return {c["name"]: k for k, c in sandbox.collections(library).items()}


# --- non-interactive ----------------------------------------------------------------------


def test_init_with_flags_writes_a_private_config_that_names_the_variable_not_the_key(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    result = _init(tmp_path, sandbox, sandbox.api_key)
    assert result.returncode == 0, result.stderr
    config = tmp_path / "zotmark.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert sandbox.api_key not in config.read_text()
    assert sandbox.api_key not in result.stdout + result.stderr
    assert _config(tmp_path)["zotero"]["api_key_env"] == "ZOTERO_API_KEY"
    assert _config(tmp_path)["zotero"]["library_id"] == str(sandbox.user_id)


def test_init_creates_the_collection_and_the_config_names_it(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    result = _init(tmp_path, sandbox, sandbox.api_key, "--collection", "Lab papers")
    assert result.returncode == 0, result.stderr
    assert _config(tmp_path)["lists"][0]["collection"] == _collections(sandbox)["Lab papers"]


def test_init_picks_an_existing_collection_by_name_without_creating_another(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    key = sandbox.add_collection("Reading List")
    result = _init(tmp_path, sandbox, sandbox.api_key)
    assert result.returncode == 0, result.stderr
    assert _config(tmp_path)["lists"][0]["collection"] == key
    assert len(sandbox.collections()) == 1


def test_init_puts_read_and_relevant_on_keys_one_and_two(tmp_path: Path, sandbox: Sandbox) -> None:
    result = _init(tmp_path, sandbox, sandbox.api_key, "--tag-colors")
    assert result.returncode == 0, result.stderr
    colours = sandbox.library().settings["tagColors"].value
    assert [c["name"] for c in colours] == ["read", "relevant"]


def test_init_without_tag_colors_leaves_the_setting_alone(tmp_path: Path, sandbox: Sandbox) -> None:
    result = _init(tmp_path, sandbox, sandbox.api_key, "--no-tag-colors")
    assert result.returncode == 0, result.stderr
    assert "tagColors" not in sandbox.library().settings


def test_init_ends_with_a_dry_run_that_plans_the_first_sync_and_changes_nothing(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    before = (FIXTURES / "original-reading-list.md").read_bytes()
    result = _init(tmp_path, sandbox, sandbox.api_key)
    assert result.returncode == 0, result.stderr
    assert "dry run: 17 Zotero and 17 file changes" in result.stdout
    assert (tmp_path / "reading-list.md").read_bytes() == before
    assert sandbox.items() == {}


def test_init_s_dry_run_names_no_key_for_items_the_real_sync_will_create(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """A dry run's new keys are drawn at random and the real sync draws others: it shows none
    (before, each create and anchor line named a key the real sync never used)."""
    result = _init(tmp_path, sandbox, sandbox.api_key)
    assert result.returncode == 0, result.stderr
    creates = [line for line in result.stdout.splitlines() if "zotero: create" in line]
    anchors = [line for line in result.stdout.splitlines() if ": anchor to" in line]
    assert creates
    assert all(line.split("zotero: create ", 1)[1].startswith("“") for line in creates), creates
    assert all(line.endswith("anchor to its new item") for line in anchors), anchors


def test_init_fills_in_the_sandbox_s_streaming_url(tmp_path: Path, sandbox: Sandbox) -> None:
    """The sandbox serves the streaming API at its root; the config names it, so the daemon
    sees changes at once (before: stream_url = "", polling only)."""
    result = _init(tmp_path, sandbox, sandbox.api_key)
    assert result.returncode == 0, result.stderr
    assert _config(tmp_path)["zotero"]["stream_url"] == sandbox.stream_url.rstrip("/")


def test_init_that_cannot_write_its_config_creates_no_collection(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """The collection is created only once the config is written (before: it was created
    first and left behind when the config could not be written)."""
    (tmp_path / "taken").write_text("a file where the config's directory should be\n")
    result = _init(
        tmp_path, sandbox, sandbox.api_key, "--tag-colors", "--config-out", "taken/zotmark.toml"
    )
    assert result.returncode == 2
    assert "taken" in _words(result.stderr)
    assert sandbox.collections() == {}
    assert "tagColors" not in sandbox.library().settings


def test_init_stores_the_key_in_a_private_key_file_when_asked(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    keyfile = tmp_path / "secret" / "zotero-key"
    result = _init(tmp_path, sandbox, sandbox.api_key, "--key-file", str(keyfile))
    assert result.returncode == 0, result.stderr
    assert keyfile.read_text().strip() == sandbox.api_key
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    assert _config(tmp_path)["zotero"]["api_key_file"] == str(keyfile)


def test_init_for_a_group_library_works_in_the_group(tmp_path: Path, sandbox: Sandbox) -> None:
    group = str(sandbox.group_id)
    args = ("--library-type", "group", "--library-id", group, "--tag-colors")
    result = _init(tmp_path, sandbox, sandbox.api_key, *args)
    assert result.returncode == 0, result.stderr
    zotero = _config(tmp_path)["zotero"]
    assert (zotero["library_type"], zotero["library_id"]) == ("group", group)
    assert "Reading List" in _collections(sandbox, "group")
    assert "tagColors" in sandbox.library("group").settings


def test_init_with_a_read_only_key_exits_2_with_advice_and_writes_nothing(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    result = _init(tmp_path, sandbox, sandbox.readonly_key)
    assert result.returncode == 2
    assert "read-only" in _words(result.stderr)
    assert "Allow write access" in _words(result.stderr)
    assert not (tmp_path / "zotmark.toml").exists()
    assert sandbox.collections() == {}


def test_init_with_a_wrong_key_exits_2_without_showing_it(tmp_path: Path, sandbox: Sandbox) -> None:
    result = _init(tmp_path, sandbox, WRONG_KEY)
    assert result.returncode == 2
    assert "refused the API key" in _words(result.stderr)
    assert WRONG_KEY not in result.stdout + result.stderr
    assert not (tmp_path / "zotmark.toml").exists()


def test_init_without_a_key_and_without_a_terminal_exits_2_naming_the_variable(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    result = _init(tmp_path, sandbox, None)
    assert result.returncode == 2
    assert "ZOTERO_API_KEY" in _words(result.stderr)


def test_init_never_overwrites_an_existing_config(tmp_path: Path, sandbox: Sandbox) -> None:
    (tmp_path / "zotmark.toml").write_text("# mine\n")
    result = _init(tmp_path, sandbox, sandbox.api_key)
    assert result.returncode == 2
    assert (tmp_path / "zotmark.toml").read_text() == "# mine\n"
    assert sandbox.collections() == {}


def test_the_config_init_wrote_syncs(tmp_path: Path, sandbox: Sandbox) -> None:
    assert _init(tmp_path, sandbox, sandbox.api_key).returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "zotmark.cli", "sync"],
        cwd=tmp_path,
        env=_env(tmp_path, sandbox.api_key),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "17 created" in result.stdout


# --- interactive (a pseudo-terminal) ------------------------------------------------------


def _spawn(tmp_path: Path, sandbox: Sandbox, *args: str) -> pexpect.spawn:
    (tmp_path / "reading-list.md").write_bytes((FIXTURES / "original-reading-list.md").read_bytes())
    return pexpect.spawn(
        sys.executable,
        ["-m", "zotmark.cli", "init", "--base-url", sandbox.url, *args],
        cwd=str(tmp_path),
        env=_env(tmp_path, None),
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )


def _finish(child: pexpect.spawn) -> int:
    """The exit code, once the child closed the terminal and exited (reaped first, so closing
    the terminal need not wait ptyprocess's 0.1 s for it to go away)."""
    child.expect(pexpect.EOF)
    code = child.wait()
    child.ptyproc.delayafterclose = 0
    child.close()
    return code


def test_interactive_init_asks_everything_and_keeps_the_key_in_a_private_file(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    sandbox.add_collection("Old stuff")
    child = _spawn(tmp_path, sandbox)
    child.expect("Zotero API key")
    child.sendline(sandbox.api_key)
    child.expect("The key belongs to")
    child.expect(r"your own \(user\) or a group")
    child.sendline("")
    child.expect("Key OK: it may read and write your personal library")
    child.expect("Old stuff")
    child.expect("Collection to sync")
    child.sendline("Reading List")
    child.expect("Create the collection")
    child.sendline("y")
    child.expect("keys 1 and 2")
    child.sendline("y")
    child.expect("Save the key in")
    child.sendline("y")
    child.expect("dry run: 17 Zotero")
    assert _finish(child) == 0
    keyfile = tmp_path / "xdg-config" / "zotmark" / "api-key"
    assert keyfile.read_text().strip() == sandbox.api_key
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    assert set(_collections(sandbox)) == {"Old stuff", "Reading List"}
    assert sandbox.api_key not in (tmp_path / "zotmark.toml").read_text()


def test_interactive_init_hides_the_key_as_it_is_typed(tmp_path: Path, sandbox: Sandbox) -> None:
    child = _spawn(tmp_path, sandbox, "--library-type", "user", "--no-tag-colors")
    child.expect("Zotero API key")
    child.sendline(sandbox.api_key)
    child.expect("Key OK")
    seen = child.before + child.after
    child.sendline("Reading List")  # the collection
    child.expect("Create the collection")
    child.sendline("y")
    child.expect("Save the key in")
    child.sendline("n")
    child.expect("Then set \\$ZOTERO_API_KEY")
    assert _finish(child) == 0
    assert sandbox.api_key not in seen
    assert "api_key_file" not in (tmp_path / "zotmark.toml").read_text()


def test_interactive_init_asks_again_after_a_wrong_key(tmp_path: Path, sandbox: Sandbox) -> None:
    args = ("--library-type", "user", "--collection", "Papers", "--no-tag-colors")
    child = _spawn(tmp_path, sandbox, *args, "--no-dry-run")
    child.expect("Zotero API key")
    child.sendline(WRONG_KEY)
    child.expect("refused the API key")
    child.expect("Zotero API key")
    child.sendline(sandbox.api_key)
    child.expect("Key OK")
    child.expect("Create the collection")
    child.sendline("y")
    child.expect("Save the key in")
    child.sendline("y")
    assert _finish(child) == 0
    assert "Papers" in _collections(sandbox)


def test_interactive_init_refuses_a_read_only_key_and_asks_for_another(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """A read-only key is refused at once, with advice, and another key is asked for; it is
    never called OK (before: "Key OK", then exit 2 after the library was chosen)."""
    args = ("--library-type", "user", "--collection", "Papers", "--no-tag-colors")
    child = _spawn(tmp_path, sandbox, *args, "--no-dry-run")
    child.expect("Zotero API key")
    child.sendline(sandbox.readonly_key)
    child.expect("write access: NO")
    child.expect(r"Allow write\s+access")
    child.expect("Enter another key")
    refused = child.before
    child.expect("Zotero API key")
    child.sendline(sandbox.api_key)
    child.expect("Key OK")
    child.expect("Create the collection")
    child.sendline("y")
    child.expect("Save the key in")
    child.sendline("y")
    assert _finish(child) == 0
    assert "Key OK" not in refused
    keyfile = tmp_path / "xdg-config" / "zotmark" / "api-key"
    assert keyfile.read_text().strip() == sandbox.api_key  # the second key, the one that writes


def test_interactive_init_stops_after_three_read_only_keys(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    child = _spawn(tmp_path, sandbox, "--library-type", "user")
    for _ in range(3):
        child.expect("Zotero API key")
        child.sendline(sandbox.readonly_key)
        child.expect("write access: NO")
    child.expect(r"Allow write\s+access")
    assert _finish(child) == 2
    assert not (tmp_path / "zotmark.toml").exists()
    assert sandbox.collections() == {}


def test_interactive_init_on_an_empty_library_asks_for_the_new_collection_s_name(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """No table and no "a number above" when there is nothing above."""
    child = _spawn(tmp_path, sandbox, "--library-type", "user", "--no-tag-colors", "--no-dry-run")
    child.expect("Zotero API key")
    child.sendline(sandbox.api_key)
    child.expect("no collections yet")
    child.expect("Name of the collection to create")
    asked = child.before + child.after
    child.sendline("")  # the default name
    child.expect("Create the collection “Reading List”")
    child.sendline("y")
    child.expect("Save the key in")
    child.sendline("n")
    assert _finish(child) == 0
    assert "number above" not in asked
    assert set(_collections(sandbox)) == {"Reading List"}


def test_interactive_init_changes_nothing_in_zotero_before_the_config_is_written(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """Every question comes before any write: answering no at the last question (the key
    file) leaves no collection and no tag colours behind if the config cannot be written."""
    (tmp_path / "taken").write_text("a file where the config's directory should be\n")
    child = _spawn(
        tmp_path, sandbox, "--library-type", "user", "--config-out", "taken/zotmark.toml"
    )
    child.expect("Zotero API key")
    child.sendline(sandbox.api_key)
    child.expect("Collection to sync|Name of the collection")
    child.sendline("Fresh")
    child.expect("Create the collection")
    child.sendline("y")
    child.expect("keys 1 and 2")
    child.sendline("y")
    child.expect("Save the key in")
    child.sendline("n")
    assert _finish(child) == 2
    assert sandbox.collections() == {}
    assert "tagColors" not in sandbox.library().settings
