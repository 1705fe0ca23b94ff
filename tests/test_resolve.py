"""Id resolution for seed abstracts: the store (FTS5), arXiv (local server), the cache, the CLI."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from arxiv_server import ArxivServer, Response, entries, entry_id, fixture, page
from click.testing import CliRunner

from digest.seeds import resolve as res
from digest.fetch.client import ArxivClient
from digest.paper import Paper
from digest.seeds.report import fetch_seed_metadata
from digest.seeds.resolve import (
    StoreMatcher,
    distinctive_phrase,
    resolve,
    similarity,
)
from digest.seeds import SeedRecord, read_seed_file
from digest.store import Store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
F000, F001, F003 = (next(SEEDS.glob(f"{n}_*")) for n in ("000", "001", "003"))
RECORDED = ("arxiv-api-2026-100-entries-all_testing.xml", "arxiv-api-2016-multi-entry-au_del_maestro.xml")


def recorded_papers() -> list[Paper]:
    """The papers of real recorded API responses (110 entries)."""
    from arxiv import _feed

    from digest.fetch.convert import paper_from_result

    out = []
    for name in RECORDED:
        out.extend(p for p in map(paper_from_result, _feed.parse(fixture(name)).results) if p)
    return out


PAPERS = recorded_papers()


def seed(text: str, where: str = "seed.txt", line: int = 1, ident: str | None = None) -> SeedRecord:
    return SeedRecord(sources=((where, line),), arxiv_id=ident, version=None, abstract=" ".join(text.split()))


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "store.sqlite")
    s.upsert(PAPERS[:80])
    yield s
    s.close()


def _drop_spaces(text: str) -> str:
    """The dataset-viewer glitch: some words lose the space before them."""
    words = text.split()
    return " ".join(w + ("" if i % 9 == 4 else " ") for i, w in enumerate(words)).replace("  ", " ")


def _drop_sentence(text: str) -> str:
    sentences = re.split(r"(?<=\.) ", text)
    return " ".join(sentences[:-1]) if len(sentences) > 3 else text


# --- text matching -----------------------------------------------------------------------


def test_similarity_separates_versions_from_other_papers() -> None:
    a = PAPERS[0].abstract
    assert similarity(a, a.upper().replace(" ", "  ")) == 1.0
    assert similarity(a, _drop_sentence(a)) >= 0.7
    assert similarity(a, _drop_spaces(a)) >= res.ACCEPT
    worst = max(similarity(p.abstract, q.abstract) for p in PAPERS[:40] for q in PAPERS[:40] if p.id != q.id)
    assert worst < 0.2
    # The three weak-supervision abstracts of seeds/001 share a topic, not a text.
    ws = [r.abstract for r in read_seed_file(F001) if r.abstract.startswith("Weak supervision")]
    assert len(ws) == 3 and max(similarity(x, y) for x in ws for y in ws if x != y) < 0.2


def test_a_truncated_copy_matches_but_a_short_fragment_does_not() -> None:
    words = PAPERS[0].abstract.split()
    assert similarity(" ".join(words[: len(words) // 2]), PAPERS[0].abstract) >= res.ACCEPT
    assert similarity(" ".join(words[:12]), PAPERS[0].abstract) < res.ACCEPT


def test_distinctive_phrase_is_plain_words_from_the_abstract() -> None:
    for rec in read_seed_file(F001) + read_seed_file(F003):
        phrase = distinctive_phrase(rec.abstract)
        assert phrase and len(phrase.split()) == res.PHRASE_WORDS
        assert re.fullmatch(r"[A-Za-z ]+", phrase)
        assert " ".join(phrase.split()).lower() in " ".join(re.split(r"[\s-]+", rec.abstract)).lower()
    assert distinctive_phrase("$x$ 1 2 3") is None


# --- the store -----------------------------------------------------------------------------


def test_store_resolution_finds_planted_abstracts_and_no_false_match(store: Store) -> None:
    planted = {}
    records = []
    for i, p in enumerate(PAPERS[:40]):
        text = [p.abstract, p.abstract.lower(), _drop_sentence(p.abstract), _drop_spaces(p.abstract)][i % 4]
        records.append(seed(text, line=i + 1))
        planted[i + 1] = p.id
    decoys = read_seed_file(F001) + read_seed_file(F003) + [seed(p.abstract, line=900) for p in PAPERS[80:]]
    report = resolve(records + decoys, store)
    found = {r.record.line: r.arxiv_id for r in report.resolutions if r.arxiv_id}
    assert found == planted
    assert all(r.how == "store" and r.score >= res.ACCEPT for r in report.resolutions[:40])
    assert [r.note for r in report.unresolved] == ["offline"] * len(decoys)
    assert report.counts() == {"store": 40, "unresolved": len(decoys)}


def test_store_queries_are_few_rare_terms(store: Store) -> None:
    matcher = StoreMatcher(store)
    query = matcher.query(PAPERS[3].abstract)
    assert query and 2 <= query.count(" AND ") <= res.QUERY_TERMS // 2
    terms = re.findall(r'"(\w+)"', query)
    assert max(matcher.df(t) for t in terms) <= 5 < matcher.df("learning")  # the rarest words
    assert matcher.df("the") > 50 and "the" not in terms


def test_big_bench_from_001_resolves_against_the_papers_of_000(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite") as s:
        s.upsert(PAPERS)
        s.upsert([replace(r.to_paper(), title=f"Paper {r.arxiv_id}") for r in read_seed_file(F000)])
        report = resolve(read_seed_file(F001), s)
    assert [(r.record.line, r.arxiv_id, r.how) for r in report.resolutions if r.arxiv_id] == [(9, "2206.04615", "store")]
    assert len(report.unresolved) == 9


def test_identical_abstracts_in_the_store_are_ambiguous(store: Store) -> None:
    twin = replace(PAPERS[5], id="2609.99999", title="A duplicate submission")
    store.upsert([twin])
    (r,) = resolve([seed(PAPERS[5].abstract)], store).resolutions
    assert r.arxiv_id is None and r.note == f"ambiguous: {', '.join(sorted([PAPERS[5].id, '2609.99999']))}"


def test_resolutions_are_cached_in_the_store(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [seed(PAPERS[1].abstract), seed(PAPERS[2].abstract, line=2)]
    first = resolve(records, store)
    assert [(r.arxiv_id, r.cached) for r in first.resolutions] == [(PAPERS[1].id, False), (PAPERS[2].id, False)]

    def no_fts(*args: object) -> None:
        raise AssertionError("looked up again")

    monkeypatch.setattr(StoreMatcher, "match", no_fts)
    again = resolve(records, store)
    assert [(r.arxiv_id, r.how, r.cached) for r in again.resolutions] == [
        (PAPERS[1].id, "store", True), (PAPERS[2].id, "store", True),
    ]  # fmt: skip
    assert res.cached_ids([seed(PAPERS[1].abstract, "other.txt")], store) == {
        res.cache_key(seed(PAPERS[1].abstract)): PAPERS[1].id
    }  # the same abstract in another file: its id from the cache alone
    assert [r.arxiv_id for r in again.records()] == [PAPERS[1].id, PAPERS[2].id]


# --- online: the local arXiv server ----------------------------------------------------------

POOL = entries(*RECORDED)


def _norm(text: str) -> str:
    return " ".join(re.split(r"[^a-z]+", text.lower()))


def fake_arxiv(params: dict[str, str]) -> Response:
    """arXiv's answers from the recorded entries: id_list lookups and abs:"phrase" OR ... searches."""
    if params.get("id_list"):
        wanted = {i.split("v")[0] if "/" not in i else i for i in params["id_list"].split(",")}
        hits = [e for e in POOL if entry_id(e) in wanted]
    else:
        phrases = [_norm(p) for p in re.findall(r'abs:"([^"]+)"', params.get("search_query", ""))]
        assert phrases, params
        hits = []
        for e in POOL:
            summary = re.search(rb"<summary>(.*?)</summary>", e, re.S)
            if summary and any(ph in _norm(summary.group(1).decode()) for ph in phrases):
                hits.append(e)
    return Response(200, page(hits, 0, int(params.get("max_results", 10))))


