"""`digest preview`: a local web server that shows an issue and re-renders it on every save.

Standard library only (`http.server` + threads). The page at ``/`` is a shell
with one tab per format in `digest.render.FORMATS` and an iframe showing
``/view/<format>``: the HTML page as is, an email (a MIME message) as its
HTML part, other text formats in a ``<pre>``. A watcher thread polls the
issue file, the template folders and the settings file; on a change it
renders again and bumps a version number, which the shell hears through
server-sent events (``/events``) and answers by reloading the frame,
keeping its scroll position. A file with an error shows the error, with
its line, in place of the page; the server keeps running.

The notes' local images (`digest.render.images`) are served where the page asks for
them (``/view/<stem>/img/fig5.png``), and only those; they are watched too, so
replacing a figure reloads the page. The email tab shows attached (``cid:``)
images as ``data:`` URLs.

The server binds 127.0.0.1 only and answers only requests addressed to it
by that name or ``localhost`` (no DNS rebinding). ``HEAD`` answers as ``GET``
does, without the body; POST, PUT, DELETE, PATCH and OPTIONS get 405 (http.server answers
any other method 501).

May import: errors, clock, ids, paper, files, tex, schedule, loopback, config, query, lock, store, issue, fetch, seeds, render.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import threading
from collections.abc import Callable
from email import policy
from email.parser import Parser
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from digest import render
from digest.config import Settings, find_config
from digest.errors import DigestError
from digest.issue import load_issue
from digest.loopback import LoopbackServer
from digest.render import FORMATS, PACKAGE_TEMPLATES
from digest.render.images import IMAGE_TYPES
from digest.render.templates import environment

log = logging.getLogger(__name__)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def page_for(fmt: str, text: str) -> tuple[str, str]:
    """What the browser shows for one rendered format: (content type, body)."""

    name = FORMATS[fmt].filename("issue") if fmt in FORMATS else ""  # the file `digest render` would write
    stripped = text.lstrip()
    if name.endswith(".eml") or (not stripped.startswith("<") and "\nMIME-Version:" in text.split("\n\n", 1)[0]):

        message = Parser(policy=policy.default).parsestr(text)
        part = message.get_body(preferencelist=("html", "plain"))
        if part is not None and part.get_content_type() == "text/html":
            return "text/html; charset=utf-8", _inline_cids(message, part.get_content())
        text = part.get_content() if part is not None else text
    elif name.endswith(".html") or stripped.lower().startswith(("<!doctype", "<html")):
        return "text/html; charset=utf-8", text
    body = (
        '<!DOCTYPE html><meta charset="utf-8"><meta name="color-scheme" content="light dark">'
        '<style>pre{white-space:pre-wrap;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;max-width:80ch;margin:1.5rem auto;padding:0 1rem}</style>'
        f"<pre>{html.escape(text)}</pre>"
    )
    return "text/html; charset=utf-8", body


def _inline_cids(message: Any, page: str) -> str:
    """The email's ``cid:`` images (attached parts) as ``data:`` URLs, so the frame shows them."""
    if "cid:" not in page:
        return page

    for part in message.walk():
        cid = (part.get("Content-ID") or "").strip().strip("<>")
        if cid and part.get_content_maintype() == "image":
            data = base64.b64encode(part.get_payload(decode=True) or b"").decode("ascii")
            page = page.replace(f'src="cid:{cid}"', f'src="data:{part.get_content_type()};base64,{data}"')
    return page


def error_page(message: str, fmt: str = "") -> str:
    what = f"The {html.escape(fmt)} format cannot be rendered" if fmt else "The issue cannot be rendered"
    return (
        '<!DOCTYPE html><meta charset="utf-8"><title>digest preview: error</title>'
        "<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem}pre{white-space:pre-wrap;background:#fee;"
        "color:#600;padding:1rem;border-left:4px solid #c00}</style>"
        f'<h1>{what}</h1><pre class="digest-error">{html.escape(message)}</pre>'
        "<p>Fix the file and save: this page updates by itself.</p>"
    )


