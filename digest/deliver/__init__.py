"""`digest send`: one message per reader over one verified TLS connection, resumable.

Each reader gets a message of their own whose `To:` names only them, so no reader
ever sees another one's address. All of a run's messages travel over one SMTP
connection, secured as `smtp.security` says (STARTTLS, or implicit TLS) and
verified against the system's CAs or the private CA in `smtp.ca_file`; clear text
and certificates that do not verify are refused unless the caller says
``insecure``. The password comes only from `DIGEST_SMTP_PASSWORD`.

Every delivered reader is one line in the issue's send log,
``.digest/sent/<issue stem>.log``, written and fsynced before the next reader, so a
run that stops midway can be run again without sending anyone a second copy:
readers already in the log are skipped (``resend`` sends to them again). A line:

    2022-10-23T08:00:03+02:00  alice@example.org  <2022-10-23.3f2a...@example.org>  content=9c1e4b7a20d3

The Message-ID depends on the issue's email and the reader, never on the time,
so a message sent again is recognisably the same one; ``content`` identifies the
email every reader got (the issue as readers see it, with From, Subject and
List-Unsubscribe), so a re-run can say which readers got an earlier version.

A server on the wrong kind of port is recognised at once instead of after the
command timeout: a plain SMTP greeting where implicit TLS was expected, or a
server that stays silent for `GREETING_TIMEOUT` seconds and then answers a TLS
handshake where STARTTLS was expected.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest import clock
from digest.config import PASSWORD_ENV
from digest.errors import ConfigError, DigestError, UnavailableError
from digest.issue import load_issue
from digest.render import issue_view
from digest.render.email_message import build_message, check_address, envelope_sender, recipients

if TYPE_CHECKING:
    import smtplib

    from digest.config import Settings
    from digest.render import IssueView

log = logging.getLogger(__name__)

TIMEOUT = 30.0
"""Seconds any one SMTP command may take."""
GREETING_TIMEOUT = 10.0
"""Seconds a STARTTLS client waits for the server's greeting before trying whether the port
speaks implicit TLS; also how long a plain greeting is awaited when a TLS handshake failed."""
HANDSHAKE_TIMEOUT = 10.0
"""Seconds a TLS handshake on connecting may take (implicit TLS, or the probe above)."""
SENT_DIR = Path(".digest") / "sent"
"""Send logs, one per issue, under the newsletter folder."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, address)``: called after each reader of the run is handled."""

_MESSAGE_ID = re.compile(rb"\r\nMessage-ID: (<[^>\r\n]+>)\r\n")
_GREETING = re.compile(rb"^[2-5][0-9][0-9][- \r]")


@dataclass(frozen=True)
class Reader:
    """One recipient: ``address`` as given (it may carry a name; it is the To header),
    ``envelope`` the bare address the server gets in RCPT TO."""

    address: str
    envelope: str

    @property
    def key(self) -> str:
        """Who this is, for the send log: the address in lower case (mail servers treat
        ``Alice@Example.org`` and ``alice@example.org`` as one mailbox)."""
        return self.envelope.lower()


@dataclass(frozen=True)
class Logged:
    """One line of a send log: a reader the server accepted a message for."""

    time: str
    address: str
    message_id: str
    content: str

    def line(self) -> str:
        return f"{self.time}  {self.address}  {self.message_id}  content={self.content}\n"

    @classmethod
    def parse(cls, line: str) -> Logged | None:
        parts = line.split()
        if len(parts) < 4 or not parts[3].startswith("content="):
            return None
        return cls(parts[0], parts[1], parts[2], parts[3].removeprefix("content="))


def log_path(settings: Settings, file: str | Path) -> Path:
    """The send log of the issue ``file``: ``.digest/sent/<stem>.log`` in the newsletter folder."""
    return settings.root / SENT_DIR / f"{Path(file).stem}.log"


