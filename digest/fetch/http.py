"""The transport under `digest.fetch.client`: requests sessions with a deadline for each whole
request, the User-Agent, and a server's ``Retry-After``.

requests applies its timeout to each socket operation, so a server sending one byte
now and then holds a request for ever. `ArxivClient` sets `DEADLINE` for an attempt;
the connections of a `session` read every response (status line, headers and body)
through `_DeadlineReader`, which gives each socket read only the time left and fails
once none is.

requests and urllib3 are imported only when the first session is made (the adapter's
classes subclass theirs), so importing `digest.fetch` stays cheap.
"""

from __future__ import annotations

import contextvars
import functools
import io
import socket
import time
from datetime import timezone
from typing import TYPE_CHECKING, Any

from digest import clock

if TYPE_CHECKING:
    import requests

DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("digest_arxiv_deadline", default=None)
"""When the current attempt must be over (`time.monotonic`); None: no deadline."""


class _DeadlineReader(io.RawIOBase):
    """A socket's reads, each limited to the time left until ``deadline`` (monotonic)."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)  # holds the socket open, as http.client's own file does
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        self._sock.settimeout(left)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineSocket:
    """What http.client's response sees as its socket: only ``makefile`` is used."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))



@functools.cache
def _adapter_class() -> type[Any]:
    """requests' adapter with connections that honour `DEADLINE` (an HTTP(S) proxy too); made once."""
    import http.client

    import urllib3
    from requests.adapters import HTTPAdapter

    class _DeadlineHTTPResponse(http.client.HTTPResponse):
        def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
            deadline = DEADLINE.get()
            super().__init__(_DeadlineSocket(sock, deadline) if deadline is not None else sock, *args, **kwargs)

    class _HTTPConnection(urllib3.connection.HTTPConnection):
        response_class = _DeadlineHTTPResponse

    class _HTTPSConnection(urllib3.connection.HTTPSConnection):
        response_class = _DeadlineHTTPResponse

    class _HTTPConnectionPool(urllib3.HTTPConnectionPool):
        ConnectionCls = _HTTPConnection

    class _HTTPSConnectionPool(urllib3.HTTPSConnectionPool):
        ConnectionCls = _HTTPSConnection

    pools = {"http": _HTTPConnectionPool, "https": _HTTPSConnectionPool}

    class _DeadlineAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **proxy_kwargs)
            if isinstance(manager, urllib3.ProxyManager):  # not SOCKS: its pools are its own
                manager.pool_classes_by_scheme = pools
            return manager

    return _DeadlineAdapter


def session(user_agent: str) -> requests.Session:
    """A requests session whose HTTP(S) connections honour `DEADLINE`, sending ``user_agent``."""
    import requests

    s = requests.Session()
    s.headers["User-Agent"] = user_agent
    adapter = _adapter_class()
    for prefix in ("http://", "https://"):
        s.mount(prefix, adapter())
    return s


def user_agent() -> str:
    """A descriptive User-Agent, as arXiv asks: tool, version, where to read about it."""
    from importlib.metadata import PackageNotFoundError, version

    import arxiv
    import requests

    try:
        ours = version("arxiv-digest")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout
        ours = "0"
    return f"digest/{ours} (arXiv roundup newsletter tool; arxiv.py/{arxiv.__version__}; python-requests/{requests.__version__})"


def retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (a number, or an HTTP date, counted from
    `digest.clock.now`); None when absent or unreadable. arXiv's client and the publishing
    platforms' both read it here."""
    from email.utils import parsedate_to_datetime

    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - clock.now()).total_seconds())

