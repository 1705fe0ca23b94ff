"""QA of issue #4 as an editor meets it: seed files that are broken, odd or not seeds at all.

Each error is one line naming the file and line, with what to do about it; nothing is lost
without a word.
"""

from __future__ import annotations

import codecs
import json
import logging
from pathlib import Path

import pytest

from digest.errors import InputError
from digest.seeds import read_seed_file, read_seed_files

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
F002 = next(SEEDS.glob("002_*"))


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        read_seed_file(path)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the dataset-viewer dump -------------------------------------------------------------


def test_viewer_without_statistics_keeps_its_first_row(tmp_path: Path) -> None:
    # Column name and dtype only, no min/max lines: the first id is data, not a statistic.
    path = write(tmp_path, "viewer.txt", "arxiv_id\nstring\nabstract\nstring\n2112.09332\nWe fine-tune GPT-3.\n"
                                         "1911.02150v2\nMulti-head attention layers.\n")  # fmt: skip
    records = read_seed_file(path)
    assert [(r.arxiv_id, r.version, r.line, r.abstract) for r in records] == [
        ("2112.09332", None, 5, "We fine-tune GPT-3."),
        ("1911.02150", 2, 7, "Multi-head attention layers."),
    ]


def test_viewer_with_a_missing_cell_is_an_error_not_silence(tmp_path: Path) -> None:
    path = write(tmp_path, "viewer.txt", "arxiv_id\nstring\nabstract\nstring\n2112.09332\n")
    assert error(path).startswith(f"{path}:5: incomplete row")


def test_viewer_statistics_are_still_skipped() -> None:
    records = read_seed_file(F002)
    assert len(records) == 39 and records[0].arxiv_id == "2112.09332" and records[0].line == 9


def test_viewer_row_out_of_step_names_the_first_line_that_is_not_an_id(tmp_path: Path) -> None:
    lines = F002.read_text(encoding="utf-8").splitlines()
    del lines[19]  # line 20: the abstract of 2303.11366v1; every later row is out of step
    path = write(tmp_path, "002.txt", "\n".join(lines) + "\n")
    message = error(path)
    assert message.startswith(f"{path}:21: expected an arXiv id (arxiv_id), found 'Prompt tuning, which")
    assert message.endswith("a row above lacks a line or has one too many; "
                            "2 lines per row (arxiv_id, abstract), one cell a line")  # fmt: skip


def test_a_malformed_id_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "viewer.txt", "arxiv_id\nstring\nabstract\nstring\n2101.0001\nSome abstract.\n")
    assert error(path) == f"{path}:5: '2101.0001' is not an arXiv id (e.g. 2209.06235, 2209.06235v2, hep-th/9901001): correct it"


# --- CSV and JSON Lines -------------------------------------------------------------------


def test_csv_with_a_broken_header_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", '"arxiv_id,abstract\n2101.00001,An abstract.\n')
    assert error(path) == (f'{path}:1: bad CSV in the row that starts here (unexpected end of data): '
                           'close every quoted field, and write a quote inside one as two ("")')  # fmt: skip


def test_csv_unclosed_quote_names_the_row_where_it_opened(tmp_path: Path) -> None:
    rows = ["arxiv_id,abstract"] + [f'2101.{i:05d},"Abstract {i}, about things."' for i in range(1, 40)]
    rows[10] = '2101.99999,"A stray quote that never closes'
    path = write(tmp_path, "bad.csv", "\n".join(rows) + "\n")
    assert error(path).startswith(f"{path}:11: bad CSV in the row that starts here")
    rows[10] = '2101.99999,"A stray quote at the end of the file'
    path = write(tmp_path, "end.csv", "\n".join(rows[:11]) + "\n")
    assert error(path).startswith(f"{path}:11: bad CSV in the row that starts here (unexpected end of data)")


