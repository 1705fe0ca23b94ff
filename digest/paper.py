"""`Paper`: the one normalised record every source yields and everything downstream reads.

May import: nothing (the foundation every other part stands on).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime


@dataclass(frozen=True)
class Author:
    name: str
    affiliation: str | None = None


@dataclass(frozen=True)
class Paper:
    """One arXiv paper. Title and abstract keep arXiv's TeX exactly as written."""

    id: str
    """Base id, no version: ``2210.11399`` or ``hep-th/9901001``."""
    version: int | None = None
    title: str = ""
    authors: tuple[Author, ...] = ()
    abstract: str = ""
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    primary_category: str | None = None
    categories: tuple[str, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None
    source: str = ""
    """Where the record came from: ``api``, ``rss``, ``seed:<file>``, ``issue``."""
    extra: dict[str, str] = field(default_factory=dict, compare=False)
    """Source-specific facts, e.g. the RSS ``announce_type``."""
    announced: datetime | None = field(default=None, compare=False)
    """When arXiv announced it in the editor's categories: the RSS listing's announcement when
    a feed said so, else estimated from the v1 date by `digest.schedule` (the store decides)."""

    @property
    def versioned_id(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    @property
    def author_names(self) -> list[str]:
        return [a.name for a in self.authors]


def fill(paper: Paper, other: Paper | None) -> Paper:
    """``paper`` with its empty fields taken from ``other`` (``id``, ``source`` and ``extra`` stay)."""
    if other is None:
        return paper
    changes = {}
    for f in fields(Paper):
        if f.name in ("id", "source", "extra", "announced"):
            continue
        mine = getattr(paper, f.name)
        if mine in (None, "", ()) and getattr(other, f.name) not in (None, "", ()):
            changes[f.name] = getattr(other, f.name)
    return replace(paper, **changes) if changes else paper
