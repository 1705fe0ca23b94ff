"""Every byte the editor wrote in an issue survives `digest new` and `digest triage`.

Attacks on the writers of `issues/DATE.md` (`digest new`, a re-run, a keep, an undo): odd bytes
(BOM, CRLF, CR alone, no final newline, tabs, NBSP, zero-width, NFD, a 2 MB line, non-UTF-8),
odd structure (notes inside or above the ``digest:paper`` comment, an unclosed ``<!--``), notes
written after a keep, an issue file that is a symlink, and a full disk. What the editor would
notice: the old file is a byte-for-byte prefix of the new one (or, for an undone keep, the file
before the keep), or nothing is written and one line names the file, the line and the fix.
"""

from __future__ import annotations

import errno
import os
import shutil
import types
import unicodedata
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from conftest import run
from test_triage import DAY, TOPICS, drafted_letter
from digest.paper import Author, Paper

ISSUE = Path("issues") / "2022-10-23.md"


def paper(n: int) -> Paper:
    when = datetime(2022, 10, 17 + n % 5, 12, tzinfo=timezone.utc)
    topic = TOPICS[n % len(TOPICS)]
    return Paper(f"2210.{n:05d}", 1, f"Paper {n}: {topic}", (Author("Ada Lovelace"), Author("Alan Turing")),
                 f"We study {topic}.", categories=("cs.LG",), primary_category="cs.LG", published=when,
                 updated=when, source="api")  # fmt: skip


@pytest.fixture()
def letter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A newsletter (in a folder with a space) whose issue of 2022-10-23 holds 3 of 8 candidates."""
    return drafted_letter(tmp_path / "my letter", monkeypatch, paper)


def rerun() -> tuple[int, str, str]:
    """`digest new` again with a bigger limit: two more candidates to append."""
    return run("new", "--date", DAY.isoformat(), "--offline", "--limit", "5")


def triage() -> Any:
    from digest.config import load_settings
    from digest.triage import Triage

    return Triage.open(load_settings(), DAY, lock_wait=0)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# -- bytes ---------------------------------------------------------------------------------------
ODD = "notes\twith a tab,\u00a0an NBSP, a zero\u200bwidth space, " + unicodedata.normalize("NFD", "Gödel, Café") + "  "
EDITS: dict[str, Callable[[bytes], bytes]] = {
    "bom_crlf_no_final_newline": lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n") + ODD.encode(),
    "mixed_line_ends": lambda b: b + b"a line\r\nanother\n\nlast\r",
    "nfd_and_trailing_spaces": lambda b: b + ODD.encode() + b"\n",
    "a_2mb_line": lambda b: b + b"x" * 2_000_000,
    "notes_above_the_metadata_comment": lambda b: b.replace(b")\n<!-- digest:paper", b")\nMy notes first.\n<!-- digest:paper", 1),
    "metadata_comment_deleted": lambda b: b.replace(b"<!-- digest:paper", b"My notes. <!-- was:", 1),
}  # fmt: skip


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_a_rerun_appends_after_every_byte_the_editor_wrote(letter: Path, edit: str) -> None:
    path = letter / ISSUE
    edited = EDITS[edit](path.read_bytes())
    path.write_bytes(edited)
    code, _, err = rerun()
    assert code == 0, err
    after = path.read_bytes()
    assert after.startswith(edited) and after.count(b"## [Paper ") == 5
    added = after[len(edited) :]
    if b"\r\n" in edited:
        assert added.count(b"\n") == added.count(b"\r\n")  # line ends follow the file


def test_a_file_with_cr_line_ends_gets_cr_line_ends(letter: Path) -> None:
    """A file saved with classic Mac line ends (CR alone) is appended to in CR, as CRLF stays CRLF."""
    path = letter / ISSUE
    edited = path.read_bytes().replace(b"\n", b"\r")
    path.write_bytes(edited)
    code, _, err = rerun()
    assert code == 0, err
    after = path.read_bytes()
    assert after.startswith(edited) and after.count(b"## [Paper ") == 5
    assert b"\n" not in after


@pytest.mark.parametrize(("tail", "line", "says"), [
    ("café\n".encode("latin-1"), None, "not UTF-8 text; save the file as UTF-8"),
    (b"<!-- a thought never closed\n", None, "HTML comment '<!--' is never closed: add '-->'"),
    (b"```\n## not a heading in a code block\n", None, "ends inside the code block opened here"),
], ids=["latin1", "unclosed_comment", "open_fence"])  # fmt: skip
def test_a_file_digest_cannot_append_to_is_refused_in_one_line_and_left_alone(
    letter: Path, tail: bytes, line: int | None, says: str
) -> None:
    path = letter / ISSUE
    edited = path.read_bytes() + tail
    path.write_bytes(edited)
    first_bad = edited.count(b"\n") - tail.count(b"\n") + 1
    code, out, err = rerun()
    assert code == 1 and path.read_bytes() == edited
    assert err.startswith(f"{ISSUE}:{first_bad}: ") and says in err and len(err.strip().splitlines()) == 1
    t = triage()
    try:
        with pytest.raises(Exception) as refused:
            t.decide(t.ranked[5].paper.id, "kept")
        assert f"{ISSUE}:{first_bad}: " in str(refused.value)
    finally:
        t.close()
    assert path.read_bytes() == edited and not leftovers(path.parent)


def test_a_full_disk_leaves_the_issue_whole_and_says_which_file(letter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import digest.files

    path = letter / ISSUE
    before = path.read_bytes()

    def full(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(digest.files, "os", types.SimpleNamespace(**{**vars(os), "write": full}))
    code, _, err = rerun()
    assert code != 0 and path.read_bytes() == before and not leftovers(path.parent)
    assert "2022-10-23.md" in err and "No space left on device" in err and len(err.strip().splitlines()) == 1


# -- triage: a keep taken back only while nothing of the editor's is in it ------------------------
AFTER_KEEP: dict[str, Callable[[bytes, str], bytes]] = {
    "one_character": lambda b, pid: b + b"x",
    "only_whitespace": lambda b, pid: b + b" \t\n",
    "a_figure_line": lambda b, pid: b + b"![Figure 1](https://arxiv.org/html/x/fig1.png)\n",
    "notes_inside_the_comment": lambda b, pid: b.replace(f"id: {pid}v1\n".encode(), f"id: {pid}v1\nmine: yes\n".encode()),
    "notes_above_the_comment": lambda b, pid: b[: b.rindex(b"<!-- digest:paper")] + b"Mine.\n" + b[b.rindex(b"<!-- digest:paper") :],
    "line_ends_changed": lambda b, pid: b.replace(b"\n", b"\r\n"),
}  # fmt: skip


@pytest.mark.parametrize("decision", ["dismissed", None], ids=["dismiss", "undo"])
@pytest.mark.parametrize("edit", list(AFTER_KEEP), ids=list(AFTER_KEEP))
def test_a_kept_section_the_editor_touched_stays_on_dismiss_and_undo(letter: Path, edit: str, decision: str | None) -> None:
    path = letter / ISSUE
    t = triage()
    try:
        pid = t.ranked[5].paper.id
        assert t.decide(pid, "kept").file == "appended"
        edited = AFTER_KEEP[edit](path.read_bytes(), pid)
        path.write_bytes(edited)
        out = t.decide(pid, decision)
    finally:
        t.close()
    assert out.file == "stays" and path.read_bytes() == edited


@pytest.mark.parametrize("shape", ["bom_crlf_no_final_newline", "cr_alone", "words_after_the_last_section"])
def test_an_untouched_keep_is_taken_back_to_the_file_before_it_byte_for_byte(letter: Path, shape: str) -> None:
    path = letter / ISSUE
    raw = path.read_bytes()
    before = {"bom_crlf_no_final_newline": b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n").rstrip(b"\r\n"),
              "cr_alone": raw.replace(b"\n", b"\r"),
              "words_after_the_last_section": raw + ODD.encode()}[shape]  # fmt: skip
    path.write_bytes(before)
    t = triage()
    try:
        pid = t.ranked[5].paper.id
        assert t.decide(pid, "kept").file == "appended"
        kept = path.read_bytes()
        assert kept.startswith(before) and (b"\n" not in kept if shape == "cr_alone" else True)
        assert t.decide(pid, None).file == "removed"
    finally:
        t.close()
    assert path.read_bytes() == before


# -- a symlinked issue file ------------------------------------------------------------------------
@pytest.fixture()
def linked(letter: Path, tmp_path: Path) -> Path:
    """The issue file is a symlink to the editor's copy in another folder (a synced folder, say)."""
    target = tmp_path / "synced folder" / "issue.md"
    target.parent.mkdir()
    (letter / ISSUE).rename(target)
    (letter / ISSUE).symlink_to(target)
    return target


