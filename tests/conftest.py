"""Shared test set-up: every test runs isolated from the developer's settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/* from the current output instead of comparing",
    )


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No DIGEST_* variable from the developer's shell leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("DIGEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture()
def newsletter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample newsletter (this repository's digest.toml, issues/, seeds/), as cwd."""
    root = tmp_path / "newsletter"
    root.mkdir()
    shutil.copy(REPO / "digest.toml", root / "digest.toml")
    shutil.copytree(REPO / "issues", root / "issues")
    shutil.copytree(REPO / "seeds", root / "seeds")
    monkeypatch.chdir(root)
    return root
