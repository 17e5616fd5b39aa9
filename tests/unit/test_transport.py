"""gate.api.transport: the wall-clock bound, the size cap and readable failures, over real loopback HTTP(S)
against the emulator (trickled, stalled, oversized and bomb answers), plus its pure parts."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers

from gate.api import decoding, transport
from gate.api.proxies import proxy_variable
from gate.emulator import Emulator
from gate.emulator.faults import _bomb
from gate.errors import ExitCode, InvalidResponse, PermanentNetworkError, TransientError
from tests.netutil import ConnectProxy, TlsFiles, closed_port, tls_files

TOKEN = "transport-test-token"
# Far below what an unbounded request takes here (a trickled answer: a minute and more), far above the bound
# (0.5 s) plus a busy machine: a real failure can't pass, a slow machine can't fail.
GENEROUS = 10.0


@pytest.fixture
def wire() -> Iterator[transport.Transport]:
    """The transport with an empty environment: no proxy, no CA bundle but the system's."""
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {TOKEN}"
        yield transport.Transport(env={}, session=s)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return tls_files(tmp_path_factory.mktemp("tls"))


def run_url(emulator: Emulator) -> str:
    run = emulator.start_run(workflow="MyDemoWorkflow")
    return f"{emulator.base_url}/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns/{run.id}"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(token=TOKEN) as emu:
        yield emu


# --- pure parts -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("limit", "remaining", "expected"), [
    (30.0, None, 30.0), (30.0, 4.0, 4.0), (30.0, 0.0, 1.0), (30.0, 0.4, 1.0), (2.0, 10.0, 2.0)])
def test_time_limit_is_the_limit_but_never_past_the_deadline(limit: float, remaining: float | None,
                                                             expected: float) -> None:
    assert transport.time_limit(limit, remaining) == expected


def pieces(data: bytes, size: int = 7) -> Iterator[bytes]:
    return (data[i:i + size] for i in range(0, len(data), size))


DOCUMENT = b'{"status": "SUCCEEDED", "padding": "' + b"ab" * 5000 + b'"}'


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(("encoding", "encode"), [
    ("", lambda d: d),
    ("identity", lambda d: d),
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("GZIP", gzip.compress),
    ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
    ("deflate", raw_deflate),  # raw, as some servers send it
    ("gzip", lambda d: gzip.compress(d[:100]) + gzip.compress(d[100:])),  # two members
    ("deflate, gzip", lambda d: gzip.compress(zlib.compress(d))),  # applied in order: undone in reverse
])
def test_content_encodings_are_undone_step_by_step(encoding: str, encode: object) -> None:
    assert callable(encode)
    body = b"".join(decoding.decoded(pieces(encode(DOCUMENT)), encoding))
    assert body == DOCUMENT


@pytest.mark.parametrize(("encoding", "named"), [
    ("br", "Content-Encoding br"), ("zstd", "Content-Encoding zstd"), ("gzip, br", "Content-Encoding br"),
    ("::error::ccpat-token", "an unknown Content-Encoding")])  # server text is never repeated
def test_encodings_the_gate_did_not_ask_for_are_invalid(encoding: str, named: str) -> None:
    with pytest.raises(InvalidResponse) as caught:
        b"".join(decoding.decoded(iter([b"x"]), encoding))
    assert str(caught.value) == f"the answer uses {named}, which the gate did not ask for (it accepts gzip, deflate)"
    assert caught.value.exit_code == ExitCode.INVALID_RESPONSE


def test_a_corrupt_encoding_is_invalid() -> None:
    with pytest.raises(InvalidResponse, match="gzip encoding is corrupt"):
        b"".join(decoding.decoded(iter([b"\x1f\x8b\x08\x00garbage-garbage"]), "gzip"))


def test_the_cap_stops_a_bomb_with_memory_bounded() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(InvalidResponse, match=r"larger than 4 MiB, the gate's cap"):
            decoding.read_capped(decoding.decoded(_bomb(1 << 30), "gzip"), max_bytes=transport.MAX_ANSWER_BYTES)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * transport.MAX_ANSWER_BYTES  # the capped body and a step, never the 1 GiB


def test_an_answer_at_the_cap_is_read_whole() -> None:
    assert len(decoding.read_capped(pieces(b"x" * 1000, 64), max_bytes=1000)) == 1000
    with pytest.raises(InvalidResponse, match="larger than 999 bytes"):
        decoding.read_capped(pieces(b"x" * 1000, 64), max_bytes=999)


@responses.activate
def test_a_declared_length_over_the_cap_is_not_read(wire: transport.Transport) -> None:
    responses.get("https://h.example/x", body=b"x" * 100, headers={"Content-Length": "100"},
                  match=[matchers.header_matcher({"Accept-Encoding": "gzip, deflate"})])
    with pytest.raises(InvalidResponse, match="larger than 10 bytes.*Content-Length 100"):
        wire.send("GET", "https://h.example/x", max_bytes=10)
    assert wire.send("GET", "https://h.example/x").body == b"x" * 100


