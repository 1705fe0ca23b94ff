"""build/feed.xml: a valid Atom feed, one entry per issue, stable ids and dates."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import feedparser
import pytest

from test_archive import add_issues, build, make_issue

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(newsletter: Path) -> feedparser.FeedParserDict:
    text = (newsletter / "build" / "feed.xml").read_text(encoding="utf-8")
    feed = feedparser.parse(text)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_feed_has_one_entry_per_issue_newest_first(newsletter: Path) -> None:
    add_issues(newsletter, 3)
    build()
    feed = parse(newsletter)
    assert feed.version == "atom10"
    assert feed.feed.title == "Davis Summarizes Papers"
    assert feed.feed.author == "Davis Blalock"
    assert feed.feed.id == "https://dblalock.substack.com/"
    assert [e.link for e in feed.entries] == [
        f"https://dblalock.substack.com/{d}.html" for d in ("2022-11-13", "2022-11-06", "2022-10-30", "2022-10-23")
    ]
    assert [e.id for e in feed.entries] == [e.link for e in feed.entries]
    sample = feed.entries[-1]
    assert sample.title == "2022-10-23 arXiv roundup: CNNs dominating sequence modeling, SetFit, Google finetuning trifecta"
    assert sample.updated == sample.published == "2022-10-23T00:00:00Z"
    assert tuple(sample.updated_parsed)[:6] == (2022, 10, 23, 0, 0, 0)
    assert feed.feed.updated == "2022-11-13T00:00:00Z"
    # full HTML content, links absolute to arXiv
    content = sample.content[0]
    assert content.type == "text/html"
    assert "They frame prefix language modeling" in content.value
    assert 'href="https://arxiv.org/abs/2205.05131"' in content.value
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == ["https://dblalock.substack.com/feed.xml"]


def test_feed_is_stable_and_escapes_untrusted_text(newsletter: Path) -> None:
    (newsletter / "issues" / "2022-10-30.md").write_text(
        make_issue(date(2022, 10, 30), headline="'Q&A <script>alert(1)</script> & \"quotes\"'"), encoding="utf-8"
    )
    build()
    first = (newsletter / "build" / "feed.xml").read_bytes()
    ET.fromstring(first)  # well-formed XML
    assert b"<script>" not in first
    entry = parse(newsletter).entries[0]
    assert entry.title == "2022-10-30 arXiv roundup: Q&A <script>alert(1)</script> & \"quotes\""
    build(force=True)
    assert (newsletter / "build" / "feed.xml").read_bytes() == first  # rebuilds are byte-identical


def test_without_url_ids_are_uuids_and_links_relative(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_URL", "")
    add_issues(newsletter, 1)
    build()
    feed = parse(newsletter)
    assert all(e.id.startswith("urn:uuid:") for e in feed.entries)
    assert len({e.id for e in feed.entries}) == 2
    root = ET.parse(newsletter / "build" / "feed.xml").getroot()
    hrefs = [el.get("href") for el in root.iter(f"{ATOM}link") if el.get("rel") == "alternate"]
    assert "2022-10-23.html" in hrefs
    build(force=True)
    assert [e.id for e in parse(newsletter).entries] == [e.id for e in feed.entries]


def test_times_follow_the_newsletter_timezone(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_TIMEZONE", "Europe/Berlin")
    build()
    entry = parse(newsletter).entries[0]
    assert entry.updated == "2022-10-23T00:00:00+02:00"
    assert tuple(entry.updated_parsed)[:4] == (2022, 10, 22, 22)
