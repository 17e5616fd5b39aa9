"""The gate as a subprocess against misbehaving networks on loopback: real TLS with a CA made here (trustme), a
CONNECT proxy (HTTPS_PROXY, NO_PROXY), answers that trickle or stall, a decompression bomb, a refused port.

Bounds on time are generous on purpose (the issue's cases took minutes, or gigabytes, before): they tell a
bounded request from an unbounded one, not a fast machine from a slow one.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gate.defaults import FIRST_CONTACT_RETRIES
from gate.emulator import Emulator, ManualClock
from gate.errors import ExitCode
from tests.acceptance.conftest import GATE, REPO, TOKEN, clean_env, requests_seen, run_gate, wait_args
from tests.netutil import ConnectProxy, TlsFiles, closed_port, tls_files

pytestmark = pytest.mark.e2e

# What a Python traceback or urllib3's internals look like on stderr: never shown for a network failure.
INTERNALS = ("Traceback", "HTTPConnectionPool", "HTTPSConnectionPool", "Max retries exceeded", "urllib3",
             "NewConnectionError", "object at 0x")
# CA and proxy settings the machine running the tests may have: each test sets its own.
_NETWORK_VARS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "HTTP_PROXY",
                 "ALL_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "all_proxy", "no_proxy")
FAST = 15.0  # seconds: the retry budget alone is about two minutes


def network_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in clean_env(CODECATALYST_TOKEN=TOKEN).items() if k not in _NETWORK_VARS}
    env.update(extra)
    return env


def assert_readable(stderr: str) -> None:
    for internal in INTERNALS:
        assert internal not in stderr, stderr
    assert TOKEN not in stderr


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_emulator() -> Iterator[Callable[..., Emulator]]:
    """Like conftest's start_emulator, serving HTTPS with the given files; a second passes per GetWorkflowRun."""
    started: list[Emulator] = []

    def start(files: TlsFiles, **kwargs: object) -> Emulator:
        clock = ManualClock()

        def log(line: str) -> None:
            if " GetWorkflowRun" in line:
                clock.advance(1)

        emulator = Emulator(token=TOKEN, clock=clock, log=log, cert=files.cert, key=files.key, **kwargs).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


# --- TLS ----------------------------------------------------------------------------------------------------------

def test_https_passes_with_the_ca_in_requests_ca_bundle(https_emulator, tls: TlsFiles) -> None:
    emulator = https_emulator(tls)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    done = run_gate(*wait_args(emulator, run.id), env=network_env(REQUESTS_CA_BUNDLE=str(tls.ca)))
    assert emulator.base_url.startswith("https://")
    assert done.returncode == 0, done.stderr
    assert requests_seen(emulator)[-1] == 200


def test_an_untrusted_certificate_fails_fast_and_says_what_to_do(https_emulator, tls: TlsFiles) -> None:
    emulator = https_emulator(tls)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    done = run_gate(*wait_args(emulator, run.id), env=network_env())
    assert done.returncode == ExitCode.UNAVAILABLE, done.stderr
    assert done.seconds < FAST  # not retried like an outage
    assert "TLS certificate not trusted for 127.0.0.1: " in done.stderr
    assert "(set REQUESTS_CA_BUNDLE to your CA bundle)" in done.stderr
    assert "; retry " not in done.stderr
    assert requests_seen(emulator) == []  # no request got through the handshake
    assert_readable(done.stderr)


def test_a_certificate_for_another_name_fails_fast(https_emulator, tmp_path: Path) -> None:
    other = tls_files(tmp_path, "codecatalyst.example")
    emulator = https_emulator(other)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    done = run_gate(*wait_args(emulator, run.id), env=network_env(REQUESTS_CA_BUNDLE=str(other.ca)))
    assert done.returncode == ExitCode.UNAVAILABLE, done.stderr
    assert done.seconds < FAST
    assert "TLS certificate does not match the name 127.0.0.1: " in done.stderr
    assert_readable(done.stderr)


# --- a CONNECT proxy ------------------------------------------------------------------------------------------------
# A loopback endpoint never goes through a proxy (tests/acceptance/test_attacks_e2e.py), so here the endpoint is a
# name that is not loopback, which only the proxy resolves (to the emulator): the gate itself never looks it up.
REMOTE = "codecatalyst.example"


@pytest.fixture(scope="module")
def remote_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return tls_files(tmp_path_factory.mktemp("remote-tls"), REMOTE)


def remote_args(emulator: Emulator, run_id: str, *extra: str) -> list[str]:
    """wait_args with the endpoint by the remote name, at the emulator's port."""
    args = wait_args(emulator, run_id, *extra)
    args[args.index("--endpoint") + 1] = f"https://{REMOTE}:{emulator.port}"
    return args


