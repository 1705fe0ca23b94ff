"""The issue as an email: a MIME message (`.eml`) with a plain-text and an HTML part.

`multipart/alternative`, text/plain first and text/html last, both UTF-8 and
quoted-printable. Two traps of Python's `email` package are avoided as
`../shared/notes/rendering.md` measured them: the body is encoded with lines of
at most 76 characters (RFC 2045), and headers are written with a 998-character
limit, so a long `List-Unsubscribe` stays one plain line instead of an RFC 2047
encoded-word that breaks one-click unsubscribe.

The same issue and settings always give the same bytes: the Date is the issue
date at `email.send_hour` in `timezone` (`digest send` passes the time of sending
instead), and the Message-ID and MIME boundary are derived from the message's
content. Text that reaches a header from the issue
(the title) has its line breaks folded to spaces; addresses and header values
from the settings or the command line that hold a CR or LF are refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import posixpath
import re
from datetime import date, datetime, time, timezone, tzinfo
from email import policy, quoprimime
from email.utils import format_datetime, getaddresses, parseaddr
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digest.errors import UsageError
from digest.render import markup
from digest.render.plaintext import clean_line, render_text
from digest.render.templates import render_template
from digest.render.view import flavoured

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.render import IssueView

CLIP_BUDGET = 90_000
"""Bytes of decoded HTML we allow; Gmail clips the message at about 102 KB."""

_HEAD_STYLE = re.compile(r"<style>\s*</style>\n?")


def check_header_value(what: str, value: str) -> str:
    """``value`` unchanged, or a refusal when it could start a new header line."""
    if "\r" in value or "\n" in value or "\0" in value:
        raise UsageError(f"{what}: {value!r} holds a line break; refusing to put it in a mail header")
    return value


def check_address(what: str, value: str) -> str:
    """One mail address (optionally with a display name), or a refusal naming ``what``."""

    check_header_value(what, value)
    found = getaddresses([value])
    if len(found) != 1 or "@" not in found[0][1] or any(c in found[0][1] for c in " <>,;"):
        raise UsageError(f"{what}: {value!r} is not one mail address like 'Jane Doe <jane@example.org>'")
    local, _, domain = found[0][1].rpartition("@")
    if not local.isascii():  # SMTP without SMTPUTF8 cannot carry it, and no encoding fixes that
        raise UsageError(f"{what}: {value!r} has non-ASCII letters before the @; give an ASCII address for that reader")
    if not domain.isascii():
        import idna  # (only here: a non-ASCII domain is rare, and the tables are large)

        try:  # IDNA 2008 (the `idna` package requests uses), not Python's 2003 codec: straße.de is not strasse.de
            ace = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise UsageError(f"{what}: {value!r} has a domain that is not a valid domain name") from None
        raise UsageError(f"{what}: {value!r} has a non-ASCII domain; write it as {value.replace('@' + domain, '@' + ace)!r}")
    try:
        _header_line("To", value)  # what the message will do with it: an odd domain literal fails here
    except Exception:  # noqa: BLE001 - the email package raises AttributeError and others on such input
        raise UsageError(f"{what}: {value!r} is not one mail address like 'Jane Doe <jane@example.org>'") from None
    return value


def envelope_sender(settings: Settings) -> str:

    return parseaddr(sender(settings))[1]


def sender(settings: Settings) -> str:
    value = settings.email.sender.strip()
    if not settings.email.can_send:
        raise settings.problem("email.from", "not set; add `[email]` `from = \"Name <you@example.org>\"` (or set DIGEST_EMAIL_FROM)"
        )
    try:
        return check_address("email.from", value)
    except UsageError as exc:
        raise settings.problem("email.from", str(exc).removeprefix("email.from: ")) from None


def recipients(settings: Settings) -> list[str]:
    """`email.to`, or the sender (a draft addressed to oneself) when it is empty."""
    out = []
    for value in settings.email.to or [sender(settings)]:
        try:
            out.append(check_address("email.to", value.strip()))
        except UsageError as exc:
            raise settings.problem("email.to", str(exc).removeprefix("email.to: ")) from None
    return out


def send_date(view: IssueView, settings: Settings) -> datetime:

    # `digest.config` has checked the zone name and the hour. UTC (the default) needs no
    # zone database: zoneinfo and its file lookups are loaded only for another zone.
    if settings.timezone == "UTC":
        tz: tzinfo = timezone.utc
    else:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(settings.timezone)
    return datetime.combine(date.fromisoformat(view.date), time(settings.email.send_hour), tzinfo=tz)


def _domain(settings: Settings) -> str:
    host = urlsplit(settings.url).hostname if settings.url else None
    if host:
        return host
    return envelope_sender(settings).rpartition("@")[2] or "digest.invalid"


def email_html(view: IssueView, settings: Settings, cids: dict[str, str] | None = None) -> str:
    """The HTML part: the `email.html` template with the notes in the email's flavour, CSS inlined.

    Images in notes keep their own size at most (``max-width: 100%; height: auto``, no
    ``width`` attribute: a width attribute makes a blocked image as wide as it says, wider
    than a phone). Local images are addressed through ``url``, or as ``cid:`` parts when
    ``cids`` maps their ``src`` to the Content-ID of an attached copy (`build_message`).
    Footnote marks are not links: in-message ``#anchors`` work in few clients."""
    import css_inline


    targets = [u for u in settings.unsubscribe_targets() if u.startswith("https://")]
    html = render_template(
        flavoured(view, markup.EMAIL_CID if cids else markup.EMAIL, cids),
        settings,
        "email.html",
        "email",
        {"preheader": clean_line(view.headline), "unsubscribe": targets[0] if targets else ""},
    )
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True, keep_style_tags=False)
    return _HEAD_STYLE.sub("", inliner.inline(html))