@pytest.fixture()
def server() -> ArxivServer:
    with ArxivServer() as s:
        s.window = fake_arxiv
        yield s


def client_for(server: ArxivServer) -> ArxivClient:
    return ArxivClient(server.api_url, server.rss_url, delay=0, retries=0)


def test_online_resolution_batches_abstracts_and_caches_answers(store: Store, server: ArxivServer) -> None:
    online = [seed(p.abstract, line=i) for i, p in enumerate(PAPERS[80:105])]  # not in the store
    local = [seed(PAPERS[0].abstract, line=100)]
    nowhere = read_seed_file(F003)[:5]
    records = online + local + nowhere
    report = resolve(records, store, client_for(server), batch=10)
    assert report.requests == len(server.api_requests) == 3  # 30 abstracts asked, 10 per request
    assert all('abs:"' in r.params["search_query"] for r in server.api_requests)
    assert [r.arxiv_id for r in report.resolutions[:25]] == [p.id for p in PAPERS[80:105]]
    assert {r.how for r in report.resolutions[:25]} == {"api"}
    assert report.resolutions[25].how == "store"
    assert [r.note for r in report.unresolved] == ["not found on arXiv"] * 5
    assert store.get(PAPERS[90].id) is not None  # found papers are stored

    again = resolve(records, store, client_for(server), batch=10)
    assert len(server.api_requests) == 3  # everything, misses included, answered from the cache
    assert [r.arxiv_id for r in again.resolutions] == [r.arxiv_id for r in report.resolutions]
    assert all(r.cached or r.how == "store" for r in again.resolutions)


