"""What an editor meets rendering and checking real issues: where the outputs go, text that looks
like a comment, a code fence left open, and front matter that YAML refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run

ISSUE = "issues/2022-10-23.md"
OUTPUTS = ["2022-10-23.html", "2022-10-23.md", "2022-10-23.substack.html", "2022-10-23.txt"]


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("out", ["taken", "taken/sub", "taken/sub/deeper"])
def test_out_under_a_file_is_one_line_naming_the_file_exit_2_nothing_written(newsletter: Path, out: str) -> None:
    (newsletter / "taken").write_text("not a folder\n")
    before = _files(newsletter)
    code, stdout, err = run("render", ISSUE, "--out", out)
    assert code == 2
    shown = f"{out}: taken" if out != "taken" else "taken"
    assert err == f"--out: {shown} is a file, not a folder; give a folder (made if missing), or - for stdout\n"
    assert ".tmp" not in err and stdout == ""
    assert _files(newsletter) == before  # no temp file, no output, no folder


def test_a_build_setting_that_names_a_file_blames_the_setting(newsletter: Path) -> None:
    (newsletter / "build").write_text("")
    code, _, err = run("render", ISSUE)
    assert code == 2
    assert err == "paths.build: build is a file, not a folder; set paths.build in digest.toml to a folder\n"


def test_a_folder_where_one_output_goes_stops_the_render_before_any_file_is_written(newsletter: Path) -> None:
    (newsletter / "build" / "2022-10-23.txt").mkdir(parents=True)
    code, _, err = run("render", ISSUE)
    assert code == 1
    assert err == ("build/2022-10-23.txt: a folder is where this output goes; move it away or render with --out"
                   " elsewhere\n")  # fmt: skip
    assert ".tmp" not in err
    assert _files(newsletter / "build") == ["2022-10-23.txt"]  # the other four were not written


def test_the_skipped_email_is_named_where_it_would_have_gone(newsletter: Path, tmp_path: Path) -> None:
    (newsletter / "digest.toml").write_text('name = "No email yet"\n')
    elsewhere = tmp_path / "elsewhere"
    code, _, err = run("render", ISSUE, "--out", str(elsewhere))
    assert code == 0
    assert sorted(p.name for p in elsewhere.iterdir()) == OUTPUTS
    assert f"get {elsewhere / '2022-10-23.eml'} too" in err
    assert "build/" not in err
    code, _, err = run("render", ISSUE, "--out", "site/out")
    assert code == 0 and "get site/out/2022-10-23.eml too" in err
    code, _, err = run("render", ISSUE)
    assert code == 0 and "get build/2022-10-23.eml too" in err


CODE_SPANS = """---
date: 2022-10-30
headline: Comments in code
---

To hide a section, wrap it in `<!-- ... -->` and keep writing.

## [Paper A](https://arxiv.org/abs/2210.11416)

The markers are `<!--` and ``-->`` in code. <!-- a real scratch note --> After the note.

Escaped \\`<!-- still a comment --> ticks.
"""


def test_a_comment_written_inside_inline_code_is_text_in_every_format(newsletter: Path) -> None:
    (newsletter / "issues" / "2022-10-30.md").write_text(CODE_SPANS)
    code, _, err = run("render", "issues/2022-10-30.md", "--format", "md,html,text,substack")
    assert code == 0, err
    build = newsletter / "build"
    md = (build / "2022-10-30.md").read_text()
    assert "wrap it in `<!-- ... -->` and keep writing." in md
    assert "The markers are `<!--` and ``-->`` in code.  After the note." in md
    for name in ("2022-10-30.html", "2022-10-30.substack.html"):
        page = (build / name).read_text()
        assert "<code>&lt;!-- ... --&gt;</code> and keep writing" in page
        assert "<code>&lt;!--</code> and <code>--&gt;</code> in code." in page
    text = (build / "2022-10-30.txt").read_text()
    assert "`<!-- ... -->` and keep writing" in text and "`<!--` and `-->` in code" in text
    for out in (md, (build / "2022-10-30.html").read_text(), text):
        assert "real scratch note" not in out and "still a comment" not in out  # real comments still go


def test_check_reports_a_code_fence_left_open_at_its_line_and_strict_fails(newsletter: Path) -> None:
    (newsletter / "issues" / "2022-10-30.md").write_text(
        "---\ndate: 2022-10-30\nheadline: Fences\n---\n\nIntro.\n\n<!--\n```\n-->\n\n~~~~python\nx = 1\n\n"
        "## [Paper A](https://arxiv.org/abs/2210.11416)\n\nNotes.\n"
    )
    code, out, _ = run("check", "issues/2022-10-30.md")
    assert code == 0
    assert ("issues/2022-10-30.md:12: code fence ~~~~ is never closed: everything after it, paper headings too, "
            "shows as code; add a ~~~~ line where the code ends") in out.splitlines()  # fmt: skip
    assert run("check", "--strict", "issues/2022-10-30.md")[0] == 1
    (newsletter / "issues" / "2022-10-30.md").write_text(
        "---\ndate: 2022-10-30\nheadline: Fences\n---\n\n```\n## not a heading\n```\n"
    )
    assert "fence" not in run("check", "issues/2022-10-30.md")[1]


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("headline: CNNs: the return", 'mapping values are not allowed in this context; put the value in double '
                                       'quotes, e.g. headline: "A: B"'),
        ('headline: "unterminated', "found unexpected end of stream; close the quote this value opens"),
        ("\theadline: tabbed", "found a tab character that violates indentation; indent with spaces, not tabs"),
    ],
)
def test_front_matter_yaml_errors_say_the_fix(newsletter: Path, front: str, message: str) -> None:
    (newsletter / "issues" / "2022-10-30.md").write_text(f"---\ndate: 2022-10-30\n{front}\n---\n\nIntro.\n")
    code, _, err = run("render", "issues/2022-10-30.md", "--out", "fresh")
    assert code == 1
    assert err == f"issues/2022-10-30.md:3: front matter is not valid YAML: {message}\n"
    assert not (newsletter / "fresh").exists()
