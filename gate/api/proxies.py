"""Which proxy a request goes through, decided here from the environment the gate is given (pure).

requests decides from the process's own environment when let (`trust_env`), and by its rules a loopback endpoint
goes through HTTP_PROXY too, with its `Authorization: Bearer` header in clear text to the proxy. So the transport
turns that off and asks here instead:
- a loopback host (127.0.0.0/8, ::1, localhost) never goes through a proxy: the emulator is on this machine, and a
  request for it must stay there (Go's net/http makes the same exception);
- otherwise `<scheme>_proxy`, then `all_proxy`, the lower-case name before the upper-case one (as urllib's
  getproxies reads them); an empty value is unset;
- `no_proxy` (or `NO_PROXY`): comma-separated; `*` is every host; a name matches itself and the names under it (a
  leading `.` or `*.` changes nothing); an address or a CIDR block matches the addresses in it; `:PORT` after an
  entry limits it to that port;
- the proxy's URL must parse (a host, a port in range) and be http:// or https://: otherwise the gate stops with one
  line naming the variable, never the URL (it may hold a user and password).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from gate.config.validation import is_loopback_host
from gate.errors import PermanentNetworkError

_SUPPORTED = ("http", "https")


@dataclass(frozen=True)
class Proxy:
    """A proxy to send a request through: its URL (credentials included: for requests alone), the variable it came
    from and its address (host and port: what messages may show)."""

    url: str
    variable: str
    address: str


def proxy_variable(url: str, proxy: str, env: Mapping[str, str]) -> str:
    """The variable `proxy` came from for `url`, as urllib's getproxies reads them (`https_proxy` before
    `HTTPS_PROXY`, then `all_proxy`), or a plain phrase when it came from elsewhere."""
    found = _variable(url.partition(":")[0].lower(), env)
    return found if found is not None and env[found].strip() == proxy else "the proxy setting"


def _variable(scheme: str, env: Mapping[str, str]) -> str | None:
    """The name of the variable that sets the proxy for `scheme`, if one does."""
    for key in (f"{scheme}_proxy", "all_proxy"):
        names = sorted((name for name in env if name.lower() == key and env[name].strip()), key=lambda n: n != key)
        if names:
            return names[0]
    return None


def address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def checked(proxy_url: str, *, variable: str, url: str) -> Proxy:
    """The proxy, once its URL is known to be usable; PermanentNetworkError (one line, no credentials) if not."""
    given = proxy_url.strip()
    full = given if "://" in given else "http://" + given  # requests' reading of a bare host:port
    try:
        parts = urlsplit(full)
        host, port = parts.hostname, parts.port
    except ValueError as e:  # a port out of range, a broken IPv6 literal: its text names neither
        raise PermanentNetworkError(_malformed(variable, _reason(e))) from None
    scheme = parts.scheme.lower()
    if not host:
        raise PermanentNetworkError(_malformed(variable, "it names no host"))
    if scheme.startswith("socks"):
        from gate.api.netfail import unsupported_proxy  # its wording, shared with the adapter's refusal

        raise PermanentNetworkError(unsupported_proxy(url=url, proxy_url=full, variable=variable))
    if scheme not in _SUPPORTED:
        raise PermanentNetworkError(_malformed(variable, "its scheme is neither http nor https"))
    return Proxy(full, variable, address(host, port if port is not None else (443 if scheme == "https" else 80)))


def _reason(error: ValueError) -> str:
    text = str(error).lower()
    if "port" in text:
        return "its port is not a number from 0 to 65535"
    if "ipv6" in text or "[" in text or "]" in text:
        return "its IPv6 address is not valid"
    return "it does not parse"


def _malformed(variable: str, reason: str) -> str:
    return (f"{variable} is not a usable proxy URL ({reason}); set it to http://host:port, with user:password@ "
            "before the host if the proxy asks for them")


def choose(url: str, env: Mapping[str, str]) -> Proxy | None:
    """The proxy the environment names for `url`, or None to connect directly (see the module's rules)."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")  # `localhost.` is localhost
    if is_loopback_host(host):
        return None
    variable = _variable(scheme, env)
    if variable is None or bypassed(host, parts.port or (443 if scheme == "https" else 80), no_proxy(env)):
        return None
    return checked(env[variable], variable=variable, url=url)


def no_proxy(env: Mapping[str, str]) -> str:
    names = sorted((name for name in env if name.lower() == "no_proxy" and env[name].strip()),
                   key=lambda n: n != "no_proxy")  # an empty value is unset, as for the proxies themselves
    return env[names[0]] if names else ""


def bypassed(host: str, port: int, entries: str) -> bool:
    """Whether `no_proxy`'s `entries` name `host` (at `port`)."""
    host = host.lower().strip("[]").rstrip(".")
    return any(_matches(host, port, entry.strip().lower()) for entry in entries.split(",") if entry.strip())


def _matches(host: str, port: int, entry: str) -> bool:
    if entry == "*":
        return True
    pattern, wanted = _split_port(entry)
    if wanted is not None and wanted != port:
        return False
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(pattern.strip("[]"), strict=False)
    except ValueError:
        pass
    name = pattern.removeprefix("*").lstrip(".").rstrip(".")
    return bool(name) and (host == name or host.endswith("." + name))


def _split_port(entry: str) -> tuple[str, int | None]:
    """`host:port`, `[::1]:port`, or an entry without a port (a bare IPv6 address has colons of its own)."""
    if entry.startswith("["):
        inside, _, rest = entry[1:].partition("]")
        return inside, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if entry.count(":") == 1:
        name, _, port = entry.partition(":")
        return name, int(port) if port.isdigit() else None
    return entry, None
