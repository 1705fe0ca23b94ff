"""The `digest` command as a user runs it: output files, messages, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import modules_loaded, run


def test_render_writes_every_format_into_build(newsletter: Path) -> None:
    code, out, err = run("render", "issues/2022-10-23.md")
    assert code == 0, err
    names = ["2022-10-23.md", "2022-10-23.html", "2022-10-23.eml", "2022-10-23.txt", "2022-10-23.substack.html"]
    assert out.splitlines() == [f"build/{n}" for n in names]
    assert (newsletter / "build" / "2022-10-23.md").read_text().startswith("# 2022-10-23 arXiv roundup")
    assert (newsletter / "build" / "2022-10-23.html").read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in (newsletter / "build").iterdir()) == sorted(names)


def test_without_a_sender_the_default_render_leaves_out_only_the_email(newsletter: Path) -> None:
    settings = newsletter / "digest.toml"
    settings.write_text(settings.read_text().split("[email]")[0])
    code, out, err = run("render", "issues/2022-10-23.md")
    assert code == 0, err
    assert out.splitlines() == ["build/2022-10-23.md", "build/2022-10-23.html", "build/2022-10-23.txt",
                                "build/2022-10-23.substack.html"]  # fmt: skip


def test_render_one_format_to_stdout_or_a_folder(newsletter: Path) -> None:
    code, out, _ = run("render", "issues/2022-10-23.md", "--format", "md", "--out", "-")
    assert code == 0 and out.startswith("# 2022-10-23 arXiv roundup")
    assert not (newsletter / "build").exists()
    code, out, _ = run("render", "issues/2022-10-23.md", "--format", "html", "--out", "site")
    assert code == 0 and out.strip() == "site/2022-10-23.html"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["render", "issues/2022-10-23.md", "--format", "pdf"], 2, "--format: unknown format 'pdf'; choose from md, html"),
        (["render", "issues/2022-10-23.md", "--out", "-", "--format", "md,html"], 2, "with --out - give exactly one format"),
        (["render", "issues/missing.md"], 1, "issues/missing.md: cannot read the issue"),
    ],
)
def test_bad_requests_exit_with_one_line(newsletter: Path, args: list[str], code: int, message: str) -> None:
    exit_code, out, err = run(*args)
    assert exit_code == code
    assert message in err
    assert out == ""


def test_a_broken_issue_is_one_line_with_file_and_line_and_nothing_is_written(newsletter: Path) -> None:
    issue = newsletter / "issues" / "2022-10-23.md"
    issue.write_text(issue.read_text().replace("## [Active Image Indexing](https://arxiv.org/abs/2210.10620)", "## arXiv:2210.1062"))
    code, out, err = run("render", "issues/2022-10-23.md")
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("issues/2022-10-23.md:")
    assert "'arXiv:2210.1062' is not an arXiv id" in err
    assert not (newsletter / "build").exists()


def test_verbose_shows_the_traceback(newsletter: Path) -> None:
    (newsletter / "issues" / "2022-10-30.md").write_text("---\ndate: 2022-10-31\n---\n")
    code, _, err = run("-v", "render", "issues/2022-10-30.md")
    assert code == 1
    assert "Traceback" in err and "disagrees with the file name" in err


def test_bad_settings_exit_2_listing_every_problem(newsletter: Path) -> None:
    (newsletter / "digest.toml").write_text('nmae = "x"\n[arxiv]\ndelay = "slow"\n')
    code, _, err = run("render", "issues/2022-10-23.md")
    assert code == 2
    assert err.splitlines() == [
        "digest.toml: nmae: unknown key; see the settings reference in README.md (line 1)",
        "digest.toml: arxiv.delay: expected a number, got 'slow' (line 3)",
    ]


def test_help_and_version() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "render" in out and "Draft, annotate and render" in out
    code, out, _ = run("render", "--help")
    assert code == 0 and "Examples:" in out and "--format" in out and "--out" in out
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("digest 0.")


def test_the_installed_command_and_python_m_work(newsletter: Path) -> None:
    installed = str(Path(sys.executable).parent / "digest")
    for argv in ([installed], [sys.executable, "-m", "digest"]):
        done = subprocess.run([*argv, "render", "issues/2022-10-23.md", "--format", "md"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "build/2022-10-23.md"


def test_render_path_imports_no_network_or_ranking_library(newsletter: Path) -> None:
    network = ("requests", "arxiv", "feedparser", "sklearn", "numpy", "urllib3", "http.client")
    assert modules_loaded(["render", "issues/2022-10-23.md"], network) == []


def test_an_unwritable_output_path_is_one_line(newsletter: Path) -> None:
    (newsletter / "afile").write_text("not a folder")
    code, out, err = run("render", "issues/2022-10-23.md", "--format", "md", "--out", "afile/sub")
    assert code == 2 and out == ""  # --out is checked before anything is written
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "afile/sub" in err and "afile is a file, not a folder" in err


@pytest.mark.parametrize(
    "name,text,command,expected",
    [
        ("issue.md", "line one\n{{ issue.title + 1 }}\n", ["render", "issues/2022-10-23.md", "--format", "md"],
         "templates/issue.md:2: template error: can only concatenate str"),
        ("issue.md", "{% if %}\n", ["render", "issues/2022-10-23.md", "--format", "md"],
         "templates/issue.md:1: template error: Expected an expression"),
        ("index.html", '{% include "missing.html" %}\n', ["build"], "template missing.html not found in"),
        ("entry.html", "{{ nothing_here }}\n", ["build"], "'nothing_here' is undefined"),
    ],
)
def test_a_broken_template_is_one_line(newsletter: Path, name: str, text: str, command: list[str], expected: str) -> None:
    (newsletter / "templates").mkdir()
    (newsletter / "templates" / name).write_text(text, encoding="utf-8")
    code, _, err = run(*command)
    assert code == 1 and expected in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("args", [["new", "--offline", "--date", "0001-01-01"], ["new", "--offline", "--date", "9999-12-31"],
                                  ["fetch", "--since", "0001-01-01"], ["new", "--offline", "--window", "999999999"]])  # fmt: skip
def test_dates_and_windows_out_of_range_are_usage_errors(newsletter: Path, args: list[str]) -> None:
    code, _, err = run(*args)
    assert code == 2 and "Traceback" not in err and ("outside 1991-9000" in err or "1<=x<=3660" in err), err


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["new", "--date", "2022-13-45"],
         "digest new: Invalid value for '--date': '2022-13-45' is not a date; use YYYY-MM-DD, e.g. 2022-10-23;"
         " see `digest new --help`"),
        (["triage", "--no-browser"], "digest triage: No such option '--no-browser'; see `digest triage --help`"),
        (["render"], "digest render: Missing argument 'FILE'; see `digest render --help`"),
        (["sned"], "digest: No such command 'sned'. (Did you mean one of: 'seeds', 'send'?); see `digest --help`"),
    ],
)
def test_a_wrong_argument_is_one_line_naming_the_command_and_its_help(args: list[str], line: str) -> None:
    from click.testing import CliRunner

    from digest.cli import cli

    done = CliRunner().invoke(cli, args, prog_name="digest", catch_exceptions=False)
    assert (done.exit_code, done.stdout, done.stderr) == (2, "", line + "\n")


def test_fetch_help_gives_the_default_start_the_code_uses() -> None:
    from digest.fetch import REREAD_DAYS

    code, out, _ = run("fetch", "--help")
    assert code == 0 and f"(default: {REREAD_DAYS} days ago, or window_days if longer," in " ".join(out.split())


def test_build_into_a_named_folder_outside_a_newsletter_says_the_settings_are_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `build --out` is allowed outside a newsletter folder, but not silently: every other
    # command there says it runs on default settings, and so does this one.
    monkeypatch.chdir(tmp_path)
    code, _, err = run("build", "--out", "site")
    assert code == 0 and (tmp_path / "site" / "index.html").is_file()
    assert f"no digest.toml in {tmp_path} or any folder above: default settings" in err


def test_messages_name_files_in_the_newsletter_from_here_and_leave_urls_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A warning or an error about a file the settings resolved (seeds/, the store) names it as the editor
    would type it from where they stand, not by its absolute path; a file:// URL and a path outside the
    folder stay as they are."""
    from digest.cli import common

    letter = tmp_path / "letter"
    (letter / "issues").mkdir(parents=True)
    (letter / "digest.toml").write_text("")
    monkeypatch.chdir(letter / "issues")
    common.State(None, 0, False).settings()
    text = (f"{letter}/seeds/a b.csv:2: bad; open {(letter / 'build' / 'x.html').as_uri()} or {tmp_path}/other.md;"
            f" the store is {letter}/.digest/store.sqlite, the folder {letter}")  # fmt: skip
    assert common.named_from_here(text) == (
        f"../seeds/a b.csv:2: bad; open {(letter / 'build' / 'x.html').as_uri()} or {tmp_path}/other.md;"
        " the store is ../.digest/store.sqlite, the folder .."
    )
    (letter / "my").mkdir()  # a path cut at a space ("my"): only the folders before the cut are renamed
    monkeypatch.chdir(letter / "my")
    assert common.named_from_here(f"{letter}/my notes/a.md: bad") == "../my notes/a.md: bad"
    (tmp_path / "elsewhere").mkdir()  # from outside the folder, the absolute path reads better than ../../
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert common.named_from_here(text) == text
    common._here.root = "/"  # a newsletter at the root of the file system: nothing to shorten
    assert common.named_from_here("/digest.toml: a, b; /x") == "/digest.toml: a, b; /x"
    common.State(None, 0, False)  # a new run forgets the folder until its settings load
    monkeypatch.chdir(letter)
    assert common.named_from_here(text) == text
