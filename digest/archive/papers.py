"""The paper data a build needs from the store and the seeds, read only as it needs it.

A build of a few changed issues asks the store for their papers alone, and an archive whose
issues carry every paper's metadata (as `digest new` drafts them) never reads the seed folder.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from digest import seeds as seedfiles
from digest.config import Settings
from digest.errors import DigestError
from digest.render.papers import PaperSources
from digest.store import Store

log = logging.getLogger(__name__)


class LazySources(PaperSources):
    """`PaperSources` filled as the build learns which papers it needs: the store is asked for
    each new batch of ids, and the seed folder is read at most once per build, only if needed."""

    def __init__(self, settings: Settings) -> None:
        super().__init__({}, {})
        self._store_path = settings.path("store")
        self._seeds_dir = settings.path("seeds")
        self._asked: set[str] = set()
        self._seed_records: dict[str, Any] | None = None

    def need(self, ids: Iterable[str]) -> None:
        new = set(ids) - self._asked
        if not new:
            return
        self._asked |= new
        if self._store_path.is_file():
            store = Store.open_existing(self._store_path)
            if store is not None:
                with store:
                    self.store.update(store.get_many(sorted(new)))
        if self._seeds_dir.is_dir():
            if self._seed_records is None:
                try:
                    # through the module: tests count the reads
                    self._seed_records = seedfiles.by_id(seedfiles.read_seed_folder(self._seeds_dir, strict=False))
                except DigestError as exc:  # a broken seed file must not stop a build; `digest seeds` reports it
                    log.warning("%s", exc)
                    self._seed_records = {}
            for pid in new & self._seed_records.keys():
                self.seeds[pid] = self._seed_records[pid].to_paper()