def test_csv_extra_field_says_to_quote_it(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", "arxiv_id;abstract\n2101.00001;An abstract; with a semicolon.\n")
    assert error(path) == f"""{path}:2: 3 fields, the header names 2: quote a field that contains ';' ("like; this")"""


def test_a_long_abstract_reads_in_csv_as_in_json_lines(tmp_path: Path) -> None:
    text = "word " * 40_000  # over the csv module's default field limit of 131,072 characters
    csv_path = write(tmp_path, "long.csv", f'arxiv_id,abstract\n2101.00001,"{text}"\n2101.00002,Short.\n')
    jsonl_path = write(tmp_path, "long.jsonl", json.dumps({"arxiv_id": "2101.00001", "abstract": text}) + "\n")
    assert [len(r.abstract) for r in read_seed_file(csv_path)] == [len(text.strip()), 6]
    assert [len(r.abstract) for r in read_seed_file(jsonl_path)] == [len(text.strip())]
    import csv

    assert csv.field_size_limit() == 131072  # put back for everyone else


def test_pretty_printed_json_says_one_object_per_line(tmp_path: Path) -> None:
    path = write(tmp_path, "seeds.json", '{\n  "arxiv_id": "2101.00001",\n  "abstract": "An abstract."\n}\n')
    message = error(path)
    assert message.startswith(f"{path}:1: not a JSON object (")
    assert message.endswith('JSON Lines hold one whole, flat object per line, so write each record on a single line: '
                            '{"arxiv_id": "...", "abstract": "..."}')


def test_a_record_without_abstract_says_what_to_do(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", "arxiv_id,abstract\n2101.00001,One.\n2101.00002\n")
    assert error(path) == f"{path}:3: no abstract in this record: fill in its abstract, or delete the record"


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_text_not_binary(tmp_path: Path, codec: str) -> None:
    path = write(tmp_path, "seeds.txt", "Shammie\nAbstract: An abstract about café.\n".encode(codec))
    (record,) = read_seed_file(path)
    assert (record.label, record.abstract) == ("Shammie", "An abstract about café.")


def test_windows_1252_is_read_with_a_warning_naming_the_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, "seeds.txt", "Shammie\nAbstract: One.\nAbstract: A \u201cquoted\u201d caf\xe9.\n".encode("cp1252"))
    with caplog.at_level(logging.WARNING, logger="digest"):
        records = read_seed_file(path)
    assert records[1].abstract == "A \u201cquoted\u201d caf\xe9."
    assert f"{path}:3: not UTF-8, read as Windows-1252" in caplog.text and "save the file as UTF-8" in caplog.text


def test_a_large_binary_file_is_refused_from_its_first_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "video.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00\x01" * 100_000)
    reads: list[int] = []
    real_open = open

    class Spy:
        def __init__(self, fh):  # type: ignore[no-untyped-def]
            self.fh = fh

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def read(self, n: int = -1) -> bytes:
            data = self.fh.read(n)
            reads.append(len(data))
            return data

    monkeypatch.setattr("builtins.open", lambda p, mode="r", *a, **k: Spy(real_open(p, mode, *a, **k)))
    with pytest.raises(InputError, match="binary file, not text"):
        read_seed_file(path)
    assert 0 < sum(reads) <= 8192  # the head only, not the whole file


# --- the trailer shape, labelled shape ------------------------------------------------------


def test_a_category_after_the_id_is_not_an_abstract(tmp_path: Path) -> None:
    # arXiv's listings print the primary category after the id.
    path = write(tmp_path, "list.txt", "Abstract A is here.\narXiv:2209.06235 [cs.LG]\nAbstract B is here.\n"
                                       "30 pages\narXiv:hep-th/9901001v2 [hep-th]Abstract C.\narXiv:2209.06236\n")  # fmt: skip
    records = read_seed_file(path)
    assert [(r.line, r.arxiv_id, r.version, r.abstract, r.comment) for r in records] == [
        (1, "2209.06235", None, "Abstract A is here.", None),
        (3, "hep-th/9901001", 2, "Abstract B is here.", "30 pages"),
        (5, "2209.06236", None, "Abstract C.", None),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("An abstract.\narXiv:2213.00001Next\n",
         ":2: expected an arXiv id after 'arXiv:', found '2213.00001Next': correct the id (e.g. arXiv:2209.06235, "
         "arXiv:hep-th/9901001v2)"),
        ("arXiv:2209.06235\n", ":1: arXiv:2209.06235 has no abstract before it: put the abstract on the line(s) "
                               "above its arXiv:ID line"),
        ("Shammie\nAbstract:\n", ":2: empty 'Abstract:' line: put the abstract after 'Abstract:' on the same line, "
                                 "or delete the line"),
        ("x" * 200 + "\nAbstract: one.\n", ":1: expected a label line (at most 120 characters) or an 'Abstract:' "
                                           "line: start each abstract with 'Abstract:'"),
        ('{"abstract": "one"}\n[1, 2]\n', """:2: a JSON list, not an object: write one object per line, """
                                          """{"arxiv_id": "...", "abstract": "..."}"""),
    ],
)  # fmt: skip
def test_errors_say_what_to_do(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "seeds.txt", text)
    assert error(path) == f"{path}{message}"


