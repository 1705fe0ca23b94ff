"""What an editor found publishing a newsletter as a reader would meet it: build/ is published
whole (its `.digest/` state folder included), so nothing there may say what a draft holds; the
feed's in-page links (footnotes) lead to the issue's page, not to feed.xml; and the errors on
the way out name their fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
from conftest import run

DRAFT = """---
date: 2022-11-06
headline: Zanzibar headline nobody may see yet
status: draft
---

## [Quokka paper under embargo](https://arxiv.org/abs/2211.09999)

Marmalade notes still being written.

## [A paper the store has to fill](https://arxiv.org/abs/2211.08888)

Pumpernickel notes.
"""
SECRETS = ("Zanzibar", "Quokka", "Marmalade", "Pumpernickel", "2211.09999", "2211.08888")


def test_nothing_a_draft_says_reaches_the_published_folder(newsletter: Path) -> None:
    (newsletter / "issues" / "2022-11-06.md").write_text(DRAFT, encoding="utf-8")
    for _ in range(2):  # the first build, and one that reads the draft's record back from the manifest
        code, _out, err = run("build")
        assert code == 0, err
        assert "1 draft not published (status: draft): 2022-11-06" in err
        site = newsletter / "build"
        leaks = [
            (str(path.relative_to(site)), word)
            for path in site.rglob("*")
            if path.is_file()
            for word in SECRETS
            if word.encode() in path.read_bytes()
        ]
        assert leaks == []
    # once ready, it is published with its words
    path = newsletter / "issues" / "2022-11-06.md"
    path.write_text(DRAFT.replace("status: draft", "status: ready"), encoding="utf-8")
    code, _out, err = run("build")
    assert code == 0, err
    assert "Zanzibar" in (newsletter / "build" / "index.html").read_text(encoding="utf-8")


FOOTNOTED = """---
date: 2022-10-30
headline: Footnotes
---

## [A paper](https://arxiv.org/abs/2210.12345)
<!-- digest:paper
id: 2210.12345
authors: [Ada Lovelace]
categories: [cs.LG]
abstract: An abstract.
-->

A claim that needs a source[^1].

[^1]: The source.
"""


def test_a_footnote_link_in_the_feed_leads_to_the_issue_page(newsletter: Path, monkeypatch) -> None:
    monkeypatch.setenv("DIGEST_URL", "https://news.example.org/")
    (newsletter / "issues" / "2022-10-30.md").write_text(FOOTNOTED, encoding="utf-8")
    code, _out, err = run("build")
    assert code == 0, err
    page = (newsletter / "build" / "2022-10-30.html").read_text(encoding="utf-8")
    assert 'id="fn-1"' in page  # the anchor the footnote link names is on the page
    feed = feedparser.parse(str(newsletter / "build" / "feed.xml"))
    assert not feed.bozo, feed.get("bozo_exception")
    entry = next(e for e in feed.entries if e.link.endswith("/2022-10-30.html"))
    hrefs = re.findall(r'href="([^"]+)"', entry.content[0].value)
    assert "https://news.example.org/2022-10-30.html#fn-1" in hrefs, hrefs
    assert not [h for h in hrefs if "feed.xml" in h or h.startswith("#")], hrefs


def test_a_non_ascii_address_gets_a_fix_that_fits_it(newsletter: Path, monkeypatch) -> None:
    monkeypatch.setenv("DIGEST_EMAIL_FROM", "Editor <editor@example.org>")
    code, _out, err = run("send", "issues/2022-10-23.md", "--to", "Bob <bob@bücher.de>", "--dry-run")
    assert (code, err.strip()) == (
        2, "--to: 'Bob <bob@bücher.de>' has a non-ASCII domain; write it as 'Bob <bob@xn--bcher-kva.de>'"
    )  # fmt: skip
    code, _out, err = run("send", "issues/2022-10-23.md", "--to", "Jane <jane@straße.de>", "--dry-run")
    assert "write it as 'Jane <jane@xn--strae-oqa.de>'" in err, err  # IDNA 2008: strasse.de is someone else's
    code, _out, err = run("send", "issues/2022-10-23.md", "--to", "ålice@example.org", "--dry-run")
    assert code == 2 and "non-ASCII letters before the @" in err and "xn--" not in err, err
    code, out, err = run("send", "issues/2022-10-23.md", "--to", "Bob <bob@xn--bcher-kva.de>", "--dry-run")
    assert code == 0 and "RCPT TO:   <bob@xn--bcher-kva.de>" in out, err


def test_a_listmonk_list_that_does_not_exist_names_the_setting_and_its_line(newsletter: Path, monkeypatch) -> None:
    from publish_servers import Listmonk

    with Listmonk(user="digest-bot", token="lm-token") as server:
        monkeypatch.setenv("DIGEST_PUBLISH_LISTMONK_URL", server.url)
        monkeypatch.setenv("DIGEST_LISTMONK_USER", server.user)
        monkeypatch.setenv("DIGEST_LISTMONK_TOKEN", server.token)
        toml = newsletter / "digest.toml"
        toml.write_text(toml.read_text(encoding="utf-8") + '\n[publish]\nlistmonk_lists = ["99"]\n', encoding="utf-8")
        line = toml.read_text(encoding="utf-8").splitlines().index('listmonk_lists = ["99"]') + 1
        code, _out, err = run("publish", "issues/2022-10-23.md", "--to", "listmonk")
        assert (code, err.strip()) == (2, (
            "digest.toml: publish.listmonk_lists: listmonk: There are no subscribers in the selected lists to create"
            f" the campaign; listmonk's Lists page shows each list's number and its subscribers (line {line})"
        )), err
        assert server.campaigns == {}
