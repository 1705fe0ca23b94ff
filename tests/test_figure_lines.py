"""Figure lines in the draft: `digest new --figures` and a keep in `digest triage` put a kept paper's
figures, as one HTML comment of ready image lines, right after its ``digest:paper`` comment.

What the editor would notice: only the papers they keep get figures; the rendered issue does not
change (the lines are commented out until moved); not a byte of theirs changes; a second run asks
arXiv nothing; a paper without an HTML rendering is one line in the report; ``--offline`` and a
keypress in triage use only the store's cache; taking a keep back removes exactly what it added.
Against the loopback arXiv stand-in of tests/test_figures.py, serving real LaTeXML output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from arxiv_server import Response
from conftest import run
from test_figures import CC_BY, HTML, NONEXCLUSIVE, FigureServer

from digest.fetch import query_key
from digest.paper import Author, Paper
from digest.store import Store
from digest.store.windows import Window

DAY = date(2022, 10, 23)
ISSUE = Path("issues") / "2022-10-23.md"
QCD = "1806.05669"  # served with figures, CC BY 4.0 (Liu, He, Rapp)
NONEX = "1511.01097"  # served with figures, arXiv's non-exclusive licence (Bruderer and six others)
NO_HTML = "1305.0014"  # no HTML rendering: a 404
UNKEPT = "2210.00004"  # served too, but nobody keeps it
CC_BY_URL = "http://creativecommons.org/licenses/by/4.0/"


def paper(pid: str, day: int, authors: tuple[str, ...] = ("Ada Lovelace",)) -> Paper:
    when = datetime(2022, 10, day, 12, tzinfo=timezone.utc)  # Monday..Thursday: announced by Sunday
    return Paper(pid, 1, f"Paper {pid}: on things", tuple(Author(a) for a in authors), f"Abstract of {pid}.",
                 categories=("cs.LG",), primary_category="cs.LG", published=when, updated=when, source="api")  # fmt: skip


@pytest.fixture()
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FigureServer]:
    """A newsletter whose issue of 2022-10-23 `digest new` drafted (four papers), and arXiv's stand-in."""
    root = tmp_path / "letter"
    (root / "issues").mkdir(parents=True)
    (root / "digest.toml").write_text('max_candidates = 10\n[arxiv]\ncategories = ["cs.LG"]\n')
    with Store.open(root / ".digest" / "store.sqlite") as store:
        store.upsert([paper(QCD, 17, ("Shuai Y. F. Liu", "Min He", "Ralf Rapp")), paper(NONEX, 18),
                      paper(NO_HTML, 19, ("S. Gardner", "B. Plaster")), paper(UNKEPT, 20)])  # fmt: skip
        # the daily fetch read those days completely: `new` asks the API nothing for them (the stand-in
        # would answer "0 entries" where the store holds 4, which `new` reports as incomplete, exit 1)
        store.save_window(Window("api", query_key(["cs.LG"], ""), date(2022, 9, 1), date(2022, 10, 31), True, 4, 4, 4,
                                 "2022-11-15T00:00:00+00:00"))  # fmt: skip
    monkeypatch.chdir(root)
    with FigureServer() as s:
        monkeypatch.setenv("DIGEST_ARXIV_HTML_URL", s.base_url + "/html/")
        monkeypatch.setenv("DIGEST_ARXIV_OAI_URL", s.base_url + "/oai2")
        monkeypatch.setenv("DIGEST_ARXIV_API_URL", s.api_url)
        monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
        monkeypatch.setenv("DIGEST_ARXIV_RETRIES", "0")
        s.serve_paper(f"{QCD}v1")
        s.serve_record(QCD, CC_BY)
        s.serve_paper(f"{NONEX}v1")
        s.serve_record(NONEX, NONEXCLUSIVE)
        s.serve_paper(f"{UNKEPT}v1")
        code, _, err = run("new", "--date", DAY.isoformat(), "--offline")
        assert code == 0, err
        assert ISSUE.read_text().count("<!-- digest:paper") == 4
        yield s


