"""QA of the small commands as an editor and cron use them: `digest cron`'s lines run as cron
runs them, `digest preview --open`, `digest store stats` on what is not a digest store,
and `digest where` on an unpublished issue; `curl -I` on the triage page."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from arxiv_server import ArxivServer, entries, synthesize
from conftest import run
from test_triage import letter, open_server  # noqa: F401 - `letter`: the fixture of a drafted issue to triage

DIGEST = str(Path(sys.executable).parent / "digest")


def cron_command(line: str) -> str:
    """What cron hands to /bin/sh for a crontab line (crontab(5)): the command after the five time
    fields, cut at the first unescaped ``%`` (the rest is stdin), each ``\\%`` read as ``%``."""
    text = line.split(" ", 5)[5]
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append("%" if text[i + 1] == "%" else text[i : i + 2])
            i += 2
        elif text[i] == "%":
            break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def as_cron(command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``command`` in cron's bare environment: PATH=/usr/bin:/bin, HOME, SHELL, from /."""
    bare = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/"), "SHELL": "/bin/sh", **env}
    return subprocess.run(["/bin/sh", "-c", command], env=bare, cwd="/", capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("folder", ["my letter", "it's 100% \"ml\" $HOME `x`"])
def test_the_printed_cron_lines_run_from_crons_bare_environment(tmp_path: Path, folder: str) -> None:
    root = tmp_path / folder
    assert subprocess.run([DIGEST, "init", str(root)], capture_output=True).returncode == 0
    printed = subprocess.run([DIGEST, "cron"], cwd=root, capture_output=True, text=True)
    assert printed.returncode == 0, printed.stderr
    jobs = [line for line in printed.stdout.splitlines() if line and not line.startswith("#")]
    assert len(jobs) == 2
    with ArxivServer() as server:
        server.serve_window(synthesize(5, entries("arxiv-api-2026-multi-entry-page1-all_testing.xml")))
        env = {"DIGEST_ARXIV_API_URL": server.api_url, "DIGEST_ARXIV_DELAY": "0"}
        fetch = as_cron(cron_command(jobs[0]), **env)
        assert fetch.returncode == 0 and fetch.stdout == "" and fetch.stderr == "", fetch
        assert "fetched 5: 5 new" in (root / ".digest" / "fetch.log").read_text()
        new = as_cron(cron_command(jobs[1]), **env)
        assert new.returncode == 0 and new.stdout == "", new
        assert len(list((root / "issues").glob("*.md"))) == 1
        assert "exit 0" in (root / ".digest" / "runs.log").read_text()
        assert server.api_requests


def test_cron_refuses_a_folder_whose_name_cron_cannot_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "two\nlines"
    run("init", str(root))
    monkeypatch.chdir(root)
    code, out, err = run("cron")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "line break" in err and "move the newsletter" in err


def test_cron_names_the_digest_variables_cron_will_not_see(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("init", str(tmp_path / "letter"))
    monkeypatch.chdir(tmp_path / "letter")
    monkeypatch.setenv("DIGEST_ARXIV_API_URL", "http://127.0.0.1:9/api/query")
    code, out, err = run("cron")
    assert code == 0 and "DIGEST_ARXIV_API_URL" not in out  # the value is not written into the crontab
    assert "warning: DIGEST_ARXIV_API_URL sets arxiv.api_url here, but cron's jobs will not see it" in err
    monkeypatch.delenv("DIGEST_ARXIV_API_URL")
    assert run("cron")[2] == ""


def test_preview_open_serves_before_the_browser_asks(tmp_path: Path) -> None:
    """A browser that opens in the foreground (BROWSER=lynx on a console) gets the page."""
    root = tmp_path / "letter"
    run("init", str(root))
    (root / "issues" / "2022-10-23.md").write_text("---\ndate: 2022-10-23\n---\n\n## arXiv:2210.11399\n\nNotes.\n")
    browser = tmp_path / "browser"
    got = tmp_path / "got"
    browser.write_text(
        f"#!{sys.executable}\nimport sys, urllib.request\n"
        f"open({str(got)!r}, 'w').write(str(urllib.request.urlopen(sys.argv[1], timeout=10).status))\n"
    )
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": str(browser)}
    proc = subprocess.Popen([DIGEST, "preview", "issues/2022-10-23.md", "--port", "0", "--open"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("http://127.0.0.1:")
        for _ in range(200):  # the browser script ends within its 10 s timeout either way
            if got.exists() and got.read_text():
                break
            try:
                proc.wait(0.1)
            except subprocess.TimeoutExpired:
                pass
        assert got.exists() and got.read_text() == "200"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_store_stats_leaves_another_programs_database_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("init", str(tmp_path / "letter"))
    monkeypatch.chdir(tmp_path / "letter")
    other = tmp_path / "letter" / "library.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE items (title TEXT)")
    (tmp_path / "letter" / "digest.toml").write_text('[paths]\nstore = "library.sqlite"\n')
    before = other.read_bytes()
    for args in (["store", "stats"], ["store", "stats", "--json"], ["fetch", "--via", "rss"]):
        code, out, err = run(*args)
        assert (code, out) == (1, ""), args
        assert err.strip().endswith("library.sqlite: not a digest store (it holds the table items); "
                                    "set paths.store in digest.toml to another file")  # fmt: skip
        assert len(err.splitlines()) == 1
    assert other.read_bytes() == before


def test_store_stats_json_has_the_same_keys_with_or_without_a_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("init", str(tmp_path / "letter"))
    monkeypatch.chdir(tmp_path / "letter")
    missing = json.loads(run("store", "stats", "--json")[1])
    from digest.store import Store, Window

    with Store.open(tmp_path / "letter" / ".digest" / "store.sqlite") as store:
        from datetime import date

        store.save_window(Window("api", "cs.LG", date(2026, 11, 2), date(2026, 11, 3), complete=False, next_start=10, total=20,
                                 fetched=10))  # fmt: skip
    present = json.loads(run("store", "stats", "--json")[1])
    assert sorted(missing) == sorted(present)
    assert missing["schema_version"] is None
    assert [w["status"] for w in present["windows"]] == ["incomplete"]  # the word the text output uses
    assert "incomplete at 10 of 20" in run("store", "stats")[1]


def test_where_marks_an_unpublished_issue(newsletter: Path) -> None:
    (newsletter / "issues" / "2022-11-06.md").write_text(
        "---\ndate: 2022-11-06\nstatus: draft\n---\n\n## arXiv:2210.11399\n\nNotes written, not published yet.\n"
    )
    code, out, err = run("where", "2210.11399")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].endswith("Extra Compute")  # published: no mark
    assert lines[1] == "2022-11-06  issues/2022-11-06.md:6  2210.11399  (unpublished: status: draft)"
    rows = json.loads(run("where", "2210.11399", "--json")[1])
    assert [r["published"] for r in rows] == [True, False]


@pytest.mark.parametrize("version", [2, 5, 7])
def test_another_programs_database_with_its_own_schema_version_is_left_alone(tmp_path: Path, version: int) -> None:
    import hashlib
    import sqlite3

    from digest.store import Store, StoreError

    path = tmp_path / "app.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE items (id INTEGER)")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(StoreError, match=r"not a digest store \(it holds the table items\); set paths.store"):
        Store.open(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.usefixtures("letter")
def test_triage_answers_head_as_get_headers_only() -> None:
    """`curl -I` on the triage page: GET's status and headers (its checks too), no body; was 501."""
    import http.client

    server = open_server()
    try:
        def answer(method: str, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            try:
                conn.request(method, path, headers={"Host": f"127.0.0.1:{server.port}", **headers})
                resp = conn.getresponse()
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
            finally:
                conn.close()

        token = {"X-Digest-Token": server.token}
        for path, headers, status in [("/", {}, 200), ("/triage.js", {}, 200), ("/api/state", token, 200),
                                      ("/api/abstracts", token, 200), ("/api/state", {}, 403), ("/nothing", {}, 404)]:  # fmt: skip
            got, got_headers, body = answer("GET", path, **headers)
            head, head_headers, empty = answer("HEAD", path, **headers)
            assert (got, head, empty) == (status, status, b""), path
            for name in ("content-type", "content-length", "content-security-policy"):
                assert head_headers.get(name) == got_headers.get(name), (path, name)
            assert int(head_headers["content-length"]) == len(body), path
        assert answer("HEAD", "/", Host="evil.example")[0] == 403
    finally:
        server.close()