def inline_images(view: IssueView, settings: Settings) -> list[tuple[str, str, str, bytes]]:
    """The local images an email without ``url`` carries as parts: (src, Content-ID,
    content type, bytes), in the order the notes show them. With ``url`` set there are none:
    the message links to the copies `digest render` puts in the build folder."""
    if settings.url.strip() or view.images is None:
        return []
    out = []
    for asset in view.images.assets.values():
        try:
            data = asset.path.read_bytes()
        except OSError:  # gone since the render looked: the image shows as its alt text
            continue
        name = _safe_name(asset.path.name)
        cid = f"{hashlib.sha256(data).hexdigest()[:16]}.{name}@{_domain(settings)}"
        out.append((asset.src, cid, asset.content_type, data))
    return out


def build_message(
    view: IssueView, settings: Settings, to: list[str] | None = None, sent_at: datetime | None = None,
    id_prefix: str = "",
) -> bytes:
    """The `.eml` bytes (CRLF line ends) of the issue, addressed to ``to`` or `email.to`.

    ``Date`` is ``sent_at`` when given (`digest send`: the time of sending), else the issue
    date at `email.send_hour` (the draft `digest render` writes). The Message-ID and the
    boundary never depend on ``sent_at``: a message sent again keeps its Message-ID.
    ``id_prefix`` opens the Message-ID (``proof.`` for `digest send --draft`: not the issue's).

    The headers are made and folded by the `email` package (addresses, RFC 2047
    words); the two bodies are encoded by `binascii`'s quoted-printable encoder, which
    is C: the package's own encoder and generator cost ~5 ms a message in pure Python,
    the largest part of building an archive's emails.
    """


    from_ = sender(settings)
    to = [check_address("--to", a) for a in to] if to else recipients(settings)
    subject = clean_line(view.title)
    images = inline_images(view, settings)
    text = render_text(view, settings, {src: attachment_name(src) for src, _, _, _ in images})
    html = email_html(view, settings, {src: cid for src, cid, _, _ in images} if images else None)
    unsubscribe = settings.unsubscribe_targets()
    when = format_datetime(send_date(view, settings))

    digest_of = hashlib.sha256("\0".join([from_, *to, subject, when, text, html, *unsubscribe]).encode()).hexdigest()
    boundary = f"=_digest_{digest_of[20:44]}"  # "=_" never occurs in quoted-printable text
    head = [
        ("From", from_),
        ("To", ", ".join(to)),
        ("Subject", subject),
        ("Date", when if sent_at is None else format_datetime(sent_at)),
        ("Message-ID", f"<{id_prefix}{view.date}.{digest_of[:20]}@{_domain(settings)}>"),
    ]
    if unsubscribe:
        head.append(("List-Unsubscribe", ", ".join(f"<{u}>" for u in unsubscribe)))
        if any(u.startswith("https://") for u in unsubscribe):
            head.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    if settings.email.x_unsent:
        head.append(("X-Unsent", "1"))
    head += [("MIME-Version", "1.0"), ("Content-Type", f'multipart/alternative; boundary="{boundary}"')]
    out = [_header_line(name, value) for name, value in head]
    out += [f"\r\n--{boundary}\r\n".encode(), *_text_part("plain", text)]
    if not images:
        out += [f"\r\n--{boundary}\r\n".encode(), *_text_part("html", html)]
    else:
        # The HTML and the images it shows (cid:), as one alternative: multipart/related (RFC 2387).
        # The hash above covers the images: each Content-ID in the HTML holds its image's hash.
        related = f"=_digest_r{digest_of[44:64]}"
        out += [
            f"\r\n--{boundary}\r\n".encode(),
            f'Content-Type: multipart/related; type="text/html";\r\n boundary="{related}"\r\n'.encode(),
            f"\r\n--{related}\r\n".encode(),
            *_text_part("html", html),
        ]
        for src, cid, ctype, data in images:
            out += [f"\r\n--{related}\r\n".encode(), *_image_part(src, cid, ctype, data)]
        out.append(f"\r\n--{related}--\r\n".encode())
    out.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(out)


