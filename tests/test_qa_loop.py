"""The editor's weekly loop as a user runs it: cron's `digest -q new`, `digest cron`, an issue
deleted while `new` fetches, and the triage page loading cleanly."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from conftest import run
from digest.paper import Author, Paper
from digest.store import Store


def paper(n: int, day: int = 20) -> Paper:
    when = datetime(2022, 10, day, 12, tzinfo=timezone.utc)
    return Paper(f"2210.{n:05d}", 1, f"Paper {n}: on things", (Author("Ada Lovelace"),), f"Abstract {n} about things.",
                 categories=("cs.LG",), primary_category="cs.LG", published=when, updated=when, source="api")  # fmt: skip


def _letter(root: Path, monkeypatch: pytest.MonkeyPatch, categories: str = '"cs.LG"', papers: int = 5) -> Path:
    (root / "issues").mkdir(parents=True)
    (root / "digest.toml").write_text(f"max_candidates = 3\n[arxiv]\ncategories = [{categories}]\n")
    with Store.open(root / ".digest" / "store.sqlite") as store:
        store.upsert([paper(n, day=17 + n % 7) for n in range(1, papers + 1)])
    monkeypatch.chdir(root)
    return root


def _arxiv(monkeypatch: pytest.MonkeyPatch, server: Any) -> None:
    monkeypatch.setenv("DIGEST_ARXIV_API_URL", server.api_url)
    monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
    monkeypatch.setenv("DIGEST_ARXIV_RETRIES", "0")


def test_cron_is_told_when_arxiv_has_nothing_in_the_categories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A category arXiv files nothing under (a misspelling of the right shape is only a warning, and -q
    hides it) drafts an empty issue every week: `digest -q new` (cron) must say so, naming the
    setting and where it was set, instead of exiting 0 in silence."""
    from arxiv_server import ArxivServer

    _letter(tmp_path / "letter", monkeypatch, categories='"cs.QQ"', papers=0)
    with ArxivServer() as server:  # answers every search with arXiv's empty result
        _arxiv(monkeypatch, server)
        code, out, err = run("-q", "new", "--date", "2022-10-23")
    assert (code, out) == (0, "")
    (line,) = err.splitlines()
    assert line.startswith("warning: arXiv announced no papers in arxiv.categories (cs.QQ) after Sun 2022-10-16 20:00 ET")
    assert "check arxiv.categories in digest.toml (line 3) against arXiv's category names" in line
    # offline, the store is what is missing, and the advice says to fetch
    code, out, err = run("new", "--date", "2022-10-23", "--offline")
    assert code == 0 and "warning: the store has no papers announced" in err and "run `digest fetch`" in err


def test_cron_outside_a_newsletter_says_so_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("cron")
    assert code == 0 and str(tmp_path) in out
    assert err.splitlines() == [f"warning: no digest.toml found: the lines use the current folder, {tmp_path}"
                                " (`digest init` makes one)"]  # fmt: skip


def test_an_issue_deleted_while_new_fetches_says_what_running_again_does(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The re-run after the deletion drafts a file without the papers proposed before (deleted stays
    deleted): the message must not promise "a new one" as if they came back, and must say where they are."""
    from arxiv_server import ArxivServer

    root = _letter(tmp_path / "letter", monkeypatch)
    issue = root / "issues" / "2022-10-23.md"
    assert run("new", "--date", "2022-10-23", "--offline")[0] == 0
    with ArxivServer() as server:
        _arxiv(monkeypatch, server)
        # the editor deletes the draft while `new` waits on arXiv
        code, out, err = server.while_held(lambda: run("new", "--date", "2022-10-23", "--limit", "0"), issue.unlink)
    assert code == 1 and out == "" and not issue.exists()
    assert err == ("issues/2022-10-23.md: the issue was deleted while `digest new` ran; nothing written. `digest new --date"
                   " 2022-10-23` drafts a new one without the papers proposed before; `digest triage 2022-10-23`"
                   " keeps any of them\n")  # fmt: skip
    code, out, _ = run("new", "--date", "2022-10-23", "--offline")  # what the message says happens
    assert code == 0 and "drafted 0 candidates" in out and "deleted by the editor, not added again: 3" in out


def test_the_triage_page_loads_without_an_error_in_the_console(browser: Any, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Not even the browser's request for /favicon.ico fails (a 404 there is an error in the console)."""
    from digest.config import load_settings
    from digest.triage import Triage, TriageServer

    _letter(tmp_path / "letter", monkeypatch)
    assert run("new", "--date", "2022-10-23", "--offline")[0] == 0
    server = TriageServer(Triage.open(load_settings(), None), port=0)
    server.start()
    try:
        context = browser.new_context()
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url)
        page.wait_for_selector("body[data-ready]", state="attached")
        page.wait_for_load_state("networkidle")
        assert page.locator("#n-left").inner_text() == "4"
        assert errors == []
        context.close()
    finally:
        server.close()


