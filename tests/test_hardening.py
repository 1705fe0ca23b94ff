"""Hardening: hostile or broken input ends in a result or one line, in time linear in its size.

Every parser that reads user or arXiv text is fed 1 MB lines of the shapes that
made the old regular expressions take quadratic time (a 1 MB ``## ##<spaces> x``
heading took 176 s). Each runs in a subprocess with a 30 s timeout: the point is
not speed (bench/bench_parsers.py measures that) but that a quadratic parser,
which would take minutes or hours here, fails the test instead of hanging it.
Then: settings errors of every kind, direction controls in arXiv text, and
pipes closed by the reader.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, run
from digest.config import load_settings
from digest.errors import ConfigError

MB = 1 << 20
TIMEOUT = 30  # seconds; linear code needs a few, the quadratic code it replaced needed minutes to hours

# One-line shapes that defeated a backtracking regular expression somewhere, or could.
MOTIFS = ["[", "(", "$", "\\", "<!--", "<!---->", "*", "_", "[a](", "](", "\\(", "\\[", "\\a[", "\\a{", "{", "$\\",
          "(arXiv:", "<a ", "</a>", " #", "`", "## ", "arxiv.org/abs/", '"', "'", ":", "- "]  # fmt: skip


def _child(code: str, *args: str, timeout: int = TIMEOUT) -> str:
    """Run ``code`` in a fresh interpreter; its stdout. A timeout fails the test (quadratic code)."""
    try:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                              timeout=timeout, cwd=REPO)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish in {timeout} s: a parser is not linear in its input")
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_reported_files_are_checked_promptly(tmp_path: Path) -> None:
    """The three files of the report, 1 MB each, through `digest check` as a user runs it."""
    (tmp_path / "digest.toml").write_text("")
    files = {
        "heading": "---\ndate: 2022-10-23\n---\n## ##" + " " * MB + " x\nnotes\n",
        "links": "---\ndate: 2022-10-23\n---\n## " + "[a](" * (MB // 4) + "\nnotes\n",
        "headline": "---\ndate: 2022-10-23\nheadline: x" + " " * MB + "y\n---\n\nnotes\n",
    }
    for name, text in files.items():
        folder = tmp_path / name / "issues"
        folder.mkdir(parents=True)
        (folder / "2022-10-23.md").write_text(text)
        env = {**os.environ, "DIGEST_CONFIG": str(tmp_path / "digest.toml")}
        try:
            done = subprocess.run([sys.executable, "-m", "digest", "check", "issues/2022-10-23.md"], cwd=folder.parent,
                                  capture_output=True, text=True, timeout=TIMEOUT, env=env)  # fmt: skip
        except subprocess.TimeoutExpired:
            pytest.fail(f"digest check of the {name} file did not finish in {TIMEOUT} s")
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr and "KB" in done.stderr


ISSUE_PARSER = """
import sys
from digest.errors import InputError
from digest.issue import parse_issue
MB = 1 << 20
HEAD = "---\\ndate: 2022-10-23\\n---\\n"
def rep(m): return m * (MB // len(m))
shapes = {"comments on one line": HEAD + rep("<!---->"), "sections and comments": HEAD + rep("## a\\n<!-- c -->\\n"),
          "comment never closed": HEAD + rep("<!--"), "code spans, then a comment": HEAD + rep("`a` ") + "<!-- c -->\\n",
          "unclosed runs, then a comment": HEAD + "".join("`" * k + "x" * 50 for k in range(1, 1400)) + "<!-- c -->\\n"}
for m in sys.argv[1:]:
    shapes["heading " + m] = HEAD + "## " + rep(m) + "\\nnotes\\n"
    shapes["heading x" + m + "y"] = HEAD + "## x" + rep(m) + "y\\nnotes\\n"
    shapes["front matter " + m] = "---\\ndate: 2022-10-23\\nheadline: x" + rep(m) + "y\\n---\\n"
    shapes["intro " + m] = HEAD + rep(m).replace("-->", "") + "\\n"
for name, text in shapes.items():
    try:
        issue = parse_issue(text, "2022-10-23.md")
        print("parsed", name, len(issue.sections))
    except InputError as exc:
        assert "\\n" not in str(exc) and str(exc).startswith("2022-10-23.md:"), str(exc)[:200]
        print("refused", name)
"""


def test_the_issue_parser_is_linear_on_every_shape() -> None:
    """Headings (links, ids, closing #s), front matter, comments, intro: 1 MB lines of each shape."""
    out = _child(ISSUE_PARSER, *MOTIFS, " ")
    assert len(out.splitlines()) == 5 + 4 * (len(MOTIFS) + 1)
    assert "parsed heading ##  1\n" in out  # `## ## ## ...` is one heading, whatever its length


ARXIV_TEXT = """
import sys
from digest import tex
from digest.fetch import convert as arxiv_convert
from digest.issue import parse_issue
MB = 1 << 20
def rep(m): return m * (MB // len(m))
kind = sys.argv[1]
for m in sys.argv[2:]:
    text = rep(m)
    if kind == "tex":  # titles and abstracts as rendered
        tex.paragraphs("x" + text + "y")
    else:  # the old RDF format (title, linked authors), then the current one
        arxiv_convert._rss_entry({"title": "x" + text + " (arXiv:2210.11399v1 [cs.LG])", "summary": text, "link": text,
                                  "author": "<a href='x'>" + text + "</a> (" + text}, None)
        arxiv_convert._rss_entry({"title": text, "summary": "arXiv:2210.11399 Announce Type: new Abstract: " + text,
                                  "author": text}, None)
    print("done", repr(m))
"""


@pytest.mark.parametrize(
    ("kind", "motifs"),
    [
        ("tex", ["$", "$$", "\\", "{", "\\(", "\\[", "\\a[", "\\a{", "$\\", "\\'", " ", "[a]("]),
        ("rss", ["(arXiv:", "<a ", "</a>", "<a >x</a> (", " ", "[", "(", "<", "<!--", "\\", "$"]),
    ],
)
def test_arxiv_text_is_read_in_linear_time(kind: str, motifs: list[str]) -> None:
    """Titles, authors and abstracts: TeX spans, RSS descriptions, old RDF titles, 1 MB of each shape."""
    assert _child(ARXIV_TEXT, kind, *motifs).count("done ") == len(motifs)


NOTES = """
from digest.issue import notes
KB128 = 1 << 17
shapes = {"nested emphasis": "*a **a " * 10000 + "b" + " a** a*" * 10000,
          "nested underscores": "_a " * 20000 + "b" + " a_" * 20000,
          "emphasis around links": "*a " * 400 + "[x](y) " * 15000 + " a*" * 400,
          "mismatched": "*a_ " * 30000, "link openers": "[ (](" * 20000, "brackets": "[" * KB128,
          "unclosed links": "[a](" * (KB128 // 4), "emphasis and brackets": "*_[" * (KB128 // 3)}
for name, text in shapes.items():
    html = notes.to_html(text)
    print("rendered", repr(name), len(html))
"""


def test_the_markdown_renderer_is_linear_on_every_shape() -> None:
    """mistune on about 128 KB of notes (it reads about 10 us a character of bracket-heavy text,
    so 1 MB would only measure that). Nested emphasis was quadratic in mistune: this took minutes."""
    assert _child(NOTES).count("rendered ") == 8


def test_nested_emphasis_past_the_budget_is_shown_as_typed_and_ordinary_emphasis_is_not() -> None:
    from digest.issue.notes import defuse_emphasis, to_html

    assert str(to_html("*a* **b** snake_case `x*y`")) == (
        "<p><em>a</em> <strong>b</strong> snake_case <code>x*y</code></p>"
    )
    text = "*a **a " * 4000 + "b" + " a** a*" * 4000
    html = str(to_html(text))
    assert "<em>" not in html and html.count("*") == text.count("*")  # every marker shown, none lost
    escaped = defuse_emphasis("`a*b` snake_case <http://x/_y> https://x.org/_a " + "*a " * 600 + "a*" * 600)
    assert escaped.startswith("`a*b` snake_case <http://x/_y> https://x.org/_a \\*a \\*a")


SETTINGS_SHAPES = """
import sys
from pathlib import Path
from digest.config import load_settings
from digest.errors import ConfigError
from digest.query import compile_query, query_problem
MB = 1 << 20
def rep(m): return m * (MB // len(m))
problems = [query_problem("(" * (MB // 2) + "a" + ")" * (MB // 2)), query_problem('ti:"' + rep("x")),
            query_problem(rep("ti:")), query_problem(rep(") ("))]
compile_query(rep("a AND ") + "a")
path = Path("digest.toml")
texts = ["arxiv.query = '" + rep("((") + "'", "name = a" + rep(" ") + "b"]
for m in sys.argv[1:]:
    texts += ["name = " + rep(m), rep(m) + " = 1", "[" + rep(m) + "]", "name = '" + rep(m).replace("'", "") + "'"]
for text in texts:
    path.write_text(text)
    try:
        load_settings(path)
    except ConfigError as exc:
        assert all(p.startswith(("digest.toml: ", str(path))) and "\\n" not in p for p in exc.problems), exc.problems
print("queries", sum(p is not None for p in problems))
"""


def test_queries_and_settings_are_read_in_linear_time(tmp_path: Path) -> None:
    try:
        done = subprocess.run([sys.executable, "-c", SETTINGS_SHAPES, *MOTIFS], capture_output=True, text=True,
                              timeout=TIMEOUT, cwd=tmp_path)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("arxiv.query or digest.toml reading is not linear in its input")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == "queries 3\n"  # all but the `ti:ti:...` term


# -- the new scanners read exactly what the regular expressions they replaced read -------------

OLD_LINK = re.compile(r"\[(?P<text>(?:[^\[\]\\]|\\.|\[[^\]]*\])*)\]\(\s*<?(?P<url>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
OLD_HEADING = re.compile(r"^ {0,3}##(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
OLD_PLAIN = re.compile(r"^([A-Za-z_]\w*):(?:[ \t]+([^\s\[\]{}&*!|>'\"%@`#,?:-][^#]*?|-[^\s#][^#]*?))?[ \t]*$")
OLD_RDF = re.compile(r"^(?P<title>.*?)\.?\s*\(arXiv:(?P<id>\S+)\s+\[(?P<cat>[^\]]+)\](?P<flag>[^)]*)\)\s*$", re.S)
OLD_AUTHORS = re.compile(r"<a [^>]*>(?P<name>.*?)</a>\s*(?:\((?P<aff>[^)]*)\))?")


def _pieces(*tokens: str, size: int = 14) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens), max_size=size).map("".join)


@settings(max_examples=400, deadline=None)
@given(_pieces("[", "]", "(", ")", "\\", "<", ">", '"', " ", "\t", "a", "\n", "[a](b)"))
def test_the_link_scanner_finds_the_link_the_old_pattern_found(heading: str) -> None:
    from digest.issue import first_link

    old, new = OLD_LINK.search(heading), first_link(heading)
    assert (None if old is None else (old["text"], old["url"], old.span())) == (
        None if new is None else (new.text, new.url, new.span)
    )


@settings(max_examples=300, deadline=None)
@given(_pieces("#", " ", "\t", "a", "\u00a0", "##", size=10))
def test_headings_are_read_as_the_old_pattern_read_them(line: str) -> None:
    from digest.issue import heading_text

    old, new = OLD_HEADING.match(line), heading_text(line)
    assert (None if old is None else (old["text"] or "").strip()) == (None if new is None else new.strip())


@settings(max_examples=300, deadline=None)
@given(_pieces("#", ":", " ", "\t", "a", "-", "[", "'", "\x0c", "\u00a0", size=10))
def test_plain_front_matter_values_are_read_as_the_old_pattern_read_them(value: str) -> None:
    from digest.issue import _PLAIN_KEY, _plain_value

    line = "headline:" + value
    old, key = OLD_PLAIN.match(line), _PLAIN_KEY.match(line)
    assert key is not None
    assert (None if old is None else old[2] or "") == _plain_value(line[key.end() :])


@settings(max_examples=300, deadline=None)
@given(_pieces("(arXiv:", "[", "]", "(", ")", " ", "\n", ".", "a", "x]"), _pieces("<a ", ">", "</a>", "(", ")", " ", "\n", "x"))
def test_rss_titles_and_authors_are_read_as_the_old_patterns_read_them(title: str, authors: str) -> None:
    from digest.fetch.convert import _linked_names, _rdf_title

    old = OLD_RDF.match(title)
    assert (None if old is None else old.groupdict()) == _rdf_title(title)
    assert [(m["name"], m["aff"]) for m in OLD_AUTHORS.finditer(authors)] == _linked_names(authors)


# -- settings: every error is one line naming the file (and the line), exit 2 -----------------


def test_settings_nested_too_deeply_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digest.toml").write_text('name = "x"\n\na = ' + "[" * 5000 + "]" * 5000 + "\n")
    code, out, err = run("store", "stats")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == ["digest.toml: arrays or tables nested too deeply; nest them less (line 3)"]


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('[arxiv]\nquery = "((("\n', "digest.toml: arxiv.query: cannot apply '(((' to the store: a '(' is never closed (line 2)"),
        ('name = "x"\narxiv.query = "ti:\\"x"\n', "digest.toml: arxiv.query: cannot apply 'ti:\"x' to the store: "
                                                 "cannot read an unclosed quote at character 4 (line 2)"),
        ("arxiv = {query = 'a AND'}\n", "digest.toml: arxiv.query: cannot apply 'a AND' to the store: "
                                        "it ends where a term was expected (line 1)"),
        ("[arxiv]\nquery = '" + "(" * 60 + "a" + ")" * 60 + "'\n", "parentheses nest more than 50 deep (line 2)"),
    ],
)  # fmt: skip
def test_a_query_that_cannot_be_applied_names_the_setting_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, problem: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digest.toml").write_text(toml)
    code, out, err = run("store", "stats")  # any command: the settings are refused before it runs
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.strip().endswith(problem), err


