"""Where the bearer token comes from, in the order AWS tools look, without ever refreshing or writing anything.

Order: --token-file, CODECATALYST_TOKEN, AWS_BEARER_TOKEN_CODECATALYST (botocore's variable for this
service), then --profile / AWS_PROFILE: the SSO token `aws sso login` cached for that profile. botocore's
rules (configloader.build_profile_map, tokens.SSOTokenProvider, utils.SSOTokenLoader): the config file is
AWS_CONFIG_FILE or ~/.aws/config; `[default]` or `[profile NAME]`; a profile's `sso_session = S` names an
`[sso-session S]` section and the cache file is ~/.aws/sso/cache/<sha1(S)>.json; a legacy profile with
`sso_start_url = U` (no sso_session) is cached under <sha1(U)>.json. The file holds accessToken and expiresAt.

Errors name fields and paths, never what a file holds: a cache or token file is a secret.
"""

from __future__ import annotations

import configparser
import errno
import hashlib
import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from gate.config import fields
from gate.config.validation import read_bounded, validate_endpoint, validate_token
from gate.defaults import DEFAULT_ENDPOINT, FIPS_ENDPOINT
from gate.errors import InputError
from gate.timestamps import parse_time

TOKEN_ENV = fields.BY_KEY["token"].env or ""
AWS_TOKEN_ENV = "AWS_BEARER_TOKEN_CODECATALYST"
ORDER = f"--token-file, {TOKEN_ENV}, {AWS_TOKEN_ENV}, then --profile / AWS_PROFILE (the `aws sso login` cache)"

ReadText = Callable[[Path], str]


@dataclass(frozen=True)
class Credential:
    """The token and, for the log, where it came from (never the token itself)."""

    token: str = field(repr=False)
    source: str
    sso: bool = False  # the SSO token `aws sso login` cached: for CodeCatalyst's own endpoints (check_sso_endpoint)


# An AWS config file or an SSO cache file is a few KiB; past this it is not one (and is not read further).
MAX_FILE = 1024 * 1024


def _read_text(path: Path) -> str:
    """A file's text; one that is not UTF-8 is an OSError like any unreadable file (the callers name its path)."""
    try:
        return read_bounded(path, limit=MAX_FILE)
    except UnicodeDecodeError:
        raise OSError(errno.EILSEQ, "not UTF-8 text", str(path)) from None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def find_token(
    *,
    profile: str | None,
    env: Mapping[str, str],
    read_text: ReadText = _read_text,
    now: Callable[[], datetime] = _utc_now,
) -> Credential:
    """The AWS tools' sources, after the gate's own (--token-file, CODECATALYST_TOKEN: gate.config.inputs.read_token):
    the first that is set wins; an empty value counts as unset (an Action input left blank)."""
    if env.get(AWS_TOKEN_ENV, "").strip():
        return Credential(validate_token(env[AWS_TOKEN_ENV], field=AWS_TOKEN_ENV), AWS_TOKEN_ENV)
    if profile:
        return sso_token(profile=profile, field=fields.CLI("profile"), env=env, read_text=read_text, now=now)
    if env.get("AWS_PROFILE", "").strip():
        return sso_token(profile=env["AWS_PROFILE"].strip(), field="AWS_PROFILE", env=env, read_text=read_text,
                         now=now)
    raise InputError(TOKEN_ENV, "", f"a CodeCatalyst token is required; the gate looks at {ORDER}")


def home_dir(env: Mapping[str, str]) -> Path:
    home = env.get("HOME") or env.get("USERPROFILE")
    return Path(home) if home else Path.home()


def _expand(path: str, env: Mapping[str, str]) -> Path:
    """botocore's expandvars + expanduser, against the given environment."""
    expanded = re.sub(r"\$(\w+)|\$\{(\w+)\}", lambda m: env.get(m.group(1) or m.group(2), m.group(0)), path)
    if expanded == "~" or expanded.startswith("~/"):
        return home_dir(env) / expanded[2:]
    return Path(expanded)


def config_path(env: Mapping[str, str]) -> Path:
    chosen = env.get("AWS_CONFIG_FILE", "").strip()
    return _expand(chosen, env) if chosen else home_dir(env) / ".aws" / "config"


def cache_dir(env: Mapping[str, str]) -> Path:
    """botocore fixes this one at ~/.aws/sso/cache; no variable moves it."""
    return home_dir(env) / ".aws" / "sso" / "cache"


def _sections(path: Path, text: str, *, field: str, profile: str) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as e:
        line = getattr(e, "lineno", None)
        where = f" (line {line})" if line else ""
        raise InputError(field, profile, f"{path} is not a valid AWS config file: {type(e).__name__}{where}") from None
    return {name: dict(parser.items(name)) for name in parser.sections()}


def _named(sections: dict[str, dict[str, str]], kind: str) -> dict[str, dict[str, str]]:
    """`[profile dev]`, `[profile "dev"]` -> {"dev": ...}; the later section wins, as in botocore."""
    found: dict[str, dict[str, str]] = {}
    for key, values in sections.items():
        if kind == "profile" and key == "default":
            found["default"] = values
        elif key.startswith(kind):
            try:
                parts = shlex.split(key)
            except ValueError:
                continue
            if len(parts) == 2 and parts[0] == kind:
                found[parts[1]] = values
    return found


