"""`digest build`: every issue in every format, the index, prev/next links, incremental rebuilds."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import cli

from conftest import run

SAMPLE = "2022-10-23"


def make_issue(day: date, papers: int = 3, headline: str | None = None, note: str = "") -> str:
    """A small annotated issue with its metadata in the file, as `digest new` writes it."""
    lines = ["---", f"date: {day.isoformat()}", f"headline: {headline or f'Week of {day:%B %d}'}", "---", "", "Hello readers.", ""]
    for k in range(papers):
        pid = f"{day:%y%m}.{day.day * 100 + k + 10000:05d}"
        lines += [
            f"## [Generated paper {k} of {day}](https://arxiv.org/abs/{pid})",
            "<!-- digest:paper",
            f"id: {pid}v2",
            "authors: [Ada Lovelace, Alan Turing]",
            "categories: [cs.LG]",
            f"abstract: Abstract {k} of {day}.",
            "-->",
            "",
            f"Notes on paper {k} of {day}.{note}",
            "",
        ]
    return "\n".join(lines)


def add_issues(root: Path, n: int, start: date = date(2022, 10, 30), **kw: object) -> list[Path]:
    paths = []
    for i in range(n):
        day = start + timedelta(days=7 * i)
        path = root / "issues" / f"{day.isoformat()}.md"
        path.write_text(make_issue(day, **kw), encoding="utf-8")  # type: ignore[arg-type]
        paths.append(path)
    return paths


def build(**kw: object):  # noqa: ANN201
    from digest.archive import build_archive
    from digest.config import load_settings

    return build_archive(load_settings(), jobs=1, **kw)  # type: ignore[arg-type]


@pytest.fixture()
def all_formats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_EMAIL_FROM", "Davis Blalock <davis@example.org>")


@pytest.fixture()
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The date of every issue view built (one per issue rendered)."""
    from digest import render

    seen: list[str] = []
    original = render.build_view

    def counting(issue, settings, papers):  # type: ignore[no-untyped-def]
        seen.append(issue.date.isoformat())
        return original(issue, settings, papers)

    monkeypatch.setattr(render, "build_view", counting)
    return seen


def test_build_renders_every_issue_in_every_format_with_index_and_feed(newsletter: Path, all_formats: None) -> None:
    from digest.render import FORMATS

    add_issues(newsletter, 2)
    result = build()
    out = newsletter / "build"
    assert result.errors == [] and result.skipped_formats == {}
    assert sorted(result.rendered) == ["2022-10-23", "2022-10-30", "2022-11-06"]
    for stem in result.rendered:
        for spec in FORMATS.values():
            assert (out / f"{stem}{spec.suffix}").is_file(), (stem, spec.name)
    index = (out / "index.html").read_text()
    assert index.index("2022-11-06") < index.index("2022-10-30") < index.index("2022-10-23 arXiv roundup")
    assert "CNNs dominating sequence modeling, SetFit, Google finetuning trifecta" in index
    assert "10 papers" in index and "3 papers" in index
    # the public site links what readers use; the email and the Substack paste are the editor's
    for suffix in (".html", ".md", ".txt"):
        assert f'href="2022-10-23{suffix}"' in index
    assert ".eml" not in index and ".substack.html" not in index
    # every paper of every issue is listed by its title, linked to its section and to arXiv;
    # a heading with only the id gets the title the store or the seeds give the page
    assert '<a href="2022-10-23.html#arxiv-2210.11399">Transcending Scaling Laws with 0.1% Extra Compute</a>' in index
    assert '<a href="https://arxiv.org/abs/2210.11399">arXiv:2210.11399</a>' in index
    pid = make_issue(date(2022, 10, 30)).split("abs/")[1].split(")")[0]
    assert f'<a href="2022-10-30.html#arxiv-{pid}">Generated paper 0 of 2022-10-30</a>' in index
    assert (out / "feed.xml").read_text().startswith("<?xml")