def test_a_query_from_the_environment_names_the_variable(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from digest.query import compile_query

    monkeypatch.setenv("DIGEST_ARXIV_QUERY", "abs:(transformer")
    code, _, err = run("new", "--offline", "--dry-run")
    assert code == 2 and err.strip() == "DIGEST_ARXIV_QUERY: cannot apply 'abs:(transformer' to the store: a '(' is never closed"
    monkeypatch.delenv("DIGEST_ARXIV_QUERY")
    (newsletter / "digest.toml").write_text('[arxiv]\nquery = "abs:transformer"\n')
    assert load_settings().origin("arxiv.query") == "digest.toml (line 2)"
    with pytest.raises(ConfigError, match=r"^digest.toml \(line 2\): arxiv.query: cannot apply"):
        compile_query("(", origin="digest.toml (line 2)")


_TOML_PIECES = ["[arxiv]", "[email]", "[nope]", "[[arxiv]]", "[arxiv", "name = ", "arxiv.query = ", "email.to = ",
                "window_days = ", "timezone = ", "smtp.port = ", "arxiv.holidays = ", "url = ", "\n", '"', "'", "'''",
                '"""', "[", "]", "{", "}", "=", ",", "#", "1", "-1", "1e999", "nan", "true", "1979-05-27", "07:32:00",
                "x", " ", "\\", "\\u0000", "((", "\x00", "\ufeff", "\u2028", "\r"]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(_pieces(*_TOML_PIECES, size=24), st.text(max_size=40),
                 st.integers(1, 3000).map(lambda d: "name = " + "[" * d + "]" * d),
                 st.integers(1, 3000).map(lambda d: "arxiv = " + "{a = " * d)))  # fmt: skip
