"""A tolerant BibTeX reader: raw entries with their line numbers, problems instead of errors.

Pure. Text outside entries is a comment (a line whose ``@`` follows a ``%`` too). ``@string``
macros are expanded (month names predefined), ``#`` concatenations joined, ``@comment`` and
``@preamble`` skipped. An entry that cannot be read becomes a :class:`Problem` at the line where
it starts and reading resumes at the next line that starts with ``@``, so one broken entry (an
unbalanced brace, a truncated file) never takes the rest of the file with it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_MONTH_MACROS = {name[:3].lower(): name for name in MONTHS}

_START = re.compile(r"@[ \t]*([A-Za-z][\w-]*)[ \t\r\n]*([{(])")
_NEXT_LINE_ENTRY = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z][\w-]*[ \t]*[{(]")
_NAME = re.compile(r"[A-Za-z_][\w\-:.+/]*")
_KEY = re.compile(r'[^,\s{}()="#%]*')
_NUMBER = re.compile(r"\d+")
_SPACE = re.compile(r"\s*")
_BRACE = re.compile(r"[{}]")
_QUOTE_OR_BRACE = re.compile(r'[{}"]')


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in a ``.bib`` file zotmark could not use; ``line`` is 1-based (0: the file)."""

    line: int
    message: str


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One entry as written: lower-case type and field names, values with macros expanded."""

    line: int
    entry_type: str
    key: str
    fields: dict[str, str]


@dataclass(slots=True)
class ScanResult:
    """The entries read, in file order, and every problem met."""

    entries: list[RawEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _Unreadable(Exception):
    """Raised inside the scanner for an entry that cannot be read; never leaves the module."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message, self.pos = message, pos


