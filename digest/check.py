"""`digest check`: what an editor wants to know before sending an issue, each with its line.

Two kinds of finding. What a *reader* would notice (`Finding.reader`): ids
that no source knows, papers covered twice in the issue, a ``digest:paper``
comment about another paper than its heading's (the heading's id wins, but the
comment's authors and abstract would show under it), an empty headline,
a code fence never closed (the rest of the issue shows as code),
images a reader cannot load (a missing file, an address that is not http(s),
one on this machine: ``localhost``, 127.0.0.0/8, ``::1``), links that are
not http(s) or mailto, and an HTML email part over the 90 KB budget (Gmail
clips messages at about 102 KB); ``check --strict`` fails on these only.
And what the *editor* may want to fix: the headline `digest new` suggested
left untouched, an issue with no annotated paper, images without alt text,
papers covered in an earlier issue, and a local image while ``url`` is unset
(``image-unhosted``: the page and the email show it, the formats read away
from build/ cannot; whether a reader notices depends on where the editor
sends the issue, so --strict does not fail on it), and an SVG image
(``image-svg``: the page and Substack show it, Gmail and Outlook do not). Papers left without notes
(the normal state after triage) are not findings: `Report.left_out` lists
them and the report says how many in one line. Each finding is at the line
of the use it is about: the n-th use of an address at the n-th place it is
written, never inside an HTML comment.
Nothing here touches the network.

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock, store, issue, fetch, seeds,
draft, figures, render.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import shlex
import socket
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import unquote, urlsplit

from digest.errors import InputError
from digest.figures import html_url, is_svg, licence_findings
from digest.ids import parse_id
from digest.issue import META_MARK, line_of, open_fence_line, parse_issue, read_issue_text, strip_comments
from digest.issue.history import coverage, load_issues
from digest.issue.notes import tokens
from digest.render import build_view
from digest.render.email_message import CLIP_BUDGET, email_html
from digest.render.images import Images
from digest.render.papers import PaperSources, from_issue, to_fill
from digest.store import Store, StoreError, suggested_headline_key

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.issue import Issue, Section


READER_CODES = frozenset({"duplicate", "fence", "headline", "image-url", "link", "meta-id", "unknown-id", "size"})
"""Findings a reader of the issue would notice: the ones ``check --strict`` fails on."""


@dataclass(frozen=True)
class Finding:
    line: int
    code: str
    message: str

    @property
    def reader(self) -> bool:
        """Would a reader notice it (a broken image or link, an unknown paper, a clipped email)?"""
        return self.code in READER_CODES

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reader": self.reader}


@dataclass
class Report:
    path: str
    findings: list[Finding]
    html_bytes: int = 0
    left_out: list[Finding] = field(default_factory=list)
    """Papers without notes, left out of the issue (one line in the report; each with -v)."""

    @property
    def reader_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.reader]

    def lines(self, verbose: bool = False) -> list[str]:
        """One line per finding; the papers left out as one summary line, or one each when ``verbose``."""
        out = [f"{self.path}:{f.line}: {f.message}" for f in self.findings]
        if verbose:
            out += [f"{self.path}:{f.line}: {f.message}" for f in self.left_out]
        elif self.left_out:
            n = len(self.left_out)
            out.append(f"{self.path}: {n} candidate{'s' if n != 1 else ''} without notes"
                       f" {'are' if n != 1 else 'is'} left out (`digest -v check {shlex.quote(self.path)}` lists them)")  # fmt: skip
        return out


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Silence a logger whose warnings this check reports itself, with lines."""
    logger = logging.getLogger(name)
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was


def _parse(text: str, path: Path) -> tuple[Issue, list[Finding]]:
    """The issue, with any duplicate paper sections kept as editorial ones and reported."""

    duplicates: list[tuple[int, str, int]] = []
    issue = parse_issue(text, path, duplicates)
    findings = [
        Finding(line, "duplicate", f"{pid} is covered twice (first at line {first}); merge the two sections")
        for line, pid, first in duplicates
    ]
    return issue, findings


