"""Shared test set-up: every test runs isolated from the developer's settings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def modules_loaded(argv: list[str], modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after `digest ARGV` (which must succeed)."""
    import subprocess
    import sys

    probe = (
        "import sys\nfrom digest.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit as done:\n    assert not done.code, done.code\n"
        f"print('imported:' + ','.join(sorted(m for m in {modules!r} if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [m for m in done.stdout.strip().splitlines()[-1].removeprefix("imported:").split(",") if m]


def run(*args: str) -> tuple[int, str, str]:
    """``digest ARGS`` in this process: (exit code, stdout, stderr). A crash is a test failure,
    never an exit code that happens to match."""
    from click.testing import CliRunner

    from digest.cli import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr



CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium: the browser tests drive it with Playwright and never download one of their own."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for a test module; skipped, saying why, when it or playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian package `chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install playwright; no browser download needed)")
    with sync_playwright() as p:
        chromium = launch_chromium(p)
        try:
            yield chromium
        finally:
            chromium.close()


def default_sigint() -> None:
    """For `subprocess.Popen(preexec_fn=...)`: the child gets Ctrl-C as a terminal would send it.
    A shell without job control starts background jobs with SIGINT ignored, and a child inherits
    that; a test that stops `digest preview` with SIGINT must not depend on how pytest was started."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
