"""`digest triage`: keep, dismiss and undo through the page's HTTP API, on a real server on 127.0.0.1.

What the editor would notice: the issue file gets exactly the sections `digest
new` writes, in the order kept, and no other byte changes; a save made meanwhile
survives; an undo takes back only an untouched section; decisions outlive a
restart; and no other page or host name can write anything.
"""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from conftest import default_sigint, run
from digest.paper import Author, Paper
from digest.store import Store

DAY = date(2022, 10, 23)
ISSUE = Path("issues") / "2022-10-23.md"
TOPICS = ["sparse attention for long sequences", "diffusion models for image synthesis", "graph neural networks",
          "reinforcement learning from human feedback", "speech recognition with transformers",
          "protein structure prediction", "federated learning privacy", "tabular data benchmarks"]  # fmt: skip


def paper(n: int) -> Paper:
    when = datetime(2022, 10, 17 + n % 5, 12, tzinfo=timezone.utc)  # Monday..Friday: announced by Sunday 20:00 ET
    topic = TOPICS[n % len(TOPICS)]
    abstract = f"We study {topic}. Our bound is $O(n\\log n)$ with $\\alpha$-divergence, in the spirit of Fr\\'echet."
    return Paper(f"2210.{n:05d}", 1, f"Paper {n}: {topic}", (Author("Ada Lovelace"), Author("Alan Turing")), abstract,
                 categories=("cs.LG", "stat.ML") if n % 2 else ("cs.LG",), primary_category="cs.LG", published=when,
                 updated=when, source="api")  # fmt: skip