def _walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from _walk(node.get("children") or [])


def _loopback(host: str) -> bool:
    """Is ``host`` this machine: ``localhost`` and its subdomains, 127.0.0.0/8 however written
    (``127.1``, ``[::ffff:127.0.0.1]``), ``::1``, or the unspecified ``0.0.0.0`` and ``::``?"""
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        if not host or host.strip("0123456789.") or host.count(".") > 3:
            return False
        try:
            ip = ipaddress.IPv4Address(socket.inet_aton(host))  # 127.1, 2130706433: as browsers read them
        except OSError:
            return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified


class _Links:
    """The link and image findings of an issue, each at the line that holds its address.

    The n-th use of an address in a text is found at the n-th place it is written there, never
    inside an HTML comment (where `digest new --figures` lists figure addresses): the comments
    are masked out of the lines searched, as the parser strips them.
    """

    def __init__(self, raw: list[str], body_start: int, images: Images) -> None:
        self.raw = raw
        self.images = images
        # line -> its text outside comments ("" for a line all inside one); the front matter as written
        self.shown: dict[int, str] = {}
        try:
            visible = strip_comments(raw, body_start, Path(images.issue_path or ""))[0]
            self.shown = {n: "" for n in range(body_start + 1, len(raw) + 1)} | dict(visible)
        except InputError:
            pass
        self.cursor: dict[tuple[int, str], tuple[int, int]] = {}
        self.unhosted: set[str] = set()

    def masked(self) -> list[str]:
        """The file's lines with HTML comments blanked out, for other line lookups."""
        return [self.shown.get(n, text) for n, text in enumerate(self.raw, 1)]

    def line(self, url: str, start: int, end: int, home: int) -> int:
        """The line in [start, end) of the next use of ``url`` in the text starting at ``start``; else ``home``."""
        needles = {url, unquote(url)}
        n, col = self.cursor.get((start, url), (max(start, 1), 0))
        for n in range(n, min(end, len(self.raw) + 1)):
            text = self.shown.get(n, self.raw[n - 1])
            found = [(i, len(x)) for x in needles if (i := text.find(x, col)) >= 0]
            if found:
                i, size = min(found)
                self.cursor[(start, url)] = (n, i + size)
                return n
            col = 0
        return max(home, 1)

    def findings(self, markdown: str | None, start: int, end: int, home: int = 0) -> list[Finding]:
        """What the Markdown text written from line ``start`` (up to ``end``) holds; a finding
        whose address is not found there is put at ``home`` (its section's heading), else ``start``."""
        out: list[Finding] = []
        if not markdown or not markdown.strip():
            return out
        for node in _walk(tokens(markdown)):
            if node["type"] not in ("link", "image"):
                continue
            url = node["attrs"]["url"].strip()
            line = self.line(url, start, end, home or start)
            if node["type"] == "image":
                out += self._image(node, url, line)
            elif urlsplit(url).scheme.lower() not in ("http", "https", "mailto"):
                out.append(Finding(line, "link", f"link {url} is not http(s) or mailto; readers' mail clients cannot follow it"))
        return out

    def _image(self, node: dict[str, Any], url: str, line: int) -> list[Finding]:
        out = []
        alt = "".join(c.get("raw", "") for c in _walk(node.get("children") or [])).strip()
        if not alt:
            out.append(Finding(line, "image-alt", f"image {url} has no alt text: write it inside ![...]"))
        try:
            parts = urlsplit(unquote(url))  # mistune percent-encodes: http://%5B::1%5D/ is [::1]
            host = parts.hostname or ""
        except ValueError:
            parts, host = urlsplit(url), ""
        asset = self.images.asset(url)
        if asset is not None:  # a file beside the issue: copied to build/<stem>/, attached to the email or linked through url
            if not self.images.url.strip() and asset.name not in self.unhosted:
                self.unhosted.add(asset.name)
                out.append(Finding(line, "image-unhosted", (
                    f"image {url} reaches only the page and the email: with url unset, the Substack HTML, Markdown, "
                    f"text, feed and `digest publish` address it as {asset.href}, relative to build/, which breaks "
                    "once pasted or published; set url in digest.toml to where build/ is served, or use an https:// "
                    "image address")))  # fmt: skip
        elif url in self.images.missing:
            out.append(Finding(line, "image-url", f"image {url} not found (no file {self.images.missing[url]}); put the image there or fix the path"))
        elif parts.scheme.lower() not in ("http", "https"):
            out.append(Finding(line, "image-url", f"image {url} is not an absolute https:// address; mail clients cannot load it"))
        elif _loopback(host):
            out.append(Finding(line, "image-url", f"image {url} is on {host}: only this machine can load it; host it where readers can"))
        if is_svg(url):
            out.append(Finding(line, "image-svg", f"image {url} is an SVG, which Gmail and Outlook do not show in an "
                               "email; use a PNG or JPEG of it (a screenshot will do)"))  # fmt: skip
        return out


