"""Seed files: every shape read by content, on the real files and on edge cases."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from pathlib import Path

import pytest

from digest.errors import InputError
from digest.seeds import (
    SeedRecord,
    by_id,
    dedup,
    read_seed_file,
    read_seed_files,
    read_seed_folder,
    seed_paths,
    text_key,
)
from digest.seeds.formats import match_trailing_id

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
F000, F001, F002, F003 = (next(SEEDS.glob(f"{n}_*")) for n in ("000", "001", "002", "003"))
BIG_BENCH = "Language models demonstrate both quantitative improvement and new qualitative capabilities"


# --- the real seed files -----------------------------------------------------------------


def test_000_gives_ten_records_with_ids_and_comments() -> None:
    records = read_seed_file(F000)
    assert len(records) == 10
    assert all(r.arxiv_id and r.format == "trailer" for r in records)
    assert [r.arxiv_id for r in records] == [
        "2209.06235", "2208.04024", "2208.01066", "2207.08977", "2207.07635",
        "2206.10139", "2206.07682", "2206.04615", "2206.01288", "2205.14217",
    ]  # fmt: skip
    comments = {r.arxiv_id: r.comment for r in records if r.comment}
    assert comments == {
        "2208.04024": "This work will appear in the 35th Annual ACM Symposium on User Interface "
        "Software and Technology (UIST '22)",
        "2207.08977": "Accepted to UAI 2022",
        "2206.10139": "30 pages",
        "2206.04615": "27 pages, 17 figures + references and appendices, repo: https://github.com/google/BIG-bench",
    }
    first, social = records[0], records[1]
    assert first.line == 1 and first.abstract.startswith("Despite the empirical successes")
    assert first.abstract.endswith("linear probing of ImageNet.")
    assert social.line == 2 and social.abstract.startswith("Social computing prototypes")
    assert not any("arXiv:" in r.abstract for r in records)


@pytest.mark.parametrize(("path", "count"), [(F001, 10), (F003, 9)])
def test_labelled_files_give_labelled_records_without_ids(path: Path, count: int) -> None:
    records = read_seed_file(path)
    assert len(records) == count
    assert all(r.label == "Shammie" and r.arxiv_id is None and r.format == "labelled" for r in records)
    assert [r.line for r in records] == list(range(2, count + 2))
    assert not any(r.abstract.lower().startswith("abstract") for r in records)


def test_002_gives_39_records_with_ids_and_versions() -> None:
    records = read_seed_file(F002)
    assert len(records) == 39
    assert all(r.arxiv_id and r.format == "viewer" for r in records)
    assert records[0].arxiv_id == "2112.09332" and records[0].line == 9
    assert records[0].abstract.startswith("We fine-tune GPT-3")
    versioned = {r.arxiv_id: r.version for r in records if r.version}
    assert versioned == {
        "2303.11366": 1, "2303.07295": 1, "2009.01325": 3,
        "2303.11156": 1, "1904.12848": 6, "2105.05720": 5,
    }  # fmt: skip
    assert by_id(records)["2009.01325"].versioned_id == "2009.01325v3"


def test_big_bench_is_one_record_across_three_files() -> None:
    records = read_seed_folder(SEEDS)
    hits = [r for r in records if r.abstract.startswith(BIG_BENCH)]
    assert len(hits) == 1
    big = hits[0]
    assert [Path(f).name[:3] for f, _ in big.sources] == ["000", "001", "003"]
    assert big.arxiv_id == "2206.04615" and big.label == "Shammie"
    assert big.comment and "BIG-bench" in big.comment
    assert len(records) == 10 + 10 + 39 + 9 - 2
    # the counts (000: 10, 001: 9, 002: 39, 003: 8) are the records each file adds
    # once the shared BIG-bench abstract is counted where it first appears
    first_seen = Counter(Path(r.sources[0][0]).name[:3] for r in records)
    assert first_seen == {"000": 10, "001": 9, "002": 39, "003": 8}


def test_folder_skips_readme_hidden_and_backups(tmp_path: Path) -> None:
    for name in ("README.md", ".hidden", "notes.txt~"):
        (tmp_path / name).write_text("not seeds at all\n")
    (tmp_path / "b.txt").write_text("Abstract: second file.\n")
    (tmp_path / "a.txt").write_text("Abstract: first file.\n")
    (tmp_path / "sub").mkdir()
    assert [p.name for p in seed_paths(tmp_path)] == ["a.txt", "b.txt"]
    assert [r.abstract for r in read_seed_folder(tmp_path)] == ["first file.", "second file."]
    assert read_seed_folder(tmp_path / "missing") == []


def test_reading_the_seed_folder_is_fast() -> None:
    read_seed_folder(SEEDS)
    start = time.perf_counter()
    for _ in range(5):
        read_seed_folder(SEEDS)
    assert (time.perf_counter() - start) / 5 < 0.05  # a few ms on this machine; generous for CI


# --- trailer format: where the id ends ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("2209.062353D shapes", 10),  # 5 digits from 1501 on: the 3 starts the next abstract
        ("1412.12345 x", 9),  # 4 digits up to 1412: the 5 belongs to the next abstract
        ("0704.0001First", 9),
        ("1501.00001", 10),
        ("2210.11399v2 We", 12),
        ("2210.11399v23D models", 12),  # v2, then "3D models"
        ("2210.11399v12The", 13),  # v12, then "The"
        ("hep-th/99010012 loops", 14),  # old style: exactly 7 digits
        ("math.GT/0309136v1Knots", 17),
        ("2213.00001", None),  # month 13
        ("22.10", None),
        ("2210.123", None),
    ],
)
def test_trailing_id_end(text: str, end: int | None) -> None:
    assert match_trailing_id(text) == end


def test_ids_followed_by_digits_and_old_style(tmp_path: Path) -> None:
    path = tmp_path / "trailer.txt"
    path.write_text(
        "First abstract about strings.\n"
        "arXiv:hep-th/99010012D gravity is the second abstract.\n"
        "12 pages\n"
        "arXiv:1412.12345 cases are the third abstract.\n"
        "arXiv:2210.11399v23D models are the fourth.\n"
        "Accepted to NeurIPS\n"
        "arXiv:1501.000017\n"
    )
    records = read_seed_file(path)
    assert [(r.versioned_id, r.abstract[:8], r.comment, r.line) for r in records] == [
        ("hep-th/9901001", "First ab", None, 1),
        ("1412.1234", "2D gravi", "12 pages", 2),
        ("2210.11399v2", "5 cases ", None, 4),
        ("1501.00001", "3D model", "Accepted to NeurIPS", 5),
        (None, "7", None, 7),  # text after the last id: an abstract with no id line
    ]


def test_bad_id_after_arxiv_prefix_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("An abstract.\narXiv:2213.00001Next\n")
    with pytest.raises(InputError, match=r"bad.txt:2: expected an arXiv id after 'arXiv:'"):
        read_seed_file(path)


# --- encodings, line endings, whitespace --------------------------------------------------


def test_crlf_bom_trailing_blank_lines_and_stray_whitespace(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    text = "Curator\r\n  Abstract:  One   abstract\there. \r\n\r\nAbstract:Two.\r\n\r\n\r\n   \r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    records = read_seed_file(path)
    assert [(r.line, r.abstract, r.label) for r in records] == [
        (2, "One abstract here.", "Curator"),
        (4, "Two.", "Curator"),
    ]


def test_crlf_trailer_and_viewer(tmp_path: Path) -> None:
    trailer = F000.read_text().replace("\n", "\r\n")
    (tmp_path / "t.txt").write_bytes(b"\xef\xbb\xbf" + trailer.encode())
    assert read_seed_file(tmp_path / "t.txt")[1:] == [
        _moved(r, tmp_path / "t.txt") for r in read_seed_file(F000)[1:]
    ]
    viewer = F002.read_text(encoding="utf-8").replace("\n", "\r\n") + "\r\n\r\n"
    (tmp_path / "v.txt").write_bytes(viewer.encode("utf-16"))
    assert len(read_seed_file(tmp_path / "v.txt")) == 39


def _moved(r: SeedRecord, path: Path) -> SeedRecord:
    from dataclasses import replace

    return replace(r, sources=((str(path), r.line),))


def test_empty_file_gives_no_records_and_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"\xef\xbb\xbf\r\n  \n")
    with caplog.at_level(logging.WARNING, logger="digest"):
        assert read_seed_file(tmp_path / "empty.txt") == []
        assert read_seed_file(tmp_path / "blank.txt") == []
    assert "empty.txt: empty seed file" in caplog.text


@pytest.mark.parametrize("data", [bytes(range(256)) * 4, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\xc3\x28\x81\x8d" * 100])
def test_binary_file_is_one_line_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_seed_file(path)
    assert str(err.value).startswith(f"{path}: binary file, not text; expected seed abstracts")
    assert "\n" not in str(err.value)


def test_unknown_shape_names_file_and_what_was_expected(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Just some notes\nabout nothing in particular.\n")
    with pytest.raises(InputError) as err:
        read_seed_file(path)
    assert str(err.value) == (
        f"{path}: not a seed file; expected seed abstracts: abstracts each followed by an arXiv:ID line, "
        "a label line then 'Abstract:' lines, a dataset-viewer dump (arxiv_id/abstract columns), "
        "or JSON Lines / CSV with arxiv_id and abstract columns"
    )


def test_folder_strict_false_skips_bad_files(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "a.txt").write_text("Abstract: fine.\n")
    (tmp_path / "b.bin").write_bytes(b"\x00\x01")
    with pytest.raises(InputError):
        read_seed_folder(tmp_path)
    with caplog.at_level(logging.WARNING, logger="digest"):
        assert len(read_seed_folder(tmp_path, strict=False)) == 1
    assert "b.bin: binary file" in caplog.text


# --- JSON Lines and CSV ---------------------------------------------------------------------


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "list.jsonl"
    rows = [
        {"arxiv_id": "2210.11399v2", "abstract": "  UL2R  abstract. ", "title": "UL2R"},
        {"id": "hep-th/9901001", "abstract": "Old one."},
        {"abstract": "No id here."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n\n" + json.dumps(rows[2]) + "\n")
    records = read_seed_file(path)
    assert [(r.line, r.versioned_id, r.abstract, r.title, r.format) for r in records] == [
        (1, "2210.11399v2", "UL2R abstract.", "UL2R", "jsonl"),
        (2, "hep-th/9901001", "Old one.", None, "jsonl"),
        (4, None, "No id here.", None, "jsonl"),
    ]


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "2210.11399", "abstract": "x"}\n{"id": "nope", "abstract": "y"}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:2: 'nope' is not an arXiv id \(e\.g\. 2209\.06235, .*\): correct it$"):
        read_seed_file(path)
    path.write_text('{"id": "2210.11399", "abstract": "x"}\n{"id": "2210.11399"\n')
    with pytest.raises(InputError, match=r"bad.jsonl:2: not a JSON object"):
        read_seed_file(path)


@pytest.mark.parametrize("delim", [",", "\t", ";"])
def test_csv(tmp_path: Path, delim: str) -> None:
    path = tmp_path / "list.csv"
    d = delim
    path.write_text(
        f"arxiv_id{d}title{d}abstract\r\n"
        f'2210.11399{d}UL2R{d}"Scaling, with a\r\nline break."\r\n'
        f"1904.12848v6{d}UDA{d}Semi-supervised.\r\n"
    )
    records = read_seed_file(path)
    assert [(r.line, r.versioned_id, r.title, r.abstract, r.format) for r in records] == [
        (2, "2210.11399", "UL2R", "Scaling, with a line break.", "csv"),
        (4, "1904.12848v6", "UDA", "Semi-supervised.", "csv"),
    ]


# --- dedup -------------------------------------------------------------------------------


def test_text_key_ignores_case_space_punctuation_and_glitches() -> None:
    assert text_key("an efficient variant of Transformersthat eliminates") == text_key(
        "An efficient variant of Transformers that  eliminates"
    )
    assert text_key("we explore “prompt tuning,” a") == text_key('We explore "prompt tuning," a')
    assert text_key("ﬁne-tuning") == text_key("fine tuning")


def test_dedup_merges_by_text_and_id_but_not_conflicting_ids() -> None:
    def rec(src: str, ident: str | None, text: str, **kw: object) -> SeedRecord:
        return SeedRecord(sources=((src, 1),), arxiv_id=ident, version=None, abstract=text, **kw)  # type: ignore[arg-type]

    merged = dedup([
        rec("a", None, "Same abstract text.", label="L"),
        rec("b", "2210.11399", "same  ABSTRACT text", comment="9 pages"),
        rec("c", "2210.11399", "A newer version of the abstract."),
        rec("d", "2301.00001", "Same abstract text."),
    ])  # fmt: skip
    assert [(r.arxiv_id, [s for s, _ in r.sources], r.label, r.comment) for r in merged] == [
        ("2210.11399", ["a", "b", "c"], "L", "9 pages"),
        ("2301.00001", ["d"], None, None),
    ]


def test_read_seed_files_dedups_the_same_file_given_twice() -> None:
    records = read_seed_files([F000, F000])
    assert len(records) == 10 and all(len(r.sources) == 1 for r in records)


def test_to_paper() -> None:
    rec = by_id(read_seed_file(F000))["2206.04615"]
    paper = rec.to_paper()
    assert (paper.id, paper.abstract, paper.comment) == ("2206.04615", rec.abstract, rec.comment)
    assert paper.source == f"seed:{F000.name}"
