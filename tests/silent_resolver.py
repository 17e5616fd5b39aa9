"""A resolver that never answers, for real: a network namespace with only its own loopback, whose resolv.conf
(bind-mounted by `ip netns exec` from /etc/netns/NAME/) names 127.0.0.1, where a UDP socket reads every query and
answers none. Nothing leaves the namespace: it has no other interface.

Needs root and iproute2's `ip` (installed with apt-get when missing, as scripts/container/ensure-docker.sh does
for Docker); without either, or where namespaces are not allowed (an unprivileged container), the test skips.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

NETNS_ETC = Path("/etc/netns")
# glibc's own defaults, written out so the bound the gate used to wait for (2 tries of 5 s) is this file's.
RESOLV_CONF = "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n"
# Runs inside the namespace: holds 127.0.0.1:53 (reading, never answering) while the command runs, then writes how
# many queries came.
_HOLE = """
import socket, subprocess, sys, threading
hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
hole.bind(("127.0.0.1", 53))
queries = []
def read():
    while True:
        queries.append(hole.recv(4096))
threading.Thread(target=read, daemon=True).start()
code = subprocess.run(sys.argv[2:]).returncode
with open(sys.argv[1], "w") as out:
    out.write(str(len(queries)))
sys.exit(code)
"""


class Unavailable(Exception):
    """Why no namespace can be made here (the test skips with it)."""


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    queries: int  # DNS queries the silent resolver read


def _ip() -> str:
    found = shutil.which("ip")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Unavailable("iproute2's `ip` is missing and cannot be installed here (needs root and apt-get)")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "codecatalyst-gate"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "apt-iproute2.log", "w") as log:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for step in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "iproute2"]):
            if subprocess.run(step, stdout=log, stderr=subprocess.STDOUT, env=env).returncode != 0:
                raise Unavailable(f"installing iproute2 failed; see {cache / 'apt-iproute2.log'}")
    return shutil.which("ip") or "ip"


class SilentResolver:
    """A namespace whose resolver never answers; `run` runs a command inside it, timed."""

    def __init__(self) -> None:
        if os.geteuid() != 0:
            raise Unavailable("making a network namespace needs root")
        self.ip = _ip()
        self.name = f"gate-dns-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.etc = NETNS_ETC / self.name

    def __enter__(self) -> SilentResolver:
        made = subprocess.run([self.ip, "netns", "add", self.name], capture_output=True, text=True)
        if made.returncode != 0:
            raise Unavailable(f"`ip netns add` failed: {made.stderr.strip() or made.returncode}")
        try:
            subprocess.run([self.ip, "-n", self.name, "link", "set", "lo", "up"], check=True, capture_output=True)
            self.etc.mkdir(parents=True)
            (self.etc / "resolv.conf").write_text(RESOLV_CONF)
        except (OSError, subprocess.CalledProcessError) as e:
            self.__exit__(None, None, None)
            raise Unavailable(f"the namespace could not be set up: {e}") from None
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        subprocess.run([self.ip, "netns", "delete", self.name], capture_output=True)
        shutil.rmtree(self.etc, ignore_errors=True)

    def run(self, command: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float) -> Finished:
        # Not in self.etc: `ip netns exec` mounts every file there over /etc.
        handle, name = tempfile.mkstemp(prefix="gate-dns-queries-")
        os.close(handle)
        counted = Path(name)
        try:
            started = time.monotonic()
            done = subprocess.run([self.ip, "netns", "exec", self.name, sys.executable, "-c", _HOLE, str(counted),
                                   *command], env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout)
            seconds = time.monotonic() - started
            queries = int(counted.read_text() or -1)
        finally:
            counted.unlink(missing_ok=True)
        return Finished(done.returncode, done.stdout, done.stderr, seconds, queries)