def test_malformed_settings_files_are_one_line_each_naming_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "digest.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        load_settings(path)
    except ConfigError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert "\n" not in problem and problem.startswith((f"{path}:", "digest.toml: ")), problem


# -- direction controls from arXiv reach no output ---------------------------------------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def _bidi_in(text: str) -> list[str]:
    found = [f"U+{ord(c):04X}" for c in BIDI if c in text]
    found += re.findall(r"&#(?:x0*(?:202[a-e]|206[6-9]|200[ef]|61c)|0*(?:82(?:3[4-8])|8294|8295|8296|8297|8206|8207|1564));",
                        text, re.I)  # fmt: skip
    return found


def test_direction_controls_in_paper_metadata_reach_no_format(newsletter: Path) -> None:
    issue = newsletter / "issues" / "2022-11-06.md"
    issue.write_text(
        "---\ndate: 2022-11-06\nheadline: Overrides\n---\n\nאנחנו כותבים גם בעברית, وبالعربية.\n\n"
        "## arXiv:2301.00001\n<!-- digest:paper\nid: 2301.00001v1\n"
        "title: Safe \u202etxet desrever\u202c models \u2067isolated\u2069\n"
        "authors: [Ada \u200fLovelace, \u202dGrace Hopper]\ncategories: [cs.LG]\ncomment: 9 pages \u202e\n"
        "abstract: |-\n  We \u202ereverse\u202c nothing \u061c here.\n-->\n\nנקרא את זה: notes in Hebrew and عربي.\n\n"
        "## [Linked \u202etitle](https://arxiv.org/abs/2301.00002)\n\nMore notes.\n",
        encoding="utf-8",
    )
    out = newsletter / "out"
    code, _, err = run("render", str(issue), "--out", str(out))
    assert code == 0, err
    written = sorted(out.iterdir())
    assert [p.name for p in written] == ["2022-11-06.eml", "2022-11-06.html", "2022-11-06.md", "2022-11-06.substack.html",
                                         "2022-11-06.txt"]  # fmt: skip
    for path in written:
        if path.suffix == ".eml":
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            text = "\n".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")
        else:
            text = path.read_text(encoding="utf-8")
        assert _bidi_in(text) == [], path.name
        assert "Safe txet desrever models isolated" in text and "Linked title" in text, path.name
        assert "עברית" in text and "بالعربية" in text and "عربي" in text, path.name  # the editor's own RTL text stays