SHELL = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview: __NAME__</title>
<style>
html,body{margin:0;height:100%;font:14px/1.4 system-ui,sans-serif}
body{display:flex;flex-direction:column}
#bar{display:flex;gap:.25rem;align-items:center;padding:.35rem .6rem;background:#24292f;color:#fff;flex-wrap:wrap}
#bar a{color:#ddd;text-decoration:none;padding:.2rem .6rem;border-radius:4px}
#bar a.on{background:#fff;color:#24292f}
#bar .file{margin-left:auto;opacity:.7;font-family:ui-monospace,monospace}
#status{padding:.4rem .6rem;background:#fff8c5;color:#3b2300;white-space:pre-wrap;font-family:ui-monospace,monospace}
#status.error{background:#ffebe9;color:#82071e}
#status:empty{display:none}
iframe{flex:1;border:0;width:100%}
</style></head><body>
<nav id="bar">__TABS__<span class="file">__NAME__</span></nav>
<div id="status"></div>
<iframe id="view" title="rendered issue"></iframe>
<script>
(function () {
  var version = null, frame = document.getElementById("view"), fmt = "html";
  function show(state) {
    var box = document.getElementById("status");
    box.className = state.error ? "error" : "";
    box.textContent = state.error || (state.warnings || []).map(function (w) { return "warning: " + w; }).join("\\n");
  }
  function load(keepScroll) {
    var y = 0;
    try { y = keepScroll ? frame.contentWindow.scrollY : 0; } catch (e) {}
    frame.onload = function () { try { frame.contentWindow.scrollTo(0, y); } catch (e) {} };
    frame.src = "/view/" + fmt + "?v=" + version;
  }
  function pick() {
    var wanted = (location.hash || "#html").slice(1);
    fmt = document.getElementById("tab-" + wanted) ? wanted : "html";
    document.querySelectorAll("#bar a[id^=tab-]").forEach(function (a) { a.className = a.id === "tab-" + fmt ? "on" : ""; });
  }
  function update(v, keepScroll) {
    if (v === version) return;
    version = v;
    fetch("/state.json").then(function (r) { return r.json(); }).then(show);
    load(keepScroll);
  }
  window.addEventListener("hashchange", function () { pick(); load(false); });
  pick();
  if (window.EventSource) {
    var es = new EventSource("/events");
    es.onmessage = function (e) { update(e.data, version !== null); };
  } else {
    setInterval(function () {
      fetch("/state.json").then(function (r) { return r.json(); }).then(function (s) { update(String(s.version), true); });
    }, 1000);
  }
})();
</script></body></html>
"""


class PreviewServer(LoopbackServer):
    """Serve ``file`` on 127.0.0.1:``port`` (0 = any free port) until `close`. ``shown``: how the
    page words a warning or an error, as the terminal does (the command line names files from
    where it runs)."""

    def __init__(self, file: Path, load_settings: Callable[[], Settings], port: int = 8000, interval: float = 0.25,
                 shown: Callable[[str], str] = str) -> None:  # fmt: skip
        self.file = Path(file)
        self.load_settings = load_settings
        self.shown = shown
        self.interval = interval
        self.version = 0
        self.pages: dict[str, tuple[str, str]] = {}
        self.error = ""
        self.warnings: list[str] = []
        self.formats: list[str] = []
        self.assets: dict[str, Path] = {}
        """The notes' local images, by their path under the output folder (``<stem>/img/a.png``)."""
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._signature: Any = None
        self._watched: tuple[Path | None, Path | None] = (None, None)
        self._images: list[Path] = []
        super().__init__(_handler(self), port, "digest-preview")
        self.refresh()
        self._watcher = threading.Thread(target=self._watch, name="digest-preview-watch", daemon=True)

    # -- rendering -----------------------------------------------------------------
    def refresh(self) -> None:
        """Render every format now; on an error keep serving it as a page."""

        capture = _Capture()
        logger = logging.getLogger("digest")
        logger.addHandler(capture)
        pages: dict[str, tuple[str, str]] = {}
        assets: dict[str, Path] = {}
        images: list[Path] = []
        error = ""
        signature = None
        try:
            settings = self.load_settings()
            # Watch the settings file and templates folder actually in use (--config, DIGEST_CONFIG
            # or the nearest digest.toml), without reloading settings on every poll.
            self._watched = (Path(settings.source) if settings.source else None, settings.path("templates"))
            signature = self._files_signature()
            view = render.issue_view(load_issue(self.file), settings)
            if view.images is not None:
                assets = {a.name: a.path for a in view.images.assets.values()}
                images = [*assets.values(), *view.images.missing.values()]  # a missing one may appear
            for fmt in render.FORMATS:
                try:
                    pages[fmt] = page_for(fmt, render.render_view(view, settings, fmt))
                except DigestError as exc:  # e.g. email without `email.from`: that tab only
                    pages[fmt] = ("text/html; charset=utf-8", error_page(str(exc), fmt))
                    capture.lines.append(f"{fmt}: {exc}")
        except DigestError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - the server must survive anything a save can cause
            error = f"{self.file}: unexpected error: {type(exc).__name__}: {exc}"
        finally:
            logger.removeHandler(capture)
        # What this render saw, also when the settings did not load (else every poll would
        # see a change and reload the page four times a second until the file is fixed).
        try:
            base = signature if signature is not None else self._files_signature()
            self._images = images
            self._signature = (base, _stats(images))
        except OSError:  # the next poll tries again
            pass
        with self._cond:
            self.formats = list(render.FORMATS)
            self.pages, self.error, self.assets = pages, self.shown(error), assets
            self.warnings = [self.shown(line) for line in capture.lines]
            self.version += 1
            self._cond.notify_all()

    def _files_signature(self) -> Any:

        config, templates = self._watched
        if config is None:  # settings not loaded yet (or broken): the nearest digest.toml
            config = find_config(self.file.resolve().parent)
        paths = [self.file, *([config] if config is not None else [])]
        folders = [PACKAGE_TEMPLATES, *([templates] if templates is not None else [])]
        for folder in folders:
            if folder.is_dir():
                paths.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
        return _stats(paths)

    def _watch(self) -> None:

        while not self._stop.wait(self.interval):
            try:
                signature = (self._files_signature(), _stats(self._images))
            except (OSError, DigestError):  # e.g. a digest.toml that is now a folder: polled again
                continue
            if signature != self._signature:
                environment.cache_clear()  # a new templates/ folder, or changed ones
                self.refresh()

    # -- serving -------------------------------------------------------------------
    def before_serving(self) -> None:
        if not self._watcher.is_alive():
            self._watcher.start()

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        self.stop_serving()

    def wait_for_change(self, seen: int, timeout: float) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self.version != seen or self._stop.is_set(), timeout)
            return self.version

    def shell(self) -> str:
        tabs = "".join(f'<a id="tab-{html.escape(f)}" href="#{html.escape(f)}">{html.escape(f)}</a>' for f in self.formats)
        return SHELL.replace("__TABS__", tabs).replace("__NAME__", html.escape(self.file.name))


