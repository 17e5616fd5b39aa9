"""Name resolution inside the deadline, for real: the gate in a network namespace whose resolver reads every query
and answers none (tests/silent_resolver.py). Before, such a resolver held `--timeout 5` for 10 s (glibc's two
tries of 5 s) and first contact for about 48 s: the watchdog had no socket to shut while getaddrinfo ran.

The bounds are the issue's, with room for a loaded machine; they tell a bounded lookup from the resolver's own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gate.defaults import CONNECT_TIMEOUT, FIRST_CONTACT_RETRIES
from gate.errors import ExitCode
from tests.acceptance.conftest import GATE, REPO, TOKEN, clean_env
from tests.silent_resolver import SilentResolver, Unavailable

pytestmark = pytest.mark.e2e

HOST = "api.codecatalyst-gate.test"  # .test is reserved (RFC 2606): no resolver anywhere knows it
ARGS = ("wait", "--space", "ExampleCorp", "--project", "MyDemoProject", "--run-id",
        "c0dec47a-0000-4000-8000-00000000f0e1", "--endpoint", f"https://{HOST}", "--interval", "0.1")
_PROXIES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(scope="module")
def silent() -> Iterator[SilentResolver]:
    try:
        resolver = SilentResolver().__enter__()
    except Unavailable as e:
        pytest.skip(str(e))
    try:
        yield resolver
    finally:
        resolver.__exit__(None, None, None)


def gate_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in clean_env(CODECATALYST_TOKEN=TOKEN).items() if k.upper() not in _PROXIES}
    return env | extra


def test_a_resolver_that_never_answers_cannot_hold_the_deadline(silent: SilentResolver) -> None:
    done = silent.run([*GATE, *ARGS, "--timeout", "5"], env=gate_env(), cwd=REPO, timeout=60)
    assert done.queries > 0, done.stderr  # the gate did ask the silent resolver
    assert done.returncode == ExitCode.UNAVAILABLE, done.stderr
    assert done.seconds < 6.5, done.stderr  # 10.2 s before
    [line] = [line for line in done.stderr.splitlines() if "DNS" in line]
    assert f"DNS lookup for {HOST} got no answer within 5.0 s (check the resolver: /etc/resolv.conf or the " \
           "network's DNS)" in line, line
    assert "Traceback" not in done.stderr and TOKEN not in done.stderr


def test_first_contact_with_a_silent_resolver_ends_within_its_short_budget(silent: SilentResolver) -> None:
    """No --timeout: each lookup gets the connect timeout, and first contact its few retries (the backoff pinned
    to the floor here), about 20 s in all; 48 s before."""
    done = silent.run([*GATE, *ARGS], env=gate_env(CODECATALYST_RETRY_BASE="0"), cwd=REPO, timeout=120)
    attempts = FIRST_CONTACT_RETRIES + 1
    assert done.returncode == ExitCode.UNAVAILABLE, done.stderr
    assert done.seconds < attempts * CONNECT_TIMEOUT + 4, done.stderr
    retries = [line for line in done.stderr.splitlines() if "; retry " in line]
    assert len(retries) == FIRST_CONTACT_RETRIES
    assert all(f"DNS lookup for {HOST} got no answer within {CONNECT_TIMEOUT:.1f} s" in line for line in retries)
    assert f"the endpoint never answered: {attempts} attempts in a row failed; last: DNS lookup" in done.stderr