@pytest.fixture()
def letter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A newsletter whose issue of 2022-10-23 was drafted by `digest new` (3 of 8 candidates)."""
    return drafted_letter(tmp_path / "letter", monkeypatch)


def drafted_letter(root: Path, monkeypatch: pytest.MonkeyPatch, make: Callable[[int], Paper] = paper) -> Path:
    """A newsletter in ``root`` (the working directory from here) whose issue of 2022-10-23 `digest new`
    drafted: 3 of the 8 candidates ``make`` gives."""
    (root / "issues").mkdir(parents=True)
    (root / "seeds").mkdir()
    (root / "digest.toml").write_text('max_candidates = 3\n[arxiv]\ncategories = ["cs.LG"]\n')
    (root / "seeds" / "profile.jsonl").write_text(json.dumps({"arxiv_id": "2001.00001", "abstract":
        "Sparse attention for long sequences and graph neural networks with diffusion models."}) + "\n")  # fmt: skip
    with Store.open(root / ".digest" / "store.sqlite") as store:
        store.upsert([make(n) for n in range(1, 9)])
    monkeypatch.chdir(root)
    code, _, err = run("new", "--date", DAY.isoformat(), "--offline")
    assert code == 0, err
    return root


def open_server(lock_wait: float | None = 0) -> Any:
    from digest.config import load_settings
    from digest.triage import Triage, TriageServer

    server = TriageServer(Triage.open(load_settings(), DAY, lock_wait=lock_wait), port=0)
    server.start()
    return server


@pytest.fixture()
def server(letter: Path) -> Iterator[Any]:
    srv = open_server()
    yield srv
    srv.close()


def request(server: Any, method: str, path: str, body: Any = None, **headers: str | None) -> tuple[int, dict[str, str], Any]:
    """One request as the page sends it; a keyword overrides a header (None leaves it out)."""
    base = {"Host": f"127.0.0.1:{server.port}", "Origin": f"http://127.0.0.1:{server.port}",
            "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json", "X-Digest-Token": server.token}  # fmt: skip
    if method == "GET":
        del base["Origin"], base["Content-Type"]
    for name, value in headers.items():
        base[name.replace("_", "-")] = value  # type: ignore[assignment]
    sent = {k: v for k, v in base.items() if v is not None}
    data = None if body is None else json.dumps(body).encode()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=data, headers=sent)
        resp = conn.getresponse()
        raw = resp.read()
        ctype = resp.getheader("Content-Type") or ""
        return resp.status, dict(resp.getheaders()), json.loads(raw) if ctype.startswith("application/json") else raw
    finally:
        conn.close()


def decide(server: Any, paper_id: str, decision: str | None, **headers: str | None) -> tuple[int, Any]:
    status, _, data = request(server, "POST", "/api/decide", {"id": paper_id, "decision": decision}, **headers)
    return status, data


def ranked_ids(server: Any) -> list[str]:
    status, _, data = request(server, "GET", "/api/state")
    assert status == 200
    return [p["id"] for p in data["papers"]]


def decisions(letter: Path) -> dict[str, str]:
    with Store.open(letter / ".digest" / "store.sqlite") as store:
        return store.decisions(DAY)


def sections_by_new(letter: Path) -> dict[str, str]:
    """What `digest new` writes for each candidate it has not drafted yet (its --dry-run text), by id."""
    code, out, err = run("new", "--date", DAY.isoformat(), "--dry-run", "--limit", "0")
    assert code == 0, err
    parts = re.split(r"(?m)^(?=## \[)", out)
    return {re.search(r"abs/(\d{4}\.\d{5})\)", p)[1]: p for p in parts if p.startswith("## [")}  # type: ignore[index]


def test_the_page_lists_every_candidate_best_first_with_unicode_abstracts(server: Any, letter: Path) -> None:
    status, headers, data = request(server, "GET", "/api/state")
    assert status == 200
    papers, state = data["papers"], data["state"]
    assert len(papers) == state["total"] == 8  # the whole pool, not only the 3 drafted
    assert [p["rank"] for p in papers] == list(range(1, 9))
    scores = [p["score"] for p in papers]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    first = papers[0]
    assert first["authors"] == ["Ada Lovelace", "Alan Turing"] and "cs.LG" in first["cats"]
    assert first["title"].startswith("Paper ") and first["why"][0].startswith("terms: ")
    status, _, abstracts = request(server, "GET", "/api/abstracts")  # asked for once the list shows
    assert status == 200 and len(abstracts) == 8
    (text,) = abstracts[0]
    assert "with α-divergence, in the spirit of Fréchet." in text and "$" not in text and "\\" not in text
    assert state["in_file"] == [p["id"] for p in papers[:3]]  # what `digest new` drafted, in file order
    assert state["decisions"] == {} and state["file"] == "issues/2022-10-23.md"
    status, headers, page = request(server, "GET", "/")
    assert status == 200 and server.token.encode() in page
    assert page.count(first["title"].encode()) == 1  # the list's data is inside the page: one request
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in headers
    for asset in ("/triage.js", "/triage.css"):
        assert request(server, "GET", asset)[0] == 200


def test_keeping_appends_the_section_new_writes_in_the_order_kept(server: Any, letter: Path) -> None:
    ids = ranked_ids(server)
    expected = sections_by_new(letter)
    path = letter / ISSUE
    before = path.read_bytes()
    status, out = decide(server, ids[6], "kept")
    assert status == 200 and out["file"] == "appended" and out["in_file"] is True
    assert out["message"] == "kept: section appended to issues/2022-10-23.md"
    status, out = decide(server, ids[3], "kept")
    assert status == 200
    after = path.read_bytes()
    assert after == before + b"\n" * (not before.endswith(b"\n\n")) + (expected[ids[6]] + expected[ids[3]]).encode()
    assert decisions(letter) == {ids[6]: "kept", ids[3]: "kept"}
    # never twice: a paper already in the file (drafted, or kept before) adds nothing
    for pid in (ids[0], ids[6]):
        status, out = decide(server, pid, "kept")
        assert status == 200 and out["file"] == "already" and out["message"] == "kept: already in issues/2022-10-23.md"
    assert path.read_bytes() == after
    assert decisions(letter)[ids[0]] == "kept"


def test_a_kept_section_says_why_the_paper_ranks_where_it_does_as_new_writes_it(server: Any, letter: Path) -> None:
    status, _, data = request(server, "GET", "/api/state")
    explained = next(p for p in data["papers"] if p["why"] and p["id"] in data["state"]["in_file"])
    path = letter / ISSUE
    drafted = path.read_text(encoding="utf-8")
    section = re.search(rf"(?ms)^## \[[^\n]*abs/{re.escape(explained['id'])}\).*?(?=^## |\Z)", drafted)
    assert section and "why:" in section[0]  # `digest new` wrote it with its reasons
    path.write_text(drafted.replace(section[0], ""), encoding="utf-8")  # the editor deleted it, then keeps it again
    status, out = decide(server, explained["id"], "kept")
    assert status == 200 and out["file"] == "appended"
    kept = path.read_text(encoding="utf-8")[len(drafted) - len(section[0]) :]
    assert kept.strip() == section[0].strip()


def test_dismissing_changes_only_the_store(server: Any, letter: Path) -> None:
    ids = ranked_ids(server)
    path = letter / ISSUE
    before = path.read_bytes()
    for pid in (ids[5], ids[1]):  # one not in the file, one drafted into it
        status, out = decide(server, pid, "dismissed")
        assert status == 200 and out["decision"] == "dismissed"
    assert path.read_bytes() == before
    assert decisions(letter) == {ids[5]: "dismissed", ids[1]: "dismissed"}
    assert "stays (without notes it is left out of the issue)" in out["message"]
    status, out = decide(server, ids[5], None)  # undo a dismissal
    assert status == 200 and decisions(letter) == {ids[1]: "dismissed"} and path.read_bytes() == before


def test_undo_takes_back_an_untouched_keep_byte_for_byte(server: Any, letter: Path) -> None:
    ids = ranked_ids(server)
    expected = sections_by_new(letter)
    path = letter / ISSUE
    before = path.read_bytes()
    decide(server, ids[4], "kept")
    one = path.read_bytes()
    decide(server, ids[5], "kept")
    status, out = decide(server, ids[5], None)
    assert status == 200 and out["file"] == "removed" and out["decision"] is None
    assert path.read_bytes() == one
    status, out = decide(server, ids[4], None)
    assert path.read_bytes() == before and decisions(letter) == {}
    # a kept section followed by another one goes alone, as if it had never been kept
    decide(server, ids[4], "kept")
    decide(server, ids[5], "kept")
    status, out = decide(server, ids[4], "dismissed")
    assert status == 200 and out["file"] == "removed"
    assert path.read_bytes() == before + b"\n" * (not before.endswith(b"\n\n")) + expected[ids[5]].encode()
    assert decisions(letter) == {ids[4]: "dismissed", ids[5]: "kept"}


def test_a_kept_section_with_notes_stays_when_the_keep_is_undone(server: Any, letter: Path) -> None:
    ids = ranked_ids(server)
    path = letter / ISSUE
    decide(server, ids[4], "kept")
    with_notes = path.read_bytes() + b"This one matters: read section 3.\n"
    path.write_bytes(with_notes)
    status, out = decide(server, ids[4], None)
    assert status == 200 and out["file"] == "stays" and out["in_file"] is True
    assert "stays in issues/2022-10-23.md (you wrote under it or changed it); delete it by hand" in out["message"]
    assert path.read_bytes() == with_notes and decisions(letter) == {}


def test_undoing_a_keep_whose_section_the_editor_deleted_says_it_is_gone(server: Any, letter: Path) -> None:
    ids = ranked_ids(server)
    path = letter / ISSUE
    before = path.read_bytes()
    for undo in (None, "dismissed"):
        decide(server, ids[4], "kept")
        path.write_bytes(before)  # the editor deletes the kept section by hand and saves
        status, out = decide(server, ids[4], undo)
        assert status == 200 and out["file"] == "absent" and out["in_file"] is False
        assert "its section is no longer in issues/2022-10-23.md (deleted there)" in out["message"]
        assert "delete it by hand" not in out["message"] and path.read_bytes() == before
    status, out = decide(server, ids[4], "kept")  # kept again: appended again
    assert status == 200 and out["file"] == "appended" and path.read_bytes() != before


def test_a_save_between_two_keeps_survives(server: Any, letter: Path) -> None:
    ids = ranked_ids(server)
    expected = sections_by_new(letter)
    path = letter / ISSUE
    decide(server, ids[4], "kept")
    saved = path.read_bytes().replace(b"headline: ", b"headline: My own headline; ") + b"Notes on the first keep.\n"
    path.write_bytes(saved)
    decide(server, ids[6], "kept")
    assert path.read_bytes() == saved + b"\n" + expected[ids[6]].encode()


def test_a_save_landing_while_triage_writes_is_kept(server: Any, letter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The editor saves between triage's read and its rename: the rename is refused and the section
    goes after the save (the rule `digest new` follows)."""
    import digest.triage.session as session
    from digest.files import write_if_unchanged

    ids = ranked_ids(server)
    expected = sections_by_new(letter)
    path = letter / ISSUE
    saved = path.read_bytes() + b"\n## Editorial\n\nWritten while triage was writing.\n"
    calls = []

    def racing(target: Path, data: bytes, existing: bytes | None) -> bool:
        calls.append(data)
        if len(calls) == 1:
            path.write_bytes(saved)  # the editor's save lands just before the rename
        return write_if_unchanged(target, data, existing)

    monkeypatch.setattr(session, "write_if_unchanged", racing)
    status, out = decide(server, ids[5], "kept")
    assert status == 200 and len(calls) == 2
    assert path.read_bytes() == saved + b"\n" + expected[ids[5]].encode()


