"""Small things a reader or an editor notices, each found by using digest as they would.

- The archive's issue pages name its Atom feed, as its front page does, so a feed reader
  (or a browser's "subscribe") given any issue's address finds the feed; a page `digest
  render` makes alone names no feed, since there is none beside it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import html5lib

from conftest import run

SAMPLE = "2022-10-23"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.feeds: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "alternate" and a.get("type") == "application/atom+xml":
            self.feeds.append(a)


def feed_links(page: Path) -> list[dict[str, str | None]]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.feeds


def test_built_issue_pages_name_the_archive_feed_as_the_index_does(newsletter: Path) -> None:
    toml = newsletter / "digest.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('name = "', 'name = "Papers & \\"Notes\\": ', 1), encoding="utf-8")
    code, _, err = run("build", "--out", "site")
    assert code == 0, err
    site = newsletter / "site"
    index = feed_links(site / "index.html")
    page = site / f"{SAMPLE}.html"
    links = feed_links(page)
    assert len(links) == 1 and links == index  # the same feed, under the same name
    assert (links[0]["title"] or "").startswith('Papers & "Notes": ')
    feed = page.parent / (links[0]["href"] or "")
    assert feed.is_file() and "<feed" in feed.read_text(encoding="utf-8")  # it leads to the feed that was written
    html5lib.HTMLParser(strict=True).parse(page.read_text(encoding="utf-8"))


def test_a_page_rendered_alone_names_no_feed(newsletter: Path) -> None:
    code, _, err = run("render", f"issues/{SAMPLE}.md", "--format", "html")
    assert code == 0, err
    assert feed_links(newsletter / "build" / f"{SAMPLE}.html") == []
    assert not (newsletter / "build" / "feed.xml").exists()
