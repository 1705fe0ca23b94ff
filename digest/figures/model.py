"""The records `digest figures` works with: a figure (or panel), a licence, a paper's figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One figure of arXiv's HTML rendering, or one panel of a figure (``2a``).

    ``caption`` is Unicode (TeX math converted by `digest.tex`), without the
    "Figure 2:" tag; ``images`` are absolute URLs in page order, empty when
    the figure is drawn in the page (inline SVG) or is a table.
    """

    label: str
    """How to name it: ``"2"``, ``"2a"``; ``"p4"`` (the 4th figure on the page) when the paper gives no number."""
    number: str | None
    """The paper's own number (``"2"``, ``"S1"``, ``"2.1"``), None for an unnumbered figure."""
    caption: str = ""
    images: tuple[str, ...] = ()
    anchor: str | None = None
    """The element id in the page (``S3.F2``): ``page#anchor`` links to the figure."""
    position: int = 0
    """1-based order of the (top-level) figure on the page."""
    panel: str | None = None
    """The panel letter (``"a"``) for a panel; None for a whole figure."""
    parent: str | None = None
    """The label of the figure a panel belongs to."""
    drawn: bool = False
    """Part of it is drawn in the page (inline SVG, e.g. TikZ) and has no image file."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "number": self.number,
            "panel": self.panel,
            "parent": self.parent,
            "caption": self.caption,
            "images": list(self.images),
            "anchor": self.anchor,
            "position": self.position,
            "drawn": self.drawn,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Figure:
        return cls(
            label=str(d["label"]),
            number=d.get("number"),
            caption=d.get("caption") or "",
            images=tuple(d.get("images") or ()),
            anchor=d.get("anchor"),
            position=int(d.get("position") or 0),
            panel=d.get("panel"),
            parent=d.get("parent"),
            drawn=bool(d.get("drawn")),
        )


REUSE_FREE = "free"
"""Public domain (CC0): no conditions."""
REUSE_CREDIT = "credit"
"""CC BY, CC BY-SA: reuse with credit (and the licence named)."""
REUSE_NONCOMMERCIAL = "non-commercial"
"""CC BY-NC-*: non-commercial reuse with credit."""
REUSE_ASK = "ask"
"""arXiv's non-exclusive distribution licence, or none stated: no reuse granted, ask the authors."""
REUSE_UNKNOWN = "unknown"
"""Not known (not looked up, or the lookup failed)."""


@dataclass(frozen=True)
class Licence:
    """A paper's licence as arXiv records it, and what it allows a newsletter."""

    url: str | None
    """As arXiv gives it (``http://creativecommons.org/licenses/by/4.0/``); None when none is stated or unknown."""
    name: str
    """``CC BY 4.0``, ``arXiv non-exclusive distribution licence 1.0``, ..."""
    reuse: str
    """One of ``free``, ``credit``, ``non-commercial``, ``ask``, ``unknown``."""
    advice: str
    """One sentence: what the editor may do."""
    source: str = ""
    """Where it was read: ``oai`` (arXiv's OAI-PMH record), ``rss`` (the feed's dc:rights), ``cache``, or ``""``."""
    no_derivatives: bool = False
    share_alike: bool = False

    @property
    def allows_reuse(self) -> bool:
        """Reuse without asking, for any newsletter (commercial or not)."""
        return self.reuse in (REUSE_FREE, REUSE_CREDIT)

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "name": self.name, "reuse": self.reuse, "advice": self.advice,
                "source": self.source, "no_derivatives": self.no_derivatives, "share_alike": self.share_alike}  # fmt: skip


@dataclass
class PaperFigures:
    """What `digest figures ID` found: the figures of one version of a paper, and its licence."""

    id: str
    """The base id (no version)."""
    version: int
    page: str
    """The HTML page the figures come from (after redirects)."""
    figures: list[Figure]
    licence: Licence
    credit: str = ""
    """Who to credit: ``Tay et al.``, ``Gardner and Plaster``; "" when the authors are unknown."""
    title: str = ""
    cached: bool = False
    """The figures came from the store's cache (no request for the page)."""
    requests: int = 0
    notes: list[str] = field(default_factory=list)
    """Things worth saying on stderr (a licence lookup that failed, ...)."""

    @property
    def versioned_id(self) -> str:
        return f"{self.id}v{self.version}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.versioned_id}"

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.versioned_id,
            "base_id": self.id,
            "version": self.version,
            "title": self.title,
            "credit": self.credit,
            "page": self.page,
            "pdf": self.pdf_url,
            "licence": self.licence.as_dict(),
            "figures": [f.as_dict() for f in self.figures],
            "cached": self.cached,
            "requests": self.requests,
        }
