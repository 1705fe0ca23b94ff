"""The email on a phone (issue #14): whatever the notes hold, the message is no wider than
a 375 px screen, with its images loaded or blocked, and keeps its 600 px column on a desktop.

In headless Chromium (Debian's `chromium`, driven by Playwright, as tests/test_browser.py);
skips, saying why, when /usr/bin/chromium or the playwright package is missing. The email's
HTML part is shown as a mail client shows it: its ``cid:`` images resolved to the attached
parts (loaded) or left unresolvable (blocked: the client shows the alt text).
"""

from __future__ import annotations

import base64
import email
from email import policy
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, run

IMAGES = REPO / "tests" / "golden" / "faithful-img"  # fig5.png is 1200 px wide, icon.png 16 px
PHONE = 375

KINDS = {
    "results-table": (
        "| model | params | tokens | score A | score B | score C | score D | notes |\n"
        "|---|---|---|---|---|---|---|---|\n"
        "| something-long-name | 770000000 | 1000000000000 | 41.2 | 42.3 | 43.4 | 44.5 | a long note here |\n"
    ),
    "code-line": "```\na_very_long_code_line_that_does_not_wrap_at_all = some_function(argument_one, argument_two)\n```\n",
    "url-path-segment": "Code is at https://example.org/" + "a" * 74 + "/bbbbbbbbbbbbbbbbbbbb if you want it.\n",
    "long-word": "Supercalifragilisticexpialidociouswordthatisreallyreallylongwithoutanybreakopportunity.\n",
}

ISSUE = """---
date: 2023-02-12
headline: wide things
---

Intro with an icon ![arXiv](img/icon.png) inline.

## Editorial

![A 1200 px chart](img/fig5.png "Figure 1: a wide chart")

{body}
A closing paragraph.
"""


def _email_html(tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, str]]:
    """The HTML part of the issue holding ``body``, rendered without `url` (images attached),
    and each attached image as a data: URL by its Content-ID."""
    (tmp_path / "issues" / "img").mkdir(parents=True)
    for name in ("fig5.png", "icon.png"):
        (tmp_path / "issues" / "img" / name).write_bytes((IMAGES / name).read_bytes())
    (tmp_path / "digest.toml").write_text('name = "T"\n[email]\nfrom = "T <t@example.org>"\n', encoding="utf-8")
    (tmp_path / "issues" / "2023-02-12.md").write_text(ISSUE.format(body=body), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = run("render", "issues/2023-02-12.md", "--format", "email")
    assert code == 0, err
    msg = email.message_from_bytes((tmp_path / "build" / "2023-02-12.eml").read_bytes(), policy=policy.default)
    page = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    parts = {
        str(p["Content-ID"]).strip("<>"): f"data:{p.get_content_type()};base64,"
        + base64.b64encode(p.get_payload(decode=True)).decode()
        for p in msg.walk()
        if p["Content-ID"]
    }
    assert len(parts) == 2 and all(f"cid:{cid}" in page for cid in parts)
    return page, parts


def _show(browser: Any, page_html: str, width: int) -> Any:
    page = browser.new_context(viewport={"width": width, "height": 800}).new_page()
    page.set_content(page_html)
    page.wait_for_load_state("load")
    return page


@pytest.mark.parametrize("images", ["loaded", "blocked"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_the_email_fits_a_phone_whatever_the_notes_hold(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, images: str
) -> None:
    page_html, parts = _email_html(tmp_path, KINDS[kind], monkeypatch)
    if images == "loaded":
        for cid, data in parts.items():
            page_html = page_html.replace(f'src="cid:{cid}"', f'src="{data}"')
    page = _show(browser, page_html, PHONE)
    shown = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth)")
    assert shown == ([16, 1200] if images == "loaded" else [0, 0])
    scroll = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth"
        " && !e.children.length).map(e => e.tagName).slice(0, 5)"
    )
    assert scroll <= PHONE, f"the email with a {kind}, images {images}, is {scroll} px wide at {PHONE} px: {wide}"
    if kind == "results-table":
        # the table scrolls inside the column, its numbers whole: nothing squeezed into slivers
        table = page.evaluate(
            "(() => { const t = document.querySelector('table:not([role])');"
            " const cell = [...t.querySelectorAll('td')].find(c => c.textContent === '1000000000000');"
            " const words = document.createRange(); words.selectNodeContents(cell);"
            " return [t.getBoundingClientRect().right, t.scrollWidth > t.clientWidth, words.getClientRects().length]; })()"
        )
        assert table[0] <= PHONE and table[1] and table[2] == 1, table
    page.context.close()


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_email_keeps_its_600_px_column_on_a_desktop(browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    page_html, _ = _email_html(tmp_path, KINDS[kind], monkeypatch)
    page = _show(browser, page_html, 1000)
    column = page.evaluate("document.querySelector('table.container').getBoundingClientRect().width")
    assert column == 600
    assert page.evaluate("document.documentElement.scrollWidth") <= 1000
    page.context.close()