def read_log(path: Path) -> dict[str, Logged]:
    """The latest logged send per reader (by `Reader.key`); empty when nothing was sent yet."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise DigestError(
            f"{path}: cannot read the send log ({exc.strerror}); without it readers could get a second copy:"
            " fix its permissions"
        ) from None
    return _parse_log(text)


def _parse_log(text: str) -> dict[str, Logged]:
    out: dict[str, Logged] = {}
    for line in text.splitlines():
        entry = Logged.parse(line)
        if entry is not None:
            out[entry.address.lower()] = entry
    return out


@dataclass
class Delivery:
    """An issue's email and how it will travel: planned by `prepare`, carried out by `send`."""

    file: str
    view: IssueView
    settings: Settings
    readers: list[Reader]
    sender: str
    content: str
    log_path: Path
    host: str
    port: int
    security: str
    user: str
    context: ssl.SSLContext
    ca_file: Path | None = None
    insecure: bool = False
    resend: bool = False

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def log_name(self) -> str:
        """The send log as the editor finds it: relative to the newsletter folder."""
        try:
            return str(self.log_path.relative_to(self.settings.root))
        except ValueError:
            return str(self.log_path)

    def message(self, reader: Reader, sent_at: datetime | None = None) -> bytes:
        """The bytes ``reader`` gets: To names only them; Date is ``sent_at`` (default: now)."""

        when = sent_at or clock.now().astimezone(_zone(self.settings))
        return build_message(self.view, self.settings, [reader.address], sent_at=when)

    def plan(self, logged: dict[str, Logged]) -> tuple[list[Reader], list[tuple[Reader, Logged]]]:
        """The readers to send to now, and those skipped because the log has them."""
        if self.resend:
            return list(self.readers), []
        todo, skipped = [], []
        for reader in self.readers:
            entry = logged.get(reader.key)
            if entry is None:
                todo.append(reader)
            else:
                skipped.append((reader, entry))
        return todo, skipped

    def describe(self) -> str:
        """The server, the envelope of each message and the first message's headers, as
        `--dry-run` prints them; reads the send log, sends nothing."""
        how = self.security + (" (insecure: no certificate check, clear text allowed)" if self.insecure else "")
        todo, skipped = self.plan(read_log(self.log_path))
        lines = [f"server:    {self.where} via {how}" + (f", login {self.user}" if self.user else ", no login")]
        if self.ca_file:
            lines.append(f"trusting:  {self.ca_file} (smtp.ca_file)")
        lines.append(f"MAIL FROM: <{self.sender}>")
        lines += [f"RCPT TO:   <{r.envelope}>" for r in todo]
        lines += [f"skipped:   <{r.envelope}> already sent {e.time} (--resend to send again)" for r, e in skipped]
        lines.append(f"messages:  {len(todo)}, one per reader; each delivery is logged in {self.log_name}")
        if todo:
            raw = self.message(todo[0])
            head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii").replace("\r\n", "\n")
            lines += [f"size:      {len(raw)} bytes (the first)", "", head]
        return "\n".join(lines)


@dataclass
class SendReport:
    """What a `send` run did."""

    file: str
    where: str
    log_path: Path
    readers: int
    sent: list[Logged] = field(default_factory=list)
    skipped: list[Logged] = field(default_factory=list)
    stale: list[Logged] = field(default_factory=list)
    """Skipped readers whose logged message was an earlier version of the issue's email."""
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)

    def summary(self) -> str:
        n = len(self.sent)
        extra = f", {len(self.refused)} refused" if self.refused else ""
        return f"sent {self.file} to {n} reader{'' if n == 1 else 's'} ({len(self.skipped)} already sent{extra})"

    def failure(self) -> DigestError | None:
        """The error a run with refused readers ends with: exit 3 when every refusal was
        temporary (4xx: run again later), else exit 1; None when nobody was refused."""
        if not self.refused:
            return None
        shown = "; ".join(f"{a} ({code} {msg})" for a, (code, msg) in list(self.refused.items())[:3])
        more = f" and {len(self.refused) - 3} more" if len(self.refused) > 3 else ""
        if all(400 <= code < 500 for code, _ in self.refused.values()):
            return UnavailableError(
                f"{self.where} refused {shown}{more} for now; run the same command later to send to them"
                " (readers already sent to are skipped)"
            )
        return DigestError(f"{self.where} refused {shown}{more}; check the addresses")