def test_direction_controls_are_removed_where_arxiv_text_enters() -> None:
    from digest.fetch.convert import paper_from_result, papers_from_rss

    result = SimpleNamespace(
        entry_id="http://arxiv.org/abs/2210.11399v2", title="A \u202etitle\u202c", summary="An \u2066abstract\u2069.",
        comment="\u200f5 pages", journal_ref="J \u202a1\u202c", doi=None, primary_category="cs.LG", categories=["cs.LG"],
        authors=[SimpleNamespace(name="\u202eAda", affiliation=["\u061cMIT"])], published=None, updated=None,
    )  # fmt: skip
    paper = paper_from_result(result)
    assert paper is not None
    assert (paper.title, paper.abstract, paper.comment, paper.journal_ref) == ("A title", "An abstract.", "5 pages", "J 1")
    assert (paper.authors[0].name, paper.authors[0].affiliation) == ("Ada", "MIT")
    feed = {"feed": {"published": "Mon, 24 Oct 2022 00:00:00 -0400"}, "entries": [
        {"title": "New \u202eone", "summary": "arXiv:2210.11399v1 Announce Type: new Abstract: \u202eText.",
         "author": "Ada \u200eLovelace, \u2067Grace", "tags": [{"term": "cs.LG"}]},
        {"title": "Old \u202eone. (arXiv:2210.11400v1 [cs.CL])", "summary": "<p>\u202bOld.</p>",
         "author": "<a href='x'>\u202eAda</a> (\u202eMIT)"},
    ]}  # fmt: skip
    papers, _ = papers_from_rss(feed)
    assert [(p.title, p.abstract, [a.name for a in p.authors]) for p in papers] == [
        ("New one", "Text.", ["Ada Lovelace", "Grace"]), ("Old one", "Old.", ["Ada"])
    ]
    assert papers[1].authors[0].affiliation == "MIT"


