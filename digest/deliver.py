"""`digest send`: the rendered email delivered over SMTP, never in clear text by accident.

Settings come from `digest.toml` (`smtp.host`, `smtp.port`, `smtp.user`,
`smtp.security` = starttls or tls) and the password only from
`DIGEST_SMTP_PASSWORD`. A server without STARTTLS, or one whose certificate
does not verify, is refused unless the caller says ``insecure``. The bytes sent
are exactly those `digest render --format email` writes for the same
recipients (the To header names them), so what was checked is what arrives.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.errors import ConfigError, DigestError, UnavailableError

if TYPE_CHECKING:
    from digest.config import Settings

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    """One message and how it will travel."""

    raw: bytes
    sender: str
    recipients: list[str]
    host: str
    port: int
    security: str
    user: str
    insecure: bool = False
    refused: dict[str, str] = field(default_factory=dict)

    def headers(self) -> str:
        head = self.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        return head.replace("\r\n", "\n")

    def describe(self) -> str:
        """The envelope and headers, as `--dry-run` prints them."""
        how = self.security + (" (insecure: no certificate check, clear text allowed)" if self.insecure else "")
        lines = [
            f"server:    {self.host}:{self.port} via {how}" + (f", login {self.user}" if self.user else ", no login"),
            f"MAIL FROM: <{self.sender}>",
            *(f"RCPT TO:   <{r}>" for r in self.recipients),
            f"size:      {len(self.raw)} bytes",
            "",
            self.headers(),
        ]
        return "\n".join(lines)


def prepare(file: str | Path, settings: Settings, to: list[str] | None = None, insecure: bool = False) -> Delivery:
    """Render the issue's email for ``to`` (default `email.to`) and plan its delivery; sends nothing."""
    from email.utils import parseaddr

    from digest.email_message import build_message, check_address, envelope_sender, recipients
    from digest.issue import load_issue
    from digest.render import issue_view

    addresses = [check_address("--to", a.strip()) for a in to] if to else recipients(settings)
    if not settings.smtp.host:
        raise ConfigError(["digest.toml: smtp.host: not set; add `[smtp]` `host = \"smtp.example.org\"`"])
    raw = build_message(issue_view(load_issue(file), settings), settings, addresses)
    return Delivery(
        raw=raw,
        sender=envelope_sender(settings),
        recipients=[parseaddr(a)[1] for a in addresses],
        host=settings.smtp.host,
        port=settings.smtp.port,
        security=settings.smtp.security,
        user=settings.smtp.user,
        insecure=insecure,
    )


def _context(insecure: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _login(server: Any, user: str, password: str) -> None:
    """AUTH PLAIN when offered (one attempt: a refusal is final), else smtplib's choice."""
    if "PLAIN" in server.esmtp_features.get("auth", "").upper().split():
        server.user, server.password = user, password
        server.auth("PLAIN", server.auth_plain)
    else:
        server.login(user, password)


def send(delivery: Delivery, password: str | None = None, timeout: float = 30.0) -> Delivery:
    """Deliver ``delivery``; raises `DigestError` (or `UnavailableError` when the server is unreachable)."""
    import smtplib

    from digest.config import PASSWORD_ENV

    password = password if password is not None else os.environ.get(PASSWORD_ENV)
    if delivery.user and not password:
        raise ConfigError([f"smtp.user is {delivery.user!r} but {PASSWORD_ENV} is empty: set the password there"])
    where = f"{delivery.host}:{delivery.port}"
    context = _context(delivery.insecure)
    try:
        if delivery.security == "tls":
            server: smtplib.SMTP = smtplib.SMTP_SSL(delivery.host, delivery.port, timeout=timeout, context=context)
        else:
            server = smtplib.SMTP(delivery.host, delivery.port, timeout=timeout)
        with server:
            server.ehlo()
            if delivery.security == "starttls":
                if server.has_extn("starttls"):
                    server.starttls(context=context)
                    server.ehlo()
                elif delivery.insecure:
                    log.warning("%s offers no STARTTLS: sending in clear text (--insecure)", where)
                else:
                    raise DigestError(
                        f"{where} offers no STARTTLS: refusing to send in clear text "
                        "(use smtp.security = tls, another server, or --insecure)"
                    )
            if delivery.user:
                _login(server, delivery.user, password or "")
            delivery.refused = {
                k: f"{code} {msg.decode(errors='replace')}"
                for k, (code, msg) in server.sendmail(delivery.sender, delivery.recipients, delivery.raw).items()
            }
    except ssl.SSLCertVerificationError as exc:
        raise DigestError(
            f"{where}: the server's certificate does not verify ({exc.verify_message}); "
            "refusing to send (fix the server name, or --insecure)"
        ) from None
    except ssl.SSLError as exc:
        raise DigestError(f"{where}: TLS failed ({exc.reason or exc}); check smtp.port and smtp.security") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DigestError(f"{where}: login as {delivery.user!r} refused ({exc.smtp_code}); check {PASSWORD_ENV}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        who = ", ".join(exc.recipients)
        raise DigestError(f"{where}: every recipient was refused ({who})") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DigestError(f"{where}: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise DigestError(f"{where}: the server said {exc.smtp_code} {message}") from None
    except socket.gaierror as exc:
        if exc.errno == socket.EAI_NONAME:  # a typo in smtp.host: retrying from cron would never help
            raise ConfigError([f"smtp.host: {delivery.host!r} is not a known host name; check digest.toml"]) from None
        raise UnavailableError(f"{where}: cannot look up the SMTP server ({exc}); try again later") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise UnavailableError(f"{where}: cannot reach the SMTP server ({exc}); try again later") from None
    for rcpt, why in delivery.refused.items():
        log.warning("%s refused %s: %s", where, rcpt, why)
    return delivery
