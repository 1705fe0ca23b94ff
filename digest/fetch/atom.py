"""arXiv API pages (Atom 1.0) to `Paper` records, in one pass over one lxml tree.

`parse` gives exactly the Papers that ``arxiv._feed.parse`` followed by
`digest.fetch.convert.paper_from_result` gave (the test suite compares the two
on every recorded page), without building an ``arxiv.Result`` per entry or
running an ElementPath search per field: the page is parsed once
(`lxml.etree.fromstring`, the same recovering parser) and each entry's
children are read in one walk, dispatched on their tag.

What an entry needs, as ``arxiv._feed`` decided: an ``<id>``, a ``<published>``
and an ``<updated>``; an entry without them is skipped (and logged), as is an
entry whose id is not a paper's (``.../abs/<arXiv id>``). arXiv's error
entries (``.../api/errors#...``) are not papers: their messages are in
`AtomPage.errors`. Every ``<entry>`` counts in `AtomPage.entries`, which is
what arXiv's ``start`` counts.

Text is read as ``arxiv._feed`` reads it: an element's text before its first
child element. Only layout whitespace and direction controls are changed, by
the helpers of `digest.fetch.convert`.

A page that is not a whole Atom feed (cut short, not XML, another document)
raises `AtomError`; the client retries it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from digest.fetch.convert import _CATEGORY, _none_if_blank, clean_abstract, clean_title, unwrap
from digest.ids import parse_id, valid_new_style
from digest.paper import Author, Paper
from digest.tex import BIDI_CONTROLS

if TYPE_CHECKING:
    from lxml import etree

log = logging.getLogger(__name__)

_A = "{http://www.w3.org/2005/Atom}"
_X = "{http://arxiv.org/schemas/atom}"
_OS = "{http://a9.com/-/spec/opensearch/1.1/}"

FEED, ENTRY = _A + "feed", _A + "entry"
_ID, _TITLE, _SUMMARY, _PUBLISHED, _UPDATED = _A + "id", _A + "title", _A + "summary", _A + "published", _A + "updated"
_AUTHOR, _NAME, _CATEGORY_TAG = _A + "author", _A + "name", _A + "category"
_AFFILIATION, _PRIMARY = _X + "affiliation", _X + "primary_category"
_COMMENT, _JOURNAL_REF, _DOI = _X + "comment", _X + "journal_ref", _X + "doi"
_TOTAL, _START, _PER_PAGE = _OS + "totalResults", _OS + "startIndex", _OS + "itemsPerPage"
_TEXT_FIELDS = frozenset((_ID, _TITLE, _SUMMARY, _PUBLISHED, _UPDATED, _COMMENT, _JOURNAL_REF, _DOI))
_ERRORS = "/api/errors#"
_ERRORS_BYTES = _ERRORS.encode()

# A page none of whose text can hold a direction control is cleaned without looking for one in
# every field (7 regex searches an entry, about half of the cleaning's cost; `_plain`). Each
# pattern starts with a literal byte, so each scan of a 4.5 MB page takes ~2 ms; a memchr for
# that byte first (0.2 ms) skips the scan on pages without it.
_BIDI_E2 = re.compile(
    rb"\xe2(?:" + b"|".join(re.escape(c.encode()[1:]) for c in BIDI_CONTROLS if c.encode()[0] == 0xE2) + b")"
)
_BIDI_OTHER = [c.encode() for c in BIDI_CONTROLS if c.encode()[0] != 0xE2]
_CHAR_REFERENCE = re.compile(rb"&#")
_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*(?:\"utf-?8\"|'utf-?8'|[\"'])", re.I)
"""An XML declaration naming an encoding: UTF-8 (group 0 ends with its quote) or another."""


def _plain(body: bytes) -> bool:
    """True if no text of the page can hold a direction control: UTF-8 (declared or by
    default), none encoded in it, and no character reference (``&#x202E;``) that could be one."""
    declared = _ENCODING.match(body, 0, 200)
    if declared is not None and declared[0][-2:-1].lower() != b"8":
        return False  # another encoding: its bytes are not UTF-8's
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or (b"#" in body and _CHAR_REFERENCE.search(body)):
        return False
    e2 = body.find(b"\xe2")  # memchr, then the pattern from there: pages without \xe2 skip it
    if e2 >= 0 and _BIDI_E2.search(body, e2):
        return False
    return not any(body.find(c[:1]) >= 0 and c in body for c in _BIDI_OTHER)


def may_be_error_feed(body: bytes) -> bool:
    """``b"/api/errors#" in body``, looking for a ``#`` first: most pages have none, and
    memchr finds that in 0.2 ms where the whole needle takes 2.5 ms (4.6 MB page)."""
    return b"#" in body and _ERRORS_BYTES in body


def _line(text: str | None) -> str:
    """`clean_title` of a text without direction controls."""
    return " ".join(text.split()) if text else ""


def _line_or_none(text: str | None) -> str | None:
    """`_none_if_blank` of a text without direction controls."""
    return (" ".join(text.split()) or None) if text else None


class AtomError(ValueError):
    """The page is not a whole Atom feed: cut short, not XML, or another document.
    The message says which, in a few words (``truncated page``, ``unparsable page (...)``)."""


@dataclass
class AtomPage:
    """One API page: arXiv's opensearch header and the papers on it."""

    total: int = 0
    """``opensearch:totalResults``: entries the query has in all (0 when absent or not a number)."""
    start: int = 0
    """``opensearch:startIndex``."""
    items_per_page: int = 0
    """``opensearch:itemsPerPage``."""
    papers: list[Paper] = field(default_factory=list)
    entries: int = 0
    """``<entry>`` elements on the page, papers or not: what arXiv's ``start`` counts."""
    errors: list[str] = field(default_factory=list)
    """arXiv's messages from error entries (id ``.../api/errors#...``): an error feed."""
    unread: tuple[etree._Element, _Cleaners] | None = field(default=None, repr=False, compare=False)
    """The feed and its cleaners while ``papers`` waits for `read` (``parse(..., defer=True)``)."""


def _parser() -> etree.XMLParser:
    # arxiv._feed's options, so both read a page alike: no entities resolved, no network, and
    # recovery (a stray character costs its spot, not the page; `sanitise_xml` runs first).
    # A parser per page: lxml's are not to be shared between threads.
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


def parse(body: bytes, *, defer: bool = False) -> AtomPage:
    """The `AtomPage` of an API response ``body`` (bytes, as served; run `sanitise_xml` first).

    Raises `AtomError` for a page that does not end with ``</feed>``, does not
    parse, or whose root is not an Atom ``<feed>``.

    ``defer``: leave the entries' papers to `read` (in another thread: the client parses the
    next page while the caller stores this one) where none can be an error entry: no id holds
    ``/api/errors#``, as bytes or through a character reference. Otherwise they are read here.
    """
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError("atom.parse expects bytes")
    if not body.rstrip().endswith(b"</feed>"):
        raise AtomError("truncated page")
    from lxml import etree  # here, not at the top: importing digest.fetch stays cheap

    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise AtomError(f"unparsable page ({exc})") from None
    if root is None or root.tag != FEED:
        raise AtomError(f"unparsable page (not an Atom feed: root {getattr(root, 'tag', None)!r})")
    page = AtomPage()
    plain = _plain(body)
    cleaners = _PLAIN if plain else _CLEAN
    if defer and plain and not may_be_error_feed(body):
        page.unread = (root, cleaners)
    for child in root:  # a comment's or PI's tag is a function: it matches nothing below
        tag = child.tag
        if tag == ENTRY:
            page.entries += 1
        elif tag == _TOTAL:
            page.total = _int(child.text)
        elif tag == _START:
            page.start = _int(child.text)
        elif tag == _PER_PAGE:
            page.items_per_page = _int(child.text)
    if page.unread is None:
        _read(root, page, cleaners)
    return page


def read(page: AtomPage) -> AtomPage:
    """``page`` with the papers `parse` left unread (``defer``); a page already read is returned as is."""
    if page.unread is not None:
        (root, cleaners), page.unread = page.unread, None
        _read(root, page, cleaners)
    return page


def _read(root: etree._Element, page: AtomPage, cleaners: _Cleaners) -> None:
    papers, errors = page.papers, page.errors
    for child in root.iterchildren(ENTRY):
        paper = _entry(child, errors, cleaners)
        if paper is not None:
            papers.append(paper)


def _int(text: str | None) -> int:
    try:
        return int(text.strip()) if text is not None else 0
    except ValueError:
        return 0


def _when(text: str) -> datetime:
    """An Atom timestamp as an aware UTC datetime (a naive one is taken as UTC); ValueError if not one."""
    dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    tz = dt.tzinfo
    if tz is timezone.utc:  # arXiv's own (``Z``): nothing to convert
        return dt
    return dt.replace(tzinfo=timezone.utc) if tz is None else dt.astimezone(timezone.utc)


_Cleaners = tuple[Callable[[str | None], str], Callable[[str | None], str], Callable[[str | None], str | None]]
_CLEAN: _Cleaners = (clean_title, clean_abstract, _none_if_blank)
"""One line, an unwrapped abstract, one line or None; direction controls removed."""
_PLAIN: _Cleaners = (_line, lambda text: unwrap(text or ""), _line_or_none)
"""The same for a page without direction controls (`_plain`)."""


def _valid_category(term: str) -> bool:
    """``_CATEGORY.match(term)``, remembered: a page names a few dozen categories 5,000 times."""
    valid = _VALID_CATEGORIES.get(term)
    if valid is None:
        if len(_VALID_CATEGORIES) > 10_000:
            _VALID_CATEGORIES.clear()
        valid = _VALID_CATEGORIES[term] = _CATEGORY.match(term) is not None
    return valid


_VALID_CATEGORIES: dict[str, bool] = {}
_new = object.__new__


def _author(name: str, affiliation: str | None) -> Author:
    """``Author(name, affiliation)`` without the frozen dataclass's ``object.__setattr__`` per
    field: 0.3 us instead of 0.8, for 3-4 authors a paper. The same object (`test_atom` compares)."""
    author = _new(Author)
    author.__dict__.update(name=name, affiliation=affiliation)
    return author


def _paper(**values: Any) -> Paper:
    """``Paper(**values, extra={}, announced=None)`` the same way: 1 us instead of 4.4."""
    paper = _new(Paper)
    paper.__dict__.update(values, extra={}, announced=None)
    return paper


_PAPER_FIELDS = ["id", "version", "title", "authors", "abstract", "comment", "journal_ref", "doi", "primary_category",
                 "categories", "published", "updated", "source", "extra", "announced"]  # fmt: skip
if [f.name for f in fields(Author)] != ["name", "affiliation"] or hasattr(Author, "__post_init__"):  # pragma: no cover
    _author = Author  # noqa: F811 - Author changed: build it the ordinary way
if [f.name for f in fields(Paper)] != _PAPER_FIELDS or hasattr(Paper, "__post_init__"):  # pragma: no cover
    _paper = Paper  # noqa: F811 - Paper changed: build it the ordinary way


_NEW_STYLE_ID = re.compile(r"(\d{4})\.(\d{5})v([1-9]\d{0,2})", re.ASCII)
"""What nearly every id of an entry reads after ``/abs/`` since 2015: ``2609.01234v1``."""


def _paper_id(raw: str) -> tuple[str, int | None] | None:
    """``(parsed.base, parsed.version)`` of `parse_id` (None where it gives None), without its
    general pattern and `ArxivId` for the common ``YYMM.NNNNNvV`` (2.3 -> 0.7 us; `test_atom`
    holds the two equal)."""
    m = _NEW_STYLE_ID.fullmatch(raw)
    if m is not None:
        return (raw[:10], int(m[3])) if valid_new_style(m[1], m[2]) else None
    parsed = parse_id(raw)
    return None if parsed is None else (parsed.base, parsed.version)


def _entry(entry: etree._Element, errors: list[str], cleaners: _Cleaners = _CLEAN) -> Paper | None:
    """The Paper of one ``<entry>``; None (and logged) for one that is not a paper.
    ``cleaners``: `_PLAIN` where `_plain` holds for the page, else `_CLEAN`."""
    line, paragraphs, line_or_none = cleaners
    text: dict[str, str | None] = {}
    authors: list[Author] = []
    terms: list[str] = []
    primary: str | None = None
    for child in entry:
        tag = child.tag
        if tag == _AUTHOR:
            name, affiliations = None, None
            for sub in child:
                sub_tag = sub.tag
                if sub_tag == _NAME:
                    if name is None:
                        name = sub.text or ""
                elif sub_tag == _AFFILIATION:
                    affiliation = sub.text
                    if affiliation is not None:
                        if affiliations is None:
                            affiliations = [affiliation]
                        else:
                            affiliations.append(affiliation)
            authors.append(_author(line(name), line_or_none("; ".join(affiliations)) if affiliations else None))
        elif tag == _CATEGORY_TAG:
            term = child.get("term")
            if term is not None:
                terms.append(term)
        elif tag in _TEXT_FIELDS:
            if tag not in text:  # the first one counts
                text[tag] = child.text
        elif tag == _PRIMARY and primary is None:
            primary = child.get("term") or ""
    entry_id = text.get(_ID)
    if not entry_id:
        log.warning("skipping an API entry without <id>")
        return None
    if _ERRORS in entry_id:
        message = " ".join((text.get(_SUMMARY) or "").split())
        errors.append(message or entry_id.partition(_ERRORS)[2].replace("_", " ").strip() or "error feed")
        return None
    published, updated = text.get(_PUBLISHED), text.get(_UPDATED)
    if published is None or updated is None:
        log.warning("skipping API entry %s without <%s>", entry_id, "updated" if updated is None else "published")
        return None
    try:
        published_at, updated_at = _when(published), _when(updated)
    except ValueError:
        log.warning("skipping API entry %s: a date is not ISO 8601 (%r, %r)", entry_id, published, updated)
        return None
    _, sep, raw_id = entry_id.partition("/abs/")
    parsed = _paper_id(raw_id) if sep else None
    if parsed is None:
        log.warning("skipping API entry %s: not an arXiv paper id", entry_id)
        return None
    categories = tuple([c for c in terms if _valid_category(c)])
    primary = primary or (categories[0] if categories else None)
    if primary and primary not in categories:
        categories = (primary, *categories)
    return _paper(
        id=parsed[0],
        version=parsed[1],
        title=line(text.get(_TITLE)),
        authors=tuple(authors),
        abstract=paragraphs(text.get(_SUMMARY)),
        comment=line_or_none(text.get(_COMMENT)),
        journal_ref=line_or_none(text.get(_JOURNAL_REF)),
        doi=line_or_none(text.get(_DOI)),
        primary_category=primary or None,
        categories=categories,
        published=published_at,
        updated=updated_at,
        source="api",
    )
