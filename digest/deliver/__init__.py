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

An issue with ``status: draft`` is not sent to readers: `prepare` refuses it unless
``proof`` (`digest send --draft`). A proof goes to the addresses given, else to the
sender (never to `email.to` by default), is not in the send log (readers still get the
issue later) and has a Message-ID of its own (``<proof.…>``), so the proof and the
issue are two messages to a mail client. Without addresses given, `email.to` must
list the readers: an empty one is refused, not taken to mean the sender.

A server on the wrong kind of port is recognised at once instead of after the
command timeout (`TLS_PROBE_AFTER`, `GREETING_TIMEOUT`, `HANDSHAKE_TIMEOUT`; read when a
run starts).

The package owns sending an issue by email: this module plans (`prepare`) and
sends (`send`); `smtp` connects, secures and logs in, and names every failure;
`log` is the send log.

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock, store, issue, fetch, seeds, render.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest import clock
from digest.config import PASSWORD_ENV
from digest.deliver.log import SENT_DIR, Logged, SendLog, log_path, read_log
from digest.deliver.smtp import Timeouts, connect, problem, tls_context
from digest.errors import ConfigError, DigestError, InputError, UnavailableError
from digest.issue import load_issue
from digest.render import issue_view
from digest.render.email_message import build_message, check_address, envelope_sender, recipients, sender

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.render import IssueView

__all__ = ["GREETING_TIMEOUT", "HANDSHAKE_TIMEOUT", "SENT_DIR", "TIMEOUT", "TLS_PROBE_AFTER", "Delivery", "Logged", "Reader",
           "SendReport", "log_path", "prepare", "read_log", "send"]  # fmt: skip

log = logging.getLogger(__name__)

TIMEOUT = 30.0
"""Seconds any one SMTP command may take."""
GREETING_TIMEOUT = 10.0
"""Seconds a STARTTLS client waits in all for the server's greeting (or for the TLS probe
below to be answered); also how long a plain greeting is awaited when a TLS handshake failed."""
TLS_PROBE_AFTER = 1.0
"""Seconds a STARTTLS client waits for the greeting before also trying a TLS handshake on a
second connection (at once on port 465): an implicit-TLS port answers it, and is named."""
HANDSHAKE_TIMEOUT = 10.0
"""Seconds a TLS handshake on connecting may take (implicit TLS, or the probe above)."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, address)``: called after each reader of the run is handled."""

_MESSAGE_ID = re.compile(rb"\r\nMessage-ID: (<[^>\r\n]+>)\r\n")


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
    proof: bool = False
    """A proof (``--draft``): sent to everyone named, not logged, its own Message-ID."""
    status: str | None = None
    """The issue's ``status`` (``draft``, ``ready`` or None)."""

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
        # a proof is not the issue's message: a mail client that saw the proof still shows the issue
        return build_message(self.view, self.settings, [reader.address], sent_at=when,
                             id_prefix="proof." if self.proof else "")  # fmt: skip

    def plan(self, logged: dict[str, Logged]) -> tuple[list[Reader], list[tuple[Reader, Logged]]]:
        """The readers to send to now, and those skipped because the log has them."""
        if self.resend or self.proof:
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
        todo, skipped = self.plan({} if self.proof else read_log(self.log_path))
        server = self.where if self.host else "smtp.host not set (a real send needs it)"
        lines = [f"server:    {server} via {how}" + (f", login {self.user}" if self.user else ", no login")]
        if self.ca_file:
            lines.append(f"trusting:  {self.ca_file} (smtp.ca_file)")
        lines.append(f"MAIL FROM: <{self.sender}>")
        lines += [f"RCPT TO:   <{r.envelope}>" for r in todo]
        lines += [f"skipped:   <{r.envelope}> already sent {e.time} (--resend to send again)" for r, e in skipped]
        if self.proof:
            lines.append(f"messages:  {len(todo)}, one per reader; {self.proof_note()}")
        else:
            lines.append(f"messages:  {len(todo)}, one per reader; each delivery is logged in {self.log_name}")
        if todo:
            raw = self.message(todo[0])
            head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii").replace("\r\n", "\n")
            lines += [f"size:      {len(raw)} bytes (the first)", "", head]
        return "\n".join(lines)

    def proof_note(self) -> str:
        what = "a proof of a draft (status: draft)" if self.status == "draft" else "a proof"
        return f"{what}, not logged: readers still get the issue from a send without --draft"


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
    proof: str = ""
    """For a proof: what it was (`Delivery.proof_note`)."""

    def summary(self) -> str:
        n = len(self.sent)
        extra = f", {len(self.refused)} refused" if self.refused else ""
        readers = f"{n} reader{'' if n == 1 else 's'}"
        if self.proof:
            return f"sent a proof of {self.file} to {readers}{extra} ({self.proof})"
        return f"sent {self.file} to {readers} ({len(self.skipped)} already sent{extra})"

    def failure(self) -> DigestError | None:
        """The error a run with refused readers ends with: exit 3 when every refusal was
        temporary (4xx: run again later), else exit 1; None when nobody was refused."""
        if not self.refused:
            return None
        shown = "; ".join(f"{a} ({code} {msg})" for a, (code, msg) in list(self.refused.items())[:3])
        more = f" and {len(self.refused) - 3} more" if len(self.refused) > 3 else ""
        if all(400 <= code < 500 for code, _ in self.refused.values()):
            skipped = "" if self.proof else " (readers already sent to are skipped)"
            return UnavailableError(
                f"{self.where} refused {shown}{more} for now; run the same command later to send to them{skipped}"
            )
        return DigestError(f"{self.where} refused {shown}{more}; check the addresses")


