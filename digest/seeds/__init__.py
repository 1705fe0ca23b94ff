"""Seed-style abstract data: reading lists of abstracts, read by content, deduplicated.

    records = read_seed_folder("seeds")        # every file, one record per abstract
    by_id(records)["2206.04615"].abstract      # seeds as paper data
    [r for r in records if r.arxiv_id is None] # what `digest.seeds.resolve` works on

A file's shape is recognised from its content, never its name: `_read` walks
the table of (name, detect, read) entries in `digest.seeds.formats`. The same abstract in several files
is one `SeedRecord` carrying every ``(file, line)`` it came from; abstracts are
compared ignoring case, whitespace and punctuation, which also absorbs the
missing spaces of text copied out of a dataset viewer (``Transformersthat``).

Stdlib only, and fast: `digest render` reads the seed folder on every run.
Reading is linear in time and memory: files are read and deduplicated one
at a time, duplicates are found by a 16-byte digest of each abstract's key
(not the key itself, as long as the abstract), and the cyclic garbage
collector, which would walk every record read so far again and again, is
paused while the records (which hold no cycles) pile up.

The package owns the seed files: reading and deduplicating them (here, with the
shapes in `formats`), resolving the ids they lack (`resolve`) and the
`digest seeds` report (`report`).

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock, store, issue, fetch.
"""

from __future__ import annotations

import codecs
import gc
import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from digest.errors import InputError
from digest.paper import Paper
from digest.seeds import formats as fmt

log = logging.getLogger(__name__)

SKIPPED_NAMES = re.compile(r"^(?:\..*|readme(?:\..*)?|.*~|.*\.(?:bak|orig|swp|tmp))$", re.IGNORECASE)
"""Files in a seed folder that are not seed data: hidden, README, editor backups."""


@dataclass(frozen=True)
class SeedRecord:
    """One abstract from the seed files, with every place it was found."""

    sources: tuple[tuple[str, int], ...]
    """``(file, line)`` for each occurrence, in reading order; line is 1-based."""
    arxiv_id: str | None
    """Base id (no version), or None when the seed file gave none."""
    version: int | None
    abstract: str
    """The abstract as written, whitespace collapsed to single spaces."""
    comment: str | None = None
    """arXiv's comments field when the seed carried it ("Accepted to UAI 2022")."""
    label: str | None = None
    """The curator's label line above the abstract ("Shammie")."""
    title: str | None = None
    format: str = ""
    """The reader of the first source: trailer, labelled, viewer, jsonl or csv."""

    @cached_property
    def key(self) -> str:
        """The abstract reduced for comparison (see `text_key`); made when first asked for,
        since as many records read from files need only its digest (`key_digest`)."""
        return text_key(self.abstract)

    @property
    def file(self) -> str:
        return self.sources[0][0]

    @property
    def line(self) -> int:
        return self.sources[0][1]

    @property
    def where(self) -> str:
        """``FILE:LINE`` of the first occurrence."""
        return f"{self.file}:{self.line}"

    @property
    def versioned_id(self) -> str | None:
        if self.arxiv_id is None:
            return None
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id

    def snippet(self, words: int = 8) -> str:
        parts = self.abstract.split(maxsplit=words)
        return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")

    def to_paper(self, arxiv_id: str | None = None) -> Paper:
        """A `Paper` holding what the seed knows (abstract, comment, title)."""

        ident = arxiv_id or self.arxiv_id
        if ident is None:
            raise ValueError(f"{self.where}: seed abstract has no arXiv id")
        return Paper(
            id=ident,
            version=self.version if ident == self.arxiv_id else None,
            title=self.title or "",
            abstract=self.abstract,
            comment=self.comment,
            source=f"seed:{Path(self.file).name}",
        )


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_NON_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())
_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def text_key(text: str) -> str:
    """``text`` casefolded with everything but letters and digits removed.

    Two copies of one abstract give the same key even when one lost the
    spaces around some words, changed quotes or dashes, or was re-wrapped.
    """
    if text.isascii():  # the common case: bytes.translate is ~20x faster than a regex
        return text.encode("ascii").translate(_ASCII_LOWER, _ASCII_NON_ALNUM).decode("ascii")
    return _unicode_key(text)


def key_digest(text: str) -> bytes:
    """A 16-byte digest of `text_key` (``text``): equal for equal keys, and a fraction of
    their size, for finding duplicates among many abstracts."""
    if text.isascii():
        key = text.encode("ascii").translate(_ASCII_LOWER, _ASCII_NON_ALNUM)
    else:
        key = _unicode_key(text).encode("utf-8")
    return hashlib.blake2b(key, digest_size=16).digest()


def _unicode_key(text: str) -> str:
    # ASCII punctuation and spaces go the fast way (UTF-8 multi-byte sequences never
    # contain ASCII bytes); the regex then only meets the few non-ASCII leftovers.
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.encode("utf-8").translate(_ASCII_LOWER, _ASCII_NON_ALNUM).decode("utf-8")
    for c in set(_NON_ASCII.findall(text)):
        if not c.isalnum():
            text = text.replace(c, "")
    return text


