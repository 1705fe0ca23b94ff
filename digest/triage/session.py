"""One issue's triage: its whole pool ranked, the editor's decisions, and what each does to the file.

`Triage.open` reads the issue's pool (`Store.pool`: every candidate `digest
new` ranked for it, drafted into the file or not), ranks it the way `digest
new` does (`digest.draft.ranking.rank` over `profile_texts`), and prepares what the
page shows: titles and abstracts as Unicode (`digest.tex`), authors,
categories, score and, when the ranking gives one, why each paper ranks where
it does (``Ranked.why``).

`Triage.decide` is the one write. Under the newsletter lock (the one `digest
new` takes) it changes the issue file first, then records the decision in the
store, with the rule `digest new` follows to never lose a save: read the file,
compose over exactly those bytes, write only if the file still holds them
(`write_if_unchanged`), else start over over the editor's save.

* ``kept``: the paper's canonical section (`digest.draft.text.paper_section`, as
  `digest new` writes it) is appended to the issue, after whatever is there,
  unless the file already has a section for the paper. When the store has the
  paper's figures cached (`digest figures`, `digest new --figures`), the section
  carries their figure comment after its ``digest:paper`` comment; a keypress
  never waits for arXiv, so figures not cached are left to `digest new --figures`.
  The bytes appended are
  remembered in the store (key ``triage:DATE:ID``), so the keep can be taken
  back later, after a restart too.
* ``dismissed`` or None (undecided: what undo sets): only the decision changes,
  unless the paper was kept: then the section triage appended is taken out
  again if it is still exactly as appended and nothing of the editor's is under
  it (it is last in the file, or the next line is another section's heading).
  A section with notes, or one `digest new` drafted, always stays.

An issue file that is a symlink is written through (the file it names changes, the link stays).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest import clock
from digest.draft import negative_texts, ranking
from digest.draft.text import appended, cached_figure_comment, existing_papers, paper_section
from digest.errors import ConfigError, DigestError, InputError
from digest.files import write_if_unchanged
from digest.ids import parse_id
from digest.issue import decode_issue, parse_issue
from digest.issue.history import coverage, issue_files, load_issues
from digest.lock import newsletter_lock
from digest.store import Store
from digest.tex import paragraphs, tex_to_text

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.draft.ranking import Ranked

log = logging.getLogger(__name__)

DECISIONS = ("kept", "dismissed", None)
SAVE_RETRIES = 5
"""How often a write starts over when the editor saves the issue at the same moment."""
KEY = "triage:{date}:{id}"
"""The store's key/value entry holding the bytes a keep appended (to take the keep back exactly)."""


class TriageError(DigestError):
    """A decision could not be carried out; nothing was changed."""


@dataclass(frozen=True)
class Outcome:
    """What one decision did."""

    paper_id: str
    decision: str | None
    before: str | None
    file: str
    """``appended``, ``already`` (the file had the section), ``removed`` (a keep taken back),
    ``stays`` (a section that stays in the file) or ``untouched``."""
    in_file: bool | None
    """None: not known, the issue file does not parse."""
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.paper_id, "decision": self.decision, "before": self.before, "file": self.file,
                "in_file": self.in_file, "message": self.message}  # fmt: skip


