"""`digest triage` in headless Chromium (Debian's `chromium`, driven by Playwright), by keyboard only.

A real week of arXiv (../shared/data/arxiv-weeks, read at run time, topped up to
1,500 papers) is the pool of an issue that `digest new` drafted 5 papers into.
The editor keeps 5 and dismisses 5 with the keys alone, including an undo and
two filters; the issue then holds exactly those 5 sections, in the order kept,
after its untouched bytes, and a reload shows the same decisions.

Timings (page load, key to next frame) are measured here and printed by
bench/bench_triage.py; they are never asserted. `pytest --update-golden` also
writes docs/img/triage.png (1280x800) and docs/img/triage-dark.png.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, run

WEEK = REPO.parent / "shared" / "data" / "arxiv-weeks" / "week_2025-06-02_2025-06-08.jsonl"
ISSUE_DATE = date(2025, 6, 9)
DRAFTED = 5
PAPERS = 1500


def week_papers(n: int = PAPERS) -> list[Any]:
    """The real week's papers (1,478; the records have no authors), topped up to ``n`` with renumbered copies."""
    from digest.paper import Paper

    rows = [json.loads(line) for line in WEEK.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for i in range(n):
        r = rows[i % len(rows)]
        when = datetime.fromisoformat(r["published"]).replace(tzinfo=timezone.utc)
        pid = r["id"] if i < len(rows) else f"2506.9{i:04d}"
        out.append(Paper(pid, r["version"], r["title"], (), r["abstract"], categories=tuple(r["categories"]),
                         primary_category=r["primary_category"], published=when, updated=when, source="api"))  # fmt: skip
    return out


def build_week(root: Path, n: int = PAPERS) -> list[str]:
    """Make the newsletter in ``root`` (the cwd) hold an ``n``-paper week drafted into issues/2025-06-09.md
    by `digest new` (its top 5), every paper in the issue's pool. Returns the pool's ids."""
    from digest.store import Store

    papers = week_papers(n)
    with Store.open(root / ".digest" / "store.sqlite") as store:
        store.upsert(papers)
    code, _, err = run("new", "--offline", "--date", ISSUE_DATE.isoformat(), "--window", "14", "--limit", str(DRAFTED))
    assert code == 0, err
    ids = [p.id for p in papers]
    with Store.open(root / ".digest" / "store.sqlite") as store:
        draft = store.draft(ISSUE_DATE)
        assert draft is not None
        store.record_draft(ISSUE_DATE, draft.last_run, draft.cutoff, ids, [])
        assert len(store.pool(ISSUE_DATE)) == n
    return ids


def open_page(browser: Any, url: str, dark: bool = False) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="dark" if dark else "light")
    page = context.new_page()
    page.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: route.abort())  # offline: loopback only
    page.goto(url)
    page.wait_for_selector("body[data-ready]", state="attached")
    return page


def api(page: Any, path: str) -> Any:
    """GET one of the page's JSON resources from inside the page (with its secret)."""
    return page.evaluate("(path) => fetch(path, {headers: {'X-Digest-Token': document.querySelector"
                         "('meta[name=digest-token]').content}}).then(r => r.json())", path)  # fmt: skip


def settle(page: Any) -> None:
    """Wait until every decision sent has its answer (no row is pending)."""
    page.wait_for_selector("#list li.pending", state="detached")


def timings(page: Any) -> dict[str, Any]:
    return page.evaluate("window.triageTimings")  # type: ignore[no-any-return]


@pytest.fixture()
def week(newsletter: Path) -> Iterator[Any]:
    if not WEEK.is_file():
        pytest.skip(f"{WEEK} is missing (the shared real arXiv weeks)")
    from digest.config import load_settings
    from digest.triage import Triage, TriageServer

    build_week(newsletter)
    server = TriageServer(Triage.open(load_settings(), ISSUE_DATE), port=0)
    server.start()
    try:
        yield server
    finally:
        server.close()


def _plan(papers: list[dict[str, Any]]) -> tuple[int, str, str]:
    """A deep paper found by a word of its title only it has, and a category whose first two
    papers come after the top 13 (and are not that paper)."""
    hay = ["\n".join([p["title"], p["id"], *p["abstract"], *p["cats"]]).lower() for p in papers]  # as the page's

    def unique(i: int) -> str | None:
        for w in sorted(set(re.findall(r"[a-z]{7,}", papers[i]["title"].lower()))):
            if sum(w in h for h in hay) == 1:
                return w
        return None

    deep = next(i for i in range(200, len(papers)) if unique(i))
    word = unique(deep)
    assert word is not None
    where: dict[str, list[int]] = {}
    for i, p in enumerate(papers):
        for c in p["cats"]:
            where.setdefault(c.lower(), []).append(i)
    category = next(c for c, found in sorted(where.items()) if len(found) >= 2 and found[0] > 13 and deep not in found
                    and re.fullmatch(r"[a-z\-]+\.[a-z\-]+", c))  # fmt: skip
    return deep, word, category


