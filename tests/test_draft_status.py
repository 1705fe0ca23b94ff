"""Drafts do not go out: `digest send` and `digest publish --schedule` refuse a `status: draft`
issue (`--draft` sends a proof, or schedules it anyway); `digest publish` may leave a draft on
the platform, where nobody receives it, and says so; a blank `status:` is an error, not "no
status"; `digest send` with neither `--to` nor `email.to` refuses instead of mailing the editor.

Against the real CLI, a loopback SMTP server (aiosmtpd, a trustme CA) and the Buttondown stand-in.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import trustme

import digest.clock
import digest.publish
from conftest import run
from digest.store import Store
from publish_servers import Buttondown
from test_publishing_flow import papers
from test_send import Sink, start_server

ISSUE = "issues/2022-10-23.md"
EDITOR = "Davis Blalock <davis@example.org>"
ALICE = "alice@example.org"
NOW = datetime(2022, 10, 23, 6, 30, 5, tzinfo=timezone.utc)
NEXT_YEAR = datetime.now(timezone.utc).year + 1
SEND_REFUSAL = "status: draft; set status: ready to send it, or pass --draft to send a proof anyway"


def set_status(newsletter: Path, status: str, issue: str = ISSUE) -> None:
    """``status: STATUS`` as line 3 of the issue (after ``date:``)."""
    path = newsletter / issue
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.split("\n") if not line.startswith("status:")]
    assert lines[1].startswith("date: ")
    lines.insert(2, f"status: {status}".rstrip(" "))
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def ca() -> Any:
    return trustme.CA()


@pytest.fixture()
def smtp(newsletter: Path, monkeypatch: pytest.MonkeyPatch, ca: Any, tmp_path: Path) -> Iterator[Sink]:
    """The sample newsletter sending through a loopback STARTTLS server; email.to empty."""
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    controller, sink = start_server(ca, "starttls")
    for name, value in {"DIGEST_SMTP_HOST": "127.0.0.1", "DIGEST_SMTP_PORT": str(controller.port),
                        "DIGEST_SMTP_USER": "editor", "DIGEST_SMTP_PASSWORD": "s3cret",
                        "DIGEST_SMTP_CA_FILE": str(cafile), "DIGEST_EMAIL_FROM": EDITOR,
                        "SSL_CERT_FILE": str(tmp_path / "none.pem")}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(digest.clock, "now", lambda: NOW)
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture()
def buttondown(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Buttondown]:
    monkeypatch.setattr(digest.publish, "sleep", lambda s: None)
    with Buttondown(token="bd-T") as server:
        monkeypatch.setenv("DIGEST_PUBLISH_BUTTONDOWN_URL", server.api)
        monkeypatch.setenv("DIGEST_BUTTONDOWN_TOKEN", server.token)
        yield server


def parsed(sink: Sink) -> list[Any]:
    return [email.message_from_bytes(data, policy=email.policy.default) for _, _, data in sink.messages]


# --- digest send ---------------------------------------------------------------------------------


def test_send_refuses_an_untouched_new_draft_and_names_its_status_line(smtp: Sink, newsletter: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(digest.clock, "now", lambda: datetime(2022, 10, 30, 11, tzinfo=timezone.utc))
    with Store.open(newsletter / ".digest" / "store.sqlite") as store:
        store.upsert(papers())
    code, _, err = run("new", "--date", "2022-10-30", "--offline", "--limit", "5")
    assert code == 0, err
    line = (newsletter / "issues/2022-10-30.md").read_text().split("\n").index("status: draft") + 1

    for extra in ((), ("--dry-run",)):
        code, out, err = run("send", "issues/2022-10-30.md", "--to", ALICE, *extra)
        assert (code, out) == (1, "") and err == f"issues/2022-10-30.md:{line}: {SEND_REFUSAL}\n"
    assert smtp.messages == [] and not (newsletter / ".digest" / "sent").exists()


def test_a_draft_proof_goes_to_the_editor_not_to_email_to_and_is_not_logged(smtp: Sink, newsletter: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("DIGEST_EMAIL_TO", f"{EDITOR}, {ALICE}")
    set_status(newsletter, "draft")
    code, out, err = run("send", ISSUE)
    assert (code, err) == (1, f"{ISSUE}:3: {SEND_REFUSAL}\n") and smtp.messages == []

    code, out, err = run("send", ISSUE, "--draft")
    assert code == 0, err
    assert out == (f"sent a proof of {ISSUE} to 1 reader (a proof of a draft (status: draft), not logged:"
                   " readers still get the issue from a send without --draft)\n")  # fmt: skip
    assert "digest build" not in err  # not "`digest build` does not publish it": this command sent it
    assert [rcpt for _, rcpt, _ in smtp.messages] == [["davis@example.org"]]
    (proof,) = parsed(smtp)
    assert proof["To"] == EDITOR and proof["Message-ID"].startswith("<proof.")
    assert not Path(".digest/sent/2022-10-23.log").exists()

    # ready: every reader in email.to gets the issue, the editor too (the proof was no send)
    set_status(newsletter, "ready")
    code, out, err = run("send", ISSUE)
    assert code == 0, err
    assert out == f"sent {ISSUE} to 2 readers (0 already sent)\n"
    _, to_editor, to_alice = parsed(smtp)
    assert (to_editor["To"], to_alice["To"]) == (EDITOR, ALICE)
    assert to_editor["Message-ID"] != proof["Message-ID"]  # a mail client that has the proof still shows the issue
    assert proof["Message-ID"] == to_editor["Message-ID"].replace("<", "<proof.", 1)


def test_a_draft_proof_goes_to_the_addresses_given(smtp: Sink, newsletter: Path) -> None:
    set_status(newsletter, "draft")
    code, out, err = run("send", ISSUE, "--draft", "--to", ALICE, "--dry-run")
    assert code == 0, err
    assert "RCPT TO:   <alice@example.org>\n" in out and "RCPT TO:   <davis@" not in out
    assert "a proof of a draft (status: draft), not logged" in out and smtp.messages == []
    code, out, err = run("send", ISSUE, "--draft", "--to", ALICE)
    assert code == 0 and out.startswith(f"sent a proof of {ISSUE} to 1 reader (") and len(smtp.messages) == 1
    code, out, err = run("send", ISSUE, "--draft", "--to", ALICE)  # a proof is not logged: sent again
    assert code == 0 and len(smtp.messages) == 2


def test_an_issue_without_a_status_is_sent_as_before(smtp: Sink, newsletter: Path) -> None:
    code, out, err = run("send", ISSUE, "--to", ALICE)
    assert (code, out) == (0, f"sent {ISSUE} to 1 reader (0 already sent)\n") and len(smtp.messages) == 1


def test_send_without_to_and_with_an_empty_email_to_refuses_instead_of_mailing_the_editor(smtp: Sink) -> None:
    for extra in ((), ("--dry-run",)):
        code, out, err = run("send", ISSUE, *extra)
        assert (code, out) == (2, "")
        assert err == ("digest.toml: email.to: empty, so there are no readers to send to; list them there,"
                       " pass --to ADDR, or pass --draft to send yourself a proof\n")  # fmt: skip
    assert smtp.messages == []


# --- digest publish ------------------------------------------------------------------------------


def test_publishing_a_draft_leaves_a_draft_on_the_platform_and_says_nobody_receives_it(buttondown: Buttondown,
                                                                                      newsletter: Path) -> None:  # fmt: skip
    set_status(newsletter, "draft")
    code, out, err = run("publish", ISSUE, "--to", "buttondown")
    assert code == 0, err
    (mail,) = buttondown.emails.values()
    assert mail["status"] == "draft" and out.startswith(f"published {ISSUE} to buttondown as draft ")
    assert (f"{ISSUE}: a draft (status: draft): it is a draft on Buttondown too, which nobody receives; set status:"
            " ready before you schedule or send it") in err  # fmt: skip
    assert "digest build" not in err


def test_scheduling_a_draft_is_refused_unless_draft_is_given(buttondown: Buttondown, newsletter: Path) -> None:
    set_status(newsletter, "draft")
    when = f"{NEXT_YEAR}-01-01T08:00"
    code, out, err = run("publish", ISSUE, "--to", "buttondown", "--schedule", when)
    assert (code, out) == (1, "")
    assert err == f"{ISSUE}:3: status: draft; set status: ready to schedule it, or pass --draft to schedule it anyway\n"
    assert buttondown.requests == []

    code, out, err = run("publish", ISSUE, "--to", "buttondown", "--schedule", when, "--draft")
    assert code == 0, err
    (mail,) = buttondown.emails.values()
    assert mail["status"] == "scheduled"
    assert f"{ISSUE}: a draft (status: draft), scheduled anyway (--draft): it goes out on Buttondown at {when}" in err


def test_a_ready_issue_is_scheduled_without_a_note(buttondown: Buttondown, newsletter: Path) -> None:
    set_status(newsletter, "ready")
    code, out, err = run("publish", ISSUE, "--to", "buttondown", "--schedule", f"{NEXT_YEAR}-01-01T08:00")
    assert code == 0 and "draft" not in err, err


# --- a blank status -----------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", "~"])
def test_a_blank_status_is_an_error_not_an_issue_without_one(newsletter: Path, blank: str) -> None:
    set_status(newsletter, blank)
    expected = f"{ISSUE}:3: status: expected draft or ready, got nothing"
    code, out, err = run("render", ISSUE, "--format", "md")
    assert code == 1 and err == expected + "\n"
    code, out, err = run("build")
    assert code == 1 and expected in err
    assert "2022-10-23" not in (newsletter / "build" / "index.html").read_text()
