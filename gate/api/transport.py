"""One HTTP request, bounded in wall-clock time and in size: the only place the gate calls requests.

Why a watchdog: requests' read timeout restarts with every byte, so a server (or a proxy) that trickles its
headers or body holds a request for as long as it likes. A watchdog thread shuts the socket down when the
request's time is up, which wakes the blocked read; the request then counts as a transient failure.
The body is undone and capped as it is read (gate.api.decoding), so memory stays bounded by MAX_ANSWER_BYTES
whatever the server sends.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError

from gate import defaults
from gate.api.decoding import ACCEPT_ENCODING, cap_text, decoded, read_capped
from gate.api.proxies import Proxy, checked, choose, proxy_variable
from gate.api.resolve import ResolveTimeout, bounded
from gate.errors import GateError, InvalidResponse, PermanentNetworkError, TransientError

# A real GetWorkflowRun answer is 1-3 KiB and a ListWorkflowRuns page of 50 runs about 30 KiB: 4 MiB is a
# thousand times that, and small enough to hold, parse and validate on any CI runner.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
REQUEST_LIMIT = defaults.REQUEST_TIMEOUT  # seconds for connect, headers and the whole body together
CONNECT_TIMEOUT = defaults.CONNECT_TIMEOUT
GRACE = defaults.DEADLINE_GRACE  # at the deadline a last request still gets this long
_CHUNK = 64 * 1024
_SHUTDOWN_EVERY = 0.05  # after the limit, the socket in use is shut again until the request gives up


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes  # decoded (Content-Encoding undone), at most MAX_ANSWER_BYTES


def time_limit(limit: float, remaining: float | None) -> float:
    """The request's wall-clock bound (pure): `limit`, never past the deadline but GRACE seconds at least."""
    return limit if remaining is None else min(limit, max(remaining, GRACE))


class _Watchdog:
    """Shuts down the sockets of the connections a request uses once its time is up."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._done = threading.Event()
        self._connections: list[Any] = []
        self._thread = threading.Thread(target=self._run, name="gate-request-watchdog", daemon=True)

    def __enter__(self) -> _Watchdog:
        _current.watchdog = self
        self._started = time.monotonic()
        self._thread.start()
        return self

    def left(self) -> float:
        """Seconds until the time is up (0 once it is)."""
        return max(0.0, self.seconds - (time.monotonic() - self._started))

    def __exit__(self, *exc: object) -> None:
        _current.watchdog = None
        self._done.set()
        self._thread.join()

    def watch(self, connection: Any) -> None:
        """A connection (its socket may come later) or a socket to shut when the time is up."""
        self._connections.append(connection)
        if self.expired:
            _shut(connection)

    def _run(self) -> None:
        if self._done.wait(self.seconds):
            return
        self.expired = True
        # The socket may not exist yet (name lookup) or be swapped for its TLS wrapper: shut until the end.
        while True:
            for connection in list(self._connections):
                _shut(connection)
            if self._done.wait(_SHUTDOWN_EVERY):
                return


def _shut(connection: Any) -> None:
    sock = connection if isinstance(connection, socket.socket) else getattr(connection, "sock", None)
    if sock is None:
        return
    try:
        # socket.socket's own shutdown, also for an SSLSocket: the reading thread owns the TLS state.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class _Current(threading.local):
    watchdog: _Watchdog | None = None


_current = _Current()


def _resolve_within(connection: Any) -> float | None:
    """A name lookup gets what connecting gets: the connect timeout, and never more than the request has left."""
    bounds = [connection.timeout] if isinstance(connection.timeout, int | float) else []
    if _current.watchdog is not None:
        bounds.append(_current.watchdog.left())
    return min(bounds) if bounds else None


def _watched(pool: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
    class Watched(pool):  # type: ignore[valid-type, misc]
        ConnectionCls = bounded(pool.ConnectionCls, _resolve_within)

        def _get_conn(self, timeout: float | None = None) -> Any:
            connection = super()._get_conn(timeout)
            if _current.watchdog is not None:
                _current.watchdog.watch(connection)
            return connection

    Watched.__name__ = Watched.__qualname__ = f"Watched{pool.__name__}"
    return Watched


_POOLS = {"http": _watched(HTTPConnectionPool), "https": _watched(HTTPSConnectionPool)}


class UnsupportedProxy(requests.RequestException):
    """A SOCKS proxy. The gate speaks to HTTP proxies only (CONNECT): SOCKS needs PySocks, which requests imports
    at every start once it is installed, for a kind of proxy CI systems rarely use."""

    def __init__(self, proxy: str) -> None:
        super().__init__(f"unsupported proxy scheme {proxy.partition(':')[0]}")
        self.proxy = proxy


class WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections (direct or through a proxy) the request's watchdog can shut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        if proxy.lower().startswith("socks"):
            raise UnsupportedProxy(proxy)  # even where PySocks is installed: its sockets no watchdog could shut
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


def watch_session(session: requests.Session) -> requests.Session:
    """Mounts WatchedAdapter for http and https (idempotent); returns the session."""
    for prefix in ("https://", "http://"):
        adapter = session.adapters.get(prefix)
        if not isinstance(adapter, WatchedAdapter):
            if adapter is not None:
                adapter.close()
            session.mount(prefix, WatchedAdapter())
    return session


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The socket a streamed body is read from. http.client hands it from the connection (whose `sock` is then
    None) to the response when the answer says `Connection: close`, so the watchdog needs it from here."""
    reader = getattr(getattr(response.raw, "_fp", None), "fp", None)  # http.client.HTTPResponse's file
    sock = getattr(getattr(reader, "raw", None), "_sock", None)  # BufferedReader -> SocketIO -> socket
    return sock if isinstance(sock, socket.socket) else None


