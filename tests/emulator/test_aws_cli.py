"""A real client agrees: the AWS CLI (and botocore directly) against the emulator, bearer token from an
SSO token cache written by gate.emulator.awscli. Skipped, with the reason, where neither is installed."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from gate.api.schema import validate_get_workflow, violations
from gate.emulator import (
    BROKEN_WORKFLOW_ID,
    DEPLOY_MAIN_ID,
    MY_DEMO_WORKFLOW_ID,
    RELEASE_WORKFLOW_ID,
    Emulator,
    ManualClock,
)
from gate.emulator.awscli import aws_cli_env, sso_cache_file
from tests.emulator.shapes import output_violations

TOKEN = "aws-cli-test-token"
BUSY = "Busy"
FRESH_RUN = "c0dec47a-0000-4000-8000-00000000c001"
DONE_RUN = "c0dec47a-0000-4000-8000-00000000c002"
PROJECT = ["--space-name", "ExampleCorp", "--project-name", "MyDemoProject"]


@cache
def python_with_botocore() -> str | None:
    candidates = [sys.executable, shutil.which("python3"), os.path.join(sys.base_prefix, "bin", "python3")]
    for candidate in dict.fromkeys(c for c in candidates if c):
        if subprocess.run([candidate, "-c", "import botocore"], capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="module")
def aws() -> str:
    found = shutil.which("aws")
    if found is None:
        pytest.skip("the AWS CLI (`aws`) is not on PATH; install awscli to prove the wire with a real client")
    return found


@pytest.fixture(scope="module")
def emulator() -> Any:
    scenario = {"workflows": [{"name": BUSY, "history": 120}],
                "faults": [{"kind": "throttle", "operation": "GetWorkflow", "workflow": "BrokenWorkflow",
                            "count": "always"}]}
    with Emulator(token=TOKEN, clock=ManualClock(), scenario=scenario) as emu:
        emu.start_run(workflow="MyDemoWorkflow", run_id=FRESH_RUN)
        emu.start_run(workflow="MyDemoWorkflow", run_id=DONE_RUN, started_ago=60)
        yield emu


@pytest.fixture(scope="module")
def busy() -> Any:
    """Pages of two items, three workflows named Deploy, and Release (run mode SUPERSEDED)."""
    with Emulator(token=TOKEN, clock=ManualClock(), scenario="busy") as emu:
        yield emu


@pytest.fixture(scope="module")
def cli(aws: str, emulator: Emulator, busy: Emulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every CLI call the tests look at, run at once (each `aws` start costs about a second of CPU)."""
    good = aws_cli_env(tmp_path_factory.mktemp("home"), token=TOKEN)
    wrong = aws_cli_env(tmp_path_factory.mktemp("home"), token="not-the-token")
    only_env = {k: v for k, v in good.items() if not k.startswith("AWS_")}
    only_env |= {"HOME": str(tmp_path_factory.mktemp("empty-home")), "AWS_EC2_METADATA_DISABLED": "true",
                 "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                 "AWS_BEARER_TOKEN_CODECATALYST": TOKEN, "AWS_MAX_ATTEMPTS": "1"}
    busy_id = emulator.scenario.workflow(BUSY).id
    calls = {
        "list-workflows": (good, ["list-workflows", *PROJECT]),
        "get-workflow": (good, ["get-workflow", *PROJECT, "--id", MY_DEMO_WORKFLOW_ID]),
        "start-a": (good, ["start-workflow-run", *PROJECT, "--workflow-id", MY_DEMO_WORKFLOW_ID,
                           "--client-token", "ci-build-7"]),
        "start-b": (good, ["start-workflow-run", *PROJECT, "--workflow-id", MY_DEMO_WORKFLOW_ID,
                           "--client-token", "ci-build-7"]),
        "start-auto": (good, ["start-workflow-run", *PROJECT, "--workflow-id", BROKEN_WORKFLOW_ID]),
        "get-run-fresh": (good, ["get-workflow-run", *PROJECT, "--id", FRESH_RUN]),
        "get-run-done": (good, ["get-workflow-run", *PROJECT, "--id", DONE_RUN]),
        "list-runs-busy": (good, ["list-workflow-runs", *PROJECT, "--workflow-id", busy_id]),
        "not-found": (good, ["get-workflow-run", *PROJECT, "--id", "c0dec47a-0000-4000-8000-0000000000ff"]),
        "invalid": (good, ["get-workflow-run", *PROJECT, "--id", "not-a-uuid"]),
        "throttled": (good, ["get-workflow", *PROJECT, "--id", BROKEN_WORKFLOW_ID]),
        "wrong-token": (wrong, ["list-workflows", *PROJECT]),
        "env-token": (only_env, ["get-workflow", *PROJECT, "--id", MY_DEMO_WORKFLOW_ID]),
        "busy-list-workflows": (good, ["list-workflows", *PROJECT], busy),
        "busy-start-a": (good, ["start-workflow-run", *PROJECT, "--workflow-id", RELEASE_WORKFLOW_ID,
                                "--client-token", "gh-42-1-release"], busy),
        "busy-start-b": (good, ["start-workflow-run", *PROJECT, "--workflow-id", RELEASE_WORKFLOW_ID,
                                "--client-token", "gh-42-1-release"], busy),
        "busy-bad-token": (good, ["start-workflow-run", *PROJECT, "--workflow-id", RELEASE_WORKFLOW_ID,
                                  "--client-token", "not a token"], busy),
        "busy-list-runs": (good, ["list-workflow-runs", *PROJECT, "--workflow-id", DEPLOY_MAIN_ID], busy),
    }

    def run(env: dict[str, str], args: list[str], where: Emulator = emulator) -> subprocess.CompletedProcess[str]:
        command = [aws, "codecatalyst", *args, "--endpoint-url", where.base_url, "--output", "json"]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    with ThreadPoolExecutor(max_workers=min(8, len(calls))) as pool:
        futures = {name: pool.submit(run, *call) for name, call in calls.items()}
        return {name: future.result() for name, future in futures.items()}


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_sso_cache_is_where_botocore_looks(tmp_path: Path) -> None:
    env = aws_cli_env(tmp_path, token="t")
    cached = json.loads(sso_cache_file(tmp_path).read_text())
    assert cached["accessToken"] == "t" and cached["expiresAt"].startswith("2099")
    # botocore's SSOTokenLoader keys the cache by the sha1 of the sso-session *name*, not of the start URL.
    assert sso_cache_file(tmp_path).stem == hashlib.sha1(b"codecatalyst-emulator").hexdigest()
    assert "sso_session = codecatalyst-emulator" in Path(env["AWS_CONFIG_FILE"]).read_text()
    assert not any(k.startswith("AWS_ACCESS") for k in env)


def test_list_workflows(cli, emulator) -> None:
    doc = ok(cli["list-workflows"])
    assert output_violations("ListWorkflows", doc) == []
    assert [w["name"] for w in doc["items"]] == ["BrokenWorkflow", BUSY, "MyDemoWorkflow"]


def test_get_workflow(cli) -> None:
    doc = ok(cli["get-workflow"])
    assert output_violations("GetWorkflow", doc) == [] and doc["name"] == "MyDemoWorkflow"
    # What the AWS CLI printed (botocore parsed it by the model) passes the gate's own GetWorkflow schema, and is the
    # workflow asked about (issue 29: the gate names runs by it).
    assert validate_get_workflow(doc, space="ExampleCorp", project="MyDemoProject",
                                 workflow_id=MY_DEMO_WORKFLOW_ID) == doc


def test_start_workflow_run_is_idempotent_and_botocore_fills_the_client_token(cli, emulator) -> None:
    a, b = ok(cli["start-a"]), ok(cli["start-b"])
    assert a == b and output_violations("StartWorkflowRun", a) == []
    auto = ok(cli["start-auto"])
    assert auto["workflowId"] == BROKEN_WORKFLOW_ID
    # The model marks clientToken as an idempotencyToken: botocore sends a fresh UUID when none is given.
    assert len(emulator.state.run(auto["id"]).client_token or "") == 36


def test_get_workflow_run(cli) -> None:
    fresh, done = ok(cli["get-run-fresh"]), ok(cli["get-run-done"])
    assert (fresh["status"], "endTime" in fresh) == ("VALIDATING", False)
    assert (done["status"], "endTime" in done) == ("SUCCEEDED", True)
    for doc in (fresh, done):
        assert violations(doc) == [] and output_violations("GetWorkflowRun", doc) == []


def test_list_workflow_runs_follows_next_tokens(cli, emulator) -> None:
    doc = ok(cli["list-runs-busy"])
    busy_id = emulator.scenario.workflow(BUSY).id
    assert len(doc["items"]) == 120 and len({i["id"] for i in doc["items"]}) == 120 and "nextToken" not in doc
    pages = [r for r in emulator.requests if r.operation == "ListWorkflowRuns" and busy_id in r.path]
    assert len(pages) == 3  # the CLI paged through 50 + 50 + 20


def test_the_cli_follows_small_list_workflows_pages(cli, busy) -> None:
    doc = ok(cli["busy-list-workflows"])
    assert output_violations("ListWorkflows", doc) == [] and "nextToken" not in doc
    assert [(w["name"], w["sourceRepositoryName"], w["sourceBranchName"]) for w in doc["items"]] == [
        ("BrokenWorkflow", "MyDemoRepo", "main"), ("Deploy", "MyDemoRepo", "main"),
        ("Deploy", "MyDemoRepo", "release"), ("Deploy", "WebsiteRepo", "main"),
        ("MyDemoWorkflow", "MyDemoRepo", "main"), ("Release", "MyDemoRepo", "main")]
    assert sum(1 for r in busy.requests if r.operation == "ListWorkflows") == 3  # 2 + 2 + 2


def test_the_same_client_token_twice_starts_one_run(cli, busy) -> None:
    a, b = ok(cli["busy-start-a"]), ok(cli["busy-start-b"])
    assert a == b and output_violations("StartWorkflowRun", a) == []
    assert [r.id for r in busy.state.runs(workflow_id=RELEASE_WORKFLOW_ID) if r.client_token] == [a["id"]]
    bad = cli["busy-bad-token"]
    assert bad.returncode != 0 and "An error occurred (ValidationException)" in bad.stderr


def test_the_cli_follows_list_workflow_runs_pages(cli, busy) -> None:
    doc = ok(cli["busy-list-runs"])
    assert output_violations("ListWorkflowRuns", doc) == [] and len(doc["items"]) == 3
    assert {i["workflowName"] for i in doc["items"]} == {"Deploy"}
    pages = [r for r in busy.requests if r.operation == "ListWorkflowRuns"]
    assert len(pages) == 2  # 2 + 1


@pytest.mark.parametrize(("name", "error_type"), [
    ("not-found", "ResourceNotFoundException"),
    ("invalid", "ValidationException"),
    ("throttled", "ThrottlingException"),
    ("wrong-token", "AccessDeniedException"),
])
def test_the_cli_names_each_error(cli, name: str, error_type: str) -> None:
    result = cli[name]
    assert result.returncode != 0 and f"An error occurred ({error_type})" in result.stderr
    assert "not-the-token" not in result.stderr


def test_botocore_also_takes_the_token_from_its_env_variable(cli) -> None:
    assert ok(cli["env-token"])["id"] == MY_DEMO_WORKFLOW_ID


def test_a_botocore_client_retries_pages_and_parses_every_error(make_emulator, tmp_path: Path) -> None:
    python = python_with_botocore()
    if python is None:
        pytest.skip("no Python with botocore found (tried this one, python3 on PATH, the base interpreter)")
    emulator = make_emulator(token=TOKEN)
    for fault in ({"kind": "throttle", "operation": "GetWorkflowRun"},
                  {"kind": "server-error", "operation": "GetWorkflowRun", "status": 502},
                  {"kind": "error", "errorType": "ServiceQuotaExceededException", "operation": "ListWorkflows",
                   "after": 1},
                  {"kind": "access-denied", "operation": "ListWorkflows", "after": 1},
                  {"kind": "throttle", "operation": "GetWorkflow", "after": 1}):
        emulator.add_fault(fault)
    probe = Path(__file__).with_name("botocore_probe.py")
    result = subprocess.run([python, str(probe), emulator.base_url, MY_DEMO_WORKFLOW_ID, BROKEN_WORKFLOW_ID],
                            env=aws_cli_env(tmp_path, token=TOKEN), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    for name in ("list_workflows", "get_workflow", "start_workflow_run", "get_workflow_run"):
        assert "ok" in out[name], out[name]
    assert out["get_workflow_run"]["ok"]["status"] == "VALIDATING"
    assert len(out["retry_sleeps"]) == 2  # the 429 and the 502 were retried
    assert out["start_time_type"] == ["datetime", "0:00:00"]
    assert len(out["paginated_ids"]) == 5 and out["paginated_ids"][0] == out["start_workflow_run"]["ok"]["id"]
    assert out["start_with_token"] == out["start_with_token_again"]
    errors = {name: (out[name]["error"], out[name]["status"]) for name in (
        "validation", "not_found", "conflict", "quota", "access_denied", "throttled")}
    assert errors == {
        "validation": ("ValidationException", 400), "not_found": ("ResourceNotFoundException", 404),
        "conflict": ("ConflictException", 409), "quota": ("ServiceQuotaExceededException", 402),
        "access_denied": ("AccessDeniedException", 403), "throttled": ("ThrottlingException", 429),
    }
    assert [r.status for r in emulator.requests if r.operation == "GetWorkflowRun"][:3] == [429, 502, 200]


def test_the_readmes_aws_commands_run_as_written(aws: str, tmp_path: Path) -> None:
    """Issue 23: `start-workflow-run ...` left out the workflow ID it needs. Each `aws codecatalyst` command of the
    README's "A run ID" paragraph, its placeholders filled in, against a fresh emulator: the start prints a run ID,
    the listing of runs then prints that one, the listing of workflows names MyDemoWorkflow's ID."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    paragraph = " ".join(readme[readme.index("**A run ID**"):readme.index("**Wait on it**")].split())
    commands = re.findall(r"`(aws codecatalyst [^`]+)`", paragraph)
    assert [c.split()[2] for c in commands] == ["start-workflow-run", "list-workflows", "list-workflow-runs"]
    fill = {"SPACE": "ExampleCorp", "PROJECT": "MyDemoProject", "WORKFLOW_ID": MY_DEMO_WORKFLOW_ID}
    with Emulator(token=TOKEN) as fresh:
        said = []
        for command in commands:
            args = [fill.get(word, word) for word in shlex.split(command)]
            done = subprocess.run([*args, "--endpoint-url", fresh.base_url], env=aws_cli_env(tmp_path, token=TOKEN),
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, f"{command}: {done.stderr}"
            said.append(done.stdout.strip())
        started = [run.id for run in fresh.state.runs()]
    assert re.fullmatch(r"[0-9a-f-]{36}", said[0])
    assert f"MyDemoWorkflow\t{MY_DEMO_WORKFLOW_ID}" in said[1].splitlines()
    assert said[2] == said[0]  # the newest run is the one just started
    assert said[0] in started
