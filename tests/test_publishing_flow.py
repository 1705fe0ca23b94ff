"""From draft to published, end to end, the way an editor goes through a week.

`digest new` drafts (status: draft) -> the editor keeps papers in triage and writes
notes -> `status: ready` -> `digest build` publishes it (and not before) -> `digest
send` to two readers over a local STARTTLS server whose certificate a private CA
signed (aiosmtpd + trustme, `smtp.ca_file`) -> `digest publish` to Buttondown,
listmonk and Ghost stand-ins. Each reader's message names only that reader, and
running send and publish again sends and duplicates nothing.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import trustme

import digest.clock
import digest.publish
from conftest import run
from digest.paper import Author, Paper
from digest.store import Store
from publish_servers import Buttondown, Ghost, Listmonk
from test_send import start_server

DAY = "2022-10-30"
ISSUE = f"issues/{DAY}.md"


def papers() -> list[Paper]:
    when = datetime(2022, 10, 25, 12, tzinfo=timezone.utc)  # Tuesday: announced that evening
    return [Paper(f"2210.{n:05d}", 1, f"Paper {n}: sparse attention at scale", (Author("Ada Lovelace"),),
                  f"We study sparse attention number {n} for long sequences.", categories=("cs.LG",),
                  primary_category="cs.LG", published=when, updated=when, source="api") for n in range(1, 9)]  # fmt: skip


def test_draft_triage_ready_build_send_publish(newsletter: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(digest.publish, "sleep", lambda s: None)
    monkeypatch.setattr(digest.clock, "now", lambda: datetime(2022, 10, 30, 11, tzinfo=timezone.utc))
    with Store.open(newsletter / ".digest" / "store.sqlite") as store:
        store.upsert(papers())

    # 1. the weekly draft: a draft, not public
    code, out, err = run("new", "--date", DAY, "--offline", "--limit", "5")
    assert code == 0, err
    text = (newsletter / ISSUE).read_text()
    assert "\nstatus: draft\n" in text and text.count("<!-- digest:paper") == 5
    code, out, err = run("build")
    assert code == 0, err
    index = (newsletter / "build" / "index.html").read_text()
    feed = (newsletter / "build" / "feed.xml").read_text()
    assert DAY not in index and DAY not in feed and "2022-10-23" in index  # the sample has no status: published

    # 2. triage: keep two of the three papers `new` left out, by the session the page uses
    from digest.config import load_settings
    from digest.triage.session import Triage

    session = Triage.open(load_settings(), date.fromisoformat(DAY))
    try:
        left = [r.paper.id for r in session.ranked if r.paper.id not in text]
        for pid in left[:2]:
            session.decide(pid, "kept")
    finally:
        session.close()
    text = (newsletter / ISSUE).read_text()
    assert all(pid in text for pid in left[:2]) and text.count("<!-- digest:paper") == 7

    # 3. notes under two papers, the headline, status: ready
    ids = re.findall(r"^id: (\S+)$", text, re.M)
    for n, ident in enumerate(ids[:2]):
        end = text.index("-->\n", text.index(f"id: {ident}\n")) + 4
        text = text[:end] + f"\nWhy paper {n} matters: it scales.\n" + text[end:]
    text = re.sub(r"^headline: .*$", "headline: Sparse attention week", text, count=1, flags=re.M)
    (newsletter / ISSUE).write_text(text.replace("\nstatus: draft\n", "\nstatus: ready\n"))
    code, out, err = run("check", ISSUE)
    assert "5 candidates without notes are left out" in out
    code, out, err = run("build")
    assert code == 0, err
    index = (newsletter / "build" / "index.html").read_text()
    assert DAY in index and "Sparse attention week" in index
    assert ".eml" not in index and ".substack.html" not in index
    assert "Copy for Substack" not in (newsletter / "build" / f"{DAY}.html").read_text()
    assert DAY in (newsletter / "build" / "feed.xml").read_text()

    # 4. send to two readers over STARTTLS, a private CA
    ca = trustme.CA()
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    controller, sink = start_server(ca, "starttls")
    try:
        for name, value in {"DIGEST_SMTP_HOST": "127.0.0.1", "DIGEST_SMTP_PORT": str(controller.port),
                            "DIGEST_SMTP_USER": "editor", "DIGEST_SMTP_PASSWORD": "s3cret",
                            "DIGEST_SMTP_CA_FILE": str(cafile),
                            "SSL_CERT_FILE": str(tmp_path / "none.pem")}.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        readers = ("alice@example.org", "bob@example.net")
        code, out, err = run("send", ISSUE, "--to", readers[0], "--to", readers[1])
        assert code == 0, err
        assert f"sent {ISSUE} to 2 readers (0 already sent)" in out + err
        messages = sink.parsed()
        assert sorted(m["To"] for m in messages) == list(readers)
        for m, (_, rcpt, _) in zip(messages, sink.messages):
            assert rcpt == [m["To"]] and m["Cc"] is None and m["Bcc"] is None
            assert "Why paper 0 matters" in m.get_body(("plain",)).get_content()
        code, out, err = run("send", ISSUE, "--to", readers[0], "--to", readers[1])
        assert code == 0 and len(sink.messages) == 2  # nothing twice
        assert "(2 already sent)" in out + err
    finally:
        controller.stop()

    # 5. publish to the three platforms; again: updated, not duplicated (the platforms check
    # their tokens against their own clock: the real one)
    monkeypatch.setattr(digest.clock, "now", lambda: datetime.now(timezone.utc))
    with Buttondown(token="bd-T") as bd, Listmonk(user="bot", token="lm-T") as lm, Ghost() as gh:
        for name, value in {"DIGEST_PUBLISH_BUTTONDOWN_URL": bd.api, "DIGEST_BUTTONDOWN_TOKEN": bd.token,
                            "DIGEST_PUBLISH_LISTMONK_URL": lm.url, "DIGEST_PUBLISH_LISTMONK_LISTS": "3",
                            "DIGEST_LISTMONK_USER": lm.user, "DIGEST_LISTMONK_TOKEN": lm.token,
                            "DIGEST_PUBLISH_GHOST_URL": gh.url, "DIGEST_GHOST_ADMIN_KEY": gh.admin_key}.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        for _ in range(2):
            for platform in ("buttondown", "listmonk", "ghost"):
                code, out, err = run("publish", ISSUE, "--to", platform)
                assert code == 0, err
        assert len(bd.emails) == 1 and len(lm.campaigns) == 1 and len(gh.posts) == 1
        (mail,) = bd.emails.values()
        assert mail["status"] == "draft" and "Why paper 1 matters" in mail["body"]


def test_render_preview_and_build_say_what_is_left_out_and_what_is_a_draft(newsletter: Path) -> None:
    text = (newsletter / "issues" / "2022-10-23.md").read_text()
    extra = "".join(f"\n## arXiv:2210.{n:05d}\n<!-- digest:paper\ntitle: T{n}\n-->\n" for n in range(1, 28))
    (newsletter / "issues" / "2022-10-23.md").write_text(text + extra)
    draft = text.replace("date: 2022-10-23\n", "date: 2022-10-30\nstatus: draft\n", 1)
    (newsletter / "issues" / "2022-10-30.md").write_text(draft)
    code, out, err = run("render", "issues/2022-10-30.md", "--format", "md")
    assert code == 0 and "issues/2022-10-30.md: a draft (status: draft): `digest build` does not publish it" in err
    code, out, err = run("build")
    assert code == 0, err
    assert "warning: 27 candidates without notes are left out of 1 issue built" in err
    assert "1 draft not published (status: draft): 2022-10-30" in err
    assert err.count("has no notes") == 0
