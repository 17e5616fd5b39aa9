"""The gate in GitLab CI, run by gitlab-ci-local against the emulator (issue 21): the README's pipelines as written,
the CI/CD component, a failing run failing the pipeline, a `when: always` job reading every output, two gates in two
stages and two feeding one job, hostile server text, and `--start` finding its own run again in the same job.

Every value a later job receives must equal the gate's `--output-file` JSON, whatever the server said."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from gate.emulator import Emulator
from tests.acceptance.test_readme import README
from tests.gitlab.conftest import (
    DEPLOY,
    PROJECT,
    RECEIVE,
    ROOT,
    SPACE,
    TOKEN,
    run_pipeline,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]  # the first test may build the images
RESULT_KEYS = ("result", "status", "run-id", "workflow-id", "workflow-name", "space", "project", "start-time",
               "end-time", "last-updated-time", "duration-seconds", "usual-duration-seconds", "status-reasons",
               "run-url", "started", "followed", "stale", "polls", "api-calls", "throttled", "attempts", "response",
               "exit-code")  # written out: an independent oracle
README_IMAGE = "registry.example.com/you/codecatalyst-gate:main"  # the user's own image: no release has one yet
README_COMPONENT = "$CI_SERVER_FQDN/OWNER/codecatalyst-gate/codecatalyst-gate@main"
# gitlab-ci-local (as GitLab's docs advise for testing a component in its own project) reads a component from the
# checkout when it is named at the commit being run.
THIS_COMPONENT = "$CI_SERVER_FQDN/$CI_PROJECT_PATH/codecatalyst-gate@$CI_COMMIT_SHA"
GLOBALS = f"variables:\n  CODECATALYST_SPACE: {SPACE}\n  CODECATALYST_PROJECT: {PROJECT}\n\n"


def readme_yaml(title: str) -> list[str]:
    """The ```yaml blocks under a README heading, as written."""
    text = README.read_text(encoding="utf-8")
    section = text.split(f"\n{title}\n", 1)[1]
    section = re.split(r"\n#{1,6} ", section, maxsplit=1)[0]
    return re.findall(r"^```yaml\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)


def variables(emulator: Emulator, **more: str) -> dict[str, str]:
    """What a project's CI/CD settings would hold: the token, and here the emulator as the endpoint."""
    return {"CODECATALYST_TOKEN": TOKEN, "CODECATALYST_ENDPOINT": emulator.base_url, **more}


