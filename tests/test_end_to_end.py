"""The week, end to end: init -> fetch (local arXiv stand-in) -> new -> the editor's notes -> render."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from arxiv_server import ArxivServer, entries
from conftest import REPO, run


def redate(items: list[bytes], days: list[str]) -> list[bytes]:
    """The recorded entries, published and updated on the given days in turn."""
    out = []
    for i, e in enumerate(items):
        day = days[i % len(days)].encode()
        e = re.sub(rb"<published>[^<]*</published>", b"<published>" + day + b"T10:00:00Z</published>", e)
        out.append(re.sub(rb"<updated>[^<]*</updated>", b"<updated>" + day + b"T10:00:00Z</updated>", e))
    return out


def test_init_fetch_new_notes_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("init", "letter")[0] == 0
    root = tmp_path / "letter"
    toml = (root / "digest.toml").read_text()
    toml = toml.replace('# sponsor = ""', 'sponsor = "Brought to you by tests."')
    toml = toml.replace('# categories = ["cs.LG", "cs.CL"]', 'categories = ["cs.SE", "cs.LG"]')
    (root / "digest.toml").write_text(toml)
    shutil.copy(REPO / "seeds" / "000_8ee33a9eee23e926.txt", root / "seeds")
    monkeypatch.chdir(root)
    items = redate(entries("arxiv-api-2026-100-entries-all_testing.xml"), ["2022-10-18", "2022-10-20", "2022-10-22"])
    with ArxivServer() as server:
        server.serve_window(items)
        monkeypatch.setenv("DIGEST_ARXIV_API_URL", server.api_url)
        monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
        # the days behind the announcements of the issue: from REREAD_DAYS (15) before its window
        code, out, err = run("fetch", "--since", "2022-10-02", "--until", "2022-10-23")
        assert code == 0, err
        code, out, err = run("new", "--date", "2022-10-23", "--limit", "12")
        assert code == 0, err
        assert len(server.api_requests) == 1  # the window was fetched completely already: new asks nothing
    assert "network: api 2022-10-02..2022-10-23: skipped" in out
    # Tuesday's and Thursday's papers; Saturday's are announced on Monday, after the issue's date
    assert re.search(r"^announced in the last 7 days \(window_days: no earlier issue\): ([4-7][0-9]) papers", out, re.M), out
    assert "ranking: best first by a model learnt from your seeds" in out and "more wait in `digest triage 2022-10-23`" in out
    issue = root / "issues" / "2022-10-23.md"
    text = issue.read_text()
    assert text.startswith("---\ndate: 2022-10-23\nstatus: draft\nheadline: ") and "sponsor: Brought to you by tests.\n---\n" in text
    assert text.count("<!-- digest:paper") == 12 and "score: " in text
    ids = re.findall(r"^id: (\S+)$", text, re.M)
    # the editor writes about two papers, leaves the rest
    chosen = ids[:2]
    for n, ident in enumerate(chosen):
        marker = f"id: {ident}\n"
        end = text.index("-->\n", text.index(marker)) + 4
        text = text[:end] + f"\nEditor's take on paper {n}: *worth reading*.\n" + text[end:]
    issue.write_text(text)
    code, out, err = run("render", "issues/2022-10-23.md", "--format", "md", "--out", "-")
    assert code == 0, err
    assert "Editor's take on paper 0" in out and "Editor's take on paper 1" in out
    assert out.count("\n## ") == 2 and "Brought to you by tests." in out
    assert "10 candidates without notes are left out (`digest -v render issues/2022-10-23.md` lists them)" in err
    code, out, err = run("new", "--date", "2022-10-23", "--offline", "--limit", "12")
    assert code == 0 and "added 0 candidates" in out and issue.read_text() == text