def test_through_a_connect_proxy_with_https_proxy(https_emulator, remote_tls: TlsFiles) -> None:
    emulator = https_emulator(remote_tls)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    with ConnectProxy(hosts={REMOTE: "127.0.0.1"}) as proxy:
        done = run_gate(*remote_args(emulator, run.id),
                        env=network_env(REQUESTS_CA_BUNDLE=str(remote_tls.ca), HTTPS_PROXY=proxy.url))
    assert done.returncode == 0, done.stderr
    assert proxy.requests and all(r.startswith(f"CONNECT {REMOTE}:{emulator.port} ") for r in proxy.requests)


def test_a_loopback_endpoint_is_reached_directly_whatever_https_proxy_says(https_emulator, tls: TlsFiles) -> None:
    emulator = https_emulator(tls)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    with ConnectProxy() as proxy:
        done = run_gate(*wait_args(emulator, run.id), env=network_env(
            REQUESTS_CA_BUNDLE=str(tls.ca), HTTPS_PROXY=proxy.url, ALL_PROXY=proxy.url))
    assert done.returncode == 0, done.stderr
    assert proxy.requests == []  # straight to the endpoint


def test_a_proxy_that_refuses_the_tunnel_is_named(https_emulator, remote_tls: TlsFiles) -> None:
    emulator = https_emulator(remote_tls)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    with ConnectProxy(refuse="407 Proxy Authentication Required") as proxy:
        done = run_gate(*remote_args(emulator, run.id), env=network_env(
            REQUESTS_CA_BUNDLE=str(remote_tls.ca), HTTPS_PROXY=f"http://someone:pr0xy-pass@127.0.0.1:{proxy.port}"))
    assert done.returncode == ExitCode.UNAVAILABLE and done.seconds < FAST, done.stderr
    assert f"proxy 127.0.0.1:{proxy.port} would not open a tunnel to {REMOTE}:{emulator.port}: 407" in done.stderr
    assert "pr0xy-pass" not in done.stderr
    assert_readable(done.stderr)


def test_a_socks_proxy_is_one_line_naming_the_variable_and_nothing_is_sent(start_emulator) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow")
    with socket.create_server(("127.0.0.1", 0)) as socks:
        port = socks.getsockname()[1]
        done = run_gate(*remote_args(emulator, run.id, "--timeout", "5"),
                        env=network_env(HTTPS_PROXY=f"socks5://user:s0cks-pass@127.0.0.1:{port}"))
        socks.setblocking(False)
        with pytest.raises(BlockingIOError):
            socks.accept()
    assert done.returncode == ExitCode.UNAVAILABLE, done.stderr
    [line] = [line for line in done.stderr.splitlines() if "SOCKS" in line]
    assert line.endswith(f"HTTPS_PROXY is a SOCKS proxy (socks5://127.0.0.1:{port}), which the gate does not "
                         f"support: set it to an HTTP proxy (http://host:port), or add {REMOTE} to NO_PROXY")
    assert "; retry " not in done.stderr and requests_seen(emulator) == []
    assert "s0cks-pass" not in done.stderr and "malformed" not in done.stderr
    assert_readable(done.stderr)

# --- slow and huge answers ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measured:
    returncode: int
    stderr: str
    seconds: float
    peak_rss_mib: float


