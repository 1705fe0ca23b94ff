"""QA of `digest figures` as an editor uses it: contradictory options, arXiv not answering, captions
whose text looks like Markdown, image addresses no reader can load, SVG figures and figures drawn in
the page. Against the loopback stand-in and the LaTeXML fixtures of tests/test_figures.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from arxiv_server import Response
from conftest import run
from test_figures import CC_BY, HTML, LATEXML, FigureServer
from test_figures import server as server  # noqa: F401  (the fixture the tests below take)

from digest.figures import PaperFigures, classify, figures_comment, markdown
from digest.figures.model import Figure
from digest.figures.parse import parse_figures

PAGE = "https://arxiv.org/html/2401.00001v1/"
CC = classify("http://creativecommons.org/licenses/by/4.0/")


def _page(body: str) -> bytes:
    return (f'<html><body><div class="ltx_page_main"><article class="ltx_document">{body}'
            "</article></div></body></html>").encode()  # fmt: skip


def _result(figures: list[Figure]) -> PaperFigures:
    return PaperFigures("2401.00001", 1, PAGE, figures, CC, credit="Doe et al.")


# -- options and arXiv not answering ---------------------------------------------------------------
def test_offline_with_refresh_is_a_usage_error_not_a_missing_cache(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    server.serve_record("1806.05669", CC_BY)
    assert run("figures", "1806.05669v1")[0] == 0  # cached now
    server.requests.clear()
    code, out, err = run("figures", "1806.05669v1", "--offline", "--refresh")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--offline and --refresh cannot be combined" in err
    assert "not in the store" not in err and server.requests == []


def test_html_rendering_not_answering_names_the_paper_and_says_to_run_again(server: FigureServer) -> None:
    server.pages["/html/1806.05669v1"] = Response(503, b"down", HTML)
    code, out, err = run("figures", "1806.05669v1")
    assert code == 3 and out == "" and err.count("\n") == 1
    assert err.startswith("1806.05669v1: arXiv's HTML rendering did not answer: HTTP 503")
    assert err.rstrip().endswith("run `digest figures 1806.05669v1` again later")


def test_api_not_answering_for_the_version_says_to_give_one(server: FigureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_ARXIV_API_URL", server.base_url + "/html/none")  # a 503 for every API request
    server.pages["/html/none"] = Response(503, b"down", HTML)
    code, _, err = run("figures", "1806.05669")
    assert code == 3 and err.count("\n") == 1
    assert err.startswith("1806.05669: arXiv's API did not answer") and "give the version (1806.05669v1)" in err


# -- captions and image addresses ------------------------------------------------------------------
def test_a_caption_with_dollars_and_tildes_stays_the_alt_text_in_every_output(newsletter: Path) -> None:
    caption = "Throughput (tokens/$) vs. cost ($) for ~~old~~ R&amp;D runs."
    result = _result([Figure("1", "1", caption, (PAGE + "x1.png",))])
    issue = newsletter / "issues" / "2022-10-23.md"
    text = issue.read_text(encoding="utf-8")
    anchor = "different masking strategies.\n"
    issue.write_text(text.replace(anchor, anchor + "\n" + markdown(result)), encoding="utf-8")
    code, out, err = run("render", str(issue), "--format", "substack", "--out", "-")
    assert code == 0, err
    alt = re.search(r'<img src="https://arxiv.org/html/2401.00001v1/x1.png" alt="([^"]*)"', out)
    assert alt and alt[1] == "Throughput (tokens/$) vs. cost ($) for ~~old~~ R&amp;amp;D runs", out
    code, out, _ = run("render", str(issue), "--format", "text", "--out", "-")
    joined = " ".join(out.split())  # the text shows the caption (the title), which starts as the alt text does
    assert re.search(r"\[image: Figure \S+ Throughput \(tokens/\$\) vs\. cost \(\$\) for ~~old~~ R&amp;D runs", joined), joined


def test_a_captions_math_reads_as_the_notes_math_does_in_every_output(newsletter: Path) -> None:
    """LaTeXML keeps a caption's formula as TeX (``alttext``); it once read ``O(n^2)``, ``x_t-1`` beside
    the notes' ``O(n²)``, ``xₜ₋₁`` in one issue. Now both are the same linear Unicode text."""
    math = {"O(n^{2})": "O(n²)", "x_{t-1}": "xₜ₋₁", r"\frac{1}{n}": "1/n", "2^{n/2}": "2^(n/2)"}
    formulas = ", ".join(f'<math class="ltx_Math" alttext="{tex}" display="inline"><mi>x</mi></math>' for tex in math)
    figures = parse_figures(_page(
        '<figure id="S1.F1" class="ltx_figure"><img src="x1.png" class="ltx_graphics">'
        '<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 1: </span>'
        f"Costs {formulas}.</figcaption></figure>"
    ), PAGE)  # fmt: skip
    said = ", ".join(math.values())
    assert figures[0].caption == f"Costs {said}."
    issue = newsletter / "issues" / "2022-10-23.md"
    text = issue.read_text(encoding="utf-8")
    anchor = "different masking strategies.\n"
    notes = "Costs " + ", ".join(f"${tex}$" for tex in math) + " in the notes."
    issue.write_text(text.replace(anchor, f"{anchor}\n{notes}\n\n{markdown(_result(figures))}"), encoding="utf-8")
    for fmt in ("text", "md", "substack"):
        code, out, err = run("render", str(issue), "--format", fmt, "--out", "-")
        assert code == 0, err
        out = " ".join(out.split())
        assert f"Costs {said} in the notes." in out, fmt
        assert f"Figure 1: Costs {said}." in out and "^{" not in out and "_{" not in out, fmt


