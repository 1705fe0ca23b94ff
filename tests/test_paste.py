"""Pasting `.substack.html` into a ProseMirror editor with Substack's schema, in Chromium.

The editor is Tiptap (StarterKit, Link, Image) from npm, installed by `npm ci` into
tests/paste/node_modules (not committed) and bundled with esbuild at test time. The
paste is what a browser delivers: a ClipboardEvent whose DataTransfer holds text/html.
What the editor then holds (`editor.getJSON()`) is compared with the HTML pasted:
the same paragraphs and headings in the same order, the same links, list numbers,
images (src, alt, title) and hard breaks, and not one word lost.

Skips, saying why, when node/npm, Chromium or the playwright package is missing, or
when the npm registry cannot be reached for the first install.
"""

from __future__ import annotations

import fcntl
import functools
import http.server
import re
import shutil
import subprocess
import threading
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, run
from test_browser import _Quiet
from test_faithful import STEM, make_faithful

PASTE = REPO / "tests" / "paste"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/paste/paste.js with Tiptap, bundled for the browser."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        pytest.skip("node and npm are missing (Debian: apt-get install nodejs npm)")
    esbuild = PASTE / "node_modules" / ".bin" / "esbuild"
    lock = PASTE / "package-lock.json"
    stamp = PASTE / "node_modules" / ".package-lock.json"
    out = tmp_path_factory.mktemp("paste") / "paste.bundle.js"
    # one pytest worker at a time: `npm ci` deletes node_modules, which another may be bundling from
    with open(PASTE / ".npm-ci.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if not esbuild.exists() or not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PASTE,
                                  capture_output=True, text=True, timeout=600)  # fmt: skip
            if done.returncode != 0:
                pytest.skip(f"npm ci in tests/paste failed (is the npm registry reachable?): {done.stderr.strip()[-300:]}")
        done = subprocess.run([str(esbuild), str(PASTE / "paste.js"), "--bundle", "--format=iife", "--log-level=error",
                               f"--outfile={out}"], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


def paste(browser: Any, bundle: Path, build: Path, html: str) -> dict[str, Any]:
    """``html`` pasted into the editor in a page served (on loopback) from ``build``; the editor's JSON."""
    shutil.copy(bundle, build / "paste.bundle.js")
    (build / "editor.html").write_text(
        '<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>editor</title>'
        '<div id="editor"></div><script src="paste.bundle.js"></script></html>', encoding="utf-8"
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(build)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: route.abort())
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/editor.html")
        text = re.sub(r"<[^>]+>", " ", html)
        result = page.evaluate("([html, text]) => window.digestPaste(html, text)", [html, text])
        assert not errors, errors
        assert result["handled"], "the editor did not take the paste"
        return result["doc"]  # type: ignore[no-any-return]
    finally:
        context.close()
        server.shutdown()
        server.server_close()


# What the pasted HTML says, read the way ProseMirror reads it --------------------------------

BLOCKS = {"p": "paragraph", "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading", "pre": "codeBlock",
          "figcaption": "paragraph"}  # fmt: skip


class Source(HTMLParser):
    """The blocks, links, list numbers, images, hard breaks and words of a Substack fragment.

    A list item's own text (before any nested block) is a paragraph in the editor, since
    a list item holds paragraphs, and so is a figure's caption: the schema has no caption."""

    NESTED = {"p", "ul", "ol", "pre", "blockquote", "figure", "h2", "h3", "h4"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, Any, str]] = []
        self.links: list[tuple[str, str]] = []
        self.starts: list[int] = []
        self.images: list[tuple[str, str | None, str | None]] = []
        self.breaks = 0
        self.words: Counter[str] = Counter()
        self._open: list[list[Any]] = []  # [type, level, text] of textblocks; ["li"] once an item's text ended
        self._link: list[Any] | None = None

    def _close(self) -> None:
        kind, level, text = self._open.pop()[:3]
        if kind == "codeBlock" or text.strip():
            self.blocks.append((kind, level, text if kind == "codeBlock" else " ".join(text.split())))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in self.NESTED and self._open and self._open[-1][-1:] == ["item"]:
            self._close()  # an item's own text ends where a block inside it starts
            self._open.append(["li"])
        if tag in BLOCKS:
            self._open.append([BLOCKS[tag], int(tag[1]) if BLOCKS[tag] == "heading" else None, ""])
        elif tag == "li":
            self._open.append(["paragraph", None, "", "item"])
        elif tag == "a":
            self._link = [a.get("href"), ""]
        elif tag == "img":
            self.images.append((a.get("src") or "", a.get("alt"), a.get("title")))
        elif tag == "br":
            self.breaks += 1
            self._open[-1][2] += "\n"
        if tag == "ol":
            self.starts.append(int(a.get("start") or 1))

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self._close()
        elif tag == "li":
            if self._open[-1] == ["li"]:
                self._open.pop()
            else:
                self._open[-1] = self._open[-1][:3]
                self._close()
        elif tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join(self._link[1].split())))
            self._link = None

    def handle_data(self, data: str) -> None:
        self.words.update(data.split())
        if self._open and self._open[-1] != ["li"]:
            self._open[-1][2] += data
        if self._link is not None:
            self._link[1] += data


