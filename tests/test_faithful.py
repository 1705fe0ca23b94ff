"""Everything an editor writes survives every format: figures, numbered lists, line breaks, math.

The issue below uses every Markdown feature a roundup uses (headings, emphasis, code,
quotes, an ordered list starting at 3 with nested bullets and continued after a figure,
images of every kind: a local figure with a caption, a remote one, an inline icon, a
linked badge, a small local chart; a table, a footnote, both kinds of hard line break,
inline and display math) and is rendered in all five formats by the command a user runs.
The golden files are tests/golden/faithful.*; `pytest --update-golden` rewrites them.
"""

from __future__ import annotations

import email
import html
import re
import shutil
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import html5lib
import pytest

from conftest import REPO, run

GOLDEN = REPO / "tests" / "golden"
IMAGES = GOLDEN / "faithful-img"
STEM = "2022-10-30"
SUFFIXES = {"md": ".md", "html": ".html", "email": ".eml", "text": ".txt", "substack": ".substack.html"}

ISSUE = """---
date: 2022-10-30
headline: Figures, numbered lists and math that survive every format
unannotated: abstract
---

Welcome back! This week has *emphasis*, **strong words**, `inline code`, ~~a retraction~~
and [a link](https://example.org/post). The ![arXiv](img/icon.png) icon marks papers with code.

## [Linear attention: from quadratic to linear](https://arxiv.org/abs/2210.11399)
<!-- digest:paper
id: 2210.11399v1
authors: [Yi Tay, Jason Wei, Hyung Won Chung, Xavier Garcia, Dara Bahri, Tal Schuster]
categories: [cs.CL, cs.LG]
-->

They cut attention from $O(n^2)$ to $O(n \\log n)$ with a decay $\\gamma$; the loss is
$\\frac{1}{n}\\sum_i \\ell_i$ as usual, and $x_{t-1}$ feeds $x_t$.

![Accuracy curves for three model sizes](img/fig5.png "Figure 5: accuracy rises faster with decay")

The recipe, in Blalock's numbering across figures:

3. Pretrain with span corruption.
   - mean span length 3
   - 15% of tokens masked
4. Finetune on the mixture.

![](https://example.org/figures/fig6.png)

5. Evaluate few-shot, with a [cheap baseline](https://example.org/baseline).

> "Decay is all you need,"
> the authors write.

A line that ends with two spaces  
and the line after it.\\
A backslash break before this line.

| model | params | score |
|---|--:|---|
| small | 60M | 41.2 |
| large | 770M | **48.9** |

```python
def decay(x, gamma):
    return x * gamma ** 2
```

$$
\\mathcal{L} = -\\sum_t \\log p(x_t \\mid x_{<t})
$$

The gains hold on every task.[^1]

[^1]: Measured on *SuperGLUE*, five seeds.

## arXiv:2210.11416
<!-- digest:paper
id: 2210.11416v1
title: 'Scaling Instruction-Finetuned *Language* Models'
authors: [Hyung Won Chung, Le_Hou]
categories: [cs.LG]
abstract: 'We finetune on 1.8K tasks; $x_i * y_j$ and $a_b_c$ stay literal. <img src=x onerror=alert(1)> [click](javascript:alert(1)) # not a heading'
-->

## Also this week

### Short takes

A small chart keeps its size:

![Bar chart of four tasks](img/fig7.png "Figure 7: four tasks")

[![Code on GitHub](https://example.org/badge.svg)](https://github.com/example/code)

---

Thanks for reading!
"""

SETTINGS = """name = "Davis Summarizes Papers"
author = "Davis Blalock"

[email]
from = "Davis Summarizes Papers <newsletter@example.org>"
"""


def make_faithful(root: Path, url: str = "") -> Path:
    """A newsletter folder holding the issue above and its image files; returns the issue."""
    (root / "issues" / "img").mkdir(parents=True, exist_ok=True)
    (root / "digest.toml").write_text((f'url = "{url}"\n' if url else "") + SETTINGS, encoding="utf-8")
    for image in IMAGES.iterdir():
        shutil.copy(image, root / "issues" / "img" / image.name)
    issue = root / "issues" / f"{STEM}.md"
    issue.write_text(ISSUE, encoding="utf-8")
    return issue


