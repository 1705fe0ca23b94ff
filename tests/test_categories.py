"""`arxiv.categories` checked against arXiv's taxonomy where it is written: a name that can never be
arXiv's is refused (exit 2) naming digest.toml, the line, the value and the fix; a well-formed name
digest does not know is a warning, and the command runs (arXiv adds categories now and then)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from arxiv_server import ArxivServer

from conftest import run
from digest.categories import ARCHIVES, CATEGORIES, RETIRED, is_known
from digest.config import KEYS, load_settings
from digest.errors import ConfigError
from digest.ids import CATEGORY

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
_TERMS = re.compile(r'<(?:arxiv:)?(?:primary_)?category\b[^>]*\bterm="([^"]+)"|<category>([^<]+)</category>'
                    r"|<categories>([^<]+)</categories>")


def _categories_in(paths: list[Path]) -> dict[str, str]:
    """Every category-shaped name the recordings hold (MSC and ACM codes are no arXiv names), with
    a file that holds it."""
    found: dict[str, str] = {}
    for path in paths:
        if path.suffix == ".jsonl":
            names = [c for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
                     for r in [json.loads(line)] for c in [*r["categories"], r.get("primary_category") or ""]]
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
            names = [n for m in _TERMS.finditer(text) for group in m.groups() if group for n in group.split()]
        for name in names:
            if CATEGORY.fullmatch(name):
                found.setdefault(name, path.name)
    return found


def test_every_category_in_the_recorded_arxiv_answers_is_known() -> None:
    found = _categories_in(sorted((ROOT / "tests" / "fixtures" / "arxiv").glob("*.xml")))
    assert {"cs.LG", "hep-ph", "quant-ph", "astro-ph", "cond-mat.mes-hall", "stat.ML"} <= set(found)  # the reading found them
    unknown = {name: where for name, where in found.items() if not is_known(name)}
    assert not unknown, f"add these to digest/categories.py: {unknown}"


def test_every_category_in_the_shared_recordings_and_real_weeks_is_known() -> None:
    paths = sorted((SHARED / "fixtures" / "arxiv").glob("*.xml")) + sorted((SHARED / "data" / "arxiv-weeks").glob("*.jsonl"))
    if not paths:
        pytest.skip(f"{SHARED} is not here (the shared folder is optional)")
    found = _categories_in(paths)
    unknown = {name: where for name, where in found.items() if not is_known(name)}
    assert not unknown, f"add these to digest/categories.py: {unknown}"


def test_the_taxonomy_is_arxivs_whole_list() -> None:
    assert len(CATEGORIES) == 155
    assert {"cs.LG", "stat.ML", "math.ST", "eess.SP", "econ.EM", "q-bio.NC", "q-fin.ST", "physics.optics",
            "cond-mat.stat-mech", "astro-ph.CO", "nlin.CD", "hep-th", "gr-qc", "math-ph", "nucl-th"} <= CATEGORIES
    assert all(CATEGORY.fullmatch(c) for c in CATEGORIES | ARCHIVES | set(RETIRED))
    assert set(RETIRED.values()) <= CATEGORIES


def _refused(tmp_path: Path, toml: str) -> list[str]:
    (tmp_path / "digest.toml").write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "digest.toml")
    return info.value.problems


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("cs.lg", "'cs.lg' is not an arXiv category; did you mean cs.LG?"),
        ("CS.LG", "'CS.LG' is not an arXiv category; did you mean cs.LG?"),
        ("cs-LG", "'cs-LG' is not an arXiv category; did you mean cs.LG?"),
        ("cs.LG ", "'cs.LG ' is not an arXiv category; did you mean cs.LG?"),
        ("cs_CL", "'cs_CL' is not an arXiv category; did you mean cs.CL?"),
        ("stat.ml", "'stat.ml' is not an arXiv category; did you mean stat.ML?"),
        ("cond-mat.stat_mech", "'cond-mat.stat_mech' is not an arXiv category; did you mean cond-mat.stat-mech?"),
        ("hep_th", "'hep_th' is not an arXiv category; did you mean hep-th?"),
        ("cs.LGG", "'cs.LGG' is not an arXiv category name; did you mean cs.LG?"),
        ("cs.NLP", "'cs.NLP' is not an arXiv category name; did you mean cs.CL?"),
        ("cs", "'cs' is a whole arXiv archive, and papers are filed under its categories; list the ones you want,"
               " e.g. cs.AI, cs.AR, cs.CC (all of them: https://arxiv.org/category_taxonomy)"),
        ("chao-dyn", "'chao-dyn' is an arXiv archive retired long ago; its papers are now filed under nlin.CD: write that"),
    ],
)
def test_a_name_that_can_never_be_arxivs_is_refused_on_its_line_with_the_fix(tmp_path: Path, written: str,
                                                                             problem: str) -> None:  # fmt: skip
    """Each of these would query arXiv for nothing, every day, in silence."""
    problems = _refused(tmp_path, f'name = "Weekly"\n[arxiv]\ncategories = ["cs.CL", "{written}"]\n')
    assert problems == [f"digest.toml: arxiv.categories: {problem} (line 3)"]


def test_every_bad_name_of_a_long_list_is_said_on_its_own_line(tmp_path: Path) -> None:
    problems = _refused(tmp_path, '[arxiv]\ncategories = [\n  "cs.lg",\n  "stat.ML",  # stats\n  "cs-CL",\n]\n')
    assert problems == [
        "digest.toml: arxiv.categories: 'cs.lg' is not an arXiv category; did you mean cs.LG? (line 3)",
        "digest.toml: arxiv.categories: 'cs-CL' is not an arXiv category; did you mean cs.CL? (line 5)",
    ]


def test_every_category_is_accepted_as_arxiv_writes_it_and_refused_in_lower_case(tmp_path: Path,
                                                                                caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    names = sorted(CATEGORIES)
    listed = ", ".join(f'"{c}"' for c in names)
    (tmp_path / "digest.toml").write_text(f"[arxiv]\ncategories = [{listed}]\n")
    with caplog.at_level(logging.WARNING, logger="digest"):
        assert load_settings(tmp_path / "digest.toml").arxiv.categories == names
    assert caplog.messages == []
    upper = [c for c in names if c != c.lower()]
    problems = _refused(tmp_path, "[arxiv]\ncategories = [" + ", ".join(f'"{c.lower()}"' for c in upper) + "]\n")
    assert [p.rsplit("did you mean ", 1)[1] for p in problems] == [f"{c}? (line 2)" for c in upper]


def test_the_defaults_digest_init_writes_are_arxivs() -> None:
    (spec,) = [k for k in KEYS if k.key == "arxiv.categories"]
    assert spec.default and all(c in CATEGORIES for c in spec.default)


def test_the_variable_is_checked_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_ARXIV_CATEGORIES", "cs.LG, stat.ml")
    problems = _refused(tmp_path, '[arxiv]\ncategories = ["cs.LG"]\n')
    assert problems == ["DIGEST_ARXIV_CATEGORIES: 'stat.ml' is not an arXiv category; did you mean stat.ML?"]


@pytest.fixture()
def letter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, ArxivServer]]:
    """A newsletter folder wired to the local arXiv."""
    with ArxivServer() as server:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("DIGEST_ARXIV_API_URL", server.api_url)
        monkeypatch.setenv("DIGEST_ARXIV_RSS_URL", server.rss_url)
        monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
        monkeypatch.setenv("DIGEST_ARXIV_RETRIES", "0")
        yield tmp_path, server


@pytest.mark.parametrize("command", [["fetch"], ["fetch", "--via", "rss"], ["new", "--date", "2026-04-12"], ["-q", "new"]])
def test_fetch_and_new_refuse_a_misspelt_category_before_asking_arxiv(letter: tuple[Path, ArxivServer],
                                                                       command: list[str]) -> None:  # fmt: skip
    folder, server = letter
    (folder / "digest.toml").write_text('name = "Weekly"\n\n[arxiv]\ncategories = ["cs.LG", "cs.cl"]\n')
    code, out, err = run(*command)
    assert (code, out) == (2, "")
    assert err == "digest.toml: arxiv.categories: 'cs.cl' is not an arXiv category; did you mean cs.CL? (line 4)\n"
    assert server.requests == [] and not (folder / "issues").exists()


def test_a_wellformed_name_digest_does_not_know_is_a_warning_and_the_fetch_runs(letter: tuple[Path, ArxivServer]) -> None:
    """arXiv adds categories: one newer than this digest must not stop a newsletter's cron."""
    folder, server = letter
    (folder / "digest.toml").write_text('[arxiv]\ncategories = ["cs.LG", "cs.ML"]\n')
    code, out, err = run("fetch", "--since", "2026-04-06", "--until", "2026-04-12", "--json")
    assert code == 0, err
    (warning,) = [line for line in err.splitlines() if "arxiv.categories" in line]
    assert warning == ("warning: digest.toml: arxiv.categories: 'cs.ML' is not one of arXiv's categories that digest"
                       " knows, so it may fetch nothing; did you mean cs.LG or stat.ML? (ignore this if arXiv"
                       " added it after this version of digest) (line 2)")
    assert json.loads(out)["requests"] == 1 and "cat:cs.ML" in server.api_requests[0].params["search_query"]
    code, out, err = run("-q", "fetch", "--since", "2026-04-06", "--until", "2026-04-12")
    assert (code, err) == (0, "")  # cron: quiet (an empty week still says so, see test_qa_loop)


