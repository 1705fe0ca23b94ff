"""Rendering an issue: what readers get in Markdown and HTML."""

from __future__ import annotations

import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import html5lib
import mistune
import pytest

from conftest import run, FIXTURES, REPO
from digest.config import load_settings
from digest.issue import load_issue, parse_issue
from digest.render.papers import issue_papers
from digest.render import build_view, render_issue, render_view

SEED_ROUNDUP = FIXTURES / "004_080c5c788a2ab269.txt"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def markdown_to_lines(markdown: str) -> list[str]:
    """The Markdown as plain text: rendered, tags dropped, one line per block."""
    parser = _Text()
    parser.feed(mistune.html(markdown))
    text = html.unescape("".join(parser.parts))
    return [line.strip() for line in text.splitlines() if line.strip()]


def is_subsequence(needles: list[str], haystack: list[str]) -> tuple[bool, str]:
    it = iter(haystack)
    for needle in needles:
        if not any(needle == hay for hay in it):
            return False, needle
    return True, ""


def render_sample(newsletter: Path, *formats: str) -> dict[str, str]:
    return render_issue(load_issue(newsletter / "issues" / "2022-10-23.md"), load_settings(), formats)


def test_markdown_holds_every_line_of_the_seed_roundup_in_order(newsletter: Path) -> None:
    rendered = render_sample(newsletter, "md")["md"]
    expected = [line.strip() for line in SEED_ROUNDUP.read_text(encoding="utf-8").splitlines() if line.strip()]
    ok, missing = is_subsequence(expected, markdown_to_lines(rendered))
    assert ok, f"missing or out of order: {missing!r}"
    assert len(expected) == 86  # the whole roundup, not an empty file


def test_markdown_is_paste_clean(newsletter: Path) -> None:
    md = render_sample(newsletter, "md")["md"]
    assert md.startswith("# 2022-10-23 arXiv roundup: CNNs dominating sequence modeling, SetFit, Google finetuning trifecta\n")
    assert "<!--" not in md and "\n---\n" not in md and "headline:" not in md
    assert "## [UL2: Unifying Language Learning Paradigms](https://arxiv.org/abs/2205.05131)" in md
    assert "\n\n\n" not in md


def test_html_is_valid_html5_with_every_title_linked(newsletter: Path) -> None:
    page = render_sample(newsletter, "html")["html"]
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(page)  # raises on any parse error
    assert page.startswith("<!DOCTYPE html>")
    titles = re.findall(r'<h2><a href="https://arxiv.org/abs/([^"]+)">([^<]+)</a></h2>', page)
    assert [t[0] for t in titles][:3] == ["2205.05131", "2210.11399", "2210.11416"]
    assert len(titles) == 10
    assert "<style>" in page and 'name="viewport"' in page and "<link" not in page
    assert "<title>2022-10-23 arXiv roundup: CNNs dominating" in page


def test_seed_abstracts_fill_in_missing_metadata(newsletter: Path) -> None:
    page = render_sample(newsletter, "html")["html"]
    ul2 = page[page.index('id="arxiv-2205.05131"') : page.index('id="arxiv-2210.11399"')]
    assert "<summary>Abstract</summary>" in ul2  # seeds/002 holds the UL2 abstract
    laion = page[page.index('id="arxiv-2210.08402"') : page.index('id="arxiv-2210.10620"')]
    assert "Abstract" not in laion  # no source knows this one: title and link suffice


