"""The SMTP connection of a `digest send` run: TLS context, connecting, securing, logging in,
and every failure of smtplib, ssl or the socket as one line.

A server on the wrong kind of port is recognised at once instead of after the
command timeout: a plain SMTP greeting where implicit TLS was expected, or a
server that stays silent for the greeting timeout and then answers a TLS
handshake where STARTTLS was expected. The timeouts are passed in (`Timeouts`)
so `digest.deliver`'s module settings apply when the run starts.
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from digest.config import PASSWORD_ENV
from digest.errors import ConfigError, DigestError, UnavailableError

if TYPE_CHECKING:
    import smtplib

    from digest.config import Settings

log = logging.getLogger(__name__)

_GREETING = re.compile(rb"^[2-5][0-9][0-9][- \r]")


class Timeouts(NamedTuple):
    """Seconds: ``command`` for any one SMTP command, ``greeting`` for a STARTTLS server's
    first words (and a plain greeting after a failed handshake), ``handshake`` for a TLS
    handshake on connecting."""

    command: float
    greeting: float
    handshake: float


class Endpoint(Protocol):
    """What connecting needs to know of a delivery (`digest.deliver.Delivery` is one)."""

    host: str
    port: int
    security: str
    user: str
    context: ssl.SSLContext
    ca_file: Path | None
    insecure: bool

    @property
    def where(self) -> str: ...


def tls_context(settings: Settings, insecure: bool) -> tuple[ssl.SSLContext, Path | None]:
    """The TLS context: the system's CAs, or only the CA in `smtp.ca_file` when it is set."""
    value = settings.smtp.ca_file.strip()
    ca_file = None
    if value:
        ca_file = Path(value).expanduser()
        if not ca_file.is_absolute():
            ca_file = settings.root / ca_file
        if not ca_file.exists():
            raise settings.problem("smtp.ca_file", f"{ca_file} does not exist; set it to the PEM file of the CA that signed"
                " the server's certificate"
            )
        if not ca_file.is_file():
            raise settings.problem("smtp.ca_file", f"{ca_file} is not a file; set it to a PEM file")
        try:
            context = ssl.create_default_context(cafile=str(ca_file))
        except ssl.SSLError:  # before OSError, which it is a kind of
            raise settings.problem("smtp.ca_file", f"{ca_file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
            ) from None
        except OSError as exc:
            raise settings.problem("smtp.ca_file", f"cannot read {ca_file} ({exc.strerror or exc}); check its permissions"
            ) from None
    else:
        context = ssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context, ca_file


class _Mismatch(ConfigError):
    """The port speaks the other kind of security than `smtp.security` says."""


def _speaks_tls(sock: socket.socket, timeout: float) -> bool:
    """Whether the server on ``sock`` answers a TLS handshake (nothing is verified or sent
    after it: this only tells an implicit-TLS port from a silent one). Closes ``sock``."""
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE
    sock.settimeout(timeout)
    try:
        probe.wrap_socket(sock).close()
    except (ssl.SSLError, OSError):
        return False
    finally:
        sock.close()
    return True


def _plain_greeting(host: str, port: int, timeout: float, source: Any) -> str | None:
    """The first line of a plain SMTP greeting on a new connection, or None when the server
    does not greet in clear text at once."""
    try:
        with socket.create_connection((host, port), timeout, source) as sock:
            data = b""
            while b"\n" not in data and len(data) < 512:
                chunk = sock.recv(512)
                if not chunk:
                    break
                data += chunk
            if _GREETING.match(data):
                try:
                    sock.sendall(b"QUIT\r\n")
                except OSError:
                    pass
                line = data.split(b"\n", 1)[0].strip().decode("ascii", "replace")
                return "".join(c if c.isprintable() else "?" for c in line)[:80]
    except OSError:
        return None
    return None



def _smtp_classes(greeting_timeout: float,
                  handshake_timeout: float) -> tuple[type[smtplib.SMTP], type[smtplib.SMTP_SSL]]:  # fmt: skip
    """smtplib's clients with a short first wait and a named mismatch (imported lazily)."""

    class Plain(smtplib.SMTP):
        def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
            sock = socket.create_connection((host, port), timeout, self.source_address)
            try:
                sock.settimeout(min(timeout, greeting_timeout))
                sock.recv(1, socket.MSG_PEEK)  # the greeting has begun (or the server hung up)
            except TimeoutError:
                if _speaks_tls(sock, min(timeout, handshake_timeout)):
                    raise _Mismatch([
                        f"smtp.security: {host}:{port} speaks implicit TLS, not STARTTLS; set smtp.security"
                        ' = "tls", or smtp.port to the server\'s STARTTLS port (usually 587)'
                    ]) from None
                raise UnavailableError(
                    f"{host}:{port}: no SMTP greeting within {greeting_timeout:g} s (and no TLS either);"
                    " check smtp.host and smtp.port, or try again later"
                ) from None
            except BaseException:
                sock.close()
                raise
            sock.settimeout(timeout)
            return sock

    class Implicit(smtplib.SMTP_SSL):
        def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
            sock = socket.create_connection((host, port), timeout, self.source_address)
            sock.settimeout(min(timeout, handshake_timeout))
            try:
                tls = self.context.wrap_socket(sock, server_hostname=self._host)
            except ssl.SSLCertVerificationError:
                sock.close()
                raise
            except (ssl.SSLError, ConnectionError, TimeoutError):
                sock.close()
                greeting = _plain_greeting(host, port, min(timeout, greeting_timeout), self.source_address)
                if greeting is None:
                    raise
                raise _Mismatch([
                    f"smtp.security: {host}:{port} speaks plain SMTP (it greeted {greeting!r}), not implicit TLS;"
                    ' set smtp.security = "starttls", or smtp.port to the server\'s TLS port (usually 465)'
                ]) from None
            tls.settimeout(timeout)
            return tls

    return Plain, Implicit