def test_a_category_warning_is_said_once_per_run_however_often_settings_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`digest preview` reloads the settings on every save: the warning is the run's, said once."""
    import logging

    from digest.cli.common import State

    (tmp_path / "digest.toml").write_text('[arxiv]\ncategories = ["cs.ML"]\n')
    monkeypatch.chdir(tmp_path)
    said: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("digest.cli")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.WARNING)  # whatever an earlier run's -q left on "digest"
    try:
        state = State(None, 0, False)
        for _ in range(3):
            assert state.settings().warnings
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert [line for line in said if "'cs.ML'" in line] == [
        "digest.toml: arxiv.categories: 'cs.ML' is not one of arXiv's categories that digest knows, so it may fetch"
        " nothing; did you mean cs.LG or stat.ML? (ignore this if arXiv added it after this version of digest)"
        " (line 2)"
    ]


@pytest.mark.parametrize(("value", "said"), [
    ("cs.LG cs.lg", "DIGEST_ARXIV_CATEGORIES: 'cs.LG cs.lg' is not an arXiv category name; separate them with commas:"
                    " DIGEST_ARXIV_CATEGORIES=cs.LG,cs.CL"),
    ('["cs.LG","cs.ML"]', "DIGEST_ARXIV_CATEGORIES: lists its items separated by commas, without brackets or quotes:"
                          " DIGEST_ARXIV_CATEGORIES=a,b (got '[\"cs.LG\",\"cs.ML\"]')"),
    ("cs.ml", "DIGEST_ARXIV_CATEGORIES: 'cs.ml' is not an arXiv category name; did you mean cs.LG or stat.ML?"),
])  # fmt: skip
def test_the_variable_is_told_how_a_variable_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, said: str) -> None:
    """A variable is split at commas: its fix is not digest.toml's array syntax."""
    (tmp_path / "digest.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGEST_ARXIV_CATEGORIES", value)
    assert run("new", "--offline") == (2, "", said + "\n")


def test_an_address_list_in_a_variable_may_hold_quotes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_EMAIL_TO", '"Alice Smith" <alice@example.org>, bob@example.org')
    assert load_settings(None).email.to == ['"Alice Smith" <alice@example.org>', "bob@example.org"]