HOSTILE = """---
date: 2022-10-23
headline: Safe <script>alert('h')</script>
sponsor: "[Sponsor](javascript:alert('s'))"
---

Intro <img src=x onerror="alert('i')"> [click](javascript:alert('j')) [x](JaVaScRiPt:alert(1)) <a href="javascript:alert(2)">a</a>

## [<script>alert('t')</script> Title](https://arxiv.org/abs/2210.11399)
<!-- digest:paper
id: 2210.11399v1
authors: ["<img src=x onerror=alert('a')>", "Eve <script>alert('e')</script>"]
categories: [cs.LG]
abstract: "Abstract <script>alert('b')</script> <img src=y onerror=alert('c')>"
-->

Notes <script>alert('n')</script> <img src=z onerror="alert('o')"> [go](javascript:alert('p')) ![pic](javascript:alert('q'))
<iframe src="https://evil.example"></iframe> <a href="vbscript:msgbox">v</a> [d](data:text/html;base64,PHNjcmlwdD4=)

## Editorial <svg onload=alert('ed')>

<style>body{display:none}</style>
"""


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_hostile_text_never_survives_as_markup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    issue = parse_issue(HOSTILE, tmp_path / "2022-10-23.md")
    settings = load_settings()
    view = build_view(issue, settings, issue_papers(issue, None, None))
    page = render_view(view, settings, "html")
    html5lib.HTMLParser(strict=True).parse(page)
    parser = _Markup()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert not tags & {"iframe", "svg", "object", "embed"}
    assert [t for t, _ in parser.tags].count("style") == 1  # only the page's own stylesheet
    # the page's own script (the "Copy for Substack" button) is the only code, and holds no issue text;
    # issue text may travel only as JSON data, with every "<" escaped so it cannot close its element
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
    code = [body for attrs, body in scripts if "application/json" not in attrs]
    data = [body for attrs, body in scripts if "application/json" in attrs]
    assert len(code) <= 1 and all("alert" not in body for body in code)
    assert all("<" not in body for body in data)
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:")), (tag, attrs)
    # the text is still there for the reader, as text
    assert "&lt;script&gt;alert(&#39;n&#39;)&lt;/script&gt;" in page or "&lt;script&gt;alert('n')" in page


def test_tex_in_titles_and_abstracts_reads_as_unicode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (
        "---\ndate: 2024-05-01\nunannotated: abstract\n---\n\n"
        "## arXiv:2405.00001\n<!-- digest:paper\ntitle: '$\\textbf{Manticore}$: Fr\\''echet distances'\n"
        "abstract: 'A $1.45\\times$ speedup, \\emph{without} 50% loss. R\\''{e}nyi $\\delta$.'\n-->\n"
    )
    issue = parse_issue(text, tmp_path / "2024-05-01.md")
    settings = load_settings()
    view = build_view(issue, settings, issue_papers(issue, None, None))
    page = render_view(view, settings, "html")
    assert ">Manticore: Fréchet distances</a></h2>" in page
    assert "A 1.45× speedup, without 50% loss. Rényi δ." in page
    md = render_view(view, settings, "md")
    assert "## [Manticore: Fréchet distances](https://arxiv.org/abs/2405.00001)" in md
    assert "> A 1.45× speedup, without 50% loss. Rényi δ." in md


def test_papers_without_notes_are_left_out_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (
        "---\ndate: 2024-05-01\n---\n\n## arXiv:2405.00001\n<!-- digest:paper\ntitle: Kept\n-->\n\nWorth it.\n\n"
        "## arXiv:2405.00002\n<!-- digest:paper\ntitle: Skipped\nabstract: An abstract.\n-->\n"
    )
    issue = parse_issue(text, tmp_path / "2024-05-01.md")
    settings = load_settings()
    view = build_view(issue, settings, issue_papers(issue, None, None))
    md = render_view(view, settings, "md")
    assert "Kept" in md and "Skipped" not in md
    # one line, not one per paper: after triage most candidates are left without notes
    (tmp_path / "digest.toml").write_text("# the newsletter folder\n")
    path = tmp_path / "issues" / "2024-05-01.md"
    path.parent.mkdir()
    path.write_text(text + "".join(f"\n## arXiv:2405.0001{n}\n<!-- digest:paper\ntitle: T{n}\n-->\n" for n in range(3)))
    code, out, err = run("render", str(path), "--format", "md", "--out", str(tmp_path / "out"))
    shown = "issues/2024-05-01.md"  # a file in the newsletter folder is named from here
    assert code == 0 and err.splitlines() == [f"warning: {shown}: 4 candidates without notes are left out (`digest -v render {shown}` lists them)"]
    code, out, err = run("-v", "render", str(path), "--format", "md", "--out", str(tmp_path / "out"))
    assert f"{shown}:12: 2405.00002 has no notes and is left out (write notes, or set unannotated: abstract)" in err
    assert err.count("has no notes and is left out") == 4
    # one switch turns the roundup into an automatic digest
    issue.unannotated = "abstract"
    md = render_view(build_view(issue, settings, issue_papers(issue, None, None)), settings, "md")
    assert "Skipped" in md and "> An abstract." in md


