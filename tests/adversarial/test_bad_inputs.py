"""Bad list files and bad configs given to a real ``zotmark sync`` (and ``daemon``).

A list that cannot be read is exit 1, a config that cannot be used exit 2: one paragraph that
names the file, and nothing sent to Zotero. A list that breaks after it was synced must not
look like a list whose entries were deleted: the collection stays as it was, and once the
file is back the next run finds nothing to do.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.adversarial.helpers import (
    ZOTMARK,
    World,
    assert_idle,
    assert_no_duplicates,
    assert_no_key,
    assert_paired,
    environment,
    strip_anchors,
)
from tests.adversarial.scenarios import Make

from zotmark.sandbox import Sandbox

pytestmark = [pytest.mark.adversarial, pytest.mark.system]

SMALL = (
    "# Papers\n\n"
    "- [ ] **Attention Is All You Need** ([Link](https://arxiv.org/abs/1706.03762))\n"
    "    - [ ] Relevant?\n"
    "- [x] **Deep Residual Learning for Image Recognition** (https://doi.org/10.1109/CVPR.2016.90)\n"
    "    - [x] Relevant?\n"
    "- [ ] **Café Society: Naïve Études**\n"
    "- [ ] **Denoising Diffusion Probabilistic Models** <https://arxiv.org/abs/2006.11239>\n"
)


def _replace(path: Path, make: Callable[[Path], object]) -> None:
    path.unlink()
    make(path)


BAD_LISTS: list[tuple[str, Callable[[Path], object], str]] = [
    # (id, what to do to the list, what the message says)
    ("latin-1", lambda p: p.write_bytes(SMALL.encode("latin-1")), "byte 0xE9 at line 7, column 12"),
    ("utf-16", lambda p: p.write_bytes(SMALL.encode("utf-16")), "it is UTF-16 text"),
    ("binary", lambda p: p.write_bytes(bytes(range(256)) * 4), "it holds a NUL byte"),
    ("fifo", lambda p: _replace(p, os.mkfifo), "it is a named pipe (FIFO)"),
    ("directory", lambda p: _replace(p, Path.mkdir), "it is a directory"),
    ("over-64-MiB", lambda p: os.truncate(p, 65 * 2**20), "larger than the 64 MiB"),
    ("missing", Path.unlink, "No such file or directory"),
    ("link-to-dev-zero", lambda p: _replace(p, lambda q: q.symlink_to("/dev/zero")), "device"),
    ("dangling-link", lambda p: _replace(p, lambda q: q.symlink_to("gone.md")), "No such file"),
]


@pytest.mark.parametrize(
    ("damage", "says"), [c[1:] for c in BAD_LISTS], ids=[c[0] for c in BAD_LISTS]
)
def test_a_list_that_breaks_after_a_sync_stops_the_run_and_leaves_zotero_alone(
    world: Make, server: Sandbox, damage: Callable[[Path], object], says: str
) -> None:
    subject = world(SMALL, "subject")
    subject.run_here("sync").ok()
    synced = subject.list.read_bytes()
    items, version = server.items(), server.library_version()
    server.reset_stats()
    damage(subject.list)
    message = subject.run("sync", timeout=30).error(1)
    assert f"cannot read the list {subject.list}" in message and says in message, message
    assert server.stats()["writes"] == 0 and server.items() == items
    assert server.library_version() == version
    # The file back as it was: nothing to do.
    if subject.list.is_dir() and not subject.list.is_symlink():
        subject.list.rmdir()
    else:
        subject.list.unlink(missing_ok=True)
    subject.list.write_bytes(synced)
    report = subject.run_here("sync", "--json").ok().json()["lists"][0]
    assert report["zotero_actions"] == [] and report["file_actions"] == [], report
    assert_idle(subject)


def test_a_list_that_cannot_be_read_on_the_first_sync_sends_nothing(
    world: Make, server: Sandbox
) -> None:
    subject = world(SMALL.encode("cp1252").replace(b"Caf\xe9", b"\x93Caf\xe9\x94"), "subject")
    message = subject.run("sync").error(1)
    assert f"cannot read the list {subject.list}: byte 0x93 at line 7, column 9" in message
    assert "iconv -f latin1 -t UTF-8" in message
    assert server.stats()["writes"] == 0 and not server.collections() and not server.items()


def test_a_list_emptied_by_mistake_trips_the_guard_with_exit_4(
    world: Make, server: Sandbox
) -> None:
    subject = world(SMALL, "subject")
    subject.run_here("sync").ok()
    items = server.items()
    subject.list.write_text("# Papers\n\n", encoding="utf-8")
    message = subject.run("sync").error(4)
    assert "Stopped to protect your data" in message and "--force-delete" in message
    assert server.items() == items
    assert subject.list.read_text(encoding="utf-8") == "# Papers\n\n"


def test_a_list_with_bom_crlf_tabs_and_no_final_newline_keeps_every_byte(
    world: Make, server: Sandbox
) -> None:
    text = "\ufeff" + SMALL.replace("    - [", "\t- [").replace("\n", "\r\n").rstrip("\r\n")
    subject = world(text, "subject")
    subject.run("sync").ok()
    written = subject.list.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf") and not written.endswith(b"\n")
    assert b"\r\n" in written and written.count(b"\n") == written.count(b"\r\n")
    stripped = written.decode("utf-8")
    for line in stripped.split("\r\n"):
        assert line.count("<!-- zotero:") == (1 if "- [" in line and "Relevant" not in line else 0)
    assert strip_anchors(stripped) == text
    assert_no_duplicates(server, 4)
    assert_paired(server, subject.listing())
    assert_idle(subject)


# --- configs -------------------------------------------------------------------------------------


def _config(world: World, body: str) -> None:
    """Replace the world's config: a sound one, with ``body`` appended (or altered)."""
    text = world.config.read_text(encoding="utf-8")
    world.write_config(text + body)


