"""The worlds the adversarial tests put zotmark in, and what must hold once it synced them.

A scenario prepares a world whose next ``zotmark sync`` has work to do (a first sync of the
original list or of a generated one of 120 entries; edits on both sides of a synced list) and
checks, after that sync, that both sides agree with every edit, with no duplicate, and that the
list is the user's text plus zotmark's surgical edits only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.adversarial.helpers import (
    ORIGINAL,
    World,
    assert_no_duplicates,
    assert_paired,
    in_collection,
    strip_anchors,
    the_collection,
)

Make = Callable[..., World]
ORIGINAL_TEXT = ORIGINAL.read_text(encoding="utf-8")


def generated_list(n: int) -> str:
    """A list of ``n`` entries in four link styles, with headings, prose and ticked boxes."""
    lines = ["# A generated reading list", "", "Papers in every link style zotmark reads.", ""]
    for i in range(n):
        if i % 30 == 0:
            lines += [f"## Part {i // 30 + 1}", ""]
        arxiv = f"2301.{10000 + i}"
        link = (
            f"([Link](https://arxiv.org/abs/{arxiv}))",
            f"(Link)[https://arxiv.org/abs/{arxiv}]",
            f"<https://example.org/papers/{i}>",
            "",
        )[i % 4]
        box = "x" if i % 5 == 0 else " "
        lines.append(f"- [{box}] **Synthetic Study {i:03d} of Crash-Safe Sync** {link}".rstrip())
        if i % 4 != 3:
            lines.append(f"    - [{'x' if i % 3 == 0 else ' '}] Relevant?")
        if i % 30 == 29:
            lines.append("")
    return "\n".join(lines) + "\n"


GENERATED = generated_list(120)  # creates in three batches of at most 50


# --- scenarios: what the killed run has to do, and what must hold once it is finished -----------


@dataclass(frozen=True)
class FirstSync:
    """The first sync of a list nobody synced yet."""

    text: str
    entries: int

    def prepare(self, make: Make, name: str) -> World:
        return make(self.text, name)

    def check(self, world: World) -> None:
        listing = world.listing()
        assert strip_anchors(listing.text) == self.text, "the list changed beyond its anchors"
        assert len(listing.rows) == self.entries
        assert_no_duplicates(world.sandbox, self.entries)
        assert_paired(world.sandbox, listing)


# The mixed edits, on the original list once synced. In the file:
TICKED = "Deep Cross-Modal Audio-Visual Generation"
FLAGGED = "Enriched Music Representations with Multiple Cross-modal Contrastive Learning"
RETITLED = "Vision Transformers: A Survey"
RETITLED_TO = "Vision Transformers: A Survey (Second Edition)"
REMOVED = "MMT: Transformer for Multi-modal Multi-label Self-supervised Learning"
BOTH = "See and Listen: Score-Informed Association of Sound Tracks to Players in Chamber"
ADDED = "Attention Is All You Need"
ADDED_BLOCK = f"- [ ] **{ADDED}** ([Link](https://arxiv.org/abs/1706.03762))\n    - [x] Relevant?\n"
# ... and in Zotero:
TAGGED = "Audio-Visual Embedding for Cross-Modal Music Video Retrieval"
TAGGED_RELEVANT = "Creating a Multitrack Classical Music Performance Dataset"
UNTAGGED = "Vision Transfomers are Robust Learners"
Z_RETITLED = "Neural Audio Synthesis of Musical Notes with WaveNet Autoencoders"
Z_RETITLED_TO = f"{Z_RETITLED}, Revisited"
TAKEN_OUT = "MIR-ST500: A Dataset for Music Information Retrieval"
TRASHED = "Audio to Body Dynamics: Predicting Musician Body Movements from Audio"
Z_ADDED = "Deep Residual Learning for Image Recognition"


def _line_of(lines: list[str], fragment: str) -> int:
    found = [i for i, line in enumerate(lines) if f"**{fragment}" in line]
    assert len(found) == 1, fragment
    return found[0]


def _tick(lines: list[str], at: int) -> None:
    lines[at] = lines[at].replace("[ ]", "[x]", 1)


def _file_edits(text: str) -> str:
    """The user's edits of the file (anchors, if any, kept)."""
    lines = text.split("\n")
    _tick(lines, _line_of(lines, TICKED))
    _tick(lines, _line_of(lines, FLAGGED) + 1)
    _tick(lines, _line_of(lines, BOTH))
    at = _line_of(lines, RETITLED)
    lines[at] = lines[at].replace(f"**{RETITLED}**", f"**{RETITLED_TO}**")
    at = _line_of(lines, REMOVED)
    del lines[at : at + 2]
    return "\n".join(lines) + "\n" + ADDED_BLOCK  # the original ends without a line ending


