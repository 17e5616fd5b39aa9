"""Starting and stopping: real ports, idle keep-alive connections, IPv6, nothing left behind."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from gate.emulator import Emulator


def test_context_manager_binds_a_real_port_and_releases_it() -> None:
    before = set(threading.enumerate())
    emulator = Emulator()
    with pytest.raises(RuntimeError, match="not started"):
        emulator.base_url  # noqa: B018 - the property raises
    with emulator as emu:
        assert emu.base_url == f"http://127.0.0.1:{emu.port}" and emu.port > 0
        with requests.Session() as session:
            assert session.post(emu.base_url + "/v1/spaces/ExampleCorp/projects/MyDemoProject/workflows",
                                headers={"Authorization": "Bearer x"}, timeout=5).status_code == 200
            # The session's keep-alive connection is still open while the emulator stops.
            started = time.monotonic()
            emu.stop()
            assert time.monotonic() - started < 1
    emulator.stop()  # idempotent
    assert set(threading.enumerate()) - before == set()
    with socket.create_server(("127.0.0.1", emulator.port)):  # the port is free again
        pass


def test_a_busy_port_is_an_os_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken, pytest.raises(OSError):
        Emulator(port=taken.getsockname()[1]).start()


def test_ipv6_loopback_when_the_host_has_it() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this host")
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6):
            pass
    except OSError as e:
        pytest.skip(f"::1 is not usable here: {e}")
    with Emulator(host="::1") as emu, requests.Session() as session:
        assert emu.base_url.startswith("http://[::1]:")
        answer = session.post(emu.base_url + "/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns",
                              headers={"Authorization": "Bearer x"}, timeout=5)
        assert answer.status_code == 200 and len(answer.json()["items"]) == 7