def default_date(settings: Settings, store: Store | None) -> date:
    """The newest issue in issues/ whose draft the store recorded, else today in `timezone`."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


    if store is not None:
        for day, _ in reversed(issue_files(settings.path("issues"))):
            if store.draft(day) is not None:
                return day
    try:
        return clock.now().astimezone(ZoneInfo(settings.timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError([f"timezone: {settings.timezone!r} is not a time zone; use e.g. UTC or Europe/Berlin"]) from None


@dataclass
class Triage:
    """The pool of the issue dated ``issue_date``, ranked, and the file it writes to."""

    settings: Settings
    issue_date: date
    store: Store
    ranked: list[Ranked]
    path: Path
    profile: dict[str, int] = field(default_factory=dict)
    missing: int = 0
    """Candidates of the pool the store no longer holds (not shown)."""
    lock_wait: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _papers_json: str | None = field(default=None, repr=False)
    _abstracts_json: str | None = field(default=None, repr=False)
    _index: dict[str, Ranked] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: Settings, issue_date: date | None = None, *, lock_wait: float | None = None) -> Triage:
        """Read the pool of the issue (default: `default_date`) and rank it; raises `DigestError`
        (one line saying what to run) when there is no store or no pool."""

        store_path = settings.path("store")
        store = Store.open_existing(store_path)
        if store is None:
            raise DigestError(f"{store_path}: no store yet; run `digest fetch`, then `digest new`, then `digest triage`")
        try:
            day = issue_date or default_date(settings, store)
            path = settings.path("issues") / f"{day.isoformat()}.md"
            pool = store.pool(day)
            if not pool:
                if store.draft(day) is not None:  # `new` ran and proposed nothing: "run new first" would mislead
                    raise DigestError(f"{_shown(path, settings)}: `digest new` proposed no candidates for {day}; run"
                                      f" `digest new --date {day}` again once arXiv has announced more, or with"
                                      " --window N for more days")  # fmt: skip
                raise DigestError(f"{_shown(path, settings)}: no candidates recorded for {day};"
                                  f" run `digest new --date {day}` first")  # fmt: skip
            papers = store.get_many(pool)
            errors: list[InputError] = []
            earlier = load_issues(settings.path("issues"), before=day, errors=errors)
            profile, counts = ranking.profile_texts(settings, earlier, store)
            ranked = ranking.rank(list(papers.values()), profile,
                          negative_texts(store, day, coverage(earlier, settings.unannotated)))  # fmt: skip
        except BaseException:
            store.close()
            raise
        missing = len(pool) - len(papers)
        if missing:
            log.warning("%d candidates of %s are no longer in the store %s; they are not shown", missing, day, store_path)
        triage = cls(settings, day, store, ranked, path, counts, missing, lock_wait)
        problem = triage._file()[1]
        if problem:
            log.warning("%s", problem)
        return triage

    def close(self) -> None:
        self.store.close()

    @property
    def shown_path(self) -> str:
        return _shown(self.path, self.settings)

    # -- what the page shows -------------------------------------------------------
    def papers_json(self) -> str:
        """Every candidate, best first, as the page's JSON list (made once: it does not change).
        Abstracts are apart (`abstracts_json`): they are four fifths of the bytes, and the list
        shows without them."""
        if self._papers_json is None:
            self._papers_json = json.dumps([_record(i, r) for i, r in enumerate(self.ranked)], ensure_ascii=False,
                                           separators=(",", ":"))  # fmt: skip
        return self._papers_json

    def abstracts_json(self) -> str:
        """Each candidate's abstract as Unicode paragraphs, in the order of `papers_json` (made once)."""

        if self._abstracts_json is None:
            self._abstracts_json = json.dumps([paragraphs(r.paper.abstract) for r in self.ranked], ensure_ascii=False,
                                              separators=(",", ":"))  # fmt: skip
        return self._abstracts_json

    def state(self) -> dict[str, Any]:
        """What changes: the decisions, which papers the file has (in file order), a problem with the file."""
        with self._lock:
            decisions = self.store.decisions(self.issue_date)
        order, problem = self._file()
        ids = {r.paper.id for r in self.ranked}
        prof = ", ".join(f"{n} {k}" for k, n in self.profile.items())
        scored = bool(self.ranked) and self.ranked[0].score is not None
        return {
            "issue": self.issue_date.isoformat(),
            "file": self.shown_path,
            "total": len(self.ranked),
            "missing": self.missing,
            "ranked_by": ("best first by score" + (f" (profile: {prof})" if prof else "")) if scored
                         else "newest first (no profile: add seeds/ or earlier issues to rank by interest)",
            "decisions": {k: v for k, v in decisions.items() if k in ids},
            "in_file": None if order is None else [i for i in order if i in ids],
            "problem": problem,
        }  # fmt: skip

    def _file(self) -> tuple[list[str] | None, str | None]:
        """The paper ids of the issue's sections in file order ([] when there is no file, None when it
        does not parse) and, when keeping is refused, why: one line naming the file as the rest of
        digest does (relative to the newsletter folder)."""
        shown = Path(self.shown_path)
        raw = _read(self.path)
        if raw is None:
            return [], (f"{shown}: the issue file is gone; keeping is refused until `digest new --date"
                        f" {self.issue_date}` drafts it again (dismissing still works)")  # fmt: skip
        refused = "; keeping is refused until it is fixed (dismissing still works)"
        try:
            issue = parse_issue(decode_issue(shown, raw), shown)
        except InputError as exc:
            return None, f"{exc}{refused}"
        order = list(dict.fromkeys(s.paper_id.base for s in issue.papers if s.paper_id is not None))
        try:
            existing_papers(shown, raw)  # its end must let a section be appended (no open code block)
        except InputError as exc:
            return order, f"{exc}{refused}"
        return order, None

    # -- the one write -------------------------------------------------------------
    def decide(self, paper_id: str, decision: str | None) -> Outcome:
        """Record ``decision`` (``kept``, ``dismissed`` or None) for a candidate and change the file as the
        module docstring says. Raises `TriageError` / `InputError` / `LockedError` with nothing changed."""

        if decision not in DECISIONS:
            raise TriageError(f"unknown decision {decision!r}; use kept, dismissed or null")
        parsed = parse_id(str(paper_id))
        entry = self._by_id().get(parsed.base if parsed else str(paper_id))
        if entry is None:
            raise TriageError(f"{paper_id}: not a candidate of the issue of {self.issue_date}")
        pid = entry.paper.id
        with self._lock, newsletter_lock(self.settings.root, self.lock_wait):
            before = self.store.decisions(self.issue_date).get(pid)
            key = KEY.format(date=self.issue_date.isoformat(), id=pid)
            record: str | None = self.store.get_value(key)
            if decision == "kept":
                how, added = self._append(entry)
                if how == "appended":
                    record = added
            elif before == "kept" and record is not None:
                how = self._take_back(record.encode("utf-8"), pid)
                if how in ("removed", "gone", "absent"):
                    record = None
            else:
                how = "untouched"
            with self.store.transaction():
                self.store.set_value(key, record)
                self.store.decide(self.issue_date, pid, decision)
            in_file = self._has_section(pid) if how == "untouched" else how in ("appended", "already", "stays")
        if how == "gone":
            how = "untouched"
        return Outcome(pid, decision, before, how, in_file, self._message(decision, how, in_file))

    def _by_id(self) -> dict[str, Ranked]:
        if self._index is None:
            self._index = {r.paper.id: r for r in self.ranked}
        return self._index

    def _has_section(self, pid: str) -> bool | None:
        """Does the file have the paper's section (None: not known, the file does not parse)?"""
        order = self._file()[0]
        return None if order is None else pid in order

    def _section_deleted(self, existing: bytes, pid: str) -> bool:
        """Has the editor deleted the paper's section (False when the file does not parse: not known)?"""
        try:
            return pid not in existing_papers(Path(self.shown_path), existing)
        except InputError:
            return False

    def _append(self, entry: Ranked) -> tuple[str, str]:
        """Append the section unless the file has one: (``appended`` | ``already``, the bytes appended)."""
        figures = cached_figure_comment(self.store, entry.paper, sponsored=bool(self.settings.sponsor))
        section = paper_section(entry.paper, entry.score, why=entry.why, figures=figures)
        for _ in range(SAVE_RETRIES):
            existing = _read(self.path)
            if existing is None:
                raise TriageError(f"{self.shown_path}: the issue file is gone; run `digest new --date"
                                  f" {self.issue_date}` to draft it again, then keep the paper again")  # fmt: skip
            if entry.paper.id in existing_papers(Path(self.shown_path), existing):  # InputError: a broken file
                return "already", ""
            data = appended(existing, section)
            if write_if_unchanged(self.path, data, existing):
                return "appended", data[len(existing) :].decode("utf-8")
        raise TriageError(f"{self.shown_path}: the file kept changing while triage wrote it; nothing written."
                          " Keep the paper again")  # fmt: skip

    def _take_back(self, piece: bytes, pid: str) -> str:
        """Remove the bytes a keep appended if they are intact and nothing of the editor's follows them
        (``removed``), else leave the file alone (``stays``; ``gone`` when the file is gone, ``absent``
        when the editor has already deleted the paper's section)."""
        head = piece.find(b"## ")
        for _ in range(SAVE_RETRIES):
            existing = _read(self.path)
            if existing is None:
                return "gone"
            pos = existing.rfind(piece)
            if pos < 0 or head < 0:
                return "absent" if self._section_deleted(existing, pid) else "stays"
            rest = existing[pos + len(piece) :]
            if rest and not rest.startswith(b"## "):
                return "stays"  # notes (or anything else) under the section: it is the editor's now
            # Last in the file: the file as it was before the keep. Followed by another section: only the
            # section goes, its blank line stays, as if the paper had never been kept.
            data = existing[:pos] + rest if not rest else existing[: pos + head] + rest
            if write_if_unchanged(self.path, data, existing):
                return "removed"
        raise TriageError(f"{self.shown_path}: the file kept changing while triage wrote it; nothing changed."
                          " Try again")  # fmt: skip

    def _message(self, decision: str | None, how: str, in_file: bool | None) -> str:
        where = self.shown_path
        if decision == "kept":
            return f"kept: section appended to {where}" if how == "appended" else f"kept: already in {where}"
        verb = "dismissed" if decision == "dismissed" else "back to undecided"
        if how == "removed":
            return f"{verb}: its section is taken out of {where} again"
        if how == "absent":
            return f"{verb}: its section is no longer in {where} (deleted there)"
        if how == "stays":
            return (f"{verb}: its section stays in {where} (you wrote under it or changed it);"
                    " delete it by hand if it should go")  # fmt: skip
        if in_file:
            return f"{verb}: its section in {where} stays (without notes it is left out of the issue)"
        return verb


def _record(i: int, r: Ranked) -> dict[str, Any]:

    p = r.paper
    return {
        "id": p.id, "v": p.versioned_id, "rank": i + 1, "score": r.score,
        "title": tex_to_text(p.title) or p.id, "authors": p.author_names,
        "cats": list(p.categories), "primary": p.primary_category,
        "date": p.published.date().isoformat() if p.published else None,
        "why": _why(r),
    }  # fmt: skip


def _why(r: Ranked) -> list[str]:
    """``Ranked.why`` (when the ranking explains itself) as lines of text."""
    why = getattr(r, "why", ()) or ()
    if isinstance(why, str):
        return [why]
    out = []
    for item in why:
        if isinstance(item, (tuple, list)):
            out.append(" ".join(f"{x:.3g}" if isinstance(x, float) else str(x) for x in item))
        else:
            out.append(str(item))
    return out


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _shown(path: Path, settings: Settings) -> str:
    try:
        return str(path.relative_to(settings.root.resolve()))
    except ValueError:
        return str(path)
