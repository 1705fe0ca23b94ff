"""`digest triage`: see docs/triage.md."""

from __future__ import annotations
