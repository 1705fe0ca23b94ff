"""`digest figures`: a paper's figures from arXiv's HTML rendering (real LaTeXML output), its licence,
the lines to paste, and the licence check, against a loopback stand-in for arxiv.org."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from arxiv_server import ArxivServer, Response, Seen, fixture
from conftest import run

from digest.cli import cli
from digest.cli.figures import figures_command

LATEXML = Path(__file__).resolve().parent / "fixtures" / "latexml"
HTML = {"Content-Type": "text/html; charset=utf-8"}

if "figures" not in cli.commands:  # until digest/cli/__init__.py registers the module
    cli.add_command(figures_command)


class FigureServer(ArxivServer):
    """The arXiv stand-in plus ``/html/<id>v<n>`` (redirected to ``.../``, as a folder holding the
    images) and ``/oai2`` (GetRecord answers by identifier); anything else there is a 404."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: dict[str, Response] = {}
        self.records: dict[str, Response] = {}

    def answer(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[Response, None]:
        if not (path.startswith("/html/") or path == "/oai2"):
            return super().answer(path, params, headers)
        with self.lock:
            self.requests.append(Seen(path, params, headers))
        found = self.records.get(params.get("identifier", "")) if path == "/oai2" else self.pages.get(path)
        return found or Response(404, b"<html><body><h1>No HTML for this paper</h1></body></html>", HTML), None

    def serve_paper(self, vid: str, html: str = "paper.html") -> None:
        self.pages[f"/html/{vid}"] = Response(301, b"", {"Location": f"/html/{vid}/"})
        self.pages[f"/html/{vid}/"] = Response(200, (LATEXML / html).read_bytes(), HTML)
        for image in ("scaling.png", "left.png", "right.png", "sketch.png", "diagram.svg"):
            kind = "image/svg+xml" if image.endswith(".svg") else "image/png"
            self.pages[f"/html/{vid}/{image}"] = Response(200, (LATEXML / image).read_bytes(), {"Content-Type": kind})

    def serve_record(self, base: str, name: str) -> None:
        self.records[f"oai:arXiv.org:{base}"] = Response(200, (LATEXML / name).read_bytes(), {"Content-Type": "text/xml"})

    @property
    def html_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path.startswith("/html/")]

    @property
    def oai_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path == "/oai2"]


CC_BY = "oai-pmh-getrecord-arXiv-format-1806.05669-cc-by-edited.xml"  # Liu, He, Rapp; licence edited to CC BY 4.0
NONEXCLUSIVE = "oai-pmh-getrecord-arXiv-format-1511.01097.xml"  # Bruderer and six others; arXiv's licence
TWO_AUTHORS = "oai-pmh-getrecord-arXiv-format-1305.0014-reindented.xml"  # Gardner and Plaster


