"""In headless Chromium (Debian's `chromium`, driven by Playwright): the copy button, layout, dark mode.

Skips, saying why, when /usr/bin/chromium or the playwright package is missing.
Screenshots go to the test's temporary folder; `pytest --update-golden` also
writes them to docs/img/ for the README.
"""

from __future__ import annotations

import email
import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO

WIDTHS = (375, 600)

CONTRAST_JS = """
(el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = null;
  for (let n = el; n && !bg; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0)) bg = c;
  }
  bg = bg || [255, 255, 255];
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


@pytest.fixture()
def site(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The sample issue rendered in every format, served on loopback (clipboard needs a secure origin)."""
    from click.testing import CliRunner

    from digest.cli import cli

    monkeypatch.setenv("DIGEST_EMAIL_FROM", "Davis Blalock <davis@example.org>")
    monkeypatch.setenv("DIGEST_EMAIL_LIST_UNSUBSCRIBE", "https://dblalock.substack.com/unsubscribe")
    result = CliRunner().invoke(cli, ["render", "issues/2022-10-23.md", "--format", "html,email,substack"])
    assert result.exit_code == 0, result.output
    build = newsletter / "build"
    msg = email.message_from_bytes((build / "2022-10-23.eml").read_bytes(), policy=policy.default)
    page = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    (build / "email.html").write_text(page, encoding="utf-8")
    (build / "email-nostyle.html").write_text(re.sub(r"<style>.*?</style>", "", page, flags=re.S), encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(build))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _page(browser: Any, width: int, dark: bool = False, clipboard: bool = False) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme="dark" if dark else "light")
    if clipboard:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    # Offline: only the loopback server answers; remote images fall back to their alt text.
    page.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: route.abort())
    return page


def _shot(page: Any, name: str, tmp_path: Path, update: bool) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    if update:
        (REPO / "docs" / "img").mkdir(parents=True, exist_ok=True)
        shutil.copy(path, REPO / "docs" / "img" / path.name)


def _normal(html: str) -> str:
    """Markup as Chromium puts it on the clipboard, minus the wrapper it may add."""
    html = re.sub(r"^<meta charset=['\"]?utf-8['\"]?>", "", html.strip())
    return re.sub(r">\s+<", "><", html).strip()


def test_copy_for_substack_puts_the_substack_html_on_the_clipboard(browser: Any, site: str, newsletter: Path) -> None:
    page = _page(browser, 1000, clipboard=True)
    page.goto(f"{site}/2022-10-23.html")
    button = page.get_by_role("button", name="Copy for Substack")
    assert button.is_visible()
    button.click()
    page.wait_for_function("document.getElementById('copy-status').textContent.startsWith('Copied')")
    copied = page.evaluate(
        """async () => {
             const [item] = await navigator.clipboard.read();
             const html = await (await item.getType('text/html')).text();
             const text = await (await item.getType('text/plain')).text();
             return {types: item.types, html, text};
           }"""
    )
    expected = (newsletter / "build" / "2022-10-23.substack.html").read_text(encoding="utf-8")
    assert set(copied["types"]) >= {"text/html", "text/plain"}
    assert _normal(copied["html"]) == _normal(expected)
    assert copied["text"].startswith("This newsletter made possible by MosaicML.")
    assert "UL2: Unifying Language Learning Paradigms" in copied["text"] and "<" not in copied["text"][:200]
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_page_and_email_fit_the_screen(browser: Any, site: str, width: int, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    update = bool(request.config.getoption("--update-golden"))
    for name, url in (("page", "2022-10-23.html"), ("email", "email.html"), ("email-nostyle", "email-nostyle.html")):
        page = _page(browser, width)
        page.goto(f"{site}/{url}")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{url} overflows at {width} px: scrollWidth {scroll}"
        if name != "email-nostyle":
            _shot(page, f"{name}-{width}", tmp_path, update)
        page.context.close()


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_email_links_keep_their_contrast(browser: Any, site: str, dark: bool, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    page = _page(browser, 600, dark=dark)
    page.goto(f"{site}/email.html")
    ratios = [page.eval_on_selector(sel, CONTRAST_JS) for sel in ("h2 a", ".notes a, .footer a", "td.content", ".meta")]
    assert min(ratios) >= 4.5, ratios
    if dark:
        _shot(page, "email-dark-600", tmp_path, bool(request.config.getoption("--update-golden")))
    page.context.close()


@pytest.fixture()
def faithful_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The issue of tests/test_faithful.py (figures, an icon, a table, math) rendered and served;
    the email's HTML part as ``email.html``, its cid: images resolved as a mail client does."""
    from conftest import run
    from test_faithful import STEM, make_faithful

    make_faithful(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run("render", f"issues/{STEM}.md")
    assert code == 0, err
    build = tmp_path / "build"
    msg = email.message_from_bytes((build / f"{STEM}.eml").read_bytes(), policy=policy.default)
    page = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for n, part in enumerate(p for p in msg.walk() if p["Content-ID"]):
        (build / f"part{n}.png").write_bytes(part.get_payload(decode=True))
        page = page.replace(f'src="cid:{part["Content-ID"].strip("<>")}"', f'src="part{n}.png"')
    assert "cid:" not in page
    (build / "email.html").write_text(page, encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(build))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("images", ["loaded", "blocked"])
def test_figures_fit_a_phone_with_images_loaded_or_blocked(browser: Any, faithful_site: str, images: str, tmp_path: Path) -> None:
    """At 375 px neither the email nor the page is wider than the phone: a 1200 px figure scales
    down, a 300 px chart keeps its size, and a blocked image (its alt text) stays in the column."""
    from test_faithful import STEM

    for url in ("email.html", f"{STEM}.html"):
        page = _page(browser, 375)
        if images == "blocked":
            page.route(re.compile(r"\.(png|svg)$"), lambda route: route.abort())
        page.goto(faithful_site + url)
        page.wait_for_load_state("load")
        scroll = page.evaluate("document.scrollingElement.scrollWidth")
        assert scroll <= 375, f"{url} with images {images} overflows at 375 px: scrollWidth {scroll}"
        sizes = page.evaluate(
            "() => Array.from(document.images).map(i => [i.getAttribute('alt'), i.complete && i.naturalWidth,"
            " i.getBoundingClientRect().width])"
        )
        if images == "loaded":
            widths = {alt: (natural, shown) for alt, natural, shown in sizes}
            natural, shown = widths["Accuracy curves for three model sizes"]
            assert natural == 1200 and shown <= 375 - 2 * 14  # scaled down into the column
            natural, shown = widths["Bar chart of four tasks"]
            assert natural == 300 and shown == 300  # never enlarged
            natural, shown = widths["arXiv"]
            assert natural == 16 and shown == 16  # the icon stays an icon, in its line
        else:
            assert sizes and not any(natural for _, natural, _ in sizes)  # really blocked
        _shot(page, f"faithful-{url.split('.')[0]}-375-{images}", tmp_path, False)
        page.context.close()
