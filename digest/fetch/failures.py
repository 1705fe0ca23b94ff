"""How a request to arXiv fails: the errors callers see, and the retryable failures inside.

`ArxivQueryError` (arXiv rejected the query; never retried) and `ArxivUnavailable`
(retries ran out; `ShortAnswer` when the answer kept being shorter than what the
store holds) reach callers. `_Retry` is a failure worth another try inside
`ArxivClient`; `exhausted` turns it into the error to raise when the tries run out.
"""

from __future__ import annotations

from digest.errors import DigestError, UnavailableError, UsageError


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


_NOT_TLS = ("wrong version number", "record layer failure", "packet length too long", "unknown protocol", "http request")


def tls_mismatch(url: str, exc: BaseException) -> DigestError | None:
    """The error to raise when TLS with ``url`` cannot work however often it is tried: the server
    does not speak TLS there (a setting: `UsageError`, exit 2), or its certificate is not one this
    machine trusts or is out of its dates by this machine's clock (exit 1); None for a failure a
    retry may get past (a connection dropped mid-handshake)."""
    text = str(exc)
    low = text.lower()
    reason = text.rsplit("(_ssl.c", 1)[0].rsplit("] ", 1)[-1].strip(" (")[:160]
    if "certificate has expired" in low or "not yet valid" in low:  # arXiv's is renewed in time: the clock is off
        return DigestError(f"{url}: the server's TLS certificate is {'out of date' if 'expired' in low else 'not valid yet'}"
                           f" by this computer's clock ({reason}); check the clock (date, time and time zone)")  # fmt: skip
    if "certificate verify failed" in low or "certificate_verify_failed" in low:
        return DigestError(f"{url}: the server's TLS certificate is not trusted ({reason}); check arxiv.api_url /"
                           " arxiv.rss_url, or point REQUESTS_CA_BUNDLE at the certificate of a proxy that intercepts TLS")  # fmt: skip
    if any(m in low for m in _NOT_TLS):
        # a setting to correct (https:// to a plain port): exit 2, as an answer that is not arXiv's API
        return UsageError(f"{url}: the server does not speak TLS there ({reason}); check arxiv.api_url /"
                          " arxiv.rss_url: http:// or https://, and the port")  # fmt: skip
    return None


def status_error(url: str, status: int) -> str:
    """The line for an API answer that is neither a page nor arXiv's error feed (429 and 5xx
    are retried before this): the URL shortened, so a long query does not fill the terminal."""
    shown = url if len(url) <= 300 else f"{url[:240]}... ({len(url)} characters)"
    if status == 414:  # what arXiv (and any HTTP server) says to a request line too long to read
        return f"{shown}: HTTP 414, the request is too long for the server; shorten arxiv.query"
    return f"{shown}: HTTP {status}; check arxiv.api_url (or DIGEST_ARXIV_API_URL)"
