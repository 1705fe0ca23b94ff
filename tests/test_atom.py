"""`digest.fetch.atom`: arXiv API pages to Papers in one lxml pass, exactly as the old path did.

The old path is ``arxiv._feed.parse`` followed by `paper_from_result`; every recorded
API page (ours and the shared recordings) and synthesised entries with odd text must
give the same Papers, field by field. A page cut short or not Atom is an error the
client retries.
"""

from __future__ import annotations

import logging
import re
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from arxiv import _feed as arxiv_feed
from arxiv_server import FIXTURES, ArxivServer, Response, entries, fixture, page
from hypothesis import HealthCheck, event, given, settings, strategies as st

from digest.fetch import atom
from digest.fetch.client import ArxivClient, ArxivQueryError, ArxivUnavailable, _error_message, sanitise_xml
from digest.fetch.convert import paper_from_result
from digest.paper import Paper

SHARED = Path("/work/shared/fixtures/arxiv")
PAGES = sorted(FIXTURES.glob("arxiv-api-*.xml")) + (sorted(SHARED.glob("arxiv-api-*.xml")) if SHARED.is_dir() else [])
ERROR_FEEDS = {"arxiv-api-2007-docs-example-error-feed.xml", "arxiv-api-2026-error-feed-http400.xml"}
HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom"'
    ' xmlns="http://www.w3.org/2005/Atom">\n'
    "  <opensearch:itemsPerPage>{n}</opensearch:itemsPerPage>\n"
    "  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
    "  <opensearch:startIndex>0</opensearch:startIndex>\n"
)


def old_path(body: bytes) -> tuple[arxiv_feed.ParsedFeed, list[Paper]]:
    parsed = arxiv_feed.parse(body)
    return parsed, [p for p in map(paper_from_result, parsed.results) if p is not None]


def assert_same_papers(got: list[Paper], want: list[Paper]) -> None:
    """Equal field by field, the fields `Paper.__eq__` skips and the time zones included."""
    assert [p.versioned_id for p in got] == [p.versioned_id for p in want]
    for new, old in zip(got, want):
        for f in fields(Paper):
            assert getattr(new, f.name) == getattr(old, f.name), (old.versioned_id, f.name)
        for when in (new.published, new.updated):
            assert when is None or when.tzinfo is timezone.utc


def _served(path: Path) -> bytes:
    """The page as the client receives it from the test server (mojibake repaired), or as recorded."""
    return fixture(path.name) if path.parent == FIXTURES else path.read_bytes()


@pytest.mark.parametrize("path", PAGES, ids=[f"{p.parent.parent.parent.name}/{p.name}" for p in PAGES])
def test_every_recorded_page_gives_what_the_old_path_gave(path: Path) -> None:
    for body in {path.read_bytes(), _served(path)}:
        for page_ in (body, sanitise_xml(body)):  # the client parses the sanitised page
            parsed, want = old_path(page_)
            got = atom.parse(page_)
            assert_same_papers(got.papers, want)
            assert (got.total, got.start, got.items_per_page) == (
                parsed.header.total_results, parsed.header.start_index, parsed.header.items_per_page)
            assert got.entries == page_.count(b"<entry")
            if path.name in ERROR_FEEDS:
                assert got.errors == [_error_message(page_)] and not got.papers
            else:
                assert got.errors == []


def test_the_recorded_pages_hold_the_hard_cases() -> None:
    """The differential test above is only as good as what the recordings hold."""
    papers = [p for path in PAGES for p in atom.parse(_served(path)).papers]
    assert len(papers) > 150
    assert any(a.affiliation for p in papers for a in p.authors)
    assert any(p.journal_ref and p.doi and p.comment for p in papers)
    assert any("/" in p.id for p in papers)  # old-style ids
    assert any("\n\n" in p.abstract for p in papers)  # a multi-paragraph abstract
    assert any(not set(p.categories) <= {p.primary_category} for p in papers)  # cross-lists
    assert any(p.title == "0" for p in papers)


# -- synthesised entries with odd text ----------------------------------------------------

ODD = "aZ &<>\"' \t\n\r\xa0\u2003é한\U0001f600\u202e\u200f\x0b&amp;&lt;]]>{}"
"""Markup characters, whitespace of every kind, non-ASCII, direction controls, a control
character XML forbids (\\x0b: `sanitise_xml` drops it) and text that looks like escapes."""
odd_text = st.text(alphabet=st.sampled_from(list(ODD)), max_size=24)
maybe = st.none() | odd_text
CATEGORIES = ["cs.LG", "cs.CL", "stat.ML", "math-ph", "hep-th", "q-bio.NC", "68T05", "I.2.6", "Cs.X", "", "cs.lg ", "physics"]
moments = st.datetimes(min_value=datetime(1991, 8, 1), max_value=datetime(2030, 12, 31),
                       timezones=st.none() | st.sampled_from([timezone.utc, timezone(timedelta(hours=-4)),
                                                              timezone(timedelta(hours=5, minutes=30))]))  # fmt: skip
