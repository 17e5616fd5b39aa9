"""Outputs never collide with inputs (issue 21): the dotenv and Azure variables have names the gate never reads, so
a later gate fed an earlier one's outputs (GitLab hands a dotenv report to every later job) still gates its own run.

Which variables the gate reads is recorded, not assumed: the gate runs in-process, through the CLI and the Action, in
each CI system it recognises, with an environment that notes every name looked up."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gate.config.variables import DEFAULT_OUTPUT_PREFIX, READ, output_name, validate_output_prefix
from gate.doors import action, cli
from gate.emulator import Emulator
from gate.result import RESULT_KEYS
from tests.acceptance.conftest import PROJECT, SPACE, TOKEN, clean_env, run_gate, wait_args

pytestmark = pytest.mark.e2e
KEYS = (*RESULT_KEYS, "runs")
CI_SYSTEMS = {
    "github": {"GITHUB_RUN_ID": "7", "GITHUB_REPOSITORY": "o/r", "GITHUB_JOB": "gate", "GITHUB_ACTION": "__run"},
    "gitlab": {"CI_JOB_ID": "42", "CI_PROJECT_ID": "3"},
    "azure": {"BUILD_BUILDID": "9", "SYSTEM_JOBID": "j", "TF_BUILD": "True"},
    "jenkins": {"BUILD_TAG": "jenkins-deploy-12"},
}

# Looked up by the libraries: click (locale, shell completion), gettext, urllib's proxy and CGI checks, requests.
LIBRARIES = {"LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "_MAIN_COMPLETE", "NO_PROXY", "REQUEST_METHOD",
             "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NETRC"}


class RecordingEnv(dict[str, str]):
    """An environment that remembers every name looked up (iteration, as requests' proxy scan does, is not a
    lookup of a name)."""

    def __init__(self, data: dict[str, str]) -> None:
        super().__init__(data)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)


def click_variables() -> set[str]:
    return {str(p.envvar) for command in (cli.wait, cli.get) for p in command.params if p.envvar}


@pytest.fixture
def emulator(start_emulator: Callable[..., Emulator]) -> Emulator:
    return start_emulator(step=1)


def names_read(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Every variable name the gate looked up, starting a run by workflow name in each CI system, as the CLI (with
    every output) and as the Action (in GitHub Actions and as the image elsewhere)."""
    seen: set[str] = set()
    for name, ci in CI_SYSTEMS.items():
        env = RecordingEnv({**clean_env(CODECATALYST_TOKEN=TOKEN), **ci})
        monkeypatch.setattr(os, "environ", env)
        outcome = CliRunner().invoke(cli.main, [
            "wait", "--space", SPACE, "--project", PROJECT, "--workflow", "MyDemoWorkflow", "--start",
            "--endpoint", emulator.base_url, "--interval", "0.1", "--json", "--output-file",
            str(tmp_path / f"{name}.json"), "--dotenv", str(tmp_path / f"{name}.env")])
        assert outcome.exit_code == 0, outcome.output
        seen |= env.read
        monkeypatch.undo()
        inputs = {"INPUT_SPACE": SPACE, "INPUT_PROJECT": PROJECT, "INPUT_WORKFLOW": "MyDemoWorkflow",
                  "INPUT_START": "true", "INPUT_ENDPOINT": emulator.base_url, "INPUT_INTERVAL": "0.1",
                  "INPUT_TOKEN": TOKEN}
        for where in ({"GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "sum")}, {}):
            env = RecordingEnv({**clean_env(), **ci, **inputs, **where})
            code = action.run(env, stdout=io.StringIO(), stderr=io.StringIO())
            assert code == 0
            seen |= env.read
    return seen


def test_no_output_is_named_like_a_variable_the_gate_reads(emulator: Emulator, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    read = names_read(emulator, tmp_path, monkeypatch) | click_variables()
    assert {"CODECATALYST_RUN_ID", "CODECATALYST_SPACE", "INPUT_RUN-ID", "CI_JOB_ID", "BUILD_TAG"} <= read
    outputs = {output_name(key) for key in KEYS}
    assert all(name.startswith("CODECATALYST_GATE_") for name in outputs)
    assert not outputs & {name.upper() for name in read}, sorted(outputs & read)
    # gate.config.variables.READ, which refuses an --output-prefix that would name an input, knows every one of them but
    # the libraries' own (checked against the outputs above all the same).
    unlisted = {name.upper() for name in read} - READ - LIBRARIES
    assert not unlisted, " ".join(sorted(unlisted))


@pytest.mark.parametrize(("prefix", "rule"), [
    ("CODECATALYST_", "would name an output CODECATALYST_RUN_ID, a variable the gate reads"),
    ("INPUT_", "would name an output INPUT_RUN_ID"),
    ("codecatalyst_", "would name an output codecatalyst_RUN_ID"),
    ("1ST_", "letters, digits and _, not starting with a digit"),
    ("STAGING-", "letters, digits and _"),
    ("X" * 65, "must be 1-64"),
])
def test_a_prefix_that_would_name_an_input_or_no_variable_is_refused(prefix: str, rule: str) -> None:
    from gate.errors import InputError

    with pytest.raises(InputError, match=rule):
        validate_output_prefix(prefix, keys=KEYS, field="--output-prefix")
    assert validate_output_prefix("STAGING_", keys=KEYS, field="--output-prefix") == "STAGING_"


def dotenv(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines())


def test_a_later_gate_fed_an_earlier_ones_outputs_gates_its_own_run(emulator: Emulator, tmp_path: Path) -> None:
    """GitLab's staging-then-production: the second job gets the first's dotenv as variables, ahead of its own."""
    staging = emulator.start_run(workflow="MyDemoWorkflow", started_ago=60).id
    production = emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id
    first = run_gate(*wait_args(emulator, staging, "--dotenv", str(tmp_path / "staging.env")))
    assert first.returncode == 0, first.stderr
    handed_on = dotenv(tmp_path / "staging.env")
    assert handed_on[f"{DEFAULT_OUTPUT_PREFIX}RUN_ID"] == staging
    # The second gate picks its run by workflow and the rest from its own variables: none of the first's is one.
    env = clean_env(CODECATALYST_TOKEN=TOKEN, CODECATALYST_SPACE=SPACE, CODECATALYST_PROJECT=PROJECT,
                    CODECATALYST_RUN_ID=production, **handed_on)
    second = run_gate("wait", "--endpoint", emulator.base_url, "--interval", "0.1", "--json", env=env)
    assert second.returncode == 1, second.stderr
    assert (second.json()["run-id"], second.json()["status"]) == (production, "FAILED")


def test_two_gates_feeding_one_job_keep_apart_by_prefix(emulator: Emulator, tmp_path: Path) -> None:
    runs = {"STAGING_": emulator.start_run(workflow="MyDemoWorkflow", started_ago=60).id,
            "PRODUCTION_": emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id}
    received: dict[str, str] = {}
    for prefix, run_id in runs.items():
        done = run_gate(*wait_args(emulator, run_id, "--dotenv", str(tmp_path / f"{prefix}.env"), "--output-prefix",
                                   prefix))
        assert done.returncode in (0, 1), done.stderr
        received |= dotenv(tmp_path / f"{prefix}.env")
    assert len(received) == 2 * (len(RESULT_KEYS) - 3) == 2 * 20  # api-calls, throttled, attempts: not in a dotenv
    assert (received["STAGING_RUN_ID"], received["STAGING_RESULT"]) == (runs["STAGING_"], "success")
    assert (received["PRODUCTION_RUN_ID"], received["PRODUCTION_RESULT"]) == (runs["PRODUCTION_"], "failure")


def test_the_prefix_comes_from_its_variable_and_the_action_input_and_a_bad_one_is_named(emulator: Emulator,
                                                                                          tmp_path: Path) -> None:
    run_id = emulator.start_run(workflow="MyDemoWorkflow", started_ago=60).id
    env = clean_env(CODECATALYST_TOKEN=TOKEN, CODECATALYST_OUTPUT_PREFIX="GATE1_")
    done = run_gate(*wait_args(emulator, run_id, "--dotenv", str(tmp_path / "a.env")), env=env)
    assert done.returncode == 0 and dotenv(tmp_path / "a.env")["GATE1_RESULT"] == "success"
    refused = run_gate(*wait_args(emulator, run_id, "--output-prefix", "CODECATALYST_"))
    assert refused.returncode == 2
    assert "--output-prefix: 'CODECATALYST_' is invalid: would name an output CODECATALYST_RUN_ID" in refused.stderr
    env = {**clean_env(), "INPUT_SPACE": SPACE, "INPUT_PROJECT": PROJECT, "INPUT_RUN-ID": run_id,
           "INPUT_TOKEN": TOKEN, "INPUT_ENDPOINT": emulator.base_url, "INPUT_OUTPUT-PREFIX": "INPUT_", "TF_BUILD": "True"}
    err = io.StringIO()
    assert action.run(env, stdout=io.StringIO(), stderr=err) == 2
    assert "input 'output-prefix': 'INPUT_' is invalid: would name an output INPUT_RUN_ID" in err.getvalue()


def test_action_yml_declares_every_input_the_action_reads() -> None:
    import yaml

    from tests.acceptance.conftest import REPO

    declared = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["inputs"]
    assert sorted(declared) == sorted(action.INPUT_NAMES)
