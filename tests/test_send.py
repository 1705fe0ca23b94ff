"""`digest send` against a real SMTP server on loopback (aiosmtpd), with STARTTLS, TLS and AUTH."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from digest.cli import cli

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is not installed")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp", reason="aiosmtpd is not installed")
trustme = pytest.importorskip("trustme", reason="trustme is not installed")

SENDER = "Davis Blalock <davis@example.org>"


class Sink:
    """Keeps every message the server accepts: envelope and the DATA bytes."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


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


def start_server(ca: Any, mode: str) -> tuple[Any, Sink]:
    """A loopback server: mode 'starttls', 'tls' (implicit) or 'plain' (no STARTTLS offered)."""
    sink = Sink()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": free_port(), "authenticator": authenticator}
    if mode == "starttls":
        kwargs |= {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
    elif mode == "tls":
        kwargs |= {"ssl_context": context, "auth_require_tls": False}
    else:
        kwargs |= {"auth_require_tls": False}
    controller = aiosmtpd_controller.Controller(sink, **kwargs)
    if mode == "tls":
        controller.ready_timeout = 5
    controller.start()
    return controller, sink


@pytest.fixture()
def smtp_env(newsletter: Path, monkeypatch: pytest.MonkeyPatch, ca: Any, tmp_path: Path) -> Path:
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    monkeypatch.setenv("SSL_CERT_FILE", str(cafile))  # the client trusts the throwaway CA, and only it
    monkeypatch.setenv("DIGEST_EMAIL_FROM", SENDER)
    monkeypatch.setenv("DIGEST_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DIGEST_SMTP_USER", "editor")
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "s3cret")
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


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def rendered_for(*recipients: str, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("DIGEST_EMAIL_TO", ",".join(recipients))
    code, _, err = run("render", "issues/2022-10-23.md", "--format", "email")
    assert code == 0, err
    return Path("build/2022-10-23.eml").read_bytes()


@pytest.mark.parametrize("server", ["starttls", "tls"], indirect=True)
def test_the_server_receives_the_rendered_eml_byte_for_byte(smtp_env: Path, server: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run("send", "issues/2022-10-23.md", "--to", "me@example.org", "--to", "Co Editor <co@example.org>")
    assert code == 0, err
    assert out.startswith("sent issues/2022-10-23.md to me@example.org, co@example.org via 127.0.0.1:")
    [(mail_from, rcpts, data)] = server.messages
    assert mail_from == "davis@example.org" and rcpts == ["me@example.org", "co@example.org"]
    assert data == rendered_for("me@example.org", "Co Editor <co@example.org>", monkeypatch=monkeypatch)


@pytest.mark.parametrize("server", ["plain"], indirect=True)
def test_a_server_without_starttls_is_refused(smtp_env: Path, server: Sink) -> None:
    code, _, err = run("send", "issues/2022-10-23.md", "--to", "me@example.org")
    assert code == 1 and "offers no STARTTLS: refusing to send in clear text" in err
    assert server.messages == []
    code, _, err = run("send", "issues/2022-10-23.md", "--to", "me@example.org", "--insecure")
    assert code == 0, err
    assert "sending in clear text (--insecure)" in err and len(server.messages) == 1


def test_a_certificate_that_does_not_verify_is_refused(smtp_env: Path, server: Sink, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    code, _, err = run("send", "issues/2022-10-23.md", "--to", "me@example.org")
    assert code == 1 and "certificate does not verify" in err and server.messages == []
    code, _, err = run("send", "issues/2022-10-23.md", "--to", "me@example.org", "--insecure")
    assert code == 0, err
    assert len(server.messages) == 1


def test_a_wrong_password_is_one_line(smtp_env: Path, server: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "wrong")
    code, _, err = run("send", "issues/2022-10-23.md", "--to", "me@example.org")
    assert code == 1 and "login as 'editor' refused (535)" in err and server.messages == []


def test_dry_run_prints_envelope_and_headers_and_sends_nothing(smtp_env: Path, server: Sink) -> None:
    code, out, err = run("send", "issues/2022-10-23.md", "--to", "me@example.org", "--dry-run")
    assert code == 0 and "dry run: nothing sent" in err and server.messages == []
    assert "MAIL FROM: <davis@example.org>\nRCPT TO:   <me@example.org>\n" in out
    assert "\nSubject: 2022-10-23 arXiv roundup: CNNs dominating" in out and "\nTo: me@example.org\n" in out
    assert "s3cret" not in out


@pytest.mark.parametrize("to", ["me@example.org\r\nBcc: evil@example.org", "me@example.org\nX: y", "not an address"])
def test_bad_recipients_are_refused(smtp_env: Path, server: Sink, to: str) -> None:
    code, _, err = run("send", "issues/2022-10-23.md", "--to", to)
    assert code == 2 and "--to" in err and server.messages == []


def test_unreachable_server_exits_3(smtp_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SMTP_PORT", str(free_port()))
    code, _, err = run("send", "issues/2022-10-23.md", "--to", "me@example.org")
    assert code == 3 and "cannot reach the SMTP server" in err