ids = st.one_of(
    st.builds(lambda n, v: f"http://arxiv.org/abs/2409.{n:05d}{v}", st.integers(1, 99999), st.sampled_from(["", "v1", "v12"])),
    st.builds(lambda n: f"http://arxiv.org/abs/hep-th/99{n:05d}v2", st.integers(1, 99999)),
    st.sampled_from(["http://arxiv.org/abs/not-an-id", "https://arxiv.org/api/errors#bad_query", "", "  "]),
)


def sometimes_missing(strategy: st.SearchStrategy[datetime]) -> st.SearchStrategy[datetime | None]:
    """Present five times in six: an entry without a date is skipped, so most should have both."""
    return st.tuples(st.integers(0, 5), strategy).map(lambda t: t[1] if t[0] else None)


def _stamp(when: datetime | None, zulu: bool) -> str | None:
    if when is None:
        return None
    text = when.replace(microsecond=0).isoformat()
    return text.replace("+00:00", "Z") if zulu else text


def _element(tag: str, text: str | None) -> str:
    return "" if text is None else f"<{tag}>{escape(text)}</{tag}>"


@st.composite
def entry_xml(draw: st.DrawFn) -> str:
    zulu = draw(st.booleans())
    parts = [
        _element("id", draw(ids)),
        _element("title", draw(maybe)),
        _element("summary", draw(maybe)),
        _element("published", _stamp(draw(sometimes_missing(moments)), zulu)),
        _element("updated", _stamp(draw(sometimes_missing(moments)), zulu)),
        _element("arxiv:comment", draw(maybe)),
        _element("arxiv:journal_ref", draw(maybe)),
        _element("arxiv:doi", draw(maybe)),
    ]
    for _ in range(draw(st.integers(0, 3))):
        name = "".join(_element("name", n) for n in draw(st.lists(maybe, min_size=1, max_size=2)))
        affiliations = "".join(_element("arxiv:affiliation", a) for a in draw(st.lists(odd_text, max_size=2)))
        parts.append(f"<author>{name}{affiliations}</author>")
    for term in draw(st.lists(st.sampled_from(CATEGORIES), max_size=3)):
        parts.append(f'<category term={quoteattr(term)} scheme="http://arxiv.org/schemas/atom"/>')
    for _ in range(draw(st.integers(0, 2))):  # arxiv._feed reads the first of each element
        primary = draw(st.none() | st.sampled_from(CATEGORIES))
        parts.append("<arxiv:primary_category/>" if primary is None else
                     f"<arxiv:primary_category term={quoteattr(primary)}/>")  # fmt: skip
    for tag in draw(st.lists(st.sampled_from(["title", "summary", "arxiv:comment", "arxiv:doi", "published"]),
                             max_size=2)):  # fmt: skip
        parts.append(_element(tag, _stamp(draw(moments), zulu) if tag == "published" else draw(odd_text)))
    parts.append(draw(st.sampled_from(["", '<link href="https://arxiv.org/pdf/2409.00001v1" rel="related"/>',
                                       "<arxiv:unknown>x</arxiv:unknown>", "<!-- a comment -->"])))  # fmt: skip
    order = draw(st.permutations(range(len(parts))))
    return "<entry>" + "\n    ".join(parts[i] for i in order) + "</entry>"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entry_xml(), max_size=5), st.sampled_from(["7", " 12 ", "many", ""]))
def test_synthesised_entries_give_what_the_old_path_gave(items: list[str], total: str) -> None:
    body = sanitise_xml((HEAD.format(n=len(items), total=total) + "\n".join(items) + "\n</feed>\n").encode())
    parsed, want = old_path(body)
    got = atom.parse(body)
    assert_same_papers(got.papers, want)
    assert got.total == parsed.header.total_results
    assert got.entries == len(items)  # skipped ones too: arXiv's offsets count every entry
    event("papers: " + ("none" if not want else "one" if len(want) == 1 else "several"))


