"""`digest build` owns what it publishes: drafts that `digest render` wrote into build/ are
removed, an output written over since the build is rendered again, and an issue's local
images are part of what decides whether it is rendered again."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from conftest import run
from test_archive import make_issue, set_status

SAMPLE = "2022-10-23"
STEM = "2022-10-30"
FIGURE = '![Loss curves](img/fig5.png "Figure 5")'


def write_issue(root: Path, status: str | None = None, figure: bool = False) -> Path:
    """issues/2022-10-30.md, the latest issue, optionally with a local image in its first notes."""
    text = make_issue(date(2022, 10, 30))
    if figure:
        text = text.replace("Notes on paper 0", f"{FIGURE}\n\nNotes on paper 0", 1)
    path = root / "issues" / f"{STEM}.md"
    path.write_text(text, encoding="utf-8")
    set_status(path, status)
    return path


def put_image(root: Path, data: bytes, mtime: int) -> Path:
    """issues/img/fig5.png holding ``data``, modified at ``mtime`` (seconds): no clock involved."""
    image = root / "issues" / "img" / "fig5.png"
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(data)
    os.utime(image, (mtime, mtime))
    return image


def build() -> str:
    """`digest build` through the CLI; its summary line."""
    code, _out, err = run("build")
    assert code == 0, err
    return next(line for line in err.splitlines() if line.startswith("built "))


def test_a_draft_render_wrote_into_build_is_removed_by_every_build(newsletter: Path) -> None:
    write_issue(newsletter, status="draft", figure=True)
    put_image(newsletter, b"\x89PNG draft figure", 1_700_000_000)
    site = newsletter / "build"
    build()
    for _ in range(2):  # every build, not only the one after the status changed
        code, _out, err = run("render", f"issues/{STEM}.md")
        assert code == 0, err
        assert (site / f"{STEM}.html").is_file() and (site / STEM / "img" / "fig5.png").is_file()
        code, _out, err = run("build")
        assert code == 0, err
        assert "warning: 1 draft not published (status: draft): 2022-10-30" in err.splitlines()
        assert not list(site.glob(f"{STEM}*")), sorted(p.name for p in site.iterdir())
        assert (site / f"{SAMPLE}.html").is_file() and STEM not in (site / "index.html").read_text(encoding="utf-8")


def test_a_draft_folder_keeps_what_is_not_an_image(newsletter: Path) -> None:
    """Only the files digest writes there (its outputs, the notes' images) are removed."""
    write_issue(newsletter, status="draft", figure=True)
    put_image(newsletter, b"\x89PNG draft figure", 1_700_000_000)
    assert run("render", f"issues/{STEM}.md")[0] == 0
    notes = newsletter / "build" / STEM / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    build()
    assert notes.read_text(encoding="utf-8") == "mine" and not (newsletter / "build" / STEM / "img").exists()


def test_a_page_render_wrote_over_is_rendered_again_without_editor_tools(newsletter: Path) -> None:
    site = newsletter / "build"
    assert build() == "built 1 issue(s): 1 rendered, 0 unchanged, 0 broken"
    assert "copy for substack" not in (site / f"{SAMPLE}.html").read_text(encoding="utf-8").lower()
    code, _out, err = run("render", f"issues/{SAMPLE}.md")
    assert code == 0, err
    assert "copy for substack" in (site / f"{SAMPLE}.html").read_text(encoding="utf-8").lower()
    assert build() == "built 1 issue(s): 1 rendered, 0 unchanged, 0 broken"
    page = (site / f"{SAMPLE}.html").read_text(encoding="utf-8")
    assert "copy for substack" not in page.lower() and 'href="index.html"' in page
    assert build() == "built 1 issue(s): 0 rendered, 1 unchanged, 0 broken"  # and then it is left alone
    # any output, not only the page; a missing one too
    (site / f"{SAMPLE}.md").write_text("edited by hand", encoding="utf-8")
    assert build() == "built 1 issue(s): 1 rendered, 0 unchanged, 0 broken"
    assert (site / f"{SAMPLE}.md").read_text(encoding="utf-8") != "edited by hand"
    (site / f"{SAMPLE}.txt").unlink()
    assert build() == "built 1 issue(s): 1 rendered, 0 unchanged, 0 broken"
    assert (site / f"{SAMPLE}.txt").is_file()


def test_a_local_image_that_appears_or_changes_renders_its_issue_again(newsletter: Path) -> None:
    write_issue(newsletter, figure=True)
    site = newsletter / "build"
    page = site / f"{STEM}.html"
    copy = site / STEM / "img" / "fig5.png"
    build()
    assert 'src="img/fig5.png"' in page.read_text(encoding="utf-8") and not copy.exists()  # broken for now
    # the image arrives: only its issue is rendered, and the page shows the copy
    put_image(newsletter, b"\x89PNG first", 1_700_000_000)
    assert build() == "built 2 issue(s): 1 rendered, 1 unchanged, 0 broken"
    assert f'src="{STEM}/img/fig5.png"' in page.read_text(encoding="utf-8")
    assert copy.read_bytes() == b"\x89PNG first"
    assert build() == "built 2 issue(s): 0 rendered, 2 unchanged, 0 broken"
    # new bytes of another size; then of the same size, at another time
    put_image(newsletter, b"\x89PNG second, longer", 1_700_000_000)
    assert build() == "built 2 issue(s): 1 rendered, 1 unchanged, 0 broken"
    assert copy.read_bytes() == b"\x89PNG second, longer"
    put_image(newsletter, b"\x89PNG third!, longer", 1_700_000_100)
    assert build() == "built 2 issue(s): 1 rendered, 1 unchanged, 0 broken"
    assert copy.read_bytes() == b"\x89PNG third!, longer"
    # the copy in build/ changed under the build: it is put back
    copy.write_bytes(b"something else")
    assert build() == "built 2 issue(s): 1 rendered, 1 unchanged, 0 broken"
    assert copy.read_bytes() == b"\x89PNG third!, longer"
    # the image goes: the page no longer points at a copy
    (newsletter / "issues" / "img" / "fig5.png").unlink()
    assert build() == "built 2 issue(s): 1 rendered, 1 unchanged, 0 broken"
    assert 'src="img/fig5.png"' in page.read_text(encoding="utf-8")


def test_a_deleted_issue_loses_its_image_copies(newsletter: Path) -> None:
    path = write_issue(newsletter, figure=True)
    put_image(newsletter, b"\x89PNG figure", 1_700_000_000)
    build()
    assert (newsletter / "build" / STEM / "img" / "fig5.png").is_file()
    path.unlink()
    build()
    assert not list((newsletter / "build").glob(f"{STEM}*"))


def test_an_image_taken_out_of_the_notes_loses_its_copy(newsletter: Path) -> None:
    """The copy in build/<stem>/ goes with the next build; anything else there stays."""
    path = write_issue(newsletter, figure=True)
    put_image(newsletter, b"\x89PNG figure", 1_700_000_000)
    site = newsletter / "build"
    copy = site / STEM / "img" / "fig5.png"
    build()
    assert copy.read_bytes() == b"\x89PNG figure"
    mine = site / STEM / "mine.png"  # not a copy the build made: left alone
    mine.write_bytes(b"\x89PNG the editor's")
    path.write_text(path.read_text(encoding="utf-8").replace(FIGURE, ""), encoding="utf-8")
    assert build() == "built 2 issue(s): 1 rendered, 1 unchanged, 0 broken"
    assert not copy.exists() and not copy.parent.exists() and mine.is_file()
    assert f"{STEM}/img" not in (site / f"{STEM}.html").read_text(encoding="utf-8")
    # renamed in the notes: the new copy is made, the old one goes
    put_image(newsletter, b"\x89PNG figure", 1_700_000_000).rename(newsletter / "issues" / "img" / "fig6.png")
    path.write_text(path.read_text(encoding="utf-8").replace("Notes on paper 0", FIGURE.replace("fig5", "fig6") + "\n\nNotes on paper 0", 1), encoding="utf-8")
    build()
    assert (site / STEM / "img" / "fig6.png").is_file()
    path.write_text(path.read_text(encoding="utf-8").replace("fig6", "fig5"), encoding="utf-8")
    put_image(newsletter, b"\x89PNG figure", 1_700_000_000)
    build()
    assert copy.is_file() and not (site / STEM / "img" / "fig6.png").exists()


def test_an_image_file_deleted_loses_its_copy(newsletter: Path) -> None:
    write_issue(newsletter, figure=True)
    image = put_image(newsletter, b"\x89PNG figure", 1_700_000_000)
    build()
    image.unlink()
    build()
    assert not (newsletter / "build" / STEM).exists()