def test_seed_ids_metadata_is_fetched_in_id_list_batches(store: Store, server: ArxivServer,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import digest.fetch.client

    monkeypatch.setattr(digest.fetch.client, "IDS_PER_REQUEST", 10)
    ids = [p.id for p in PAPERS[70:105]]  # 10 already stored, 25 not
    records = [seed(f"Abstract {i}.", line=i, ident=pid) for i, pid in enumerate(ids)]
    records.append(seed("Not on arXiv.", ident="2609.99998"))
    report = fetch_seed_metadata(records, store, client_for(server))
    assert report.wanted == 26 and report.requests == len(server.api_requests) == 3
    assert [len(r.params["id_list"].split(",")) for r in server.api_requests] == [10, 10, 6]
    assert report.missing == ["2609.99998"] and len(report.fetched) == 25
    assert store.get(ids[-1]).title == PAPERS[104].title
    again = fetch_seed_metadata(records, store, client_for(server))
    assert again.requests == 0 and again.missing == ["2609.99998"]  # misses are remembered too


# --- the command ---------------------------------------------------------------------------


def run(*args: str) -> object:
    from digest.cli import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_table_and_totals(newsletter: Path) -> None:
    result = run("seeds")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "seeds/000_8ee33a9eee23e926.txt:11 (+2)  2206.04615" in out
    assert re.search(r"seeds/001_08615361db8386ee.txt:2 +unresolved +Shammie +Parameter-efficient", out)
    assert "seeds/002_eeb5ffc53004a4af.txt:79       1904.12848v6" in out
    assert "seeds/001_08615361db8386ee.txt: 10 records, 0 with ids (labelled)" in out
    assert "total: 66 distinct abstracts (1 in more than one place)" in out
    assert "ids: 49 from the files, 17 unresolved" in out
    assert not (newsletter / ".digest").exists()  # reading writes nothing


def test_cli_json_and_single_file(newsletter: Path) -> None:
    result = run("seeds", "seeds/000_8ee33a9eee23e926.txt", "--json")
    data = json.loads(result.output)
    assert [f["records"] for f in data["files"]] == [10]
    assert data["counts"] == {"seed": 10}
    assert data["records"][1]["comment"].startswith("This work will appear")


def test_cli_bad_file_is_one_line_exit_1(newsletter: Path) -> None:
    (newsletter / "seeds" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = CliRunner().invoke(__import__("digest.cli", fromlist=["cli"]).cli, ["seeds"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "seeds/photo.png: binary file, not text; " + _expected()  # named from here, as the editor would type it
    ]


def _expected() -> str:
    from digest.seeds.formats import EXPECTED

    return EXPECTED


def test_cli_resolve_offline_then_online(newsletter: Path, server: ArxivServer, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = [p for p in PAPERS if p.id not in {"2206.04615"}][:3]
    (newsletter / "seeds" / "004_more.jsonl").write_text(
        "\n".join(json.dumps({"abstract": p.abstract}) for p in extra) + "\n"
    )
    with Store.open(newsletter / ".digest" / "store.sqlite") as s:
        s.upsert([extra[0]])
    result = run("seeds", "--resolve", "--offline")
    assert result.exit_code == 0, result.output
    assert re.search(rf"seeds/004_more.jsonl:1 +{extra[0].id} \[store\] +{re.escape(extra[0].abstract[:20])}", result.output)
    assert "ids: 49 from the files, 1 from the store, 19 unresolved" in result.output
    assert "unresolved: 19 offline" in result.output and "arXiv: not asked (offline)" in result.output
    assert server.requests == []

    monkeypatch.setenv("DIGEST_ARXIV_API_URL", server.api_url)
    monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
    result = run("seeds", "--resolve")
    assert result.exit_code == 0, result.output
    assert "ids: 49 from the files, 1 from the store (1 cached), 2 from arXiv, 17 unresolved" in result.output
    assert "unresolved: 17 not found on arXiv" in result.output
    # 19 abstracts -> 2 searches; 49 seed ids + 2 found -> 1 id_list request (the 2 found are stored)
    assert (
        "arXiv: 2 search requests; metadata for 49 seed ids not in the store: 0 fetched in 1 request, "
        "49 not on arXiv: 1904.10509, 1904.12848, 1910.10683, 1911.02150, 1912.02164 (+44 more, see --json)"
    ) in result.output
    assert len(server.api_requests) == 3


def test_cli_arxiv_unavailable_exit_3_keeps_the_table(newsletter: Path, server: ArxivServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("DIGEST_ARXIV_API_URL", server.api_url)
    monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
    monkeypatch.setenv("DIGEST_ARXIV_RETRIES", "1")
    server.fail("status", status=503, times=2)
    from digest.cli import cli

    result = CliRunner().invoke(cli, ["seeds", "--resolve"])
    assert result.exit_code == 3
    assert "total: 66 distinct abstracts" in result.output
    assert "arXiv: not asked (unavailable)" in result.output
    assert "HTTP 503 after 2 attempts" in result.output
