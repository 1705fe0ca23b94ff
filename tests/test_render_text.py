"""Text reads as the same words in every format: arXiv text in the Markdown output, money
next to math, and math in the title, the headline and editorial headings.

Each test renders an issue with `digest render`, the command a user runs, and reads the
outputs the way a reader's software does (mistune for the Markdown, an email parser for
the message).
"""

from __future__ import annotations

import email
import html
import json
import re
from email import policy
from pathlib import Path

import pytest
from conftest import run

STEM = "2022-11-20"
SETTINGS = """name = "T"

[email]
from = "T <t@example.org>"
"""
SUFFIXES = {
    "md": ".md",
    "html": ".html",
    "email": ".eml",
    "text": ".txt",
    "substack": ".substack.html",
}


def render(root: Path, monkeypatch: pytest.MonkeyPatch, issue: str) -> dict[str, str]:
    """``issue`` rendered in all five formats: each output's text (the email: its Subject,
    its plain-text part and its HTML part, one after the other)."""
    (root / "issues").mkdir(parents=True)
    (root / "digest.toml").write_text(SETTINGS, encoding="utf-8")
    (root / "issues" / f"{STEM}.md").write_text(issue, encoding="utf-8")
    monkeypatch.chdir(root)
    code, _, err = run("render", f"issues/{STEM}.md")
    assert code == 0, err
    out = {
        fmt: (root / "build" / f"{STEM}{suffix}").read_text(encoding="utf-8")
        for fmt, suffix in SUFFIXES.items()
    }
    msg = email.message_from_bytes(
        (root / "build" / f"{STEM}.eml").read_bytes(), policy=policy.default
    )
    parts = [
        msg.get_body((kind,)).get_content().replace("\r\n", "\n")
        for kind in ("plain", "html")
    ]  # type: ignore[union-attr]
    out["email"] = "Subject: " + str(msg["Subject"]) + "\n" + "\n".join(parts)
    return out


def words(markup: str) -> str:
    """What a reader sees of some HTML (or plain text): tags gone, entities read, one space."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def paper(n: int, title: str, abstract: str) -> str:
    return (
        f"## arXiv:2210.{n:05d}\n<!-- digest:paper\nid: 2210.{n:05d}v1\n"
        f"title: {json.dumps(title)}\nauthors: [A B]\ncategories: [cs.LG]\nabstract: {json.dumps(abstract)}\n-->\n\n"
    )


STARTS = [
    "1.58-bit FLUX",
    "2.5D reconstruction",
    "1. One",
    "1) first",
    "10. Ten",
    "3)",
    "- dash",
    "-based",
    "+ plus",
    "# hash",
    "#1 ranked",
    "> quoted",
    "= equals",
    "1.",
]


def test_arxiv_text_in_the_markdown_reads_as_the_same_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mistune

    issue = f"---\ndate: {STEM}\nunannotated: abstract\n---\n\n"
    issue += "".join(
        paper(i + 1, f"{start} title", f"{start} and the rest of the abstract.")
        for i, start in enumerate(STARTS)
    )
    md = render(tmp_path / "news", monkeypatch, issue)["md"]
    page = mistune.create_markdown(
        escape=False, plugins=["strikethrough", "table", "footnotes", "url"]
    )(md)
    titles = [
        words(t)
        for t in re.findall(
            r"<h2><a href=\"https://arxiv.org/abs/[^\"]+\">(.*?)</a></h2>", page
        )
    ]
    abstracts = [
        words(a) for a in re.findall(r"<blockquote>(.*?)</blockquote>", page, re.DOTALL)
    ]
    assert titles == [f"{start} title" for start in STARTS]
    assert abstracts == [f"{start} and the rest of the abstract." for start in STARTS]
    assert page.count("<h1>") == 1  # the issue's title
    assert not re.search(
        r"<(?:ol|ul|li|h3|hr)\b", page
    )  # no text became a list, a heading or a rule
    assert (
        "## [1.58-bit FLUX title](" in md
    )  # a title in [...] starts no list: nothing to escape
    assert (
        "> 1\\) first" in md and "> 10\\. Ten" in md
    )  # the escape goes after the number


MONEY = """---
date: {stem}
headline: money
sponsor: Costs $5 per $\\gamma$.
---

It costs $5 per $\\gamma$ unit.

Tickets cost $5 and $10, or $5-$10 at the door.

Online: US$ 5, or US$5 with $x$ off.

A formula $x^2$ next to $20,000 stays a formula.

## Also at \\$5 per $\\gamma$

Between $5 and $10 per $O(n^2)$ step.
"""


def test_a_dollar_amount_is_money_and_only_delimited_tex_is_math(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = render(tmp_path / "news", monkeypatch, MONEY.format(stem=STEM))
    for fmt, text in out.items():
        seen = words(text)
        for phrase in (
            "Costs $5 per γ.",
            "It costs $5 per γ unit.",
            "Tickets cost $5 and $10, or $5-$10 at the door.",
            "Online: US$ 5, or US$5 with x off.",
            "A formula x² next to $20,000 stays a formula.",
            "Between $5 and $10 per O(n²) step.",
        ):
            assert phrase in seen, (fmt, phrase, seen)
        assert "\\gamma" not in text and "\\$" not in text, fmt
        assert ("ALSO AT $5 PER" if fmt == "text" else "Also at $5 per γ") in seen, (
            fmt
        )  # the capitals: below


HEADINGS = """---
date: {stem}
headline: Attention in $O(n \\log n)$ time, not $O(n^2)$
---

