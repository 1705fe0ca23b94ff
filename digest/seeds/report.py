"""`digest seeds`: read seed files, resolve ids, report per file and per record.

The orchestration behind the command (the CLI only parses and prints):
reading, cross-file dedup, resolution (`digest.seeds.resolve`) and the batched
metadata lookup, with arXiv being unavailable turned into a partial report.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from digest.errors import UnavailableError
from digest.seeds import SeedRecord, dedup, read_seed_file
from digest.seeds.resolve import MISS_DAYS, Resolution, cache_key, cached_ids, resolve
from digest.store import Store

if TYPE_CHECKING:
    from digest.fetch.client import ArxivClient

log = logging.getLogger(__name__)

MISSING_PREFIX = "seed-missing-id:"
"""``kv`` rows for seed ids arXiv did not return (value: the day it was asked)."""




@dataclass
class SeedsReport:
    """What `digest seeds` shows: per-file totals, every record and how its id was found."""

    files: list[dict[str, Any]]
    resolutions: list[Resolution]
    resolved: bool = False
    online: bool = False
    requests: int = 0
    metadata: MetadataReport | None = None
    error: str | None = None
    """Why the online part stopped (arXiv unavailable); what was found is kept."""

    def counts(self) -> dict[str, int]:
        return dict(Counter(r.how for r in self.resolutions))

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "records": [
                {"sources": [list(s) for s in r.record.sources], "arxiv_id": r.arxiv_id, "version": r.record.version,
                 "how": r.how, "cached": r.cached, "score": r.score, "note": r.note or None,
                 "label": r.record.label, "comment": r.record.comment, "title": r.record.title,
                 "abstract": r.record.abstract}
                for r in self.resolutions
            ],  # fmt: skip
            "counts": self.counts(),
            "resolved": self.resolved,
            "online": self.online,
            "requests": self.requests + (self.metadata.requests if self.metadata else 0),
            "metadata": None if self.metadata is None else {
                "wanted": self.metadata.wanted, "fetched": self.metadata.fetched, "missing": self.metadata.missing,
                "requests": self.metadata.requests},  # fmt: skip
            "error": self.error,
        }


def run_seeds(paths: Sequence[str], store_path: str, *, resolve_ids: bool = False,
              client: ArxivClient | None = None) -> SeedsReport:  # fmt: skip
    """Read ``paths``; with ``resolve_ids`` resolve id-less abstracts (online when
    ``client`` is given) and fetch metadata for seed ids the store lacks.

    Without ``resolve_ids`` only earlier resolutions (the cache) are shown and
    nothing is written.
    """

    records: list[SeedRecord] = []
    files = []
    for path in paths:
        recs = read_seed_file(path)
        files.append({"file": str(path), "records": len(recs), "with_id": sum(1 for r in recs if r.arxiv_id),
                      "format": recs[0].format if recs else None})  # fmt: skip
        records.extend(recs)
    records = dedup(records, warn=True)
    if not resolve_ids:
        store = Store.open_existing(store_path)
        if store is None:
            found: dict[str, str] = {}
        else:
            with store:
                found = cached_ids(records, store)
        resolutions = [
            Resolution(r, r.arxiv_id, "seed") if r.arxiv_id
            else Resolution(r, found[cache_key(r)], "cache", cached=True) if cache_key(r) in found
            else Resolution(r, None, "unresolved", note="not resolved yet (use --resolve)")
            for r in records
        ]  # fmt: skip
        return SeedsReport(files, resolutions)
    report = SeedsReport(files, [], resolved=True, online=client is not None)
    with Store.open(store_path) as store:
        try:
            result = resolve(records, store, client)
        except UnavailableError as exc:
            log.warning("arXiv unavailable; showing what the store knows (%s)", exc)
            report.error, report.online = str(exc), False
            result = resolve(records, store, None)
        report.requests = result.requests
        if client is not None and report.online:
            try:
                report.metadata = fetch_seed_metadata(result.records(), store, client)
            except UnavailableError as exc:  # the ids are resolved; only their metadata is missing
                log.warning("arXiv unavailable; showing what the store knows (%s)", exc)
                report.error, report.online = str(exc), False
        report.resolutions = result.resolutions
    return report


@dataclass
class MetadataReport:
    wanted: int = 0
    """Seed ids the store did not hold."""
    fetched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Ids arXiv did not return."""
    requests: int = 0


def fetch_seed_metadata(records: Iterable[SeedRecord], store: Store, client: ArxivClient, *,
                        today: date | None = None) -> MetadataReport:  # fmt: skip
    """Look up, in ``id_list`` batches, the seed ids whose paper the store lacks; store them.

    Ids arXiv does not return are remembered and not asked again for `MISS_DAYS`.
    """
    today = today or date.today()
    ids = sorted({r.arxiv_id for r in records if r.arxiv_id})
    held = store.get_many(ids)
    missed = store.values(MISSING_PREFIX)
    recent = {k[len(MISSING_PREFIX) :] for k, v in missed.items() if date.fromisoformat(v) > today - timedelta(days=MISS_DAYS)}
    report = MetadataReport(wanted=sum(1 for i in ids if i not in held))
    report.missing = sorted(i for i in ids if i not in held and i in recent)
    wanted = [i for i in ids if i not in held and i not in recent]
    if not wanted:
        return report
    before = client.counters.requests
    found, missing = client.fetch_ids(wanted)
    with store.transaction():
        store.upsert(found.values())
        for pid in missing:
            store.set_value(MISSING_PREFIX + pid, today.isoformat())
    report.fetched = sorted(found)
    report.missing = sorted(report.missing + missing)
    report.requests = client.counters.requests - before
    return report

