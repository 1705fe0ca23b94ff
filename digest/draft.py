"""`digest new`: draft ``issues/D.md`` from the store, or extend it, never changing a byte written.

    report = run_new(settings, date(2022, 10, 23))
    report.added, report.replacements, report.lines()

A new issue gets front matter (date, a suggested headline, the sponsor), a
comment telling the editor what to do, and one canonical section per
candidate, best first: the linked heading and a ``<!-- digest:paper -->``
comment with the metadata (format: docs/issue-format.md). On an existing
issue the new candidates are appended after the last section; the old bytes
are a prefix of the new file, or the file is not written at all.

Ids proposed for an issue are remembered in the store (``proposed:D``), so a
section the editor deleted is not added back by the next run.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from digest.errors import ExitCode, InputError, UnavailableError

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.fetch import FetchReport
    from digest.history import Coverage
    from digest.paper import Paper
    from digest.ranking import Ranked
    from digest.selection import IssueWindow
    from digest.store import Store

log = logging.getLogger(__name__)

REPLACEMENTS_NOTE = "<!-- digest: new versions of papers covered in earlier issues; write notes to cover one again -->"
HEADLINE_PAPERS = 3


# -- text ------------------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks; lists and small mappings in flow style."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def _safe(value: Any) -> Any:
    """``value`` with every ``-->`` written as ``-- >`` so it cannot close the comment."""
    if isinstance(value, str):
        while "-->" in value:
            value = value.replace("-->", "-- >")
        return value
    if isinstance(value, list):
        return [_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _safe(v) for k, v in value.items()}
    return value


def _dump(data: dict[str, Any]) -> str:
    text = yaml.dump(_safe(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**9,
                     default_flow_style=None)  # fmt: skip
    return text.replace("-->", "-- >")  # belt and braces: nothing the dumper made may close the comment


def _day(value: datetime | None) -> date | None:
    return value.astimezone(timezone.utc).date() if value is not None else None


def metadata(paper: Paper, score: float | None, covered_in: date | None = None) -> dict[str, Any]:
    """The ``digest:paper`` mapping for ``paper``, keys in the documented order."""
    authors: list[Any] = [{"name": a.name, "affiliation": a.affiliation} if a.affiliation else a.name
                          for a in paper.authors]  # fmt: skip
    meta: dict[str, Any] = {"id": paper.versioned_id}
    if covered_in is not None:
        meta["covered_in"] = covered_in
    meta.update(
        title=paper.title, authors=authors, categories=list(paper.categories),
        primary_category=paper.primary_category, published=_day(paper.published),
    )  # fmt: skip
    if paper.updated is not None and _day(paper.updated) != _day(paper.published):
        meta["updated"] = _day(paper.updated)
    meta["comment"] = paper.comment
    for key in ("journal_ref", "doi"):
        if getattr(paper, key):
            meta[key] = getattr(paper, key)
    if score is not None:
        meta["score"] = score
    meta["abstract"] = paper.abstract
    return meta


def heading(paper: Paper) -> str:
    """``## [Title](https://arxiv.org/abs/ID)``; the id as link text when the title cannot be written plainly."""
    from digest.issue import _LINK

    title = " ".join(paper.title.split())
    line = f"## [{title}]({paper.abs_url})"
    m = _LINK.search(line)
    plain = bool(title) and "<!--" not in title and "-->" not in title
    if not (plain and m and m.start() == 3 and m.end() == len(line) and m["text"].strip() == title):
        line = f"## [arXiv:{paper.id}]({paper.abs_url})"
    return line


def paper_section(paper: Paper, score: float | None, covered_in: date | None = None) -> str:
    """A candidate's section: heading, metadata comment, and a blank line for the notes."""
    return f"{heading(paper)}\n<!-- digest:paper\n{_dump(metadata(paper, score, covered_in))}-->\n\n"


def short_name(title: str) -> str:
    """What a headline calls a paper: the part before a colon, an (ACRONYM), or the title."""
    title = " ".join(title.split())
    head, colon, _ = title.partition(":")
    if colon and 0 < len(head.split()) <= 6:
        return head.strip()
    if m := re.search(r"\(([A-Z][\w\-]{1,15})\)", title):
        return m[1]
    words = title.split()
    return title if len(words) <= 8 else " ".join(words[:6]) + "..."


