"""Network failures in one readable line: chains built the way requests and urllib3 nest them (see
test_transport.py for the same failures produced for real on loopback)."""

from __future__ import annotations

import errno
import http.client
import socket
import ssl

import pytest
import requests
from urllib3 import exceptions as u3

from gate.api.netfail import NetworkFailure, Where, causes, describe, unsupported_proxy

URL = "https://codecatalyst.example/v1/spaces/S/projects/P/workflowRuns/x"
LOCAL = "http://127.0.0.1:1/v1/x"


def wrapped(root: BaseException, middle: BaseException | None = None, *,
            outer: type[requests.RequestException] = requests.ConnectionError) -> requests.RequestException:
    """outer(MaxRetryError(reason=middle)) with middle raised `from root`, as urllib3 does."""
    if middle is None:
        middle = root
    else:
        middle.__cause__ = root
    return outer(u3.MaxRetryError(None, "/v1/x", reason=middle))


def verify_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}")
    error.verify_code, error.verify_message, error.reason = code, message, "CERTIFICATE_VERIFY_FAILED"
    return error


def handshake_error(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, f"[SSL: {reason}] {reason.lower().replace('_', ' ')}")
    error.reason = reason
    return error


def test_causes_walks_reason_args_cause_and_context_once() -> None:
    root = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    error = wrapped(root, u3.NewConnectionError(None, "Failed to establish a new connection"))
    chain = list(causes(error))
    assert chain[0] is error and chain[-1] is root
    assert [type(e) for e in chain] == [requests.ConnectionError, u3.MaxRetryError, u3.NewConnectionError,
                                        ConnectionRefusedError]


CASES = [
    pytest.param(wrapped(ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
                         u3.NewConnectionError(None, "Failed to establish a new connection: [Errno 111]")),
                 LOCAL, NetworkFailure("connection refused by 127.0.0.1:1", True, False), id="refused"),
    pytest.param(wrapped(socket.gaierror(-2, "Name or service not known"),
                         u3.NameResolutionError("codecatalyst.example", None, socket.gaierror(-2, "x"))),
                 URL, NetworkFailure("DNS lookup failed for codecatalyst.example", True, False), id="dns"),
    pytest.param(wrapped(verify_error(19, "self-signed certificate in certificate chain"),
                         u3.SSLError("certificate verify failed"), outer=requests.exceptions.SSLError),
                 URL, NetworkFailure("TLS certificate not trusted for codecatalyst.example: self-signed certificate "
                                     "in certificate chain (set REQUESTS_CA_BUNDLE to your CA bundle)", False, False),
                 id="untrusted"),
    pytest.param(wrapped(verify_error(62, "Hostname mismatch, certificate is not valid for 'codecatalyst.example'."),
                         u3.SSLError("x"), outer=requests.exceptions.SSLError),
                 URL, NetworkFailure("TLS certificate does not match the name codecatalyst.example: Hostname "
                                     "mismatch, certificate is not valid for 'codecatalyst.example'. "
                                     "(check the endpoint)", False, False), id="hostname-mismatch"),
    pytest.param(wrapped(handshake_error("WRONG_VERSION_NUMBER"), u3.SSLError("x"), outer=requests.exceptions.SSLError),
                 URL, NetworkFailure("TLS handshake with codecatalyst.example:443 failed: WRONG_VERSION_NUMBER "
                                     "(is it a plain http port?)", True, False), id="handshake"),
    pytest.param(wrapped(TimeoutError("timed out"), u3.ConnectTimeoutError(None, "Connection to x timed out"),
                         outer=requests.ConnectTimeout),
                 URL, NetworkFailure("no connection to codecatalyst.example:443 in time", True, False),
                 id="connect-timeout"),
    pytest.param(wrapped(OSError(errno.ENETUNREACH, "Network is unreachable"), u3.NewConnectionError(None, "x")),
                 URL, NetworkFailure("cannot connect to codecatalyst.example:443: Network is unreachable "
                                     "(no route: check the endpoint)", True, False), id="unreachable"),
    pytest.param(wrapped(TimeoutError("timed out"), u3.ReadTimeoutError(None, "/v1/x", "Read timed out."),
                         outer=requests.ReadTimeout),
                 URL, NetworkFailure("codecatalyst.example:443 stopped answering (read timed out)", True, True),
                 id="read-timeout"),
    pytest.param(requests.ConnectionError(u3.ProtocolError("Connection aborted.", http.client.RemoteDisconnected(
                 "Remote end closed connection without response"))),
                 URL, NetworkFailure("connection closed by codecatalyst.example:443 without a complete answer",
                                     True, True), id="dropped"),
    pytest.param(u3.ProtocolError("Response ended prematurely"),
                 URL, NetworkFailure("the answer from codecatalyst.example:443 was cut off", True, True), id="cut-off"),
    pytest.param(requests.exceptions.InvalidURL("Failed to parse: https://a b"),
                 "https://a b", NetworkFailure("malformed endpoint https://a b: Failed to parse: https://a b",
                                               False, False), id="malformed"),
]


