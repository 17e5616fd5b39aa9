"""The delivery faults (trickle, stall, oversized, bomb) over real sockets, and the emulator over HTTPS."""

from __future__ import annotations

import json
import re
import socket
import ssl
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gate.api.schema import violations
from gate.emulator import Emulator, ScenarioError, load_scenario
from gate.emulator.faults import DEFAULT_SIZE, parse_fault
from tests.emulator.conftest import TOKEN, Api
from tests.netutil import TlsFiles, tls_files

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_id(emulator: Emulator) -> str:
    return emulator.start_run(workflow="MyDemoWorkflow").id


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return tls_files(tmp_path_factory.mktemp("tls"))


def raw_get(emulator: Emulator, run_id: str, *, reads: list[bytes] | None = None) -> bytes:
    """The answer's bytes as they come off the socket (each recv kept in `reads`), until the server closes."""
    path = f"/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns/{run_id}"
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
        received = []
        while data := sock.recv(65536):
            received.append(data)
    if reads is not None:
        reads.extend(received)
    return b"".join(received)


def test_trickle_sends_the_whole_answer_n_bytes_at_a_time(emulator: Emulator, run_id: str) -> None:
    emulator.add_fault({"kind": "trickle", "bytes": 40, "every": 0.02})
    reads: list[bytes] = []
    started = time.monotonic()
    answer = raw_get(emulator, run_id, reads=reads)
    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in head
    assert int(re.search(rb"Content-Length: (\d+)", head).group(1)) == len(body)
    assert violations(json.loads(body)) == []
    steps = -(-len(body) // 40)
    assert time.monotonic() - started >= (steps - 1) * 0.02  # late, because it was paced
    assert len(reads) >= steps // 2  # in pieces, not one write (reads may merge a few)
    assert [r.fault for r in emulator.requests] == ["trickle"]


def test_trickle_can_pace_the_headers_too(emulator: Emulator, run_id: str) -> None:
    emulator.add_fault({"kind": "trickle", "bytes": 1, "every": 0.001, "headers": True})
    reads: list[bytes] = []
    answer = raw_get(emulator, run_id, reads=reads)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and len(reads) > 20


def test_stall_sends_the_headers_then_waits(emulator: Emulator, api: Api, run_id: str) -> None:
    emulator.add_fault({"kind": "stall"})  # pause defaults to an hour: the client gives up first
    with pytest.raises(requests.ConnectionError):  # requests wraps the body's read timeout
        _ = api.get_run(run_id, timeout=0.3).content
    emulator.add_fault({"kind": "stall", "pause": 0.2})
    answer = api.get_run(run_id)
    assert answer.status_code == 200 and violations(answer.json()) == []


def test_oversized_is_valid_json_of_the_given_size_sent_chunked(emulator: Emulator, api: Api, run_id: str) -> None:
    emulator.add_fault({"kind": "oversized", "size": 300_000})
    answer = api.get_run(run_id)
    assert answer.headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in answer.headers
    document = json.loads(answer.content)
    assert len(answer.content) == 300_000 and document["id"] == run_id
    assert set(document["padding"]) == {"x"}


def test_bomb_inflates_to_its_size_from_a_small_gzip_body(emulator: Emulator, run_id: str) -> None:
    emulator.add_fault({"kind": "bomb", "size": (8 << 20) + 5})
    answer = raw_get(emulator, run_id)
    head, body = answer.split(b"\r\n\r\n", 1)
    assert b"Content-Encoding: gzip" in head and b"Transfer-Encoding: chunked" in head
    compressed = b""
    while True:  # undo the chunked framing
        size_line, body = body.split(b"\r\n", 1)
        size = int(size_line, 16)
        if size == 0:
            break
        compressed, body = compressed + body[:size], body[size + 2:]
    assert len(compressed) < 64 * 1024
    inflated, data = 0, compressed
    while data:  # many gzip members, inflated one by one
        inflater = zlib.decompressobj(31)
        inflated += len(inflater.decompress(data))
        data = inflater.unused_data
    assert inflated == (8 << 20) + 5


def test_defaults_and_checks_of_the_new_keys() -> None:
    assert parse_fault({"kind": "bomb"}).size == DEFAULT_SIZE["bomb"] == 1 << 30
    assert parse_fault({"kind": "oversized"}).size == 8 << 20
    trickle = parse_fault({"kind": "trickle"})
    assert (trickle.step, trickle.every, trickle.headers) == (1, 0.1, False)
    assert parse_fault({"kind": "stall"}).pause == 3600
    scenario = load_scenario({"faults": [{"kind": "trickle", "bytes": 10, "every": 0.5, "count": "always"}]})
    assert (scenario.faults[0].step, scenario.faults[0].every, scenario.faults[0].count) == (10, 0.5, None)


@pytest.mark.parametrize(("fault", "message"), [
    ({"kind": "throttle", "size": 5}, r"fault\.size: belongs to kind 'oversized' or 'bomb'"),
    ({"kind": "stall", "bytes": 5}, r"fault\.bytes: belongs to kind 'trickle'"),
    ({"kind": "trickle", "bytes": 0}, r"fault\.bytes"),
    ({"kind": "trickle", "headers": "yes"}, r"fault\.headers: must be true or false"),
    ({"kind": "bomb", "size": 0}, r"fault\.size"),
])
def test_bad_delivery_keys_are_refused(fault: dict, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_fault(fault)


def test_stop_does_not_wait_for_a_trickle(make_emulator) -> None:
    emulator = make_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow")
    emulator.add_fault({"kind": "trickle", "bytes": 1, "every": 30})
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
        sock.sendall(f"GET /v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns/{run.id} HTTP/1.1\r\n"
                     f"Authorization: Bearer {TOKEN}\r\n\r\n".encode())
        sock.recv(100)
        started = time.monotonic()
        emulator.stop()
        assert time.monotonic() - started < 10  # not 30 s per remaining byte


# --- HTTPS ------------------------------------------------------------------------------------------------------

@pytest.fixture
def https_emulator(tls: TlsFiles) -> Iterator[Emulator]:
    with Emulator(token=TOKEN, cert=tls.cert, key=tls.key) as emulator:
        yield emulator


def test_https_with_a_cert_and_key(https_emulator: Emulator, tls: TlsFiles) -> None:
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+", https_emulator.base_url)
    api = Api(https_emulator.base_url)
    run_id = https_emulator.start_run(workflow="MyDemoWorkflow").id
    try:
        assert api.get_run(run_id, verify=str(tls.ca)).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            api.get_run(run_id, verify=True)  # the system's CAs do not know this one
    finally:
        api.close()


def test_a_client_that_never_handshakes_holds_up_no_one(https_emulator: Emulator, tls: TlsFiles) -> None:
    with socket.create_connection(("127.0.0.1", https_emulator.port)):  # connects, says nothing
        context = ssl.create_default_context(cafile=str(tls.ca))
        with socket.create_connection(("127.0.0.1", https_emulator.port), timeout=5) as raw, \
                context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
            assert sock.version() is not None


def test_cert_and_key_go_together(tls: TlsFiles) -> None:
    with pytest.raises(ValueError, match="both a certificate"):
        Emulator(cert=tls.cert)


def test_the_command_serves_https(tls: TlsFiles) -> None:
    command = [sys.executable, "-m", "gate.emulator", "--port", "0", "--quiet", "--cert", str(tls.cert), "--key",
               str(tls.key)]
    proc = subprocess.Popen(command, cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"https://127\.0\.0\.1:\d+", url), url
        answer = requests.post(f"{url}/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns",
                               headers={"Authorization": "Bearer x"}, json={}, verify=str(tls.ca), timeout=5)
        assert answer.status_code == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert proc.returncode == 0
    only_one = subprocess.run([sys.executable, "-m", "gate.emulator", "--port", "0", "--cert", str(tls.cert)],
                              cwd=REPO, capture_output=True, text=True, timeout=30)
    assert only_one.returncode == 2 and "--cert and --key go together" in only_one.stderr