def test_a_rerun_writes_through_a_symlinked_issue_and_keeps_the_link(letter: Path, linked: Path) -> None:
    before = linked.read_bytes() + b"My notes, written in the synced copy.\n"
    linked.write_bytes(before)
    code, _, err = rerun()
    assert code == 0, err
    assert (letter / ISSUE).is_symlink() and Path(os.readlink(letter / ISSUE)) == linked
    after = linked.read_bytes()
    assert after.startswith(before) and after.count(b"## [Paper ") == 5
    assert not leftovers(letter / "issues") and not leftovers(linked.parent)


def test_a_link_to_a_folder_not_mounted_is_refused_not_written_around(letter: Path, linked: Path) -> None:
    """The synced folder is not there (a drive not mounted): digest must not make the folders and
    write a draft the editor's copy will hide when the drive comes back."""
    shutil.rmtree(linked.parent)
    code, out, err = rerun()
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith(f"{ISSUE}: a symlink to {linked}, which does not exist (is its folder mounted?)"), err
    assert not linked.parent.exists() and (letter / ISSUE).is_symlink()


def test_a_link_to_a_deleted_file_says_to_restore_it(letter: Path, linked: Path) -> None:
    linked.unlink()  # the folder is there; the editor deleted the file the link names
    code, _, err = rerun()
    assert code == 1 and f"a symlink to {linked}, which does not exist (restore the file or remove the link)" in err, err
    assert not linked.exists() and (letter / ISSUE).is_symlink()


def test_triage_keeps_and_takes_back_through_a_symlinked_issue(letter: Path, linked: Path) -> None:
    before = linked.read_bytes()
    t = triage()
    try:
        pid = t.ranked[5].paper.id
        assert t.decide(pid, "kept").file == "appended"
        assert (letter / ISSUE).is_symlink() and linked.read_bytes().startswith(before)
        assert linked.read_bytes().count(b"## [Paper ") == 4
        assert t.decide(pid, None).file == "removed"
    finally:
        t.close()
    assert (letter / ISSUE).is_symlink() and linked.read_bytes() == before