def scan(text: str) -> ScanResult:
    """Every entry of ``text`` that can be read, and a problem for each one that cannot."""
    return _Scanner(text).run()


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.macros = dict(_MONTH_MACROS)
        self.result = ScanResult()
        self.entry_problems: list[Problem] = []
        self.undefined: dict[str, tuple[int, int]] = {}  # macro -> (first line, uses)

    def line_of(self, pos: int) -> int:
        return bisect_right(self.line_starts, pos)

    def run(self) -> ScanResult:
        pos = 0
        while (at := self.text.find("@", pos)) >= 0:
            start = _START.match(self.text, at)
            line_start = self.line_starts[self.line_of(at) - 1]
            if start is None or "%" in self.text[line_start:at]:
                pos = at + 1
                continue
            pos = self._item(at, start)
        for name, (line, uses) in self.undefined.items():
            times = f", used {uses} times" if uses > 1 else ""
            message = f"@string '{name}' is not defined{times}; left empty"
            self.result.problems.append(Problem(line, message))
        self.result.problems.sort(key=lambda problem: problem.line)
        return self.result

    def _item(self, at: int, start: re.Match[str]) -> int:
        """Read the item starting at ``at``; the position to continue from."""
        kind, closer = start.group(1).lower(), ")" if start.group(2) == "(" else "}"
        self.entry_problems = []
        try:
            if kind == "comment":
                return self._skip_group(start.end() - 1)
            if kind == "preamble":
                return self._close(self._value(start.end())[1], closer)
            if kind == "string":
                return self._string(start.end(), closer)
            return self._entry(at, kind, start.end(), closer)
        except _Unreadable as exc:
            return self._recover(at, kind, exc)

    def _recover(self, at: int, kind: str, exc: _Unreadable) -> int:
        """Record ``exc`` as a problem of the item at ``at``; resume at the next ``@`` line."""
        line = self.line_of(at)
        where = f" (at line {self.line_of(exc.pos)})" if self.line_of(exc.pos) != line else ""
        self.result.problems.append(Problem(line, f"@{kind} skipped: {exc.message}{where}."))
        following = _NEXT_LINE_ENTRY.search(self.text, at + 1)
        return following.start() + 1 if following else len(self.text)

    def _entry(self, at: int, kind: str, pos: int, closer: str) -> int:
        pos = self._skip(pos)
        key_match = _KEY.match(self.text, pos)
        key = key_match.group() if key_match else ""
        pos = self._skip(pos + len(key))
        fields: dict[str, str] = {}
        if self._peek(pos) not in (",", closer):
            raise _Unreadable(f"expected ',' after the key '{key}'", pos)
        while self._peek(pos) == ",":
            pos = self._skip(pos + 1)
            if self._peek(pos) == closer:
                break
            name, value, pos = self._field(pos)
            if name in fields:
                self._note(pos, f"field '{name}' of '{key}' given twice; the first one is kept")
            else:
                fields[name] = value
            pos = self._skip(pos)
        end = self._close(pos, closer)
        self.result.entries.append(RawEntry(self.line_of(at), kind, key, fields))
        self.result.problems.extend(self.entry_problems)
        return end

    def _string(self, pos: int, closer: str) -> int:
        pos = self._skip(pos)
        name, value, pos = self._field(pos)
        self.macros[name] = value
        self.result.problems.extend(self.entry_problems)
        return self._close(self._skip(pos), closer)

    def _field(self, pos: int) -> tuple[str, str, int]:
        """``name = value`` at ``pos``: the lower-case name, the value, the position after."""
        name = _NAME.match(self.text, pos)
        if name is None:
            raise _Unreadable("expected a field name", pos)
        pos = self._skip(name.end())
        if self._peek(pos) != "=":
            raise _Unreadable(f"expected '=' after '{name.group()}'", pos)
        value, pos = self._value(pos + 1)
        return name.group().lower(), value, pos

    def _value(self, pos: int) -> tuple[str, int]:
        """A value (pieces joined by ``#``) at ``pos``: its text and the position after it."""
        parts: list[str] = []
        while True:
            pos = self._skip(pos)
            part, pos = self._piece(pos)
            parts.append(part)
            pos = self._skip(pos)
            if self._peek(pos) != "#":
                return "".join(parts), pos
            pos += 1

    def _piece(self, pos: int) -> tuple[str, int]:
        char = self._peek(pos)
        if char == "{":
            end = self._balanced(pos, _BRACE)
            return self.text[pos + 1 : end - 1], end
        if char == '"':
            end = self._balanced(pos, _QUOTE_OR_BRACE)
            return self.text[pos + 1 : end - 1], end
        if number := _NUMBER.match(self.text, pos):
            return number.group(), number.end()
        if name := _NAME.match(self.text, pos):
            macro = name.group().lower()
            if macro not in self.macros:
                line, uses = self.undefined.get(name.group(), (self.line_of(pos), 0))
                self.undefined[name.group()] = (line, uses + 1)
            return self.macros.get(macro, ""), name.end()
        raise _Unreadable('expected a value ({…}, "…", a number or a @string name)', pos)

    def _balanced(self, pos: int, pattern: re.Pattern[str]) -> int:
        """The end of the ``{…}`` or ``"…"`` group opening at ``pos`` (braces nest inside)."""
        depth, quoted = 0, self.text[pos] == '"'
        for match in pattern.finditer(self.text, pos + 1):
            char = match.group()
            if char == '"' and depth == 0:
                return self._checked(pos, match.end())
            depth += 1 if char == "{" else -1 if char == "}" else 0
            if depth < 0 and not quoted:
                return self._checked(pos, match.end())
            if depth < 0:
                raise _Unreadable("unbalanced '}' inside a quoted value", match.start())
        raise _Unreadable("the file ends inside a value (a missing '}' or a truncated file)", pos)

    def _checked(self, start: int, end: int) -> int:
        """``end``, unless the group ``start``–``end`` runs over the start of another entry."""
        runaway = _NEXT_LINE_ENTRY.search(self.text, start, end)
        if runaway:
            raise _Unreadable("a value runs into the next entry (a missing '}')", runaway.end())
        return end

    def _skip_group(self, pos: int) -> int:
        """The position after the balanced group at ``pos`` (or after its line, if unbalanced)."""
        try:
            return self._balanced(pos, _BRACE)
        except _Unreadable:
            newline = self.text.find("\n", pos)
            return len(self.text) if newline < 0 else newline + 1

    def _close(self, pos: int, closer: str) -> int:
        if self._peek(pos) != closer:
            if pos >= len(self.text):
                raise _Unreadable("the file ends inside the entry (truncated?)", pos)
            if self._peek(pos) == "@":
                raise _Unreadable(
                    f"it is not closed before the next entry (a missing '{closer}'?)", pos
                )
            raise _Unreadable(f"expected ',' or '{closer}', found '{self._peek(pos)}'", pos)
        return pos + 1

    def _skip(self, pos: int) -> int:
        """The first position at or after ``pos`` that is not whitespace."""
        return _SPACE.match(self.text, pos).end()  # type: ignore[union-attr]

    def _peek(self, pos: int) -> str:
        return self.text[pos : pos + 1]

    def _note(self, pos: int, message: str) -> None:
        """A problem that does not stop the current entry (kept only if the entry is read)."""
        self.entry_problems.append(Problem(self.line_of(pos), message))
