"""Validation of user input, before anything is sent.

The model's patterns are unanchored; here every rule must match the *whole* value, so that
`../x`, `a/b` or a UUID with a suffix can never reach a URL.
"""

from __future__ import annotations

import errno
import ipaddress
import math
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from gate.config.fields import CLI
from gate.defaults import DEFAULT_ENDPOINT, MAX_RERUNS, MIN_HEARTBEAT, MIN_INTERVAL
from gate.errors import InputError
from gate.timestamps import parse_time

NAME_PATTERN = r"[a-zA-Z0-9]+(?:[-_\.][a-zA-Z0-9]+)*"
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_NAME = re.compile(NAME_PATTERN)
_UUID = re.compile(UUID_PATTERN)
# The rules in words, for people: a regex in an error message is a puzzle, not an explanation.
NAME_RULE = "letters and digits, with single '-', '_' or '.' between them"
UUID_RULE = "a UUID like 0f8fad5b-d9cb-469f-a165-70867728950e"


def _name(field: str, value: str, *, min_length: int, max_length: int | None) -> str:
    if len(value) < min_length or (max_length is not None and len(value) > max_length):
        bound = f"{min_length}-{max_length}" if max_length else f"at least {min_length}"
        raise InputError(field, value, f"length must be {bound} characters (got {len(value)})")
    if not _NAME.fullmatch(value):
        raise InputError(field, value, f"must be {NAME_RULE} (nothing else, no spaces)")
    return value


def validate_space(value: str, *, field: str = CLI("space")) -> str:
    return _name(field, value, min_length=3, max_length=63)


def validate_project(value: str, *, field: str = CLI("project")) -> str:
    return _name(field, value, min_length=1, max_length=None)


def is_uuid(value: str) -> bool:
    return _UUID.fullmatch(value) is not None


def validate_run_id(value: str, *, field: str = CLI("run-id")) -> str:
    if not _UUID.fullmatch(value):
        raise InputError(field, value, f"must be {UUID_RULE} (nothing before or after it)")
    return value


TOKEN_HINT = ("set CODECATALYST_TOKEN or pass --token-file (or set AWS_BEARER_TOKEN_CODECATALYST, or --profile "
              "/ AWS_PROFILE after `aws sso login`)")


def validate_token(value: str, *, field: str = CLI("token"), hint: str = TOKEN_HINT) -> str:
    """Strip the trailing newline files carry; refuse what would break the Authorization header."""
    token = value.strip()
    if not token:
        raise InputError(field, "", f"a CodeCatalyst personal access token is required; {hint}")
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in token):
        # The value is a secret: name the rule, never the value.
        raise InputError(field, "<redacted>", "must be printable ASCII with no spaces or line breaks")
    return token


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_endpoint(value: str, *, field: str = CLI("endpoint")) -> str:
    """https everywhere; plain http only for loopback (the emulator). Returns it without a trailing '/'."""
    rule = _endpoint_rule(value)
    if rule is None:
        return value.strip().rstrip("/")
    meant = likely_endpoint(value) or without_path(value)
    raise InputError(field, without_credentials(value), f"{rule}; did you mean {meant}?" if meant else rule)


def without_credentials(url: str) -> str:
    """`url` with any user and password before its host shown as `***`: an error refusing them never repeats them."""
    return _USERINFO.sub(r"\1***@", url)


# From `//` (or the start, for a URL typed without a scheme) to the last `@` before the path: the user and password.
_USERINFO = re.compile(r"(^|//)[^/?#\s]*@")


def without_path(value: str) -> str | None:
    """`http://127.0.0.1:8080/v1` -> `http://127.0.0.1:8080`, when that is a good endpoint."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    candidate = f"{parts.scheme}://{parts.netloc}"
    return candidate if parts.path.strip("/") and _endpoint_rule(candidate) is None else None


def _endpoint_rule(value: str) -> str | None:
    """The rule `value` breaks, or None for a good endpoint."""
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        return f"must be a URL like {DEFAULT_ENDPOINT} ({e})"
    if any(c.isspace() or not c.isprintable() for c in value.strip()):
        return "must not contain spaces or control characters"
    if parts.scheme not in ("https", "http") or not host:
        return f"must be an https:// URL like {DEFAULT_ENDPOINT} (http:// for a loopback host)"
    if parts.scheme == "http" and not is_loopback_host(host):
        return "plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost); use https"
    if parts.username or parts.password or parts.query or parts.fragment:
        return "must not carry credentials, a query or a fragment"
    if parts.path.strip("/"):  # the model's request URIs start at the root: /v1/spaces/...
        return f"must be the service's address alone, no path (the gate adds /v1/spaces/...), like {DEFAULT_ENDPOINT}"
    return None


# What stands before the host: a scheme, right or misspelled (`htp://`, `https:/`, `http//`), or nothing at all.
_BEFORE_HOST = re.compile(r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)(?::/+|:?//+))?(?P<rest>.+)")


def likely_endpoint(value: str) -> str | None:
    """The URL a bad endpoint most likely meant, when one is plain: the host and port as given, with http:// for a
    loopback host (the emulator) and https:// for any other, or where the scheme typed ends in s (`htps://`).
    `127.0.0.1:8080` -> http://127.0.0.1:8080."""
    match = _BEFORE_HOST.fullmatch(value.strip())
    if match is None:
        return None
    rest = match["rest"]
    try:
        host = urlsplit(f"//{rest}").hostname or ""
    except ValueError:
        return None
    secure = not is_loopback_host(host) or (match["scheme"] or "").lower().endswith("s")
    candidate = f"{'https' if secure else 'http'}://{rest}"
    return candidate if host and candidate != value.strip() and _endpoint_rule(candidate) is None else None


