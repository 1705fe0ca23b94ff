"""arXiv identifiers: both styles, with or without a version.

New style: ``YYMM.NNNN`` (4 digits after the dot up to 1412) or ``YYMM.NNNNN``
(5 digits from 1501 on), e.g. ``2210.11399v2``. Old style: ``archive/YYMMNNN``
or ``archive.SC/YYMMNNN``, e.g. ``hep-th/9901001``, ``math.GT/0309136v1``.
Categories (`CATEGORY`): ``cs.LG``, ``stat.ML``, ``hep-th``, ``cond-mat.stat-mech``.

May import: nothing (the foundation every other part stands on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z\-]+)?$")
"""An arXiv category's name: an archive, then a dot and a subject class where it has them."""

NEW_STYLE = r"(?P<yymm>\d{4})\.(?P<num>\d{4,5})"
OLD_STYLE = r"(?P<archive>[a-z][a-z\-]*(?:\.[A-Z]{2})?)/(?P<oldnum>\d{7})"
VERSION = r"(?:v(?P<version>[1-9]\d{0,2}))?"
ID_PATTERN = rf"(?:{NEW_STYLE}|{OLD_STYLE}){VERSION}"

_FULL = re.compile(rf"^(?i:arxiv:)?{ID_PATTERN}$")
# An arXiv abstract, PDF or HTML address (only the page itself: a figure under
# /html/ID/ is no paper reference); the id part is checked by `parse_id`. Linear on text
# without line breaks (a URL has none): the lazy id is followed only by fixed-length
# tests, and the tail `.*` runs once, to the end.
ARXIV_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html(?=/[^/?#]+/?(?:[?#]|$)))/(?P<id>.+?)(?:\.pdf)?/?(?:[?#].*)?$", re.I
)
# Something an editor meant as an arXiv id, even when it is malformed.
LOOKS_LIKE_ID = re.compile(r"^(?:arxiv:\s*\S+|\d{4}\.\d+(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d+(?:v\d+)?)$", re.I)


@dataclass(frozen=True, order=True)
class ArxivId:
    """A parsed arXiv id: ``base`` never carries the version."""

    base: str
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.base}v{self.version}" if self.version else self.base

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self}"


def valid_new_style(yymm: str, num: str) -> bool:
    """``YYMM.NUM`` is a real new-style id: a real month from 0704 on, 4 digits up to 1412, 5 after."""
    year, month = int(yymm[:2]), int(yymm[2:])
    if not 1 <= month <= 12:
        return False
    if year < 7 or (year == 7 and month < 4):  # new-style ids began in April 2007
        return False
    return len(num) == (4 if int(yymm) <= 1412 else 5)


def parse_id(text: str) -> ArxivId | None:
    """Parse ``text`` as a whole arXiv id (``arXiv:`` prefix allowed), or None."""
    m = _FULL.match(text.strip())
    if not m:
        return None
    version = int(m["version"]) if m["version"] else None
    if m["yymm"]:
        if not valid_new_style(m["yymm"], m["num"]):
            return None
        return ArxivId(f"{m['yymm']}.{m['num']}", version)
    return ArxivId(f"{m['archive']}/{m['oldnum']}", version)


def parse_reference(text: str) -> ArxivId | None:
    """An arXiv id written any way an issue heading's link or bare id may write it:
    ``2210.11399``, ``arXiv:2210.11399v2``, ``hep-th/9901001``,
    ``https://arxiv.org/abs/2210.11399``, ``arxiv.org/pdf/2210.11399v2.pdf``,
    ``https://arxiv.org/html/2210.11399v2``; or None."""
    text = text.strip()
    if len(text.split(None, 1)) > 1:
        return None  # (also keeps ARXIV_URL linear: its `.*` never meets a line break)
    if m := ARXIV_URL.match(text):
        return parse_id(m["id"])
    return parse_id(text)