def test_odd_text_reaches_the_paper() -> None:
    """What a reader sees: markup characters kept, layout whitespace folded, direction controls
    and characters XML forbids gone, an absent field empty rather than made up."""
    entry = (
        "<entry><id>http://arxiv.org/abs/2409.00001v3</id><published>2024-09-01T17:59:46Z</published>"
        "<updated>2024-09-03T00:00:00-04:00</updated>"
        "<title>R&amp;D at p&lt;0.05:\n   a  \u202eTitle\x0b</title>"
        "<summary>  First line\nof one paragraph.\n  Second &gt; first.</summary>"
        "<author><name> Jörg\n Koppitz </name><arxiv:affiliation>Uni A</arxiv:affiliation>"
        "<arxiv:affiliation> </arxiv:affiliation><arxiv:affiliation>Uni &amp; B</arxiv:affiliation></author>"
        "<author><name/></author>"
        '<category term="68T05"/><category term="cs.LG"/><arxiv:primary_category term="stat.ML"/>'
        "<arxiv:comment>   </arxiv:comment></entry>"
    )
    got = atom.parse(sanitise_xml((HEAD.format(n=1, total=1) + entry + "</feed>").encode()))
    (paper,) = got.papers
    assert (paper.id, paper.version) == ("2409.00001", 3)
    assert paper.title == "R&D at p<0.05: a Title"
    assert paper.abstract == "First line of one paragraph.\n\nSecond > first."
    assert [(a.name, a.affiliation) for a in paper.authors] == [("Jörg Koppitz", "Uni A; ; Uni & B"), ("", None)]
    assert paper.primary_category == "stat.ML" and paper.categories == ("stat.ML", "cs.LG")
    assert paper.comment is None and paper.journal_ref is None and paper.doi is None
    assert paper.published == datetime(2024, 9, 1, 17, 59, 46, tzinfo=timezone.utc)
    assert paper.updated == datetime(2024, 9, 3, 4, tzinfo=timezone.utc) and paper.updated.tzinfo is timezone.utc


def test_an_entry_that_is_not_a_paper_is_skipped_but_counted(caplog: pytest.LogCaptureFixture) -> None:
    """arXiv's ``start`` counts every entry it served: the next page must start after them all."""
    good = entries("arxiv-api-2026-multi-entry-page1-all_testing.xml")[:2]
    undated = good[0].replace(b"<published>", b"<!-- <published>").replace(b"</published>", b"</published> -->")
    bad_date = good[1].replace(b"<updated>2", b"<updated>yesterday 2")
    body = page([undated, bad_date, *good], 0, 10)
    with caplog.at_level(logging.WARNING, logger="digest.fetch.atom"):
        got = atom.parse(body)
    assert [p.versioned_id for p in got.papers] == [p.versioned_id for p in atom.parse(page(good, 0, 10)).papers]
    assert got.entries == 4 and got.total == 4
    assert "without <published>" in caplog.text and "not ISO 8601" in caplog.text


# -- pages that are not a whole feed ------------------------------------------------------

WHOLE = fixture("arxiv-api-2026-100-entries-all_testing.xml")


