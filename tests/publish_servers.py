"""Loopback stand-ins for Buttondown, listmonk and Ghost, written from each API's documentation.

Each stand-in is a real HTTP server on 127.0.0.1 that keeps its posts in memory,
checks authentication the way the platform does, answers with the platform's
shapes and status codes, and records every request (method, path, query, headers,
body) so tests can check exactly what was sent.

Sources: Buttondown's emails API (docs.buttondown.com/api-emails-create, -update,
api-error-codes; a POST without ``status`` is sent at once on API versions before
2026-04-01), listmonk's campaigns API (listmonk.app/docs/apis/campaigns and its
cmd/campaigns.go, internal/core/campaigns.go: a missing campaign is 400 "Campaign not
found", status changes draft <-> scheduled only, ``send_at`` must be in the future,
subject/body/altbody are Go templates), Ghost's Admin API (docs.ghost.org/admin-api:
token authentication, ``?source=html``, ``updated_at`` collision rule answered 409).

Faults: ``faults`` is a list of status codes (or ``(status, body, headers)``) answered (and consumed) before any real
handling; ``hang`` is a count of requests left unanswered until the test ends (the
client times out); ``after_read`` is called after each successful GET of one post.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, Any]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class StandIn:
    """The server machinery; subclasses implement ``answer``."""

    requests: list[Recorded] = field(default_factory=list)
    faults: list[int | tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    hang: int = 0
    after_read: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        self._release = threading.Event()
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                rec = Recorded(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()), body)
                with stand_in._lock:
                    stand_in.requests.append(rec)
                    hang = stand_in.hang > 0
                    if hang:
                        stand_in.hang -= 1
                    fault = stand_in.faults.pop(0) if stand_in.faults and not hang else None
                if hang:
                    stand_in._release.wait(10)
                    return
                headers: dict[str, str] = {}
                if isinstance(fault, tuple):
                    status, payload, headers = fault
                elif fault is not None:
                    status, payload = fault, stand_in.fault_body(fault)
                else:
                    with stand_in._lock:
                        status, payload = stand_in.answer(rec)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html" if isinstance(payload, bytes) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any  # noqa: N815 - http.server's names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def fault_body(self, status: int) -> Any:
        return {"message": f"stand-in fault {status}"}

    def answer(self, rec: Recorded) -> Answer:
        raise NotImplementedError

    def sent(self) -> list[str]:
        """``METHOD path`` of every request, in order."""
        return [f"{r.method} {r.path}" for r in self.requests]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else None


# --- Buttondown ----------------------------------------------------------------------------------


@dataclass
class Buttondown(StandIn):
    """``/v1/emails``: ``Authorization: Token <key>``; 201 on create, 404 ``{"detail": "Not found."}``."""

    token: str = "bd-token"
    emails: dict[str, dict[str, Any]] = field(default_factory=dict)

    FIELDS = {"subject", "body", "description", "status", "publish_date", "slug", "email_type", "metadata",
              "canonical_url", "image", "secondary_id", "filters", "commenting_mode", "attachments"}
    STATUSES = {"draft", "scheduled", "about_to_send", "imported", "sent"}

    @property
    def api(self) -> str:
        return self.url + "/v1"

    def fault_body(self, status: int) -> Any:
        return {"detail": "Server Error"}

    def answer(self, rec: Recorded) -> Answer:
        if rec.header("Authorization") != f"Token {self.token}":
            return 401, {"detail": "Invalid token."}
        m = re.fullmatch(r"/v1/emails(?:/([^/]+))?", rec.path)
        if not m:
            return 404, {"detail": "Not found."}
        email_id = m.group(1)
        if email_id is None and rec.method == "POST":
            return self._write(None, rec.json, create=True)
        if email_id is None or email_id not in self.emails:
            return 404, {"detail": "Not found."}
        if rec.method == "GET":
            return 200, self.emails[email_id]
        if rec.method == "PATCH":
            return self._write(email_id, rec.json, create=False)
        if rec.method == "DELETE":
            del self.emails[email_id]
            return 204, b""
        return 405, {"detail": f'Method "{rec.method}" not allowed.'}

    def _write(self, email_id: str | None, data: Any, create: bool) -> Answer:
        if not isinstance(data, dict):
            return 422, {"detail": [{"type": "model_attributes_type", "loc": ["body"], "msg": "Input should be an object"}]}
        extra = sorted(set(data) - self.FIELDS)
        if extra:
            return 422, {"detail": [{"type": "extra_forbidden", "loc": ["body", k], "msg": "Extra inputs are not permitted"} for k in extra]}
        current = dict(self.emails[email_id]) if email_id else {}
        if create and not str(data.get("subject") or "").strip():
            return 400, {"code": "subject_invalid", "detail": "The subject provided is invalid or missing."}
        body = data.get("body", current.get("body", ""))
        if str(body).startswith("---"):
            return 400, {"code": "body_contains_frontmatter", "detail": "The body starts with YAML frontmatter."}
        # API versions before 2026-04-01: no status means "send it now".
        status = data.get("status", current.get("status") if not create else "about_to_send")
        if status not in self.STATUSES:
            return 400, {"code": "status_invalid", "detail": f"The status {status!r} is not valid."}
        publish_date = data.get("publish_date", current.get("publish_date"))
        if publish_date == "none":
            publish_date = None
        if status == "scheduled":
            when = _parse_time(publish_date)
            if when is None:
                return 400, {"code": "publish_date_missing", "detail": "A publish date is required but was not provided."}
            if when <= _now():
                return 400, {"code": "publish_date_invalid", "detail": "The publish date must be in the future."}
        email_id = email_id or str(uuid.uuid4())
        slug = current.get("slug") or re.sub(r"[^a-z0-9]+", "-", str(data.get("subject", "")).lower()).strip("-")[:50]
        stamp = _now().isoformat()
        email = {
            **current,
            "id": email_id,
            "subject": data.get("subject", current.get("subject")),
            "body": body,
            "description": data.get("description", current.get("description", "")),
            "status": "sent" if status == "about_to_send" else status,
            "publish_date": publish_date,
            "slug": slug,
            "email_type": "public",
            "creation_date": current.get("creation_date", stamp),
            "modification_date": stamp,
            "absolute_url": f"https://buttondown.com/example/archive/{slug}/",
        }
        self.emails[email_id] = email
        return (201 if create else 200), email


# --- listmonk ------------------------------------------------------------------------------------


@dataclass
class Listmonk(StandIn):
    """``/api/campaigns``: HTTP basic auth with an API user; every answer is ``{"data": ...}``,
    every error ``{"message": ...}``."""

    user: str = "digest-bot"
    token: str = "lm-token"
    known_lists: tuple[int, ...] = (1, 3, 5)
    campaigns: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1

    CONTENT_TYPES = {"richtext", "html", "markdown", "plain", "visual"}
    TEMPLATE_FUNCS = {"UnsubscribeURL", "TrackView", "OptinURL", "MessageURL", "ManageURL", "ArchiveURL"}

    def answer(self, rec: Recorded) -> Answer:
        expected = "Basic " + base64.b64encode(f"{self.user}:{self.token}".encode()).decode()
        if rec.header("Authorization") != expected:
            return 401, {"message": "Invalid API credentials"}
        m = re.fullmatch(r"/api/campaigns(?:/(\d+))?(/status)?", rec.path)
        if not m:
            return 404, {"message": "Not found"}
        if m.group(1) is None:
            if rec.method == "POST":
                return self._create(rec.json)
            return 405, {"message": "Method Not Allowed"}
        cid = int(m.group(1))
        camp = self.campaigns.get(cid)
        if camp is None:
            return 400, {"message": "Campaign not found"}
        if m.group(2):
            return self._status(camp, rec.json) if rec.method == "PUT" else (405, {"message": "Method Not Allowed"})
        if rec.method == "GET":
            return 200, {"data": camp}
        if rec.method == "PUT":
            return self._update(camp, rec.json)
        if rec.method == "DELETE":
            del self.campaigns[cid]
            return 200, {"data": True}
        return 405, {"message": "Method Not Allowed"}

    def _template_error(self, text: str) -> str | None:
        """What Go's text/template would say about ``text``: each ``{{ ... }}`` action (read as
        Go's lexer does, quoted strings included) must be a string literal or one of
        listmonk's template functions."""
        i = 0
        while (start := text.find("{{", i)) >= 0:
            k, quoted = start + 2, False
            while k < len(text):
                if quoted:
                    if text[k] == "\\":
                        k += 2
                        continue
                    quoted = text[k] != '"'
                elif text[k] == '"':
                    quoted = True
                elif text.startswith("}}", k):
                    break
                k += 1
            else:
                return "template: content:1: unclosed action"
            inner = text[start + 2 : k].strip().strip("-").strip()
            if not re.fullmatch(r'"(?:[^"\\]|\\.)*"', inner) and inner.split(" ")[0] not in self.TEMPLATE_FUNCS:
                return f"template: content:1: function {inner.split(' ')[0]!r} not defined"
            i = k + 2
        return None

    def _validate(self, c: dict[str, Any]) -> str | None:
        if not 1 <= len(str(c.get("name") or "")) <= 2000:
            return "Invalid length for name."
        if not 1 <= len(str(c.get("subject") or "")) <= 5000:
            return "Invalid length for subject."
        when = c.get("send_at")
        if when is not None:
            parsed = _parse_time(when)
            if parsed is None:
                return "Invalid send_at date format."
            if parsed <= _now():
                return "send_at date should be in the future."
        lists = c.get("lists") or []
        if not lists or not all(isinstance(x, int) for x in lists):
            return "Invalid list IDs."
        unknown = [x for x in lists if x not in self.known_lists]
        if unknown:  # listmonk's core: the create query finds no row for them (campaigns.noSubs)
            return "There are no subscribers in the selected lists to create the campaign."
        if c.get("content_type") not in self.CONTENT_TYPES:
            return "Invalid content type."
        for part in ("subject", "body", "altbody"):
            problem = self._template_error(str(c.get(part) or ""))
            if problem:
                return f"Error compiling template: {problem}"
        return None

    def _public(self, c: dict[str, Any]) -> dict[str, Any]:
        return {**c, "lists": [{"id": i, "name": f"List {i}"} for i in c["lists"]]}

    def _create(self, data: Any) -> Answer:
        if not isinstance(data, dict):
            return 400, {"message": "Invalid JSON"}
        c = {"type": "regular", "content_type": "richtext", "messenger": "email", "altbody": None, "send_at": None,
             "template_id": 1, "tags": [], **data}
        problem = self._validate(c)
        if problem:
            return 400, {"message": problem}
        cid, self.next_id = self.next_id, self.next_id + 1
        stamp = _now().isoformat()
        c.update(id=cid, uuid=str(uuid.uuid4()), status="draft", created_at=stamp, updated_at=stamp)
        self.campaigns[cid] = c
        return 200, {"data": self._public(c)}

    def _update(self, camp: dict[str, Any], data: Any) -> Answer:
        if camp["status"] not in ("draft", "paused", "scheduled"):
            return 400, {"message": "Cannot update a running or finished campaign."}
        if not isinstance(data, dict):
            return 400, {"message": "Invalid JSON"}
        merged = {**camp, **data}  # fields not sent keep their values, as listmonk binds onto the stored campaign
        problem = self._validate(merged)
        if problem:
            return 400, {"message": problem}
        merged["updated_at"] = _now().isoformat()
        self.campaigns[camp["id"]] = merged
        return 200, {"data": self._public(merged)}

    def _status(self, camp: dict[str, Any], data: Any) -> Answer:
        status = data.get("status") if isinstance(data, dict) else None
        problem = None
        if status == "draft" and camp["status"] != "scheduled":
            problem = "Only scheduled campaigns can be saved as draft."
        elif status == "scheduled":
            if camp["status"] not in ("draft", "paused"):
                problem = "Only draft campaigns can be scheduled."
            if not camp.get("send_at"):
                problem = "Campaign needs a `send_at` date to be scheduled."
        elif status not in ("draft", "scheduled", "running", "paused", "cancelled"):
            problem = "Invalid status."
        if problem:
            return 400, {"message": problem}
        camp["status"] = status
        return 200, {"data": self._public(camp)}