def test_decisions_survive_a_restart_and_a_keep_can_still_be_taken_back(letter: Path) -> None:
    path = letter / ISSUE
    before = path.read_bytes()
    first = open_server()
    try:
        ids = ranked_ids(first)
        decide(first, ids[3], "kept")
        decide(first, ids[7], "dismissed")
    finally:
        first.close()
    second = open_server()
    try:
        _, _, data = request(second, "GET", "/api/state")
        assert data["state"]["decisions"] == {ids[3]: "kept", ids[7]: "dismissed"}
        assert ids[3] in data["state"]["in_file"]
        status, out = decide(second, ids[3], None)
        assert status == 200 and out["file"] == "removed"
        assert path.read_bytes() == before
    finally:
        second.close()


REFUSED = {
    "a page on another site": {"Origin": "https://evil.example", "Sec_Fetch_Site": "cross-site"},
    "another origin on loopback": {"Origin": "http://127.0.0.1:1"},
    "no Origin": {"Origin": None},
    "a cross-site fetch": {"Sec_Fetch_Site": "cross-site"},
    "no secret": {"X_Digest_Token": None},
    "a wrong secret": {"X_Digest_Token": "guess"},
    "a DNS-rebinding Host": {"Host": "rebind.evil.example:{port}", "Origin": "http://rebind.evil.example:{port}"},
    "a Host with another port": {"Host": "127.0.0.1:1"},
    "a form post": {"Content_Type": "application/x-www-form-urlencoded"},
}


