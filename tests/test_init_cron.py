"""`digest init` scaffolds without overwriting; `digest cron` prints lines cron can run as they are."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest

from conftest import run
from digest.config import KEYS, Settings, load_settings
from digest.scaffold import settings_template


def test_init_makes_a_newsletter_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("init", "roundup", "--name", "Weekly \"ML\" papers")
    assert code == 0, err
    root = tmp_path / "roundup"
    assert out.splitlines() == ["roundup/issues/", "roundup/seeds/", "roundup/digest.toml", "roundup/.gitignore",
                                "roundup/seeds/README.md"]  # fmt: skip
    assert ".digest/" in (root / ".gitignore").read_text() and "build/" in (root / ".gitignore").read_text()
    settings = load_settings(root / "digest.toml")
    assert settings.name == 'Weekly "ML" papers' and settings.root == root
    assert sorted(p.name for p in root.iterdir()) == [".gitignore", "digest.toml", "issues", "seeds"]


def test_init_refuses_to_overwrite_anything(tmp_path: Path) -> None:
    root = tmp_path / "roundup"
    (root / "issues").mkdir(parents=True)
    code, out, err = run("init", str(root))
    assert code == 1 and out == ""
    assert "it would overwrite" in err and "issues" in err
    assert [p.name for p in root.iterdir()] == ["issues"]
    (tmp_path / "file").write_text("x")
    code, _, err = run("init", str(tmp_path / "file"))
    assert code == 2 and "is a file" in err


def test_the_settings_file_lists_every_key_commented_with_its_default_and_help(tmp_path: Path) -> None:
    text = settings_template()
    assert tomllib.loads(text) == {"arxiv": {}, "email": {}, "smtp": {}, "paths": {}, "publish": {}}
    for spec in KEYS:
        assert f"# {spec.help}" in text
    uncommented = "\n".join(line[2:] if re.match(r"# [a-z_]+ = ", line) else line for line in text.splitlines())
    data = tomllib.loads(uncommented)
    assert sum(len(v) if isinstance(v, dict) else 1 for v in data.values()) == len(KEYS)
    path = tmp_path / "digest.toml"
    path.write_text(uncommented)
    loaded = load_settings(path)
    default = Settings()
    for spec in KEYS:
        section = getattr(loaded, spec.section) if spec.section else loaded
        expected = getattr(default, spec.section) if spec.section else default
        assert getattr(section, spec.attr) == getattr(expected, spec.attr), spec.key


def test_cron_prints_absolute_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "my letter"
    run("init", str(root))
    monkeypatch.chdir(root / "issues")  # the settings file is found upwards
    code, out, err = run("cron", "--weekday", "fri", "--hour", "0")
    assert code == 0, err
    jobs = [line for line in out.splitlines() if not line.startswith("#")]
    assert len(jobs) == 2
    fetch, new = (shlex.split(line.split(" ", 5)[5]) for line in jobs)
    assert jobs[0].startswith("30 23 * * * ") and jobs[1].startswith("0 0 * * 5 ")
    assert fetch[:2] == ["cd", str(root.resolve())] and new[:2] == ["cd", str(root.resolve())]
    assert Path(new[3]).is_absolute() and new[-2:] == ["-q", "new"]
    assert fetch[-4:] == ["-q", "fetch", ">>", ".digest/fetch.log"]
    assert "--config" not in out  # `cd ROOT` finds its digest.toml
    for bad in ("someday", "sunburn"):
        code, _, err = run("cron", "--weekday", bad)
        assert code == 2 and f"--weekday: '{bad}' is not a day" in err
    for good, number in (("Friday", 5), ("tues", 2), ("thurs", 4), ("SUN", 0)):
        code, out, _ = run("cron", "--weekday", good)
        assert code == 0 and f" * * {number} " in out, good


def test_cron_names_settings_found_through_digest_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """cron's environment has no DIGEST_CONFIG: the line must carry the file it named."""
    root = tmp_path / "letter"
    run("init", str(root))
    elsewhere = tmp_path / "conf" / "weekly.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text((root / "digest.toml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.setenv("DIGEST_CONFIG", str(elsewhere))
    code, out, err = run("cron")
    assert code == 0, err
    jobs = [line for line in out.splitlines() if not line.startswith("#")]
    assert all(f"--config {elsewhere.resolve()}" in job for job in jobs), jobs


def test_cron_without_a_settings_file_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("cron")
    assert code == 0 and "no digest.toml found" in err and str(tmp_path) in out
