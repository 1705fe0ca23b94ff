"""QA of an editor's whole week, walked end to end on a real arXiv week: what broke or misled.

Found walking issues/2025-06-09.md from `digest new` to `digest publish` and `digest build`
against the loopback stand-ins (tests/publish_servers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run
from publish_servers import Buttondown, Ghost, Listmonk
from test_publish import ISSUE, NEXT_YEAR
from test_publish import buttondown as buttondown  # noqa: F401  (fixtures the tests below take)
from test_publish import ghost as ghost  # noqa: F401
from test_publish import listmonk as listmonk  # noqa: F401
from test_publish import sleeps as sleeps  # noqa: F401

NOUN = {"buttondown": "Buttondown email", "listmonk": "listmonk campaign", "ghost": "Ghost post"}


@pytest.mark.parametrize("platform", ["buttondown", "listmonk", "ghost"])
def test_republishing_a_scheduled_post_without_schedule_says_it_will_not_go_out(
        platform: str, newsletter: Path, request: pytest.FixtureRequest) -> None:  # fmt: skip
    """The editor schedules Sunday's issue, spots a typo, fixes it and runs `digest publish` again:
    the post becomes a draft (as asked), and the run now says so in one warning line, instead
    of silently cancelling the send."""
    server: Buttondown | Listmonk | Ghost = request.getfixturevalue(platform)
    when = f"{NEXT_YEAR}-03-01T09:30:00+01:00"
    code, out, err = run("publish", ISSUE, "--to", platform, "--schedule", when)
    assert code == 0, err
    assert "scheduled" in out and err == ""

    code, out, err = run("publish", ISSUE, "--to", platform)  # the typo fixed, --schedule forgotten

    assert code == 0, err
    assert " as draft " in out and "(updated)" in out
    assert err.count("\n") == 1, err
    assert err.startswith(f"warning: {ISSUE}: the {NOUN[platform]} ")
    assert f"was scheduled for {NEXT_YEAR}-03-01T08:30+00:00" in err  # in `timezone` (UTC here)
    assert "it is a draft now and will not go out" in err and "--schedule" in err
    assert len(getattr(server, {"buttondown": "emails", "listmonk": "campaigns", "ghost": "posts"}[platform])) == 1

    code, out, err = run("publish", ISSUE, "--to", platform)  # a draft updated again: nothing to say
    assert code == 0 and err == "", err


def test_a_real_week_from_draft_to_archive_keeps_exactly_the_annotated_papers(
        newsletter: Path, buttondown: Buttondown) -> None:  # fmt: skip
    """The 1,478-paper week of 2025-06-02: drafted offline, three papers annotated, then check,
    render, publish and build all carry those three papers, once each, and nothing else."""
    import re

    from test_triage_browser import WEEK, week_papers

    from digest.store import Store

    if not WEEK.is_file():
        pytest.skip(f"{WEEK} is missing (the shared real arXiv weeks)")
    with Store.open(newsletter / ".digest" / "store.sqlite") as store:
        store.upsert(week_papers(1478))
    code, out, err = run("new", "--offline", "--date", "2025-06-09", "--limit", "20")
    assert code == 0, err
    issue = newsletter / "issues" / "2025-06-09.md"
    text = issue.read_text(encoding="utf-8")
    ids = re.findall(r"^## \[.*\]\(https://arxiv\.org/abs/(\d{4}\.\d{5})\)$", text, re.M)
    assert len(ids) == 20 and len(set(ids)) == 20
    noted = ids[:5:2]
    for pid in noted:  # notes right after each chosen paper's digest:paper comment
        start = text.index(f"(https://arxiv.org/abs/{pid})\n")
        end = text.index("\n-->\n", start) + len("\n-->\n")
        text = text[:end] + f"\nWhy {pid} matters: $O(n^2)$ less work.\n" + text[end:]
    text = re.sub(r"^status: draft$", "status: ready", text, count=1, flags=re.M)
    text = re.sub(r"^headline: .*$", "headline: Three papers, one week", text, count=1, flags=re.M)
    issue.write_text(text, encoding="utf-8")

    code, out, err = run("check", "issues/2025-06-09.md", "--strict")
    assert code == 0, out + err
    assert "17 candidates without notes are left out" in out
    code, md, err = run("render", "issues/2025-06-09.md", "--format", "md", "--out", "-")
    assert code == 0, err
    assert [m for m in re.findall(r"arxiv\.org/abs/(\d{4}\.\d{5})\)$", md, re.M)] == noted
    assert md.count("O(n²) less work") == 3
    code, out, err = run("publish", "issues/2025-06-09.md", "--to", "buttondown")
    assert code == 0, err
    (email,) = buttondown.emails.values()
    assert email["body"].count("O(n²) less work") == 3 and email["description"] == "Three papers, one week"
    code, out, err = run("build")
    assert code == 0, err
    page = (newsletter / "build" / "2025-06-09.html").read_text(encoding="utf-8")
    assert all(page.count(f'id="arxiv-{pid}"') == 1 for pid in noted) and page.count("O(n²) less work") == 3
