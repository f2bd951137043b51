"""``zotmark demo``: the whole two-way loop on the original list, with no account and no network.

:func:`run_demo` copies the packaged list into a temporary directory, starts the sandbox (a
local Zotero API server) in this process, runs the first sync, plays the Zotero app (a tag
``read`` set on one paper, a paper added to the collection), runs again and returns the diff
of the file. It tells ``say`` what happens as it happens (rich renderables) and leaves nothing
behind: the directory is removed and the server stopped, whatever happens.
"""

from __future__ import annotations

import difflib
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from zotmark.config import Config, load_config
from zotmark.markdown.parser import DEFAULT_FLAGS, parse
from zotmark.presentation.render import plan_lines, report_json
from zotmark.sandbox import Sandbox, start_sandbox
from zotmark.sync.report import RunReport
from zotmark.sync.session import open_session
from zotmark.zotero.client import ZoteroClient
from zotmark.zotero.transport import TlsOnDemandTransport

COLLECTION = "Reading List"
LIST_NAME = "reading-list"
READ_PAPER = "WaveNet: A Generative Model for Raw Audio"
NEW_PAPER = {
    "itemType": "preprint",
    "title": "Attention Is All You Need",
    "url": "https://arxiv.org/abs/1706.03762",
    "repository": "arXiv",
    "archiveID": "arXiv:1706.03762",
    "tags": [{"tag": "relevant"}],
}
_ANCHOR = re.compile(r"<!-- zotero:([23456789A-Z]{8}) -->")

Say = Callable[[RenderableType], None]


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One item of the collection as the demo's table shows it."""

    key: str
    item_type: str
    title: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What the demo did: both runs, the collection after the first, the file's diff."""

    first: RunReport
    second: RunReport
    items: tuple[ItemRow, ...]
    diff: str
    seconds: float

    def as_json(self) -> dict[str, Any]:
        """The result as JSON-ready values (``zotmark demo --json``)."""
        return {
            "first_sync": report_json(self.first),
            "zotero_items": [
                {"key": r.key, "type": r.item_type, "title": r.title, "tags": list(r.tags)}
                for r in self.items
            ],
            "simulated_in_zotero": {"tagged_read": READ_PAPER, "added": NEW_PAPER["title"]},
            "second_sync": report_json(self.second),
            "diff": self.diff,
            "seconds": round(self.seconds, 2),
        }


def demo_list_text() -> str:
    """The packaged demo list (the original reading list, byte for byte)."""
    return (resources.files("zotmark") / "data" / "demo-reading-list.md").read_text("utf-8")


def run_demo(say: Say = lambda _r: None) -> DemoResult:
    """Run the demo (see the module docstring); ``say`` is shown each step as it happens."""
    started = time.monotonic()
    with _workspace() as directory, start_sandbox() as sandbox:
        listfile = directory / "reading-list.md"
        listfile.write_text(demo_list_text(), encoding="utf-8", newline="")
        config = _write_config(directory, sandbox)
        say(_intro(listfile, sandbox))
        first = _sync(config)
        say(_run_lines("First sync", first))
        rows = _collection_rows(sandbox, listfile.read_text(encoding="utf-8"))
        say(items_table(rows))
        before = listfile.read_text(encoding="utf-8")
        say(_simulate(sandbox))
        second = _sync(config)
        say(_run_lines("Second sync", second))
        diff = file_diff(before, listfile.read_text(encoding="utf-8"))
        say(diff_text(diff))
    seconds = time.monotonic() - started
    say(Text(f"Done in {seconds:.1f} s; the temporary directory and the sandbox are gone.\n"))
    return DemoResult(first, second, tuple(rows), diff, seconds)


