"""The emulator's rate limit (`rateLimit`, `--rate-limit`): a token bucket per token or per space, 429
ThrottlingException in the model's error shape beyond it, Retry-After when asked; and a fault's own Retry-After."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.emulator import ManualClock, RateLimit, ScenarioError, load_scenario
from gate.emulator.command import emulator_command
from tests.emulator.conftest import error_of


def test_beyond_the_burst_a_caller_is_throttled_until_the_bucket_refills(make_emulator, make_api,
                                                                         manual_clock: ManualClock) -> None:
    emulator = make_emulator(rate_limit=RateLimit.of(2.0))  # 2 a second, bursts of 2
    run = emulator.start_run(workflow="MyDemoWorkflow")
    api = make_api(emulator)
    assert [api.get_run(run.id).status_code for _ in range(3)] == [200, 200, 429]
    refused = api.get_run(run.id)
    assert error_of(refused) == (429, "ThrottlingException", "Rate exceeded") and "Retry-After" not in refused.headers
    manual_clock.advance(0.5)  # one token back
    assert [api.get_run(run.id).status_code for _ in range(2)] == [200, 429]
    assert emulator.limiter is not None and emulator.limiter.refused == 3
    assert [r.status for r in emulator.requests].count(429) == 3


def test_per_token_buckets_are_apart_and_per_space_ones_shared(make_emulator, make_api) -> None:
    for per, second_caller in (("token", 200), ("space", 429)):
        emulator = make_emulator(scenario={"rateLimit": {"rate": 1, "burst": 1, "per": per}})
        run = emulator.start_run(workflow="MyDemoWorkflow")
        one, other = make_api(emulator, token="token-one"), make_api(emulator, token="token-two")
        assert one.get_run(run.id).status_code == 200
        assert other.get_run(run.id).status_code == second_caller, per


def test_retry_after_says_when_a_token_is_back(make_emulator, make_api, manual_clock: ManualClock) -> None:
    emulator = make_emulator(scenario={"rateLimit": {"rate": 0.25, "burst": 1, "retryAfter": True}})
    run = emulator.start_run(workflow="MyDemoWorkflow")
    api = make_api(emulator)
    assert api.get_run(run.id).status_code == 200
    assert api.get_run(run.id).headers["Retry-After"] == "4"  # a token every 4 s
    manual_clock.advance(2.5)
    assert api.get_run(run.id).headers["Retry-After"] == "2"  # 1.5 s left, in whole seconds


def test_a_throttle_fault_sends_its_retry_after_as_given(emulator, api) -> None:
    run = emulator.start_run(workflow="MyDemoWorkflow")
    emulator.add_fault({"kind": "throttle", "retryAfter": 3})
    emulator.add_fault({"kind": "throttle", "retryAfter": "soon, maybe"})
    assert [api.get_run(run.id).headers.get("Retry-After") for _ in range(3)] == ["3", "soon, maybe", None]


@pytest.mark.parametrize(("spec", "message"), [
    ({"rate": 0}, "$.rateLimit.rate: must be above 0"),
    ({"rate": -1}, "$.rateLimit.rate: must be >= 0"),
    ({"rate": "3"}, "$.rateLimit.rate: must be a number"),
    ({}, "$.rateLimit: 'rate' is required"),
    ({"rate": 1, "burst": 0.5}, "$.rateLimit.burst: must be >= 1"),
    ({"rate": 1, "per": "project"}, "$.rateLimit.per: 'project' must be one of token, space"),
    ({"rate": 1, "retryAfter": "yes"}, "$.rateLimit.retryAfter: must be true or false"),
    ({"rate": 1, "limit": 2}, "$.rateLimit: unknown key 'limit'"),
])
def test_a_bad_rate_limit_in_a_scenario_names_its_path(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        load_scenario({"rateLimit": spec})
    assert str(error.value).startswith(message)


def test_a_fault_retry_after_belongs_to_refusals() -> None:
    with pytest.raises(ScenarioError, match=r"\$\.faults\[0\]\.retryAfter: belongs to the refusals"):
        load_scenario({"faults": [{"kind": "slow", "retryAfter": 3}]})


@pytest.mark.parametrize("value", ["0", "-2", "abc", "nan", "inf", ""])
def test_rate_limit_flag_refuses_what_is_not_a_positive_rate_with_exit_2(value: str) -> None:
    result = CliRunner().invoke(emulator_command, ["--port", "0", "--rate-limit", value])
    assert result.exit_code == 2, result.output
    assert "--rate-limit" in result.output and "must be a number of requests per second above 0" in result.output


def test_the_flag_overrides_the_scenarios_rate_limit(tmp_path: Path, make_emulator) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"rateLimit": {"rate": 100, "per": "space"}}))
    emulator = make_emulator(scenario=str(path), rate_limit=RateLimit.of(0.5))
    assert emulator.limiter is not None and emulator.limiter.limit == RateLimit(0.5, 1.0, "token", False)