# The gate runs under a small parent that reports its peak RSS. Measured from pytest directly, the figure would
# start at pytest's own: Linux carries the old memory's high-water mark into the new program at exec, and
# subprocess spawns from pytest's (large) process.
MEASURING_PARENT = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[3:], timeout=float(sys.argv[2]))  # an unbounded gate is killed, and fails
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def run_measured(*args: str, timeout: float = 60) -> Measured:
    """The gate to its end, with the peak RSS of the gate's own process."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as folder:
        peak = Path(folder) / "peak-rss-kib"
        started = time.monotonic()
        done = subprocess.run((sys.executable, "-c", MEASURING_PARENT, str(peak), str(timeout), *GATE, *args),
                              env=clean_env(CODECATALYST_TOKEN=TOKEN), cwd=REPO, stdout=subprocess.DEVNULL,
                              stderr=err, timeout=timeout + 30, check=False)
        seconds = time.monotonic() - started
        err.seek(0)
        return Measured(done.returncode, err.read().decode("utf-8", "replace"), seconds,
                        int(peak.read_text()) / 1024)  # KiB on Linux


@pytest.mark.parametrize("fault", [
    {"kind": "trickle", "bytes": 1, "every": 0.5},
    {"kind": "trickle", "bytes": 1, "every": 0.5, "headers": True},
    {"kind": "stall"},
], ids=["trickled-body", "trickled-headers", "stall"])
def test_timeout_4_holds_against_an_answer_that_never_finishes(start_emulator, fault: dict) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow")
    emulator.add_fault({**fault, "operation": "GetWorkflowRun", "count": "always"})
    done = run_measured(*wait_args(emulator, run.id, "--timeout", "4", interval="1"))
    assert done.seconds < FAST, done.stderr  # about 4-5 s; a trickled answer held it for minutes before
    # The gate never saw the run: the deadline cut the retries short, exit 6 (3 is for a run seen still going).
    assert done.returncode == ExitCode.UNAVAILABLE, done.stderr
    assert "the deadline passed while retrying, which cut the retries short" in done.stderr
    assert "no complete answer from 127.0.0.1:" in done.stderr and "within 4 s" in done.stderr
    assert_readable(done.stderr)


def test_a_decompression_bomb_exits_5_naming_the_cap_in_bounded_memory(start_emulator) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow")
    emulator.add_fault({"kind": "bomb", "operation": "GetWorkflowRun"})  # 1 GiB once inflated
    done = run_measured(*wait_args(emulator, run.id))
    assert done.returncode == ExitCode.INVALID_RESPONSE, done.stderr
    assert "larger than 4 MiB, the gate's cap on an answer" in done.stderr
    assert done.peak_rss_mib <= 100, f"peak RSS {done.peak_rss_mib:.0f} MiB"  # 2 GB before
    assert_readable(done.stderr)


def test_an_oversized_answer_exits_5(start_emulator) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow")
    emulator.add_fault({"kind": "oversized", "operation": "GetWorkflowRun"})
    done = run_gate(*wait_args(emulator, run.id))
    assert done.returncode == ExitCode.INVALID_RESPONSE, done.stderr
    assert "larger than 4 MiB" in done.stderr and requests_seen(emulator) == [200]


# --- an endpoint with nothing behind it -----------------------------------------------------------------------------

def test_a_refused_port_reads_as_one_line() -> None:
    port = closed_port()
    done = run_gate("wait", "--space", "ExampleCorp", "--project", "MyDemoProject", "--run-id",
                    "c0dec47a-0000-4000-8000-00000000f0e1", "--endpoint", f"http://127.0.0.1:{port}",
                    "--interval", "0.1", "--timeout", "2", env=network_env())
    assert done.returncode not in (0, 1), done.stderr
    assert f"connection refused by 127.0.0.1:{port}" in done.stderr
    assert_readable(done.stderr)


def test_first_contact_fails_fast_with_a_hint_and_exit_6() -> None:
    """Until the endpoint has answered once, refused connections get a short budget (FIRST_CONTACT_RETRIES), not
    the two minutes an outage of a service that did answer gets; the backoff pinned to its floor counts them."""
    port = closed_port()
    done = run_gate("wait", "--space", "ExampleCorp", "--project", "MyDemoProject", "--run-id",
                    "c0dec47a-0000-4000-8000-00000000f0e1", "--endpoint", f"http://127.0.0.1:{port}",
                    "--interval", "0.1", env=network_env(CODECATALYST_RETRY_BASE="0"))
    assert done.returncode == ExitCode.UNAVAILABLE, done.stderr
    retries = [line for line in done.stderr.splitlines() if "; retry " in line]
    assert len(retries) == FIRST_CONTACT_RETRIES
    assert f"the endpoint never answered: {FIRST_CONTACT_RETRIES + 1} attempts in a row failed" in done.stderr
    assert "Check --endpoint" in done.stderr


# --- the query string -----------------------------------------------------------------------------------------------

def test_next_tokens_go_on_the_wire_as_the_aws_sdks_send_them(start_emulator) -> None:
    """The emulator's tokens hold a space and it reads a query as RFC 3986 says (`+` is a plus): the gate follows
    every page only because it sends the space as %20, as botocore does."""
    emulator = start_emulator(scenario="busy", step=1)  # ListWorkflows: three pages of two
    done = run_gate("wait", "--space", "ExampleCorp", "--project", "MyDemoProject", "--endpoint", emulator.base_url,
                    "--interval", "0.1", "--workflow", "Release", "--start", env=network_env())
    assert done.returncode == ExitCode.SUCCESS, done.stderr
    queries = [r.path.partition("?")[2] for r in list(emulator.requests) if r.operation == "ListWorkflows"]
    assert len(queries) == 3 and queries[0] == "maxResults=100"
    assert all(q.startswith("maxResults=100&nextToken=v1%20") and "+" not in q for q in queries[1:]), queries