def _known_ids(issue: Issue, sources: PaperSources) -> set[str]:
    """Ids some source knows: a digest:paper comment, the store or seeds/."""
    return {s.paper_id.base for s in issue.papers if s.paper_id and (s.meta or sources.knows(s.paper_id.base))}


def _earlier_coverage(issue: Issue, settings: Settings) -> dict[str, str]:
    """For each paper of the issue already covered in an earlier issue: where (``file:line``)."""

    ids = [s.paper_id.base for s in issue.papers if s.paper_id]
    earlier = coverage(load_issues(settings.path("issues"), before=issue.date, mentioning=ids), settings.unannotated)
    found: dict[str, str] = {}
    for section in issue.papers:
        assert section.paper_id is not None
        covered = [c for c in earlier.get(section.paper_id.base, []) if c.annotated]
        if covered:
            found[section.paper_id.base] = f"{covered[-1].issue_path.name}:{covered[-1].line}"
    return found


def check_issue(path: str | Path, settings: Settings) -> Report:
    """Every finding for the issue at ``path``, in line order."""

    path = Path(path)
    text = read_issue_text(path)
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    issue, findings = _parse(text, path)
    in_file = from_issue(issue)
    # Only papers the file does not describe fully are looked up (a large seed folder is slow to read).
    wanted = set(to_fill(in_file)) | {
        s.paper_id.base for s in issue.papers if s.paper_id and not s.meta
    }
    sources = PaperSources.load(settings.path("store"), settings.path("seeds"), wanted)
    papers = sources.complete(in_file)  # the store and seeds are read once for both uses
    mode = issue.unannotated or settings.unannotated
    images = Images(path, issue.stem, settings.url)  # local image files, as `digest render` finds them

    if not issue.headline and not issue.title:
        findings.append(Finding(line_of(raw, "headline:", 1) if any(x.startswith("headline:") for x in raw) else 1,
                                "headline", "the headline is empty: the subject line and the inbox preview need it"))
    body_start = next((n for n in range(2, len(raw) + 1) if raw[n - 1].strip() in ("---", "...")), 1)
    links = _Links(raw, body_start, images)
    ends = [s.line for s in issue.sections] + [len(raw) + 1]
    if issue.sponsor:
        sponsor_line = next((n for n, x in enumerate(raw[:body_start], 1) if x.startswith("sponsor:")), 1)
        findings += links.findings(issue.sponsor, sponsor_line, body_start)
    findings += links.findings(issue.intro, body_start, ends[0])
    masked = links.masked()
    if (fence := open_fence_line(masked[body_start:])) is not None:
        opener = raw[body_start + fence - 1].strip()
        mark = opener[: len(opener) - len(opener.lstrip(opener[0]))]  # ``` or ~~~~: the close needs as many
        findings.append(Finding(body_start + fence, "fence", (
            f"code fence {mark} is never closed: everything after it, paper headings too, shows as code; "
            f"add a {mark} line where the code ends")))  # fmt: skip
    known = _known_ids(issue, sources)
    earlier = _earlier_coverage(issue, settings)
    left: list[Finding] = []
    findings += _editor_findings(issue, raw, settings)
    with _quiet("digest.render"):  # its warnings about papers left out are findings here, with lines
        view = build_view(issue, settings, papers)
    left_out = set(view.skipped)  # the render's own decision, so check and render never disagree
    for s, end in zip(issue.sections, ends[1:]):
        findings += links.findings(s.notes, s.line + 1, end, s.line)
        if s.paper_id is None:
            continue
        pid = s.paper_id.base
        if pid in left_out:
            why = "it is left out of the issue" if mode != "abstract" else "no abstract is known to stand in"
            left.append(Finding(s.line, "no-notes", f"{pid} has no notes: {why}"))
        if pid not in known:
            findings.append(Finding(
                s.line, "unknown-id",
                f"{pid} is not in the store, seeds/ or a digest:paper comment: check the id (digest fetch may find it)",
            ))
        if pid in earlier:
            findings.append(Finding(s.line, "covered-before", f"{pid} was already covered in {earlier[pid]}"))
        findings += _meta_id(s, raw, end)

    sponsor = issue.sponsor if issue.sponsor is not None else settings.sponsor
    findings += [Finding(line, "licence", message) for line, message in licence_findings(
        issue, settings.path("store"), papers=papers, sponsor=sponsor, raw=masked, html_url=html_url(settings))]
    html_bytes = len(email_html(view, settings).encode("utf-8"))
    if html_bytes > CLIP_BUDGET:
        findings.append(Finding(
            1, "size",
            f"the HTML email part is {html_bytes / 1000:.1f} KB, over the {CLIP_BUDGET // 1000} KB budget "
            "(Gmail clips messages at about 102 KB): shorten notes or split the issue",
        ))
    if issue.papers and not any(s.notes for s in issue.papers):
        findings.append(Finding(1, "no-annotated", "no paper has notes yet: the issue would go out without papers"))
    findings.sort(key=lambda f: f.line)
    return Report(str(path), findings, html_bytes, left)