def prepare(
    file: str | Path,
    settings: Settings,
    to: list[str] | None = None,
    insecure: bool = False,
    resend: bool = False,
    dry_run: bool = False,
    proof: bool = False,
) -> Delivery:
    """Render the issue and plan its delivery to ``to`` (default `email.to`; for a ``proof``,
    the sender); sends nothing.

    Checks everything that can be checked without the server: the issue (a ``status:
    draft`` one only as a ``proof``), the addresses, smtp.host (not for a ``dry_run``, which
    only shows the messages) and smtp.ca_file.
    """

    issue = load_issue(file)
    if issue.status == "draft" and not proof:
        raise InputError(
            file, issue.status_line, "status: draft; set status: ready to send it, or pass --draft to send a proof anyway"
        )
    if to:
        addresses = [check_address("--to", a.strip()) for a in to]
    elif proof:
        addresses = [sender(settings)]  # (checked by `sender`)
    elif not settings.email.to:
        # `recipients` falls back to the sender, which suits the .eml `digest render` writes (a draft
        # to yourself) but would report a send to nobody but the editor as "sent to 1 reader".
        raise settings.problem(
            "email.to", "empty, so there are no readers to send to; list them there, pass --to ADDR,"
            " or pass --draft to send yourself a proof"
        )  # fmt: skip
    else:
        addresses = recipients(settings)
    if not settings.smtp.host and not dry_run:
        raise settings.problem("smtp.host", 'not set; add `[smtp]` `host = "smtp.example.org"`')
    context, ca_file = tls_context(settings, insecure)
    readers: dict[str, Reader] = {}
    for address in addresses:
        reader = Reader(address, parseaddr(address)[1])
        readers.setdefault(reader.key, reader)  # the same reader twice gets one copy
    # `issue_view` notes a draft as one `digest build` leaves out; here `proof_note` says what
    # this command does with it instead.
    view = issue_view(issue, settings, say_draft=False)
    mail_from = envelope_sender(settings)
    # What every reader gets, apart from To, Date and Message-ID: the message addressed
    # to the sender at the issue's own date, which is the same whoever is sent it.
    content = hashlib.sha256(build_message(view, settings, [mail_from])).hexdigest()[:12]
    return Delivery(
        file=str(file),
        view=view,
        settings=settings,
        readers=list(readers.values()),
        sender=mail_from,
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
        proof=proof,
        status=issue.status,
    )


def send(
    delivery: Delivery,
    password: str | None = None,
    timeout: float | None = None,
    progress: Progress | None = None,
) -> SendReport:
    """Send each planned reader their own message over one connection; returns what was done.

    Readers in the send log are skipped (unless ``delivery.resend``); each delivered reader
    is logged before the next is tried (a proof is neither skipped nor logged). A reader the
    server refuses is reported in `SendReport.refused` and the run goes on; anything that ends the connection or refuses
    the message itself raises `DigestError` (`UnavailableError` when trying later may work)
    saying how far the run got.
    """

    password = password if password is not None else os.environ.get(PASSWORD_ENV)
    if delivery.user and not password:
        raise ConfigError([f"smtp.user is {delivery.user!r} but {PASSWORD_ENV} is empty: set the password there"])
    timeout = TIMEOUT if timeout is None else timeout
    where = delivery.where
    report = SendReport(delivery.file, where, delivery.log_path, len(delivery.readers))
    if delivery.proof:
        report.proof = delivery.proof_note()
    with (nullcontext() if delivery.proof else SendLog(delivery.log_path, delivery.log_name)) as sent_log:
        todo, skipped = delivery.plan(sent_log.read() if sent_log is not None else {})  # a proof: no log
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
        server = connect(delivery, password or "", Timeouts(timeout, GREETING_TIMEOUT, HANDSHAKE_TIMEOUT, TLS_PROBE_AFTER))
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
                        if sent_log is not None:
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
            raise _stopped(delivery, report, len(todo), problem(delivery, exc)) from None
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()  # every message is already accepted and logged
    return report


def _stopped(delivery: Delivery, report: SendReport, planned: int, cause: DigestError) -> DigestError:
    """``cause``, with how far the run got and how to finish it."""
    kind = type(cause) if type(cause) in (UnavailableError, DigestError) else DigestError
    left = planned - len(report.sent)
    what = str(cause).removesuffix("; try again later")
    if delivery.proof:
        error = kind(f"{what}; the proof went to {len(report.sent)} of {planned}: run the same command again")
    else:
        so_far = f"sent to {len(report.sent)} of {planned} readers (logged in {delivery.log_name})"
        error = kind(f"{what}; {so_far}: run the same command again to send to the other {left}")
    error.report = report  # type: ignore[attr-defined]
    return error


def _zone(settings: Settings) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.timezone)


def _text(msg: bytes | str) -> str:
    text = msg.decode(errors="replace") if isinstance(msg, bytes) else str(msg)
    return " ".join(text.split())