Intro.

## Math heading $\\beta$ here

Notes under it.
"""


def test_math_in_the_headline_and_headings_is_unicode_in_every_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = render(tmp_path / "news", monkeypatch, HEADINGS.format(stem=STEM))
    title = f"{STEM} arXiv roundup: Attention in O(n log n) time, not O(n²)"
    for fmt, text in out.items():
        assert "\\log" not in text and "\\beta" not in text and "$" not in text, fmt
    assert out["email"].startswith(f"Subject: {title}\n")
    for fmt in ("html", "email"):
        assert f"<title>{title}</title>" in out[fmt], fmt
        assert re.search(rf"<h1[^>]*>{re.escape(title)}</h1>", out[fmt]), fmt
        assert re.search(r"<h2[^>]*>Math heading β here</h2>", out[fmt]), fmt
    assert (
        '<meta name="description" content="Attention in O(n log n) time, not O(n²)">'
        in out["html"]
    )
    assert "<h2>Math heading β here</h2>" in out["substack"]
    assert (
        out["md"].startswith(f"# {title}\n")
        and "\n## Math heading β here\n" in out["md"]
    )
    assert out["text"].startswith(title + "\n")


def test_the_text_capitalises_a_heading_but_not_its_math(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = render(tmp_path / "news", monkeypatch, HEADINGS.format(stem=STEM))
    assert "\nMATH HEADING β HERE\n" in out["text"]  # β, not the capital Β
    assert "\nMATH HEADING β HERE\n" in out["email"]


def test_the_archive_shows_the_headline_and_title_with_math_as_unicode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    render(tmp_path / "news", monkeypatch, HEADINGS.format(stem=STEM))
    code, _, err = run("build", "-j", "1")
    assert code == 0, err
    index = (tmp_path / "news" / "build" / "index.html").read_text(encoding="utf-8")
    feed = (tmp_path / "news" / "build" / "feed.xml").read_text(encoding="utf-8")
    for text in (index, feed):
        assert "Attention in O(n log n) time, not O(n²)" in text and "\\log" not in text


def test_a_line_break_in_the_headline_or_title_is_a_space_in_every_format(newsletter: Path) -> None:
    # A quoted YAML string can hold a line break; the .md's `# title` line must stay one line.
    path = newsletter / "issues" / "2022-10-23.md"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("\n---\n", 1)
    head = "\n".join(line for line in head.splitlines() if not line.startswith(("headline:", "title:")))
    path.write_text(head + '\nheadline: "Scaling\\r\\nBcc: evil@example.org"\n---\n' + rest, encoding="utf-8")
    code, _, err = run("render", "issues/2022-10-23.md")
    assert code == 0, err
    md = (newsletter / "build" / "2022-10-23.md").read_text(encoding="utf-8")
    assert md.splitlines()[0].endswith("Scaling Bcc: evil@example.org")
    assert "Scaling Bcc: evil@example.org" in (newsletter / "build" / "2022-10-23.html").read_text(encoding="utf-8")


def test_a_figure_pasted_from_digest_figures_reads_once_in_the_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`digest figures` makes the alt text the caption's first sentence and the title "Figure N: caption":
    the plain text shows the caption once, not the alt text and then the same words again. An alt text
    that says something else still comes first."""
    issue = ("---\ndate: 2022-11-20\nheadline: H\n---\n\n" + paper(1, "T", "A.") + "Notes.\n\n"
             '![α-scaled attention beats linear attention](https://arxiv.org/html/2205.05131v3/x2.png "Figure 2:'
             ' α-scaled attention beats linear attention. At 10⁹ parameters.")\n\n'
             '![Three curves](https://example.org/c.png "Figure 3: loss falls")\n')  # fmt: skip
    text = " ".join(render(tmp_path, monkeypatch, issue)["text"].split())
    assert "[image: Figure 2: α-scaled attention beats linear attention. At 10⁹ parameters.] [" in text, text
    assert "[image: Three curves: Figure 3: loss falls] [" in text, text


@pytest.mark.parametrize(("alt", "title", "shown"), [
    ("We compare sparse and dense models across many sizes…", "Figure 4: We compare sparse and dense models across"
     " many sizes and budgets, and find that sparsity wins.", "Figure 4: We compare sparse and dense models across"
     " many sizes and budgets, and find that sparsity wins."),  # the alt cut at 100 characters by `digest figures`
    ("cat", "Communication cost", "cat: Communication cost"),  # words, not letters inside a word
    ("Train", "Training data", "Train: Training data"),  # a whole word of the caption, not a part
    ("Loss curves.", "Figure 1 (image 2 of 3): Loss curves. Lower is better.", "Figure 1 (image 2 of 3): Loss curves."
     " Lower is better."),
    ("", "Figure 5: loss", "Figure 5: loss"),
])  # fmt: skip
def test_an_images_text_drops_its_alt_only_when_the_caption_says_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   alt: str, title: str, shown: str) -> None:  # fmt: skip
    issue = "---\ndate: 2022-11-20\nheadline: H\n---\n\n" + paper(1, "T", "A.") + f'Notes.\n\n![{alt}](https://example.org/f.png "{title}")\n'
    assert f"[image: {shown}] [" in " ".join(render(tmp_path, monkeypatch, issue)["text"].split())
