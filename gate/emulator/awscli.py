"""Point the AWS CLI or botocore at the emulator, with the bearer token where botocore looks for it.

CodeCatalyst is a bearer-token service: botocore's token chain reads an SSO token cache,
`~/.aws/sso/cache/<sha1 of the sso-session name>.json`, for a profile with `sso_session = <name>`
(botocore/tokens.py, SSOTokenProvider). Its cache directory is expanded from HOME when botocore is
*imported*, so use a fresh process (the `aws` CLI, or a Python subprocess) with the env returned here.

    env = aws_cli_env(tmp_path, token="t")
    subprocess.run(["aws", "codecatalyst", "list-workflows", "--space-name", "ExampleCorp",
                    "--project-name", "MyDemoProject", "--endpoint-url", emu.base_url], env=env)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

PROFILE = "codecatalyst-emulator"
SSO_SESSION = "codecatalyst-emulator"
START_URL = "https://codecatalyst-emulator.invalid/start"
REGION = "us-west-2"
# Far enough ahead that botocore never tries to refresh it (it refreshes 15 minutes before expiry).
EXPIRES_AT = "2099-01-01T00:00:00Z"


def sso_cache_file(home: Path, *, session: str = SSO_SESSION) -> Path:
    """Where botocore's SSOTokenLoader looks: the sha1 of the session name (not of the start URL)."""
    return home / ".aws" / "sso" / "cache" / (hashlib.sha1(session.encode("utf-8")).hexdigest() + ".json")


def write_sso_home(home: Path, *, token: str, profile: str = PROFILE, session: str = SSO_SESSION) -> Path:
    """Writes ~/.aws/config (a profile using an sso-session) and the cached token; returns the config path."""
    config = home / ".aws" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f"[profile {profile}]\nsso_session = {session}\nregion = {REGION}\n\n"
        f"[sso-session {session}]\nsso_start_url = {START_URL}\nsso_region = {REGION}\n",
        encoding="utf-8",
    )
    cache = sso_cache_file(home, session=session)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"startUrl": START_URL, "region": REGION, "accessToken": token,
                                 "expiresAt": EXPIRES_AT}), encoding="utf-8")
    cache.chmod(0o600)
    return config


def aws_cli_env(home: Path, *, token: str, base: Mapping[str, str] | None = None,
                profile: str = PROFILE) -> dict[str, str]:
    """An environment in which `aws codecatalyst ...` sends `Authorization: Bearer <token>` and nothing
    from the caller's own AWS setup (keys, profiles, env tokens) can leak in or take precedence."""
    config = write_sso_home(home, token=token, profile=profile)
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("AWS_")}
    env.update({
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_PROFILE": profile,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
        # One attempt: a test should see the emulator's answer, not botocore's retries of it.
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
    })
    return env