def test_issue_pages_link_previous_and_next(newsletter: Path) -> None:
    add_issues(newsletter, 2)
    build()
    out = newsletter / "build"
    first, middle, last = [(out / f"{s}.html").read_text() for s in ("2022-10-23", "2022-10-30", "2022-11-06")]
    assert 'rel="next" href="2022-10-30.html"' in first and 'rel="prev"' not in first
    assert 'rel="prev" href="2022-10-23.html"' in middle and 'rel="next" href="2022-11-06.html"' in middle
    assert 'rel="prev" href="2022-10-30.html"' in last and 'rel="next"' not in last
    assert 'href="index.html">All issues</a>' in middle
    # `digest render` of a single issue has no archive navigation
    from digest.config import load_settings
    from digest.issue import load_issue
    from digest.render import render_issue

    single = render_issue(load_issue(newsletter / "issues" / "2022-10-30.md"), load_settings(), ("html",))["html"]
    assert "issue-nav" not in single


def test_second_build_renders_only_what_changed(newsletter: Path, renders: list[str]) -> None:
    paths = add_issues(newsletter, 3)
    build()
    assert len(renders) == 4
    renders.clear()
    again = build()
    assert renders == [] and len(again.unchanged) == 4
    # the notes of one issue change: that issue and the feed only (the index shows no notes)
    paths[1].write_text(make_issue(date(2022, 11, 6), note=" Edited."), encoding="utf-8")
    edited = build()
    assert edited.rendered == ["2022-11-06"] and renders == ["2022-11-06"]
    site = newsletter / "build"
    assert site / "feed.xml" in edited.written and site / "index.html" not in edited.written
    assert "Edited." in (site / "feed.xml").read_text(encoding="utf-8")
    # its headline changes: the index too
    renders.clear()
    paths[1].write_text(make_issue(date(2022, 11, 6), headline="A new headline", note=" Edited."), encoding="utf-8")
    assert site / "index.html" in build().written
    assert "A new headline" in (site / "index.html").read_text(encoding="utf-8")
    # a new issue: it, and the previous latest (its "next" link appears)
    renders.clear()
    add_issues(newsletter, 1, start=date(2022, 11, 20))
    assert sorted(build().rendered) == sorted(renders) == ["2022-11-13", "2022-11-20"]
    # --force renders everything
    renders.clear()
    assert len(build(force=True).rendered) == 5 and len(renders) == 5


