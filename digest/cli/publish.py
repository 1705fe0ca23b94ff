"""`digest publish`: see docs/publish.md."""

from __future__ import annotations