@pytest.mark.parametrize(("error", "url", "expected"), CASES)
def test_each_failure_reads_as_one_line(error: BaseException, url: str, expected: NetworkFailure) -> None:
    failure = describe(error, url=url)
    assert failure == expected
    assert "\n" not in failure.message
    for internal in ("HTTPConnectionPool", "Max retries", "urllib3", "NewConnectionError", "object at 0x"):
        assert internal not in failure.message


def test_proxy_failures_name_the_proxy_but_never_its_password() -> None:
    proxy = "http://user:pa55w0rd@proxy.corp:3128"
    refused = requests.exceptions.ProxyError(u3.MaxRetryError(None, "/", reason=u3.ProxyError(
        "Unable to connect to proxy", ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"))))
    failure = describe(refused, url=URL, proxy_url=proxy)
    assert failure == NetworkFailure("connection refused by proxy proxy.corp:3128 (check HTTPS_PROXY, or NO_PROXY "
                                     "for codecatalyst.example)", True, False)
    tunnel = requests.exceptions.ProxyError(u3.MaxRetryError(None, "/", reason=u3.ProxyError(
        "Unable to connect to proxy", OSError("Tunnel connection failed: 407 Proxy Authentication Required"))))
    failure = describe(tunnel, url=URL, proxy_url=proxy)
    assert failure.message == ("proxy proxy.corp:3128 would not open a tunnel to codecatalyst.example:443: "
                               "407 Proxy Authentication Required (check the user and password in HTTPS_PROXY)")
    assert not failure.retryable and not failure.reached
    assert "pa55w0rd" not in failure.message and "user" not in failure.message.split("(")[0]


def test_a_proxys_reason_phrase_is_untrusted_text() -> None:
    tunnel = requests.exceptions.ProxyError(u3.ProxyError(
        "Unable to connect to proxy",
        OSError("Tunnel connection failed: 502 bad\n::error::x ##vso[task.x]" + "y" * 500)))
    failure = describe(tunnel, url=URL, proxy_url="http://127.0.0.1:8888")
    assert "\n" not in failure.message and "##vso[" not in failure.message
    assert len(failure.message) < 250 and failure.retryable


def test_unknown_failures_never_show_internals() -> None:
    failure = describe(requests.RequestException("HTTPConnectionPool(host='x', port=1): Max retries exceeded"), url=URL)
    assert failure.message == "the request to codecatalyst.example:443 failed (RequestException)"


@pytest.mark.parametrize(("url", "proxy", "address", "shown"), [
    ("https://h.example/v1", None, "h.example:443", None),
    ("http://127.0.0.1:8080/v1", "http://u:p@10.0.0.1:3128", "127.0.0.1:8080", "10.0.0.1:3128"),
    ("https://[::1]:9/v1", "proxy.corp:80", "[::1]:9", "proxy.corp:80"),
])
def test_where(url: str, proxy: str | None, address: str, shown: str | None) -> None:
    where = Where.of(url, proxy)
    assert (where.address, where.proxy) == (address, shown)


@pytest.mark.parametrize(("proxy", "shown"), [
    ("socks5h://user:pa55w0rd@proxy.corp:1081", "socks5h://proxy.corp:1081"),
    ("SOCKS5://[::1]", "socks5://[::1]:1080"),  # SOCKS' own default port
])
def test_a_socks_proxy_is_one_line_naming_the_variable_and_the_fix(proxy: str, shown: str) -> None:
    message = unsupported_proxy(url=URL, proxy_url=proxy, variable="HTTPS_PROXY")
    assert message == (f"HTTPS_PROXY is a SOCKS proxy ({shown}), which the gate does not support: set it to an "
                       "HTTP proxy (http://host:port), or add codecatalyst.example to NO_PROXY")
