"""gate.api.proxies: which proxy a request goes through, from the environment given (pure)."""

from __future__ import annotations

import pytest

from gate.api.proxies import bypassed, checked, choose
from gate.errors import ExitCode, PermanentNetworkError

PROXY = "http://u:pw@proxy.corp:3128"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/v1", "https://127.0.0.1:8443/v1", "http://127.9.9.9:1/v1", "http://[::1]:8080/v1",
    "http://localhost:8080/v1", "http://LOCALHOST:8080/v1", "http://localhost.:8080/v1",
])
def test_loopback_is_never_proxied(url: str) -> None:
    env = {"HTTP_PROXY": PROXY, "HTTPS_PROXY": PROXY, "ALL_PROXY": PROXY, "http_proxy": PROXY}
    assert choose(url, env) is None


@pytest.mark.parametrize(("env", "variable"), [
    ({"HTTPS_PROXY": PROXY}, "HTTPS_PROXY"),
    ({"https_proxy": PROXY, "HTTPS_PROXY": "http://other:1"}, "https_proxy"),  # lower-case first, as urllib
    ({"HTTPS_PROXY": "  ", "all_proxy": PROXY}, "all_proxy"),  # empty is unset
    ({"ALL_PROXY": PROXY}, "ALL_PROXY"),
])
def test_the_variable_for_the_scheme_then_all_proxy(env: dict[str, str], variable: str) -> None:
    chosen = choose("https://codecatalyst.example/v1", env)
    assert chosen is not None and (chosen.variable, chosen.address) == (variable, "proxy.corp:3128")


def test_no_proxy_variable_no_proxy() -> None:
    assert choose("https://codecatalyst.example/v1", {"HTTP_PROXY": PROXY}) is None


def test_an_empty_no_proxy_is_unset_and_the_other_spelling_holds() -> None:
    env = {"HTTPS_PROXY": PROXY, "no_proxy": "", "NO_PROXY": "*"}
    assert choose("https://codecatalyst.example/v1", env) is None  # as requests and Go read it


@pytest.mark.parametrize(("host", "port", "entries", "expected"), [
    ("codecatalyst.example", 443, "codecatalyst.example", True),
    ("api.codecatalyst.example", 443, ".codecatalyst.example", True),
    ("api.codecatalyst.example", 443, "*.codecatalyst.example", True),
    ("api.codecatalyst.example", 443, "codecatalyst.example", True),
    ("notcodecatalyst.example", 443, "codecatalyst.example", False),  # a suffix is not a domain
    ("codecatalyst.example", 443, "codecatalyst.example:8443", False),
    ("codecatalyst.example", 8443, " other.example , codecatalyst.example:8443", True),
    ("10.1.2.3", 443, "10.0.0.0/8", True),
    ("10.1.2.3", 443, "10.1.2.4", False),
    ("::5", 443, "[::5]:443", True),
    ("::5", 443, "::/120", True),
    ("anything.example", 443, "*", True),
    ("codecatalyst.example", 443, "", False),
])
def test_no_proxy_entries(host: str, port: int, entries: str, expected: bool) -> None:
    assert bypassed(host, port, entries) is expected


def test_no_proxy_lower_case_first() -> None:
    env = {"HTTPS_PROXY": PROXY, "no_proxy": "other.example", "NO_PROXY": "codecatalyst.example"}
    assert choose("https://codecatalyst.example/v1", env) is not None
    assert choose("https://codecatalyst.example/v1", {**env, "no_proxy": "codecatalyst.example"}) is None


@pytest.mark.parametrize(("proxy", "reason"), [
    ("http://proxyuser:Pr0xyPassw0rd@proxy.invalid:99999", "its port is not a number from 0 to 65535"),
    ("http://proxyuser:Pr0xyPassw0rd@[::1:3128", "its IPv6 address is not valid"),
    ("http://proxyuser:Pr0xyPassw0rd@:3128", "it names no host"),
    ("ftp://proxyuser:Pr0xyPassw0rd@proxy.corp:21", "its scheme is neither http nor https"),
])
def test_an_unusable_proxy_url_is_one_line_without_its_text(proxy: str, reason: str) -> None:
    with pytest.raises(PermanentNetworkError) as caught:
        choose("https://codecatalyst.example/v1", {"HTTPS_PROXY": proxy})
    assert str(caught.value) == (f"HTTPS_PROXY is not a usable proxy URL ({reason}); set it to http://host:port, "
                                 "with user:password@ before the host if the proxy asks for them")
    assert caught.value.exit_code == ExitCode.UNAVAILABLE


def test_a_bare_host_and_port_is_http() -> None:
    proxy = checked("proxy.corp:3128", variable="HTTPS_PROXY", url="https://h.example/v1")
    assert (proxy.url, proxy.address) == ("http://proxy.corp:3128", "proxy.corp:3128")