def source(html: str) -> Source:
    reader = Source()
    reader.feed(html)
    reader.close()
    return reader


class Editor:
    """The same facts, from the editor's document (ProseMirror JSON)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.blocks: list[tuple[str, Any, str]] = []
        self.links: list[tuple[str, str]] = []
        self.starts: list[int] = []
        self.images: list[tuple[str, str | None, str | None]] = []
        self.breaks = 0
        self.words: Counter[str] = Counter()
        self._walk(doc)

    def _walk(self, node: dict[str, Any]) -> None:
        kind = node.get("type")
        if kind in ("paragraph", "heading", "codeBlock"):
            text = self._inline(node.get("content") or [])
            level = (node.get("attrs") or {}).get("level") if kind == "heading" else None
            if kind == "codeBlock" or text.strip():
                self.blocks.append((kind, level, text if kind == "codeBlock" else " ".join(text.split())))
            return
        if kind == "orderedList":
            self.starts.append(int((node.get("attrs") or {}).get("start", 1)))
        if kind == "image":
            attrs = node.get("attrs") or {}
            self.images.append((attrs.get("src") or "", attrs.get("alt"), attrs.get("title")))
        for child in node.get("content") or []:
            self._walk(child)

    def _inline(self, nodes: list[dict[str, Any]]) -> str:
        out = []
        link: list[Any] | None = None
        for node in nodes:
            if node["type"] == "hardBreak":
                self.breaks += 1
                out.append("\n")
                continue
            if node["type"] == "image":  # an inline image would be a bug here: images are blocks
                self._walk(node)
                continue
            text = node.get("text", "")
            self.words.update(text.split())
            out.append(text)
            href = next((m["attrs"]["href"] for m in node.get("marks") or [] if m["type"] == "link"), None)
            if link is not None and href != link[0]:
                self.links.append((link[0], " ".join(link[1].split())))
                link = None
            if href is not None:
                link = link or [href, ""]
                link[1] += text
        if link is not None:
            self.links.append((link[0], " ".join(link[1].split())))
        return "".join(out)


def assert_same(html: str, doc: dict[str, Any]) -> tuple[Source, Editor]:
    want, got = source(html), Editor(doc)
    assert got.blocks == want.blocks
    assert got.links == want.links
    assert got.starts == want.starts
    assert got.images == want.images
    assert got.breaks == want.breaks
    lost = want.words - got.words
    assert not lost, f"words lost in the paste: {sorted(lost.elements())}"
    assert not (got.words - want.words), f"words the paste added: {sorted((got.words - want.words).elements())}"
    return want, got


def test_the_faithful_issue_pastes_whole(browser: Any, bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_faithful(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run("render", f"issues/{STEM}.md", "--format", "substack")
    assert code == 0, err
    html = (tmp_path / "build" / f"{STEM}.substack.html").read_text(encoding="utf-8")
    doc = paste(browser, bundle, tmp_path / "build", html)
    want, got = assert_same(html, doc)
    # ...and what the editor holds is what the editor wrote in the issue
    assert got.starts == [3, 5, 1]  # Blalock's "3. 4." and "5." across a figure; the footnotes' list
    assert (f"{STEM}/img/fig5.png", "Accuracy curves for three model sizes",
            "Figure 5: accuracy rises faster with decay") in got.images  # fmt: skip
    assert ("paragraph", None, "Figure 5: accuracy rises faster with decay") in got.blocks  # the caption, as text
    assert not any(b[2] == "Accuracy curves for three model sizes" for b in got.blocks)  # alt is never text
    assert ("heading", 3, "Short takes") in got.blocks
    assert ("https://example.org/baseline", "cheap baseline") in got.links
    assert got.breaks == 2
    assert "O(n²)" in got.words and "γ;" in got.words


def test_the_sample_issue_pastes_whole(browser: Any, bundle: Path, newsletter: Path) -> None:
    code, out, err = run("render", "issues/2022-10-23.md", "--format", "substack")
    assert code == 0, err
    html = (newsletter / "build" / "2022-10-23.substack.html").read_text(encoding="utf-8")
    doc = paste(browser, bundle, newsletter / "build", html)
    want, got = assert_same(html, doc)
    assert sum(1 for kind, level, _ in got.blocks if kind == "heading" and level == 2) == 10
    assert sum(want.words.values()) > 1500