@pytest.fixture()
def faithful(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The newsletter folder (no `url`), as cwd, rendered in all five formats."""
    root = tmp_path / "news"
    make_faithful(root)
    monkeypatch.chdir(root)
    code, out, err = run("render", f"issues/{STEM}.md")
    assert code == 0, err
    # nothing is missing, nothing left out; only `url` is unset, for the formats read away from build/
    assert err.splitlines() == [
        f"warning: issues/{STEM}.md: 3 local images (img/icon.png, img/fig5.png, img/fig7.png) break in the Substack"
        " HTML, Markdown and plain text once pasted or published: url is not set, so they are addressed relative to"
        " build/; set url in digest.toml to where build/ is served, or use https:// image addresses"
    ]
    return root


def output(root: Path, fmt: str) -> str:
    return (root / "build" / f"{STEM}{SUFFIXES[fmt]}").read_text(encoding="utf-8")


def message(root: Path) -> email.message.EmailMessage:
    return email.message_from_bytes((root / "build" / f"{STEM}.eml").read_bytes(), policy=policy.default)  # type: ignore[return-value]


def email_page(root: Path) -> str:
    return message(root).get_body(("html",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def tags(fragment: str, name: str | None = None) -> list[dict[str, str | None]] | list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(fragment)
    if name is None:
        return parser.tags
    return [attrs for tag, attrs in parser.tags if tag == name]


@pytest.mark.parametrize("fmt", list(SUFFIXES))
def test_golden_every_format(faithful: Path, fmt: str, request: pytest.FixtureRequest) -> None:
    rendered = (faithful / "build" / f"{STEM}{SUFFIXES[fmt]}").read_bytes()
    golden = GOLDEN / f"faithful{SUFFIXES[fmt]}"
    if request.config.getoption("--update-golden"):
        golden.write_bytes(rendered)
    assert golden.exists(), "no golden file yet: run pytest --update-golden and review the diff"
    assert rendered == golden.read_bytes(), f"{golden.name} changed: review, then pytest --update-golden"


# Images ---------------------------------------------------------------------------------


def test_local_images_are_copied_beside_the_outputs_and_shown_by_the_page(faithful: Path) -> None:
    copies = sorted(p.relative_to(faithful / "build").as_posix() for p in (faithful / "build" / STEM).rglob("*"))
    assert copies == [f"{STEM}/img", f"{STEM}/img/fig5.png", f"{STEM}/img/fig7.png", f"{STEM}/img/icon.png"]
    assert (faithful / "build" / STEM / "img" / "fig5.png").read_bytes() == (IMAGES / "fig5.png").read_bytes()
    page = output(faithful, "html")
    html5lib.HTMLParser(strict=True).parse(page)
    srcs = [a["src"] for a in tags(page, "img")]
    assert srcs == [f"{STEM}/img/icon.png", f"{STEM}/img/fig5.png", "https://example.org/figures/fig6.png",
                    f"{STEM}/img/fig7.png", "https://example.org/badge.svg"]  # fmt: skip
    for src in srcs:  # every local one resolves, from the page, to its copy
        assert src.startswith("https://") or (faithful / "build" / src).is_file()


def test_two_issues_keep_their_own_fig1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digest.toml").write_text("")
    (tmp_path / "issues").mkdir()
    for day, colour in (("2022-10-23", b"red"), ("2022-10-30", b"blue")):
        (tmp_path / "issues" / "fig1.png").write_bytes(colour)  # the editor overwrites fig1.png each week
        (tmp_path / "issues" / f"{day}.md").write_text(f"---\ndate: {day}\n---\n\n![A figure](fig1.png)\n")
        code, out, err = run("render", f"issues/{day}.md", "--format", "html")
        assert code == 0, err
    assert (tmp_path / "build" / "2022-10-23" / "fig1.png").read_bytes() == b"red"
    assert (tmp_path / "build" / "2022-10-30" / "fig1.png").read_bytes() == b"blue"


def test_the_email_carries_local_images_as_related_parts_without_url(faithful: Path) -> None:
    msg = message(faithful)
    for part in msg.walk():
        assert not part.defects, part.defects
    alternative = list(msg.iter_parts())
    assert [p.get_content_type() for p in alternative] == ["text/plain", "multipart/related"]
    related = list(alternative[1].iter_parts())
    assert [p.get_content_type() for p in related] == ["text/html", "image/png", "image/png", "image/png"]
    page = email_page(faithful)
    cids = [a["src"] for a in tags(page, "img") if (a["src"] or "").startswith("cid:")]
    assert len(cids) == 3
    parts = {p["Content-ID"].strip("<>"): p for p in related[1:]}
    assert {c.removeprefix("cid:") for c in cids} == set(parts)
    for name in ("icon", "fig5", "fig7"):
        part = next(p for p in related[1:] if p.get_filename() == f"{name}.png")
        assert part.get_content_disposition() == "inline"
        assert part.get_payload(decode=True) == (IMAGES / f"{name}.png").read_bytes()
    raw = (faithful / "build" / f"{STEM}.eml").read_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_with_url_every_output_that_leaves_the_folder_links_the_published_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_faithful(tmp_path, url="https://news.example.org/")
    monkeypatch.chdir(tmp_path)
    code, out, err = run("render", f"issues/{STEM}.md")
    assert code == 0, err
    published = f"https://news.example.org/{STEM}/img/fig5.png"
    assert f"![Accuracy curves for three model sizes]({published} " in output(tmp_path, "md")
    assert f'<img src="{published}" alt="Accuracy curves for three model sizes"' in output(tmp_path, "substack")
    assert f"] {published}\n" in output(tmp_path, "text")
    msg = message(tmp_path)
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]  # no attachments
    assert f'src="{published}"' in email_page(tmp_path)
    assert f'src="{STEM}/img/fig5.png"' in output(tmp_path, "html")  # the page, beside its copy, stays relative
    assert (tmp_path / "build" / STEM / "img" / "fig5.png").is_file()


def test_a_missing_local_image_is_one_warning_with_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    issue = make_faithful(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "issues" / "img" / "fig5.png").unlink()
    code, out, err = run("render", f"issues/{STEM}.md")
    line = ISSUE.splitlines().index(next(x for x in ISSUE.splitlines() if "img/fig5.png" in x)) + 1
    assert code == 0
    assert err.splitlines()[0] == (
        f"warning: {issue.relative_to(tmp_path)}:{line}: image img/fig5.png not found (no file issues/img/fig5.png);"
        " put the image there or fix the path"
    )
    assert len(err.splitlines()) == 2 and "2 local images (img/icon.png, img/fig7.png) break" in err  # url is unset
    assert not (tmp_path / "build" / STEM / "img" / "fig5.png").exists()


def test_only_image_files_are_copied_and_never_outside_the_issue_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digest.toml").write_text("")
    (tmp_path / "issues").mkdir()
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "shared.png").write_bytes(b"png")
    (tmp_path / "secret.txt").write_text("password")
    (tmp_path / "issues" / f"{STEM}.md").write_text(
        f"---\ndate: {STEM}\n---\n\n![up](../figures/shared.png)\n\n![key](../secret.txt)\n\n![x](javascript:alert(1))\n"
    )
    code, out, err = run("render", f"issues/{STEM}.md", "--format", "html")
    assert code == 0, err
    copied = [p for p in (tmp_path / "build").rglob("*") if p.is_file() and p.suffix != ".html"]
    assert len(copied) == 1 and copied[0].parent == tmp_path / "build" / STEM and copied[0].name.endswith("-shared.png")
    page = output(tmp_path, "html")
    assert f'src="{STEM}/{copied[0].name}"' in page and 'src="../secret.txt"' in page and "javascript:" not in page


def test_preview_serves_the_local_images_of_the_issue_and_nothing_else(faithful: Path) -> None:
    import urllib.error
    import urllib.request

    from digest.config import load_settings
    from digest.preview import PreviewServer

    server = PreviewServer(faithful / "issues" / f"{STEM}.md", load_settings, port=0)
    server.start()
    try:
        with urllib.request.urlopen(server.url + f"view/{STEM}/img/fig5.png") as answer:
            assert answer.headers["Content-Type"] == "image/png"
            assert answer.read() == (IMAGES / "fig5.png").read_bytes()
        for path in ("view/issues/img/fig5.png", f"view/{STEM}/../digest.toml", "view/%2e%2e/digest.toml"):
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(server.url + path)
        with urllib.request.urlopen(server.url + "view/email") as answer:
            page = answer.read().decode()
        assert "cid:" not in page and page.count('src="data:image/png;base64,') == 3
    finally:
        server.close()


# Faithful formats -----------------------------------------------------------------------


def test_ordered_lists_keep_their_numbers_in_every_format(faithful: Path) -> None:
    for fmt in ("html", "substack"):
        assert [a.get("start") for a in tags(output(faithful, fmt), "ol")][:2] == ["3", "5"], fmt
    assert [a.get("start") for a in tags(email_page(faithful), "ol")][:2] == ["3", "5"]
    text = output(faithful, "text")
    assert "\n3. Pretrain with span corruption.\n   - mean span length 3\n   - 15% of tokens masked\n4. Finetune" in text
    assert "\n5. Evaluate few-shot" in text
    md = output(faithful, "md")
    assert "\n3. Pretrain with span corruption.\n" in md and "\n5. Evaluate few-shot" in md


def test_alt_text_stays_alt_and_the_title_is_the_caption(faithful: Path) -> None:
    caption = "Figure 5: accuracy rises faster with decay"
    alt = "Accuracy curves for three model sizes"
    for fmt, page in (("html", output(faithful, "html")), ("email", email_page(faithful)),
                      ("substack", output(faithful, "substack"))):  # fmt: skip
        figure = re.search(r"<figure[^>]*>(.*?)</figure>", page, re.S)
        assert figure is not None, fmt
        assert re.search(rf'<img [^>]*alt="{alt}"', figure.group(1)), fmt
        assert re.search(rf"<figcaption[^>]*>{caption}</figcaption>", figure.group(1)), fmt
        assert f">{alt}<" not in page, fmt  # the alt text is never shown as text
        # an image with neither title nor alt gets no caption at all
        assert re.search(r'<figure[^>]*><img src="https://example.org/figures/fig6.png" alt=""[^>]*></figure>', page), fmt
    assert f"[image: {alt}: {caption}]" in " ".join(output(faithful, "text").split())
    # the icon inside a sentence stays in the sentence
    assert re.search(r'The <img src="[^"]*icon.png" alt="arXiv"[^>]*> icon marks', output(faithful, "html"))
    assert re.search(r'The <img src="cid:[^"]*" alt="arXiv"[^>]*> icon marks', email_page(faithful))


def test_email_images_scale_down_and_never_up(faithful: Path) -> None:
    page = email_page(faithful)
    for attrs in tags(page, "img"):
        assert "width" not in attrs and "height" not in attrs, attrs  # no width="560" on everything
        style = (attrs.get("style") or "").replace(" ", "")
        assert "max-width:100%" in style and "height:auto" in style, attrs
        assert not re.search(r"(?<!max-)width:", style), attrs
    inline = next(a for a in tags(page, "img") if a.get("alt") == "arXiv")
    assert "display:block" not in (inline.get("style") or "").replace(" ", "")


def test_both_hard_line_breaks_survive_every_format(faithful: Path) -> None:
    first, second, third = "A line that ends with two spaces", "and the line after it.", "A backslash break before this line."
    assert f"{first}<br />\n{second}<br />\n{third}" in output(faithful, "html")
    assert f"{first}<br>\n{second}<br>\n{third}" in email_page(faithful)
    assert f"{first}<br>{second}<br>{third}" in output(faithful, "substack")
    assert f"{first}\n{second}\n{third}" in output(faithful, "text")
    assert f"{first}  \n{second}\\\n{third}" in output(faithful, "md")


def test_math_is_unicode_everywhere_and_mathml_in_the_page_where_unicode_cannot_say_it(faithful: Path) -> None:
    sentence = "They cut attention from O(n²) to O(n log n) with a decay γ;"
    page = output(faithful, "html")
    for fmt, text in (("html", page), ("email", email_page(faithful)), ("substack", output(faithful, "substack")),
                      ("md", output(faithful, "md")), ("text", output(faithful, "text"))):  # fmt: skip
        assert " ".join(sentence.split()) in " ".join(text.split()), fmt
        assert "xₜ₋₁ feeds xₜ" in text, fmt
        assert "$" not in text and "\\frac" not in text, fmt  # no TeX left over
    fraction = re.search(r'<math alttext="([^"]*)" display="inline">(.*?)</math>', page)
    assert fraction is not None and "<mfrac>" in fraction.group(2) and fraction.group(1) == "1/n∑ᵢ ℓᵢ"
    assert "<math alttext=\"ℒ = -∑ₜ log p(xₜ | x_(&lt;t))\" display=\"block\">" in page
    assert "<math" not in email_page(faithful) and "<math" not in output(faithful, "substack")
    assert "1/n∑ᵢ ℓᵢ" in email_page(faithful)


def test_hostile_math_never_becomes_markup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digest.toml").write_text("")
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / f"{STEM}.md").write_text(
        f"---\ndate: {STEM}\n---\n\n$\\frac{{\\text{{<script>alert(1)</script>}}}}{{\\href{{javascript:alert(2)}}{{x}}}}$"
        " and $\\frac{a}{b}\\style{color:red}{c}$\n"
    )
    code, out, err = run("render", f"issues/{STEM}.md", "--format", "html")
    assert code == 0, err
    page = output(tmp_path, "html")
    html5lib.HTMLParser(strict=True).parse(page)
    assert "<math" in page
    main = page[page.index("<main") : page.index("</main>")]
    for tag, attrs in tags(main):
        assert tag not in ("script", "style"), (tag, attrs)
        assert "href" not in attrs or not (attrs["href"] or "").startswith("javascript:"), (tag, attrs)
        assert not any(name.startswith("on") or name == "style" for name in attrs if tag not in ("th", "td")), (tag, attrs)
    assert page.count("<script") == 2  # the page's own: the Substack data and the copy button


def test_markdown_keeps_the_author_line_apart_and_arxiv_text_inert(faithful: Path) -> None:
    import mistune

    md = output(faithful, "md")
    assert "\n\n*Yi Tay, Jason Wei, Hyung Won Chung et al.* · cs.CL, cs.LG\n\nThey cut attention" in md
    rendered = mistune.create_markdown(escape=False, plugins=["strikethrough", "table", "footnotes", "url"])(md)
    chung = rendered[rendered.index("Scaling Instruction") :]
    assert "<h2><a href=\"https://arxiv.org/abs/2210.11416\">Scaling Instruction-Finetuned *Language* Models</a></h2>" in rendered
    assert "<em>Hyung Won Chung, Le_Hou</em>" in chung
    abstract = chung[chung.index("<blockquote>") : chung.index("</blockquote>")]
    assert "<img" not in abstract and "<a " not in abstract and "<em>" not in abstract and "<h1" not in abstract
    assert html.unescape(re.sub(r"<[^>]+>", "", abstract)).split() == (
        "We finetune on 1.8K tasks; x_i * y_j and a_b_c stay literal. <img src=x onerror=alert(1)>"
        " [click](javascript:alert(1)) # not a heading"
    ).split()