# --- the wall-clock bound, for real ------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", [
    {"kind": "trickle", "bytes": 1, "every": 0.2},  # the body, a byte at a time: each read is quick
    {"kind": "trickle", "bytes": 1, "every": 0.2, "headers": True},  # the status line and headers too
    {"kind": "stall"},  # headers, then nothing
], ids=["trickled-body", "trickled-headers", "stall"])
@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_a_slow_answer_is_abandoned_at_the_limit(fault: dict, https: bool, tls: TlsFiles,
                                                 wire: transport.Transport) -> None:
    files = {"cert": tls.cert, "key": tls.key} if https else {}
    with Emulator(token=TOKEN, **files) as emulator:
        url = run_url(emulator)
        emulator.add_fault(fault)
        started = time.monotonic()
        with pytest.raises(TransientError, match=r"no complete answer from 127\.0\.0\.1:\d+ within 0.5 s") as caught:
            wire.send("GET", url, limit=0.5, verify=str(tls.ca))
        assert time.monotonic() - started < GENEROUS
        assert caught.value.reached  # a server answered the connection: not a mistyped endpoint
        # The abandoned connection is not reused: the next request gets a whole answer.
        assert wire.send("GET", url, verify=str(tls.ca)).status == 200


def test_the_deadline_bounds_the_request_too(emulator: Emulator, wire: transport.Transport) -> None:
    url = run_url(emulator)
    emulator.add_fault({"kind": "stall"})
    with pytest.raises(TransientError, match="within 1 s"):
        wire.send("GET", url, limit=30, remaining=0.2)  # one second of grace at the deadline


def test_the_watchdog_ends_with_the_request(emulator: Emulator, wire: transport.Transport) -> None:
    url = run_url(emulator)
    for _ in range(3):
        wire.send("GET", url)
    assert not [t for t in threading.enumerate() if t.name == "gate-request-watchdog"]


@pytest.mark.parametrize("kind", ["oversized", "bomb"])
def test_large_answers_stop_at_the_cap(kind: str, emulator: Emulator, wire: transport.Transport) -> None:
    url = run_url(emulator)
    emulator.add_fault({"kind": kind})
    with pytest.raises(InvalidResponse, match="larger than 4 MiB, the gate's cap on an answer"):
        wire.send("GET", url)
    assert wire.send("GET", url).status == 200


def test_a_small_oversized_answer_is_still_json(emulator: Emulator, wire: transport.Transport) -> None:
    url = run_url(emulator)
    emulator.add_fault({"kind": "oversized", "size": 5000})
    import json

    answer = wire.send("GET", url)
    assert len(answer.body) == 5000 and json.loads(answer.body)["status"]


# --- failures, produced for real -------------------------------------------------------------------------------

def test_refused(wire: transport.Transport) -> None:
    port = closed_port()
    with pytest.raises(TransientError) as caught:
        wire.send("GET", f"http://127.0.0.1:{port}/v1/x")
    assert caught.value.reason == f"connection refused by 127.0.0.1:{port}"
    assert not caught.value.reached


