"""`digest triage`: every candidate of an issue on a local page, best first, kept or dismissed by key.

    triage = Triage.open(settings, date(2025, 6, 9))     # the issue's pool from the store, ranked
    server = TriageServer(triage, port=0)                  # http://127.0.0.1:PORT/, a per-run secret
    server.serve()                                         # until Ctrl-C (or `close` from another thread)

`digest new` drafts only the top ``max_candidates`` of a week into
``issues/DATE.md``; the store remembers every candidate it ranked (the
issue's *pool*). This package shows the whole pool (`session.Triage`) and
serves it on 127.0.0.1 (`server.TriageServer`), with the page's own HTML,
JavaScript and CSS in ``static/`` (no CDN, no build step).

Keeping a paper appends its canonical section (`digest.draft.text.paper_section`)
to the issue under the newsletter lock, over whatever the file holds at that
moment; dismissing only records the decision; taking a keep back removes the
section only while it is exactly as appended with nothing of the editor's
under it. The rules, keys and the security model are in docs/triage.md.

May import: errors, clock, ids, paper, files, tex, schedule, loopback, config, query, lock, store, issue, fetch, seeds, draft, render.
"""

from __future__ import annotations

from digest.triage.server import TriageServer
from digest.triage.session import Outcome, Triage, TriageError, default_date

__all__ = ["Outcome", "Triage", "TriageError", "TriageServer", "default_date"]