@pytest.mark.parametrize("headers", REFUSED.values(), ids=REFUSED.keys())
def test_a_write_from_anywhere_but_the_page_is_refused_and_changes_nothing(server: Any, letter: Path,
                                                                           headers: dict[str, str | None]) -> None:  # fmt: skip
    ids = ranked_ids(server)
    decide(server, ids[4], "kept")  # something an attacker could try to undo
    path = letter / ISSUE
    before, stored = path.read_bytes(), decisions(letter)
    filled = {k: v.format(port=server.port) if v else v for k, v in headers.items()}
    for pid, what in ((ids[5], "kept"), (ids[4], None), (ids[6], "dismissed")):
        status, out = decide(server, pid, what, **filled)
        assert status == 403, (status, out)
        assert out["error"].startswith("refused: ")
    assert path.read_bytes() == before and decisions(letter) == stored


def test_reads_are_refused_to_other_host_names_and_without_the_secret(server: Any) -> None:
    for path in ("/", "/api/state", "/api/abstracts", "/triage.js"):
        status, _, out = request(server, "GET", path, Host=f"rebind.evil.example:{server.port}")
        assert status == 403 and "Host must be 127.0.0.1" in out["error"]
    for path in ("/api/state", "/api/abstracts"):
        status, _, out = request(server, "GET", path, X_Digest_Token=None)
        assert status == 403 and "X-Digest-Token" in out["error"]
    assert request(server, "GET", "/", Host=f"localhost:{server.port}")[0] == 200
    assert request(server, "OPTIONS", "/api/decide")[0] == 403  # no CORS preflight ever succeeds