def test_dns(wire: transport.Transport, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> list:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no lookup leaves the machine
    with pytest.raises(TransientError) as caught:
        wire.send("GET", "https://codecatalyst.example/v1/x")
    assert caught.value.reason == "DNS lookup failed for codecatalyst.example"
    assert not caught.value.reached


def test_untrusted_certificate_is_not_retryable(tls: TlsFiles, wire: transport.Transport) -> None:
    with Emulator(token=TOKEN, cert=tls.cert, key=tls.key) as emulator:
        url = run_url(emulator)
        with pytest.raises(PermanentNetworkError) as caught:
            wire.send("GET", url, verify=True)
        assert str(caught.value).startswith("TLS certificate not trusted for 127.0.0.1: ")
        assert str(caught.value).endswith("(set REQUESTS_CA_BUNDLE to your CA bundle)")
        assert caught.value.exit_code == ExitCode.UNAVAILABLE
        assert wire.send("GET", url, verify=str(tls.ca)).status == 200


def test_hostname_mismatch_is_not_retryable(tmp_path: Path, wire: transport.Transport) -> None:
    other = tls_files(tmp_path, "codecatalyst.example")
    with Emulator(token=TOKEN, cert=other.cert, key=other.key) as emulator, \
            pytest.raises(PermanentNetworkError, match="TLS certificate does not match the name 127.0.0.1: "):
        wire.send("GET", run_url(emulator), verify=str(other.ca))


def test_https_to_a_plain_http_port(emulator: Emulator, wire: transport.Transport) -> None:
    with pytest.raises(TransientError, match="TLS handshake with 127.0.0.1:.* failed") as caught:
        wire.send("GET", run_url(emulator).replace("http://", "https://"))
    assert not caught.value.reached


def test_through_a_connect_proxy(tls: TlsFiles, wire: transport.Transport) -> None:
    with Emulator(token=TOKEN, cert=tls.cert, key=tls.key) as emulator, ConnectProxy() as proxy:
        url = run_url(emulator)
        answer = wire.send("GET", url, verify=str(tls.ca), proxies={"https": proxy.url})
        assert answer.status == 200
        assert [r.rsplit(" ", 1)[0] for r in proxy.requests] == [f"CONNECT 127.0.0.1:{emulator.port}"]
        emulator.add_fault({"kind": "trickle", "bytes": 1, "every": 0.2})
        with pytest.raises(TransientError, match="within 0.5 s"):  # the bound holds through the tunnel
            wire.send("GET", url, limit=0.5, verify=str(tls.ca), proxies={"https": proxy.url})


def test_proxy_failures(tls: TlsFiles, wire: transport.Transport) -> None:
    port = closed_port()
    with pytest.raises(TransientError) as caught:
        wire.send("GET", "https://127.0.0.1:9/v1/x", proxies={"https": f"http://u:pw@127.0.0.1:{port}"})
    assert caught.value.reason == (f"connection refused by proxy 127.0.0.1:{port} (check HTTPS_PROXY, "
                                   "or NO_PROXY for 127.0.0.1)")
    assert not caught.value.reached
    with ConnectProxy(refuse="407 Proxy Authentication Required") as proxy, \
            pytest.raises(PermanentNetworkError) as refused:
        wire.send("GET", "https://127.0.0.1:9/v1/x", proxies={"https": proxy.url})
    assert str(refused.value) == (f"proxy 127.0.0.1:{proxy.port} would not open a tunnel to 127.0.0.1:9: "
                                  "407 Proxy Authentication Required (check the user and password in HTTPS_PROXY)")


@pytest.mark.parametrize(("url", "env", "expected"), [
    ("https://h/v1", {"https_proxy": "socks5://a:1", "HTTPS_PROXY": "socks5://b:1"}, "https_proxy"),  # lower wins
    ("https://h/v1", {"HTTPS_PROXY": "socks5://a:1", "HTTP_PROXY": "socks5://b:1"}, "HTTPS_PROXY"),
    ("https://h/v1", {"HTTPS_PROXY": " ", "all_proxy": "socks5://a:1"}, "all_proxy"),
    ("http://h/v1", {"HTTPS_PROXY": "socks5://b:1", "Http_Proxy": "socks5://a:1"}, "Http_Proxy"),
    ("https://h/v1", {"HTTPS_PROXY": "socks5://b:1"}, "the proxy setting"),  # given some other way
])
def test_the_proxy_variable_is_named_as_urllib_reads_them(url: str, env: dict[str, str], expected: str) -> None:
    assert proxy_variable(url, "socks5://a:1", env) == expected


def test_a_socks_proxy_is_refused_in_one_line_before_any_connection(wire: transport.Transport) -> None:
    """Even where PySocks is installed: the gate's sockets are the ones its watchdog can shut."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with pytest.raises(PermanentNetworkError) as caught:
            wire.send("GET", "https://127.0.0.1:9/v1/x",
                           proxies={"https": f"socks5h://u:pw@127.0.0.1:{port}"})
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):  # nobody knocked
            listener.accept()
    assert str(caught.value) == (f"the proxy setting is a SOCKS proxy (socks5h://127.0.0.1:{port}), which the gate "
                                 "does not support: set it to an HTTP proxy (http://host:port), or add 127.0.0.1 "
                                 "to NO_PROXY")
    assert caught.value.exit_code == ExitCode.UNAVAILABLE


def test_the_adapter_is_mounted_once_and_the_process_environment_is_not_read(emulator: Emulator,
                                                                            wire: transport.Transport) -> None:
    adapters = dict(wire.session.adapters)
    assert all(isinstance(a, transport.WatchedAdapter) for a in adapters.values())
    assert wire.session.trust_env is False  # requests would read ~/.netrc and the proxy variables itself
    url = run_url(emulator)
    assert wire.send("GET", url).status == wire.send("GET", url).status == 200
    assert dict(wire.session.adapters) == adapters  # the same adapters, not new ones per request


def test_the_ca_bundle_comes_from_the_environment_given(tls: TlsFiles) -> None:
    with Emulator(token=TOKEN, cert=tls.cert, key=tls.key) as emulator:
        url = run_url(emulator)
        with transport.Transport(env={"REQUESTS_CA_BUNDLE": str(tls.ca)}) as given:
            assert given.send("GET", url, headers={"Authorization": f"Bearer {TOKEN}"}).status == 200
        with transport.Transport(env={"CURL_CA_BUNDLE": str(tls.ca)}) as given:
            assert given.send("GET", url, headers={"Authorization": f"Bearer {TOKEN}"}).status == 200
        with transport.Transport(env={}) as bare, pytest.raises(PermanentNetworkError):
            bare.send("GET", url)
