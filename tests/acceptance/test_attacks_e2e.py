"""The attacks of issue 30, replayed as written against the real gate (a subprocess) and the emulator on loopback.

Each test is named for the finding it replays (M1, M2, ... as SECURITY.md lists them) and failed on the code before
its fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.errors import ExitCode
from tests.acceptance.conftest import TOKEN, requests_seen, run_gate, wait_args
from tests.acceptance.test_network_e2e import assert_readable, network_env
from tests.netutil import ConnectProxy

pytestmark = pytest.mark.e2e


def test_m1_a_loopback_endpoint_never_goes_through_http_proxy(start_emulator) -> None:
    """HTTP_PROXY is common on corporate runners: the bearer token must not reach it in clear text."""
    emulator = start_emulator(step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    with ConnectProxy() as proxy:  # it captures every request's head, and forwards no plain GET
        done = run_gate(*wait_args(emulator, run.id),
                        env=network_env(HTTP_PROXY=proxy.url, http_proxy=proxy.url, ALL_PROXY=proxy.url))
    assert done.returncode == 0, done.stderr
    assert proxy.heads == []
    assert requests_seen(emulator) and requests_seen(emulator)[-1] == 200


@pytest.mark.parametrize("proxy", [
    "http://proxyuser:Pr0xyPassw0rd@proxy.invalid:99999",  # a port out of range
    "http://proxyuser:Pr0xyPassw0rd@[::1:3128",  # a broken IPv6 literal
    "http://proxyuser:Pr0xyPassw0rd@[fe80::1%]:3128",
], ids=["port", "ipv6", "ipv6-zone"])
def test_m2_a_malformed_proxy_url_is_one_line_exit_6_without_its_password(proxy: str) -> None:
    """Nothing is sent: the endpoint is a name no one resolves, and the proxy is refused before any connection."""
    done = run_gate("wait", "--space", "ExampleCorp", "--project", "MyDemoProject", "--run-id",
                    "a1b2c3d4-5678-90ab-cdef-222222222222", "--endpoint", "https://codecatalyst.example",
                    "--timeout", "10", env=network_env(HTTPS_PROXY=proxy))
    assert done.returncode == ExitCode.UNAVAILABLE, done.stderr
    assert "Pr0xyPassw0rd" not in done.stderr + done.stdout and "proxyuser" not in done.stderr + done.stdout
    [told] = [line for line in done.stderr.splitlines() if "proxy" in line.lower()]
    assert told.endswith("HTTPS_PROXY is not a usable proxy URL (its port is not a number from 0 to 65535); set it "
                         "to http://host:port, with user:password@ before the host if the proxy asks for them") \
        if "99999" in proxy else "(its IPv6 address is not valid)" in told, done.stderr
    assert_readable(done.stderr)


def test_l1_a_netrc_entry_never_replaces_the_bearer_token(start_emulator, tmp_path: Path) -> None:
    """requests reads ~/.netrc for a request without auth, and its Basic header would win over ours."""
    (tmp_path / ".netrc").write_text("default login someone password netrc-S3cret\n")
    (tmp_path / ".netrc").chmod(0o600)
    emulator = start_emulator(step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    done = run_gate(*wait_args(emulator, run.id), env=network_env(HOME=str(tmp_path), NETRC=str(tmp_path / ".netrc")))
    assert done.returncode == 0, done.stderr  # the emulator wants `Bearer TOKEN` exactly, and refuses Basic
    assert requests_seen(emulator)[-1] == 200
    assert TOKEN not in done.stderr