def suggested_headline(papers: list[Paper]) -> str:
    names = [short_name(p.title) for p in papers[:HEADLINE_PAPERS] if p.title.strip()]
    return ", ".join(dict.fromkeys(n for n in names if n))


def front_matter(issue_date: date, headline: str, sponsor: str) -> str:
    data: dict[str, Any] = {"date": issue_date, "headline": headline}
    if sponsor:
        data["sponsor"] = sponsor
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**9) + "---\n"


def intro_comment(count: int, window: IssueWindow, ranked_by: str) -> str:
    return (
        f"<!-- digest new: {count} candidates for {window}, {ranked_by}.\n"
        "Write notes under the papers worth covering; a paper without notes is left out of the issue.\n"
        "Delete a section to drop it for good: re-running `digest new` only appends papers it has not proposed. -->\n\n"
    )


def sections_text(added: list[Ranked], replacements: list[tuple[Ranked, Coverage]]) -> str:
    text = "".join(paper_section(r.paper, r.score) for r in added)
    if replacements:
        text += REPLACEMENTS_NOTE + "\n\n"
        text += "".join(paper_section(r.paper, r.score, cov.issue_date) for r, cov in replacements)
    return text


def appended(existing: bytes, addition: str) -> bytes:
    """``existing`` + ``addition``, after a blank line, in the file's own line ends."""
    if not addition:
        return existing
    crlf = b"\r\n" in existing
    nl = b"\r\n" if crlf else b"\n"
    sep = b""
    if existing and not existing.endswith(b"\n"):
        sep += nl
    if existing and not (existing + sep).endswith(nl + nl):
        sep += nl
    body = addition.encode("utf-8")
    return existing + sep + (body.replace(b"\n", b"\r\n") if crlf else body)


PROBE = "## digest new: where candidates go"


def existing_papers(path: Path, existing: bytes) -> set[str]:
    """The base ids of the existing issue's paper sections, checking that appended sections would be read.

    The file is parsed once, with a probe heading appended exactly as
    candidates would be: a broken file raises `InputError` (line numbers are
    the file's own), and so does a file whose end swallows the probe (an open
    code block), since appended candidates would not be sections there.
    """
    from digest.issue import parse_issue

    data = appended(existing, PROBE + "\n")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, data[: exc.start].count(b"\n") + 1, "not UTF-8 text; save the file as UTF-8") from None
    issue = parse_issue(text, path)
    if not issue.sections or issue.sections[-1].heading != PROBE[3:]:
        raise InputError(path, None, "cannot append candidates: the file ends inside a code block,"
                         " so new sections would not be read; close it and run again")  # fmt: skip
    return {s.paper_id.base for s in issue.papers if s.paper_id is not None}