def _cache_key(profile: str, values: dict[str, str], sessions: dict[str, dict[str, str]], *, path: Path,
               field: str) -> tuple[str, str]:
    """(sha1 input, words for the log): the sso-session name, or a legacy profile's start URL."""
    session = values.get("sso_session", "").strip()
    if session:
        if session not in sessions:
            raise InputError(field, profile, f"its sso_session {session!r} has no [sso-session {session}] "
                                             f"section in {path}")
        return session, f"sso-session {session}"
    start_url = values.get("sso_start_url", "").strip()
    if start_url:
        return start_url, "legacy sso_start_url"
    raise InputError(field, profile, f"the profile in {path} has neither sso_session nor sso_start_url; the gate "
                                     f"reads only tokens cached by `aws sso login` (or set {TOKEN_ENV})")


def _expiry(text: object) -> datetime | None:
    """expiresAt as the AWS CLI writes it (`...Z`; older versions `...UTC`), read by gate.timestamps. A time there
    without an offset is UTC: the AWS CLI's cache is not an API answer, and its writer keeps UTC by convention
    rather than in the text (the one place the gate gives a time its offset)."""
    if not isinstance(text, str):
        return None
    cleaned = re.sub(r"(?i)(?:Z|\s*UTC)$", "Z", text.strip())
    return parse_time(cleaned) or parse_time(f"{cleaned}Z")


def sso_token(
    *,
    profile: str,
    field: str,
    env: Mapping[str, str],
    read_text: ReadText = _read_text,
    now: Callable[[], datetime] = _utc_now,
) -> Credential:
    """The cached SSO access token of `profile`; missing, unreadable or expired -> how to log in again."""
    login = f"run `aws sso login --profile {profile}`, then retry"
    path = config_path(env)
    try:
        text = read_text(path)
    except OSError as e:
        raise InputError(field, profile, f"the AWS config file {path} cannot be read ({e.strerror or e}); "
                                         "set AWS_CONFIG_FILE or create it with `aws configure sso`") from None
    sections = _sections(path, text, field=field, profile=profile)
    profiles = _named(sections, "profile")
    if profile not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise InputError(field, profile, f"no such profile in {path} (profiles: {known})")
    key, how = _cache_key(profile, profiles[profile], _named(sections, "sso-session"), path=path, field=field)
    cache = cache_dir(env) / (hashlib.sha1(key.encode("utf-8")).hexdigest() + ".json")
    try:
        raw = read_text(cache)
    except FileNotFoundError:
        raise InputError(field, profile, f"no cached SSO token ({cache} does not exist); {login}") from None
    except OSError as e:
        raise InputError(field, profile, f"the cached SSO token {cache} cannot be read ({e.strerror or e}); "
                                         f"{login}") from None
    try:
        cached = json.loads(raw)
    except ValueError:
        cached = None
    if not isinstance(cached, dict) or not isinstance(cached.get("accessToken"), str):
        raise InputError(field, profile, f"the cached SSO token {cache} is not a token cache file "
                                         f"(no accessToken); {login}")
    expires = _expiry(cached.get("expiresAt"))
    if expires is None:
        raise InputError(field, profile, f"the cached SSO token {cache} has no readable expiresAt; {login}")
    if expires <= now():
        stamp = expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        raise InputError(field, profile, f"the cached SSO token expired at {stamp}; {login}")
    token = validate_token(cached["accessToken"], field=f"accessToken in {cache}")
    source = f"the SSO token `aws sso login` cached for profile {profile} ({how}, {cache})"
    return Credential(token, source, sso=True)


# The AWS tools' own ways to name CodeCatalyst's endpoint (botocore: the service's variable before the global one).
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_CODECATALYST", "AWS_ENDPOINT_URL")


def sso_endpoints(env: Mapping[str, str]) -> tuple[str, ...]:
    """Where an SSO token may go: CodeCatalyst's own endpoints, and the one the AWS tools are told to use instead."""
    named = next((env[v].strip() for v in ENDPOINT_VARIABLES if env.get(v, "").strip()), None)
    return (DEFAULT_ENDPOINT, FIPS_ENDPOINT) + ((named.rstrip("/"),) if named else ())


def check_sso_endpoint(endpoint: str, *, env: Mapping[str, str], field: str, source: str) -> None:
    """An IAM Identity Center token opens more than CodeCatalyst: it goes only to CodeCatalyst's own endpoints
    (the default and FIPS), or to one the user named for the AWS tools as well (AWS_ENDPOINT_URL_CODECATALYST)."""
    allowed = [e.lower() for e in sso_endpoints(env)]
    if endpoint.rstrip("/").lower() in allowed:
        return
    raise InputError(field, validate_endpoint(endpoint, field=field),
                     f"{source.split(' (', 1)[0]} is sent only to CodeCatalyst's own endpoints ({DEFAULT_ENDPOINT}, "
                     f"{FIPS_ENDPOINT}); to send it to this one, set {ENDPOINT_VARIABLES[0]} to it (as the AWS CLI "
                     "would be told), or give the gate a token of its own (CODECATALYST_TOKEN)")
