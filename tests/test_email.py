"""The email (.eml) and plain-text formats: MIME structure, headers, encodings, content."""

from __future__ import annotations

import email
import html
import re
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import html5lib
import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings as hsettings, strategies as st

from conftest import REPO, modules_loaded
from digest.cli import cli
from digest.config import load_settings
from digest.render.email_message import _quoted_printable
from digest.render.plaintext import WIDTH, wrap
from digest.issue import load_issue, parse_issue
from digest.render.papers import issue_papers
from digest.render import build_view, render_issue

GOLDEN = REPO / "tests" / "golden"
LONG_UNSUB = "https://dblalock.substack.com/action/disable_email?token=" + "a1b2c3d4e5" * 12
SENDER = "Davis Blalock <davis@example.org>"


@pytest.fixture()
def mail(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample newsletter with email settings, as a user would set them."""
    monkeypatch.setenv("DIGEST_EMAIL_FROM", SENDER)
    monkeypatch.setenv("DIGEST_EMAIL_TO", "Readers <readers@example.org>")
    monkeypatch.setenv("DIGEST_EMAIL_LIST_UNSUBSCRIBE", f"{LONG_UNSUB}, mailto:unsubscribe@example.org?subject=unsubscribe")
    return newsletter


def render_sample(*formats: str) -> dict[str, str]:
    return render_issue(load_issue(Path("issues/2022-10-23.md")), load_settings(), formats)


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def header_block(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii")


class _Text(HTMLParser):
    """Visible text of an email body: no <head>, no hidden preheader."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("head", "style", "title") or "display:none" in (dict(attrs).get("style") or ""):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if self.skip and tag in ("head", "style", "title", "div"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def words(text: str) -> str:
    return " ".join(text.split())


def test_structure_charsets_and_line_lengths(mail: Path) -> None:
    raw = render_sample("email")["email"].encode("ascii")
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in msg.walk():
        assert not part.defects, part.defects
    for part in parts:
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part["MIME-Version"] is None  # only the top level says it
        body = part.as_bytes(policy=policy.SMTP).split(b"\r\n\r\n", 1)[1]
        assert max(len(line) for line in body.split(b"\r\n")) <= 76
    assert msg["MIME-Version"] == "1.0"
    assert msg["From"] == SENDER and msg["To"] == "Readers <readers@example.org>"
    assert msg["Subject"] == "2022-10-23 arXiv roundup: CNNs dominating sequence modeling, SetFit, Google finetuning trifecta"
    assert msg["Date"] == "Sun, 23 Oct 2022 08:00:00 +0000"
    assert re.fullmatch(r"<2022-10-23\.[0-9a-f]{20}@dblalock\.substack\.com>", msg["Message-ID"])
    assert msg["X-Unsent"] is None


@hsettings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab =.\t\n\r-_é·€😀<>&")), max_size=400))
@example("x" * 74 + " \nnext")  # b2a_qp would make this line 77 characters long
@example("y" * 75 + "\t\n" + "z" * 80 + " ")
@example("a" * 68 + "é \n")  # the same, through the non-ASCII path
def test_bodies_decode_to_exactly_the_text_written(text: str) -> None:
    """Any text survives the quoted-printable encoding: trailing spaces and tabs, '=',
    long lines, lines that start with '.' or 'From ', non-ASCII, CR and CRLF line ends."""
    import quopri

    raw = _quoted_printable(text)
    assert all(len(line) <= 76 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"") and raw.endswith(b"\r\n")
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    expected += "" if expected.endswith("\n") else "\n"
    assert quopri.decodestring(raw).decode("utf-8").replace("\r\n", "\n") == expected


def test_list_unsubscribe_stays_one_unencoded_line(mail: Path) -> None:
    raw = render_sample("email")["email"].encode("ascii")
    head = header_block(raw)
    line = next(x for x in head.split("\r\n") if x.startswith("List-Unsubscribe:"))
    assert line == f"List-Unsubscribe: <{LONG_UNSUB}>, <mailto:unsubscribe@example.org?subject=unsubscribe>"
    assert len(line) > 78 and "=?" not in line
    assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in head + "\r\n"


def test_no_unsubscribe_headers_unless_configured(mail: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGEST_EMAIL_LIST_UNSUBSCRIBE")
    monkeypatch.setenv("DIGEST_EMAIL_X_UNSENT", "true")
    head = header_block(render_sample("email")["email"].encode("ascii"))
    assert "List-Unsubscribe" not in head and "\r\nX-Unsent: 1" in head
    monkeypatch.setenv("DIGEST_EMAIL_LIST_UNSUBSCRIBE", "mailto:off@example.org")
    head = header_block(render_sample("email")["email"].encode("ascii"))
    assert "List-Unsubscribe: <mailto:off@example.org>" in head
    assert "List-Unsubscribe-Post" not in head  # one-click needs an https target (RFC 8058)


@pytest.mark.parametrize("value", ["http://example.org/u", "example.org/u", "https://x.org/a b"])
def test_unusable_unsubscribe_targets_are_refused(mail: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("DIGEST_EMAIL_LIST_UNSUBSCRIBE", value)
    result = CliRunner().invoke(cli, ["render", "issues/2022-10-23.md", "--format", "email"])
    assert result.exit_code == 2 and "email.list_unsubscribe" in result.stderr
    assert not Path("build/2022-10-23.eml").exists()


def test_rendering_twice_gives_the_same_bytes_and_edits_a_new_message_id(mail: Path) -> None:
    first = render_sample("email")["email"]
    assert render_sample("email")["email"] == first
    path = Path("issues/2022-10-23.md")
    path.write_text(path.read_text(encoding="utf-8").replace("in order.", "in order!"), encoding="utf-8")
    changed = parse(render_sample("email")["email"].encode())
    assert changed["Message-ID"] != parse(first.encode())["Message-ID"]


def test_date_is_the_issue_date_at_the_send_hour_in_the_time_zone(mail: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("DIGEST_EMAIL_SEND_HOUR", "7")
    assert parse(render_sample("email")["email"].encode())["Date"] == "Sun, 23 Oct 2022 07:00:00 +0200"


def test_text_and_html_parts_carry_the_same_titles_notes_and_links(mail: Path) -> None:
    msg = parse(render_sample("email")["email"].encode())
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    page = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert text == render_sample("text")["text"]
    visible = _Text()
    visible.feed(page)
    html_words = words(html.unescape("".join(visible.parts)))
    text_words = words(re.sub(r"(?m)^\s*(- |\d+\. )", "", re.sub(r" \[\d+\]", "", text)))
    issue = load_issue(Path("issues/2022-10-23.md"))
    view = build_view(issue, load_settings(), issue_papers(issue, None, Path("seeds")))
    assert len(view.papers) == 10
    for paper in view.papers:
        assert paper.title in html_words and paper.title in text_words
        for para in paper.notes.split("\n\n"):
            para = words(re.sub(r"(?m)^(- |\d+\. )", "", para))
            assert para in html_words, para
            assert para in text_words, para
    for url in set(re.findall(r'href="(https://arxiv\.org/[^"]+)"', page)):
        assert url in text
    assert "CNNs dominating" not in text.split("\n", 3)[3]  # the preheader is the HTML's alone


def test_plain_text_is_wrapped_with_numbered_links_per_section(mail: Path) -> None:
    text = render_sample("text")["text"]
    assert all(len(line) <= 72 or " " not in line.strip() for line in text.splitlines())
    assert text.startswith("2022-10-23 arXiv roundup: CNNs dominating sequence modeling, SetFit,\nGoogle finetuning trifecta\n===")
    assert "UL2: Unifying Language Learning Paradigms\nhttps://arxiv.org/abs/2205.05131\n" in text
    assert "<" not in text.replace("<-", "")  # no markup
    issue = parse_issue(
        "---\ndate: 2024-05-01\nheadline: Links\n---\n\nSee [the blog](https://blog.example.org/post) and <https://x.example.org>.\n\n"
        "## [A](https://arxiv.org/abs/2405.00001)\n\nUses [code](https://github.com/a/b) and ![a plot](https://img.example.org/p.png).\n\n"
        "| model | score |\n|---|---|\n| A | 1 |\n\n- one\n  - two\n\n```\nkeep   spacing\n```\n\nA note.[^1]\n\n[^1]: The footnote.\n",
        Path("2024-05-01.md"),
    )
    settings = load_settings()
    from digest.render.plaintext import render_text

    text = render_text(build_view(issue, settings, issue_papers(issue, None, None)), settings)
    assert "See the blog [1] and https://x.example.org.\n\n[1] https://blog.example.org/post\n" in text
    assert "Uses code [2] and [image: a plot] [3]." in text
    assert "[2] https://github.com/a/b\n[3] https://img.example.org/p.png\n[^1] The footnote." in text
    assert "model | score\nA | 1" in text and "- one\n  - two" in text and "    keep   spacing" in text


HOSTILE = """---
date: 2022-10-23
title: "Week\\r\\nBcc: victim@example.org <script>alert(1)</script> — Schrödinger’s “cat”"
headline: "a\\r\\nBcc: x@example.org\\nX-Injected: 1"
sponsor: "<img src=x onerror=alert(2)>"
---

Intro <script>alert('i')</script> ünïcödé

## [<script>alert('t')</script> Title](https://arxiv.org/abs/2210.11399)
<!-- digest:paper
id: 2210.11399v1
authors: ["Ann\\r\\nBcc: evil@example.org", "Eve <script>alert('e')</script>"]
-->

Notes <script>alert('n')</script> <iframe src="https://evil.example"></iframe> [go](javascript:alert('p')) Zoë → ∞
"""


@hsettings(max_examples=400, deadline=None)
@given(
    st.lists(st.text(alphabet=st.sampled_from(list("ab-/é")), min_size=1, max_size=90), max_size=40),
    st.sampled_from([" ", "  ", "\n", " \t", "\n\n"]),
    st.sampled_from(["", "  ", "   ", "> ", " " * 70]),
    st.sampled_from(["", "  ", "     "]),
)
def test_wrapping_is_textwraps(words: list[str], sep: str, indent: str, hang: str) -> None:
    """`wrap` is a faster `textwrap.fill` with long words and hyphens never split."""
    import textwrap

    text = sep.join(words)
    expected = "\n".join(
        textwrap.fill(" ".join(piece.split()), width=WIDTH, initial_indent=indent, subsequent_indent=indent + hang,
                      break_long_words=False, break_on_hyphens=False)
        for piece in text.split("\n") if piece.split()
    )  # fmt: skip
    assert wrap(text, indent, hang) == expected


def test_hostile_issue_injects_no_header_and_no_markup(mail: Path) -> None:
    path = Path("issues/2022-10-23.md")
    path.write_text(HOSTILE, encoding="utf-8")
    raw = render_sample("email")["email"].encode("ascii")
    head = header_block(raw)
    names = [line.split(":", 1)[0] for line in head.split("\r\n") if not line[:1].isspace()]
    assert names == ["From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post",
                     "MIME-Version", "Content-Type"]
    assert "?==?" not in head
    msg = parse(raw)
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert msg["Subject"] == "Week Bcc: victim@example.org <script>alert(1)</script> — Schrödinger’s “cat”"
    page = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    html5lib.HTMLParser(strict=True).parse(page)
    tags: list[tuple[str, dict[str, str | None]]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append((tag, dict(attrs)))

    Tags().feed(page)
    assert not {t for t, _ in tags} & {"script", "iframe", "object", "embed", "svg", "form"}
    for tag, attrs in tags:
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
        assert not (attrs.get("href") or "").lower().startswith("javascript:")
    assert "Zoë → ∞" in page and "ünïcödé" in page
    assert "a Bcc: x@example.org X-Injected: 1" in page  # the preheader, on one line
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert "Notes <script>alert('n')</script>" in text  # the reader sees what was written


@pytest.mark.parametrize("var", ["DIGEST_EMAIL_FROM", "DIGEST_EMAIL_TO"])
def test_addresses_with_line_breaks_are_refused(mail: Path, monkeypatch: pytest.MonkeyPatch, var: str) -> None:
    monkeypatch.setenv(var, "a@example.org\r\nBcc: evil@example.org")
    result = CliRunner().invoke(cli, ["render", "issues/2022-10-23.md", "--format", "email"])
    assert result.exit_code == 2 and "line break" in result.stderr


@pytest.mark.parametrize("var", ["DIGEST_EMAIL_FROM", "DIGEST_EMAIL_TO"])
def test_an_address_the_mail_headers_cannot_hold_is_one_line(mail: Path, monkeypatch: pytest.MonkeyPatch, var: str) -> None:
    monkeypatch.setenv(var, "jane@[10.0.0.1")
    result = CliRunner().invoke(cli, ["render", "issues/2022-10-23.md", "--format", "email"], catch_exceptions=False)
    assert result.exit_code == 2 and result.stderr.startswith(f"{var}: ")
    assert "'jane@[10.0.0.1' is not one mail address" in result.stderr and "Traceback" not in result.stderr


def test_email_needs_a_sender(newsletter: Path) -> None:
    settings = newsletter / "digest.toml"
    settings.write_text(settings.read_text().split("[email]")[0])
    result = CliRunner().invoke(cli, ["render", "issues/2022-10-23.md", "--format", "md,email"])
    assert result.exit_code == 2 and "email.from: not set" in result.stderr
    assert not Path("build").exists()  # nothing is written when one format fails


def test_email_html_is_inlined_fluid_and_accessible(mail: Path) -> None:
    msg = parse(render_sample("email")["email"].encode())
    page = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    html5lib.HTMLParser(strict=True).parse(page)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(styles) == 1 and re.sub(r"@media[^{]*\{(?:[^{}]*\{[^}]*\})*\s*\}", "", styles[0]).strip() == ""
    assert 'role="presentation"' in page and all('role="presentation"' in t for t in re.findall(r"<table[^>]*>", page))
    assert 'max-width:600px' in page.replace(": ", ":") and 'width="600"' in page  # fluid + the Outlook ghost table
    assert re.search(r'<h2[^>]*><a href="https://arxiv.org/abs/2205.05131" style="[^"]*color: ?#0b57b0', page)
    assert re.search(r'<div class="preheader" style="display:none[^"]*">CNNs dominating sequence modeling', page)
    assert "<link" not in page and "<script" not in page
    assert len(page.encode()) < 90_000


def test_images_get_absolute_urls_alt_and_keep_their_own_size(mail: Path) -> None:
    path = Path("issues/2022-10-23.md")
    (path.parent / "img").mkdir()
    (path.parent / "img" / "curves.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    text = path.read_text(encoding="utf-8").replace(
        "in order.", "in order.\n\n![Loss curves](img/loss.png) ![](https://cdn.example.org/x.png)\n\n"
        "![Curves](img/curves.png \"Figure 1\")", 1
    )
    path.write_text(text, encoding="utf-8")
    page = parse(render_sample("email")["email"].encode()).get_body(("html",)).get_content()  # type: ignore[union-attr]
    imgs = re.findall(r"<img[^>]*>", page)
    assert len(imgs) == 3
    # a missing file is addressed where the site would have it; a local one where `digest render` copies it
    assert 'src="https://dblalock.substack.com/img/loss.png"' in imgs[0] and 'alt="Loss curves"' in imgs[0]
    assert 'src="https://dblalock.substack.com/2022-10-23/img/curves.png"' in imgs[2] and 'alt="Curves"' in imgs[2]
    # never enlarged: no width attribute (a blocked image would be as wide as it says), only max-width
    assert all("width=" not in i and "alt=" in i and "max-width: 100%" in i and "height: auto" in i for i in imgs)
    assert re.search(r'<figure[^>]*><img src="https://dblalock.substack.com/2022-10-23/img/curves.png"[^>]*>'
                     r"<figcaption[^>]*>Figure 1</figcaption></figure>", page)


@pytest.mark.parametrize("fmt,suffix", [("email", "eml"), ("text", "txt")])
def test_golden_sample_issue(mail: Path, fmt: str, suffix: str, request: pytest.FixtureRequest) -> None:
    """The sample issue as committed; `pytest --update-golden` rewrites the files."""
    rendered = render_sample(fmt)[fmt].encode("utf-8")
    golden = GOLDEN / f"2022-10-23.{suffix}"
    if request.config.getoption("--update-golden"):
        golden.write_bytes(rendered)
    assert golden.exists(), "no golden file yet: run pytest --update-golden and review the diff"
    assert rendered == golden.read_bytes(), f"{golden.name} changed: review, then pytest --update-golden"


def test_cli_writes_every_format(mail: Path) -> None:
    result = CliRunner().invoke(cli, ["render", "issues/2022-10-23.md", "--format", "md,html,email,text,substack"])
    assert result.exit_code == 0, result.output
    for suffix in (".md", ".html", ".eml", ".txt", ".substack.html"):
        assert Path(f"build/2022-10-23{suffix}").is_file()
    assert Path("build/2022-10-23.eml").read_bytes() == render_sample("email")["email"].encode()


def test_md_and_html_render_loads_no_email_machinery(newsletter: Path) -> None:
    email = ("css_inline", "smtplib", "email.message", "digest.render.email_message", "digest.deliver")
    assert modules_loaded(["render", "issues/2022-10-23.md", "--format", "md,html"], email) == []


def test_the_text_part_names_attached_images_instead_of_paths_a_mail_reader_cannot_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without `url` the email carries the issue's local images as parts: its text part says so
    (by the part's file name), while the .txt beside build/ keeps the paths that work there."""
    from test_faithful import STEM, make_faithful

    make_faithful(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["render", f"issues/{STEM}.md", "--format", "email,text"])
    assert result.exit_code == 0, result.output
    msg = parse(Path(f"build/{STEM}.eml").read_bytes())
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    attached = sorted(p.get_filename() for p in msg.walk() if p["Content-ID"])
    assert attached == ["fig5.png", "fig7.png", "icon.png"]
    assert f"{STEM}/img/" not in text
    assert "The [image: arXiv] [2] icon marks papers" in text
    assert "\n[2] (image attached: icon.png)\n" in text
    assert "\n[3] (image attached: fig5.png)\n[4] https://example.org/figures/fig6.png\n" in text  # a URL stays
    assert "\n[6] (image attached: fig7.png)\n" in text
    standalone = Path(f"build/{STEM}.txt").read_text(encoding="utf-8")
    assert f"\n[3] {STEM}/img/fig5.png\n" in standalone and "attached" not in standalone
    assert text.replace("(image attached: ", f"{STEM}/img/").replace(".png)", ".png") == standalone


def test_with_url_the_text_part_links_the_published_images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_faithful import STEM, make_faithful

    make_faithful(tmp_path, url="https://news.example.org/")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["render", f"issues/{STEM}.md", "--format", "email"])
    assert result.exit_code == 0, result.output
    text = parse(Path(f"build/{STEM}.eml").read_bytes()).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"\n[3] https://news.example.org/{STEM}/img/fig5.png\n" in text.replace("\r\n", "\n")
    assert "attached" not in text