@contextmanager
def _workspace() -> Iterator[Path]:
    """A private temporary directory (under ``$TMPDIR``), removed on the way out."""
    path = Path(tempfile.mkdtemp(prefix="zotmark-demo-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _write_config(directory: Path, sandbox: Sandbox) -> Config:
    """The demo's ``zotmark.toml`` (the sandbox's key stays in memory, never in the file)."""
    path = directory / "zotmark.toml"
    path.write_text(
        "[zotero]\n"
        f"library_id = {sandbox.user_id}\n"
        f'base_url = "{sandbox.url}"\n'
        'stream_url = ""\n\n'
        '[state]\ndir = "state"\n\n'
        "[[lists]]\n"
        f'name = "{LIST_NAME}"\nfile = "reading-list.md"\ncollection = "{COLLECTION}"\n'
        "enrich = false\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return load_config(path, environ={"ZOTERO_API_KEY": sandbox.api_key})


def _local_client(config: Config) -> ZoteroClient:
    """A client that talks to the sandbox directly (never through a proxy)."""
    zotero = config.zotero
    key = config.api_key().reveal()
    return ZoteroClient(
        zotero.library_type, zotero.library_id, key, zotero.base_url,
        transport=TlsOnDemandTransport(),
    )  # fmt: skip


def _sync(config: Config) -> RunReport:
    with open_session(config, client_factory=_local_client) as session:
        [report] = session.sync(LIST_NAME)
    return report


def _collection_rows(sandbox: Sandbox, text: str) -> list[ItemRow]:
    """The collection's items, in the order of the entries anchored to them in the file."""
    collection = next(k for k, c in sandbox.collections().items() if c["name"] == COLLECTION)
    items = sandbox.items()
    order = {key: index for index, key in enumerate(_ANCHOR.findall(text))}
    members = [k for k, i in items.items() if collection in i.get("collections", [])]
    members.sort(key=lambda k: (order.get(k, len(order)), k))
    return [
        ItemRow(
            key,
            str(items[key]["itemType"]),
            str(items[key].get("title", "")),
            tuple(sorted(t["tag"] for t in items[key].get("tags", []))),
        )
        for key in members
    ]


def _simulate(sandbox: Sandbox) -> RenderableType:
    """Play the Zotero app: tag one paper ``read``, add a new paper to the collection."""
    collection = next(k for k, c in sandbox.collections().items() if c["name"] == COLLECTION)
    key, item = next((k, i) for k, i in sandbox.items().items() if i["title"] == READ_PAPER)
    sandbox.update_item(key, {"tags": [*item.get("tags", []), {"tag": "read"}]})
    [added] = sandbox.add_items([{**NEW_PAPER, "collections": [collection]}])
    return Text.assemble(
        ("Meanwhile, in Zotero", "bold"),
        f" (simulated):\n  • the tag “read” was set on “{READ_PAPER}” ({key})\n"
        f"  • “{NEW_PAPER['title']}” ({added}) was added to the collection, tagged “relevant”\n",
    )


def _intro(listfile: Path, sandbox: Sandbox) -> RenderableType:
    entries = len(parse(listfile.read_text(encoding="utf-8"), DEFAULT_FLAGS).entries)
    return Text.assemble(
        ("zotmark demo", "bold"),
        f": the original reading list ({entries} entries) in a temporary directory, and a local\n"
        f"Zotero sandbox at {sandbox.url} (no account, no network).\n",
    )


def _run_lines(title: str, report: RunReport) -> RenderableType:
    text = Text.assemble((title, "bold"), f": {report.summary}\n")
    for line in plan_lines(report.plan)[:8]:
        text.append(f"  {line}\n")
    hidden = len(plan_lines(report.plan)) - 8
    if hidden > 0:
        text.append(f"  … and {hidden} more\n", style="dim")
    return text


def items_table(rows: list[ItemRow]) -> Table:
    """The Zotero side as a table: key, item type, title and tags of every item."""
    table = Table(title=f"Zotero: collection “{COLLECTION}” ({len(rows)} items)", expand=False)
    table.add_column("key", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("title")
    table.add_column("tags", no_wrap=True)
    for row in rows:
        table.add_row(row.key, row.item_type, row.title, ", ".join(row.tags))
    return table


def file_diff(before: str, after: str) -> str:
    """The unified diff of the list between the two runs."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile="reading-list.md (after the first sync)",
        tofile="reading-list.md (after the second sync)",
        n=1,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def diff_text(diff: str) -> Text:
    """The diff, coloured: additions green, removals red, hunk headers cyan."""
    text = Text.assemble(("What the second sync changed in the file:\n", "bold"))
    styles = {"+": "green", "-": "red", "@": "cyan"}
    for line in diff.splitlines(keepends=True):
        header = line.startswith(("+++", "---"))
        text.append(line, style="bold" if header else styles.get(line[:1], ""))
    return text