# A CodeCatalyst personal access token is about 100 characters and an IAM Identity Center access token a few KiB:
# 64 KiB holds any token with room to spare, and `--token-file /dev/zero` is refused instead of filling the memory.
MAX_TOKEN_FILE = 64 * 1024


def read_bounded(path: Path, *, limit: int) -> str:
    """A file's UTF-8 text, or OSError(EFBIG) when it is longer than `limit` bytes (no more than that is read)."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit // 1024} KiB", str(path))
    return data.decode("utf-8")


def validate_output_path(path: Path, *, field: str) -> Path:
    """A file the gate writes when the wait ends: in a folder that exists, neither a symbolic link (gate.report.files
    neither follows nor replaces one) nor a folder, which could never be written."""
    if not path.absolute().parent.is_dir():
        raise InputError(field, str(path), "its folder must exist: the file is written when the wait ends")
    if path.is_symlink():
        raise InputError(field, str(path), "it is a symbolic link, which the gate neither follows nor replaces: "
                                           "name the file itself")
    if path.is_dir():  # an empty path is the current folder: told now, not after the wait
        raise InputError(field, str(path), "it is a folder: name a file in it")
    return path


_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = re.compile(rf"(?:(?P<h>{_NUMBER})h)?(?:(?P<m>{_NUMBER})m)?(?:(?P<s>{_NUMBER})s)?")
DURATION_RULE = "must be a duration such as 90, 90s, 15m or 1h30m"


def parse_duration(value: str | float, *, field: str) -> float:
    """Seconds from `90`, `2.5`, `90s`, `15m` or `1h30m` (a bare number is seconds)."""
    if isinstance(value, (int, float)):
        return float(value)
    text = value.strip().lower()
    if re.fullmatch(_NUMBER, text):
        return float(text)
    match = _DURATION.fullmatch(text)
    if not text or match is None or not any(match.groupdict().values()):
        raise InputError(field, value, DURATION_RULE)
    parts = {unit: float(amount or 0) for unit, amount in match.groupdict().items()}
    return parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


def validate_interval(value: str | float, *, field: str = CLI("interval")) -> float:
    seconds = parse_duration(value, field=field)
    if not math.isfinite(seconds) or seconds < MIN_INTERVAL:
        raise InputError(field, value, f"must be at least {MIN_INTERVAL} seconds ({DURATION_RULE})")
    return seconds


def validate_timeout(value: str | float, *, field: str = CLI("timeout")) -> float | None:
    """0 means no deadline."""
    seconds = parse_duration(value, field=field)
    if not math.isfinite(seconds) or seconds < 0:
        raise InputError(field, value, f"{DURATION_RULE}; 0 means no timeout")
    return seconds or None


def validate_rerun_failed(value: str | int, *, field: str = CLI("rerun-failed")) -> int:
    """How many times a run that ends FAILED is started again: a whole number from 0 to MAX_RERUNS."""
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{1,3}", text) or int(text) > MAX_RERUNS:
        raise InputError(field, value, f"must be a whole number from 0 to {MAX_RERUNS} (how many times a run that "
                                       "ends FAILED is started again)")
    return int(text)


def validate_heartbeat(value: str | float, *, field: str = CLI("heartbeat")) -> float | None:
    """0 turns the heartbeat off."""
    seconds = parse_duration(value, field=field)
    if seconds != 0 and not (math.isfinite(seconds) and seconds >= MIN_HEARTBEAT):
        raise InputError(field, value, f"must be 0 (off) or at least {MIN_HEARTBEAT:g} second ({DURATION_RULE})")
    return seconds or None


CLIENT_TOKEN_PATTERN = r"[a-zA-Z0-9]+(?:[-_\.][a-zA-Z0-9]+)*"  # the model's ClientToken pattern, matched as a whole
CLIENT_TOKEN_MAX_LENGTH = 64
_CLIENT_TOKEN = re.compile(CLIENT_TOKEN_PATTERN)


def validate_client_token(value: str, *, field: str = CLI("client-token")) -> str:
    if not 1 <= len(value) <= CLIENT_TOKEN_MAX_LENGTH:
        raise InputError(field, value, f"length must be 1-{CLIENT_TOKEN_MAX_LENGTH} characters (got {len(value)})")
    if not _CLIENT_TOKEN.fullmatch(value):
        raise InputError(field, value, f"must be {NAME_RULE} (nothing else, no spaces)")
    return value


def parse_since(value: str, *, field: str = CLI("since")) -> datetime:
    moment = parse_time(value.strip())
    if moment is None:
        raise InputError(field, value, "must be an RFC 3339 time with a UTC offset, e.g. 2026-11-30T09:00:00Z "
                                       "or 2026-11-30T10:00:00+01:00")
    return moment