# --- reading -----------------------------------------------------------------------------


def read_seed_file(path: str | Path) -> list[SeedRecord]:
    """The abstracts in one seed file, its shape recognised from the content.

    Raises `InputError` ("FILE:LINE: what is wrong") for a file that is not
    text or matches no shape. An empty file gives no records and a warning.
    Repeats of one abstract inside the file are merged (see `dedup`).
    """
    return dedup(_read_file(path), warn=True)


def _read_file(path: str | Path) -> list[SeedRecord]:
    name = str(path)
    try:
        with open(path, "rb") as fh:
            encoding = _encoding(name, fh.read(_SNIFF))  # a binary file fails here, before the rest is read
            fh.seek(0)
            lines = _lines(name, fh.read(), encoding)  # the bytes go as soon as they are decoded
    except OSError as exc:
        raise InputError(name, None, f"cannot read: {exc.strerror or exc}") from None
    if not any(s.strip() for s in lines):
        log.warning("%s: empty seed file, no abstracts", name)
        return []
    form, raws = _read(name, lines)
    del lines
    return [_record(name, form, raw) for raw in raws]


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while many acyclic records are made: each of its
    full passes walks every record made so far, which made reading superlinear. Reference
    counting still frees everything; the collector resumes as it was."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_seed_folder(folder: str | Path, *, strict: bool = True) -> list[SeedRecord]:
    """Every seed file in ``folder`` (sorted by name, not recursive), deduplicated.

    Hidden files, README* and editor backups are skipped; a missing folder
    gives no records. With ``strict=False`` a file that cannot be read is
    logged as a warning and skipped instead of raising `InputError`.
    """
    return read_seed_files(seed_paths(folder), strict=strict)


def seed_paths(folder: str | Path) -> list[Path]:
    """The files of ``folder`` that `read_seed_folder` reads, in order."""
    root = Path(folder)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_file() and not SKIPPED_NAMES.match(p.name))


def read_seed_files(paths: Iterable[str | Path], *, strict: bool = True) -> list[SeedRecord]:
    """The records of several files, in order, deduplicated across files."""
    merged = _Dedup(warn=True)
    with _no_cycle_collection():
        for path in paths:
            try:
                merged.add(_read_file(path))  # one file's records at a time: their repeats go at once
            except InputError as exc:
                if strict:
                    raise
                log.warning("%s (skipped)", exc)
    return merged.out


def by_id(records: Iterable[SeedRecord]) -> dict[str, SeedRecord]:
    """Records that have an arXiv id, keyed by base id (the first one wins)."""
    out: dict[str, SeedRecord] = {}
    for rec in records:
        if rec.arxiv_id is not None:
            out.setdefault(rec.arxiv_id, rec)
    return out


def dedup(records: Iterable[SeedRecord], *, warn: bool = False) -> list[SeedRecord]:
    """Merge records for one paper: same abstract (by `text_key`) or same id.

    The merged record keeps the first abstract and the union of sources, and
    fills id, version (the highest), comment, label and title from whichever
    copy has them. Two copies with the same text but different ids stay apart.
    With ``warn``, one id given to two abstracts that share few words (not two
    versions of one abstract: a wrong id, most likely) is a warning naming both
    places, since the second abstract is dropped.
    """
    merged = _Dedup(warn=warn)
    merged.add(records)
    return merged.out


class _Dedup:
    """`dedup` fed a batch at a time; ``out`` is the merged records so far, in order."""

    def __init__(self, *, warn: bool = False) -> None:
        self.warn = warn
        self.out: list[SeedRecord] = []
        self._at_key: dict[bytes, int] = {}  # `key_digest` of an abstract -> its record
        self._digests: list[bytes] = []  # `key_digest` of each kept record's abstract
        self._at_id: dict[str, int] = {}

    def add(self, records: Iterable[SeedRecord]) -> None:
        out, at_key, at_id, digests = self.out, self._at_key, self._at_id, self._digests
        for rec in records:
            digest = key_digest(rec.abstract)
            i = at_id.get(rec.arxiv_id) if rec.arxiv_id else None
            if i is None:
                i = at_key.get(digest)
                if i is not None and rec.arxiv_id and out[i].arxiv_id not in (None, rec.arxiv_id):
                    i = None
            if i is None:
                i = len(out)
                out.append(rec)
                digests.append(digest)
            else:
                if self.warn and rec.arxiv_id and digests[i] != digest and not _same_paper(out[i].abstract, rec.abstract):
                    log.warning("%s: %s again, with another abstract (first at %s): the first is kept; "
                                "check which abstract the id belongs to", rec.where, rec.arxiv_id, out[i].where)  # fmt: skip
                out[i] = _merge(out[i], rec)
            at_key.setdefault(digest, i)
            at_key.setdefault(digests[i], i)
            if out[i].arxiv_id:
                at_id.setdefault(out[i].arxiv_id, i)  # type: ignore[arg-type]