def test_image_addresses_a_reader_cannot_load_are_left_out() -> None:
    figures = parse_figures(_page(
        '<figure id="S1.F1" class="ltx_figure"><img src="javascript:alert(1)" class="ltx_graphics">'
        '<img src="file:///etc/passwd" class="ltx_graphics"><img src="x1.png" class="ltx_graphics">'
        '<img src="http://[broken/x.png" class="ltx_graphics">'
        '<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 1: </span>A.</figcaption></figure>'
    ), PAGE)  # fmt: skip
    assert figures[0].images == (PAGE + "x1.png",)
    assert "javascript:" not in markdown(_result(figures)) and "file:" not in figures_comment(_result(figures))


# -- figures an email cannot show as they are ------------------------------------------------------
def test_an_svg_figure_says_the_email_needs_a_png(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    server.serve_record("1806.05669", CC_BY)
    page = f"{server.base_url}/html/1806.05669v1/"
    code, out, _ = run("figures", "1806.05669v1", "3")
    assert code == 0 and out.splitlines()[-1].strip().startswith("(an SVG image: Gmail and Outlook show none")
    code, out, _ = run("figures", "1806.05669v1", "3", "--markdown")
    assert out.splitlines()[0] == (f"<!-- Figure 3 is an SVG image, which Gmail and Outlook do not show in an email:"
                                   f" for the email, screenshot it from {page}#S2.F3 and use the PNG -->")  # fmt: skip
    code, out, _ = run("figures", "1806.05669v1", "1", "--markdown")
    assert "SVG" not in out  # a PNG figure has no note
    figures = parse_figures((LATEXML / "paper.html").read_bytes(), page)
    comment = figures_comment(PaperFigures("1806.05669", 1, page, figures, CC, credit="Liu et al."))
    assert comment.count("-->") == 1 and "(Figure 3 is an SVG image" in comment


def test_a_drawn_figure_says_where_to_screenshot_it() -> None:
    figures = parse_figures(_page(
        '<figure id="S1.F4" class="ltx_figure"><svg class="ltx_picture"><g></g></svg>'
        '<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 4: </span>TikZ.</figcaption></figure>'
    ), PAGE)  # fmt: skip
    note = f"Figure 4 is drawn in the page, not an image file: screenshot it from {PAGE}#S1.F4"
    assert markdown(_result(figures)).splitlines() == [f"<!-- {note} -->"]
    assert f"({note})" in figures_comment(_result(figures)).splitlines()


def test_a_figure_partly_drawn_in_the_page_says_so_beside_its_image_lines() -> None:
    figures = parse_figures(_page(
        '<figure id="S1.F5" class="ltx_figure"><img src="x5.png" alt="">'
        '<svg class="ltx_picture"><g></g></svg>'
        '<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 5: </span>Half TikZ.</figcaption></figure>'
    ), PAGE)  # fmt: skip
    assert figures[0].images and figures[0].drawn
    out = markdown(_result(figures)).splitlines()
    assert out[0] == (f"<!-- Figure 5 is partly drawn in the page, which no image line shows: screenshot it from"
                      f" {PAGE}#S1.F5 to show it whole -->")  # fmt: skip
    assert any(line.startswith("![") for line in out[1:])
