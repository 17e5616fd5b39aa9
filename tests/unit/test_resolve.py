"""gate.api.resolve: a name lookup inside the request's bound, with a stand-in resolver (socket.getaddrinfo replaced for
one name; every other lookup is the real one). tests/acceptance/test_resolver_e2e.py does it with a real resolver."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gate.api import transport
from gate.api.resolve import ResolveTimeout, addresses
from gate.emulator import Emulator
from gate.errors import TransientError

NAME = "api.codecatalyst-gate.test"
TOKEN = "resolve-test-token"
_real = socket.getaddrinfo


def info(address: str, port: int) -> tuple[Any, ...]:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return (family, socket.SOCK_STREAM, 6, "", (address, port) if family == socket.AF_INET else (address, port, 0, 0))


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., threading.Event]]:
    """`resolver(answer)`: NAME resolves to `answer` (a list of infos, or an exception) once the returned event is
    set, or at once with `silent=False`. Events still unset at the end are set, so no lookup outlives the test."""
    events: list[threading.Event] = []
    asked: list[str] = []

    def install(answer: Any, *, silent: bool = False) -> threading.Event:
        release = threading.Event()
        if not silent:
            release.set()
        events.append(release)

        def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host != NAME:
                return _real(host, port, *args, **kwargs)
            asked.append(host)
            release.wait()
            if isinstance(answer, BaseException):
                raise answer
            return answer

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        return release

    yield install
    for event in events:
        event.set()


def test_an_address_is_not_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: pytest.fail("looked up"))
    assert addresses("127.0.0.1", 443, within=0.0) == ["127.0.0.1"]
    assert addresses("fe80::1%2", 443, within=0.0) == ["fe80::1%2"]


def test_a_silent_resolver_is_given_up_on_in_time(resolver) -> None:
    resolver([info("127.0.0.1", 443)], silent=True)
    with pytest.raises(ResolveTimeout) as caught:
        addresses(NAME, 443, within=0.2)
    assert (caught.value.host, caught.value.seconds, caught.value.errno) == (NAME, 0.2, socket.EAI_AGAIN)


def test_answers_keep_the_resolvers_order_once_each(resolver) -> None:
    link_local = (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("fe80::1", 443, 0, 3))
    resolver([info("::1", 443), info("127.0.0.1", 443), info("::1", 443), link_local])
    assert addresses(NAME, 443, within=1.0) == ["::1", "127.0.0.1", "fe80::1%3"]
    assert addresses(NAME, 443, within=None) == ["::1", "127.0.0.1", "fe80::1%3"]


def test_a_resolver_error_is_raised_as_it_came(resolver) -> None:
    resolver(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    with pytest.raises(socket.gaierror, match="Name or service not known") as caught:
        addresses(NAME, 443, within=1.0)
    assert not isinstance(caught.value, ResolveTimeout)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(token=TOKEN) as emu:
        yield emu


def run_url(emulator: Emulator, host: str) -> str:
    run = emulator.start_run(workflow="MyDemoWorkflow")
    return f"http://{host}:{emulator.port}/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns/{run.id}"


def test_a_request_resolves_inside_its_bound_and_says_dns(resolver, emulator: Emulator) -> None:
    resolver([info("127.0.0.1", emulator.port)], silent=True)
    with transport.Transport(env={}) as wire, pytest.raises(TransientError) as caught:
        wire.send("GET", run_url(emulator, NAME), limit=0.3,
                       headers={"Authorization": f"Bearer {TOKEN}"})
    assert caught.value.reason == (f"DNS lookup for {NAME} got no answer within 0.3 s (check the resolver: "
                                   "/etc/resolv.conf or the network's DNS)")
    assert not caught.value.reached and not emulator.requests


def test_every_address_is_tried_in_turn(resolver, emulator: Emulator) -> None:
    """127.0.0.2 is loopback too, and nothing listens there on the emulator's port: refused, then the next."""
    resolver([info("127.0.0.2", emulator.port), info("127.0.0.1", emulator.port)])
    with transport.Transport(env={}) as wire:
        answer = wire.send("GET", run_url(emulator, NAME), headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status == 200 and len(emulator.requests) == 1


def test_a_real_name_resolves(emulator: Emulator) -> None:
    with transport.Transport(env={}) as wire:
        answer = wire.send("GET", run_url(emulator, "localhost"),
                                headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status == 200