# --- Ghost ---------------------------------------------------------------------------------------


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass
class Ghost(StandIn):
    """``/ghost/api/admin/posts/``: token authentication (HS256 JWT from the Admin API key),
    ``{"posts": [...]}`` in and out, errors as ``{"errors": [{"message", "type", ...}]}``."""

    key_id: str = "6489a3c8b1e2f40001a1b2c3"
    secret_hex: str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    """(header, payload) of every token that verified."""
    clock: int = 0

    FIELDS = {"title", "html", "custom_excerpt", "status", "published_at", "updated_at", "slug", "tags", "authors",
              "feature_image", "visibility", "meta_title", "meta_description", "lexical", "mobiledoc", "featured"}

    @property
    def admin_key(self) -> str:
        return f"{self.key_id}:{self.secret_hex}"

    def fault_body(self, status: int) -> Any:
        return {"errors": [{"message": "Internal server error, cannot save post.", "type": "InternalServerError"}]}

    @staticmethod
    def _error(status: int, kind: str, message: str, context: str | None = None) -> Answer:
        return status, {"errors": [{"message": message, "context": context, "type": kind}]}

    def _verify(self, rec: Recorded) -> Answer | None:
        """Ghost's checks: scheme ``Ghost``, a JWT whose ``kid`` is a known key, signed HS256
        with the hex-decoded secret, ``aud`` /admin/, at most 5 minutes between iat and exp,
        and not expired."""
        auth = rec.header("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme != "Ghost" or token.count(".") != 2:
            return self._error(401, "UnauthorizedError", "Authorization header format is \"Authorization: Ghost [token]\"")
        head_b64, payload_b64, sig_b64 = token.split(".")
        try:
            header, payload = json.loads(_unb64(head_b64)), json.loads(_unb64(payload_b64))
        except ValueError:
            return self._error(401, "BadRequestError", "Invalid JWT")
        if header.get("kid") != self.key_id:
            return self._error(401, "UnauthorizedError", "Unknown Admin API Key")
        if header.get("alg") != "HS256":
            return self._error(401, "UnauthorizedError", "Invalid token: invalid algorithm")
        expected = hmac.new(bytes.fromhex(self.secret_hex), f"{head_b64}.{payload_b64}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(sig_b64)):
            return self._error(401, "UnauthorizedError", "Invalid token: invalid signature")
        if payload.get("aud") != "/admin/":
            return self._error(401, "UnauthorizedError", "Invalid token: jwt audience invalid. expected: /admin/")
        iat, exp, now = payload.get("iat"), payload.get("exp"), _now().timestamp()
        if not isinstance(iat, int) or not isinstance(exp, int) or exp - iat > 300:
            return self._error(401, "UnauthorizedError", "Invalid token: maxAge exceeded")
        if now > exp or iat > now + 60:
            return self._error(401, "UnauthorizedError", "Invalid token: jwt expired")
        self.tokens.append((header, payload))
        return None

    def _stamp(self) -> str:
        self.clock += 1
        return (datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=self.clock)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def answer(self, rec: Recorded) -> Answer:
        refused = self._verify(rec)
        if refused:
            return refused
        m = re.fullmatch(r"/ghost/api/admin/posts/(?:([0-9a-f]{24})/)?", rec.path)
        if not m:
            return self._error(404, "NotFoundError", "Resource not found")
        post_id = m.group(1)
        if post_id is None:
            if rec.method == "POST":
                return self._write(None, rec)
            return self._error(405, "MethodNotAllowedError", "Method not allowed")
        post = self.posts.get(post_id)
        if post is None:
            return self._error(404, "NotFoundError", "Post not found.")
        if rec.method == "GET":
            answer = {"posts": [dict(post)]}
            if self.after_read:
                self.after_read(post_id)
            return 200, answer
        if rec.method == "PUT":
            return self._write(post_id, rec)
        if rec.method == "DELETE":
            del self.posts[post_id]
            return 204, b""
        return self._error(405, "MethodNotAllowedError", "Method not allowed")

    def touch(self, post_id: str) -> None:
        """Someone saves the post in Ghost's editor: a new ``updated_at``."""
        self.posts[post_id]["updated_at"] = self._stamp()

    def _write(self, post_id: str | None, rec: Recorded) -> Answer:
        data = rec.json
        posts = data.get("posts") if isinstance(data, dict) else None
        if not isinstance(posts, list) or len(posts) != 1 or not isinstance(posts[0], dict):
            return self._error(422, "ValidationError", "Validation error, cannot save post.", "No root key ('posts') provided.")
        new = posts[0]
        extra = sorted(set(new) - self.FIELDS)
        if extra:
            return self._error(422, "ValidationError", "Validation error, cannot save post.", f"Unknown property {extra[0]}")
        current = dict(self.posts[post_id]) if post_id else {}
        if post_id is not None:
            if "updated_at" not in new:
                return self._error(422, "ValidationError", "Validation error, cannot edit post.", "Property updated_at is required")
            if new["updated_at"] != current["updated_at"]:
                return self._error(409, "UpdateCollisionError", "Saving failed! Someone else is editing this post.")
        elif not str(new.get("title") or "").strip():
            return self._error(422, "ValidationError", "Validation error, cannot save post.", "Value in [posts.title] cannot be blank.")
        status = new.get("status", current.get("status", "draft"))
        if status not in ("draft", "published", "scheduled"):
            return self._error(422, "ValidationError", "Validation error, cannot save post.", f"Value in [posts.status] is invalid: {status}")
        published_at = new.get("published_at", current.get("published_at"))
        if status == "scheduled":
            when = _parse_time(published_at)
            if when is None or when < _now() + timedelta(minutes=2):
                return self._error(422, "ValidationError", "Date must be at least 2 minutes in the future.")
        post_id = post_id or uuid.uuid4().hex[:24]
        post_uuid = current.get("uuid") or str(uuid.uuid4())
        html = new.get("html") if "source" in rec.query and rec.query["source"] == ["html"] else None
        post = {
            **current,
            "id": post_id,
            "uuid": post_uuid,
            "title": new.get("title", current.get("title")),
            "custom_excerpt": new.get("custom_excerpt", current.get("custom_excerpt")),
            # Without ?source=html Ghost ignores `html`: the post keeps its old content.
            "html": html if html is not None else current.get("html"),
            "status": status,
            "published_at": published_at,
            "updated_at": self._stamp(),
            "url": f"{self.url}/p/{post_uuid}/",
        }
        self.posts[post_id] = post
        return (200 if current else 201), {"posts": [post]}
