"""The SQLite store: versions, merging, windows, the FTS index, transactions, migration."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from arxiv_server import entries

from digest.fetch.convert import paper_from_result
from digest.paper import Author, Paper
from digest.store import SCHEMA_VERSION, Store, StoreError, Window, merge


def paper(pid: str = "2210.11399", version: int = 1, **kw: object) -> Paper:
    base = dict(title="UL2: Unifying Language Learning Paradigms", abstract="We unify denoising objectives.",
                authors=(Author("Yi Tay"),), categories=("cs.CL", "cs.LG"), primary_category="cs.CL",
                published=datetime(2022, 10, 20, 17, 0, tzinfo=timezone.utc), source="api")  # fmt: skip
    base.update(kw)
    return Paper(id=pid, version=version, **base)  # type: ignore[arg-type]


def recorded(name: str) -> list[Paper]:
    from arxiv import _feed

    from arxiv_server import fixture

    return [p for p in (paper_from_result(r) for r in _feed.parse(fixture(name)).results) if p]


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / ".digest" / "store.sqlite")
    yield s  # type: ignore[misc]
    s.close()


def test_open_creates_and_open_existing_does_not(tmp_path: Path) -> None:
    assert Store.open_existing(tmp_path / "nope" / "store.sqlite") is None
    assert not (tmp_path / "nope").exists()
    with Store.open(tmp_path / "a" / "store.sqlite") as s:
        assert s.schema_version == SCHEMA_VERSION == 3
    again = Store.open_existing(tmp_path / "a" / "store.sqlite")
    assert again is not None and again.count() == 0
    again.close()


def test_every_index_on_papers_is_one_a_query_reads(tmp_path: Path) -> None:
    """An index costs every stored paper a B-tree insert: the store keeps only those its selects use."""
    with Store.open(tmp_path / "store.sqlite") as s:
        s.upsert(recorded("arxiv-api-2026-100-entries-all_testing.xml"), via="api")
        indexes = {r[0] for r in s.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'papers' AND sql IS NOT NULL")}
        assert indexes == {"papers_published", "papers_announced", "papers_unindexed"}
        plans = {
            "papers_published": "SELECT id FROM papers p WHERE p.published >= ? AND p.published < ?",  # `digest fetch`
            "papers_announced": "SELECT id FROM papers p WHERE p.announced > ? AND p.announced <= ?",  # `digest new`
            "papers_unindexed": "SELECT rowid FROM papers WHERE indexed = 0",  # the full-text index, lazily
        }
        for index, sql in plans.items():
            plan = " ".join(r[-1] for r in s.conn.execute("EXPLAIN QUERY PLAN " + sql, ("2026", "2027")[: sql.count("?")]))
            assert index in plan, (index, plan)


def test_newer_schema_and_garbage_are_one_line_errors(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="schema v99 is newer than this digest"):
        Store.open(path)
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database")
    with pytest.raises(StoreError, match="not a usable digest store"):
        Store.open(junk)


def test_versions_new_updated_unchanged(store: Store) -> None:
    assert store.upsert([paper(version=1)]).new == 1
    assert store.upsert([paper(version=1)]).unchanged == 1
    counts = store.upsert([paper(version=2, title="UL2 v2")])
    assert counts.updated == 1
    assert store.upsert([paper(version=1)]).unchanged == 1  # an older version never replaces a newer one
    got = store.get("2210.11399v1")
    assert got is not None and (got.version, got.title) == (2, "UL2 v2")
    assert store.versions("2210.11399") == [1, 2]
    assert store.count() == 1
    assert store.stats()["versions"] == 2


def test_duplicates_in_one_batch_are_merged(store: Store) -> None:
    counts = store.upsert([paper(version=1), paper(version=3), paper(version=2)])
    assert (counts.new, store.count(), store.get("2210.11399").version) == (1, 1, 3)  # type: ignore[union-attr]


def test_api_record_enriches_the_rss_one(store: Store) -> None:
    rss = paper(source="rss", published=None, categories=("cs.CL",), extra={"announce_type": "new"})
    store.upsert([rss])
    store.upsert([paper(comment="ICLR 2023")])
    got = store.get("2210.11399")
    assert got is not None and got.source == "api" and got.comment == "ICLR 2023"
    assert got.extra == {"announce_type": "new"} and got.categories == ("cs.CL", "cs.LG")
    # and the other way round: RSS arriving later does not overwrite the API's fields
    merged = merge(got, paper(source="rss", title="x", extra={"announced": "2022-10-21"}))
    assert merged.title == got.title and merged.extra == {"announce_type": "new", "announced": "2022-10-21"}


def test_title_zero_and_non_ascii_round_trip(store: Store) -> None:
    papers = recorded("arxiv-api-2026-title-is-0-no-comment.xml") + recorded(
        "arxiv-api-2026-id-list-one-missing-many-authors-mojibake.xml"
    )
    store.upsert(papers)
    got = store.get_many(["2104.12255v1", "1707.08567", "9999.99999"])
    assert set(got) == {"2104.12255", "1707.08567"}
    assert got["2104.12255"] == papers[0] and got["1707.08567"] == papers[1]


def test_window_query_by_date_and_category(store: Store) -> None:
    store.upsert([
        paper("2210.00001", published=datetime(2022, 10, 17, 0, 0, tzinfo=timezone.utc), categories=("cs.LG",)),
        paper("2210.00002", published=datetime(2022, 10, 23, 23, 59, tzinfo=timezone.utc), categories=("cs.CL",)),
        paper("2210.00003", published=datetime(2022, 10, 24, 0, 0, tzinfo=timezone.utc), categories=("cs.CL",)),
        paper("2210.00004", published=datetime(2022, 10, 20, tzinfo=timezone.utc), categories=("stat.ML",)),
    ])  # fmt: skip
    week = store.papers(date(2022, 10, 17), date(2022, 10, 23))
    assert [p.id for p in week] == ["2210.00002", "2210.00004", "2210.00001"]
    assert [p.id for p in store.papers(date(2022, 10, 17), date(2022, 10, 23), ["cs.LG", "cs.CL"])] == [
        "2210.00002", "2210.00001"]  # fmt: skip
    # categories follow an update
    store.upsert([paper("2210.00004", version=2, published=datetime(2022, 10, 20, tzinfo=timezone.utc),
                        categories=("cs.LG",))])  # fmt: skip
    assert "2210.00004" in [p.id for p in store.papers(categories=["cs.LG"])]
    assert "2210.00004" not in [p.id for p in store.papers(categories=["stat.ML"])]


def test_search_finds_a_paper_by_its_abstract(store: Store) -> None:
    papers = recorded("arxiv-api-2026-100-entries-all_testing.xml")
    assert len(papers) == 100
    store.upsert(papers)
    target = papers[37]
    hits = store.search(target.abstract, limit=3)
    assert hits[0][0].id == target.id and hits[0][1] > hits[1][1]
    assert store.search("", 3) == [] and store.search("!!! ???", 3) == []
    # an updated abstract is re-indexed
    store.upsert([paper(target.id, version=(target.version or 1) + 1, title="Zyzzyva quokka", abstract="quokka")])
    assert store.search("zyzzyva", 1)[0][0].id == target.id
    assert not any(p.id == target.id for p, _ in store.search(target.abstract, 100) if "quokka" not in p.abstract)


def test_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.upsert([paper("2210.00001")])
            store.save_window(Window("api", "k", date(2022, 1, 1), date(2022, 1, 2), True))
            raise RuntimeError("crash mid-page")
    assert store.count() == 0 and store.windows() == []


def test_windows_and_coverage(store: Store) -> None:
    d = date.fromisoformat
    store.save_window(Window("api", "k", d("2022-10-10"), d("2022-10-16"), True, 5, 5, 5))
    store.save_window(Window("api", "k", d("2022-10-17"), d("2022-10-23"), True, 7, 7, 7))
    store.save_window(Window("api", "k", d("2022-10-24"), d("2022-10-30"), False, 2000, 3000, 2000))
    assert store.covered("api", "k", d("2022-10-12"), d("2022-10-20"))
    assert not store.covered("api", "k", d("2022-10-12"), d("2022-10-25"))
    assert not store.covered("api", "other", d("2022-10-12"), d("2022-10-13"))
    w = store.window("api", "k", d("2022-10-24"), d("2022-10-30"))
    assert w is not None and (w.complete, w.next_start, w.total) == (False, 2000, 3000)


def test_key_values(store: Store) -> None:
    store.set_value("seed-resolve:abc", "2210.11399")
    store.set_value("seed-resolve:def", "2205.05131")
    store.set_value("rss:etag:x", '"v1"')
    assert store.get_value("seed-resolve:abc") == "2210.11399"
    assert store.values("seed-resolve:") == {"seed-resolve:abc": "2210.11399", "seed-resolve:def": "2205.05131"}
    store.set_value("seed-resolve:abc", None)
    assert store.get_value("seed-resolve:abc") is None


def test_entries_helper_reads_recorded_pages() -> None:
    assert len(entries("arxiv-api-2026-multi-entry-page1-all_testing.xml")) == 10


def test_a_sparse_newer_version_keeps_what_the_older_record_knew(tmp_path: Path) -> None:
    """An RSS `replace` entry (v2, no published date, no comment) must not erase the API's v1 facts."""
    published = datetime(2022, 10, 20, tzinfo=timezone.utc)
    v1 = Paper(id="2210.11399", version=1, title="T", abstract="A", comment="12 pages", published=published,
               categories=("cs.CL",), source="api")  # fmt: skip
    v2 = Paper(id="2210.11399", version=2, title="T (v2)", abstract="A2", categories=("cs.CL", "cs.LG"), source="rss")
    with Store.open(tmp_path / "s.sqlite") as store:
        store.upsert([v1])
        store.upsert([v2])
        got = store.get("2210.11399")
    assert got is not None
    assert (got.version, got.title, got.abstract) == (2, "T (v2)", "A2")
    assert got.published == published and got.comment == "12 pages"
    assert store_versions_seen(tmp_path / "s.sqlite") == [1, 2]