def test_an_unknown_paper_or_decision_is_refused_with_one_line(server: Any, letter: Path) -> None:
    before = (letter / ISSUE).read_bytes()
    status, out = decide(server, "2210.99999", "kept")
    assert status == 409 and out["error"] == "2210.99999: not a candidate of the issue of 2022-10-23"
    status, out = decide(server, ranked_ids(server)[4], "keep")
    assert status == 409 and out["error"] == "unknown decision 'keep'; use kept, dismissed or null"
    assert (letter / ISSUE).read_bytes() == before and decisions(letter) == {}


def test_while_digest_new_holds_the_lock_nothing_is_written(server: Any, letter: Path) -> None:
    from digest.lock import newsletter_lock

    ids = ranked_ids(server)
    before = (letter / ISSUE).read_bytes()
    with newsletter_lock(letter):
        status, out = decide(server, ids[5], "kept")
    assert status == 409 and "is drafting this newsletter" in out["error"]
    assert out["decision"] is None and out["in_file"] is False
    assert (letter / ISSUE).read_bytes() == before and decisions(letter) == {}


def test_a_broken_issue_is_reported_and_left_alone(server: Any, letter: Path) -> None:
    path = letter / ISSUE
    broken = path.read_bytes() + b"\n```\nan unclosed code block\n"
    path.write_bytes(broken)
    status, out = decide(server, ranked_ids(server)[5], "kept")
    assert status == 409 and "cannot append candidates: the file ends inside the code block opened here" in out["error"]
    assert path.read_bytes() == broken and decisions(letter) == {}


