"""`digest preview`: the local server re-renders on save; the browser page follows by itself."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import default_sigint, run

CHROMIUM = "/usr/bin/chromium"
ISSUE = Path("issues") / "2022-10-23.md"


def get(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def wait_until(check, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    stamp = time.time() + 1  # a new mtime even within the file system's time granularity
    os.utime(path, (stamp, stamp))


@pytest.fixture()
def server(newsletter: Path) -> Iterator[object]:
    from digest.config import load_settings
    from digest.preview import PreviewServer

    srv = PreviewServer(newsletter / ISSUE, load_settings, port=0, interval=0.05)
    srv.start()
    yield srv
    srv.close()


def test_serves_the_formats_and_follows_edits(newsletter: Path, server) -> None:  # type: ignore[no-untyped-def]
    from digest.render import FORMATS

    assert server.url.startswith("http://127.0.0.1:")
    status, shell = get(server.url)
    assert status == 200 and 'id="view"' in shell
    for fmt in FORMATS:
        assert f'id="tab-{fmt}"' in shell
    status, page = get(server.url + "view/html")
    assert status == 200 and "<h1>2022-10-23 arXiv roundup" in page
    assert "# 2022-10-23 arXiv roundup" in get(server.url + "view/md")[1]  # text formats in a <pre>
    seen = server.version
    edit(newsletter / ISSUE, "They frame prefix language modeling", "They NOW frame prefix language modeling")
    server.wait_for_change(seen, 10)
    wait_until(lambda: "They NOW frame" in get(server.url + "view/html")[1])


def test_an_error_is_shown_with_its_line_and_the_server_survives(newsletter: Path, server) -> None:  # type: ignore[no-untyped-def]
    seen = server.version
    edit(newsletter / ISSUE, "## [UL2: Unifying", "## arXiv:2205.0513\n\n## [UL2: Unifying")
    server.wait_for_change(seen, 10)
    status, page = get(server.url + "view/html")
    assert status == 200 and "issues/2022-10-23.md:9:" in page and "is not an arXiv id" in page
    assert "2022-10-23.md:9" in get(server.url + "state.json")[1]
    seen = server.version
    edit(newsletter / ISSUE, "## arXiv:2205.0513\n\n", "")
    server.wait_for_change(seen, 10)
    assert "<h1>2022-10-23 arXiv roundup" in get(server.url + "view/html")[1]


def test_broken_settings_are_shown_once_not_re_rendered_on_every_poll(newsletter: Path, server) -> None:  # type: ignore[no-untyped-def]
    seen = server.version
    edit(newsletter / "digest.toml", "[email]", "[email]\nbogus = 1")
    server.wait_for_change(seen, 10)
    assert "bogus" in server.error
    settled = server.version
    time.sleep(0.6)  # twelve polls
    assert server.version == settled


def test_template_changes_re_render(newsletter: Path, server) -> None:  # type: ignore[no-untyped-def]
    seen = server.version
    (newsletter / "templates").mkdir()
    (newsletter / "templates" / "issue.html").write_text(
        '{% extends "default:issue.html" %}{% block head %}<meta name="x-preview" content="overridden">{% endblock %}',
        encoding="utf-8",
    )
    server.wait_for_change(seen, 10)
    wait_until(lambda: "overridden" in get(server.url + "view/html")[1])


def test_only_local_host_names_are_answered(server) -> None:  # type: ignore[no-untyped-def]
    assert get(server.url, host="evil.example")[0] == 403
    assert get(server.url.replace("127.0.0.1", "localhost"))[0] == 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def preview_process(newsletter: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", "preview", str(ISSUE), "--port", str(port)],
        cwd=newsletter, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == url
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_command_serves_and_ctrl_c_stops_cleanly(preview_process) -> None:  # type: ignore[no-untyped-def]
    proc, url = preview_process
    assert "<h1>2022-10-23 arXiv roundup" in get(url + "view/html")[1]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(10) == 0
    assert proc.stderr is not None and "stopped" in proc.stderr.read()


def _playwright():  # type: ignore[no-untyped-def]
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip("chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright; no browser download needed)")
    return sync_playwright


def test_browser_page_updates_by_itself_when_the_file_is_saved(newsletter: Path, preview_process) -> None:  # type: ignore[no-untyped-def]
    sync_playwright = _playwright()
    _proc, url = preview_process
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"), args=args)
        try:
            page = browser.new_page()
            page.goto(url)
            frame = page.frame_locator("#view")
            frame.locator("h1").wait_for(timeout=15000)
            assert "CNNs dominating" in frame.locator("h1").inner_text()
            edit(newsletter / ISSUE, "They frame prefix language modeling", "Freshly edited: they frame prefix LM")
            frame.get_by_text("Freshly edited: they frame prefix LM").wait_for(timeout=15000)
            # an error appears in the page, with its line, and goes away when fixed
            edit(newsletter / ISSUE, "headline: CNNs", "headlin: CNNs")
            page.locator("#status.error").wait_for(timeout=15000)
            assert "2022-10-23.md:3" in page.locator("#status").inner_text()
            edit(newsletter / ISSUE, "headlin: CNNs", "headline: CNNs")
            frame.get_by_text("Freshly edited: they frame prefix LM").wait_for(timeout=15000)
            page.wait_for_function("!document.getElementById('status').classList.contains('error')", timeout=15000)
        finally:
            browser.close()


def test_a_missing_issue_file_is_exit_1_as_for_render(newsletter: Path) -> None:
    for command in ("render", "preview"):
        code, _, err = run(command, "issues/nope.md")
        assert (code, err) == (1, "issues/nope.md: cannot read the issue (No such file or directory)\n"), command


def answer(server, method: str, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:  # type: ignore[no-untyped-def]
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, headers={"Host": host or f"127.0.0.1:{server.port}"})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478"
                    "9c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082")  # fmt: skip


def test_head_answers_as_get_does_headers_only(newsletter: Path) -> None:
    """`curl -I`, link checkers and browsers send HEAD: same status, type and length as GET, no body."""
    from digest.config import load_settings
    from digest.preview import PreviewServer

    (newsletter / "issues" / "img").mkdir()
    (newsletter / "issues" / "img" / "fig.png").write_bytes(PNG)
    edit(newsletter / ISSUE, "They frame prefix", "![a figure](img/fig.png)\n\nThey frame prefix")
    srv = PreviewServer(newsletter / ISSUE, load_settings, port=0, interval=0.05)
    srv.start()
    try:
        paths = ["/", "/state.json", "/view/html", "/view/md", "/view/2022-10-23/img/fig.png",
                 "/view/2022-10-23/img/nope.png", "/view/nope", "/nothing"]  # fmt: skip
        statuses = []
        for path in paths:
            got, got_headers, body = answer(srv, "GET", path)
            head, headers, empty = answer(srv, "HEAD", path)
            assert (head, empty) == (got, b""), path
            for name in ("content-type", "content-length"):
                assert headers[name] == got_headers[name], (path, name)
            assert int(headers["content-length"]) == len(body), path
            statuses.append(got)
        assert statuses == [200, 200, 200, 200, 200, 404, 404, 404]
        assert answer(srv, "HEAD", "/", host="evil.example")[0] == 403
        status, headers, _ = answer(srv, "HEAD", "/events")
        assert (status, headers["content-type"]) == (200, "text/event-stream")  # and it does not stream
    finally:
        srv.close()


def test_a_missing_image_or_format_says_which_and_other_methods_are_405(newsletter: Path, server) -> None:  # type: ignore[no-untyped-def]
    status, _, body = answer(server, "GET", "/view/2022-10-23/img/nope.png")
    assert (status, body) == (404, b"not found")  # not "no format '2022-10-23/img/nope.png'"
    status, _, body = answer(server, "GET", "/view/pdf")
    assert status == 404 and body.decode().startswith("no format 'pdf'; the formats are md, html, ")
    for method in ("POST", "PUT", "DELETE"):
        status, headers, _ = answer(server, method, "/")
        assert (status, headers.get("allow")) == (405, "GET, HEAD"), method
    edit(newsletter / ISSUE, "date: 2022-10-23", "date: [oops")  # broken: the page shows the error,
    wait_until(lambda: server.error != "")
    assert answer(server, "GET", "/view/html")[0] == 200
    assert answer(server, "GET", "/view/2022-10-23/img/nope.png")[0] == 404  # an image is no page


def test_the_page_names_files_as_the_terminal_does(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A warning in the page (an image not found) names the issue from where preview runs, as its line
    on the terminal does, not by the absolute path the core knows it by."""
    from digest.cli.common import State, named_from_here
    from digest.preview import PreviewServer

    monkeypatch.chdir(newsletter)
    edit(newsletter / ISSUE, "## ", "![a figure](img/nope.png)\n\n## ")
    srv = PreviewServer(newsletter / ISSUE, State(None, 0, False).settings, port=0, interval=0.05, shown=named_from_here)
    srv.start()
    try:
        state = get(srv.url + "state.json")[1]
    finally:
        srv.close()
    assert "issues/2022-10-23.md:" in state and "img/nope.png" in state and str(newsletter) not in state, state