def _stats(paths: list[Path]) -> tuple[tuple[str, int | None, int | None], ...]:
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), None, None))
    return tuple(out)


def _handler(server: PreviewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "digest-preview"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: core never prints
            log.debug("preview: " + format, *args)

        def _send(self, status: int, body: str, ctype: str = "text/html; charset=utf-8") -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_HEAD(self) -> None:  # noqa: N802 - what GET answers, headers only (`curl -I`, link checkers)
            self.do_GET()

        def do_POST(self) -> None:  # noqa: N802 - a read-only page: 405 and what it does allow
            self.send_response(405)
            self.send_header("Allow", "GET, HEAD")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_POST  # noqa: N815

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
            if host not in ("127.0.0.1", "localhost"):
                self._send(403, "forbidden: use http://127.0.0.1/", "text/plain; charset=utf-8")
                return
            path = self.path.split("?", 1)[0]
            if path == "/":
                self._send(200, server.shell())
            elif path == "/state.json":
                with server._cond:
                    state = {"version": server.version, "error": server.error, "warnings": server.warnings}
                self._send(200, json.dumps(state), "application/json")
            elif path == "/events":
                self._events()
            elif path.startswith("/view/"):
                fmt = path[len("/view/") :]
                with server._cond:
                    error, page, formats = server.error, server.pages.get(fmt), server.formats
                    asset = server.assets.get(unquote(fmt))
                if asset is not None:
                    self._file(asset)
                elif "/" in fmt:  # an image the notes do not show (or not now: the issue is broken)
                    self._send(404, "not found", "text/plain; charset=utf-8")
                elif fmt not in formats:
                    self._send(404, f"no format {fmt!r}; the formats are {', '.join(formats)}", "text/plain; charset=utf-8")
                elif error:
                    self._send(200, error_page(error))
                elif page is None:  # not rendered yet
                    self._send(404, f"no format {fmt!r}", "text/plain; charset=utf-8")
                else:
                    self._send(200, page[1], page[0])
            else:
                self._send(404, "not found", "text/plain; charset=utf-8")

        def _file(self, path: Path) -> None:
            """A local image of the notes (only those: the page asks for them relative to /view/)."""

            try:
                data = path.read_bytes()
            except OSError:
                self._send(404, "not found", "text/plain; charset=utf-8")
                return
            self.send_response(200)
            self.send_header("Content-Type", IMAGE_TYPES.get(path.suffix.lower(), "application/octet-stream"))
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command == "HEAD":
                return
            seen = -1
            try:
                while not server._stop.is_set():
                    version = server.wait_for_change(seen, 15.0)
                    if server._stop.is_set():
                        break
                    self.wfile.write(f"data: {version}\n\n".encode() if version != seen else b": ping\n\n")
                    self.wfile.flush()
                    seen = version
            except OSError:  # the browser went away
                pass

    return Handler
