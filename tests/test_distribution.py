"""``python -m build`` makes an sdist and a wheel that ``twine check`` passes, with complete
metadata, and that install cleanly: the README's install section rests on this.

Nothing comes from the network: ``build`` runs without isolation on the test extra's
setuptools, and the wheel is installed without its dependencies into a directory of its own,
then run with this environment's dependencies behind it. The build works on a copy of the
files a clone holds (as the README's own commands are tested), so nothing lands in the tree.
"""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from zotmark import __version__

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _clone_files(target: Path) -> None:
    """Copy the files a clone would have (tracked + untracked, not ignored) to ``target``."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        capture_output=True, check=True, timeout=60,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build`` (sdist, then the wheel from the sdist) on a fresh copy."""
    clone = tmp_path_factory.mktemp("clone")
    _clone_files(clone)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(clone)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def _only(dist: Path, pattern: str) -> Path:
    (found,) = dist.glob(pattern)
    return found


def test_build_makes_an_sdist_and_a_wheel(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir()) == [
        f"zotmark-{__version__}-py3-none-any.whl",
        f"zotmark-{__version__}.tar.gz",
    ]


def test_twine_check_passes_strictly(dist: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def test_the_metadata_is_complete(dist: Path) -> None:
    with zipfile.ZipFile(_only(dist, "*.whl")) as wheel:
        text = wheel.read(f"zotmark-{__version__}.dist-info/METADATA").decode()
        names = wheel.namelist()
    meta = email.parser.Parser().parsestr(text)
    assert meta["Name"] == "zotmark" and meta["Version"] == __version__ == PROJECT["version"]
    assert meta["Summary"] and meta["Author"] and meta["Keywords"]
    assert (meta["License-Expression"], meta["Requires-Python"]) == ("MIT", ">=3.11")
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "Quick start" in meta.get_payload()  # the README is the long description
    classifiers = meta.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert "Typing :: Typed" in classifiers
    requires = meta.get_all("Requires-Dist") or []
    assert all(any(r.startswith(dep.split(">")[0].split("=")[0].split("<")[0])
                   for r in requires) for dep in PROJECT["dependencies"])  # fmt: skip
    assert f"zotmark-{__version__}.dist-info/licenses/LICENSE" in names
    assert "zotmark/py.typed" in names
    assert any(n.startswith("zotmark/data/") for n in names)


def test_the_sdist_holds_the_sources_and_nothing_else(dist: Path) -> None:
    with tarfile.open(_only(dist, "*.tar.gz")) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"LICENSE", "README.md", "pyproject.toml", "src/zotmark/cli/__init__.py"} <= names
    assert not any(n.startswith((".venv", ".git/", "build/")) for n in names)


def test_the_wheel_installs_and_runs(dist: Path, tmp_path: Path) -> None:
    """pip installs the wheel (its dependencies are this environment's); the installed
    ``zotmark`` command and ``python -m zotmark`` run from it, not from the source tree."""
    target = tmp_path / "installed"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         "--disable-pip-version-check", "--target", str(target), str(_only(dist, "*.whl"))],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import zotmark.cli; print(zotmark.cli.__file__)"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(target)
    for command in ([str(target / "bin" / "zotmark"), "--version"],
                    [sys.executable, "-m", "zotmark", "--version"]):  # fmt: skip
        ran = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert (ran.returncode, ran.stdout) == (0, f"zotmark {__version__}\n"), ran.stderr
    demo = subprocess.run(
        [sys.executable, "-m", "zotmark", "demo", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
