"""Name resolution inside a request's wall-clock bound.

Why: `getaddrinfo` takes no timeout and cannot be interrupted, and while it runs there is no socket for the
request's watchdog (gate.api.transport) to shut; a resolver that never answers held a request for the resolver's
own retries (10 s with glibc's defaults) whatever the deadline. So the lookup runs in a daemon thread and the
request waits for it only as long as it may; a lookup given up on ends on its own, in the background.
Why a thread: it asks the system's resolver (hosts file, nsswitch, resolv.conf) exactly as urllib3 would, on every
platform, with no new dependency; a thread costs a fraction of a millisecond per new connection (they are reused).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

from urllib3.exceptions import ConnectTimeoutError, LocationParseError, NameResolutionError
from urllib3.util.connection import allowed_gai_family


class ResolveTimeout(socket.gaierror):
    """The resolver did not answer within the time the request had for it."""

    def __init__(self, host: str, seconds: float) -> None:
        super().__init__(socket.EAI_AGAIN, f"no answer from the resolver within {seconds:.1f} s")
        self.host, self.seconds = host, seconds


def _is_address(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host.partition("%")[0])
            return True
        except OSError:
            pass
    return False


def addresses(host: str, port: int, *, within: float | None) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order, as urllib3 would ask for them; ResolveTimeout
    after `within` seconds (None: as long as the resolver takes)."""
    if _is_address(host):
        return [host]
    family = allowed_gai_family()
    if within is None:
        found = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    else:
        answer: list[Any] = []
        done = threading.Event()

        def lookup() -> None:
            try:
                answer.append(socket.getaddrinfo(host, port, family, socket.SOCK_STREAM))
            except BaseException as e:  # noqa: BLE001 - handed to the waiting thread, which raises it
                answer.append(e)
            done.set()

        threading.Thread(target=lookup, name="gate-resolve", daemon=True).start()
        if not done.wait(max(within, 0.0)):
            raise ResolveTimeout(host, within)
        if isinstance(answer[0], BaseException):
            raise answer[0]
        found = answer[0]
    shown = []
    for family_found, _, _, _, sockaddr in found:
        address = str(sockaddr[0])
        if family_found == socket.AF_INET6 and len(sockaddr) > 3 and sockaddr[3]:
            address += f"%{sockaddr[3]}"  # a link-local address keeps its interface
        if address not in shown:
            shown.append(address)
    return shown


def bounded(connection: type[Any], within: Callable[[Any], float | None]) -> type[Any]:
    """urllib3's connection class, resolving its host (the endpoint's, or the proxy's) in at most `within(self)`
    seconds, then connecting to each address in turn as urllib3 does, with urllib3's own code and errors."""

    class Bounded(connection):  # type: ignore[misc]
        _dns_host: str  # urllib3's: the name (or address) it connects to

        def _new_conn(self) -> socket.socket:
            name = self._dns_host
            host = name.strip("[]")
            try:
                host.encode("idna")
            except UnicodeError:
                raise LocationParseError(f"'{host}', label empty or too long") from None
            try:
                found = addresses(host, self.port, within=within(self))
            except socket.gaierror as e:
                raise NameResolutionError(self.host, self, e) from e
            failure: ConnectTimeoutError | None = None
            try:
                for address in found:
                    self._dns_host = address  # a literal address: urllib3 connects without looking it up again
                    try:
                        sock: socket.socket = super()._new_conn()
                        return sock
                    except ConnectTimeoutError as e:  # NewConnectionError too: the next address may answer
                        failure = e
            finally:
                self._dns_host = name
            if failure is None:
                raise NameResolutionError(self.host, self, socket.gaierror(socket.EAI_NONAME, "no address"))
            raise failure

    Bounded.__name__ = Bounded.__qualname__ = f"Bounded{connection.__name__}"
    return Bounded