KEYLIKE = "Zm0Adversarial0Key0Here1"  # the shape of a real key (24 letters and digits)
PASTED = f'[zotero]\napi_key_env = "{KEYLIKE}"\n'  # the key where its variable's name goes
BAD_CONFIGS: list[tuple[str, Callable[[str], str], str]] = [
    # (id, config text -> bad config text, what the message says)
    ("malformed-toml", lambda c: c + "[daemon\n", "is not valid TOML"),
    ("poll-inf", lambda c: c.replace("poll_seconds = 3600", "poll_seconds = inf"), "= inf"),
    ("poll-nan", lambda c: c.replace("poll_seconds = 3600", "poll_seconds = nan"), "= nan"),
    ("poll-zero", lambda c: c.replace("poll_seconds = 3600", "poll_seconds = 0"), "≥ 1"),
    ("debounce-negative", lambda c: c.replace("= 0.2", "= -1"), "debounce_seconds"),
    ("delete-fraction", lambda c: c + "max_delete_fraction = 1.5\n", "max_delete_fraction"),
    ("unknown-key", lambda c: c + "colection = 'x'\n", "colection"),
    ("wrong-type", lambda c: c + 'anchors = "yes"\n', "anchors"),
    ("bad-policy", lambda c: c + 'conflict = "theirs"\n', "markdown-wins"),
    ("no-lists", lambda c: c[: c.index("[[lists]]")], "lists"),
    (
        "key-pasted-as-env-name",
        lambda c: c.replace("[zotero]\n", f'[zotero]\napi_key_env = "{KEYLIKE}"\n'),
        "api_key_env",
    ),
    ("base-url-not-http", lambda c: c.replace('base_url = "http', 'base_url = "ftp'), "base_url"),
    ("not-utf-8", lambda c: c.replace("Reading List", "Lecture \udce9"), "not UTF-8"),
]


@pytest.mark.parametrize(
    ("spoil", "says"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS]
)
def test_a_bad_config_exits_2_naming_the_file_and_sends_nothing(
    world: Make, server: Sandbox, spoil: Callable[[str], str], says: str
) -> None:
    subject = world(SMALL, "subject")
    spoiled = spoil(subject.config.read_text(encoding="utf-8"))
    subject.config.write_bytes(spoiled.encode("utf-8", "surrogateescape"))
    real = spoil is BAD_CONFIGS[0][1]  # one real process; the rest fail before any I/O
    ran = subject.run("sync") if real else subject.run_here("sync")
    message = ran.error(2)
    assert str(subject.config) in message and says in message, message
    assert KEYLIKE not in ran.err
    assert server.request_count == 0 and not server.collections()


def test_a_config_state_dir_that_is_a_file_exits_2(world: Make, server: Sandbox) -> None:
    subject = world(SMALL, "subject")
    subject.state.write_text("not a directory\n", encoding="utf-8")
    message = subject.run("sync").error(2)
    assert str(subject.config) in message and "is a file, not a directory" in message
    assert server.request_count == 0


def test_a_missing_or_unreadable_config_exits_2(world: Make, server: Sandbox) -> None:
    subject = world(SMALL, "subject")
    subject.config.unlink()
    assert "does not exist" in subject.run("sync").error(2)
    subject.config.mkdir()
    assert str(subject.config) in subject.run("sync").error(2)
    assert server.request_count == 0


def test_the_daemon_with_a_bad_config_exits_2_at_once(world: Make, server: Sandbox) -> None:
    subject = world(SMALL, "subject")
    _config(subject, "max_delete_fraction = inf\n")
    done = subprocess.run(
        [*ZOTMARK, "daemon", "--config", str(subject.config)],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert str(subject.config) in done.stderr and "Traceback" not in done.stderr
    assert_no_key(done.stdout, done.stderr)
    assert server.request_count == 0