def _certificate_problem(delivery: Endpoint, exc: ssl.SSLCertVerificationError) -> DigestError:
    where = delivery.where
    code = exc.verify_code
    if code in (62, 64):  # X509_V_ERR_HOSTNAME_MISMATCH, _IP_ADDRESS_MISMATCH: trusted, but not for this name
        return DigestError(
            f"{where}: the server's certificate is not valid for the name {delivery.host!r} ({exc.verify_message});"
            " set smtp.host to a name the certificate holds (or --insecure)"
        )
    if code == 10:
        return DigestError(f"{where}: the server's certificate has expired; ask its administrator to renew it (or --insecure)")
    if code == 9:
        return DigestError(f"{where}: the server's certificate is not valid yet; check this computer's clock (or --insecure)")
    if delivery.ca_file:
        return DigestError(
            f"{where}: the server's certificate is not trusted ({exc.verify_message}): smtp.ca_file"
            f" ({delivery.ca_file}) is not the CA that signed it; set smtp.ca_file to that CA's PEM file (or --insecure)"
        )
    return DigestError(
        f"{where}: the server's certificate is not trusted ({exc.verify_message}); if the server uses a private CA,"
        " set smtp.ca_file to that CA's PEM file (or --insecure)"
    )


def _login(server: Any, user: str, password: str) -> None:
    """AUTH PLAIN when offered (one attempt: a refusal is final), else smtplib's choice."""
    if "PLAIN" in server.esmtp_features.get("auth", "").upper().split():
        server.user, server.password = user, password
        server.auth("PLAIN", server.auth_plain)
    else:
        server.login(user, password)


def connect(delivery: Endpoint, password: str, timeouts: Timeouts) -> smtplib.SMTP:
    """An open, secured and logged-in connection; raises `DigestError` naming what failed."""

    plain, implicit = _smtp_classes(timeouts.greeting, timeouts.handshake)
    timeout = timeouts.command
    where = delivery.where
    server: smtplib.SMTP | None = None
    try:
        if delivery.security == "tls":
            server = implicit(delivery.host, delivery.port, timeout=timeout, context=delivery.context)
        else:
            server = plain(delivery.host, delivery.port, timeout=timeout)
        server.ehlo()
        if delivery.security == "starttls":
            if server.has_extn("starttls"):
                server.starttls(context=delivery.context)
                server.ehlo()
            elif delivery.insecure:
                log.warning("%s offers no STARTTLS: sending in clear text (--insecure)", where)
            else:
                raise DigestError(
                    f"{where} offers no STARTTLS: refusing to send in clear text "
                    "(use smtp.security = tls, another server, or --insecure)"
                )
        if delivery.user:
            _login(server, delivery.user, password)
        return server
    except BaseException as exc:
        if server is not None:
            server.close()
        if isinstance(exc, DigestError) or not isinstance(exc, Exception):
            raise
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            raise DigestError(f"{where}: login as {delivery.user!r} refused ({exc.smtp_code}); check {PASSWORD_ENV}") from None
        raise problem(delivery, exc) from None


def problem(delivery: Endpoint, exc: Exception) -> DigestError:
    """``exc`` from smtplib, ssl or the socket as one line."""

    where = delivery.where
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _certificate_problem(delivery, exc)
    if isinstance(exc, ssl.SSLError):
        return DigestError(f"{where}: TLS failed ({exc.reason or exc}); check smtp.port and smtp.security")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DigestError(f"{where}: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        kind = UnavailableError if 400 <= exc.smtp_code < 500 else DigestError
        return kind(f"{where}: the server said {exc.smtp_code} {' '.join(error.split())}")
    if isinstance(exc, socket.gaierror):
        if exc.errno == socket.EAI_NONAME:  # a typo in smtp.host: retrying from cron would never help
            return ConfigError([f"smtp.host: {delivery.host!r} is not a known host name; check digest.toml"])
        return UnavailableError(f"{where}: cannot look up the SMTP server ({exc}); try again later")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return UnavailableError(f"{where}: the server closed the connection ({exc}); try again later")
    return UnavailableError(f"{where}: cannot reach the SMTP server ({exc}); try again later")
