"""`Ahead`: one call run in a background thread, its answer (or its exception) collected later.

`ArxivClient.search_pages` uses it to request and parse page N+1 while the caller stores
page N, when there is no delay between requests to hide that work in. Requests stay one at
a time: the next is made only after the caller has received this one's page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Ahead(Generic[T]):
    """``call()`` started now in a daemon thread; `result` waits for it.

    Daemon, and never joined unless asked: a caller that stops early (an error while storing,
    Ctrl-C) is not held up by a request it no longer wants; its answer is dropped.
    """

    def __init__(self, call: Callable[[], T], name: str = "digest-ahead") -> None:
        self._call = call
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as exc:  # handed to whoever asks for the result, in its thread
            self._error = exc

    def result(self) -> T:
        """The call's answer, once it is done; its exception is raised here, in the caller's thread."""
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._value  # type: ignore[return-value]