def test_keep_and_dismiss_by_keyboard_then_reload(browser: Any, week: Any, newsletter: Path, tmp_path: Path,
                                                   request: pytest.FixtureRequest) -> None:  # fmt: skip
    from digest.draft.text import appended, paper_section
    from digest.store import Store

    issue = newsletter / "issues" / f"{ISSUE_DATE}.md"
    before = issue.read_bytes()
    page = open_page(browser, week.url)
    papers = api(page, "/api/state")["papers"]
    for p, abstract in zip(papers, api(page, "/api/abstracts"), strict=True):
        p["abstract"] = abstract
    assert len(papers) == PAPERS
    page.wait_for_selector("body[data-abstracts]", state="attached")
    assert page.locator("#n-left").inner_text() == str(PAPERS)
    assert page.locator("#list li.in-file").count() == DRAFTED  # what `digest new` drafted is marked
    deep, word, category = _plan(papers)
    matches = [i for i, p in enumerate(papers) if category in [c.lower() for c in p["cats"]]]
    keys = page.keyboard

    for key in "jjjjj":  # past the drafted papers: the cursor is on rank 6
        keys.press(key)
    assert page.evaluate("document.activeElement.classList.contains('cur')")  # the cursor is the focus
    assert page.evaluate("document.activeElement.dataset.i") == "5"
    keys.press(" ")  # read the abstract first
    assert page.locator("#list li.cur .details .abstract").first.inner_text() == papers[5]["abstract"][0]
    for key in "xdxxdd":  # keep 5, dismiss 6, keep 7, keep 8, dismiss 9, dismiss 10
        keys.press(key)
    keys.press("u")  # the dismissal of 10 undone; the cursor goes back to it
    keys.press("x")  # ... and 10 kept instead
    keys.press("x")  # keep 11
    keys.press("u")  # undone: its section leaves the file again
    keys.press("d")  # dismiss 11
    keys.press("/")
    keys.type(word)  # a word of a deep paper's title
    assert page.locator("#shown").inner_text() == f"showing 1 of {PAPERS}"
    keys.press("Enter")
    keys.press("x")  # keep it
    keys.press("/")
    keys.type(f"cat:{category}")
    keys.press("Enter")
    keys.press("d")  # dismiss the category's first paper; the cursor moves to its second
    keys.press("/")
    keys.press("Escape")  # the filter cleared, back in the list
    assert page.locator("#shown").inner_text() == ""
    keys.press("d")  # dismiss the category's second paper
    settle(page)

    kept, dismissed = [5, 7, 8, 10, deep], [6, 9, 11, matches[0], matches[1]]
    assert page.locator("#n-kept").inner_text() == "5" and page.locator("#n-dismissed").inner_text() == "5"
    with Store.open(newsletter / ".digest" / "store.sqlite") as store:
        stored = store.decisions(ISSUE_DATE)
        by_id = store.get_many(papers[i]["id"] for i in kept)
    assert stored == {**{papers[i]["id"]: "kept" for i in kept}, **{papers[i]["id"]: "dismissed" for i in dismissed}}
    expected = before
    for i in kept:
        expected = appended(expected, paper_section(by_id[papers[i]["id"]], papers[i]["score"], why=tuple(papers[i]["why"])))
    assert issue.read_bytes() == expected  # the 5 sections in the order kept; every other byte as it was
    first = timings(page)

    page.reload()
    page.wait_for_selector("body[data-ready]", state="attached")
    assert [page.locator(f"#n-{n}").inner_text() for n in ("kept", "dismissed", "left")] == ["5", "5", str(PAPERS - 10)]
    marked = page.evaluate("[...document.querySelectorAll('#list li.kept')].map(li => +li.dataset.i)")
    assert sorted(marked) == sorted(kept)
    marked = page.evaluate("[...document.querySelectorAll('#list li.dismissed')].map(li => +li.dataset.i)")
    assert sorted(marked) == sorted(dismissed)
    assert page.locator("#kept-list li").all_inner_texts() == [papers[i]["title"] for i in kept]
    assert page.locator("#list li.in-file").count() == DRAFTED + 5

    for key in "j" * 12 + "o":  # for the picture: decisions above, an abstract open
        keys.press(key)
    page.locator("#list li.cur .details").wait_for()
    tmp_shot = tmp_path / "triage.png"
    page.screenshot(path=str(tmp_shot))
    (tmp_path / "timings.json").write_text(json.dumps({"first": first, "reload": timings(page)}, indent=1))
    update = bool(request.config.getoption("--update-golden"))
    if update:
        (REPO / "docs" / "img").mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_shot, REPO / "docs" / "img" / "triage.png")
    page.context.close()
    dark = open_page(browser, week.url, dark=True)
    for key in "j" * 12 + "o":
        dark.keyboard.press(key)
    dark.locator("#list li.cur .details").wait_for()
    dark.screenshot(path=str(tmp_path / "triage-dark.png"))
    if update:
        shutil.copy(tmp_path / "triage-dark.png", REPO / "docs" / "img" / "triage-dark.png")
    dark.context.close()


def test_a_broken_issue_file_is_said_and_no_section_count_is_made_up(browser: Any, newsletter: Path) -> None:
    if not WEEK.is_file():
        pytest.skip(f"{WEEK} is missing (the shared real arXiv weeks)")
    from digest.config import load_settings
    from digest.triage import Triage, TriageServer

    build_week(newsletter, 30)
    issue = newsletter / "issues" / f"{ISSUE_DATE}.md"
    issue.write_bytes(issue.read_bytes() + b"\n## arXiv:2506.0261\n\nNotes.\n")
    server = TriageServer(Triage.open(load_settings(), ISSUE_DATE), port=0)
    server.start()
    try:
        page = open_page(browser, server.url)
        status = page.locator("#status").inner_text()
        assert status.startswith("issues/2025-06-09.md:") and "keeping is refused until it is fixed" in status
        assert "not known" in page.locator("#in-file").inner_text()  # not "0 of these candidates have a section"
        page.keyboard.press("d")  # a drafted paper, dismissed: still not claimed to be out of the file
        settle(page)
        assert page.locator("#n-dismissed").inner_text() == "1"
        assert "not known" in page.locator("#in-file").inner_text()
        page.context.close()
    finally:
        server.close()