def _meta_id(section: Section, raw: list[str], end: int) -> list[Finding]:
    """A ``digest:paper`` comment about another paper than its heading's: the heading's id wins,
    but the comment's title, authors and abstract still show under it. At the comment's ``id:``."""
    written = section.meta.get("id")
    assert section.paper_id is not None
    pid = section.paper_id.base
    if written is None or written == "":
        return []
    if isinstance(written, float):  # `id: 2210.10100`, unquoted, is a number to YAML (2210.101)
        same = pid.replace(".", "", 1).isdigit() and float(pid) == written
        shown = pid if same else repr(written)
    else:
        ident = parse_id(str(written))
        same, shown = ident is not None and ident.base == pid, str(written)
    if same:
        return []
    mark = next((n for n in range(section.line + 1, end) if META_MARK in raw[n - 1]), section.line)
    line = next((n for n in range(mark, end) if re.match(r"\s*id\s*:", raw[n - 1].split(META_MARK)[-1])), mark)
    return [Finding(line, "meta-id", (
        f"the digest:paper comment is about {shown}, but its heading links {pid}: the comment's authors (and "
        f"abstract, title) show under {pid}; make the heading and the comment's id the same paper, or delete the "
        "comment to take the paper's data from the store"))]  # fmt: skip


def _editor_findings(issue: Issue, raw: list[str], settings: Settings) -> list[Finding]:
    """The headline `digest new` suggested, still as it was."""

    if not issue.headline:
        return []
    try:
        store = Store.open_existing(settings.path("store"))
    except StoreError:
        return []
    if store is None:
        return []
    with store:
        suggested = store.get_value(suggested_headline_key(issue.date.isoformat()))
    if suggested is None or suggested.strip() != issue.headline.strip():
        return []
    line = next((n for n, x in enumerate(raw, 1) if x.startswith("headline:")), 1)
    return [Finding(line, "suggested-headline",
                    "the headline is still the one `digest new` suggested from paper titles: write your own")]