def test_an_edit_that_keeps_size_and_time_is_still_seen(
    newsletter: Path, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unchanged files are not re-read (size and times match the manifest), but an edit that
    keeps the size and puts the old modification time back is caught: by its change time,
    or, for a file changed just before the build, because its times are not trusted yet."""
    import os
    import time

    from digest import archive

    old, fresh = add_issues(newsletter, 2)
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    build()
    manifest = newsletter / "build" / ".digest" / "manifest.json"
    stats = {stem: r["stat"] for stem, r in json.loads(manifest.read_text(encoding="utf-8"))["issues"].items()}
    assert stats["2022-10-30"] == stats["2022-11-06"] == []  # just written: not trusted yet
    monkeypatch.setattr(archive, "RACY_NS", 0)  # trust every stat from now on: the change time must catch it
    build()
    stats = {stem: r["stat"] for stem, r in json.loads(manifest.read_text(encoding="utf-8"))["issues"].items()}
    assert stats["2022-10-30"] and stats["2022-11-06"]
    for path in (old, fresh):
        before = path.stat()
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("headline: Week of", "headline: WEEK OF"), encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    renders.clear()
    rebuilt = build()
    # both edited issues, and the sample issue before them, whose "next" link shows the new title
    assert sorted(rebuilt.rendered) == sorted(renders) == ["2022-10-23", "2022-10-30", "2022-11-06"]
    index = (newsletter / "build" / "index.html").read_text(encoding="utf-8")
    assert "WEEK OF October 30" in index and "WEEK OF November 06" in index


def test_templates_settings_and_paper_data_are_part_of_the_key(
    newsletter: Path, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_issues(newsletter, 2)
    build()
    renders.clear()
    (newsletter / "seeds" / "extra.jsonl").write_text(
        json.dumps({"arxiv_id": "2210.11416", "abstract": "A fresh abstract from the seeds."}) + "\n", encoding="utf-8"
    )
    assert build().rendered == [SAMPLE]  # only the sample issue has 2210.11416
    (newsletter / "templates").mkdir()
    (newsletter / "templates" / "issue.md").write_text('{% extends "default:issue.md" %}\n', encoding="utf-8")
    assert len(build().rendered) == 3
    monkeypatch.setenv("DIGEST_AUTHOR", "Someone Else")
    assert len(build().rendered) == 3
    (newsletter / "build" / "2022-10-30.md").unlink()
    assert build().rendered == ["2022-10-30"]  # a missing output is rendered again


def test_drafted_issues_need_neither_store_nor_seeds(
    newsletter: Path, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issues whose digest:paper comments say everything (as `digest new` drafts them) build
    without reading the seed folder, and new seed data for their papers renders nothing."""
    from digest import seeds as seedfiles

    (newsletter / "issues" / f"{SAMPLE}.md").unlink()  # the sample's papers have no metadata comments
    paths = add_issues(newsletter, 2)
    reads: list[Path] = []
    original = seedfiles.read_seed_folder
    monkeypatch.setattr(seedfiles, "read_seed_folder", lambda folder, **kw: reads.append(folder) or original(folder, **kw))
    build()
    pid = make_issue(date(2022, 10, 30)).split("abs/")[1].split(")")[0]
    (newsletter / "seeds" / "extra.jsonl").write_text(
        json.dumps({"arxiv_id": pid, "abstract": "A different abstract from the seeds."}) + "\n", encoding="utf-8"
    )
    renders.clear()
    assert build().rendered == [] and renders == [] and reads == []
    assert "A different abstract" not in (newsletter / "build" / "2022-10-30.html").read_text(encoding="utf-8")
    # a paper without its metadata in the file is filled from the seeds, and its data is in the key
    paths[0].write_text(paths[0].read_text(encoding="utf-8").replace("abstract: Abstract 0", "comment: x"), encoding="utf-8")
    assert build().rendered == ["2022-10-30"] and reads


def test_broken_issue_is_reported_and_the_rest_still_builds(newsletter: Path) -> None:
    add_issues(newsletter, 2)
    broken = newsletter / "issues" / "2022-11-13.md"
    broken.write_text("---\ndate: 2022-11-13\nheadlin: oops\n---\n\nIntro.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build"], catch_exceptions=False)
    assert result.exit_code == 1
    # named as the editor names it, relative to the newsletter folder
    assert result.stderr.startswith("error: issues/2022-11-13.md:3: unknown front matter key 'headlin'; known: ")
    assert "built 3 issue(s): 3 rendered, 0 unchanged, 1 broken" in result.stderr
    index = (newsletter / "build" / "index.html").read_text()
    assert "2022-11-06" in index and "2022-11-13" not in index
    assert not (newsletter / "build" / "2022-11-13.html").exists()
    broken.write_text(make_issue(date(2022, 11, 13)), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    assert sorted(json.loads(result.stdout)["rendered"]) == ["2022-11-06", "2022-11-13"]


def test_deleted_issue_loses_its_outputs(newsletter: Path) -> None:
    paths = add_issues(newsletter, 2)
    build()
    paths[1].unlink()
    result = build()
    assert not (newsletter / "build" / "2022-11-06.html").exists()
    assert newsletter / "build" / "2022-11-06.md" in result.removed
    assert "2022-11-06" not in (newsletter / "build" / "index.html").read_text()


def test_a_build_after_an_upgrade_still_removes_deleted_issues_files(newsletter: Path) -> None:
    """A manifest from another digest version is not reused, but its list of outputs is."""
    paths = add_issues(newsletter, 2)
    build()
    manifest = newsletter / "build" / ".digest" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["version"] = 1  # as an older digest wrote it
    manifest.write_text(json.dumps(data), encoding="utf-8")
    paths[1].unlink()
    result = build()
    assert len(result.rendered) == 2  # nothing reused from the old manifest
    assert not (newsletter / "build" / "2022-11-06.html").exists()
    assert not (newsletter / "build" / ".digest" / "entries" / "2022-11-06.xml").exists()


def test_force_rewrites_the_index_and_the_feed(newsletter: Path) -> None:
    add_issues(newsletter, 1)
    build()
    site = newsletter / "build"
    good = {name: (site / name).read_text(encoding="utf-8") for name in ("index.html", "feed.xml")}
    for name in good:
        (site / name).write_text("damaged\n", encoding="utf-8")
    build()
    assert (site / "index.html").read_text(encoding="utf-8") == "damaged\n"  # its inputs did not change
    build(force=True)
    assert {name: (site / name).read_text(encoding="utf-8") for name in good} == good


def test_email_needs_a_sender_and_is_skipped_with_a_warning(newsletter: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = newsletter / "digest.toml"
    settings.write_text(settings.read_text().split("[email]")[0])
    result = build()
    assert "email" in result.skipped_formats and "email.from" in result.skipped_formats["email"]
    assert (newsletter / "build" / f"{SAMPLE}.html").is_file()
    assert not (newsletter / "build" / f"{SAMPLE}.eml").exists()
    assert any("email: not built" in r.getMessage() for r in caplog.records)


def test_parallel_build_writes_the_same_files(newsletter: Path, all_formats: None) -> None:
    from digest.archive import build_archive
    from digest.config import load_settings

    add_issues(newsletter, 9)
    serial = build_archive(load_settings(), newsletter / "one", jobs=1)
    parallel = build_archive(load_settings(), newsletter / "two", jobs=2)
    assert sorted(serial.rendered) == sorted(parallel.rendered) and len(serial.rendered) == 10
    for path in sorted(p for p in (newsletter / "one").glob("*.*") if p.is_file()):
        assert path.read_bytes() == (newsletter / "two" / path.name).read_bytes(), path.name


def test_the_archive_fills_paper_data_from_the_seeds_as_render_does(newsletter: Path) -> None:
    """The archive reads the store and seeds once for all issues; the built page must still
    carry what `digest render` shows: the UL2 abstract is known only from seeds/002."""
    from digest.config import load_settings
    from digest.issue import load_issue
    from digest.render import render_issue

    build()
    built = (newsletter / "build" / f"{SAMPLE}.html").read_text(encoding="utf-8")
    ul2 = built[built.index('id="arxiv-2205.05131"') : built.index('id="arxiv-2210.11399"')]
    assert "<summary>Abstract</summary>" in ul2 and "denoising" in ul2.lower()
    rendered = render_issue(load_issue(newsletter / "issues" / f"{SAMPLE}.md"), load_settings(), ("html",))["html"]
    assert ul2 == rendered[rendered.index('id="arxiv-2205.05131"') : rendered.index('id="arxiv-2210.11399"')]


def test_build_out_option_and_json(newsletter: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--out", "site", "--json", "-j", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rendered"] == [SAMPLE] and data["errors"] == []
    assert (newsletter / "site" / "index.html").is_file() and not (newsletter / "build").exists()


def test_an_issue_broken_after_a_build_keeps_its_pages_until_its_file_goes(newsletter: Path) -> None:
    paths = add_issues(newsletter, 1)
    build()
    page = newsletter / "build" / f"{paths[0].stem}.html"
    assert page.is_file()
    paths[0].write_text("---\ndate: nope\n---\n", encoding="utf-8")
    result = build()
    assert result.errors and page.is_file()  # readers keep the last good page while the editor fixes it
    assert paths[0].stem not in (newsletter / "build" / "index.html").read_text()
    paths[0].unlink()
    build()
    assert not page.exists()  # still pruned once the source is gone


def test_fetch_settings_do_not_rebuild_the_archive(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build()
    monkeypatch.setenv("DIGEST_ARXIV_DELAY", "7")  # cron's environment differs from the editor's shell
    monkeypatch.setenv("DIGEST_MAX_CANDIDATES", "12")
    assert build().rendered == []
    monkeypatch.setenv("DIGEST_NAME", "A new name")  # this one shows on every page
    assert build().rendered == [SAMPLE]


# --- the public archive: published issues only, no editor tools -------------------------


def set_status(path: Path, status: str | None) -> None:
    """Put ``status: STATUS`` in an issue's front matter (None: take it out)."""
    lines = [line for line in path.read_text(encoding="utf-8").split("\n") if not line.startswith("status:")]
    if status is not None:
        lines.insert(1, f"status: {status}")
    path.write_text("\n".join(lines), encoding="utf-8")


def test_drafts_are_not_published_and_say_so_in_one_line(newsletter: Path) -> None:
    paths = add_issues(newsletter, 4)
    set_status(paths[1], "ready")
    set_status(paths[2], "draft")
    set_status(paths[3], "draft")
    code, _out, err = run("build")
    assert code == 0, err
    site = newsletter / "build"
    assert "warning: 2 drafts not published (status: draft): 2022-11-13, 2022-11-20" in err.splitlines()
    assert "built 3 issue(s)" in err  # the sample (no status: old archives keep working) and two
    for stem in ("2022-11-13", "2022-11-20"):
        assert not list(site.glob(f"{stem}.*")) and not (site / ".digest" / "entries" / f"{stem}.xml").exists()
    index, feed = (site / "index.html").read_text(encoding="utf-8"), (site / "feed.xml").read_text(encoding="utf-8")
    for text in (index, feed):
        assert "2022-11-06" in text and "2022-10-30" in text and "2022-11-13" not in text and "2022-11-20" not in text
    latest = (site / "2022-11-06.html").read_text(encoding="utf-8")
    assert 'rel="next"' not in latest  # no link to an unpublished page
    # published: it appears, linked from its neighbour; put back to draft: its files go
    set_status(paths[2], "ready")
    result = build()
    assert sorted(result.rendered) == ["2022-11-06", "2022-11-13"] and result.unpublished == {"2022-11-20": "draft"}
    assert 'rel="next" href="2022-11-13.html"' in (site / "2022-11-06.html").read_text(encoding="utf-8")
    set_status(paths[2], "draft")
    result = build()
    assert not (site / "2022-11-13.html").exists() and site / "2022-11-13.html" in result.removed
    assert "2022-11-13" not in (site / "feed.xml").read_text(encoding="utf-8")
    assert 'rel="next"' not in (site / "2022-11-06.html").read_text(encoding="utf-8")


def test_built_pages_have_no_editor_tools_but_render_and_preview_keep_them(newsletter: Path) -> None:
    from digest.config import load_settings
    from digest.issue import load_issue
    from digest.render import render_issue

    build()
    page = (newsletter / "build" / f"{SAMPLE}.html").read_text(encoding="utf-8")
    assert "Copy for Substack" not in page and 'id="substack-html"' not in page and "<script" not in page
    assert 'id="arxiv-2210.11399"' in page and "They frame prefix language modeling" in page
    assert (newsletter / "build" / f"{SAMPLE}.substack.html").is_file()  # still written, for the editor
    editor = render_issue(load_issue(newsletter / "issues" / f"{SAMPLE}.md"), load_settings(), ("html",))["html"]
    assert "Copy for Substack" in editor and 'id="substack-html"' in editor
    code, _out, err = run("render", f"issues/{SAMPLE}.md", "--format", "html")
    assert code == 0, err
    assert "Copy for Substack" in (newsletter / "build" / f"{SAMPLE}.html").read_text(encoding="utf-8")


def test_an_override_of_the_archive_page_puts_reader_things_in_the_toolbar(newsletter: Path) -> None:
    (newsletter / "templates").mkdir()
    (newsletter / "templates" / "archive_issue.html").write_text(
        '{% extends "default:archive_issue.html" %}\n'
        '{% block toolbar %}<p><a href="https://example.org/subscribe">Subscribe</a></p>{% endblock %}\n',
        encoding="utf-8",
    )
    build()
    page = (newsletter / "build" / f"{SAMPLE}.html").read_text(encoding="utf-8")
    assert "https://example.org/subscribe" in page and "Copy for Substack" not in page


def test_a_paper_known_only_by_its_id_is_listed_by_the_title_the_seeds_give(newsletter: Path) -> None:
    (newsletter / "issues" / "2022-10-30.md").write_text(
        "---\ndate: 2022-10-30\n---\n\n## arXiv:2210.99999\n\nNotes on a paper with no title in the file.\n",
        encoding="utf-8",
    )
    (newsletter / "seeds" / "extra.jsonl").write_text(
        json.dumps({"arxiv_id": "2210.99999", "title": "A Title Only the Seeds Know", "abstract": "Seeded."}) + "\n",
        encoding="utf-8",
    )
    build()
    index = (newsletter / "build" / "index.html").read_text(encoding="utf-8")
    assert '<a href="2022-10-30.html#arxiv-2210.99999">A Title Only the Seeds Know</a>' in index


def test_no_settings_file_no_build_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "2022-10-30.md").write_text(make_issue(date(2022, 10, 30)), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _out, err = run("build")
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "no digest.toml in" in err and "--out DIR" in err and "digest init" in err
    assert not (tmp_path / "build").exists()
    code, _out, err = run("build", "--out", "site")  # asked for by name: built
    assert code == 0, err
    assert (tmp_path / "site" / "2022-10-30.html").is_file()


def test_the_build_key_covers_code_in_every_subpackage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change to any module, however deep in the package, re-renders the archive."""
    import shutil

    import digest
    from digest.archive.keys import global_key
    from digest.config import load_settings

    copy = tmp_path / "digest"
    shutil.copytree(Path(digest.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(digest, "__file__", str(copy / "__init__.py"))
    settings = load_settings(None)
    before = global_key(settings, ("md", "html"))
    assert global_key(settings, ("md", "html")) == before
    view = copy / "render" / "view.py"
    view.write_text(view.read_text(encoding="utf-8") + "\n# a change deep in render/\n", encoding="utf-8")
    assert global_key(settings, ("md", "html")) != before


def test_build_warnings_name_files_relative_to_here_as_its_errors_do(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A misnamed issue file, an issue's missing image, a broken seed file: never the absolute path."""
    (newsletter / "issues" / "2022-02-30.md").write_text(make_issue(date(2022, 10, 30)), encoding="utf-8")
    shown = make_issue(date(2022, 10, 30)).replace("Notes on paper 0", "![a figure](img/nope.png)\n\nNotes on paper 0")
    (newsletter / "issues" / "2022-10-30.md").write_text(shown, encoding="utf-8")
    (newsletter / "seeds" / "broken.csv").write_text('garbage,,,\n"unterminated\n', encoding="utf-8")
    for where, prefix, seeds, config in ((newsletter, "issues/", "seeds/", []), (newsletter / "issues", "", "../seeds/", []),
                                         (newsletter.parent, "newsletter/issues/", "newsletter/seeds/",
                                          ["-c", "newsletter/digest.toml"])):  # fmt: skip
        monkeypatch.chdir(where)
        result = CliRunner().invoke(cli, [*config, "build", "--force"], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        lines = result.stderr.splitlines()
        assert f"warning: {prefix}2022-02-30.md: the file name is not a real date; it is not treated as an issue:" \
               " rename it to the issue's date (YYYY-MM-DD.md)" in lines  # fmt: skip
        assert any(line.startswith(f"warning: {prefix}2022-10-30.md:16: image img/nope.png not found") for line in lines), result.stderr
        assert any(line.startswith(f"warning: {seeds}broken.csv: not a seed file") for line in lines)
        assert str(newsletter) not in result.stderr
