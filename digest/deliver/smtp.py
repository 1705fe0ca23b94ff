"""The SMTP connection of a `digest send` run: TLS context, connecting, securing, logging in,
and every failure of smtplib, ssl or the socket as one line.

A server on the wrong kind of port is recognised at once instead of after a timeout: a
plain SMTP greeting where implicit TLS was expected fails the handshake as soon as it
arrives; where STARTTLS was expected, a server that has not greeted within `Timeouts.probe`
(at once on port 465, implicit TLS by RFC 8314) is also tried with a TLS handshake on a
second connection while the first still waits for its greeting, so a slow plain server is
never mistaken for a TLS one. A silent server costs the greeting timeout, once. The
timeouts are passed in (`Timeouts`) so `digest.deliver`'s module settings apply when the
run starts.
"""

from __future__ import annotations

import logging
import re
import select
import smtplib
import socket
import ssl
import time
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
    first words, a TLS probe's answer included (and a plain greeting after a failed
    handshake), ``handshake`` for a TLS handshake on connecting, ``probe`` how long a STARTTLS
    client waits for the greeting before also trying TLS on a second connection."""

    command: float
    greeting: float
    handshake: float
    probe: float = 1.0


IMPLICIT_TLS_PORT = 465
"""Submission over implicit TLS (RFC 8314): a STARTTLS client probes it for TLS at once."""


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


def _greeted(sock: socket.socket, seconds: float) -> bool:
    """Whether the server on ``sock`` has begun to speak (or hung up) within ``seconds``."""
    return bool(select.select([sock], [], [], max(seconds, 0.0))[0])


def _tls_probe(host: str, port: int, timeout: float, source: Any) -> ssl.SSLSocket | None:
    """A second connection whose TLS handshake has begun (ClientHello sent, not blocking), or
    None when it cannot be made. Nothing is verified: it only tells TLS from not-TLS."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        raw = socket.create_connection((host, port), max(timeout, 0.001), source)
    except OSError:
        return None
    raw.setblocking(False)
    try:
        return context.wrap_socket(raw, do_handshake_on_connect=False)
    except (ssl.SSLError, OSError):
        raw.close()
        return None


def _await_greeting(sock: socket.socket, host: str, port: int, source: Any, wait: float, probe_after: float,
                    handshake: float) -> bool:  # fmt: skip
    """Wait up to ``wait`` seconds in all for the server on ``sock`` to begin speaking: True
    when it has. From ``probe_after`` on, a TLS handshake on a second connection runs
    alongside (for at most ``handshake`` seconds); if it succeeds the port speaks implicit
    TLS (`_Mismatch`). The first connection hears nothing from the probe, so a plain server
    that greets late is greeted normally."""
    deadline = time.monotonic() + wait
    if probe_after > 0 and _greeted(sock, min(probe_after, wait)):
        return True
    left = deadline - time.monotonic()
    if left <= 0:
        return False
    probe = _tls_probe(host, port, min(left, handshake), source)
    probe_until = time.monotonic() + handshake
    writes = False  # what the probe's handshake waits for: to write (True) or to read
    try:
        while (left := deadline - time.monotonic()) > 0:
            if probe is not None:
                try:
                    probe.do_handshake()
                except ssl.SSLWantReadError:
                    writes = False
                except ssl.SSLWantWriteError:
                    writes = True
                except (ssl.SSLError, OSError):  # not TLS (a plain greeting, a reset): only the greeting is awaited
                    probe.close()
                    probe = None
                else:
                    raise _Mismatch([
                        f"smtp.security: {host}:{port} speaks implicit TLS, not STARTTLS; set smtp.security"
                        ' = "tls", or smtp.port to the server\'s STARTTLS port (usually 587)'
                    ])
            if probe is not None and time.monotonic() >= probe_until:
                probe.close()
                probe = None
            if probe is None:
                return _greeted(sock, left)
            reading = [sock] if writes else [sock, probe]
            writing = [probe] if writes else []
            ready, _, _ = select.select(reading, writing, [], max(0.0, min(left, probe_until - time.monotonic())))
            if sock in ready:
                return True
        return False
    finally:
        if probe is not None:
            probe.close()


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



def _smtp_classes(greeting_timeout: float, handshake_timeout: float,
                  probe_after: float) -> tuple[type[smtplib.SMTP], type[smtplib.SMTP_SSL]]:  # fmt: skip
    """smtplib's clients with a short first wait and a named mismatch (imported lazily)."""

    class Plain(smtplib.SMTP):
        def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
            sock = socket.create_connection((host, port), timeout, self.source_address)
            wait = min(timeout, greeting_timeout)
            first = 0.0 if port == IMPLICIT_TLS_PORT else probe_after
            try:
                if not _await_greeting(sock, host, port, self.source_address, wait, first, handshake_timeout):
                    raise UnavailableError(
                        f"{host}:{port}: no SMTP greeting within {wait:g} s (and no TLS either);"
                        " check smtp.host and smtp.port, or try again later"
                    )
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
            except TimeoutError:  # not a byte in the handshake timeout: a plain server would have greeted
                sock.close()
                raise UnavailableError(
                    f"{host}:{port}: no TLS handshake within {min(timeout, handshake_timeout):g} s (and no SMTP"
                    " greeting either); check smtp.host and smtp.port, or try again later"
                ) from None
            except (ssl.SSLError, ConnectionError):
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

    plain, implicit = _smtp_classes(timeouts.greeting, timeouts.handshake, timeouts.probe)
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