def test_a_newsletter_template_overrides_the_packaged_one(newsletter: Path) -> None:
    (newsletter / "templates").mkdir()
    (newsletter / "templates" / "issue.md").write_text("Custom: {{ issue.title }} ({{ issue.papers | length }} papers)\n")
    (newsletter / "templates" / "issue.html").write_text(
        '{% extends "default:issue.html" %}{% block toolbar %}<p class="mine">hello</p>{% endblock %}'
    )
    out = render_sample(newsletter, "md", "html")
    assert out["md"] == "Custom: 2022-10-23 arXiv roundup: CNNs dominating sequence modeling, SetFit, Google finetuning trifecta (10 papers)\n"
    assert '<p class="mine">hello</p>' in out["html"] and "UL2" in out["html"]


GOLDEN = REPO / "tests" / "golden"


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_golden_sample_issue(newsletter: Path, fmt: str, request: pytest.FixtureRequest) -> None:
    """The sample issue renders exactly as committed; `pytest --update-golden` rewrites the files."""
    rendered = render_sample(newsletter, fmt)[fmt]
    golden = GOLDEN / f"2022-10-23.{fmt}"
    if request.config.getoption("--update-golden"):
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), "no golden file yet: run pytest --update-golden and review the diff"
    assert rendered == golden.read_text(encoding="utf-8"), f"{golden.name} changed: review, then pytest --update-golden"


def test_render_ignores_a_missing_store_and_seed_folder(newsletter: Path) -> None:
    shutil.rmtree(newsletter / "seeds")
    page = render_sample(newsletter, "html")["html"]
    assert "<summary>Abstract</summary>" not in page
    assert not (newsletter / ".digest").exists()  # rendering never creates a store


def test_a_sponsor_of_several_paragraphs_stays_valid_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGEST_EMAIL_FROM", "Ed <ed@example.org>")
    text = '---\ndate: 2024-05-01\nheadline: H\nsponsor: "Made possible by **X**.\\n\\nAnd by [Y](https://y.example)."\n---\n\nIntro.\n'
    issue = parse_issue(text, tmp_path / "2024-05-01.md")
    settings = load_settings()
    view = build_view(issue, settings, issue_papers(issue, None, None))
    page = render_view(view, settings, "html")
    html5lib.HTMLParser(strict=True).parse(page)
    assert '<div class="sponsor"><p>Made possible by <strong>X</strong>.</p>\n<p>And by <a href="https://y.example">Y</a>.</p></div>' in page
    substack = render_view(view, settings, "substack")
    assert "<p><p>" not in substack and "<em><p>" not in substack and "Made possible by" in substack


def test_odd_metadata_and_title_format_are_not_tracebacks(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`authors: 5` in a metadata comment is one author named 5; a title_format reaching into
    a value is a one-line settings error (exit 2)."""
    from click.testing import CliRunner

    from digest.cli import cli

    (newsletter / "issues" / "2022-10-30.md").write_text(
        "---\ndate: 2022-10-30\n---\n\n## [T](https://arxiv.org/abs/2210.11399)\n<!-- digest:paper\n"
        "authors: 5\ncategories: true\nabstract: x\n-->\n\nNotes.\n", encoding="utf-8"
    )
    done = CliRunner().invoke(cli, ["render", "issues/2022-10-30.md", "--format", "md"], catch_exceptions=False)
    assert done.exit_code == 0, done.stderr
    assert "*5* · True" in (newsletter / "build" / "2022-10-30.md").read_text(encoding="utf-8")
    monkeypatch.setenv("DIGEST_TITLE_FORMAT", "{date.year}")
    done = CliRunner().invoke(cli, ["render", "issues/2022-10-30.md", "--format", "md"], catch_exceptions=False)
    assert done.exit_code == 2  # a settings error, found when the settings are read, before any rendering
    assert done.stderr.startswith("DIGEST_TITLE_FORMAT: cannot fill in '{date.year}' (AttributeError: 'str' object has no attribute 'year')")


def test_render_says_in_one_line_why_it_skipped_the_email(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digest.toml").write_text('name = "No email yet"\n')
    shutil.copytree(REPO / "issues", tmp_path / "issues")
    code, out, err = run("render", "issues/2022-10-23.md")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == [
        "2022-10-23.html", "2022-10-23.md", "2022-10-23.substack.html", "2022-10-23.txt"]
    assert "warning: email not rendered: email.from is not set; set it in digest.toml to get build/2022-10-23.eml too" in err