def _raw_chunks(response: requests.Response) -> Iterator[bytes]:
    while chunk := response.raw.read(_CHUNK, decode_content=False):
        yield chunk


class Transport:
    """The gate's one HTTP session, made once: the watched adapter mounted, and requests told to read nothing from
    the process's environment (`trust_env` off). Left on, requests sends a loopback endpoint's bearer token through
    HTTP_PROXY in clear text, and lets a `~/.netrc` entry replace the Authorization header with Basic credentials
    meant for something else. The proxy (gate.api.proxies) and the CA bundle (REQUESTS_CA_BUNDLE, then
    CURL_CA_BUNDLE, as requests reads them) come from the environment given here instead."""

    def __init__(self, *, env: Mapping[str, str], session: requests.Session | None = None) -> None:
        self.env = env
        self.session = watch_session(session or requests.Session())
        self.session.trust_env = False

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def route(self, url: str, proxies: Mapping[str, str] | None = None) -> Proxy | None:
        """The proxy for `url`: the environment's choice, or one from `proxies` when given (it replaces it)."""
        if proxies is None:
            return choose(url, self.env)
        given = select_proxy(url, dict(proxies))
        return checked(given, variable=proxy_variable(url, given, self.env), url=url) if given else None

    def verify(self) -> str | bool:
        return self.env.get("REQUESTS_CA_BUNDLE") or self.env.get("CURL_CA_BUNDLE") or True

    def send(self, method: str, url: str, *, limit: float = REQUEST_LIMIT, connect_timeout: float = CONNECT_TIMEOUT,
             remaining: float | None = None, max_bytes: int = MAX_ANSWER_BYTES,
             headers: Mapping[str, str] | None = None, json: Any = None, proxies: Mapping[str, str] | None = None,
             verify: str | bool | None = None) -> Answer:
        """One request, its whole answer within `time_limit(limit, remaining)` seconds and `max_bytes` bytes.

        Raises TransientError (retry; `reached` says whether the endpoint was reached at all), PermanentNetworkError
        (retrying cannot help: a bad certificate, an unusable proxy setting, refused before any connection) or
        InvalidResponse (the answer is too large or its encoding is broken).
        """
        seconds = time_limit(limit, remaining)
        proxy = self.route(url, proxies)
        request = {"headers": {**(headers or {}), "Accept-Encoding": ACCEPT_ENCODING}, "json": json,
                   "proxies": {url.partition(":")[0].lower(): proxy.url} if proxy else {},
                   "verify": self.verify() if verify is None else verify, "stream": True, "allow_redirects": False,
                   "timeout": (min(connect_timeout, seconds), seconds)}
        with _Watchdog(seconds) as watchdog:
            failed = _Failed(url=url, proxy=proxy, seconds=seconds, watchdog=watchdog)
            try:
                response = self.session.request(method, url, **request)
            except _FOREIGN as e:
                raise failed.error(e, answered=False) from None
            try:
                sock = _socket_of(response)
                if sock is not None:
                    watchdog.watch(sock)
                return _answer(response, max_bytes=max_bytes)
            except _FOREIGN as e:
                raise failed.error(e, answered=True) from None
            finally:
                response.close()


def _answer(response: requests.Response, *, max_bytes: int) -> Answer:
    """The whole answer, decoded and within `max_bytes` (InvalidResponse otherwise)."""
    length = response.headers.get("Content-Length", "")
    encoding = response.headers.get("Content-Encoding", "")
    if not encoding and length.isdigit() and int(length) > max_bytes:
        raise InvalidResponse(f"the answer is larger than {cap_text(max_bytes)}, the gate's cap on an "
                              f"answer (MAX_ANSWER_BYTES): Content-Length {length}; it was not read")
    body = read_capped(decoded(_raw_chunks(response), encoding), max_bytes=max_bytes)
    return Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()}, body)


# The foreign errors a request can end in; anything else is a bug and goes up as it is.
_FOREIGN = (requests.RequestException, OSError, HTTPError, http.client.HTTPException)


@dataclass(frozen=True)
class _Failed:
    """A request's failures, translated into the gate's own errors, worded without server text or credentials."""

    url: str
    proxy: Proxy | None
    seconds: float
    watchdog: _Watchdog

    def error(self, e: BaseException, *, answered: bool) -> GateError:
        from gate.api.netfail import causes, describe, unsupported_proxy  # only when a request fails

        if isinstance(e, UnsupportedProxy):
            variable = self.proxy.variable if self.proxy else "the proxy setting"
            return PermanentNetworkError(unsupported_proxy(url=self.url, proxy_url=e.proxy, variable=variable))
        failure = describe(e, url=self.url, proxy_url=self.proxy.url if self.proxy else None)
        reached = answered or failure.reached
        if self.watchdog.expired and not any(isinstance(c, ResolveTimeout) for c in causes(e)):
            return TransientError(f"no complete answer from {_host(self.url)} within {round(self.seconds, 1):g} s "
                                  "(too slow; the request was abandoned)", reached=reached)
        if not failure.retryable:
            return PermanentNetworkError(failure.message)
        return TransientError(failure.message, reached=reached)


def _host(url: str) -> str:
    from gate.api.netfail import Where

    return Where.of(url).address