def write_notes(base: str, notes: str) -> None:
    """The editor writes ``notes`` under the paper's section, as in any editor."""
    text = ISSUE.read_text(encoding="utf-8")
    head = text.index(f"(https://arxiv.org/abs/{base})")
    end = text.index("\n-->\n\n", head) + len("\n-->\n\n")
    ISSUE.write_text(text[:end] + notes + "\n\n" + text[end:], encoding="utf-8")


def keep_in_triage(base: str) -> None:
    with Store.open(Path(".digest") / "store.sqlite") as store:
        store.decide(DAY, base, "kept")


def section(base: str) -> str:
    """The paper's section as the file holds it, from its heading to the next."""
    text = ISSUE.read_text(encoding="utf-8")
    start = text.index(f"(https://arxiv.org/abs/{base})")
    start = text.rindex("\n## ", 0, start) + 1
    nxt = text.find("\n## ", start + 1)
    return text[start : nxt + 1 if nxt >= 0 else len(text)]


def without_figure_comments(data: bytes) -> bytes:
    return re.sub(rb"<!-- figures of arXiv:.*?\n-->\n", b"", data, flags=re.S)


def rendered() -> str:
    code, out, err = run("render", str(ISSUE), "--format", "md", "--out", "-")
    assert code == 0, err
    return out


def figure_requests(server: FigureServer) -> list[str]:
    return [r.path for r in server.html_requests + server.oai_requests]


# -- digest new --figures ----------------------------------------------------------------------------
def test_kept_papers_get_their_figures_under_the_metadata_and_nothing_else_changes(server: FigureServer) -> None:
    write_notes(QCD, "The QCD force, *probed* at last.\nSecond line of my notes.")
    write_notes(NO_HTML, "An older paper, worth a mention.")
    keep_in_triage(NONEX)
    before, shown = ISSUE.read_bytes(), rendered()
    code, out, err = run("new", "--date", DAY.isoformat(), "--figures")
    assert code == 0, err
    page = f"{server.base_url}/html/{QCD}v1/"
    qcd = section(QCD)
    assert ("-->\n<!-- figures of arXiv:1806.05669v1 (CC BY 4.0: reuse with credit); to use one, move its lines out"
            " of this comment\n") in qcd  # right after the digest:paper comment
    assert (f'![α-scaled O(n²) attention beats “linear” attention by 3 % at 10⁹ parameters]({page}scaling.png'
            ' "Figure 1: α-scaled O(n²) attention beats “linear” attention by 3 % at 10⁹ parameters.")\n') in qcd
    assert (f"Figure 1 from Liu et al., [arXiv:{QCD}](https://arxiv.org/abs/{QCD}), [CC BY 4.0]({CC_BY_URL})\n") in qcd
    assert 'right.png "Figure 2b: Decoder with β=0.5 — Two panels: the encoder and the decoder.")' in qcd
    assert qcd.endswith("-->\n\nThe QCD force, *probed* at last.\nSecond line of my notes.\n\n")
    nonex = section(NONEX)  # kept in triage, no notes yet
    assert "<!-- figures of arXiv:1511.01097v1 (arXiv non-exclusive distribution licence 1.0: it lets arXiv" in nonex
    assert f"Figure 1 from Bruderer et al., [arXiv:{NONEX}](https://arxiv.org/abs/{NONEX})\n" in nonex
    assert "figures of arXiv" not in section(UNKEPT) and "figures of arXiv" not in section(NO_HTML)
    assert not any(UNKEPT in p for p in figure_requests(server))  # a paper nobody keeps is not even asked for
    lines = out.splitlines()
    assert "figures: added to 2 kept papers in 2022-10-23.md, 1 skipped (5 requests)" in lines
    assert f"  + figures {QCD}v1" in lines and f"  + figures {NONEX}v1" in lines
    (skip,) = [line for line in lines if line.startswith(NO_HTML)]
    assert skip.startswith("1305.0014v1: arXiv has no HTML rendering of this paper") and "/pdf/1305.0014v1" in skip
    assert without_figure_comments(ISSUE.read_bytes()) == before  # every byte of the editor's where it was
    assert rendered() == shown  # the comment never reaches the issue
    log = (Path(".digest") / "runs.log").read_text().splitlines()[-1]
    assert "new --date 2022-10-23 --figures  exit 0" in log and log.endswith("figures for 2 kept papers, 1 skipped")