def test_an_issue_dated_far_ahead_is_refused_as_a_typo_before_anything_is_drafted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """`--date 2029-10-23` for 2022-10-23 would draft every paper up to 2029 into a file the real issues
    never exclude; next week's date (planning ahead) is fine."""
    from digest import clock

    root = _letter(tmp_path / "letter", monkeypatch)
    monkeypatch.setattr(clock, "now", lambda: datetime(2022, 10, 21, 12, tzinfo=timezone.utc))
    code, out, err = run("new", "--date", "2029-10-23", "--offline")
    assert (code, out) == (2, "")
    (line,) = err.strip().splitlines()
    assert line.endswith(" new: Invalid value for '--date': 2029-10-23 is 2559 days after today (2022-10-21); give the"
                         " issue's own date (at most 31 days ahead); see `cli new --help`")  # fmt: skip
    assert list((root / "issues").iterdir()) == [] and not (root / ".digest" / "runs.log").exists()
    code, out, err = run("new", "--date", "2022-10-30", "--offline")
    assert code == 0 and (root / "issues" / "2022-10-30.md").exists(), err


def test_triage_after_an_empty_draft_does_not_send_the_editor_back_to_new(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    _letter(tmp_path / "letter", monkeypatch, papers=0)
    code, _, err = run("triage", "2022-10-23")
    assert code == 1 and err.strip().endswith("run `digest new --date 2022-10-23` first"), err
    code, _, err = run("new", "--date", "2022-10-23", "--offline")
    assert code == 0, err
    code, out, err = run("triage", "2022-10-23")
    assert (code, out) == (1, "")
    assert err.strip() == ("issues/2022-10-23.md: `digest new` proposed no candidates for 2022-10-23; run `digest new"
                           " --date 2022-10-23` again once arXiv has announced more, or with --window N for more days")


def test_quiet_init_prints_only_what_it_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("-q", "init", "roundup")
    assert (code, err) == (0, "") and "roundup/digest.toml" in out.splitlines()
    code, out, err = run("init", "other")
    assert code == 0 and err.startswith("next: cd other && digest fetch && digest new")


def test_the_run_totals_are_said_once_after_the_windows(tmp_path: Path) -> None:
    """A window cut at complete days reports its skipped end too: the run's totals belong to no one window."""
    from types import SimpleNamespace

    from digest.draft.report import NewReport
    from digest.fetch import FetchReport, WindowReport

    fetch = FetchReport(via="api", new=120, updated=3, requests=2)
    fetch.windows += [WindowReport("api", "2022-10-07", "2022-10-12", "skipped"),
                      WindowReport("api", "2022-10-13", "2022-10-23", "complete", fetched=1680)]  # fmt: skip
    report = NewReport(path=tmp_path / "x.md", date=datetime(2022, 10, 23).date(), fetch=fetch,
                       window=SimpleNamespace(reason="since the draft of 2022-10-16"))  # type: ignore[arg-type]  # fmt: skip
    assert [line for line in report.lines() if line.startswith("network: ")] == [
        "network: api 2022-10-07..2022-10-12: skipped, 0 entries",
        "network: api 2022-10-13..2022-10-23: complete, 1680 entries (120 new, 3 updated, 2 requests)",
    ]


def test_a_window_without_an_announcement_blames_no_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A daily newsletter's Saturday: arXiv announced nothing since Friday's draft, by its schedule. Cron hears
    nothing, and the report says why the draft is empty instead of calling a category misspelt."""
    from arxiv_server import ArxivServer

    _letter(tmp_path / "letter", monkeypatch, papers=0)  # (arXiv's stand-in answers every search with nothing)
    code, _, err = run("new", "--date", "2022-10-21", "--offline")
    assert code == 0, err
    with ArxivServer() as server:
        _arxiv(monkeypatch, server)
        code, out, err = run("-q", "new", "--date", "2022-10-22")
        assert (code, out, err) == (0, "", ""), err
        code, out, err = run("new", "--date", "2022-10-22")
    assert code == 0 and "arxiv.categories" not in out + err
    assert "arXiv made no announcement after " in out + err and "Sunday to Thursday, 20:00 ET" in out + err


def test_init_names_a_folder_with_a_space_so_the_next_command_can_be_pasted(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    code, _, err = run("init", "news letter")
    assert code == 0 and err.startswith("next: cd 'news letter' && digest fetch && digest new"), err
    code, _, err = run("init", "--", "-x")
    assert code == 0 and err.startswith("next: cd ./-x && "), err  # not `cd -x`: an option to cd
