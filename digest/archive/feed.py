"""The newsletter's Atom feed (RFC 4287): one entry per issue, full HTML content.

Everything is built with ElementTree, so text from issues and arXiv is
escaped by the serializer, never pasted into markup by hand.

Decisions (see docs/archive.md):

- An entry's ``id`` is the issue page's absolute URL (``url`` setting +
  ``/<stem>.html``); without a ``url`` it is a name-based ``urn:uuid:``
  derived from the newsletter's name and the issue's stem. Either is stable
  across builds and machines.
- ``published`` and ``updated`` are the issue date at 00:00 in the
  newsletter's ``timezone`` setting: derived from the issue alone, so a
  rebuild on another machine gives a byte-identical feed. The feed's own
  ``updated`` is the newest entry's.
- An entry's ``content`` has ``xml:base`` set to the issue page, so its
  relative links (a footnote's ``#fn-1``) lead there, not into feed.xml.
"""

from __future__ import annotations

import logging
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from digest.archive.manifest import FEED_NAME, INDEX_NAME
from digest.render import FORMATS

log = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


@dataclass(frozen=True)
class FeedEntry:
    stem: str
    date: date
    title: str
    headline: str
    content_html: str
    """The issue's body as an HTML fragment (escaped by the serializer as type="html")."""


def base_url(url: str) -> str:
    """The ``url`` setting as a prefix for absolute links ('' when unset)."""
    return url.strip().rstrip("/")


def page_url(url: str, name: str) -> str:
    """Absolute when the newsletter has a ``url``, else relative to the archive folder."""
    base = base_url(url)
    return f"{base}/{name}" if base else name


def entry_id(url: str, newsletter: str, stem: str) -> str:
    base = base_url(url)
    if base:
        return f"{base}/{FORMATS['html'].filename(stem)}"
    return uuid.uuid5(uuid.NAMESPACE_URL, f"digest:{newsletter}:{stem}").urn


def issue_time(day: date, tz_name: str = "UTC") -> str:
    """``day`` at 00:00 in ``tz_name`` as an RFC 3339 timestamp."""
    tz: Any = timezone.utc
    if tz_name and tz_name.upper() != "UTC":
        try:
            from zoneinfo import ZoneInfo

            tz = ZoneInfo(tz_name)
        except (ImportError, ValueError, KeyError, OSError):
            log.warning("timezone %r is unknown; feed times are in UTC", tz_name)
    stamp = datetime.combine(day, time(0, 0), tzinfo=tz).isoformat()
    return stamp.replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def entry_xml(settings: Any, e: FeedEntry) -> str:
    """One issue's ``<entry>`` element, serialized and indented as it sits in the feed.

    The archive makes it when it renders the issue and keeps it, so a build that
    changed one issue joins the kept entries instead of serializing every issue's
    full text again.
    """
    ET.register_namespace("", ATOM)
    name = settings.name or "arXiv roundup"
    tz = getattr(settings, "timezone", "UTC")
    entry = ET.Element(f"{{{ATOM}}}entry")
    _sub(entry, "title", e.title)
    _sub(entry, "id", entry_id(settings.url, name, e.stem))
    stamp = issue_time(e.date, tz)
    _sub(entry, "published", stamp)
    _sub(entry, "updated", stamp)
    _sub(entry, "link", rel="alternate", type="text/html", href=page_url(settings.url, FORMATS["html"].filename(e.stem)))
    if e.headline:
        _sub(entry, "summary", e.headline)
    # In-page links of the content (footnotes: ``#fn-1``) are the page's, not feed.xml's.
    content = _sub(entry, "content", e.content_html, type="html")
    content.set(XML_BASE, page_url(settings.url, FORMATS["html"].filename(e.stem)))
    ET.indent(entry, space=" ", level=1)
    # Alone, the element declares the Atom namespace itself; in the feed it inherits it.
    # (Only the start tag can hold the attribute: text is escaped, and it comes first.)
    return ET.tostring(entry, encoding="unicode").replace(f' xmlns="{ATOM}"', "", 1)


def feed_document(settings: Any, newest: date | None, entries: list[str]) -> str:
    """The feed as UTF-8 XML text around ``entries`` (from `entry_xml`, newest first)."""
    ET.register_namespace("", ATOM)
    tz = getattr(settings, "timezone", "UTC")
    feed = ET.Element(f"{{{ATOM}}}feed")
    name = settings.name or "arXiv roundup"
    _sub(feed, "title", name)
    base = base_url(settings.url)
    _sub(feed, "id", f"{base}/" if base else uuid.uuid5(uuid.NAMESPACE_URL, f"digest:{name}").urn)
    _sub(feed, "updated", issue_time(newest, tz) if newest else "1970-01-01T00:00:00Z")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=page_url(settings.url, FEED_NAME))
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{base}/" if base else INDEX_NAME)
    author = _sub(feed, "author")
    _sub(author, "name", settings.author or name)
    _sub(feed, "generator", "digest")
    ET.indent(feed, space=" ")
    head = ET.tostring(feed, encoding="unicode").rpartition("</feed>")[0]
    body = "".join(f" {entry}\n" for entry in entries)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + head + body + "</feed>\n"