def store_versions_seen(path: Path) -> list[int]:
    with Store.open(path) as store:
        return store.versions("2210.11399")


def test_a_damaged_store_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store.open(path) as store:
        store.upsert([Paper(id="2210.11399", version=1, title="T", abstract="A", source="api")])
    with Store.open(path) as store, sqlite3.connect(path) as other:
        other.execute("BEGIN EXCLUSIVE")  # another digest writing right now
        store.conn.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(StoreError, match=r"s.sqlite: the store failed \(database is locked\); another digest"):
            store.set_value("k", "v")
        other.rollback()


# --- errors say what is true, and never advise losing data a retry would keep --------------


def _filled(path: Path, n: int = 200) -> None:
    with Store.open(path) as store:
        store.upsert([paper(f"2210.{10000 + i}") for i in range(n)])


def test_a_full_disk_says_so_and_keeps_the_store(tmp_path: Path) -> None:
    """SQLite's page limit makes the write fail exactly as a full file system does (SQLITE_FULL)."""
    path = tmp_path / "store.sqlite"
    _filled(path)
    with Store.open(path) as store:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StoreError) as caught:
            store.upsert([paper(f"2211.{10000 + i}", abstract="x" * 4000) for i in range(200)])
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: the disk is full (database or disk is full); the store is intact and kept")
    assert "free some space" in message and "move it" not in message and "fetch" not in message
    with Store.open(path) as store:  # and it is: nothing of the failed write, nothing lost
        assert store.count() == 200
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_io_error_says_retry_and_check_the_disk_or_full_when_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from digest.store import store_problem

    path = tmp_path / "store.sqlite"
    _filled(path, 3)
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = 778  # type: ignore[attr-defined]  # SQLITE_IOERR_WRITE, as SQLite raises it
    message = store_problem(path, error)
    assert message.startswith(f"{path}: a disk I/O error reading or writing the store (disk I/O error); it is kept")
    assert "run the command again" in message and "check the disk" in message and "move it" not in message

    class Full:
        f_bavail, f_frsize = 3, 4096

    monkeypatch.setattr(os, "statvfs", lambda _p: Full())  # what a full file system reports
    assert "the disk is full (disk I/O error); the store is intact" in store_problem(path, error)