def _text_part(subtype: str, body: str) -> list[bytes]:
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'.encode(),
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
        _quoted_printable(body),
    ]


def _safe_name(name: str) -> str:
    """``name`` with only letters, digits, ``.``, ``_`` and ``-`` (a MIME part's file name or Content-ID)."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", name)


def attachment_name(src: str) -> str:
    """The file name an attached image's part gives (``img/fig5.png`` -> ``fig5.png``); the
    text part names the image by it (`digest.render.plaintext.attached_note`)."""
    return _safe_name(posixpath.basename(src.split("?")[0])) or "image"


def _image_part(src: str, cid: str, ctype: str, data: bytes) -> list[bytes]:
    """An attached image the HTML shows as ``cid:...``: base64 in lines of 76 characters."""

    return [
        f"Content-Type: {ctype}\r\n".encode(),
        b"Content-Transfer-Encoding: base64\r\n",
        f"Content-ID: <{cid}>\r\n".encode(),
        f'Content-Disposition: inline; filename="{attachment_name(src)}"\r\n\r\n'.encode(),
        base64.encodebytes(data).replace(b"\n", b"\r\n"),
    ]


@lru_cache(maxsize=64)
def _header_line(name: str, value: str) -> bytes:
    """One header as the `email` package parses and folds it (998-character lines), cached:
    an archive's issues share their From, To and List-Unsubscribe."""

    wire_policy = policy.SMTP.clone(max_line_length=998)
    return wire_policy.fold_binary(*wire_policy.header_store_parse(name, value))


def _quoted_printable(text: str) -> bytes:
    """UTF-8 ``text`` as quoted-printable lines of at most 76 characters, each ending in
    CRLF (as `email` writes a text part: the last line ends too)."""

    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    lines += "" if lines.endswith("\n") else "\n"
    data = lines.encode("utf-8")
    encoded = binascii.b2a_qp(data, istext=True)
    if max(map(len, encoded.split(b"\n"))) > 76:
        # b2a_qp lets a line that ends in a space or tab reach 77-78 characters once the
        # space is written =20; the email package's encoder keeps to 76 (RFC 2045).

        encoded = quoprimime.body_encode(data.decode("latin-1"), maxlinelen=76).encode("ascii")
        encoded += b"" if encoded.endswith(b"\n") else b"\n"
    return encoded.replace(b"\n", b"\r\n")


def render_eml(view: IssueView, settings: Settings) -> str:
    """The `email` format: the message as text (it is all ASCII)."""
    return build_message(view, settings).decode("ascii")
