"""The Substack flavour: only what Substack's editor keeps, and the page's copy button data."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import html5lib
import pytest
from hypothesis import given, settings, strategies as st

from conftest import REPO
from digest.config import load_settings
from digest.issue import load_issue, parse_issue
from digest.render.papers import issue_papers
from digest.render import build_view, render_issue, render_view

GOLDEN = REPO / "tests" / "golden"
ALLOWED = {"h2", "h3", "h4", "p", "a", "strong", "em", "s", "code", "pre", "ul", "ol", "li", "blockquote", "hr",
           "img", "br", "figure", "figcaption"}
ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(fragment: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(fragment)
    return parser.tags


def assert_clean(fragment: str, end: str = "\n") -> None:
    assert fragment == fragment.strip() + end and "style=" not in fragment and "class=" not in fragment
    html5lib.HTMLParser(strict=True).parseFragment(fragment)
    for tag, attrs in tags_of(fragment):
        assert tag in ALLOWED, tag
        assert set(attrs) <= ATTRIBUTES.get(tag, set()), (tag, attrs)
        for name in ("href", "src"):
            if name in attrs:
                assert re.match(r"(https?://|mailto:)", attrs[name] or ""), attrs
        if tag == "ol" and "start" in attrs:
            assert (attrs["start"] or "").isdigit() and attrs["start"] != "1", attrs


def sample(newsletter: Path, *formats: str) -> dict[str, str]:
    return render_issue(load_issue(newsletter / "issues" / "2022-10-23.md"), load_settings(), formats)


def test_sample_is_clean_with_linked_paper_headings(newsletter: Path) -> None:
    out = sample(newsletter, "substack")["substack"]
    assert_clean(out)
    headings = re.findall(r'<h2><a href="(https://arxiv\.org/abs/[^"]+)">([^<]+)</a></h2>', out)
    assert len(headings) == 10 and headings[0] == ("https://arxiv.org/abs/2205.05131", "UL2: Unifying Language Learning Paradigms")
    assert "<table" not in out and "<h1" not in out  # the title goes into Substack's own title field


def test_tables_images_footnotes_and_hostile_markup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digest.toml").write_text('url = "https://news.example.org"\n')
    text = (
        "---\ndate: 2024-05-01\nheadline: H\n---\n\nIntro <script>alert(1)</script> [rel](notes/a.html) [js](javascript:alert(2))\n\n"
        "## [A *paper*](https://arxiv.org/abs/2405.00001)\n<!-- digest:paper\nauthors: [Ann <b>B</b>, Zoë]\n-->\n\n"
        "| model | score |\n|---|---|\n| A | **1** |\n| B | 2 |\n\n![Loss curve](img/loss.png \"Figure 1: loss\")\n\n"
        "Inline `code` and a note.[^1]\n\n```\nx  =  1\n  y\n```\n\n# Big heading\n\n- a\n  - b\n\n> quoted\n\n[^1]: Footnote *text*.\n"
    )
    issue = parse_issue(text, tmp_path / "2024-05-01.md")
    settings = load_settings()
    out = render_view(build_view(issue, settings, issue_papers(issue, None, None)), settings, "substack")
    assert_clean(out)
    assert "<p>Intro &lt;script&gt;alert(1)&lt;/script&gt; <a href=\"https://news.example.org/notes/a.html\">rel</a> js</p>" in out
    assert '<h2><a href="https://arxiv.org/abs/2405.00001">A \u2060*paper*</a></h2>' in out  # literal, even on paste
    assert "<p><em>Ann &lt;b&gt;B&lt;/b&gt;, Zoë · arXiv:2405.00001</em></p>" in out
    assert "<ul><li><strong>model:</strong> A; <strong>score:</strong> <strong>1</strong></li><li><strong>model:</strong> B; " in out
    # a missing local file is addressed where the site would have it; the title is the caption, the alt stays alt
    assert ('<figure><img src="https://news.example.org/img/loss.png" alt="Loss curve" title="Figure 1: loss">'
            "<figcaption>Figure 1: loss</figcaption></figure>") in out
    assert "<p>Inline <code>code</code> and a note.[1]</p>" in out
    assert "<pre><code>x  =  1\n  y\n</code></pre>" in out
    assert "<h3>Big heading</h3>\n<ul><li>a<ul><li>b</li></ul></li></ul>\n<blockquote><p>quoted</p></blockquote>" in out
    assert out.endswith("<ol><li><p>Footnote <em>text</em>.</p></li></ol>\n")


def test_page_carries_exactly_the_substack_html_for_its_copy_button(newsletter: Path) -> None:
    out = sample(newsletter, "html", "substack")
    m = re.search(r'<script type="application/json" id="substack-html">(.*?)</script>', out["html"], re.S)
    assert m is not None
    assert json.loads(m.group(1)) + "\n" == out["substack"]
    assert "<" not in m.group(1) and "&" not in m.group(1)  # nothing in the data can end the script
    assert '<button type="button" id="copy-substack">Copy for Substack</button>' in out["html"]
    html5lib.HTMLParser(strict=True).parse(out["html"])


def test_golden_sample_issue(newsletter: Path, request: pytest.FixtureRequest) -> None:
    rendered = sample(newsletter, "substack")["substack"]
    golden = GOLDEN / "2022-10-23.substack.html"
    if request.config.getoption("--update-golden"):
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), "no golden file yet: run pytest --update-golden and review the diff"
    assert rendered == golden.read_text(encoding="utf-8"), f"{golden.name} changed: review, then pytest --update-golden"


MARKDOWN = st.lists(
    st.sampled_from(["word", " ", "\n", "\n\n", "- ", "1. ", "3. ", "> ", "**", "*", "_", "`", "```\n", "~~", "# ", "## ",
                     "[a](https://x.org/?a=1&b=2)", "![alt \"q\"](img.png)", "![a](https://x.org/i.png \"T\")",
                     "<b>raw</b>", "&amp;", "&", "<", ">", "\"", "'", "|a|b|\n|-|-|\n|1|2|\n", "[^1]", "\n\n[^1]: note\n",
                     "https://y.org", "é", "    code\n", "$x^2$", "$$\n\\frac{a}{b}\n$$\n", "  \n", "\\\n",
                     "[j](javascript:alert(1))", "<script>alert(1)</script>"]),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(MARKDOWN)
def test_any_markdown_gives_clean_substack_html(markdown: str) -> None:
    """Whatever the editor writes, the flavour holds only what Substack keeps, and valid HTML."""
    from digest.render.substack import markdown_to_substack

    out = markdown_to_substack(markdown, "https://news.example.org")
    if out:
        assert_clean(out, end="")
    assert 'href="javascript:' not in out.lower()


def test_list_numbers_line_breaks_and_math_survive() -> None:
    from digest.render.substack import markdown_to_substack

    out = markdown_to_substack("3. three\n4. four\n\n![](https://x.org/f.png)\n\n5. five\n\nA  \nB\\\nC with $O(n^2)$ and a *b* c")
    assert out == (
        '<ol start="3"><li>three</li><li>four</li></ol>\n<figure><img src="https://x.org/f.png" alt=""></figure>\n'
        '<ol start="5"><li>five</li></ol>\n<p>A<br>B<br>C with O(n²) and a <em>b</em> c</p>'
    )
    # a literal asterisk that could open an emphasis is kept from the editor's paste rules
    assert markdown_to_substack("a \\*b\\* c") == "<p>a \u2060*b* c</p>"
