"""`digest send` against a real SMTP server on loopback (aiosmtpd), with STARTTLS, TLS and AUTH.

The server's certificate comes from a throwaway CA (trustme) that the client trusts
through `smtp.ca_file`; no test touches the network beyond 127.0.0.1 or sleeps.
"""

from __future__ import annotations

import base64
import email
import email.policy
import fcntl
import os
import re
import socket
import ssl
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import run

import digest.clock
import digest.deliver

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is not installed")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp", reason="aiosmtpd is not installed")
trustme = pytest.importorskip("trustme", reason="trustme is not installed")

SENDER = "Davis Blalock <davis@example.org>"
ISSUE = "issues/2022-10-23.md"
ALICE, BOB = "Alice Reader <alice@example.org>", "bob@example.net"
NOW = datetime(2022, 10, 23, 6, 30, 5, tzinfo=timezone.utc)
"""The fake clock: 08:30:05 in Europe/Berlin, the newsletter's `timezone` in these tests."""


class Sink:
    """Keeps every message the server accepts (envelope and DATA bytes). ``refuse_once``:
    addresses whose first RCPT gets a 451; ``drop_at``: an address whose RCPT makes the
    server drop the connection (once)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.peers: list[Any] = []
        self.refuse_once: set[str] = set()
        self.drop_at: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.refuse_once:
            self.refuse_once.discard(address)
            return "451 4.3.0 mailbox busy, try again later"
        if address in self.drop_at:
            self.drop_at.discard(address)
            server.transport.abort()
            return "421 4.3.0 gone"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        self.peers.append(session.peer)  # the client's (address, port): one per connection
        return "250 OK"

    def parsed(self) -> list[Any]:
        return [email.message_from_bytes(data, policy=email.policy.default) for _, _, data in self.messages]


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    ok = getattr(auth_data, "login", None) == b"editor" and getattr(auth_data, "password", None) == b"s3cret"
    return aiosmtpd_smtp.AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ca() -> Any:
    return trustme.CA()


class Controller(aiosmtpd_controller.Controller):  # type: ignore[misc, name-defined]
    """aiosmtpd's controller, which on stop also closes the connections still open on its loop.

    aiosmtpd closes its loop with any connection whose end the loop has not seen yet (a client
    that hung up a moment before the stop, a TLS handshake never finished): their transports were
    then collected in a later test as "unclosed transport" warnings, which fail that test.
    """

    def cancel_tasks(self, stop_loop: bool = True) -> None:
        for transport in list(getattr(self.loop, "_transports", {}).values()):
            transport.abort()
        super().cancel_tasks(stop_loop)


def start_server(ca: Any, mode: str, names: tuple[str, ...] = ("127.0.0.1", "localhost")) -> tuple[Any, Sink]:
    """A loopback server: mode 'starttls', 'tls' (implicit) or 'plain' (no STARTTLS offered),
    its certificate issued by ``ca`` for ``names``."""
    sink = Sink()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": free_port(), "authenticator": authenticator}
    if mode == "starttls":
        kwargs |= {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
    elif mode == "tls":
        kwargs |= {"ssl_context": context, "auth_require_tls": False}
    else:
        kwargs |= {"auth_require_tls": False}
    controller = Controller(sink, **kwargs)
    if mode == "tls":
        controller.ready_timeout = 5
    controller.start()
    return controller, sink


@pytest.fixture()
def smtp_env(newsletter: Path, monkeypatch: pytest.MonkeyPatch, ca: Any, tmp_path: Path) -> Path:
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-system-store.pem"))  # only smtp.ca_file is trusted
    monkeypatch.setenv("DIGEST_SMTP_CA_FILE", str(cafile))
    monkeypatch.setenv("DIGEST_EMAIL_FROM", SENDER)
    monkeypatch.setenv("DIGEST_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DIGEST_SMTP_USER", "editor")
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("DIGEST_TIMEZONE", "Europe/Berlin")
    monkeypatch.setattr(digest.clock, "now", lambda: NOW)
    return newsletter


@pytest.fixture()
def server(request: pytest.FixtureRequest, ca: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    mode = getattr(request, "param", "starttls")
    controller, sink = start_server(ca, mode)
    monkeypatch.setenv("DIGEST_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("DIGEST_SMTP_SECURITY", "tls" if mode == "tls" else "starttls")
    try:
        yield sink
    finally:
        controller.stop()


def send(*args: str) -> tuple[int, str, str]:
    return run("send", ISSUE, *args)


def rendered_for(recipient: str, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """What `digest render --format email` writes when `email.to` is ``recipient``."""
    with monkeypatch.context() as m:
        m.setenv("DIGEST_EMAIL_TO", recipient)
        code, _, err = run("render", ISSUE, "--format", "email")
    assert code == 0, err
    return Path("build/2022-10-23.eml").read_bytes()


def sent_log() -> list[str]:
    return Path(".digest/sent/2022-10-23.log").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("server", ["starttls", "tls"], indirect=True)
def test_each_reader_gets_a_message_that_names_only_them(smtp_env: Path, server: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = send("--to", ALICE, "--to", BOB)
    assert code == 0, err
    assert out == "sent issues/2022-10-23.md to 2 readers (0 already sent)\n"
    assert [(m[0], m[1]) for m in server.messages] == [("davis@example.org", ["alice@example.org"]),
                                                        ("davis@example.org", ["bob@example.net"])]
    alice, bob = server.parsed()
    assert alice["To"] == ALICE and bob["To"] == BOB
    for msg, (_, _, data) in zip((alice, bob), server.messages):
        assert msg["Cc"] is None and msg["Bcc"] is None
    assert b"bob@example.net" not in server.messages[0][2] and b"alice@example.org" not in server.messages[1][2]
    assert alice["Message-ID"] != bob["Message-ID"]
    assert len(set(server.peers)) == 1  # one connection for the whole run
    # Date is when it was sent, in `timezone`; everything else is the .eml `digest render` writes for that reader,
    # whose Date stays the issue date at email.send_hour: it is a draft.
    assert alice["Date"] == bob["Date"] == "Sun, 23 Oct 2022 08:30:05 +0200"
    for reader, (_, _, data) in zip((ALICE, BOB), server.messages):
        draft = rendered_for(reader, monkeypatch)
        assert b"\r\nDate: Sun, 23 Oct 2022 08:00:00 +0200\r\n" in draft
        assert data == draft.replace(b"Date: Sun, 23 Oct 2022 08:00:00 +0200", b"Date: Sun, 23 Oct 2022 08:30:05 +0200")


def test_the_same_reader_twice_gets_one_copy(smtp_env: Path, server: Sink) -> None:
    code, out, err = send("--to", "bob@example.net", "--to", "Bob <BOB@example.net>")
    assert code == 0, err
    assert out == "sent issues/2022-10-23.md to 1 reader (0 already sent)\n" and len(server.messages) == 1


def test_a_temporary_refusal_is_finished_by_running_again(smtp_env: Path, ca: Any, server: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    server.refuse_once.add("bob@example.net")
    code, out, err = send("--to", ALICE, "--to", BOB)
    assert code == 3, err
    assert out == "sent issues/2022-10-23.md to 1 reader (0 already sent, 1 refused)\n"
    assert "refused bob@example.net (451 4.3.0 mailbox busy, try again later) for now" in err
    assert "run the same command later" in err and len(err.splitlines()) == 1
    [(_, rcpts, _)] = server.messages
    assert rcpts == ["alice@example.org"]
    # The log: one line per delivered reader, with the time of sending and the Message-ID it got.
    [line] = sent_log()
    stamp, address, message_id, content = line.split("  ")
    assert (stamp, address) == ("2022-10-23T08:30:05+02:00", "alice@example.org")
    assert message_id == server.parsed()[0]["Message-ID"] and re.fullmatch(r"content=[0-9a-f]{12}", content)

    monkeypatch.setattr(digest.clock, "now", lambda: NOW.replace(minute=45))
    code, out, err = send("--to", ALICE, "--to", BOB)
    assert code == 0, err
    assert out == "sent issues/2022-10-23.md to 1 reader (1 already sent)\n" and err == ""
    assert [m[1] for m in server.messages] == [["alice@example.org"], ["bob@example.net"]]
    assert server.parsed()[1]["Date"] == "Sun, 23 Oct 2022 08:45:05 +0200"
    assert [line.split("  ")[:2] for line in sent_log()] == [["2022-10-23T08:30:05+02:00", "alice@example.org"],
                                                             ["2022-10-23T08:45:05+02:00", "bob@example.net"]]
    # Everyone has it: a third run sends nothing and needs no server at all.
    monkeypatch.setenv("DIGEST_SMTP_PORT", str(free_port()))
    code, out, err = send("--to", ALICE, "--to", BOB)
    assert code == 0, err
    assert out == "sent issues/2022-10-23.md to 0 readers (2 already sent)\n" and len(server.messages) == 2


def test_a_dropped_connection_is_finished_by_running_again(smtp_env: Path, server: Sink) -> None:
    server.drop_at.add("bob@example.net")
    code, out, err = send("--to", ALICE, "--to", BOB, "--to", "carol@example.com")
    assert code == 3 and out == ""
    assert "the server closed the connection" in err and "sent to 1 of 3 readers" in err
    assert "run the same command again to send to the other 2" in err and len(err.splitlines()) == 1
    assert [m[1] for m in server.messages] == [["alice@example.org"]]
    code, out, err = send("--to", ALICE, "--to", BOB, "--to", "carol@example.com")
    assert code == 0, err
    assert out == "sent issues/2022-10-23.md to 2 readers (1 already sent)\n"
    assert [m[1] for m in server.messages] == [["alice@example.org"], ["bob@example.net"], ["carol@example.com"]]


def test_resend_sends_again_with_the_same_message_id(smtp_env: Path, server: Sink) -> None:
    assert send("--to", ALICE, "--to", BOB)[0] == 0
    code, out, err = send("--to", ALICE, "--to", BOB, "--resend")
    assert code == 0, err
    assert out == "sent issues/2022-10-23.md to 2 readers (0 already sent)\n"
    ids = [m["Message-ID"] for m in server.parsed()]
    assert len(ids) == 4 and ids[:2] == ids[2:]
    assert len(sent_log()) == 4


def test_an_issue_changed_since_a_partial_send_goes_only_to_the_rest_and_says_so(smtp_env: Path, server: Sink) -> None:
    assert send("--to", ALICE)[0] == 0
    issue = Path(ISSUE)
    issue.write_text(issue.read_text(encoding="utf-8") + "\n<!-- a note to self -->\n", encoding="utf-8")
    code, out, err = send("--to", ALICE, "--to", "carol@example.com")
    assert code == 0 and err == ""  # a comment never reaches readers: not a change
    issue.write_text(issue.read_text(encoding="utf-8").replace("SetFit", "SetFit (fixed)"), encoding="utf-8")
    code, out, err = send("--to", ALICE, "--to", "carol@example.com", "--to", BOB)
    assert code == 0, err
    assert out == "sent issues/2022-10-23.md to 1 reader (2 already sent)\n"
    assert ("warning: issues/2022-10-23.md changed since it was sent to 2 reader(s) (alice@example.org,"
            " carol@example.com): they are skipped and keep the earlier version") in err
    assert "--resend --to ADDR" in err
    assert [m[1] for m in server.messages] == [["alice@example.org"], ["carol@example.com"], ["bob@example.net"]]
    assert "SetFit (fixed)" in server.parsed()[2]["Subject"]


def test_progress_is_reported_through_the_callback(smtp_env: Path, server: Sink) -> None:
    from digest.config import load_settings

    calls: list[tuple[int, int, str]] = []
    delivery = digest.deliver.prepare(ISSUE, load_settings(), [ALICE, BOB])
    report = digest.deliver.send(delivery, progress=lambda *a: calls.append(a))
    assert calls == [(1, 2, "alice@example.org"), (2, 2, "bob@example.net")]
    assert report.summary() == "sent issues/2022-10-23.md to 2 readers (0 already sent)"


def test_a_second_send_of_the_same_issue_at_the_same_time_is_refused(smtp_env: Path, server: Sink) -> None:
    log = Path(".digest/sent/2022-10-23.log")
    log.parent.mkdir(parents=True)
    with log.open("ab") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        code, _, err = send("--to", ALICE)
    assert code == 1 and "another `digest send` of this issue is running" in err and server.messages == []


def test_ca_file_missing_or_not_pem_is_one_line_naming_the_setting(smtp_env: Path, server: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SMTP_CA_FILE", "certs/private-ca.pem")
    code, _, err = send("--to", ALICE)
    assert code == 2 and server.messages == []
    assert err == ("DIGEST_SMTP_CA_FILE: smtp.ca_file: certs/private-ca.pem does not exist;"
                   " set it to the PEM file of the CA that signed the server's certificate\n")
    Path("certs").mkdir()
    Path("certs/private-ca.pem").write_text("not a certificate\n")
    code, _, err = send("--to", ALICE, "--dry-run")
    assert code == 2 and "smtp.ca_file" in err and "holds no PEM certificate" in err


def test_ca_file_relative_to_the_newsletter_folder(smtp_env: Path, ca: Any, server: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    ca.cert_pem.write_to_path(str(smtp_env / "ca.pem"))
    with (smtp_env / "digest.toml").open("a", encoding="utf-8") as f:
        f.write('\n[smtp]\nca_file = "ca.pem"\n')
    monkeypatch.delenv("DIGEST_SMTP_CA_FILE")
    monkeypatch.chdir(smtp_env / "issues")
    code, _, err = run("send", "2022-10-23.md", "--to", ALICE)
    assert code == 0, err
    assert len(server.messages) == 1 and (smtp_env / ".digest/sent/2022-10-23.log").is_file()


def test_without_ca_file_the_system_store_is_used(smtp_env: Path, ca: Any, server: Sink, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DIGEST_SMTP_CA_FILE")
    code, _, err = send("--to", ALICE)
    assert code == 1 and "certificate is not trusted" in err and server.messages == []
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    code, _, err = send("--to", ALICE)
    assert code == 0, err


def test_an_untrusted_certificate_is_named_as_such_not_as_the_server_name(smtp_env: Path, server: Sink, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("DIGEST_SMTP_CA_FILE", str(other))
    code, _, err = send("--to", ALICE)
    assert code == 1 and server.messages == []
    assert "the server's certificate is not trusted (unable to get local issuer certificate)" in err
    assert "smtp.ca_file" in err and "name" not in err and "smtp.host" not in err
    code, _, err = send("--to", ALICE, "--insecure")
    assert code == 0, err
    assert len(server.messages) == 1


def test_a_certificate_for_another_name_says_so(smtp_env: Path, ca: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    controller, sink = start_server(ca, "starttls", names=("mail.example.org",))
    monkeypatch.setenv("DIGEST_SMTP_PORT", str(controller.port))
    try:
        code, _, err = send("--to", ALICE)
    finally:
        controller.stop()
    assert code == 1 and sink.messages == []
    assert "certificate is not valid for the name '127.0.0.1'" in err and "set smtp.host to a name" in err
    assert "not trusted" not in err


def test_starttls_against_an_implicit_tls_port_is_named(smtp_env: Path, ca: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The server says nothing until the client starts TLS. The client waits TLS_PROBE_AFTER for a
    # greeting (1 s; here a tenth of a second), then finds TLS by a handshake on a second connection
    # that the server answers at once: no other timer is involved (huge ones change nothing), least
    # of all the greeting or command timeout. tests/test_send_timing.py times it.
    monkeypatch.setattr(digest.deliver, "TLS_PROBE_AFTER", 0.1)
    for name in ("GREETING_TIMEOUT", "HANDSHAKE_TIMEOUT", "TIMEOUT"):
        monkeypatch.setattr(digest.deliver, name, 3600.0)
    controller, sink = start_server(ca, "tls")
    monkeypatch.setenv("DIGEST_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("DIGEST_SMTP_SECURITY", "starttls")
    try:
        code, _, err = send("--to", ALICE)
    finally:
        controller.stop()
    assert code == 2 and sink.messages == []
    assert err == (f"smtp.security: 127.0.0.1:{controller.port} speaks implicit TLS, not STARTTLS; set"
                   ' smtp.security = "tls", or smtp.port to the server\'s STARTTLS port (usually 587)\n')


@pytest.mark.parametrize("mode", ["plain", "starttls"])
def test_tls_against_a_plain_port_is_named_at_once(smtp_env: Path, ca: Any, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    # The plain server greets as soon as it accepts: the failed handshake and that greeting are
    # the symptoms, no timeout is involved (a huge one changes nothing).
    for name in ("GREETING_TIMEOUT", "HANDSHAKE_TIMEOUT", "TIMEOUT"):
        monkeypatch.setattr(digest.deliver, name, 3600.0)
    controller, sink = start_server(ca, mode)
    monkeypatch.setenv("DIGEST_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("DIGEST_SMTP_SECURITY", "tls")
    try:
        code, _, err = send("--to", ALICE)
    finally:
        controller.stop()
    assert code == 2 and sink.messages == []
    assert f"smtp.security: 127.0.0.1:{controller.port} speaks plain SMTP (it greeted '220 " in err
    assert 'not implicit TLS; set smtp.security = "starttls"' in err


@pytest.mark.parametrize("server", ["plain"], indirect=True)
def test_a_server_without_starttls_is_refused(smtp_env: Path, server: Sink) -> None:
    code, _, err = send("--to", ALICE)
    assert code == 1 and "offers no STARTTLS: refusing to send in clear text" in err
    assert server.messages == []
    code, _, err = send("--to", ALICE, "--insecure")
    assert code == 0, err
    assert "sending in clear text (--insecure)" in err and len(server.messages) == 1


def test_a_wrong_password_is_one_line(smtp_env: Path, server: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "wrong")
    code, _, err = send("--to", ALICE)
    assert code == 1 and err == f"127.0.0.1:{os.environ['DIGEST_SMTP_PORT']}: login as 'editor' refused (535); check DIGEST_SMTP_PASSWORD\n"
    assert server.messages == []


def test_the_password_is_never_printed(smtp_env: Path, server: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = ("s3cret", base64.b64encode(b"\0editor\0s3cret").decode())
    outputs = [send("--to", ALICE, "--dry-run"), run("-v", "send", ISSUE, "--to", ALICE), send("--to", ALICE)]
    server.refuse_once.add("bob@example.net")
    outputs.append(run("-v", "send", ISSUE, "--to", BOB))
    monkeypatch.setenv("DIGEST_SMTP_SECURITY", "tls")
    outputs.append(run("-v", "send", ISSUE, "--to", "carol@example.com"))
    monkeypatch.setenv("DIGEST_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "s3cret-but-wrong")
    outputs.append(run("-v", "send", ISSUE, "--to", "carol@example.com"))
    assert [code for code, _, _ in outputs] == [0, 0, 0, 3, 2, 1]
    for _, out, err in outputs:
        assert not any(s in out or s in err for s in secrets)
    assert not any(s in Path(".digest/sent/2022-10-23.log").read_text() for s in secrets)


def test_dry_run_prints_each_envelope_and_the_headers_and_sends_nothing(smtp_env: Path, server: Sink) -> None:
    assert send("--to", ALICE)[0] == 0
    code, out, err = send("--to", ALICE, "--to", BOB, "--dry-run")
    assert code == 0 and err == "dry run: nothing sent\n" and len(server.messages) == 1
    assert "MAIL FROM: <davis@example.org>\nRCPT TO:   <bob@example.net>\n" in out
    assert "skipped:   <alice@example.org> already sent 2022-10-23T08:30:05+02:00 (--resend to send again)" in out
    assert "\nTo: bob@example.net\n" in out and "alice" not in out.split("\n\n", 1)[1]
    assert "\nSubject: 2022-10-23 arXiv roundup: CNNs dominating" in out
    assert "\nDate: Sun, 23 Oct 2022 08:30:05 +0200\n" in out
    assert len(sent_log()) == 1


def test_a_dry_run_needs_no_server_and_a_send_says_what_is_missing(smtp_env: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The README's first `send` example, in a newsletter with no [smtp] yet: it shows the message."""
    monkeypatch.delenv("DIGEST_SMTP_HOST")
    code, out, err = send("--to", ALICE, "--dry-run")
    assert code == 0 and err == "dry run: nothing sent\n"
    assert out.startswith("server:    smtp.host not set (a real send needs it) via starttls")
    assert "RCPT TO:   <alice@example.org>" in out and not Path(".digest/sent/2022-10-23.log").exists()
    code, out, err = send("--to", ALICE)
    assert (code, out) == (2, "") and err == 'digest.toml: smtp.host: not set; add `[smtp]` `host = "smtp.example.org"`\n'


@pytest.mark.parametrize("to", ["me@example.org\r\nBcc: evil@example.org", "me@example.org\nX: y", "not an address"])
def test_bad_recipients_are_refused(smtp_env: Path, server: Sink, to: str) -> None:
    code, _, err = send("--to", to)
    assert code == 2 and "--to" in err and server.messages == []


def test_unreachable_server_exits_3(smtp_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SMTP_PORT", str(free_port()))
    code, _, err = send("--to", ALICE)
    assert code == 3 and "cannot reach the SMTP server" in err
    assert Path(".digest/sent/2022-10-23.log").read_text() == ""