def _zotero_echo(text: str) -> str:
    """What the Zotero edits do to the file (anchors, if any, kept)."""
    lines = text.split("\n")
    _tick(lines, _line_of(lines, TAGGED))
    _tick(lines, _line_of(lines, TAGGED_RELEVANT) + 1)
    _tick(lines, _line_of(lines, BOTH) + 1)
    at = _line_of(lines, UNTAGGED) + 1
    lines[at] = lines[at].replace("[x]", "[ ]")
    at = _line_of(lines, Z_RETITLED)
    lines[at] = lines[at].replace(f"**{Z_RETITLED}**", f"**{Z_RETITLED_TO}**")
    for struck in (TAKEN_OUT, TRASHED):
        at = _line_of(lines, struck)
        start = lines[at].index("**")
        end = lines[at].index("**", start + 2) + 2
        lines[at] = f"{lines[at][:start]}~~{lines[at][start:end]}~~{lines[at][end:]}"
    return "\n".join(lines)


class MixedEdits:
    """Edits on both sides of the synced original list: boxes, tags, titles, an entry added
    and one removed in the file, an item added, one taken out and one trashed in Zotero."""

    entries = 17

    def prepare(self, make: Make, name: str) -> World:
        world = make(ORIGINAL_TEXT, name)
        world.run_here("sync").ok()
        sandbox = world.sandbox
        world.list.write_text(_file_edits(world.text()), encoding="utf-8")
        rows = world.listing()
        collection = the_collection(sandbox)

        def edit(fragment: str, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
            key = rows.row(fragment).key
            assert key is not None
            sandbox.update_item(key, change(sandbox.items()[key]))

        def tag(item: dict[str, Any], name: str, on: bool = True) -> dict[str, Any]:
            kept = [t for t in item["tags"] if t["tag"] != name]
            return {"tags": [*kept, {"tag": name}] if on else kept}

        edit(TAGGED, lambda item: tag(item, "read"))
        edit(TAGGED_RELEVANT, lambda item: tag(item, "relevant"))
        edit(UNTAGGED, lambda item: tag(item, "relevant", on=False))
        edit(BOTH, lambda item: tag(item, "relevant"))
        edit(Z_RETITLED, lambda item: {"title": Z_RETITLED_TO})
        edit(TAKEN_OUT, lambda item: {"collections": []})
        edit(TRASHED, lambda item: {"deleted": 1})
        sandbox.add_items(
            [
                {
                    "itemType": "journalArticle",
                    "title": Z_ADDED,
                    "DOI": "10.1109/CVPR.2016.90",
                    "url": "https://doi.org/10.1109/CVPR.2016.90",
                    "collections": [collection],
                    "tags": [{"tag": "read"}],
                }
            ]
        )
        return world

    def check(self, world: World) -> None:
        listing = world.listing()
        added = listing.row(Z_ADDED)
        assert added.read and not added.struck, added
        assert added.line > listing.row(ADDED).line, "the Zotero item was not appended"
        lines = strip_anchors(listing.text).split("\n")
        end = added.line + (2 if added.relevant is not None else 1)
        del lines[added.line : end]
        expected = _zotero_echo(_file_edits(ORIGINAL_TEXT))
        assert "\n".join(lines) == expected, "the list is not the user's edits plus the Zotero echo"
        sandbox = world.sandbox
        assert_no_duplicates(sandbox, self.entries + 2)
        assert_paired(sandbox, listing)
        items = sandbox.items()
        removed = [i for i in items.values() if i["title"] == REMOVED]
        assert len(removed) == 1 and not removed[0].get("deleted"), "policy: out of the collection"
        assert ADDED in {i["title"] for i in in_collection(sandbox).values()}


SCENARIOS: dict[str, FirstSync | MixedEdits] = {
    "first17": FirstSync(ORIGINAL_TEXT, 17),
    "first120": FirstSync(GENERATED, 120),
    "mixed17": MixedEdits(),
}