_WORD = re.compile(r"[^\W_]+")


def _same_paper(a: str, b: str) -> bool:
    """Whether two abstracts given one id look like versions of one abstract: most of the
    words of the shorter one are in the other (rewording and extraction glitches aside)."""
    wa, wb = set(_WORD.findall(a.casefold())), set(_WORD.findall(b.casefold()))
    return len(wa & wb) >= 0.6 * min(len(wa), len(wb))


def _merge(a: SeedRecord, b: SeedRecord) -> SeedRecord:
    versions = [v for v in (a.version, b.version) if v is not None]
    return replace(
        a,
        sources=a.sources + tuple(s for s in b.sources if s not in a.sources),
        arxiv_id=a.arxiv_id or b.arxiv_id,
        version=max(versions) if versions else None,
        comment=a.comment or b.comment,
        label=a.label or b.label,
        title=a.title or b.title,
    )


def _record(name: str, form: str, raw: fmt.RawRecord) -> SeedRecord:
    # What SeedRecord(...) does, without the frozen dataclass's per-field
    # object.__setattr__: reading 100,000 records is a benchmarked path.
    rec = _new(SeedRecord)
    abstract = squash(raw.abstract)
    rec.__dict__.update(
        sources=((name, raw.line),),
        arxiv_id=raw.arxiv_id,
        version=raw.version,
        abstract=abstract,
        comment=squash(raw.comment) if raw.comment else None,
        label=raw.label,
        title=squash(raw.title) if raw.title else None,
        format=form,
    )
    return rec


_new = object.__new__


def squash(text: str) -> str:
    """``text`` with runs of whitespace as single spaces, no space at either end."""
    if text.isascii() and "  " not in text and "\t" not in text and "\n" not in text and "\r" not in text:
        return text.strip(" ")
    return " ".join(text.split())


_SNIFF = 8192
"""Bytes read first to tell text from binary (a stray video in seeds/ is not read whole)."""


def _encoding(name: str, head: bytes) -> str | None:
    """The encoding of a file that starts with ``head``: UTF-16 (with or without a BOM),
    or None for UTF-8 / Windows-1252. A binary file raises."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        # Mostly-ASCII UTF-16: every other byte is NUL, the others mostly printable.
        even, odd = head[0::2], head[1::2]
        for codec, zeros, chars in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
            if len(head) >= 4 and zeros.count(0) >= 0.9 * len(zeros) and _printable(chars) >= 0.9 * len(chars):
                return codec
        raise InputError(name, None, f"binary file, not text; {fmt.EXPECTED}")
    return None


_NOT_PRINTABLE = bytes(c for c in range(256) if c < 0x20 and c not in b"\t\n\r")


def _printable(data: bytes) -> int:
    """How many bytes of ``data`` are not control characters."""
    return len(data.translate(None, _NOT_PRINTABLE))


_SNIFFED_HERE = "sniff"
"""`_lines`' default: find the encoding from the data (None, `_encoding`'s answer, is UTF-8)."""


def _lines(name: str, data: bytes, encoding: str | None = _SNIFFED_HERE) -> list[str]:
    """Decoded lines: BOM dropped, CRLF/CR as LF; a binary file raises.

    UTF-8 (with or without a BOM) unless ``encoding`` (`_encoding`) says UTF-16; text that is
    not UTF-8 is read as Windows-1252, with a warning naming the first line that is not UTF-8.
    """
    if encoding == _SNIFFED_HERE:
        encoding = _encoding(name, data[:_SNIFF])
    if encoding is not None:
        try:
            text = data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise InputError(name, None, f"binary file, not text; {fmt.EXPECTED}") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            body = data.removeprefix(codecs.BOM_UTF8)  # (exc.start counts from after a BOM)
            try:
                text = body.decode("cp1252")
            except UnicodeDecodeError:
                raise InputError(name, None, f"binary file, not text; {fmt.EXPECTED}") from None
            before = body[: exc.start]  # lines as they are split below: CRLF, CR or LF
            line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
            log.warning("%s:%d: not UTF-8, read as Windows-1252: if accents or quotes look wrong, "
                        "save the file as UTF-8", name, line)  # fmt: skip
    sample = text[:8192]
    if len(_CONTROL.findall(sample)) > len(sample) // 100:
        raise InputError(name, None, f"binary file, not text; {fmt.EXPECTED}")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def _read(name: str, lines: list[str]) -> tuple[str, list[fmt.RawRecord]]:
    """Read ``lines`` with the first reader of `formats.READERS` that recognises them."""
    sample = fmt.Sample(lines)
    for reader in fmt.READERS:
        if reader.detect(sample):
            return reader.name, reader.read(name, lines)
    raise InputError(name, None, f"not a seed file; {fmt.EXPECTED}")
