"""`digest check` and `digest render` on images: which readers can load each one, and at which line it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run
from digest.check import check_issue
from digest.config import load_settings

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")

LOCAL = """---
date: 2024-05-08
headline: Figures
sponsor: Brought to you by ![Acme](img/logo.png)
---

Intro with ![Loss curves](img/fig5.png "Figure 5").

## [Known paper](https://arxiv.org/abs/2405.00001)
<!-- digest:paper
title: Known paper
-->

The same figure again: ![Loss curves](img/fig5.png) and one on the web
![Hosted](https://img.example.org/a.png).
"""


def _newsletter(root: Path, text: str, settings: str = "") -> Path:
    (root / "issues" / "img").mkdir(parents=True)
    for name in ("fig5.png", "logo.png"):
        (root / "issues" / "img" / name).write_bytes(PNG)
    (root / "digest.toml").write_text(settings + '[email]\nfrom = "Me <me@example.org>"\n', encoding="utf-8")
    path = root / "issues" / "2024-05-08.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_without_url_check_says_once_per_image_which_readers_cannot_load_it(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    _newsletter(tmp_path, LOCAL)
    code, out, err = run("check", "issues/2024-05-08.md", "--strict")
    lines = out.splitlines()
    assert [line.split(": image ")[0] for line in lines] == ["issues/2024-05-08.md:4", "issues/2024-05-08.md:7"]
    assert lines[1] == (
        "issues/2024-05-08.md:7: image img/fig5.png reaches only the page and the email: with url unset, the Substack"
        " HTML, Markdown, text, feed and `digest publish` address it as 2024-05-08/img/fig5.png, relative to build/,"
        " which breaks once pasted or published; set url in digest.toml to where build/ is served, or use an"
        " https:// image address"
    )
    # the page and the email show it, so --strict (readers would notice) does not fail on it
    assert code == 0 and "2 warnings (0 a reader would notice)" in err


def test_with_url_set_a_local_image_is_no_finding(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    _newsletter(tmp_path, LOCAL, 'url = "https://news.example.org"\n')
    report = check_issue("issues/2024-05-08.md", load_settings())
    assert report.findings == []


def test_render_warns_once_for_all_local_images_when_url_is_unset(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    _newsletter(tmp_path, LOCAL)
    code, out, err = run("render", "issues/2024-05-08.md")
    assert code == 0 and (tmp_path / "build" / "2024-05-08" / "img" / "fig5.png").is_file()
    assert err.splitlines() == [
        "warning: issues/2024-05-08.md: 2 local images (img/logo.png, img/fig5.png) break in the Substack HTML,"
        " Markdown and plain text once pasted or published: url is not set, so they are addressed relative to"
        " build/; set url in digest.toml to where build/ is served, or use https:// image addresses"
    ]
    # the page alone (and the email: it attaches them) stays on this machine: nothing to say
    code, out, err = run("render", "issues/2024-05-08.md", "--format", "html,email")
    assert code == 0 and err == ""
    (tmp_path / "digest.toml").write_text('url = "https://news.example.org"\n[email]\nfrom = "Me <me@example.org>"\n')
    code, out, err = run("render", "issues/2024-05-08.md")
    assert code == 0 and err == ""


TWICE = """---
date: 2024-05-08
headline: Twice
---

## Editorial

Some text.

![Missing](img/nothere.png "Missing")

Again ![missing again](img/nothere.png) inline, and ![same line](img/nothere.png).
"""


def test_each_use_of_an_address_is_reported_at_its_own_line(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    _newsletter(tmp_path, TWICE)
    report = check_issue("issues/2024-05-08.md", load_settings())
    assert [(f.line, f.code) for f in report.findings] == [(10, "image-url"), (12, "image-url"), (12, "image-url")]


FIGURES = """---
date: 2024-05-08
headline: Figures
---

## [A paper](https://arxiv.org/abs/2405.00001)
<!-- digest:paper
title: A paper
-->
<!-- figures of arXiv:2405.00001v1 (CC BY 4.0: reuse with credit); to use one, move its lines out of this comment
![Encoder](http://127.0.0.1:8000/html/2405.00001v1/left.png "Figure 2a: Encoder.")

![Decoder](https://arxiv.org/html/2405.00001v1/x2.png "Figure 2b: Decoder.")
-->

Notes on the paper.

![Encoder](http://127.0.0.1:8000/html/2405.00001v1/left.png "Figure 2a")
![Decoder](https://arxiv.org/html/2405.00001v1/x2.png "Figure 2b")

## [Another](https://arxiv.org/abs/2405.00002)
<!-- digest:paper
title: Another
-->
<!-- ![Old](img/nothere.png) -->

Its notes ![Old](img/nothere.png).
"""


def test_a_finding_is_never_put_inside_an_html_comment(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """`digest new --figures` lists figure addresses in a comment; the editor copies one into the notes."""
    monkeypatch.chdir(tmp_path)
    _newsletter(tmp_path, FIGURES)
    report = check_issue("issues/2024-05-08.md", load_settings())
    assert [(f.line, f.code) for f in report.findings] == [(18, "image-url"), (19, "licence"), (27, "image-url")]


@pytest.mark.parametrize("host", [
    "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::]", "127.0.0.1", "127.1.2.3", "127.1", "2130706433",
    "0.0.0.0", "LOCALHOST", "localhost.", "dev.localhost", "[::1]:8000",
])  # fmt: skip
def test_images_on_this_machine_are_reported_however_the_address_is_written(tmp_path: Path, monkeypatch, host: str) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    _newsletter(tmp_path, f"---\ndate: 2024-05-08\nheadline: H\n---\n\nIntro ![c](http://{host}/c.png)\n")
    report = check_issue("issues/2024-05-08.md", load_settings())
    assert [(f.line, f.code) for f in report.findings] == [(6, "image-url")]
    assert "only this machine can load it" in report.findings[0].message


@pytest.mark.parametrize("host", ["[2001:db8::1]", "128.0.0.1", "img.example.org", "localhost.example.org", "10.0.0.1"])
def test_images_elsewhere_are_not_called_local(tmp_path: Path, monkeypatch, host: str) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    _newsletter(tmp_path, f"---\ndate: 2024-05-08\nheadline: H\n---\n\nIntro ![c](http://{host}/c.png)\n")
    assert check_issue("issues/2024-05-08.md", load_settings()).findings == []


def test_an_svg_image_is_an_editor_finding_that_strict_does_not_fail_on(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    _newsletter(tmp_path, "---\ndate: 2024-05-08\nheadline: H\n---\n\nIntro ![Fig. 3](https://img.example.org/x3.svg)\n")
    code, out, err = run("check", "issues/2024-05-08.md", "--strict")
    assert out == ("issues/2024-05-08.md:6: image https://img.example.org/x3.svg is an SVG, which Gmail and"
                   " Outlook do not show in an email; use a PNG or JPEG of it (a screenshot will do)\n")  # fmt: skip
    assert code == 0 and "1 warning (0 a reader would notice)" in err, err
