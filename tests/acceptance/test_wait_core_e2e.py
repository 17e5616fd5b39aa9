"""The one wait loop, end to end: what the two loops it replaced did differently (issue 19) now holds the same for
one run and for many. A superseded run's successor reuses the workflow's history; at the deadline, a run read in
that very round is not read again."""

from __future__ import annotations

from typing import Any

from gate.emulator import Emulator, ManualClock
from tests.acceptance.conftest import PROJECT, SPACE, TOKEN, run_gate


def gets_of(emulator: Emulator, run_id: str) -> int:
    return sum(1 for r in list(emulator.requests) if r.operation == "GetWorkflowRun" and run_id in r.path)


def test_following_a_superseded_run_learns_the_workflow_s_history_once() -> None:
    clock, gets, runs = ManualClock(), [], {}

    def log(line: str) -> None:  # the second poll of the first run: a newer run supersedes it
        if " GetWorkflowRun" in line:
            gets.append(line)
            clock.advance(1)
            if len(gets) == 2:
                runs["newer"] = emulator.start_run(workflow="Release", timeline=[["IN_PROGRESS", 2]])

    emulator = Emulator(token=TOKEN, scenario="busy", clock=clock, log=log).start()
    try:
        first = emulator.start_run(workflow="Release")
        done = run_gate("wait", "--space", SPACE, "--project", PROJECT, "--endpoint", emulator.base_url, "--json",
                        "--run-id", first.id, "--follow-superseded")  # no --interval: the adaptive policy learns
        assert done.returncode == 0, done.stderr
        result: dict[str, Any] = done.json()
        assert (result["run-id"], result["followed"]) == (runs["newer"].id, [first.id])
        assert gets_of(emulator, first.id) >= 2 and gets_of(emulator, runs["newer"].id) >= 2  # both polled going
        learned = [line for line in done.stderr.splitlines() if "adaptive polling" in line]
        assert len(learned) == 1, done.stderr  # the two loops before: once per followed run
    finally:
        emulator.stop()


def test_at_the_deadline_runs_read_that_round_are_not_read_again(start_emulator: Any) -> None:
    emulator = start_emulator()
    endless = [emulator.start_run(workflow=name, timeline=[["IN_PROGRESS", 1]], final=None)
               for name in ("MyDemoWorkflow", "BrokenWorkflow", "MyDemoWorkflow")]

    def gate(*run_ids: str) -> None:
        args = [arg for run_id in run_ids for arg in ("--run-id", run_id)]
        done = run_gate("wait", "--space", SPACE, "--project", PROJECT, "--endpoint", emulator.base_url, "--json",
                        "--interval", "1", "--timeout", "3", *args)
        assert done.returncode == 3, done.stderr

    gate(endless[0].id)
    alone = gets_of(emulator, endless[0].id)
    gate(endless[1].id, endless[2].id)  # two workflows: nothing to batch, each read on its own every round
    assert alone == 4  # at 0, 1, 2 and 3 s; the deadline ends the wait on the answer of that last round
    assert [gets_of(emulator, run.id) for run in endless[1:]] == [alone, alone]  # the two loops before: 5 each


def test_with_several_runs_each_line_names_its_workflow_and_the_end_lists_every_run_s_url(start_emulator: Any
                                                                                           ) -> None:
    emulator = start_emulator(step=60)  # a minute of the runs' time per answer: a few polls each
    done = run_gate("wait", "--space", SPACE, "--project", PROJECT, "--endpoint", emulator.base_url, "--json",
                    "--workflow", "MyDemoWorkflow,BrokenWorkflow", "--start")  # adaptive: history per workflow
    assert done.returncode == 1, done.stderr
    runs = {run["workflow-name"]: run for run in done.json()["runs"]}
    assert set(runs) == {"MyDemoWorkflow", "BrokenWorkflow"}
    lines = done.stderr.splitlines()
    for name, run in runs.items():
        assert any(f"run {run['run-id']} status" in line and line.endswith(f"(workflow {name})") for line in lines)
        assert f"run {run['run-id']}: {run['result']} (status {run['status']}, workflow {name})" in done.stderr
        assert f"run: {run['run-url']}" in done.stderr and run["run-url"].startswith("https://")
    # History is learned for a run still going after its first answer (BrokenWorkflow's fails at once): by name.
    learned = [line for line in lines if "adaptive polling" in line]
    assert len(learned) == 1 and "of workflow MyDemoWorkflow (median" in learned[0], done.stderr


def test_a_workflow_named_twice_is_started_once_even_with_random_client_tokens(start_emulator: Any) -> None:
    emulator = start_emulator(step=60)
    workflow_id = "c0dec47a-0000-4000-8000-000000000001"  # MyDemoWorkflow, by ID
    done = run_gate("wait", "--space", SPACE, "--project", PROJECT, "--endpoint", emulator.base_url, "--json",
                    "--interval", "0.1", "--workflow", f"MyDemoWorkflow,{workflow_id}", "--start")  # no CI here
    assert done.returncode == 0, done.stderr
    starts = [r for r in list(emulator.requests) if r.operation == "StartWorkflowRun"]
    assert len(starts) == 1 and "runs" not in done.json(), done.stderr