def test_the_ranking_s_explanations_are_shown(letter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import dataclass

    import digest.draft.ranking

    real = digest.draft.ranking.rank

    @dataclass(frozen=True)
    class Explained:
        paper: Paper
        score: float | None
        why: tuple[str, ...]

    monkeypatch.setattr(digest.draft.ranking, "rank", lambda papers, profile, negatives=(): [
        Explained(r.paper, r.score, ("close to your seeds on 'sparse attention'", "cs.LG")) for r in real(papers, profile)])
    srv = open_server()
    try:
        _, _, data = request(srv, "GET", "/api/state")
        assert data["papers"][0]["why"] == ["close to your seeds on 'sparse attention'", "cs.LG"]
    finally:
        srv.close()


def test_without_a_draft_it_says_to_run_new_first(letter: Path) -> None:
    code, out, err = run("triage", "2022-10-30")
    assert (code, out) == (1, "")
    assert err.strip() == "issues/2022-10-30.md: no candidates recorded for 2022-10-30; run `digest new --date 2022-10-30` first"
    code, _, err = run("triage", "2022-13-01")
    assert code == 2 and "is not a date; use YYYY-MM-DD" in err


def test_without_a_store_it_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("triage")
    assert code == 1 and err.strip().endswith(
        ".digest/store.sqlite: no store yet; run `digest fetch`, then `digest new`, then `digest triage`")


def test_the_date_defaults_to_the_newest_drafted_issue(letter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import digest.clock
    from digest.config import load_settings
    from digest.triage import default_date

    (letter / "issues" / "2022-10-30.md").write_text("---\ndate: 2022-10-30\n---\n")  # written by hand: no draft
    settings = load_settings()
    with Store.open(settings.path("store")) as store:
        assert default_date(settings, store) == DAY
    (letter / "digest.toml").write_text('timezone = "Pacific/Auckland"\n')
    monkeypatch.setattr(digest.clock, "now", lambda: datetime(2026, 3, 1, 12, tzinfo=timezone.utc))
    assert default_date(load_settings(), None) == date(2026, 3, 2)  # already Monday in Auckland


def test_the_command_serves_until_ctrl_c(letter: Path) -> None:
    (letter / "seeds" / "profile.jsonl").unlink()  # no profile: newest first, and a fresh process needs no scikit-learn
    proc = subprocess.Popen([sys.executable, "-m", "digest", "triage", "--port", "0"], cwd=letter,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)  # fmt: skip
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), url
        port = int(url.rsplit(":", 1)[1].strip("/"))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
        assert proc.stderr is not None
        err = proc.stderr.read()
        assert f"triage of issues/2022-10-23.md: 8 candidates at {url} (Ctrl-C stops)" in err and "stopped" in err
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


# -- what `digest new` does with the decisions made here -------------------------------------------
def in_file(letter: Path) -> list[str]:
    """The paper ids of the issue's sections, in file order."""
    return re.findall(r"(?m)^## \[[^\n]*abs/(\d{4}\.\d{5})\)", (letter / ISSUE).read_text(encoding="utf-8"))


def test_a_paper_dismissed_here_is_never_drafted_again_by_new(server: Any, letter: Path) -> None:
    ids = ranked_ids(server)
    drafted = in_file(letter)
    gone = [pid for pid in ids if pid not in drafted][:2]
    for pid in gone:
        assert decide(server, pid, "dismissed")[0] == 200
    code, out, err = run("new", "--date", DAY.isoformat(), "--offline", "--limit", "70")  # a re-run, a bigger limit
    assert code == 0, err
    now = in_file(letter)
    assert not set(gone) & set(now)  # the dismissed papers stay out
    assert sorted(now) == sorted(set(ids) - set(gone)) and len(now) == len(set(now))  # every other one, once
    assert "dismissed in `digest triage`, not added: 2" in out
    code, out, err = run("new", "--date", DAY.isoformat(), "--offline", "--limit", "0", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["added"] == [] and report["dismissed"] == 2 and in_file(letter) == now
    assert report["candidates"] == len(report["added"]) + report["already"] + report["skipped_deleted"] + report["dismissed"]


def test_a_re_run_of_new_counts_what_was_kept_and_dismissed_here(server: Any, letter: Path) -> None:
    ids = ranked_ids(server)
    drafted = in_file(letter)
    rest = [pid for pid in ids if pid not in drafted]
    for pid in rest[:2]:
        assert decide(server, pid, "kept")[0] == 200
    assert decide(server, rest[2], "dismissed")[0] == 200
    assert decide(server, drafted[0], "dismissed")[0] == 200  # a drafted one: its section stays
    sections = in_file(letter)
    assert len(sections) == 5
    code, out, err = run("new", "--date", DAY.isoformat(), "--offline")  # a re-run, the same limit (3)
    assert code == 0, err
    _, _, data = request(server, "GET", "/api/state")
    state = data["state"]
    waiting = [pid for pid in ids if pid not in state["decisions"] and pid not in state["in_file"]]
    assert len(waiting) == 2
    assert re.search(r"(?m)^kept 3 of 8 candidates, lowest score kept [\d.]+; 2 more wait in `digest triage 2022-10-23`"
                     r" \(3 others are in the file or decided there\)$", out), out
    assert "already in the file: 5;" in out and in_file(letter) == sections
    code, out, err = run("new", "--date", DAY.isoformat(), "--offline", "--json")
    report = json.loads(out)
    assert (report["left_out"], report["already"], report["dismissed"], report["added"]) == (2, 5, 1, [])
    for pid in waiting:  # every candidate decided: nothing waits
        assert decide(server, pid, "dismissed")[0] == 200
    code, out, err = run("new", "--date", DAY.isoformat(), "--offline")
    assert code == 0 and "; the 5 others are in the file or decided in `digest triage 2022-10-23`\n" in out
    assert "more wait" not in out and "dismissed in `digest triage`, not added: 3" in out


BROKEN = {
    "a heading that is not an id": (lambda b: b + b"\n## arXiv:2210.0261\n\nNotes.\n",
                                    r":\d+: 'arXiv:2210\.0261' is not an arXiv id"),
    "unclosed front matter": (lambda b: b.replace(b"\n---\n", b"\n", 1), r":1: front matter is never closed"),
    "a byte that is not UTF-8": (lambda b: b + b"caf\xe9\n", r":\d+: not UTF-8 text"),
    "an open code block at the end": (lambda b: b + b"\n```\nunclosed\n", r":\d+: cannot append candidates"),
}  # fmt: skip


@pytest.mark.parametrize(("breaks", "problem"), BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_issue_at_start_is_one_warning_and_keeping_is_refused(letter: Path, monkeypatch: pytest.MonkeyPatch,
                                                                        breaks: Any, problem: str) -> None:  # fmt: skip
    import digest.cli.triage

    path = letter / ISSUE
    drafted = in_file(letter)
    broken = breaks(path.read_bytes())
    path.write_bytes(broken)
    monkeypatch.setattr(digest.cli.triage, "serve_until_interrupted", lambda server, banner, _: server.close())
    code, out, err = run("triage", "--port", "0")
    assert (code, out) == (0, "")
    (line,) = err.splitlines()
    expected = rf"issues/2022-10-23\.md{problem}.*; keeping is refused until it is fixed \(dismissing still works\)"
    assert re.fullmatch("warning: " + expected, line), line
    srv = open_server()
    try:
        _, _, data = request(srv, "GET", "/api/state")
        assert data["state"]["problem"] == line.removeprefix("warning: ")  # the page's status line
        status, out = decide(srv, ranked_ids(srv)[5], "kept")
        assert status == 409 and re.match(rf"issues/2022-10-23\.md{problem}", out["error"]), out
        status, out = decide(srv, drafted[0], "dismissed")
        assert status == 200 and out["decision"] == "dismissed"
        known = data["state"]["in_file"] is not None  # only an open code block leaves the sections readable
        assert out["in_file"] is (True if known else None)  # never "not in the file" for a drafted paper
    finally:
        srv.close()
    assert path.read_bytes() == broken and decisions(letter) == {drafted[0]: "dismissed"}


def test_a_deleted_issue_at_start_is_one_warning(letter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import digest.cli.triage

    (letter / ISSUE).unlink()
    monkeypatch.setattr(digest.cli.triage, "serve_until_interrupted", lambda server, banner, _: server.close())
    code, _, err = run("triage", DAY.isoformat(), "--port", "0")  # no file: the date is not the default
    assert code == 0 and err == ("warning: issues/2022-10-23.md: the issue file is gone; keeping is refused until"
                                 " `digest new --date 2022-10-23` drafts it again (dismissing still works)\n")  # fmt: skip
    srv = open_server()
    try:
        status, out = decide(srv, ranked_ids(srv)[5], "kept")
        assert status == 409 and out["error"].startswith("issues/2022-10-23.md: the issue file is gone")
        assert decide(srv, ranked_ids(srv)[5], "dismissed")[0] == 200
    finally:
        srv.close()
    assert not (letter / ISSUE).exists()