@pytest.mark.parametrize(
    "body",
    [
        *(WHOLE[: len(WHOLE) * k // 7] for k in range(1, 7)),  # cut short anywhere
        WHOLE[:-30] + b"\n",
        b"",
        b"\x00\xff\xfe garbage",
        b"<html><body>Bad gateway</body></html>",
        b'{"error": "rate limited"}',
        b"<feed>not Atom, but ends like it</feed>",  # no Atom namespace
        b"<?xml version='1.0'?><rss><channel/></rss><!-- </feed>",
        b"</feed>",
    ],
    ids=[*(f"cut-{k}-of-7" for k in range(1, 7)), "last-tags-lost", "empty", "binary", "html", "json",
         "feed-without-namespace", "rss-with-a-trailing-comment", "only-a-closing-tag"],  # fmt: skip
)
def test_a_page_that_is_not_a_whole_feed_raises(body: bytes) -> None:
    with pytest.raises(atom.AtomError, match=r"^(truncated page|unparsable page \(.+\))$"):
        atom.parse(sanitise_xml(body))


def quiet_client(url: str, **kwargs: object) -> ArxivClient:
    options: dict = {"delay": 0, "sleep": lambda s: None, **kwargs}  # type: ignore[type-arg]
    return ArxivClient(api_url=url, **options)


def test_the_client_retries_a_page_that_is_not_a_whole_feed() -> None:
    good = fixture("arxiv-api-2026-multi-entry-page1-all_testing.xml")
    answers = [good[: len(good) // 3], b"<html><body>Bad gateway</body></html>",
               b"<feed>not Atom</feed>", good]  # fmt: skip
    with ArxivServer() as server:
        server.window = lambda params: Response(200, answers.pop(0))
        client = quiet_client(server.api_url)
        try:
            got = client.api_page("all:testing")
        finally:
            client.close()
    assert len(got.papers) == 10 and got.received == 10
    assert client.counters.retries == 3 and client.counters.requests == 4


def test_retries_run_out_on_pages_cut_short() -> None:
    good = fixture("arxiv-api-2026-multi-entry-page1-all_testing.xml")
    with ArxivServer() as server:
        server.window = lambda params: Response(200, good[:-200])
        client = quiet_client(server.api_url, retries=2)
        try:
            with pytest.raises(ArxivUnavailable, match="truncated page after 3 attempts"):
                client.api_page("all:testing")
        finally:
            client.close()


def test_error_feeds_and_a_paper_that_mentions_one() -> None:
    """An entry whose id is arXiv's error URL is an error feed, with arXiv's message, not
    retried; an abstract that merely quotes such a URL is a paper like any other."""
    error = fixture("arxiv-api-2026-error-feed-http400.xml")
    quoting = entries("arxiv-api-2026-multi-entry-page1-all_testing.xml")[0].replace(
        b"<summary>", b"<summary>Our API answered https://arxiv.org/api/errors#incorrect_id_format_for_abc. ")
    answers = {"error": Response(400, error), "error-200": Response(200, error),
               "error-cut": Response(400, error[:-40]), "quoting": Response(200, page([quoting], 0, 10))}  # fmt: skip
    with ArxivServer() as server:
        server.window = lambda params: answers[params["search_query"]]
        client = quiet_client(server.api_url)
        try:
            for query in ("error", "error-200", "error-cut"):
                with pytest.raises(ArxivQueryError, match="^arXiv rejected the request: incorrect id format for abc "):
                    client.api_page(query)
            (paper,) = client.api_page("quoting").papers
        finally:
            client.close()
    assert client.counters.retries == 0 and client.counters.requests == 4
    assert paper.abstract.startswith("Our API answered https://arxiv.org/api/errors#incorrect_id_format_for_abc. ")


@pytest.mark.parametrize("raw", [
    "2609.00001v1", "2609.12345v12", "2609.12345v999", "2609.12345v1000", "2609.12345v0", "2609.12345v01",
    "2609.12345", "1412.12345v1", "1412.1234v1", "1501.1234v1", "1501.12345v2", "0704.0001v1", "0703.00001v1",
    "2613.00001v1", "2600.00001v1", "٢٦٠٩.00001v1", "2609.0000１v1", " 2609.00001v1", "2609.00001v1\n",
    "arXiv:2609.00001v1", "hep-th/9901001v1", "math.GT/0309136", "2609.00001v1/", "",
])  # fmt: skip
def test_the_common_id_shortcut_gives_what_parse_id_gives(raw: str) -> None:
    from digest.ids import parse_id

    parsed = parse_id(raw)
    assert atom._paper_id(raw) == (None if parsed is None else (parsed.base, parsed.version))


def test_the_common_id_shortcut_on_every_recorded_id() -> None:
    from digest.ids import parse_id

    ids = [m.decode() for path in PAGES for m in re.findall(rb"/abs/([^<\s]+)\s*</id>", _served(path))]
    assert len(ids) > 150
    for raw in ids:
        parsed = parse_id(raw)
        assert atom._paper_id(raw) == (None if parsed is None else (parsed.base, parsed.version)), raw


@pytest.mark.parametrize("body", [
    b"<feed>plain</feed>", b"<feed>C# &amp; F#</feed>", b"<feed>&#x202E;</feed>", b"<feed>#&#</feed>",
    "<feed>\u2014 dash</feed>".encode(), "<feed>\u2014 then \u202e</feed>".encode(), "<feed>\u202e</feed>".encode(),
    "<feed>\u061c</feed>".encode(), b"<feed>/api/errors#x</feed>", b"<feed>/api/errors x#</feed>",
])  # fmt: skip
def test_the_byte_prechecks_answer_as_the_full_scans(body: bytes) -> None:
    """`_plain` and `may_be_error_feed` look for one byte with memchr before their patterns."""
    full_plain = not (re.search(rb"&#", body) or atom._BIDI_E2.search(body) or any(c in body for c in atom._BIDI_OTHER))
    assert atom._plain(body) is full_plain
    assert atom.may_be_error_feed(body) is (b"/api/errors#" in body)