def prepare(
    file: str | Path,
    settings: Settings,
    to: list[str] | None = None,
    insecure: bool = False,
    resend: bool = False,
) -> Delivery:
    """Render the issue and plan its delivery to ``to`` (default `email.to`); sends nothing.

    Checks everything that can be checked without the server: the addresses, smtp.host
    and smtp.ca_file.
    """
    from email.utils import parseaddr


    addresses = [check_address("--to", a.strip()) for a in to] if to else recipients(settings)
    if not settings.smtp.host:
        raise ConfigError(["digest.toml: smtp.host: not set; add `[smtp]` `host = \"smtp.example.org\"`"])
    context, ca_file = _context(settings, insecure)
    readers: dict[str, Reader] = {}
    for address in addresses:
        reader = Reader(address, parseaddr(address)[1])
        readers.setdefault(reader.key, reader)  # the same reader twice gets one copy
    view = issue_view(load_issue(file), settings)
    sender = envelope_sender(settings)
    # What every reader gets, apart from To, Date and Message-ID: the message addressed
    # to the sender at the issue's own date, which is the same whoever is sent it.
    content = hashlib.sha256(build_message(view, settings, [sender])).hexdigest()[:12]
    return Delivery(
        file=str(file),
        view=view,
        settings=settings,
        readers=list(readers.values()),
        sender=sender,
        content=content,
        log_path=log_path(settings, file),
        host=settings.smtp.host,
        port=settings.smtp.port,
        security=settings.smtp.security,
        user=settings.smtp.user,
        context=context,
        ca_file=ca_file,
        insecure=insecure,
        resend=resend,
    )


def _context(settings: Settings, insecure: bool) -> tuple[ssl.SSLContext, Path | None]:
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


