"""The token's sources, in order, and the `aws sso login` cache read exactly where botocore reads it."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gate.config.credentials import Credential, find_token
from gate.config.inputs import CLI_NAMES, RawInputs, read_token
from gate.emulator.awscli import aws_cli_env, sso_cache_file
from gate.errors import ExitCode, InputError
from tests.conftest import TOKEN

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SSO_TOKEN = "aoaAAAAAGSSO-cached-secret-token"


def now() -> datetime:
    return NOW


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def write_home(home: Path, config: str, caches: dict[str, object]) -> None:
    (home / ".aws" / "sso" / "cache").mkdir(parents=True, exist_ok=True)
    (home / ".aws" / "config").write_text(config)
    for key, content in caches.items():
        text = content if isinstance(content, str) else json.dumps(content)
        (home / ".aws" / "sso" / "cache" / f"{sha1(key)}.json").write_text(text)


SESSION_CONFIG = """\
[default]
region = us-west-2

[profile dev]
sso_session = my-sso
region = us-west-2

[sso-session my-sso]
sso_start_url = https://example.awsapps.com/start
sso_region = us-west-2

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1

[profile "quoted name"]
sso_session = my-sso

[profile keys]
aws_access_key_id = AKIAEXAMPLE
"""


def cached(token: str = SSO_TOKEN, expires: str = "2026-11-30T10:00:00Z") -> dict[str, str]:
    return {"startUrl": "https://example.awsapps.com/start", "region": "us-west-2", "accessToken": token,
            "expiresAt": expires}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    write_home(tmp_path, SESSION_CONFIG, {"my-sso": cached(),
                                          "https://legacy.awsapps.com/start": cached("legacy-cached-token")})
    return tmp_path


def find(*, env: dict[str, str], profile: str | None = None) -> Credential:
    return find_token(profile=profile, env=env, now=now)


def gate_token(raw: RawInputs) -> tuple[str, str]:
    """The whole order, as the gate reads it: its own sources (settings), then these."""
    return read_token(raw, lambda key: CLI_NAMES[key])


def usage_error(**kwargs: object) -> str:
    with pytest.raises(InputError) as caught:
        find(**kwargs)  # type: ignore[arg-type]
    assert caught.value.exit_code == ExitCode.USAGE
    message = str(caught.value)
    for secret in (SSO_TOKEN, TOKEN, "legacy-cached-token"):
        assert secret not in message
    return message


def test_the_token_file_comes_first(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    env = {"HOME": str(home), "AWS_BEARER_TOKEN_CODECATALYST": "aws-token", "AWS_PROFILE": "dev"}
    token, source = gate_token(RawInputs(token_file=str(path), token="other", token_env=env, profile="dev"))
    assert (token, source) == (TOKEN, f"--token-file {path}") and TOKEN not in source


def test_a_config_or_cache_that_is_not_utf8_names_its_path(home: Path) -> None:
    config = home / ".aws" / "config"
    config.write_bytes(config.read_bytes() + b"\n# \xff\n")
    message = usage_error(env={"HOME": str(home)}, profile="dev")
    assert str(config) in message and "not UTF-8 text" in message


def test_an_unreadable_token_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        gate_token(RawInputs(token_file=str(tmp_path / "missing"), token=TOKEN))
    assert str(caught.value).startswith("--token-file: ") and str(tmp_path / "missing") in str(caught.value)


def test_codecatalyst_token_then_the_botocore_variable(home: Path) -> None:
    both = {"HOME": str(home), "AWS_BEARER_TOKEN_CODECATALYST": "aws-token", "AWS_PROFILE": "dev"}
    assert gate_token(RawInputs(token=TOKEN, token_env=both, profile="dev")) == (TOKEN, "CODECATALYST_TOKEN")
    blank = RawInputs(token="  ", token_env=both)  # an Action input left empty
    assert gate_token(blank) == ("aws-token", "AWS_BEARER_TOKEN_CODECATALYST")


def test_a_bad_env_token_names_the_variable_not_the_value() -> None:
    message = usage_error(env={"AWS_BEARER_TOKEN_CODECATALYST": "two words"})
    assert message.startswith("AWS_BEARER_TOKEN_CODECATALYST: ") and "two words" not in message


def test_the_profile_flag_beats_aws_profile_and_uses_the_sso_session_cache(home: Path) -> None:
    found = find(env={"HOME": str(home), "AWS_PROFILE": "legacy"}, profile="dev")
    assert found.token == SSO_TOKEN
    cache = home / ".aws" / "sso" / "cache" / f"{sha1('my-sso')}.json"
    assert "profile dev" in found.source and "sso-session my-sso" in found.source and str(cache) in found.source


def test_aws_profile_with_a_legacy_start_url(home: Path) -> None:
    found = find(env={"HOME": str(home), "AWS_PROFILE": "legacy"})
    assert found.token == "legacy-cached-token" and "legacy sso_start_url" in found.source
    assert sha1("https://legacy.awsapps.com/start") in found.source


def test_quoted_profile_names_and_aws_config_file(tmp_path: Path, home: Path) -> None:
    assert find(env={"HOME": str(home)}, profile="quoted name").token == SSO_TOKEN
    moved = home / "elsewhere.ini"
    (home / ".aws" / "config").rename(moved)
    env = {"HOME": str(home), "AWS_CONFIG_FILE": "~/elsewhere.ini"}
    assert find(env=env, profile="dev").token == SSO_TOKEN
    assert find(env={"HOME": str(home), "CFG": str(moved), "AWS_CONFIG_FILE": "${CFG}"}, profile="dev").token


@pytest.mark.parametrize("expires", ["2026-11-30T09:00:00Z", "2026-11-29T09:00:00UTC", "2026-11-30T08:59:59+00:00",
                                     "2026-11-30T08:00:00"])
def test_an_expired_token_says_the_exact_command(home: Path, expires: str) -> None:
    write_home(home, SESSION_CONFIG, {"my-sso": cached(expires=expires)})
    message = usage_error(env={"HOME": str(home), "AWS_PROFILE": "dev"})
    assert message.startswith("AWS_PROFILE: 'dev' is invalid: the cached SSO token expired at 2026-11-")
    assert "run `aws sso login --profile dev`, then retry" in message


def test_a_token_valid_a_second_longer_is_used(home: Path) -> None:
    write_home(home, SESSION_CONFIG, {"my-sso": cached(expires="2026-11-30T09:00:01Z")})
    assert find(env={"HOME": str(home)}, profile="dev").token == SSO_TOKEN


def test_a_missing_cache_says_the_exact_command(tmp_path: Path) -> None:
    write_home(tmp_path, SESSION_CONFIG, {})
    message = usage_error(env={"HOME": str(tmp_path)}, profile="dev")
    assert message.startswith("--profile: 'dev' is invalid: no cached SSO token (")
    assert f"{sha1('my-sso')}.json does not exist" in message and "`aws sso login --profile dev`" in message


@pytest.mark.parametrize("content", ["{not json " + SSO_TOKEN, json.dumps({"token": SSO_TOKEN}),
                                     json.dumps({"accessToken": SSO_TOKEN, "expiresAt": "soon"})])
def test_a_broken_cache_names_its_path_never_its_content(home: Path, content: str) -> None:
    write_home(home, SESSION_CONFIG, {"my-sso": content})
    message = usage_error(env={"HOME": str(home)}, profile="dev")
    assert sha1("my-sso") in message and "`aws sso login --profile dev`" in message


@pytest.mark.parametrize(("profile", "rule"), [
    ("nope", "no such profile in"),
    ("keys", "has neither sso_session nor sso_start_url"),
])
def test_profiles_the_gate_cannot_use(home: Path, profile: str, rule: str) -> None:
    message = usage_error(env={"HOME": str(home)}, profile=profile)
    assert rule in message and str(home / ".aws" / "config") in message


def test_a_missing_sso_session_section_and_a_missing_config(tmp_path: Path) -> None:
    write_home(tmp_path, "[profile dev]\nsso_session = gone\n", {})
    assert "no [sso-session gone] section" in usage_error(env={"HOME": str(tmp_path)}, profile="dev")
    assert "cannot be read" in usage_error(env={"HOME": str(tmp_path / "nobody")}, profile="dev")
    write_home(tmp_path, "[profile dev\nsso_session = " + SSO_TOKEN, {})
    assert "is not a valid AWS config file" in usage_error(env={"HOME": str(tmp_path)}, profile="dev")


def test_no_source_lists_the_order() -> None:
    with pytest.raises(InputError) as caught:
        gate_token(RawInputs(token_env={}))
    message = str(caught.value)
    assert message.startswith("CODECATALYST_TOKEN: ") and "AWS_BEARER_TOKEN_CODECATALYST" in message
    assert "--profile / AWS_PROFILE" in message and "--token-file" in message


def test_reads_only_and_never_writes(home: Path) -> None:
    read: list[Path] = []

    def spy(path: Path) -> str:
        read.append(path)
        return path.read_text(encoding="utf-8")

    before = {p: p.stat().st_mtime_ns for p in home.rglob("*")}
    found = find_token(profile="dev", env={"HOME": str(home)}, read_text=spy, now=now)
    assert found.token == SSO_TOKEN
    assert read == [home / ".aws" / "config", home / ".aws" / "sso" / "cache" / f"{sha1('my-sso')}.json"]
    assert {p: p.stat().st_mtime_ns for p in home.rglob("*")} == before


def test_agrees_with_the_home_botocore_reads_in_the_aws_cli_tests(tmp_path: Path) -> None:
    env = aws_cli_env(tmp_path, token="emulator-token", base={})
    found = find_token(profile=None, env=env)
    assert found.token == "emulator-token" and str(sso_cache_file(tmp_path)) in found.source
    assert os.environ.get("HOME") != str(tmp_path)
