"""What a failed request means, in one line a person can read (pure: no I/O, tested with built exceptions).

requests and urllib3 nest the cause several levels deep (`ConnectionError(MaxRetryError(reason=
NewConnectionError(...) from ConnectionRefusedError))`) and their text is urllib3's internals. Here the
chain is walked to the root cause, which decides three things: the message, whether retrying can help,
and whether the endpoint was reached at all (`reached=False`: nothing at the endpoint accepted the
connection, or TLS could not be set up; a mistyped `--endpoint` looks like this, a busy service does not).
"""

from __future__ import annotations

import errno
import http.client
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from urllib3 import exceptions as u3

from gate.api.resolve import ResolveTimeout
from gate.textsafe import inert_line

CA_HINT = "set REQUESTS_CA_BUNDLE to your CA bundle"
# OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH.
_NAME_MISMATCH = {62, 64}
_MAX_DETAIL = 120
SOCKS_PORT = 1080  # SOCKS' own default port, for naming a SOCKS proxy given without one


@dataclass(frozen=True)
class NetworkFailure:
    message: str
    retryable: bool
    reached: bool


@dataclass(frozen=True)
class Where:
    """The endpoint asked, and the proxy in the way if any (its host and port only: a proxy URL may hold a password)."""

    host: str
    port: int
    proxy: str | None = None

    @classmethod
    def of(cls, url: str, proxy_url: str | None = None) -> Where:
        parts = urlsplit(url)
        port = _port(parts.port, parts.scheme)
        return cls(host=parts.hostname or "?", port=port, proxy=_proxy_address(proxy_url) if proxy_url else None)

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def _proxy_address(proxy_url: str) -> str:
    """The proxy's host and port, or a plain phrase when its URL does not parse (never any of its text)."""
    try:
        p = urlsplit(proxy_url if "://" in proxy_url else "http://" + proxy_url)
        return f"{p.hostname}:{_port(p.port, p.scheme)}"
    except ValueError:
        return "?"


def _port(port: int | None, scheme: str) -> int:
    return port if port is not None else (443 if scheme == "https" else 80)