# -- a reader that closes the pipe early ends the command quietly ------------------------------


def _closed_pipe_run(args: list[str], cwd: Path, closed: str) -> tuple[int, str, str]:
    """``digest ARGS`` with stdout, stderr or both on a pipe whose reader has already gone."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "digest", *args], cwd=cwd, timeout=TIMEOUT,
            stdout=write if closed in ("stdout", "both") else subprocess.PIPE,
            stderr=write if closed in ("stderr", "both") else subprocess.PIPE,
        )  # fmt: skip
    finally:
        os.close(write)
    return done.returncode, (done.stdout or b"").decode(), (done.stderr or b"").decode()


@pytest.mark.parametrize(
    ("args", "closed"),
    [
        (["--help"], "stdout"),
        (["new", "--help"], "stdout"),
        (["new", "--help"], "both"),  # digest new ... 2>&1 | head
        (["render", "issues/2022-10-23.md", "--out", "-"], "stdout"),
        (["render", "issues/2022-10-23.md", "--out", "-"], "both"),
        (["where", "2210.11399"], "stdout"),
        (["store", "stats"], "stdout"),
        (["store", "stats"], "stderr"),
    ],
)
def test_a_closed_pipe_ends_quietly_with_exit_0(newsletter: Path, args: list[str], closed: str) -> None:
    code, out, err = _closed_pipe_run(args, newsletter, closed)
    assert code == 0
    assert err == ""  # no traceback, no "Exception ignored ... BrokenPipeError"
    if closed == "stderr":
        assert out.startswith("store:")  # stdout, still open, got everything


def test_a_closed_stderr_keeps_the_exit_code_of_an_error(newsletter: Path) -> None:
    code, out, _ = _closed_pipe_run(["where", "not-an-id"], newsletter, "stderr")
    assert (code, out) == (2, "")
