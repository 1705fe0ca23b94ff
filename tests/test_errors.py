"""Errors cross a process boundary intact: a build worker returns them as they are."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

from digest.errors import ConfigError, DigestError, ExitCode, InputError, UnavailableError, UsageError


def _fail(kind: str) -> DigestError:
    return {
        "input": InputError("issues/2022-10-23.md", 7, "date 2022-10-22 disagrees with the file name"),
        "config": ConfigError(["digest.toml: arxiv.delay: expected a number, got 'x' (line 3)"]),
        "usage": UsageError("--format: unknown format 'pdf'"),
        "unavailable": UnavailableError("arXiv API unavailable: HTTP 503 after 6 attempts"),
    }[kind]


def test_every_error_pickles_with_its_text_fields_and_exit_code() -> None:
    for kind in ("input", "config", "usage", "unavailable"):
        before = _fail(kind)
        after = pickle.loads(pickle.dumps(before))
        assert type(after) is type(before) and str(after) == str(before) and after.exit_code == before.exit_code
        assert vars(after) == vars(before)
    assert pickle.loads(pickle.dumps(_fail("input"))).line == 7


def test_an_error_made_in_a_worker_process_arrives_whole() -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        err = pool.submit(_fail, "input").result()
    assert isinstance(err, InputError) and (err.path, err.line) == ("issues/2022-10-23.md", 7)
    assert err.exit_code == ExitCode.ERROR and str(err).startswith("issues/2022-10-23.md:7: date")


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_subclasses(sub)}
    return out


def test_every_error_with_its_own_arguments_says_how_to_pickle_it() -> None:
    """An exception whose ``__init__`` takes other arguments than its message cannot be rebuilt by
    pickle unless it says how (`__reduce__`): a worker's error would then kill the pool instead."""
    import importlib
    import pkgutil

    import digest

    for found in pkgutil.walk_packages(digest.__path__, "digest."):
        importlib.import_module(found.name)
    own_init = [c for c in _subclasses(DigestError) if "__init__" in vars(c)]
    assert own_init, "the walk found none: it is not looking"
    assert [c.__qualname__ for c in own_init if "__reduce__" not in vars(c)] == []


def test_the_arxiv_errors_pickle_with_their_fields() -> None:
    from digest.fetch.failures import ArxivQueryError, ArxivUnavailable, ShortAnswer

    for before in (ArxivQueryError("https://export.arxiv.org/api/query?x", "bad query"),
                   ArxivUnavailable("https://export.arxiv.org/api/query", 6, "HTTP 503"),
                   ShortAnswer("https://export.arxiv.org/api/query", 3, "a short page", 2000, 1000)):  # fmt: skip
        after = pickle.loads(pickle.dumps(before))
        assert type(after) is type(before) and str(after) == str(before) and vars(after) == vars(before)
