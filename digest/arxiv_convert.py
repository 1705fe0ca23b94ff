"""Pure conversions from what arXiv's parsers yield to `Paper` records.

`paper_from_result` takes an ``arxiv.Result`` (API); `papers_from_rss` takes
a ``feedparser`` result of either RSS format: the current one
(``Announce Type: new|cross|replace``, ``arxiv:announce_type``) and the
older RDF one (``(arXiv:ID [cat] CROSS LISTED|UPDATED)`` in the title). They
are duck-typed, so this module imports no network library.

Text keeps arXiv's TeX as written. Only layout whitespace is normalised:
abstracts lose arXiv's hard wrapping (paragraphs, marked by a line that
starts with spaces, are joined by one blank line) and titles are one line.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from digest.ids import ID_PATTERN, parse_id
from digest.paper import Author, Paper
from digest.schedule import rss_announcement

_ABS_ID = re.compile(rf"arxiv\.org/(?:abs|pdf)/(?P<id>{ID_PATTERN})", re.I)
_RSS_DESC = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?(?P<abstract>.*)$", re.S | re.I
)
_RDF_TITLE = re.compile(r"^(?P<title>.*?)\.?\s*\(arXiv:(?P<id>\S+)\s+\[(?P<cat>[^\]]+)\](?P<flag>[^)]*)\)\s*$", re.S)
_RDF_FLAGS = {"": "new", "CROSS LISTED": "cross", "UPDATED": "replace"}
_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z\-]+)?$")


def clean_title(text: str | None) -> str:
    """A title on one line; ``"0"`` stays ``"0"``."""
    return " ".join((text or "").split())


def clean_abstract(text: str | None) -> str:
    """Unwrap arXiv's hard-wrapped abstract; a line starting with spaces opens a paragraph."""
    text = (text or "").strip()
    if "\n" not in text and "  " not in text and "\t" not in text:
        return text  # the common case since 2025: one line
    paragraphs = re.split(r"\n[ \t]{2,}", text)
    return "\n\n".join(p for p in (" ".join(par.split()) for par in paragraphs) if p)


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None or dt.tzinfo is timezone.utc:
        return dt
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _none_if_blank(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    return text or None


def paper_from_result(result: Any) -> Paper | None:
    """A Paper from an ``arxiv.Result``; None (never a fake paper) for error entries."""
    _, sep, raw_id = (result.entry_id or "").partition("/abs/")
    parsed = parse_id(raw_id) if sep else None
    if parsed is None:
        return None
    categories = tuple(c for c in result.categories if _CATEGORY.match(c))
    primary = result.primary_category or (categories[0] if categories else None)
    if primary and primary not in categories:
        categories = (primary, *categories)
    authors = tuple(Author(a.name.strip(), "; ".join(a.affiliation) if a.affiliation else None) for a in result.authors)
    return Paper(
        id=parsed.base,
        version=parsed.version,
        title=clean_title(result.title),
        authors=authors,
        abstract=clean_abstract(result.summary),
        comment=_none_if_blank(result.comment),
        journal_ref=_none_if_blank(result.journal_ref),
        doi=_none_if_blank(result.doi),
        primary_category=primary or None,
        categories=categories,
        published=_utc(result.published),
        updated=_utc(result.updated),
        source="api",
    )


def _rss_date(value: str | None) -> datetime | None:
    """A feed date in its own time zone (arXiv's announce day is the day written there)."""
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
"""An HTML tag: a name right after ``<``, so ``p<0.05 and x>y`` in an abstract is text, not a tag."""


def _strip_tags(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


def _rss_authors(entry: Any) -> tuple[Author, ...]:
    raw = entry.get("author") or ""
    if "<a " in raw or "&lt;a" in raw:  # old RDF: linked names, an affiliation may follow in parentheses
        raw = html.unescape(raw)
        names = []
        for m in re.finditer(r"<a [^>]*>(?P<name>.*?)</a>\s*(?:\((?P<aff>[^)]*)\))?", raw):
            names.append(Author(_strip_tags(m["name"]).strip(), m["aff"] or None))
        return tuple(names)
    return tuple(Author(n.strip()) for n in _strip_tags(raw).split(",") if n.strip())


def papers_from_rss(parsed: Any) -> tuple[list[Paper], str | None]:
    """Papers from a ``feedparser`` result, and the feed's announce date (ISO day)."""
    channel = parsed.get("feed", {})
    feed_date = _rss_date(channel.get("published") or channel.get("updated") or channel.get("dc_date"))
    papers = []
    for entry in parsed.get("entries", []):
        paper = _rss_entry(entry, feed_date)
        if paper is not None:
            papers.append(paper)
    return papers, feed_date.date().isoformat() if feed_date else None


def _rss_entry(entry: Any, feed_date: datetime | None) -> Paper | None:
    title = entry.get("title", "")
    description = entry.get("summary", "") or entry.get("description", "")
    tags = [t.get("term", "") for t in entry.get("tags", []) if t.get("term")]
    announced = _rss_date(entry.get("published")) or feed_date
    m = _RSS_DESC.match(_strip_tags(description)) if "Announce Type" in description else None
    if m:  # current format (2024 on)
        parsed = parse_id(m["id"])
        announce_type = (entry.get("arxiv_announce_type") or m["type"]).strip().lower()
        abstract = m["abstract"]
        categories = tuple(t for t in tags if _CATEGORY.match(t))
        primary = categories[0] if categories else None
    else:
        t = _RDF_TITLE.match(title)
        link_id = _ABS_ID.search(entry.get("link", "") or entry.get("id", ""))
        parsed = parse_id(t["id"]) if t else (parse_id(link_id["id"]) if link_id else None)
        if t:
            title = t["title"]
            primary = t["cat"].strip()
            announce_type = _RDF_FLAGS.get(t["flag"].strip(), t["flag"].strip().lower() or "new")
        else:
            primary, announce_type = (tags[0] if tags else None), "new"
        categories = (primary,) if primary else ()
        abstract = _strip_tags(description)
    if parsed is None:
        return None
    extra = {"announce_type": announce_type}
    if announced:
        extra["announced"] = announced.date().isoformat()
    doi = entry.get("arxiv_doi") or None
    return Paper(
        id=parsed.base,
        version=parsed.version,
        title=clean_title(title),
        authors=_rss_authors(entry),
        abstract=clean_abstract(abstract),
        doi=doi.strip() if doi else None,
        primary_category=primary,
        categories=categories,
        published=_utc(announced) if announce_type == "new" else None,
        source="rss",
        extra=extra,
        announced=rss_announcement(announced.date()) if announced else None,
    )
