"""How a request to arXiv fails: the errors callers see, and the retryable failures inside.

`ArxivQueryError` (arXiv rejected the query; never retried) and `ArxivUnavailable`
(retries ran out; `ShortAnswer` when the answer kept being shorter than what the
store holds) reach callers. `_Retry` is a failure worth another try inside
`ArxivClient`; `exhausted` turns it into the error to raise when the tries run out.
"""

from __future__ import annotations

from digest.errors import DigestError, UnavailableError


class ArxivQueryError(DigestError):
    """arXiv answered with an error feed: the query or an id is malformed (not retried)."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        self.message = message
        super().__init__(f"arXiv rejected the request: {message} ({url}); check arxiv.query / the ids given")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # crosses a process pool whole, as InputError does
        return (type(self), (self.url, self.message))


class ArxivUnavailable(UnavailableError):
    """Retries ran out: ``what`` failed at ``url`` after ``attempts`` tries."""

    def __init__(self, url: str, attempts: int, what: str) -> None:
        self.url = url
        self.attempts = attempts
        self.what = what
        super().__init__(f"{what} after {attempts} attempts ({url})")

    def __reduce__(self) -> tuple[type, tuple[str, int, str]]:
        return (type(self), (self.url, self.attempts, self.what))


class ShortAnswer(ArxivUnavailable):
    """arXiv kept reporting ``total`` entries where the store already holds ``minimum``."""

    def __init__(self, url: str, attempts: int, what: str, total: int, minimum: int) -> None:
        self.total = total
        self.minimum = minimum
        super().__init__(url, attempts, what)

    def __reduce__(self) -> tuple[type, tuple[str, int, str, int, int]]:  # type: ignore[override]
        return (type(self), (self.url, self.attempts, self.what, self.total, self.minimum))


class _Retry(Exception):
    """A failure worth another try; ``wait`` is the server's Retry-After, if any."""

    def __init__(self, what: str, wait: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.wait = wait

    def exhausted(self, url: str, attempts: int, what: str) -> ArxivUnavailable:
        """The error to raise when retries run out."""
        return ArxivUnavailable(url, attempts, what)


class _Short(_Retry):
    def __init__(self, total: int, minimum: int) -> None:
        super().__init__(f"arXiv reports {total} entries where {minimum} are known")
        self.total = total
        self.minimum = minimum

    def exhausted(self, url: str, attempts: int, what: str) -> ArxivUnavailable:
        return ShortAnswer(url, attempts, what, self.total, self.minimum)
