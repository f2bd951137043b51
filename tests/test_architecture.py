"""The shape of the code: the import-linter contracts of pyproject.toml hold, ``core/`` is pure
(no ``open``, nothing imported but pure standard-library modules and core itself), no import
cycle among zotmark's modules, and no module longer than 400 lines.

The graph is read from the sources with :mod:`ast`; imports under ``if TYPE_CHECKING:`` are
left out (they never run), imports inside functions are kept (they run when called).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "zotmark"
CORE = PACKAGE / "core"

MAX_LINES = 400
TOO_LONG_FOR_NOW: dict[str, str] = {}
"""Modules over :data:`MAX_LINES` today, each with who is splitting it. The list only shrinks:
an entry whose module is gone or short enough fails the test until it is removed."""

PURE_STDLIB = frozenset(
    {
        "__future__", "abc", "bisect", "collections", "dataclasses", "datetime", "decimal",
        "enum", "fractions", "functools", "hashlib", "heapq", "html", "itertools", "math",
        "operator", "re", "string", "textwrap", "types", "typing", "unicodedata",
        "urllib.parse",
    }
)  # fmt: skip
"""What ``core/`` may import besides itself: standard-library modules that touch no file,
socket, process, clock or database (``urllib.parse``, not ``urllib.request``)."""


def _modules() -> Iterator[tuple[str, Path]]:
    """Every module of zotmark: its dotted name and its file."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``tree`` outside ``if TYPE_CHECKING:`` blocks (their ``else`` is kept)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _imports(module: str, path: Path) -> Iterator[tuple[str, tuple[str, ...], int]]:
    """What ``module`` imports at run time: (module, names taken from it, line)."""
    is_package = path.name == "__init__.py"
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:  # relative: from the package (or the module's own package)
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, target] if target else base)
            yield target, tuple(alias.name for alias in node.names), node.lineno


def test_the_import_linter_contracts_hold() -> None:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("lint-imports is not installed; import-linter is part of the 'test' extra")
    result = subprocess.run(
        [found, "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _pure(name: str) -> bool:
    return any(name == pure or name.startswith(pure + ".") for pure in PURE_STDLIB)


def test_core_imports_only_pure_modules_and_itself() -> None:
    offenders = []
    for module, path in _modules():
        if not module.startswith("zotmark.core"):
            continue
        for target, names, line in _imports(module, path):
            if target == "zotmark.core" or target.startswith("zotmark.core.") or _pure(target):
                continue
            if names and all(_pure(f"{target}.{name}") for name in names):
                continue  # `from urllib import parse`
            offenders.append(f"{path.relative_to(SRC)}:{line}: {target}")
    assert offenders == []


FILE_CALLS = frozenset({"open", "read_text", "write_text", "read_bytes", "write_bytes"})
"""``open(…)``, ``io.open(…)``, ``path.open(…)`` and pathlib's whole-file reads and writes."""


def test_core_never_calls_open() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = node.func
            name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", "")
            if name in FILE_CALLS:
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}: {name}()")
    assert offenders == []


def _graph() -> dict[str, set[str]]:
    """zotmark's modules and the zotmark modules each imports at run time (a name imported
    from a package counts as its submodule when there is one)."""
    known = dict(_modules())
    graph: dict[str, set[str]] = {module: set() for module in known}
    for module, path in known.items():
        for target, names, _ in _imports(module, path):
            submodules = {f"{target}.{name}" for name in names} & known.keys()
            graph[module] |= submodules or ({target} & known.keys())
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module, or a module importing
    itself (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in graph[module]:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert sorted(_cycles(graph)) == [["a", "b", "c"], ["e"]]


def test_no_import_cycle_among_zotmark_modules() -> None:
    assert _cycles(_graph()) == []


def test_every_module_has_at_most_400_lines() -> None:
    lengths = {
        str(path.relative_to(SRC)): len(path.read_text(encoding="utf-8").splitlines())
        for _, path in _modules()
    }
    too_long = {name: n for name, n in lengths.items() if n > MAX_LINES}
    assert sorted(too_long.keys() - TOO_LONG_FOR_NOW.keys()) == []
    stale = sorted(
        f"{name} ({lengths.get(name, 'gone')}): remove it from TOO_LONG_FOR_NOW"
        for name in TOO_LONG_FOR_NOW.keys() - too_long.keys()
    )
    assert stale == []