def as_text(value: Any) -> str:
    """A scalar result value as a variable holds it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def assert_received(received: dict[str, str], result: dict[str, Any], prefix: str = "CODECATALYST_GATE_") -> None:
    """Every key of the result as the variable `<prefix><KEY>`, with the same value (the same JSON value for lists
    and objects)."""
    for key, value in result.items():
        name = prefix + key.upper().replace("-", "_")
        if key in ("api-calls", "throttled", "attempts"):  # left out of the dotenv: 20 variables at most (gate.report.formats.dotenv)
            assert name not in received, name
            continue
        assert name in received, name
        if isinstance(value, (dict, list)):
            assert json.loads(received[name]) == value, key
        else:
            assert received[name] == as_text(value), key


def started_runs(emulator: Emulator) -> list[int | None]:
    return [r.status for r in list(emulator.requests) if r.operation == "StartWorkflowRun"]


# --- with the gate's image: the README's pipelines and the component ------------------------------------------

@pytest.mark.container
def test_the_readme_pipeline_runs_green_as_written(gitlab_ci_local: Path, images: tuple[str, str],
                                                   emulator: Emulator, tmp_path: Path) -> None:
    pipeline = readme_yaml("### GitLab CI")[0]
    assert pipeline.count(README_IMAGE) == 1
    run = run_pipeline(gitlab_ci_local, tmp_path, pipeline.replace(README_IMAGE, images[0]),
                       variables=variables(emulator), images=images)
    assert run.returncode == 0, run.log[-6000:]
    assert (run.outcome("codecatalyst-gate"), run.outcome("after-the-gate")) == ("PASS", "PASS")
    assert started_runs(emulator) == [200]
    [line] = [line for line in run.said("after-the-gate") if line.startswith("CodeCatalyst run ")]
    assert re.fullmatch(r"CodeCatalyst run SUCCEEDED \(success\): https://codecatalyst\.aws/spaces/ExampleCorp/"
                        r"projects/MyDemoProject/ci/workflows/[0-9a-f-]{36}/runs/[0-9a-f-]{36}", line), line
    assert TOKEN not in run.log


@pytest.mark.container
def test_the_readme_pipeline_fails_for_a_failing_run_and_still_reports_it(gitlab_ci_local: Path,
                                                                         images: tuple[str, str],
                                                                         tmp_path: Path) -> None:
    failing = {**DEPLOY, "final": {"status": "FAILED", "statusReasons": [{"message": "Deploy failed: exit 1"}]}}
    with Emulator(token=TOKEN, scenario={"workflows": [failing]}) as emulator:
        run = run_pipeline(gitlab_ci_local, tmp_path, readme_yaml("### GitLab CI")[0].replace(README_IMAGE, images[0]),
                           variables=variables(emulator), images=images)
    assert run.returncode != 0
    assert (run.outcome("codecatalyst-gate"), run.outcome("after-the-gate")) == ("FAIL", "PASS"), run.log[-6000:]
    assert any(line.startswith("CodeCatalyst run FAILED (failure): https://") for line in run.said("after-the-gate"))


@pytest.mark.container
def test_the_readme_component_pipeline_runs_green(gitlab_ci_local: Path, images: tuple[str, str],
                                                  emulator: Emulator, tmp_path: Path) -> None:
    pipeline = readme_yaml("#### The CI/CD component")[0]
    assert pipeline.count(README_COMPONENT) == 1
    # A `when: always` job of ours after it, that keeps what it received.
    pipeline = pipeline.replace(README_COMPONENT, THIS_COMPONENT) + (
        "\nreceiver:\n  stage: report\n  needs: [codecatalyst-gate]\n  when: always\n  script:\n" + RECEIVE)
    component = (ROOT / "templates" / "codecatalyst-gate.yml").read_text(encoding="utf-8")
    image, tag = images[0].split(":")
    run = run_pipeline(gitlab_ci_local, tmp_path, pipeline, variables=variables(emulator),
                       files={"templates/codecatalyst-gate.yml": component}, images=images,
                       extra=["--input", f"image={image}", "--input", f"image-tag={tag}"])
    assert run.returncode == 0, run.log[-6000:]
    assert (run.outcome("codecatalyst-gate"), run.outcome("after-the-gate")) == ("PASS", "PASS")
    result = run.json("codecatalyst-gate.json")  # the component's result artifact
    assert (result["result"], result["status"], result["workflow-name"], result["started"]) == (
        "success", "SUCCEEDED", "Deploy", True)
    assert_received(run.received("receiver"), result)
    assert TOKEN not in run.log


@pytest.mark.container
def test_the_component_included_locally_twice_with_its_inputs(gitlab_ci_local: Path, images: tuple[str, str],
                                                              emulator: Emulator, tmp_path: Path) -> None:
    """`include: local` with every input the issue lists: a failing gate and a passing one, in two stages, under
    their own names and prefixes, the token from a variable of another name; one job reads both."""
    image, tag = images[0].split(":")
    common = (f"      space: {SPACE}\n      project: {PROJECT}\n      image: {image}\n      image-tag: {tag}\n"
              f"      endpoint: {emulator.base_url}\n      token-variable: STAGING_CC_TOKEN\n")
    staging = emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id
    pipeline = (
        "stages: [staging, production, report]\n\ninclude:\n"
        "  - local: templates/codecatalyst-gate.yml\n    inputs:\n" + common +
        f"      run-id: {staging}\n      stage: staging\n      job-name: staging-gate\n"
        "      output-prefix: STAGING_\n      success-statuses: SUCCEEDED,FAILED\n      timeout: 5m\n"
        "  - local: templates/codecatalyst-gate.yml\n    inputs:\n" + common +
        "      workflow: MyDemoWorkflow\n      start: true\n      stage: production\n      job-name: production-gate\n"
        "      output-prefix: PRODUCTION_\n      job-timeout: 10m\n"
        "\nreport:\n  stage: report\n  needs: [staging-gate, production-gate]\n  when: always\n  script:\n" + RECEIVE)
    run = run_pipeline(gitlab_ci_local, tmp_path, pipeline, images=images,
                       variables={"STAGING_CC_TOKEN": TOKEN},
                       files={"templates/codecatalyst-gate.yml":
                              (ROOT / "templates" / "codecatalyst-gate.yml").read_text(encoding="utf-8")})
    assert run.returncode == 0, run.log[-6000:]
    assert [run.outcome(job) for job in ("staging-gate", "production-gate", "report")] == ["PASS"] * 3
    received = run.received("report")
    staged, produced = run.json("staging-gate.json"), run.json("production-gate.json")
    assert (staged["run-id"], staged["status"], staged["result"]) == (staging, "FAILED", "success")
    assert (produced["status"], produced["started"]) == ("SUCCEEDED", True)
    assert_received(received, staged, "STAGING_")
    assert_received(received, produced, "PRODUCTION_")
    assert TOKEN not in run.log


# --- the shell executor: the gate of this checkout, no image ---------------------------------------------------

def gate_job(name: str, stage: str, command: str, *, artifacts: str = "") -> str:
    return (f"{name}:\n  stage: {stage}\n  script:\n    - {command}\n"
            f"  artifacts:\n    when: always\n    reports:\n      dotenv: {artifacts or name + '.env'}\n")


def gate_then_report(command: str) -> str:
    """A gate job (its dotenv report gate.env), then a `when: always` job that keeps what it received."""
    return ("stages: [gate, report]\n\n" + GLOBALS + gate_job("gate", "gate", command)
            + "\nreport:\n  stage: report\n  when: always\n  script:\n" + RECEIVE)


def test_a_when_always_job_reads_every_output_of_a_failed_gate(gitlab_ci_local: Path, emulator: Emulator,
                                                              tmp_path: Path) -> None:
    run_id = emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id
    pipeline = gate_then_report(f"codecatalyst-gate wait --run-id {run_id} --dotenv gate.env --output-file gate.json")
    run = run_pipeline(gitlab_ci_local, tmp_path, pipeline, variables=variables(emulator))
    assert run.returncode != 0
    assert (run.outcome("gate"), run.outcome("report")) == ("FAIL", "PASS"), run.log[-6000:]
    result = run.json("gate.json")
    assert list(result) == list(RESULT_KEYS)
    assert (result["result"], result["status"], result["exit-code"]) == ("failure", "FAILED", 1)
    assert_received(run.received("report"), result)


def test_a_refused_input_still_hands_its_outputs_on(gitlab_ci_local: Path, emulator: Emulator,
                                                   tmp_path: Path) -> None:
    pipeline = gate_then_report("codecatalyst-gate wait --run-id 3b8e5c2a-1f4d-4c6e-9a7b-2d1e0f9c8b7a --workflow Deploy "
                                "--start --dotenv gate.env --output-file gate.json")
    run = run_pipeline(gitlab_ci_local, tmp_path, pipeline, variables=variables(emulator))
    assert (run.outcome("gate"), run.outcome("report")) == ("FAIL", "PASS"), run.log[-6000:]
    result = run.json("gate.json")
    assert (result["result"], result["exit-code"]) == ("error", 2)
    assert_received(run.received("report"), result)
    assert list(emulator.requests) == []


def test_hostile_server_text_arrives_unchanged_and_runs_nothing(gitlab_ci_local: Path, tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    hostile = json.loads((ROOT / "gate" / "emulator" / "scenario-hostile.json").read_text())["workflows"][0]
    reasons = [*hostile["final"]["statusReasons"],
               {"message": "$CODECATALYST_TOKEN ${CODECATALYST_TOKEN} $$ $CI_JOB_ID # not a comment #"},
               {"message": f"$(touch {canary}) `touch {canary}`; touch {canary} \\ \\\\n \" ' \\u0024"},
               {"message": "x\nCODECATALYST_GATE_RESULT=success\nINJECTED=1"},
               {"message": "café ✓ 🚀 \u2028 \u0085"}, {"$key": {"#": ["${HOME}", "$HOME", "\\"]}}]
    workflow = {**DEPLOY, "name": "HostileDeploy", "final": {"status": "FAILED", "statusReasons": reasons}}
    with Emulator(token=TOKEN, scenario={"workflows": [workflow]}) as emulator:
        run_id = emulator.start_run(workflow="HostileDeploy", started_ago=60).id
        pipeline = gate_then_report(f"codecatalyst-gate wait --run-id {run_id} --dotenv gate.env "
                                    "--output-file gate.json")
        run = run_pipeline(gitlab_ci_local, tmp_path, pipeline, variables=variables(emulator))
    assert (run.outcome("gate"), run.outcome("report")) == ("FAIL", "PASS"), run.log[-6000:]
    result = run.json("gate.json")
    assert result["status-reasons"] == reasons
    received = run.received("report")
    assert_received(received, result)
    assert "INJECTED" not in received and received["CODECATALYST_GATE_RESULT"] == "failure"
    assert not canary.exists()
    outputs = {name: value for name, value in received.items() if name.startswith("CODECATALYST_GATE_")}
    assert len(outputs) == len(RESULT_KEYS) - 3 == 20  # api-calls, throttled and attempts are left out: 20 variables at most
    assert TOKEN not in run.log and TOKEN not in json.dumps(outputs)  # the job has the token; no output holds it


def test_two_gates_in_two_stages_each_gate_their_own_run(gitlab_ci_local: Path, emulator: Emulator,
                                                         tmp_path: Path) -> None:
    """Staging, then production: the second gate gets the first's dotenv variables, ahead of its own, and none of
    them is one of its inputs."""
    start = "codecatalyst-gate wait --workflow MyDemoWorkflow --start --interval 0.2"
    pipeline = ("stages: [staging, production]\n\n" + GLOBALS
                + gate_job("staging", "staging", f"{start} --dotenv staging.env --output-file staging.json")
                + "\n" + gate_job("production", "production",
                                  f"{start} --dotenv production.env --output-file production.json").replace(
                                      "  script:\n", "  script:\n" + RECEIVE))
    run = run_pipeline(gitlab_ci_local, tmp_path, pipeline, variables=variables(emulator))
    assert run.returncode == 0, run.log[-6000:]
    assert (run.outcome("staging"), run.outcome("production")) == ("PASS", "PASS")
    staged, produced = run.json("staging.json"), run.json("production.json")
    assert staged["run-id"] != produced["run-id"] and staged["started"] and produced["started"]
    assert_received(run.received("production"), staged)  # handed on, and ignored
    assert started_runs(emulator) == [200, 200]


def test_two_gates_feed_one_job_under_their_own_prefixes(gitlab_ci_local: Path, emulator: Emulator,
                                                         tmp_path: Path) -> None:
    runs = {"staging": emulator.start_run(workflow="MyDemoWorkflow", started_ago=60).id,
            "production": emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id}
    gates = "".join(
        gate_job(name, "gates", f"codecatalyst-gate wait --run-id {run_id} --output-prefix {name.upper()}_ "
                                f"--dotenv {name}.env --output-file {name}.json") + "\n"
        for name, run_id in runs.items())
    pipeline = ("stages: [gates, report]\n\n" + GLOBALS + gates
                + "report:\n  stage: report\n  needs: [staging, production]\n  when: always\n  script:\n" + RECEIVE)
    run = run_pipeline(gitlab_ci_local, tmp_path, pipeline, variables=variables(emulator))
    assert (run.outcome("staging"), run.outcome("production"), run.outcome("report")) == ("PASS", "FAIL", "PASS")
    received = run.received("report")
    for name, run_id in runs.items():
        result = run.json(f"{name}.json")
        assert result["run-id"] == run_id
        assert_received(received, result, f"{name.upper()}_")
    assert (received["STAGING_RESULT"], received["PRODUCTION_RESULT"]) == ("success", "failure")


def test_start_finds_its_own_run_again_in_the_same_job(gitlab_ci_local: Path, emulator: Emulator,
                                                       tmp_path: Path) -> None:
    """The client token is the job's (CI_JOB_ID): the gate run twice in one job starts one run, and says so in
    GitLab's words."""
    start = "codecatalyst-gate wait --workflow MyDemoWorkflow --start --interval 0.2"
    pipeline = (GLOBALS + "twice:\n  stage: deploy\n  script:\n"
                f"    - {start} --output-file first.json\n    - {start} --output-file second.json\n")
    run = run_pipeline(gitlab_ci_local, tmp_path, pipeline, variables=variables(emulator))
    assert run.returncode == 0, run.log[-6000:]
    first, second = run.json("first.json"), run.json("second.json")
    assert first["run-id"] == second["run-id"] and first["status"] == second["status"] == "SUCCEEDED"
    assert started_runs(emulator) == [200, 200]  # two starts, one run: the second found the first's
    runs = emulator.state.runs(workflow_id=first["workflow-id"])
    assert len(runs) == 5 and runs[0].id == first["run-id"]  # the four seeded past runs, and one new
    told = [line for line in run.said("twice") if "client token" in line]
    assert len(told) == 4 and "derived from this GitLab CI job (CI_JOB_ID=" in told[0]
    assert "a retry of the job (a new job) starts a new one" in told[0]
    assert not [line for line in told if re.search(r"\b(step|attempt)\b", line)], told