# --- one id, two abstracts -------------------------------------------------------------------


def test_one_id_on_two_different_abstracts_is_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    a = write(tmp_path, "a.jsonl", json.dumps({"id": "2101.00001", "abstract": "Cats purr when content."}) + "\n")
    b = write(tmp_path, "b.jsonl", json.dumps({"id": "2101.00001v2", "abstract": "Cats purr when they are content."})
              + "\n" + json.dumps({"id": "2101.00001", "abstract": "Dogs bark at the postman daily."}) + "\n")  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="digest"):
        records = read_seed_files([a, b])
    assert [(r.arxiv_id, r.version, r.abstract, len(r.sources)) for r in records] == [
        ("2101.00001", 2, "Cats purr when content.", 3)
    ]
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [f"{b}:2: 2101.00001 again, with another abstract (first at {a}:1): the first is kept; "
                        "check which abstract the id belongs to"]  # fmt: skip


def test_the_real_seed_files_raise_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="digest"):
        assert len(read_seed_files(sorted(SEEDS.glob("00[0-3]_*")))) == 66
    assert caplog.records == []


# --- the command ---------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from digest.cli import cli

    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_missing_seed_folder_names_the_setting(newsletter: Path) -> None:
    import shutil

    shutil.rmtree(newsletter / "seeds")
    code, out, err = run("seeds")
    assert (code, out) == (1, "")
    assert err.strip() == "seeds: no such folder (paths.seeds): create it and put reading lists of abstracts in it, " \
                          "or name seed FILES"  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        ("broken.csv", b'arxiv_id,abstract\n2101.00001,"unterminated\n', ":2: bad CSV"),
        ("bom.csv", codecs.BOM_UTF8 + b'"arxiv_id,abstract\r\n', ":1: bad CSV"),
        ("pretty.jsonl", b'{\n "abstract": "x"\n}\n', ":1: not a JSON object"),
        ("deep.jsonl", b'{"arxiv_id": "2205.05131", "abstract": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
         ":1: nested too deeply"),
        ("video.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00\x01" * 50, ": binary file, not text"),
    ],
)  # fmt: skip
def test_cli_bad_seed_file_is_one_line_exit_1(newsletter: Path, name: str, data: bytes, where: str) -> None:
    (newsletter / "seeds" / name).write_bytes(data)
    code, out, err = run("seeds")
    assert (code, out) == (1, "")
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"seeds/{name}{where}"), err  # named from here


def test_viewer_statistics_of_an_integer_column_may_be_negative(tmp_path: Path) -> None:
    path = write(tmp_path, "viewer.txt", "arxiv_id\nstringlengths\n10\n10\nscore\nint64\n-3\n7\nabstract\nstringlengths\n"
                                         "5\n30\n2112.09332\n-1\nWe fine-tune GPT-3.\n1911.02150\n7\nMulti-head.\n")  # fmt: skip
    assert [(r.arxiv_id, r.abstract) for r in read_seed_file(path)] == [
        ("2112.09332", "We fine-tune GPT-3."), ("1911.02150", "Multi-head.")]


def test_windows_1252_after_a_utf8_bom_keeps_the_header_and_names_the_line_of_cr_files(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    path = write(tmp_path, "seeds.csv", codecs.BOM_UTF8 + b"arxiv_id,abstract\n2209.06235,A caf\xe9 abstract.\n")
    with caplog.at_level(logging.WARNING, logger="digest"):
        records = read_seed_file(path)
    assert [(r.arxiv_id, r.abstract) for r in records] == [("2209.06235", "A caf\xe9 abstract.")]
    caplog.clear()
    path = write(tmp_path, "seeds.txt", b"Shammie\rAbstract: One.\rAbstract: A caf\xe9.\r")
    with caplog.at_level(logging.WARNING, logger="digest"):
        read_seed_file(path)
    assert f"{path}:3: not UTF-8" in caplog.text


def test_the_windows_1252_warning_counts_lines_after_a_utf8_bom(caplog: pytest.LogCaptureFixture) -> None:
    from digest.seeds import _lines

    with caplog.at_level(logging.WARNING, logger="digest"):
        lines = _lines("s.txt", codecs.BOM_UTF8 + b"2101.00001\n\xc9tude\n")  # the byte that is not UTF-8 opens line 2
    assert lines[:2] == ["2101.00001", "\xc9tude"] and "s.txt:2: not UTF-8" in caplog.text
