"""A list file's bytes as text and back: UTF-8 only, and a precise refusal of anything else.

A list is UTF-8, with or without a byte order mark (the BOM stays in the text as U+FEFF, so it
is written back as it was read). Anything else is refused before a single entry is read, with
one paragraph naming the file, where the first offending byte sits and how to convert the file:
a byte that is not valid UTF-8 (a Latin-1 or Windows-1252 file, one stray byte in a title), a
NUL byte (a binary file, or UTF-16 without a BOM), and UTF-16 or UTF-32 text (their BOMs).

UTF-16 and UTF-32 are refused rather than decoded and written back in their encoding: every
writer of the list (a sync run, ``import-bib``, the daemon's announcement of its own writes by
content hash) would have to carry the file's encoding along, for files no Markdown tool writes
by default; a one-line conversion to UTF-8 costs the user less than that machinery costs all.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from zotmark.errors import ListFileError

__all__ = ["ENCODING", "decode_list", "encode_list"]

ENCODING = "utf-8"

_WIDE_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def decode_list(data: bytes, path: Path) -> str:
    """The text of the list ``path`` whose bytes are ``data``.

    Raises :class:`ListFileError` naming ``path`` when the bytes are not UTF-8 text: a file
    holding a NUL byte is binary; else the first byte that is not valid UTF-8 is named. The
    message gives the byte's value, its 1-based line (lines end at ``\\r\\n``, ``\\r`` or
    ``\\n``, as the parser counts them) and column (in characters), and how to convert the
    file.
    """
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            raise ListFileError(
                f"cannot read the list {path}: it is {name} text (it starts with a {name} byte "
                f"order mark), and zotmark reads and writes lists as UTF-8 only. Save it as "
                f"UTF-8 in your editor, or convert it with {_iconv(name, path)}."
            )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ListFileError(
            f"cannot read the list {path}: it holds a NUL byte (0x00) at {_where(data, nul)}, "
            "so it is a binary file (or UTF-16 text without a byte order mark), not a Markdown "
            "list. Check that this is your reading list; zotmark reads lists as UTF-8 text."
        )
    try:
        return data.decode(ENCODING)
    except UnicodeDecodeError as error:
        bad = error.start
        raise ListFileError(
            f"cannot read the list {path}: byte 0x{data[bad]:02X} at {_where(data, bad)} is "
            "not valid UTF-8, and zotmark reads lists as UTF-8 only. Save the file as UTF-8 in "
            f"your editor, or convert it from its encoding, e.g. from Latin-1 with "
            f"{_iconv('latin1', path)}."
        ) from None


def encode_list(text: str, path: Path) -> bytes:
    """The bytes the list ``path`` is written with: ``text`` as UTF-8.

    Raises :class:`ListFileError` when ``text`` holds a lone surrogate (which UTF-8 cannot
    hold; text from outside the file is escaped into U+FFFD before it gets here).
    """
    try:
        return text.encode(ENCODING)
    except UnicodeEncodeError as error:
        raise ListFileError(
            f"cannot write the list {path}: the new text holds a character UTF-8 cannot "
            f"encode ({error.reason}); the file was not changed."
        ) from None


def _where(data: bytes, offset: int) -> str:
    """``line L, column C`` of the byte at ``offset`` (the column in characters: exact when
    the bytes before it are valid UTF-8)."""
    before = data[:offset]
    line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
    start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
    column = len(before[start:].decode(ENCODING, "replace")) + 1
    return f"line {line}, column {column}"


def _iconv(source: str, path: Path) -> str:
    """A shell command that converts ``path`` from ``source`` to UTF-8 in place."""
    import shlex  # (only for this advice; its import compiles a pattern, ~1M instructions)

    quoted, converted = shlex.quote(str(path)), shlex.quote(f"{path}.utf8")
    return f"`iconv -f {source} -t UTF-8 {quoted} > {converted} && mv {converted} {quoted}`"