def _smtp_classes() -> tuple[type[smtplib.SMTP], type[smtplib.SMTP_SSL]]:
    """smtplib's clients with a short first wait and a named mismatch (imported lazily)."""
    import smtplib

    class Plain(smtplib.SMTP):
        def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
            sock = socket.create_connection((host, port), timeout, self.source_address)
            try:
                sock.settimeout(min(timeout, GREETING_TIMEOUT))
                sock.recv(1, socket.MSG_PEEK)  # the greeting has begun (or the server hung up)
            except TimeoutError:
                if _speaks_tls(sock, min(timeout, HANDSHAKE_TIMEOUT)):
                    raise _Mismatch([
                        f"smtp.security: {host}:{port} speaks implicit TLS, not STARTTLS; set smtp.security"
                        ' = "tls", or smtp.port to the server\'s STARTTLS port (usually 587)'
                    ]) from None
                raise UnavailableError(
                    f"{host}:{port}: no SMTP greeting within {GREETING_TIMEOUT:g} s (and no TLS either);"
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
            sock.settimeout(min(timeout, HANDSHAKE_TIMEOUT))
            try:
                tls = self.context.wrap_socket(sock, server_hostname=self._host)
            except ssl.SSLCertVerificationError:
                sock.close()
                raise
            except (ssl.SSLError, ConnectionError, TimeoutError):
                sock.close()
                greeting = _plain_greeting(host, port, min(timeout, GREETING_TIMEOUT), self.source_address)
                if greeting is None:
                    raise
                raise _Mismatch([
                    f"smtp.security: {host}:{port} speaks plain SMTP (it greeted {greeting!r}), not implicit TLS;"
                    ' set smtp.security = "starttls", or smtp.port to the server\'s TLS port (usually 465)'
                ]) from None
            tls.settimeout(timeout)
            return tls

    return Plain, Implicit


def _certificate_problem(delivery: Delivery, exc: ssl.SSLCertVerificationError) -> DigestError:
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


def _connect(delivery: Delivery, password: str, timeout: float) -> smtplib.SMTP:
    """An open, secured and logged-in connection; raises `DigestError` naming what failed."""
    import smtplib


    plain, implicit = _smtp_classes()
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
        raise _problem(delivery, exc) from None


def _problem(delivery: Delivery, exc: Exception) -> DigestError:
    """``exc`` from smtplib, ssl or the socket as one line."""
    import smtplib

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


class _SendLog:
    """The issue's send log, held under an exclusive lock for the run: one `digest send`
    of an issue at a time, so two runs cannot both send to the same reader."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self.fd = -1

    def __enter__(self) -> _SendLog:
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise DigestError(
                f"{self.name}: another `digest send` of this issue is running; wait for it to finish"
            ) from None
        if created:  # the new file's name is on disk too, not only its lines
            for folder in (self.path.parent, self.path.parent.parent):
                dir_fd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
        return self

    def read(self) -> dict[str, Logged]:
        chunks = []
        offset = 0
        while chunk := os.pread(self.fd, 1 << 16, offset):
            chunks.append(chunk)
            offset += len(chunk)
        data = b"".join(chunks)
        if data and not data.endswith(b"\n"):  # a line cut short by a crash: the next one starts afresh
            os.write(self.fd, b"\n")
        return _parse_log(data.decode("utf-8", errors="replace"))

    def append(self, entry: Logged) -> None:
        """One line, on disk before this returns."""
        os.write(self.fd, entry.line().encode("utf-8"))
        os.fsync(self.fd)

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)  # releases the lock


def send(
    delivery: Delivery,
    password: str | None = None,
    timeout: float | None = None,
    progress: Progress | None = None,
) -> SendReport:
    """Send each planned reader their own message over one connection; returns what was done.

    Readers in the send log are skipped (unless ``delivery.resend``); each delivered reader
    is logged before the next is tried. A reader the server refuses is reported in
    `SendReport.refused` and the run goes on; anything that ends the connection or refuses
    the message itself raises `DigestError` (`UnavailableError` when trying later may work)
    saying how far the run got.
    """
    import smtplib


    password = password if password is not None else os.environ.get(PASSWORD_ENV)
    if delivery.user and not password:
        raise ConfigError([f"smtp.user is {delivery.user!r} but {PASSWORD_ENV} is empty: set the password there"])
    timeout = TIMEOUT if timeout is None else timeout
    where = delivery.where
    report = SendReport(delivery.file, where, delivery.log_path, len(delivery.readers))
    with _SendLog(delivery.log_path, delivery.log_name) as sent_log:
        todo, skipped = delivery.plan(sent_log.read())
        report.skipped = [entry for _, entry in skipped]
        report.stale = [entry for entry in report.skipped if entry.content != delivery.content]
        if report.stale:
            names = ", ".join(e.address for e in report.stale[:3]) + (" ..." if len(report.stale) > 3 else "")
            log.warning(
                "%s changed since it was sent to %d reader(s) (%s): they are skipped and keep the earlier version"
                " (--resend --to ADDR sends them this one)", delivery.file, len(report.stale), names,
            )
        if not todo:
            return report
        server = _connect(delivery, password or "", timeout)
        try:
            for done, reader in enumerate(todo, 1):
                sent_at = clock.now().astimezone(_zone(delivery.settings))
                raw = delivery.message(reader, sent_at)
                try:
                    server.sendmail(delivery.sender, [reader.envelope], raw)
                except smtplib.SMTPRecipientsRefused as exc:
                    code, msg = next(iter(exc.recipients.values()), (0, b""))
                    if code == 421:  # the server is closing the connection, not refusing this reader
                        raise smtplib.SMTPServerDisconnected(f"421 {_text(msg)}") from None
                    report.refused[reader.envelope] = (code, _text(msg))
                else:
                    found = _MESSAGE_ID.search(raw)
                    entry = Logged(
                        sent_at.isoformat(timespec="seconds"),
                        reader.envelope,
                        found.group(1).decode("ascii") if found else "-",
                        delivery.content,
                    )
                    try:
                        sent_log.append(entry)
                    except OSError as exc:
                        raise DigestError(
                            f"{delivery.log_name}: cannot write the send log ({exc.strerror or exc}) after sending to"
                            f" {reader.envelope}; stopped after {len(report.sent) + 1} of {len(todo)} readers. Fix it,"
                            f" then add `{entry.line().strip()}` to it before running again, or {reader.envelope}"
                            " gets a second copy"
                        ) from None
                    report.sent.append(entry)
                if progress is not None:
                    progress(done, len(todo), reader.envelope)
        except DigestError:
            server.close()
            raise
        except Exception as exc:  # noqa: BLE001 - smtplib, ssl and socket errors, each one line
            server.close()
            raise _stopped(delivery, report, len(todo), _problem(delivery, exc)) from None
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()  # every message is already accepted and logged
    return report


def _stopped(delivery: Delivery, report: SendReport, planned: int, cause: DigestError) -> DigestError:
    """``cause``, with how far the run got and how to finish it."""
    kind = type(cause) if type(cause) in (UnavailableError, DigestError) else DigestError
    left = planned - len(report.sent)
    so_far = f"sent to {len(report.sent)} of {planned} readers (logged in {delivery.log_name})"
    what = str(cause).removesuffix("; try again later")
    error = kind(f"{what}; {so_far}: run the same command again to send to the other {left}")
    error.report = report  # type: ignore[attr-defined]
    return error


def _zone(settings: Settings) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.timezone)


def _text(msg: bytes | str) -> str:
    text = msg.decode(errors="replace") if isinstance(msg, bytes) else str(msg)
    return " ".join(text.split())
