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

from digest.ids import CATEGORY, ID_PATTERN, parse_id
from digest.paper import Author, Paper
from digest.schedule import rss_announcement
from digest.tex import strip_bidi

_ABS_ID = re.compile(rf"arxiv\.org/(?:abs|pdf)/(?P<id>{ID_PATTERN})", re.I)
_RSS_DESC = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?(?P<abstract>.*)$", re.S | re.I
)
_NON_SPACE = re.compile(r"\S*")
_SPACE = re.compile(r"\s*")
_RDF_FLAGS = {"": "new", "CROSS LISTED": "cross", "UPDATED": "replace"}
_CATEGORY = CATEGORY
_PARAGRAPH = re.compile(r"\n[ \t]{2,}")


def clean_title(text: str | None) -> str:
    """A title on one line, without direction controls; ``"0"`` stays ``"0"``."""
    return " ".join(strip_bidi(text or "").split())


def clean_abstract(text: str | None) -> str:
    """Unwrap arXiv's hard-wrapped abstract; a line starting with spaces opens a paragraph.
    Direction controls (U+202E ...) are removed: they would reorder what a reader sees."""
    return unwrap(strip_bidi(text or ""))


def unwrap(text: str) -> str:
    """`clean_abstract` of a text known to hold no direction controls (`digest.fetch.atom`
    checks a whole page at once instead of every field)."""
    text = text.strip()
    if "\n" not in text and "  " not in text and "\t" not in text:
        return text  # the common case since 2025: one line
    paragraphs = _PARAGRAPH.split(text)
    return "\n\n".join(p for p in (" ".join(par.split()) for par in paragraphs) if p)


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None or dt.tzinfo is timezone.utc:
        return dt
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _none_if_blank(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(strip_bidi(text).split())
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
    authors = tuple(
        Author(clean_title(a.name), _none_if_blank("; ".join(a.affiliation)) if a.affiliation else None)
        for a in result.authors
    )
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
        return tuple(Author(clean_title(_strip_tags(name)), _none_if_blank(aff)) for name, aff in _linked_names(html.unescape(raw)))
    return tuple(Author(clean_title(n)) for n in _strip_tags(raw).split(",") if n.strip())


def _linked_names(raw: str) -> list[tuple[str, str | None]]:
    """``<a href=...>Name</a> (Affiliation), ...``: each name (the link's text, on one line)
    and its affiliation. A scan that reads each character a bounded number of times: the
    regular expression it replaces, ``<a [^>]*>(.*?)</a>\\s*(?:\\(([^)]*)\\))?``, took
    quadratic time on a long line of ``<a >`` without ``</a>``."""
    out: list[tuple[str, str | None]] = []
    pos = 0
    dead = -1  # no `</a>` between the last failed link's `>` and this index (its line's end)
    paren = -2  # the `)` found after the last `(`, -1 for none at all (-2: not looked yet)
    line_end = -1  # the end of the line of the last `>` (a name is on one line)
    while (start := raw.find("<a ", pos)) >= 0:
        gt = raw.find(">", start + 3)
        if gt < 0:
            break  # no later link has its `>` either
        if gt < dead:
            pos = gt + 1
            continue
        if line_end <= gt:
            line_end = raw.find("\n", gt + 1)
            line_end = len(raw) if line_end < 0 else line_end
        close = raw.find("</a>", gt + 1, line_end)
        if close < 0:
            dead, pos = line_end, gt + 1
            continue
        pos = close + 4
        aff = None
        after = _SPACE.match(raw, pos).end()  # type: ignore[union-attr]
        if raw[after : after + 1] == "(":
            if paren != -1 and paren <= after:
                paren = raw.find(")", after + 1)
            if paren > after:
                aff, pos = raw[after + 1 : paren], paren + 1
        out.append((raw[gt + 1 : close], aff))
    return out


def _rdf_title(text: str) -> dict[str, str] | None:
    """The parts of an old RDF title, ``Title. (arXiv:ID [cat] FLAG)``: title, id, cat and
    flag, or None. The first ``(arXiv:`` that the rest of the title fits is the one.

    A scan, linear in the title: the regular expression it replaces,
    ``^(.*?)\\.?\\s*\\(arXiv:(\\S+)\\s+\\[([^\\]]+)\\]([^)]*)\\)\\s*$``, tried every
    position of a long run of spaces against the whole run, and every ``(arXiv:`` against
    the rest of the title.
    """
    text = text.rstrip()
    if not text.endswith(")"):
        return None
    n = len(text)
    run_end = space_end = bracket = close = -2  # what the last candidate found, reused while it holds
    at = text.find("(arXiv:")
    while at >= 0:
        begin = at + 7
        if run_end < begin:
            run_end = _NON_SPACE.match(text, begin).end()  # type: ignore[union-attr]
            space_end = _SPACE.match(text, run_end).end()  # type: ignore[union-attr]
        if run_end > begin and space_end > run_end and space_end < n and text[space_end] == "[":
            if bracket != -1 and bracket <= space_end:
                bracket = text.find("]", space_end + 1)
            if bracket > space_end + 1:
                if close != -1 and close <= bracket:
                    close = text.find(")", bracket + 1)
                if close == n - 1:
                    title = text[:at].rstrip()
                    return {"title": title[:-1] if title.endswith(".") else title, "id": text[begin:run_end],
                            "cat": text[space_end + 1 : bracket], "flag": text[bracket + 1 : close]}  # fmt: skip
        at = text.find("(arXiv:", at + 1)
    return None


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
        t = _rdf_title(title)
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
    doi = _none_if_blank(entry.get("arxiv_doi"))  # direction controls removed, as from every text
    return Paper(
        id=parsed.base,
        version=parsed.version,
        title=clean_title(title),
        authors=_rss_authors(entry),
        abstract=clean_abstract(abstract),
        doi=doi,
        primary_category=primary,
        categories=categories,
        published=_utc(announced) if announce_type == "new" else None,
        # a new version is dated by the listing that announced it (else the store keeps v1's date,
        # and no draft's window would hold the new version)
        updated=rss_announcement(announced.date()) if announced and announce_type.startswith("replace") else None,
        source="rss",
        extra=extra,
        announced=rss_announcement(announced.date()) if announced else None,
    )