def causes(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it wraps (`reason`, first argument, `__cause__`, `__context__`), outermost first."""
    seen: set[int] = set()
    queue = [error]
    while queue:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [getattr(current, "reason", None), *(a for a in current.args if isinstance(a, BaseException)),
                 current.__cause__, current.__context__]
        queue.extend(e for e in inner if isinstance(e, BaseException))


def _first(chain: list[BaseException],
           kind: type[BaseException] | tuple[type[BaseException], ...]) -> BaseException | None:
    return next((e for e in chain if isinstance(e, kind)), None)


def _detail(text: str) -> str:
    """OS, OpenSSL or proxy text, on one short inert line (a proxy's reason phrase is untrusted)."""
    text = inert_line(text.strip())
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…"


def _os_reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return _detail(error.strerror)
    return type(error).__name__


def _tls(chain: list[BaseException], where: Where) -> NetworkFailure | None:
    verify = _first(chain, ssl.SSLCertVerificationError)
    if isinstance(verify, ssl.SSLCertVerificationError):
        detail = _detail(verify.verify_message or verify.reason or "not verified")
        if verify.verify_code in _NAME_MISMATCH or "mismatch" in detail.lower():
            return NetworkFailure(f"TLS certificate does not match the name {where.host}: {detail} "
                                  "(check the endpoint)", retryable=False, reached=False)
        return NetworkFailure(f"TLS certificate not trusted for {where.host}: {detail} ({CA_HINT})",
                              retryable=False, reached=False)
    failed = _first(chain, ssl.SSLError)
    if failed is not None or _first(chain, (u3.SSLError, requests.exceptions.SSLError)) is not None:
        reason = getattr(failed, "reason", None) or "the handshake failed"
        hint = " (is it a plain http port?)" if reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE") else ""
        return NetworkFailure(f"TLS handshake with {where.address} failed: {_detail(str(reason))}{hint}",
                              retryable=True, reached=False)
    return None


def _proxy(chain: list[BaseException], where: Where) -> NetworkFailure | None:
    if _first(chain, (u3.ProxyError, requests.exceptions.ProxyError)) is None:
        return None
    proxy = f"proxy {where.proxy}" if where.proxy else "the proxy"
    for error in chain:
        text = str(error.args[0]) if error.args and isinstance(error.args[0], str) else ""
        if text.startswith("Tunnel connection failed:"):
            answer = _detail(text.split(":", 1)[1])
            auth = answer.startswith("407")
            return NetworkFailure(
                f"{proxy} would not open a tunnel to {where.address}: {answer}"
                + (" (check the user and password in HTTPS_PROXY)" if auth else ""),
                retryable=not auth, reached=False)
    silent = _first(chain, ResolveTimeout)
    if isinstance(silent, ResolveTimeout):
        return NetworkFailure(f"DNS lookup for the {proxy} got no answer within {silent.seconds:.1f} s (check "
                              "HTTPS_PROXY and the resolver)", retryable=True, reached=False)
    if _first(chain, socket.gaierror) is not None:
        return NetworkFailure(f"DNS lookup failed for the {proxy} (check HTTPS_PROXY)", retryable=True, reached=False)
    if _first(chain, ConnectionRefusedError) is not None:
        return NetworkFailure(f"connection refused by {proxy} (check HTTPS_PROXY, or NO_PROXY for "
                              f"{where.host})", retryable=True, reached=False)
    if _first(chain, (socket.timeout, u3.ConnectTimeoutError)) is not None and \
            _first(chain, ConnectionError) is None:
        return NetworkFailure(f"{proxy} did not answer in time", retryable=True, reached=False)
    cause = _first(chain, OSError)
    return NetworkFailure(f"{proxy} failed: {_os_reason(cause) if cause else 'no tunnel'}",
                          retryable=True, reached=False)


def _malformed(chain: list[BaseException], url: str) -> NetworkFailure | None:
    bad = _first(chain, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                         requests.exceptions.InvalidSchema, u3.LocationValueError, requests.exceptions.InvalidProxyURL))
    if bad is None:
        return None
    what = "proxy URL" if isinstance(bad, requests.exceptions.InvalidProxyURL) else "endpoint"
    return NetworkFailure(f"malformed {what} {_detail(url) if what == 'endpoint' else ''}".rstrip()
                          + f": {_detail(str(bad.args[0]) if bad.args else type(bad).__name__)}",
                          retryable=False, reached=False)


def unsupported_proxy(*, url: str, proxy_url: str, variable: str) -> str:
    """A SOCKS proxy, in one line: which variable, which proxy (never its user or password), and the fix."""
    proxy = urlsplit(proxy_url)
    shown = _detail(f"{proxy.scheme}://{Where(host=proxy.hostname or '?', port=proxy.port or SOCKS_PORT).address}")
    return (f"{variable} is a SOCKS proxy ({shown}), which the gate does not support: set it to an HTTP proxy "
            f"(http://host:port), or add {Where.of(url).host} to NO_PROXY")


def describe(error: BaseException, *, url: str, proxy_url: str | None = None) -> NetworkFailure:
    """The readable one-line meaning of a failed request (requests, urllib3 or socket errors)."""
    where = Where.of(url, proxy_url)
    chain = list(causes(error))
    for check in (_malformed(chain, url), _proxy(chain, where), _tls(chain, where), _connecting(chain, where)):
        if check is not None:
            return check
    if _first(chain, (requests.exceptions.ReadTimeout, u3.ReadTimeoutError, socket.timeout, TimeoutError)):
        return NetworkFailure(f"{where.address} stopped answering (read timed out)", retryable=True, reached=True)
    if _first(chain, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)) is not None:
        return NetworkFailure(f"connection closed by {where.address} without a complete answer",
                              retryable=True, reached=True)
    if _first(chain, (http.client.IncompleteRead, u3.ProtocolError, requests.exceptions.ChunkedEncodingError)):
        return NetworkFailure(f"the answer from {where.address} was cut off", retryable=True, reached=True)
    return NetworkFailure(f"the request to {where.address} failed ({type(chain[-1]).__name__})",
                          retryable=True, reached=True)


def _connecting(chain: list[BaseException], where: Where) -> NetworkFailure | None:
    """A failure before any answer: the name, the connection."""
    silent = _first(chain, ResolveTimeout)
    if isinstance(silent, ResolveTimeout):
        return NetworkFailure(f"DNS lookup for {where.host} got no answer within {silent.seconds:.1f} s (check the "
                              "resolver: /etc/resolv.conf or the network's DNS)", retryable=True, reached=False)
    gai = _first(chain, socket.gaierror)
    if gai is not None or _first(chain, u3.NameResolutionError) is not None:
        return NetworkFailure(f"DNS lookup failed for {where.host}", retryable=True, reached=False)
    if _first(chain, ConnectionRefusedError) is not None:
        return NetworkFailure(f"connection refused by {where.address}", retryable=True, reached=False)
    connect_timeout = _first(chain, (requests.exceptions.ConnectTimeout, u3.ConnectTimeoutError))
    if connect_timeout is not None and _first(chain, u3.NewConnectionError) is None:
        return NetworkFailure(f"no connection to {where.address} in time", retryable=True, reached=False)
    new_connection = _first(chain, u3.NewConnectionError)
    if new_connection is not None:
        if _first(chain, (socket.timeout, TimeoutError)) is not None:
            return NetworkFailure(f"no connection to {where.address} in time", retryable=True, reached=False)
        cause = _first(chain[chain.index(new_connection) + 1:], OSError)
        unreachable = isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)
        reason = _os_reason(cause) if cause is not None else "the connection failed"
        return NetworkFailure(f"cannot connect to {where.address}: {reason}"
                              + (" (no route: check the endpoint)" if unreachable else ""),
                              retryable=True, reached=False)
    return None