def test_a_second_run_adds_nothing_and_asks_arxiv_nothing(server: FigureServer) -> None:
    write_notes(QCD, "Notes.")
    code, _, err = run("new", "--date", DAY.isoformat(), "--figures")
    assert code == 0, err
    once = ISSUE.read_bytes()
    server.requests.clear()
    code, out, err = run("new", "--date", DAY.isoformat(), "--figures", "--json")
    assert code == 0, err
    assert ISSUE.read_bytes() == once and figure_requests(server) == []
    data = json.loads(out)
    assert data["figures"] == {"added": [], "skipped": {}, "requests": 0, "saved_meanwhile": False, "exit_code": 0}
    assert data["added"] == []  # the draft part of the report is as without --figures


def test_json_report_names_what_was_added_and_why_a_paper_was_skipped(server: FigureServer) -> None:
    write_notes(QCD, "Notes.")
    keep_in_triage(NO_HTML)
    code, out, err = run("new", "--date", DAY.isoformat(), "--figures", "--json")
    assert code == 0, err
    figures = json.loads(out)["figures"]
    assert figures["added"] == [f"{QCD}v1"]
    assert list(figures["skipped"]) == [f"{NO_HTML}v1"]
    why = figures["skipped"][f"{NO_HTML}v1"]
    assert "no HTML rendering" in why and "take figures from the PDF" in why


def test_without_figures_the_report_and_the_file_are_as_before(server: FigureServer) -> None:
    write_notes(QCD, "Notes.")
    before = ISSUE.read_bytes()
    code, out, _ = run("new", "--date", DAY.isoformat(), "--json")
    assert code == 0 and "figures" not in json.loads(out)
    code, out, _ = run("new", "--date", DAY.isoformat())
    assert code == 0 and "figures" not in out
    assert ISSUE.read_bytes() == before and figure_requests(server) == []


def test_offline_uses_only_the_cache(server: FigureServer) -> None:
    write_notes(QCD, "Notes.")
    server.requests.clear()
    code, out, _ = run("new", "--date", DAY.isoformat(), "--offline", "--figures")
    assert code == 0 and server.requests == []
    assert "figures of arXiv" not in ISSUE.read_text()
    assert f"{QCD}v1: its figures are not in the store yet; run `digest figures {QCD}v1` without --offline" in out
    assert run("figures", f"{QCD}v1")[0] == 0  # caches the page and the licence
    server.requests.clear()
    code, out, _ = run("new", "--date", DAY.isoformat(), "--offline", "--figures")
    assert code == 0 and server.requests == []
    assert "<!-- figures of arXiv:1806.05669v1 (CC BY 4.0: reuse with credit)" in section(QCD)
    assert "figures: added to 1 kept papers in 2022-10-23.md, 0 skipped (the store's cache only: --offline)" in out


def test_arxiv_unavailable_adds_nothing_and_exits_3(server: FigureServer) -> None:
    write_notes(QCD, "Notes.")
    keep_in_triage(NONEX)
    before = ISSUE.read_bytes()
    server.pages[f"/html/{QCD}v1"] = Response(503, b"down", HTML)
    server.pages[f"/html/{NONEX}v1"] = Response(503, b"down", HTML)
    code, out, err = run("new", "--date", DAY.isoformat(), "--figures")
    assert code == 3 and ISSUE.read_bytes() == before
    # the file lists the newest first: NONEX, then QCD; after one failure, the rest from the cache only
    assert f"{NONEX}v1: arXiv did not answer (" in out and "HTTP 503" in out
    assert (f"{QCD}v1: not fetched: arXiv did not answer for an earlier paper; run `digest new --figures` again"
            " later") in out  # fmt: skip
    assert [p for p in figure_requests(server) if QCD in p] == []
    assert err.strip() == ("2022-10-23.md: no figures added: arXiv did not answer; run `digest new --figures` again"
                           " later")  # fmt: skip
    assert "exit 3" in (Path(".digest") / "runs.log").read_text().splitlines()[-1]


