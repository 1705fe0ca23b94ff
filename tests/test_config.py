"""Settings: found by walking up, overridden by DIGEST_* and flags, every problem reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import KEYS, load_settings
from digest.errors import ConfigError, ExitCode


def test_an_empty_file_gives_every_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "digest.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.root == tmp_path.resolve()
    assert s.title_format == "{date} arXiv roundup: {headline}"
    assert s.arxiv.delay == 3.0
    assert s.arxiv.api_url == "https://export.arxiv.org/api/query"
    assert s.path("store") == tmp_path.resolve() / ".digest" / "store.sqlite"


def test_found_by_walking_up_and_paths_are_relative_to_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "digest.toml").write_text('name = "Weekly"\n[paths]\nbuild = "out"\n')
    deep = tmp_path / "issues" / "drafts"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    s = load_settings()
    assert s.name == "Weekly"
    assert s.path("build") == tmp_path.resolve() / "out"


def test_precedence_file_then_environment_then_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text('[arxiv]\ndelay = 5\ncategories = ["cs.LG"]\napi_url = "http://file"\n')
    monkeypatch.setenv("DIGEST_CONFIG", str(cfg))
    monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
    monkeypatch.setenv("DIGEST_ARXIV_CATEGORIES", "cs.CL, stat.ML")
    s = load_settings(overrides={"arxiv.api_url": "http://flag", "window_days": None})
    assert s.arxiv.delay == 0.0
    assert s.arxiv.categories == ["cs.CL", "stat.ML"]
    assert s.arxiv.api_url == "http://flag"
    assert s.window_days == 7
    assert s.source == str(cfg)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    cfg = tmp_path / "digest.toml"
    cfg.write_text(
        'nmae = "typo"\nwindow_days = "seven"\nunannotated = "always"\n'
        '[arxiv]\ndelay = "slow"\ncategories = "cs.LG"\n[smtp]\npassword = "hunter2"\n[mystery]\nx = 1\n'
        '[email]\nsend_hour = 25\n'
    )
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert info.value.exit_code == ExitCode.USAGE
    assert info.value.problems == [
        "digest.toml: nmae: unknown key; see the settings reference in README.md (line 1)",
        "digest.toml: window_days: expected a whole number, got 'seven' (line 2)",
        "digest.toml: unannotated: expected one of skip, abstract, got 'always' (line 3)",
        "digest.toml: arxiv.delay: expected a number, got 'slow' (line 5)",
        "digest.toml: smtp.password: passwords are read only from DIGEST_SMTP_PASSWORD, remove it (line 8)",
        "digest.toml: mystery: unknown section; see the settings reference in README.md (line 9)",
        "digest.toml: email.send_hour: expected an hour from 0 to 23, got 25 (line 12)",
    ]


def test_an_unknown_time_zone_is_reported(tmp_path: Path) -> None:
    cfg = tmp_path / "digest.toml"
    cfg.write_text('timezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert info.value.problems == [
        "digest.toml: timezone: unknown time zone 'Mars/Olympus'; use a name such as Europe/Berlin or UTC (line 1)"
    ]


def test_bad_environment_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGEST_ARXIV_DELAY", "soon")
    monkeypatch.setenv("DIGEST_EMAIL_X_UNSENT", "maybe")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert info.value.problems == [
        "DIGEST_ARXIV_DELAY: expected a number, got 'soon'",
        "DIGEST_EMAIL_X_UNSENT: expected true or false, got 'maybe'",
    ]


@pytest.mark.parametrize(
    "var,value,problem",
    [
        ("DIGEST_ARXIV_TIMEOUT", "nan", "expected a finite number"),
        ("DIGEST_ARXIV_DELAY", "inf", "expected a finite number"),
        ("DIGEST_ARXIV_TIMEOUT", "0", "must be more than 0 seconds"),
        ("DIGEST_SMTP_PORT", "70000", "expected a port from 1 to 65535"),
        ("DIGEST_URL", "http://[::1", "not a usable address"),
        ("DIGEST_WINDOW_DAYS", "99999999", "expected at most 3660 days"),
    ],
)
def test_values_that_would_fail_later_are_refused_up_front(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, var: str, value: str, problem: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert len(info.value.problems) == 1 and info.value.problems[0].startswith(f"{var}: {problem}")


def test_a_settings_file_that_is_not_text_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "digest.toml"
    cfg.write_bytes(b"name = \"\xff\xfe\"\n")
    with pytest.raises(ConfigError, match=r"digest.toml: not UTF-8 text"):
        load_settings(cfg)


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    cfg = tmp_path / "digest.toml"
    cfg.write_text('name = "x"\nwindow_days = \n')
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert info.value.problems == [
        "digest.toml: window_days: no value after =; write one, e.g. window_days = 7, or remove the line (line 2, column 15)"]


@pytest.mark.parametrize(("toml", "problem"), [
    ("# the name\nname = My Roundup\n", 'name: text must be in quotes: name = "My Roundup" (line 2, column 8)'),
    ("url = https://example.org # where it is\n", 'url: text must be in quotes: url = "https://example.org" (line 1, column 7)'),
    ("url = https://example.org/news#latest\n", 'url: text must be in quotes: url = "https://example.org/news#latest" (line 1, column 7)'),
    ("name = C#Weekly\n", 'name: text must be in quotes: name = "C#Weekly" (line 1, column 8)'),
    ("[arxiv]\ncategories = [cs.LG, cs.CL]\n",
     'arxiv.categories: quote each item of the list: categories = ["cs.LG", "cs.CL"] (line 2, column 15)'),
    ("[email]\nx_unsent = True\n", "email.x_unsent: write true or false, in lower case: x_unsent = true (line 2, column 12)"),
    ("window_days = seven\n", "window_days: 'seven' is not a number; write digits only, e.g. window_days = 7 (line 1, column 15)"),
    ("[arxiv]\ndelay = 3,5\n", "arxiv.delay: '3,5' is not a number; write digits only, with a point for decimals, "
                              "e.g. delay = 3.0 (line 2, column 10)"),
    ('name = "abc\n', 'name: the text has no closing quote; end it with " on the same line (line 1, column 12)'),
    ("name = 'it's'\n", "name: a ' inside '...' ends the text; use double quotes: name = \"it's\" (line 1, column 12)"),
    ('name: "x"\n', "write key = value, with = rather than : (line 1, column 5)"),
    ('name = "a"\nauthor = "b"\nname = "c"\n', "name: set twice (first at line 1); keep one of the two (line 3)"),
    ("[arxiv]\ndelay = 3.0\n[arxiv]\n", "[arxiv] appears twice; merge the two into one [arxiv] (line 3, column 7)"),
    ("[arxiv\n", "a section name needs its closing ], e.g. [arxiv] (line 1, column 7)"),
    ('[arxiv]\ncategories = ["cs.LG", "cs.CL"\n',
     'arxiv.categories: the list has no closing ]; write it as ["a", "b"] on one line or end it with ] (line 2)'),
    ("[arxiv]\nholidays = [2026-11-26, 2026-13-01]\n",
     "arxiv.holidays: 2026-13-01 is not a date; write dates as YYYY-MM-DD, e.g. 2026-11-26 (line 2, column 29)"),
], ids=["unquoted", "unquoted-url", "url-with-fragment", "hash-in-text", "unquoted-list", "True", "word-for-number", "comma-decimal", "unclosed-quote",
        "quote-in-quotes", "colon", "key-twice", "section-twice", "unclosed-section", "unclosed-list", "bad-date"])  # fmt: skip
def test_toml_syntax_errors_read_like_the_other_settings_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, problem: str
) -> None:
    # `digest.toml: key: what is wrong; the fix (line N, column M)`, exit 2, as a wrong type reads,
    # and never the absolute path with the TOML reader's bare "Invalid value".
    (tmp_path / "digest.toml").write_text(toml)
    (tmp_path / "issues").mkdir()
    monkeypatch.chdir(tmp_path / "issues")  # found upwards: still named as digest.toml
    code, out, err = _cli("store", "stats")
    assert (code, out, err) == (2, "", f"digest.toml: {problem}\n")


def test_every_key_has_an_environment_variable_and_help() -> None:
    envs = [k.env for k in KEYS]
    assert len(envs) == len(set(envs))
    assert "DIGEST_ARXIV_API_URL" in envs and "DIGEST_ARXIV_RSS_URL" in envs and "DIGEST_ARXIV_DELAY" in envs
    assert "DIGEST_EMAIL_FROM" in envs
    assert all(k.help for k in KEYS)


def _cli(*args: str) -> tuple[int, str, str]:
    from conftest import run

    return run(*args)


@pytest.mark.parametrize("make,what", [
    (lambda p: p.mkdir(), "is a folder, not a settings file"),
    (lambda p: p.symlink_to("nowhere"), "is a link to nothing (nowhere does not exist), not a settings file"),
    (lambda p: p.symlink_to(p.name), "is a link that leads back to itself (a loop), not a settings file"),
], ids=["folder", "link-to-nothing", "link-loop"])  # fmt: skip
def test_a_digest_toml_that_is_no_file_is_one_line_never_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: object, what: str
) -> None:
    # A real digest.toml above must not be read in its place, silently.
    (tmp_path / "digest.toml").write_text('name = "The parent"\n')
    here = tmp_path / "here"
    here.mkdir()
    make(here / "digest.toml")  # type: ignore[operator]
    monkeypatch.chdir(here)
    with pytest.raises(ConfigError) as info:
        load_settings()
    line = f"{here.resolve() / 'digest.toml'}: {what}; move it aside, or give the settings file with -c FILE"
    assert info.value.problems == [line]
    code, out, err = _cli("store", "stats")
    assert (code, out, err) == (2, "", line + "\n")


@pytest.mark.parametrize("how", [["-c", "folder"], ["--config=folder"], []])
def test_a_settings_folder_given_by_name_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: list[str]) -> None:
    (tmp_path / "folder").mkdir()
    monkeypatch.chdir(tmp_path)
    if not how:
        monkeypatch.setenv("DIGEST_CONFIG", "folder")
    code, out, err = _cli(*how, "store", "stats")
    assert (code, out, err) == (2, "", "folder: is a folder, not a settings file\n")


@pytest.mark.parametrize("text,kind", [
    ("arxiv = 3\n", "an integer"), ('smtp = "mail.example.org"\n', "a string"), ("paths = [1]\n", "an array"),
    ("email = true\n", "true or false"), ("publish = 1.5\n", "a number"), ("[[arxiv]] \n", "an array"),
])  # fmt: skip
def test_a_section_given_as_a_value_says_it_must_be_a_table(tmp_path: Path, text: str, kind: str) -> None:
    cfg = tmp_path / "digest.toml"
    cfg.write_text('name = "x"\n' + text)
    section = text.split(" ")[0].strip("[]")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert info.value.problems == [f"digest.toml: {section}: must be a table ([{section}]), not {kind} (line 2)"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[arxiv]\ncategories = "cs.LG, cs.CL"\n',
         "digest.toml: arxiv.categories: 'cs.LG, cs.CL' is not an arXiv category name;"
         ' give each its own string: ["cs.LG", "cs.CL"] (line 2)'),
        ('[arxiv]\ncategories = ["cs.LG", "cs.lg!"]\n',
         "digest.toml: arxiv.categories: 'cs.lg!' is not an arXiv category name; did you mean cs.LG? (line 2)"),
        ('title_format = "{date}: {topic}"\n',
         "digest.toml: title_format: cannot fill in '{date}: {topic}' (KeyError: 'topic'); use {date}, {headline}"
         " and {name}, and write a brace as {{ or }} (line 1)"),
    ],
)
def test_a_category_or_title_format_that_would_fail_later_is_refused_on_its_line(tmp_path: Path, text: str,
                                                                                  line: str) -> None:  # fmt: skip
    """A comma-separated string would become one category arXiv has never heard of (the fetch would
    find nothing), and an unknown {field} would only fail at render time."""
    (tmp_path / "digest.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "digest.toml")
    assert info.value.problems == [line]


def test_real_category_names_and_title_formats_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "digest.toml").write_text('title_format = "{name} {{weekly}}: {date} {headline}"\n[arxiv]\n'
                                          'categories = ["cs.LG", "stat.ML", "hep-th", "cond-mat.stat-mech", "q-bio.NC"]\n')
    settings = load_settings(tmp_path / "digest.toml")
    assert settings.arxiv.categories == ["cs.LG", "stat.ML", "hep-th", "cond-mat.stat-mech", "q-bio.NC"]


def test_a_nul_character_in_a_setting_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """TOML allows "\\u0000" in a string; a path holding one made every command that opens the
    store end in Python's "embedded null byte" traceback."""
    (tmp_path / "digest.toml").write_text('[paths]\nstore = "a\\u0000b"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "digest.toml")
    assert info.value.problems == ["digest.toml: paths.store: holds a NUL character (\\u0000), which no path,"
                                   " address or text can; got 'a\\x00b' (line 2)"]


def test_a_value_checked_later_is_named_with_its_line_as_the_loader_names_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # email.from is checked when an email is made, not at load: the line is still named,
    # from the file that set it; from the environment, the variable is named instead.
    (tmp_path / "digest.toml").write_text('# mine\n\n[email]\nfrom = "not an address"\n', encoding="utf-8")
    settings = load_settings(str(tmp_path / "digest.toml"))
    assert settings.problem("email.from", "bad").problems == ["digest.toml: email.from: bad (line 4)"]
    assert settings.problem("email.to", "bad").problems == ["digest.toml: email.to: bad"]  # a default: no line
    monkeypatch.setenv("DIGEST_EMAIL_FROM", "x")
    assert load_settings(str(tmp_path / "digest.toml")).problem("email.from", "bad").problems == ["DIGEST_EMAIL_FROM: email.from: bad"]