# -- the run -------------------------------------------------------------------------------------
@dataclass
class NewReport:
    """What `run_new` did; `lines` is the human report, `to_dict` the ``--json`` one."""

    path: Path
    date: date
    window: IssueWindow
    created: bool = False
    dry_run: bool = False
    offline: bool = False
    fetch: FetchReport | None = None
    fetch_error: str | None = None
    in_window: int = 0
    not_matching: int = 0
    covered: int = 0
    ranked_by: str = "newest first (no profile)"
    profile: dict[str, int] = field(default_factory=dict)
    candidates: int = 0
    left_out: int = 0
    lowest_kept: float | None = None
    already: int = 0
    skipped_deleted: int = 0
    added: list[Ranked] = field(default_factory=list)
    replacements: list[tuple[Ranked, Coverage]] = field(default_factory=list)
    text: str = ""
    """What was (or with --dry-run, would be) appended."""
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return int(ExitCode.UNAVAILABLE) if self.fetch_error else int(ExitCode.OK)

    def summary(self) -> str:
        verb = "would add" if self.dry_run else ("drafted" if self.created else "added")
        return f"{self.path.name}: {verb} {len(self.added)} candidates and {len(self.replacements)} new versions"

    def lines(self) -> list[str]:
        out = [f"{self.summary()} (window {self.window}, {self.window.reason})"]
        if self.fetch is not None:
            f = self.fetch
            for w in f.windows:
                out.append(f"network: {w.via} {w.since}..{w.until}: {w.status}, {w.fetched} entries"
                           f" ({f.new} new, {f.updated} updated, {f.requests} requests)")  # fmt: skip
        if self.fetch_error:
            out.append(f"network: {self.fetch_error}")
        elif self.offline:
            out.append("network: not asked (--offline or --dry-run); drafting from the store only")
        out.append(f"store: {self.in_window} papers first published in the window; {self.covered} covered before,"
                   f" {self.not_matching} outside arxiv.query, {len(self.replacements)} new versions of covered papers")  # fmt: skip
        prof = ", ".join(f"{n} {k}" for k, n in self.profile.items())
        out.append(f"ranking: {self.ranked_by}" + (f" (profile: {prof})" if prof else ""))
        low = "" if self.lowest_kept is None else f", lowest score kept {self.lowest_kept:.4f}"
        out.append(f"kept {self.candidates - self.left_out} of {self.candidates} candidates, left out {self.left_out}{low}")
        if self.already or self.skipped_deleted:
            out.append(f"already in the file: {self.already}; deleted by the editor, not added again: {self.skipped_deleted}")
        for r in self.added:
            score = "  -    " if r.score is None else f"{r.score:.4f}"
            out.append(f"  + {score}  {r.paper.versioned_id:<18} {r.paper.title}")
        for r, cov in self.replacements:
            out.append(f"  ~ v{r.paper.version}     {r.paper.id:<18} {r.paper.title} (covered {cov.issue_date})")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path), "date": self.date.isoformat(), "created": self.created, "dry_run": self.dry_run,
            "window": {"since": self.window.since.isoformat(), "until": self.window.until.isoformat(),
                       "reason": self.window.reason},
            "fetch": self.fetch.to_dict() if self.fetch else None, "fetch_error": self.fetch_error,
            "in_window": self.in_window, "covered": self.covered, "not_matching": self.not_matching,
            "ranked_by": self.ranked_by, "profile": self.profile, "candidates": self.candidates,
            "left_out": self.left_out, "lowest_kept": self.lowest_kept, "already": self.already,
            "skipped_deleted": self.skipped_deleted,
            "added": [{"id": r.paper.versioned_id, "title": r.paper.title, "score": r.score} for r in self.added],
            "replacements": [{"id": r.paper.versioned_id, "title": r.paper.title, "covered_in": c.issue_date.isoformat()}
                             for r, c in self.replacements],
            "exit_code": self.exit_code,
        }  # fmt: skip


def proposed_key(issue_date: date) -> str:
    return f"proposed:{issue_date.isoformat()}"


def run_new(
    settings: Settings,
    issue_date: date,
    *,
    window_days: int | None = None,
    limit: int | None = None,
    offline: bool = False,
    dry_run: bool = False,
    client: Any = None,
    today: date | None = None,
    lock_wait: float | None = None,
) -> NewReport:
    """What `digest new` does; raises `InputError` (file untouched) when the issue does not parse."""
    from contextlib import nullcontext

    from digest.lock import newsletter_lock

    guard = nullcontext() if dry_run else newsletter_lock(settings.root, lock_wait)
    with guard:
        return _run(settings, issue_date, window_days, limit, offline or dry_run, dry_run, client, today)