@pytest.fixture()
def server(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> FigureServer:
    with FigureServer() as s:
        monkeypatch.setenv("DIGEST_ARXIV_HTML_URL", s.base_url + "/html/")
        monkeypatch.setenv("DIGEST_ARXIV_OAI_URL", s.base_url + "/oai2")
        monkeypatch.setenv("DIGEST_ARXIV_API_URL", s.api_url)
        monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
        monkeypatch.setenv("DIGEST_ARXIV_RETRIES", "0")
        yield s


def figures_json(*args: str) -> dict:
    code, out, err = run("figures", *args, "--json")
    assert code == 0, err
    return json.loads(out)


# -- what the editor sees -------------------------------------------------------------------------
def test_lists_numbers_unicode_captions_and_absolute_image_urls(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    server.serve_record("1806.05669", CC_BY)
    code, out, err = run("figures", "1806.05669v1")
    assert code == 0, err
    page = f"{server.base_url}/html/1806.05669v1/"
    assert out.splitlines() == [
        f"1806.05669v1: 4 figures from {page}",
        "licence: CC BY 4.0 (http://creativecommons.org/licenses/by/4.0/): reuse allowed with credit: name the"
        " authors, the paper and the licence (the credit line does)",
        "1     α-scaled O(n²) attention beats “linear” attention by 3 % at 10⁹ parameters.",
        f"      {page}scaling.png",
        "2     Two panels: the encoder and the decoder.",
        "  2a  Encoder",
        f"      {page}left.png",
        "  2b  Decoder with β=0.5",
        f"      {page}right.png",
        "p3    (no caption)",
        f"      {page}sketch.png",
        "3     The pipeline, drawn as a vector graphic.",
        f"      {page}diagram.svg",
        "      (an SVG image: Gmail and Outlook show none in an email; use a PNG screenshot there)",
    ]
    assert "--markdown" in err


def test_every_image_url_loads_the_image_latexml_wrote(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    server.serve_record("1806.05669", CC_BY)
    data = figures_json("1806.05669v1")
    urls = [u for f in data["figures"] for u in f["images"]]
    assert [u.rsplit("/", 1)[1] for u in urls] == ["scaling.png", "left.png", "right.png", "sketch.png", "diagram.svg"]
    for url in urls:  # resolved against the page's final URL (after arXiv-style redirect), so each one loads
        with urllib.request.urlopen(url) as resp:
            assert resp.read() == (LATEXML / url.rsplit("/", 1)[1]).read_bytes()


def test_json_shape_panels_and_a_figure_without_caption(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    server.serve_record("1806.05669", CC_BY)
    data = figures_json("1806.05669v1")
    assert {k: data[k] for k in ("id", "base_id", "version", "credit", "pdf")} == {
        "id": "1806.05669v1", "base_id": "1806.05669", "version": 1, "credit": "Liu et al.",
        "pdf": "https://arxiv.org/pdf/1806.05669v1",
    }  # fmt: skip
    assert data["licence"]["name"] == "CC BY 4.0" and data["licence"]["reuse"] == "credit"
    by_label = {f["label"]: f for f in data["figures"]}
    assert list(by_label) == ["1", "2", "2a", "2b", "p3", "3"]
    assert by_label["2"]["images"] == [] and by_label["2"]["anchor"] == "S2.F2"
    assert {k: by_label["2b"][k] for k in ("number", "panel", "parent", "caption")} == {
        "number": "2b", "panel": "b", "parent": "2", "caption": "Decoder with β=0.5"}  # fmt: skip
    assert by_label["p3"]["number"] is None and by_label["p3"]["caption"] == "" and by_label["p3"]["position"] == 3
    assert by_label["3"]["images"][0].endswith("/diagram.svg")  # an <object> vector image, not only <img>
    assert data["credit_line"] == ("Figure from Liu et al., [arXiv:1806.05669](https://arxiv.org/abs/1806.05669), "
                                   "[CC BY 4.0](http://creativecommons.org/licenses/by/4.0/)")  # fmt: skip
    assert [f["label"] for f in figures_json("1806.05669v1", "2")["figures"]] == ["2", "2a", "2b"]


def test_second_run_comes_from_the_store_without_a_request(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    server.serve_record("1806.05669", CC_BY)
    first = figures_json("1806.05669v1")
    assert first["cached"] is False and first["requests"] == 2
    assert len(server.html_requests) == 2 and len(server.oai_requests) == 1  # the redirect, the page; one record
    assert server.html_requests[0].headers["user-agent"].startswith("digest/")
    server.requests.clear()
    second = figures_json("1806.05669v1")
    assert server.requests == [] and second["cached"] is True and second["requests"] == 0
    assert second["figures"] == first["figures"] and second["licence"]["name"] == "CC BY 4.0"
    code, out, _ = run("figures", "1806.05669v1", "--offline")
    assert code == 0 and "α-scaled" in out and server.requests == []


def test_no_html_rendering_is_one_line_naming_the_pdf_exit_1(server: FigureServer) -> None:
    code, out, err = run("figures", "1305.0014v1")
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("1305.0014v1: arXiv has no HTML rendering of this paper")
    assert "HTTP 404" in err and "https://arxiv.org/pdf/1305.0014v1" in err and "screenshot the figure" in err
    assert server.oai_requests == []  # no licence asked for a paper without figures


def test_a_page_without_ltx_figures_says_so_exit_1(server: FigureServer) -> None:
    server.serve_paper("1305.0014v1", "nofigures.html")
    code, _, err = run("figures", "1305.0014v1")
    assert code == 1 and err.count("\n") == 1
    assert "1305.0014v1: arXiv's HTML rendering" in err and "has no figures" in err
    assert "https://arxiv.org/pdf/1305.0014v1" in err


def test_a_page_that_is_not_latexml_says_so_exit_1(server: FigureServer) -> None:
    server.pages["/html/1305.0014v1"] = Response(200, b"<html><body><p>Conversion failed.</p></body></html>", HTML)
    code, _, err = run("figures", "1305.0014v1")
    assert code == 1 and err.count("\n") == 1
    assert "arXiv shows no HTML rendering" in err and "not a LaTeXML rendering" in err and "/pdf/1305.0014v1" in err


def test_licence_line_cc_by_versus_arxiv_nonexclusive(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    server.serve_record("1806.05669", CC_BY)
    server.serve_paper("1511.01097v1")
    server.serve_record("1511.01097", NONEXCLUSIVE)
    _, by, _ = run("figures", "1806.05669v1")
    _, nonexclusive, _ = run("figures", "1511.01097v1")
    assert by.splitlines()[1].startswith("licence: CC BY 4.0 (http://creativecommons.org/licenses/by/4.0/): reuse allowed")
    assert nonexclusive.splitlines()[1] == (
        "licence: arXiv non-exclusive distribution licence 1.0 (http://arxiv.org/licenses/nonexclusive-distrib/1.0/):"
        " it lets arXiv distribute the paper but grants no reuse: ask the authors before reusing a figure"
        " (or link to it instead)"
    )


def test_markdown_lines_to_paste(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    server.serve_record("1806.05669", CC_BY)
    page = f"{server.base_url}/html/1806.05669v1/"
    code, out, _ = run("figures", "1806.05669v1", "1", "2b", "--markdown")
    assert code == 0
    assert out == (
        f'![α-scaled O(n²) attention beats “linear” attention by 3 % at 10⁹ parameters]({page}scaling.png'
        ' "Figure 1: α-scaled O(n²) attention beats “linear” attention by 3 % at 10⁹ parameters.")\n'
        "\n"
        "Figure 1 from Liu et al., [arXiv:1806.05669](https://arxiv.org/abs/1806.05669),"
        " [CC BY 4.0](http://creativecommons.org/licenses/by/4.0/)\n"
        "\n"
        f'![Decoder with β=0.5 — Two panels: the encoder and the decoder]({page}right.png'
        ' "Figure 2b: Decoder with β=0.5 — Two panels: the encoder and the decoder.")\n'
        "\n"
        "Figure 2b from Liu et al., [arXiv:1806.05669](https://arxiv.org/abs/1806.05669),"
        " [CC BY 4.0](http://creativecommons.org/licenses/by/4.0/)\n"
    )


def test_markdown_under_a_licence_that_grants_no_reuse_starts_with_a_warning_comment(server: FigureServer) -> None:
    server.serve_paper("1305.0014v1")
    server.serve_record("1305.0014", TWO_AUTHORS)
    code, out, _ = run("figures", "1305.0014v1", "3", "--markdown")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("<!-- 1305.0014v1: arXiv non-exclusive distribution licence 1.0: it lets arXiv distribute the"
                        " paper but grants no reuse: ask the authors before reusing a figure (or link to it instead) -->")
    assert lines[-1] == "Figure 3 from Gardner and Plaster, [arXiv:1305.0014](https://arxiv.org/abs/1305.0014)"


def test_unknown_figure_number_names_the_ones_there_are(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    server.serve_record("1806.05669", CC_BY)
    code, _, err = run("figures", "1806.05669v1", "7", "--markdown")
    assert code == 2
    assert err.strip() == "1806.05669v1 has no figure '7'; its figures are 1, 2, 2a, 2b, p3, 3"


def test_pasted_lines_render_as_a_figure_whose_caption_is_the_title(server: FigureServer, newsletter: Path) -> None:
    server.serve_paper("1806.05669v1")
    server.serve_record("1806.05669", CC_BY)
    _, lines, _ = run("figures", "1806.05669v1", "1", "--markdown")
    issue = newsletter / "issues" / "2022-10-23.md"
    text = issue.read_text(encoding="utf-8")
    anchor = "different masking strategies.\n"  # the end of UL2's first paragraph of notes
    assert text.count(anchor) == 1
    issue.write_text(text.replace(anchor, anchor + "\n" + lines), encoding="utf-8")
    code, out, err = run("render", str(issue), "--format", "substack", "--out", "-")
    assert code == 0, err
    assert "<figcaption>Figure 1: α-scaled O(n²) attention beats “linear” attention by 3 % at 10⁹ parameters.</figcaption>" in out
    assert '<a href="https://arxiv.org/abs/1806.05669">arXiv:1806.05669</a>' in out
    server.requests.clear()
    run("render", str(issue), "--format", "md", "--out", "-")
    assert server.requests == []  # rendering never fetches


# -- versions ------------------------------------------------------------------------------------
def test_without_a_version_the_store_gives_it(server: FigureServer, newsletter: Path) -> None:
    from digest.paper import Author, Paper
    from digest.store import Store

    with Store.open(newsletter / ".digest" / "store.sqlite") as store:
        store.upsert([Paper("1806.05669", 2, "Probing the in-Medium QCD Force", (Author("Shuai Y. F. Liu"),
                      Author("Min He"), Author("Ralf Rapp")), "An abstract.", source="api")])  # fmt: skip
    server.serve_paper("1806.05669v2")
    server.serve_record("1806.05669", CC_BY)
    data = figures_json("1806.05669")
    assert data["id"] == "1806.05669v2" and server.api_requests == []
    assert server.html_requests[0].path == "/html/1806.05669v2"


def test_without_a_version_unknown_to_the_store_arxiv_api_gives_it_once(server: FigureServer) -> None:
    entry = fixture("arxiv-api-2026-title-is-0-no-comment.xml").replace(b"2104.12255v1", b"1511.01097v3")
    server.ids["1511.01097"] = Response(200, entry)
    server.serve_paper("1511.01097v3")
    server.serve_record("1511.01097", NONEXCLUSIVE)
    data = figures_json("1511.01097")
    assert data["id"] == "1511.01097v3" and data["credit"] == "Bruderer et al."
    assert len(server.api_requests) == 1 and server.api_requests[0].params["id_list"] == "1511.01097"
    server.requests.clear()
    assert figures_json("1511.01097")["id"] == "1511.01097v3"  # the cached version: no request at all
    assert server.requests == []


# -- failures --------------------------------------------------------------------------------------
def test_licence_lookup_failing_still_lists_the_figures(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    server.records["oai:arXiv.org:1806.05669"] = Response(503, b"busy", HTML)
    code, out, err = run("figures", "1806.05669v1")
    assert code == 0
    assert out.splitlines()[1].startswith("licence: unknown: licence unknown (arXiv's OAI-PMH did not answer)")
    assert "warning: licence: arXiv's OAI-PMH did not answer" in err
    server.serve_record("1806.05669", CC_BY)  # a later run reads it (the figures come from the cache)
    server.requests.clear()
    _, out, _ = run("figures", "1806.05669v1")
    assert "licence: CC BY 4.0" in out and [r.path for r in server.requests] == ["/oai2"]


def test_oai_record_missing_is_an_unknown_licence(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    server.records["oai:arXiv.org:1806.05669"] = Response(200, (LATEXML / "oai-pmh-error-idDoesNotExist.xml").read_bytes())
    code, out, err = run("figures", "1806.05669v1")
    assert code == 0 and "licence: unknown" in out
    assert "has no record of 1806.05669 yet (idDoesNotExist" in err


def test_arxiv_unavailable_exits_3(server: FigureServer) -> None:
    server.pages["/html/1806.05669v1"] = Response(503, b"down", HTML)
    code, _, err = run("figures", "1806.05669v1")
    assert code == 3 and err.count("\n") == 1 and "HTTP 503" in err


def test_offline_without_a_cache_says_what_to_do(server: FigureServer) -> None:
    code, _, err = run("figures", "1806.05669v1", "--offline")
    assert code == 1 and "run `digest figures 1806.05669v1` without --offline" in err
    assert server.requests == []


def test_not_an_id_is_a_usage_error(server: FigureServer) -> None:
    code, _, err = run("figures", "2210.1139")
    assert code == 2 and "'2210.1139' is not an arXiv id" in err


def test_a_bad_html_url_setting_is_named(server: FigureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_ARXIV_HTML_URL", "arxiv.org/html")
    code, _, err = run("figures", "1806.05669v1")
    assert code == 2 and "arxiv.html_url: expected an http(s) address, got 'arxiv.org/html'" in err


# -- parsing arXiv's own markup -----------------------------------------------------------------------
ARXIV_PAGE = b"""<!DOCTYPE html><html lang="en"><head><title>UL2</title></head><body>
<div class="ltx_page_main"><div class="ltx_page_content"><article class="ltx_document ltx_authors_1line">
<section id="S3" class="ltx_section">
<figure class="ltx_figure" id="S3.F2"><img src="2205.05131v3/x2.png" id="S3.F2.g1" class="ltx_graphics ltx_centering ltx_img_landscape" width="598" height="317" alt="Refer to caption">
<figcaption class="ltx_caption ltx_centering"><span class="ltx_tag ltx_tag_figure">Figure 2: </span>Mixture of denoisers, <math id="S3.F2.m1" class="ltx_Math" alttext="\\lambda\\leq 0.5" display="inline"><mi>\xce\xbb</mi></math> of the time.<span class="ltx_note ltx_role_footnote"><sup class="ltx_note_mark">1</sup><span class="ltx_note_outer"><span class="ltx_note_content">A footnote.</span></span></span></figcaption>
</figure>
<figure class="ltx_figure" id="S3.F3"><div class="ltx_flex_figure">
<div class="ltx_flex_cell ltx_flex_size_2"><img src="2205.05131v3/x3.png" class="ltx_graphics ltx_figure_panel ltx_img_square" alt="Refer to caption"></div>
<div class="ltx_flex_cell ltx_flex_size_2"><img src="2205.05131v3/x4.png" class="ltx_graphics ltx_figure_panel ltx_img_square" alt="Refer to caption"></div>
</div><figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 3: </span>Two images, no subfigures.</figcaption></figure>
<figure class="ltx_figure" id="S3.F4"><svg class="ltx_picture" width="100" height="50"><g></g></svg>
<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 4: </span>A TikZ drawing.</figcaption></figure>
<figure class="ltx_table" id="S3.T1"><figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_table">Table 1: </span>Not a figure.</figcaption></figure>
</section></article></div></div></body></html>"""


def test_arxiv_markup_resolves_against_the_versioned_page_url() -> None:
    from digest.figures.parse import parse_figures

    figures = parse_figures(ARXIV_PAGE, "https://arxiv.org/html/2205.05131v3")
    assert [(f.label, f.caption) for f in figures] == [
        ("2", "Mixture of denoisers, λ≤ 0.5 of the time."),  # the footnote is not the caption
        ("3", "Two images, no subfigures."),
        ("4", "A TikZ drawing."),
    ]
    assert figures[0].images == ("https://arxiv.org/html/2205.05131v3/x2.png",)
    assert figures[1].images == ("https://arxiv.org/html/2205.05131v3/x3.png", "https://arxiv.org/html/2205.05131v3/x4.png")
    assert figures[2].images == () and figures[2].drawn


def test_markdown_for_several_images_and_for_a_drawing() -> None:
    from digest.figures import PaperFigures, classify, markdown
    from digest.figures.parse import parse_figures

    result = PaperFigures("2205.05131", 3, "https://arxiv.org/html/2205.05131v3",
                          parse_figures(ARXIV_PAGE, "https://arxiv.org/html/2205.05131v3"),
                          classify("http://creativecommons.org/licenses/by/4.0/"), credit="Tay et al.")  # fmt: skip
    lines = markdown(result, ["3", "4"]).splitlines()
    assert lines[0] == ('![Two images, no subfigures](https://arxiv.org/html/2205.05131v3/x3.png'
                        ' "Figure 3 (image 1 of 2): Two images, no subfigures.")')  # fmt: skip
    assert lines[1].startswith("![Two images, no subfigures](https://arxiv.org/html/2205.05131v3/x4.png")
    assert lines[3] == ("Figure 3 from Tay et al., [arXiv:2205.05131](https://arxiv.org/abs/2205.05131),"
                        " [CC BY 4.0](http://creativecommons.org/licenses/by/4.0/)")  # fmt: skip
    assert lines[5] == ("<!-- Figure 4 is drawn in the page, not an image file: screenshot it from"
                        " https://arxiv.org/html/2205.05131v3#S3.F4 -->")  # fmt: skip


# -- licences, credit, the lines for a draft, the check ----------------------------------------------------
@pytest.mark.parametrize(
    ("url", "sponsored", "name", "reuse"),
    [
        ("http://creativecommons.org/licenses/by/4.0/", False, "CC BY 4.0", "credit"),
        ("http://creativecommons.org/licenses/by-sa/4.0/", True, "CC BY-SA 4.0", "credit"),
        ("http://creativecommons.org/publicdomain/zero/1.0/", True, "CC0 1.0", "free"),
        ("http://creativecommons.org/licenses/by-nc-sa/4.0/", False, "CC BY-NC-SA 4.0", "non-commercial"),
        ("https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode", True, "CC BY-NC-ND 4.0", "non-commercial"),
        ("http://arxiv.org/licenses/nonexclusive-distrib/1.0/", False, "arXiv non-exclusive distribution licence 1.0", "ask"),
        (None, False, "no licence stated", "ask"),
        ("http://example.org/my-licence", False, "unknown", "unknown"),
    ],
)
def test_what_each_licence_allows(url: str | None, sponsored: bool, name: str, reuse: str) -> None:
    from digest.figures import classify

    lic = classify(url, sponsored=sponsored)
    assert (lic.name, lic.reuse) == (name, reuse)
    if reuse == "non-commercial":
        assert ("this newsletter has a sponsor" in lic.advice) == sponsored
        assert "arguably" in lic.advice and "commercial" in lic.advice
    assert lic.no_derivatives == ("-nd/" in (url or "")) == ("unchanged" in lic.advice)


def test_the_sample_newsletter_has_a_sponsor_so_non_commercial_means_ask(server: FigureServer) -> None:
    server.serve_paper("1806.05669v1")
    record = (LATEXML / CC_BY).read_bytes().replace(b"licenses/by/4.0/", b"licenses/by-nc-sa/4.0/")
    server.records["oai:arXiv.org:1806.05669"] = Response(200, record)
    _, out, _ = run("figures", "1806.05669v1")
    assert out.splitlines()[1].startswith("licence: CC BY-NC-SA 4.0 (http://creativecommons.org/licenses/by-nc-sa/4.0/):"
                                          " non-commercial reuse only, with credit; this newsletter has a sponsor")


@pytest.mark.parametrize(
    ("names", "credit"),
    [
        (["Yi Tay", "Mostafa Dehghani", "Vinh Q. Tran"], "Tay et al."),
        (["S. Gardner", "B. Plaster"], "Gardner and Plaster"),
        (["Laurens van der Maaten"], "van der Maaten"),
        (["Martin Luther King Jr."], "King"),
        (["ATLAS Collaboration", "G. Aad", "B. Abbott"], "ATLAS Collaboration et al."),
        ([], ""),
    ],
)
def test_credit_names(names: list[str], credit: str) -> None:
    from digest.figures import credit_names, surname

    assert credit_names([surname(n) for n in names]) == credit


def test_figure_lines_are_one_comment_that_leaves_the_rendered_issue_unchanged(newsletter: Path) -> None:
    from digest.figures import classify, figure_lines
    from digest.figures.parse import parse_figures
    from digest.issue import parse_issue
    from digest.paper import Author, Paper

    figures = parse_figures((LATEXML / "paper.html").read_bytes(), "https://arxiv.org/html/2205.05131v3/")
    paper = Paper("2205.05131", 3, "UL2", (Author("Yi Tay"), Author("Mostafa Dehghani"), Author("Vinh Q. Tran")))
    block = figure_lines(figures, paper, classify("http://creativecommons.org/licenses/by/4.0/"))
    lines = block.splitlines()
    assert lines[0] == ("<!-- figures of arXiv:2205.05131v3 (CC BY 4.0: reuse with credit); to use one, move its"
                        " lines out of this comment")
    assert lines[1].startswith('![α-scaled O(n²) attention') and lines[1].endswith('scaling.png "Figure 1: α-scaled'
                                                                                      ' O(n²) attention beats “linear”'
                                                                                      ' attention by 3 % at 10⁹ parameters.")')
    assert "Figure 1 from Tay et al., [arXiv:2205.05131](https://arxiv.org/abs/2205.05131)" in lines[3]
    assert lines[-1] == "-->" and block.count("-->") == 1
    issue = "---\ndate: 2022-10-23\n---\n\n## arXiv:2205.05131\n" + block + "\n\nMy notes.\n"
    parsed = parse_issue(issue)
    assert parsed.sections[0].notes.strip() == "My notes."
    hostile = [figures[0].__class__(label="1", number="1", caption="a --> b", images=("https://x/y.png",))]
    assert figure_lines(hostile, paper).count("-->") == 1


def test_licence_findings_for_arxiv_figures_in_an_issue(server: FigureServer, newsletter: Path) -> None:
    from digest.figures import licence_findings
    from digest.issue import load_issue
    from digest.paper import Paper

    server.serve_paper("1806.05669v1")
    server.serve_record("1806.05669", CC_BY)
    server.serve_paper("1511.01097v1")
    server.serve_record("1511.01097", NONEXCLUSIVE)
    run("figures", "1806.05669v1")
    run("figures", "1511.01097v1")
    issue_path = newsletter / "issues" / "2022-10-23.md"
    text = issue_path.read_text(encoding="utf-8")
    added = (
        "\n![ok](https://arxiv.org/html/1806.05669v1/x1.png \"Figure 1: CC BY\")\n\n"
        "![not ok](https://arxiv.org/html/1511.01097v1/x2.png)\n\n"
        "![unknown](https://arxiv.org/html/2210.11399v2/x1.png)\n\n"
        "![nc](https://ar5iv.labs.arxiv.org/html/2609.26811/assets/x1.png)\n\n"
        "![elsewhere](https://example.org/img.png)\n"
    )
    issue_path.write_text(text + added, encoding="utf-8")
    start = text.count("\n") + 1
    issue = load_issue(issue_path)
    papers = {"2609.26811": Paper("2609.26811", extra={"license": "http://creativecommons.org/licenses/by-nc-sa/4.0/"})}
    findings = licence_findings(issue, newsletter / ".digest" / "store.sqlite", papers=papers)
    assert findings == [
        (start + 3, "image https://arxiv.org/html/1511.01097v1/x2.png is a figure of arXiv:1511.01097, under arXiv"
                    " non-exclusive distribution licence 1.0, which grants no reuse: ask the authors for permission"
                    " (or link to the figure instead)"),
        (start + 5, "image https://arxiv.org/html/2210.11399v2/x1.png is a figure of arXiv:2210.11399, whose licence"
                    " is not known yet: run `digest figures 2210.11399v2` to read it before reusing the figure"),
        (start + 7, "image https://ar5iv.labs.arxiv.org/html/2609.26811/assets/x1.png is a figure of arXiv:2609.26811,"
                    " under CC BY-NC-SA 4.0 (non-commercial reuse only): this issue has a sponsor, which arguably"
                    " makes it commercial; ask the authors"),
    ]  # fmt: skip
    unsponsored = licence_findings(issue, newsletter / ".digest" / "store.sqlite", papers=papers, sponsor="")
    assert [line for line, _ in unsponsored] == [start + 3, start + 5]
    assert server.requests[-1].path == "/oai2"  # (the two runs above); the check itself asked nothing
    before = len(server.requests)
    licence_findings(issue, newsletter / ".digest" / "store.sqlite")
    assert len(server.requests) == before


def _check_is_wired() -> bool:
    import digest.check

    return "licence_findings" in Path(digest.check.__file__).read_text(encoding="utf-8")


@pytest.mark.skipif(not _check_is_wired(), reason="digest/check.py does not call licence_findings yet")
def test_digest_check_reports_a_figure_the_licence_does_not_let_you_reuse(server: FigureServer, newsletter: Path) -> None:
    server.serve_paper("1511.01097v1")
    server.serve_record("1511.01097", NONEXCLUSIVE)
    _, lines, _ = run("figures", "1511.01097v1", "1", "--markdown")
    issue = newsletter / "issues" / "2022-10-23.md"
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text + "\n" + lines, encoding="utf-8")
    image_line = text.count("\n") + 4  # after a blank line, the warning comment and a blank line
    server.requests.clear()
    code, out, _ = run("check", str(issue))
    assert code == 0 and server.requests == []
    assert (f"{issue}:{image_line}: image {server.base_url}/html/1511.01097v1/scaling.png is a figure of"
            " arXiv:1511.01097, under arXiv non-exclusive distribution licence 1.0, which grants no reuse") in out
