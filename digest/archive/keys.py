"""The build's cache keys: what an issue's output depends on, hashed.

`global_key` covers what every issue depends on (digest's own code, the
templates, the settings rendering reads, the formats); `issue_key` adds the
issue's source, the paper data the store and the seeds hold for its papers
(`fingerprint`) and its previous and next issue. `shown` hashes what the
index shows of an issue, so an edit to its notes alone leaves the index be.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import digest
from digest.archive.index import INDEX_FIELDS
from digest.archive.manifest import MANIFEST_VERSION, IssueRecord
from digest.config import Settings
from digest.paper import Paper
from digest.render import PACKAGE_TEMPLATES
from digest.render.papers import PaperSources

RENDER_SETTINGS = ("name", "author", "url", "title_format", "sponsor", "timezone", "unannotated")
"""Top-level settings that change rendered output (with every `email.*` key and the templates)."""


def sha(*parts: str | bytes) -> str:
    """sha256 of the parts, each followed by a NUL byte."""
    if all(isinstance(part, str) for part in parts):  # one buffer: a key per issue, thousands of issues
        return hashlib.sha256(("\0".join(parts) + "\0").encode("utf-8")).hexdigest()  # type: ignore[arg-type]
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def _tree_digest(folder: Path | None, h: Any) -> None:
    if folder is None or not folder.is_dir():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")


def global_key(settings: Settings, formats: tuple[str, ...]) -> str:
    """Hash of what every issue's output depends on: code, templates, settings, formats."""
    # digest's own code is hashed below, which covers its version without the ~40 ms
    # importlib.metadata takes to look the version up.
    h = hashlib.sha256(f"manifest {MANIFEST_VERSION} {','.join(formats)}\0".encode())
    code = Path(digest.__file__).parent
    for path in sorted(code.rglob("*.py")):  # every subpackage: a change anywhere re-renders
        h.update(path.relative_to(code).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    _tree_digest(PACKAGE_TEMPLATES, h)
    _tree_digest(settings.path("templates"), h)
    # Only the settings rendering reads: fetching, ranking and SMTP settings (or cron's
    # DIGEST_ARXIV_* variables) must not re-render the whole archive.
    values = {k: getattr(settings, k) for k in RENDER_SETTINGS}
    values["email"] = dataclasses.asdict(settings.email)
    h.update(json.dumps(values, sort_keys=True, default=str).encode())
    return h.hexdigest()


def fingerprint(sources: PaperSources, ids: list[str]) -> str:
    """Hash of what the store and the seeds say about ``ids`` (the fields `digest.paper.fill` reads)."""
    parts = []
    for pid in ids:
        known = [sources.store.get(pid), sources.seeds.get(pid)]
        fields = [
            {f.name: getattr(p, f.name) for f in dataclasses.fields(Paper) if f.name not in ("extra", "source", "announced")}
            if p
            else None
            for p in known
        ]
        parts.append([pid, *fields])
    return sha(json.dumps(parts, default=str))


NO_PAPERS = sha(json.dumps([]))
"""`fingerprint` of no ids (a `digest new` draft's), without the JSON round."""


def issue_key(gkey: str, record: IssueRecord, sources: PaperSources, prev: IssueRecord | None, nxt: IssueRecord | None) -> str:
    """Hash of everything ``record``'s outputs depend on: `global_key`, its source, its papers'
    data, and its neighbours' stems and titles (its previous/next links)."""
    fp = fingerprint(sources, record.fill_ids) if record.fill_ids else NO_PAPERS
    return sha(gkey, record.source, fp, *_nav_parts(prev), *_nav_parts(nxt))


def _nav_parts(r: IssueRecord | None) -> tuple[str, str]:
    return (r.stem, r.title) if r else ("", "")


def shown(r: IssueRecord) -> str:
    """What the index shows of ``r``: its row and its papers (titles included), not its notes."""
    row = [getattr(r, k) for k in INDEX_FIELDS]
    return sha(json.dumps([row, [(c[0], c[2], c[3]) for c in r.covered]]))