def test_only_a_store_that_fails_its_integrity_check_is_called_broken(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    _filled(path, 2000)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    for page in range(pages // 2, pages - 1):  # overwrite the middle of the papers table's b-tree
        data[page * page_size : page * page_size + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as caught:
        with Store.open(path) as store:
            store.papers()
            store.search("denoising", 5)
            store.get_many([f"2210.{10000 + i}" for i in range(2000)])
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: not a usable digest store (")
    assert "integrity_check" in message or "malformed" in message
    assert f"move it aside (mv {path} {path}.broken)" in message
    assert "rm " not in message and "delete" not in message
    # a transient error on a sound store is not "broken"
    from digest.store import store_problem

    sound = tmp_path / "sound.sqlite"
    _filled(sound, 3)
    error = sqlite3.DatabaseError("database disk image is malformed")
    error.sqlite_errorcode = 11  # type: ignore[attr-defined]  # SQLITE_CORRUPT
    assert "passes `PRAGMA integrity_check` and is kept as it was: run the command again" in store_problem(sound, error)


def test_a_full_disk_when_opening_is_not_called_a_broken_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a full file system, opening the store (its WAL index) fails with an I/O error: the
    message says the disk is full, not that the store is unusable."""
    import os

    path = tmp_path / "store.sqlite"
    _filled(path, 3)

    class Full:
        f_bavail, f_frsize = 0, 4096

    def failing(conn: sqlite3.Connection) -> None:
        error = sqlite3.OperationalError("disk I/O error")
        error.sqlite_errorcode = 4874  # type: ignore[attr-defined]  # SQLITE_IOERR_SHMSIZE
        raise error

    from digest import store as store_module

    monkeypatch.setattr(store_module, "sql_functions", failing)
    monkeypatch.setattr(os, "statvfs", lambda _p: Full())
    with pytest.raises(StoreError) as caught:
        Store.open_existing(path)
    assert str(caught.value).startswith(f"{path}: the disk is full (disk I/O error); the store is intact")


@pytest.mark.parametrize("authors", [
    (), (Author("A"),), (Author("Jörg \"J\" Koppitz", "Uni\\A\n"), Author("", "")), (Author("\u202e\x00", None),),
    (Author(3, None),), (Author("B", 4.5),),  # type: ignore[arg-type] - not text: the general encoder
])  # fmt: skip
def test_authors_are_written_as_the_json_encoder_writes_them(authors: tuple[Author, ...]) -> None:
    from digest.store.rows import _authors, _encode

    assert _authors(authors) == _encode([[a.name, a.affiliation] for a in authors])


def test_utc_times_keep_whole_seconds_only() -> None:
    from datetime import timedelta

    from digest.store.rows import utc_iso

    assert utc_iso(datetime(2026, 9, 1, 12, 0, 5, tzinfo=timezone.utc)) == "2026-09-01T12:00:05+00:00"
    assert utc_iso(datetime(2026, 9, 1, 12, 0, 5, 999, tzinfo=timezone.utc)) == "2026-09-01T12:00:05+00:00"
    assert utc_iso(datetime(2026, 9, 1, 14, 0, 5, 7, tzinfo=timezone(timedelta(hours=2)))) == "2026-09-01T12:00:05+00:00"
    assert utc_iso(datetime(2026, 9, 1, 12, 0, 5)) == "2026-09-01T12:00:05+00:00"


def test_a_folder_where_the_store_should_be_is_named_not_taken_for_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import run

    path = tmp_path / ".digest" / "store.sqlite"
    path.mkdir(parents=True)
    line = f"{path}: is a folder, not a digest store; move it aside (or set paths.store in digest.toml)"
    for opening in (Store.open_existing, Store.open):
        with pytest.raises(StoreError) as caught:
            opening(path)
        assert str(caught.value) == line
    (tmp_path / "digest.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    assert run("store", "stats") == (1, "", line.replace(f"{path}", ".digest/store.sqlite") + "\n")  # named from here