def test_dry_run_cannot_take_figures(server: FigureServer) -> None:
    code, _, err = run("new", "--date", DAY.isoformat(), "--dry-run", "--figures")
    assert code == 2 and "--figures writes the issue" in err


def test_one_client_for_the_run_waits_its_delay_between_requests(server: FigureServer) -> None:
    from digest.config import load_settings
    from digest.draft import add_figures
    from digest.fetch.client import ArxivClient

    write_notes(QCD, "Notes.")
    keep_in_triage(NONEX)
    waits: list[float] = []
    client = ArxivClient(server.api_url, delay=3.0, retries=0, sleep=waits.append)  # a fake clock: nothing sleeps
    report = add_figures(load_settings(), DAY, client=client)
    assert report.added == [f"{NONEX}v1", f"{QCD}v1"] and report.requests == 4  # in file order: newest first
    assert len(waits) == 3 and all(2.5 < w <= 3.0 for w in waits)  # every request after the first waits arxiv.delay


def test_an_editor_save_during_the_fetch_is_kept(server: FigureServer) -> None:
    from digest.draft.issuefile import FiguresReport, write_figures

    write_notes(QCD, "Notes.")
    saved: list[bytes] = []

    def comment(base: str, ref: str) -> tuple[str, str]:
        if not saved:  # while the figures are fetched, the editor saves more notes
            write_notes(UNKEPT, "Saved while digest fetched.")
            saved.append(ISSUE.read_bytes())
        return f"<!-- figures of arXiv:{ref}\n![x](https://example.org/{base}.png)\n-->", ref

    report = FiguresReport(ISSUE.resolve())
    write_figures(report, set(), comment)
    assert report.saved_meanwhile and report.added == [f"{UNKEPT}v1", f"{QCD}v1"]  # the save made it a kept paper
    assert without_figure_comments(ISSUE.read_bytes()) == saved[0]
    assert "Saved while digest fetched." in section(UNKEPT) and "example.org/2210.00004.png" in section(UNKEPT)


def test_an_emptied_comment_keeps_the_figures_away(server: FigureServer) -> None:
    write_notes(QCD, "<!-- figures of arXiv:1806.05669 -->\nNo figures for this one, thanks.")
    before = ISSUE.read_bytes()
    server.requests.clear()
    code, _, err = run("new", "--date", DAY.isoformat(), "--figures")
    assert code == 0, err
    assert ISSUE.read_bytes() == before and figure_requests(server) == []


def test_crlf_file_keeps_its_line_ends(server: FigureServer) -> None:
    write_notes(QCD, "Notes.")
    ISSUE.write_bytes(ISSUE.read_bytes().replace(b"\n", b"\r\n"))
    before = ISSUE.read_bytes()
    code, _, err = run("new", "--date", DAY.isoformat(), "--figures")
    assert code == 0, err
    after = ISSUE.read_bytes()
    assert b"\r\n<!-- figures of arXiv:1806.05669v1" in after and b"\n" not in after.replace(b"\r\n", b"")
    assert re.sub(rb"<!-- figures of arXiv:.*?\r\n-->\r\n", b"", after, flags=re.S) == before


