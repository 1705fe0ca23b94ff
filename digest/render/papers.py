"""Paper metadata for an issue: from the issue file, then the store, then the seeds.

Missing metadata never stops a render: a paper heading's title and link
suffice. Each source fills only the fields the earlier ones left empty.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from digest.errors import DigestError
from digest.ids import parse_id
from digest.issue import Issue, Section
from digest.paper import Author, Paper, fill
from digest.seeds import by_id, read_seed_folder
from digest.store import Store

log = logging.getLogger(__name__)


def _listed(value: Any) -> Any:
    """A comment's list field as written: a lone number or true (``authors: 5``) as one item."""
    return value if value is None or isinstance(value, (str, list, tuple)) else [str(value)]


def _authors(value: Any) -> tuple[Author, ...]:
    value = _listed(value)
    if isinstance(value, str):
        value = [a.strip() for a in value.split(",")]
    out = []
    for item in value or []:
        if isinstance(item, dict) and item.get("name"):
            out.append(Author(str(item["name"]), item.get("affiliation")))
        elif isinstance(item, str) and item.strip():
            out.append(Author(item.strip()))
    return tuple(out)


def _categories(value: Any) -> tuple[str, ...]:
    value = _listed(value)
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return tuple(str(c) for c in value or ())


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def from_section(section: Section) -> Paper:
    """What the issue file itself says about a paper section's paper."""
    assert section.paper_id is not None
    meta = section.meta

    ident = parse_id(str(meta.get("id", ""))) if meta.get("id") else None
    if ident is None or ident.base != section.paper_id.base:
        ident = section.paper_id
    text = {k: (str(meta[k]) if meta.get(k) is not None else None) for k in ("comment", "journal_ref", "doi")}
    return Paper(
        id=ident.base,
        version=ident.version or section.paper_id.version,
        title=section.title or str(meta.get("title") or ""),
        authors=_authors(meta.get("authors")),
        abstract=str(meta.get("abstract") or ""),
        comment=text["comment"],
        journal_ref=text["journal_ref"],
        doi=text["doi"],
        primary_category=str(meta["primary_category"]) if meta.get("primary_category") else None,
        categories=_categories(meta.get("categories")),
        published=_when(meta.get("published")),
        updated=_when(meta.get("updated")),
        source="issue",
    )


class PaperSources:
    """What the store and the seed files know about a set of papers, read once.

    `digest render` builds one per issue; `digest build` one per archive, so
    the store and the seeds are read once however many issues there are.
    """

    def __init__(self, store: dict[str, Paper], seeds: dict[str, Paper]) -> None:
        self.store = store
        self.seeds = seeds

    @classmethod
    def load(cls, store_path: Path | None, seeds_dir: Path | None, ids: set[str]) -> PaperSources:
        return cls(_store_papers(store_path, ids), _seed_papers(seeds_dir, ids))

    def knows(self, paper_id: str) -> bool:
        return paper_id in self.store or paper_id in self.seeds

    def papers(self, issue: Issue) -> dict[str, Paper]:
        """Every paper of ``issue`` keyed by base id, as complete as the sources allow:
        the issue file first, then the store, then the seeds (abstracts)."""
        return self.complete(from_issue(issue))

    def complete(self, papers: dict[str, Paper]) -> dict[str, Paper]:
        """``papers`` (from an issue file) with their empty fields filled from the store, then the seeds."""
        out = {}
        for pid, paper in papers.items():
            if not is_complete(paper):
                paper = fill(paper, self.store.get(pid))
                if not paper.abstract:
                    paper = fill(paper, self.seeds.get(pid))
            out[pid] = paper
        return out


def from_issue(issue: Issue) -> dict[str, Paper]:
    """What the issue file itself says about each of its papers, keyed by base id."""
    return {s.paper_id.base: from_section(s) for s in issue.papers if s.paper_id}


def is_complete(p: Paper) -> bool:
    """Whether the issue file says all a render needs (the store and seeds are then not asked)."""
    return bool(p.title and p.authors and p.abstract and p.categories)


def to_fill(in_file: dict[str, Paper]) -> list[str]:
    """Base ids of the papers (from `from_issue`) whose metadata the store and seeds must complete."""
    return [pid for pid, paper in in_file.items() if not is_complete(paper)]


def _seed_papers(folder: Path | None, wanted: set[str]) -> dict[str, Paper]:
    if folder is None or not folder.is_dir() or not wanted:
        return {}

    try:
        records = by_id(read_seed_folder(folder, strict=False))
    except DigestError as exc:  # a broken seed file must not stop a render; `digest seeds` reports it
        log.warning("%s", exc)
        return {}
    return {pid: records[pid].to_paper() for pid in wanted & records.keys()}


def _store_papers(path: Path | None, wanted: set[str]) -> dict[str, Paper]:
    if path is None or not wanted or not path.is_file():
        return {}

    store = Store.open_existing(path)
    if store is None:
        return {}
    with store:
        return store.get_many(sorted(wanted))


def issue_papers(issue: Issue, store_path: Path | None, seeds_dir: Path | None) -> dict[str, Paper]:
    """Every paper of ``issue`` keyed by base id, as complete as the sources allow."""
    in_file = from_issue(issue)
    need = set(to_fill(in_file))
    return PaperSources.load(store_path, seeds_dir, need).complete(in_file)
