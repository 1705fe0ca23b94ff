"""The present, in one place: `now()` is what every "when" in digest asks.

Tests replace it (``monkeypatch.setattr(digest.clock, "now", fake)``) to replay
weeks of cron runs against a stand-in arXiv without sleeping; callers must
look it up as ``clock.now()`` at call time, never ``from digest.clock import now``.

May import: nothing (the foundation every other part stands on).
"""

from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def stamp() -> str:
    """`now` as the ISO text the store keeps (seconds, UTC)."""
    return now().isoformat(timespec="seconds")