# -- digest triage --------------------------------------------------------------------------------------
def test_triage_keep_with_cached_figures_appends_them_and_undo_removes_them(server: FigureServer) -> None:
    from digest.config import load_settings
    from digest.draft.text import paper_section
    from digest.triage import Triage

    text = ISSUE.read_text(encoding="utf-8")
    ISSUE.write_text(text.replace(section(QCD), "").replace(section(NO_HTML), ""), encoding="utf-8")  # deleted
    assert run("figures", f"{QCD}v1")[0] == 0  # cached by an earlier `digest figures` (or `new --figures`)
    before = ISSUE.read_bytes()
    server.requests.clear()
    triage = Triage.open(load_settings(), DAY, lock_wait=0)
    try:
        kept = triage.decide(QCD, "kept")
        assert kept.file == "appended" and server.requests == []  # a keypress never waits for arXiv
        added = ISSUE.read_bytes()[len(before) :].decode("utf-8")
        assert added.startswith(f"## [Paper {QCD}: on things](https://arxiv.org/abs/{QCD})\n<!-- digest:paper\n")
        assert "\n-->\n<!-- figures of arXiv:1806.05669v1 (CC BY 4.0: reuse with credit)" in added
        assert f"Figure 1 from Liu et al., [arXiv:{QCD}](https://arxiv.org/abs/{QCD}), [CC BY 4.0]({CC_BY_URL})\n" in added
        assert added.endswith("\n-->\n\n")
        plain = triage.decide(NO_HTML, "kept")  # nothing cached: the section as `digest new` writes it
        entry = next(r for r in triage.ranked if r.paper.id == NO_HTML)
        assert plain.file == "appended"
        assert ISSUE.read_text(encoding="utf-8").endswith(paper_section(entry.paper, entry.score))
        assert triage.decide(NO_HTML, None).file == "removed"
        undone = triage.decide(QCD, None)
        assert undone.file == "removed" and ISSUE.read_bytes() == before  # exactly what the keep added, gone
    finally:
        triage.close()


def test_a_triage_keep_during_the_figure_fetch_does_not_wait_for_it(server: FigureServer, monkeypatch) -> None:  # noqa: ANN001
    """`new --figures` fetches (two requests a paper, arxiv.delay apart) before it takes the newsletter's
    lock, so a keep in `digest triage` meanwhile goes through at once, and its paper gets figures too."""
    import digest.draft
    from digest.config import load_settings
    from digest.draft import add_figures
    from digest.lock import newsletter_lock

    write_notes(QCD, "Notes.")
    real, during = digest.draft.paper_figures, []

    def fetch(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if not during:
            with newsletter_lock(Path("."), wait=0):  # what a triage keep takes to write the file
                keep_in_triage(NONEX)
            during.append("kept")
        return real(*args, **kwargs)

    monkeypatch.setattr(digest.draft, "paper_figures", fetch)
    report = add_figures(load_settings(), DAY)
    assert during == ["kept"]
    assert report.added == [f"{NONEX}v1", f"{QCD}v1"]  # in file order: the paper kept meanwhile too


def test_a_save_and_an_undo_during_the_figure_fetch_are_reported_as_they_are(server: FigureServer, monkeypatch) -> None:  # noqa: ANN001
    """The fetch runs before the lock: an editor's save meanwhile is still said, and a paper undone in
    triage meanwhile is neither given figures nor reported as skipped."""
    import digest.draft
    from digest.config import load_settings
    from digest.draft import add_figures

    write_notes(QCD, "Notes.")
    keep_in_triage(NONEX)
    real, calls = digest.draft.paper_figures, []

    def fetch(settings, ref, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if not calls:
            write_notes(UNKEPT, "Saved while digest fetched.")  # the editor saves
            with Store.open(Path(".digest") / "store.sqlite") as store:
                store.decide(DAY, NONEX, None)  # and undoes the keep in triage
        calls.append(ref)
        if ref.startswith(NONEX):
            raise digest.draft.NoHtml(f"{ref}: no HTML rendering")  # reported only while the paper is wanted
        return real(settings, ref, **kwargs)

    monkeypatch.setattr(digest.draft, "paper_figures", fetch)
    report = add_figures(load_settings(), DAY)
    assert report.saved_meanwhile and "Saved while digest fetched." in section(UNKEPT)
    assert NONEX not in "".join(report.added) and not any(r.startswith(NONEX) for r in report.skipped)
    assert "figures of arXiv" not in section(NONEX)
