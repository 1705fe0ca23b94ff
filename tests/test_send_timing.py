"""`digest send` names a tls/starttls mismatch at once, and a silent server within the
configured timeouts: real servers on loopback (aiosmtpd with real TLS, a relay that holds a
greeting back, a socket that never speaks), the timeouts patched small, no sleeps.

The elapsed-time bounds are generous (seconds against tenths); each is well under what the
design before probing on a second connection took (the greeting timeout, or twice it).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_send import ALICE, ca, send, smtp_env, start_server  # noqa: F401 - fixtures, used by name

import digest.deliver
import digest.deliver.smtp


def timeouts(monkeypatch: pytest.MonkeyPatch, *, greeting: float, handshake: float, probe: float = 0.05,
             command: float = 30.0) -> None:  # fmt: skip
    monkeypatch.setattr(digest.deliver, "GREETING_TIMEOUT", greeting)
    monkeypatch.setattr(digest.deliver, "HANDSHAKE_TIMEOUT", handshake)
    monkeypatch.setattr(digest.deliver, "TIMEOUT", command)
    monkeypatch.setattr(digest.deliver, "TLS_PROBE_AFTER", probe, raising=False)


def timed_send(monkeypatch: pytest.MonkeyPatch, port: int, security: str) -> tuple[int, str, float]:
    monkeypatch.setenv("DIGEST_SMTP_PORT", str(port))
    monkeypatch.setenv("DIGEST_SMTP_SECURITY", security)
    start = time.monotonic()
    code, _, err = send("--to", ALICE)
    return code, err, time.monotonic() - start


MISMATCH = ("smtp.security: 127.0.0.1:{port} speaks implicit TLS, not STARTTLS; set smtp.security = \"tls\","
            " or smtp.port to the server's STARTTLS port (usually 587)\n")  # fmt: skip


def test_starttls_against_an_implicit_tls_port_is_named_without_waiting_for_a_greeting(
    smtp_env: Path, ca: Any, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    # No greeting within TLS_PROBE_AFTER: a TLS handshake on a second connection is answered.
    # The greeting timeout (here 5 s, 10 s in use) is not waited for.
    timeouts(monkeypatch, greeting=5.0, handshake=5.0)
    controller, sink = start_server(ca, "tls")
    try:
        code, err, took = timed_send(monkeypatch, controller.port, "starttls")
    finally:
        controller.stop()
    assert (code, err) == (2, MISMATCH.format(port=controller.port)) and sink.messages == []
    assert took < 3.0


def test_port_465_is_probed_for_tls_at_once(smtp_env: Path, ca: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    # RFC 8314's implicit-TLS port: no greeting wait at all (TLS_PROBE_AFTER is huge here).
    timeouts(monkeypatch, greeting=5.0, handshake=5.0, probe=60.0)
    controller, sink = start_server(ca, "tls")
    monkeypatch.setattr(digest.deliver.smtp, "IMPLICIT_TLS_PORT", controller.port, raising=False)
    try:
        code, err, took = timed_send(monkeypatch, controller.port, "starttls")
    finally:
        controller.stop()
    assert (code, err) == (2, MISMATCH.format(port=controller.port)) and took < 3.0


class LateGreeter:
    """A relay to a STARTTLS server that holds back all the server says until a second
    connection arrives: a plain server slow to greet (it greets the second one as well)."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.released = threading.Event()
        self.accepted = 0
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.accepted >= 2:
                self.released.set()
            server = socket.create_connection(("127.0.0.1", self.upstream))
            self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, held: bool) -> None:
        try:
            while data := source.recv(65536):
                if held:
                    self.released.wait()
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.released.set()
        for s in [self.listener, *self.sockets]:
            s.close()


def test_a_plain_server_slow_to_greet_is_not_taken_for_tls(smtp_env: Path, ca: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    # The probe's connection is what makes this server greet: the first connection hears its
    # greeting while the probe fails on it, and the send goes through on the first connection.
    timeouts(monkeypatch, greeting=5.0, handshake=5.0)
    controller, sink = start_server(ca, "starttls")
    relay = LateGreeter(controller.port)
    try:
        code, err, took = timed_send(monkeypatch, relay.port, "starttls")
    finally:
        relay.close()
        controller.stop()
    assert (code, err) == (0, "") and len(sink.messages) == 1 and relay.accepted == 2
    assert took < 3.0


@pytest.fixture()
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never says a word."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as listener:
        yield listener.getsockname()[1]


def test_a_silent_server_costs_the_greeting_timeout_once(smtp_env: Path, silent_port: int, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    timeouts(monkeypatch, greeting=0.5, handshake=5.0, command=5.0)
    code, err, took = timed_send(monkeypatch, silent_port, "starttls")
    assert code == 3 and err == (f"127.0.0.1:{silent_port}: no SMTP greeting within 0.5 s (and no TLS either);"
                                 " check smtp.host and smtp.port, or try again later\n")  # fmt: skip
    assert took < 3.0
    assert Path(".digest/sent/2022-10-23.log").read_text() == ""


def test_a_silent_server_costs_the_handshake_timeout_once(smtp_env: Path, silent_port: int, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    timeouts(monkeypatch, greeting=5.0, handshake=0.5, command=5.0)
    code, err, took = timed_send(monkeypatch, silent_port, "tls")
    assert code == 3 and err == (f"127.0.0.1:{silent_port}: no TLS handshake within 0.5 s (and no SMTP greeting"
                                 " either); check smtp.host and smtp.port, or try again later\n")  # fmt: skip
    assert took < 3.0