def _run(settings: Settings, issue_date: date, window_days: int | None, limit: int | None, offline: bool,
         dry_run: bool, client: Any, today: date | None) -> NewReport:  # fmt: skip
    from digest.files import write_atomic
    from digest.history import coverage, issue_files, load_issues
    from digest.ranking import profile_texts, rank
    from digest.selection import compile_query, issue_window, select
    from digest.store import Store

    compile_query(settings.arxiv.query)  # a bad arxiv.query fails here, before any fetch
    issues_dir = settings.path("issues")
    files = issue_files(issues_dir)  # listed once: its warnings print once
    path = issues_dir / f"{issue_date.isoformat()}.md"
    existing: bytes | None = path.read_bytes() if path.is_file() else None
    in_file: set[str] = set()
    if existing is not None:
        in_file = existing_papers(path, existing)
    window = issue_window(issues_dir, issue_date, settings.window_days, window_days, files)
    report = NewReport(path=path, date=issue_date, window=window, created=existing is None, dry_run=dry_run,
                       offline=offline)  # fmt: skip
    store = Store.open_existing(settings.path("store")) if dry_run else Store.open(settings.path("store"))
    try:
        if not offline and store is not None:
            _fetch(settings, store, window, report, client, today)
        errors: list[InputError] = []
        earlier = load_issues(issues_dir, before=issue_date, errors=errors, files=files)
        report.warnings += [str(e) for e in errors]
        covered = coverage(earlier, settings.unannotated)
        if store is None:
            from digest.selection import Selection

            chosen = Selection(window)
            _warn(report, f"{settings.path('store')}: no store yet; run `digest fetch` first")
        else:
            chosen = select(store, window, list(settings.arxiv.categories), settings.arxiv.query, covered)
        report.in_window, report.not_matching, report.covered = chosen.in_window, chosen.not_matching, len(chosen.covered)
        if store is not None and not chosen.in_window:
            _warn(report, f"the store has no papers first published in {window}; run `digest fetch --since {window.since}`")
        profile, report.profile = profile_texts(settings, earlier, store)
        ranked = rank(chosen.candidates, profile)
        if ranked and ranked[0].score is not None:
            report.ranked_by = "best first by TF-IDF similarity to your seeds and earlier issues"
        cap = settings.max_candidates if limit is None else limit
        kept = ranked[:cap] if cap else ranked
        report.candidates, report.left_out = len(ranked), len(ranked) - len(kept)
        report.lowest_kept = kept[-1].score if kept else None
        proposed = set(json.loads(store.get_value(proposed_key(issue_date)) or "[]")) if store else set()
        report.already = sum(r.paper.id in in_file for r in kept)
        report.skipped_deleted = sum(r.paper.id in proposed and r.paper.id not in in_file for r in kept)
        report.added = [r for r in kept if r.paper.id not in in_file and r.paper.id not in proposed]
        from digest.ranking import Ranked

        scores = {r.paper.id: r.score for r in rank([p for p, _ in chosen.replacements], profile)}
        report.replacements = [(Ranked(p, scores.get(p.id)), c) for p, c in chosen.replacements
                               if p.id not in in_file and p.id not in proposed]  # fmt: skip
        report.text = sections_text(report.added, report.replacements)
        new_ids = [r.paper.id for r in report.added] + [r.paper.id for r, _ in report.replacements]
        if existing is None:
            data = (front_matter(issue_date, suggested_headline([r.paper for r in report.added]), settings.sponsor)
                    + "\n" + intro_comment(len(report.added), window, report.ranked_by) + report.text).encode()  # fmt: skip
            report.text = data.decode()
        else:
            data = appended(existing, report.text)
        if dry_run or (existing is not None and not new_ids):
            return report
        write_atomic(path, data)
        if store is not None and new_ids:
            store.set_value(proposed_key(issue_date), json.dumps(sorted(proposed | set(new_ids))))
        return report
    finally:
        if store is not None:
            store.close()


def _fetch(settings: Settings, store: Store, window: IssueWindow, report: NewReport, client: Any,
           today: date | None) -> None:  # fmt: skip
    from digest.arxiv_client import ArxivClient
    from digest.fetch import FetchReport, fetch_api_window

    today = today or datetime.now(timezone.utc).date()
    until = min(window.until, today)
    if window.since > until:
        _warn(report, f"the window {window} has not started yet; nothing to fetch")
        return
    own = client is None
    client = client or ArxivClient.from_settings(settings)
    report.fetch = FetchReport(via="api", store=str(store.path))
    try:
        fetch_api_window(store, client, window.since, until, categories=list(settings.arxiv.categories),
                         query=settings.arxiv.query, report=report.fetch)  # fmt: skip
    except UnavailableError as exc:
        report.fetch_error = f"could not fetch {window.since}..{until}: {exc}"
    finally:
        if own:
            client.close()


def _warn(report: NewReport, message: str) -> None:
    report.warnings.append(message)
    log.warning("%s", message)
