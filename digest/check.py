"""`digest check`: what an editor wants to know before sending an issue, each with its line.

Papers without notes, ids that no source knows, papers covered twice (in this
issue or an earlier one), an empty headline, images without alt text or with
relative addresses, links that are not http(s) or mailto, and an HTML email
part over the 90 KB budget (Gmail clips messages at about 102 KB).
Nothing here touches the network.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import urlsplit


if TYPE_CHECKING:
    from digest.metadata import PaperSources
    from digest.config import Settings
    from digest.issue import Issue


@dataclass(frozen=True)
class Finding:
    line: int
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    path: str
    findings: list[Finding]
    html_bytes: int = 0

    def lines(self) -> list[str]:
        return [f"{self.path}:{f.line}: {f.message}" for f in self.findings]


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
    from digest.issue import parse_issue

    duplicates: list[tuple[int, str, int]] = []
    issue = parse_issue(text, path, duplicates)
    findings = [
        Finding(line, "duplicate", f"{pid} is covered twice (first at line {first}); merge the two sections")
        for line, pid, first in duplicates
    ]
    return issue, findings


def _line_of(raw: list[str], needle: str, start: int) -> int:
    for n in range(max(start, 1), len(raw) + 1):
        if needle in raw[n - 1]:
            return n
    return max(start, 1)


def _walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from _walk(node.get("children") or [])


def _link_findings(markdown: str, raw: list[str], start: int) -> list[Finding]:
    from digest.notes import tokens

    out = []
    if not markdown or not markdown.strip():
        return out
    for node in _walk(tokens(markdown)):
        if node["type"] not in ("link", "image"):
            continue
        url = node["attrs"]["url"].strip()
        line = _line_of(raw, url, start)
        scheme = urlsplit(url).scheme.lower()
        if node["type"] == "image":
            alt = "".join(c.get("raw", "") for c in _walk(node.get("children") or [])).strip()
            if not alt:
                out.append(Finding(line, "image-alt", f"image {url} has no alt text: write it inside ![...]"))
            if scheme not in ("http", "https"):
                out.append(Finding(line, "image-url", f"image {url} is not an absolute https:// address; mail clients cannot load it"))
        elif scheme not in ("http", "https", "mailto"):
            out.append(Finding(line, "link", f"link {url} is not http(s) or mailto; readers' mail clients cannot follow it"))
    return out


def _known_ids(issue: Issue, sources: PaperSources) -> set[str]:
    """Ids some source knows: a digest:paper comment, the store or seeds/."""
    return {s.paper_id.base for s in issue.papers if s.paper_id and (s.meta or sources.knows(s.paper_id.base))}


def _earlier_coverage(issue: Issue, settings: Settings) -> dict[str, str]:
    """For each paper of the issue already covered in an earlier issue: where (``file:line``)."""
    from digest.history import coverage, load_issues

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
    from digest.email_message import CLIP_BUDGET, email_html
    from digest.issue import read_issue_text
    from digest.metadata import PaperSources, from_issue, to_fill
    from digest.render import build_view

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

    if not issue.headline and not issue.title:
        findings.append(Finding(_line_of(raw, "headline:", 1) if any(x.startswith("headline:") for x in raw) else 1,
                                "headline", "the headline is empty: the subject line and the inbox preview need it"))
    body_start = next((n for n in range(2, len(raw) + 1) if raw[n - 1].strip() in ("---", "...")), 1)
    findings += _link_findings(issue.intro, raw, body_start)
    if issue.sponsor:
        findings += _link_findings(issue.sponsor, raw, 1)
    known = _known_ids(issue, sources)
    earlier = _earlier_coverage(issue, settings)
    with _quiet("digest.render"):  # its warnings about papers left out are findings here, with lines
        view = build_view(issue, settings, papers)
    left_out = set(view.skipped)  # the render's own decision, so check and render never disagree
    for s in issue.sections:
        findings += _link_findings(s.notes, raw, s.line + 1)
        if s.paper_id is None:
            continue
        pid = s.paper_id.base
        if pid in left_out:
            why = "it is left out of the issue" if mode != "abstract" else "no abstract is known to stand in"
            findings.append(Finding(s.line, "no-notes", f"{pid} has no notes: {why}"))
        if pid not in known:
            findings.append(Finding(
                s.line, "unknown-id",
                f"{pid} is not in the store, seeds/ or a digest:paper comment: check the id (digest fetch may find it)",
            ))
        if pid in earlier:
            findings.append(Finding(s.line, "covered-before", f"{pid} was already covered in {earlier[pid]}"))

    html_bytes = len(email_html(view, settings).encode("utf-8"))
    if html_bytes > CLIP_BUDGET:
        findings.append(Finding(
            1, "size",
            f"the HTML email part is {html_bytes / 1000:.1f} KB, over the {CLIP_BUDGET // 1000} KB budget "
            "(Gmail clips messages at about 102 KB): shorten notes or split the issue",
        ))
    findings.sort(key=lambda f: f.line)
    return Report(str(path), findings, html_bytes)
