"""`licence_findings`: images in an issue that are arXiv figures the paper's licence does not let you reuse.

For `digest check`. No network: the licence comes from the store (cached by
`digest figures`) or from a paper's RSS ``dc:rights``; a figure of a paper
whose licence nobody has looked up yet is a finding too, naming the command
that looks it up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from digest.figures.fetch import cached_licence
from digest.figures.licence import classify
from digest.figures.model import REUSE_ASK, REUSE_NONCOMMERCIAL, REUSE_UNKNOWN, Licence
from digest.ids import ID_PATTERN, parse_id
from digest.issue import line_of
from digest.issue.notes import tokens
from digest.store import Store, StoreError

if TYPE_CHECKING:
    from digest.issue import Issue
    from digest.paper import Paper

ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "ar5iv.org", "ar5iv.labs.arxiv.org", "www.ar5iv.org"})
"""Hosts whose ``/html/<id>/...`` images are figures of arXiv papers."""


def arxiv_figure_id(url: str, html_url: str | None = None) -> tuple[str, int | None] | None:
    """``(base id, version)`` when ``url`` is an image of arXiv's HTML rendering of a paper, else None.

    ``https://arxiv.org/html/2205.05131v3/x2.png`` -> ``("2205.05131", 3)``; also
    ar5iv's pages and anything under ``html_url`` (a mirror, a test server).
    """

    url = url.strip()
    rest: str | None = None
    if html_url and url.startswith(html_url.rstrip("/") + "/"):
        rest = url[len(html_url.rstrip("/")) + 1 :]
    else:
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if (parts.hostname or "").lower() in ARXIV_HOSTS and parts.path.startswith("/html/"):
            rest = parts.path[len("/html/") :]
    if not rest:
        return None
    m = re.match(rf"(?:{ID_PATTERN})(?=/)", rest)
    if not m:
        return None
    parsed = parse_id(m.group(0))
    return (parsed.base, parsed.version) if parsed else None


def _images(markdown: str | None) -> Iterator[str]:

    if not markdown or not markdown.strip():
        return

    def walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for node in nodes:
            yield node
            yield from walk(node.get("children") or [])

    for node in walk(tokens(markdown)):
        if node["type"] == "image":
            yield node["attrs"]["url"].strip()


def licence_findings(
    issue: Issue,
    store: Store | str | Path | None,
    *,
    papers: Mapping[str, Paper] | None = None,
    sponsor: str | None = None,
    raw: list[str] | None = None,
    html_url: str | None = None,
) -> list[tuple[int, str]]:
    """``(line, message)`` for each image in ``issue`` that is a figure of an arXiv paper
    whose licence does not allow reuse without asking (or is not known yet).

    ``store``: an open `Store`, or the store's path (opened read-only if it
    exists), or None. ``papers``: papers by base id (their RSS ``license`` /
    ``rights`` extra is used when the store has no licence). ``sponsor``: the
    issue's sponsor line; a sponsored newsletter is arguably commercial, so a
    non-commercial licence is a finding then (default: the issue's own
    ``sponsor:``). ``raw``: the file's lines (read from ``issue.path`` when
    None), for line numbers. ``html_url``: ``arxiv.html_url``, when it is not arXiv's.
    """

    if raw is None:
        try:
            raw = Path(issue.path).read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\r", "\n").split("\n")
        except (OSError, UnicodeDecodeError):
            raw = []
    sponsored = bool((issue.sponsor if sponsor is None else sponsor) or "")
    opened: Store | None = None
    if isinstance(store, (str, Path)):
        try:
            opened = store = Store.open_existing(store)
        except StoreError:
            store = None
    try:
        return _findings(issue, store, papers or {}, sponsored, raw, html_url)
    finally:
        if opened is not None:
            opened.close()


def _findings(issue: Issue, store: Store | None, papers: Mapping[str, Paper], sponsored: bool, raw: list[str],
              html_url: str | None) -> list[tuple[int, str]]:  # fmt: skip

    body_start = next((n for n in range(2, len(raw) + 1) if raw[n - 1].strip() in ("---", "...")), 1)
    texts: list[tuple[str | None, int]] = [(issue.intro, body_start)]
    texts += [(s.notes, s.line + 1) for s in issue.sections]
    known: dict[str, Licence] = {}
    out: list[tuple[int, str]] = []
    seen: set[tuple[int, str]] = set()
    for text, start in texts:
        for url in _images(text):
            found = arxiv_figure_id(url, html_url)
            if found is None:
                continue
            base, version = found
            if base not in known:
                lic = cached_licence(store, base)
                if lic is None and base in papers:
                    rights = papers[base].extra.get("license") or papers[base].extra.get("rights")
                    lic = classify(rights, source="rss") if rights else None
                known[base] = lic or _UNKNOWN
            message = _message(url, base, version, known[base], sponsored)
            if message is None:
                continue
            line = line_of(raw, url, start)
            if (line, url) not in seen:
                seen.add((line, url))
                out.append((line, message))
    out.sort(key=lambda x: x[0])
    return out


_UNKNOWN = Licence(None, "unknown", REUSE_UNKNOWN, "")


def _message(url: str, base: str, version: int | None, lic: Licence, sponsored: bool) -> str | None:
    vid = f"{base}v{version}" if version else base
    what = f"image {url} is a figure of arXiv:{base}"
    if lic.reuse == REUSE_UNKNOWN:
        return f"{what}, whose licence is not known yet: run `digest figures {vid}` to read it before reusing the figure"
    if lic.reuse == REUSE_ASK:
        return (f"{what}, under {lic.name}, which grants no reuse: ask the authors for permission "
                "(or link to the figure instead)")  # fmt: skip
    if lic.reuse == REUSE_NONCOMMERCIAL and sponsored:
        return (f"{what}, under {lic.name} (non-commercial reuse only): this issue has a sponsor, which arguably "
                "makes it commercial; ask the authors")  # fmt: skip
    return None
