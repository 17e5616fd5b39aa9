"""Fault soak (issue 13): many gates at once against one emulator, each run given a different misbehaviour
(throttling, 5xx, dropped connections, slow, trickled and stalled answers, an oversized answer, a bomb, a refusal,
an answer that breaks the schema, an echoed token). Each gate must end with its documented exit code, its outputs
complete, no token anywhere, no traceback, and no process left behind. Not timed: every gate is bounded by its own
--timeout, and the test only waits for them to end.

Besides, gates pick a workflow's newest run (`--latest`) from listings in each order the API leaves open (issue
20: newest first, oldest first, unordered), each listing misbehaving too; each must pick the newest run.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gate.emulator import STUCK_RUN_ID
from gate.emulator.scenario import LISTING_ORDERS
from tests.acceptance.conftest import GATE, PROJECT, REPO, RESULT_KEYS, SPACE, TOKEN, clean_env
from tests.acceptance.test_listing_order_e2e import NEWEST_ID, NIGHTLY_ID, nightly

pytestmark = pytest.mark.e2e

ROUNDS = 2  # every case twice, all at once: 2 x 16 gates, 26 of them on one emulator


@dataclass(frozen=True)
class Case:
    name: str
    faults: tuple[dict[str, Any], ...]
    exit_code: int
    final: str | None = "SUCCEEDED"  # the run's own end, when the gate gets to see it
    timeout: str = "20"
    reasons: tuple[dict[str, Any], ...] = field(default=())
    listing: str | None = None  # pick with --latest from a ListWorkflowRuns in this order; faults hit the listing


CASES = (
    Case("throttled", ({"kind": "throttle", "count": 3},), 0),
    Case("server errors, then fine", ({"kind": "server-error", "status": 502, "count": 2},), 0),
    Case("dropped connections", ({"kind": "drop-connection", "count": 2},), 0),
    Case("slow answers", ({"kind": "slow", "delay": 0.3, "count": 2},), 0),
    Case("down for good", ({"kind": "server-error", "count": "always"},), 6),
    Case("trickled", ({"kind": "trickle", "bytes": 1, "every": 0.5, "count": "always"},), 6, timeout="3"),
    Case("stalled", ({"kind": "stall", "count": "always"},), 6, timeout="3"),
    Case("oversized", ({"kind": "oversized"},), 5),
    Case("bomb", ({"kind": "bomb", "size": 256 << 20},), 5),
    Case("schema violation", ({"kind": "schema-violation"},), 5),
    Case("access revoked", ({"kind": "access-denied"},), 4),
    Case("failed, echoing the token", (), 1, final="FAILED",
         reasons=({"message": f"deploy failed: bearer {TOKEN} rejected"},)),
    Case("never ends", (), 3, final=None, timeout="2"),
    Case("latest, newest first, listing throttled", ({"kind": "throttle", "count": 2},), 0, listing="newest-first"),
    Case("latest, oldest first, listing 5xx", ({"kind": "server-error", "status": 503, "count": 2},), 0,
         listing="oldest-first"),
    Case("latest, unordered, listing dropped", ({"kind": "drop-connection", "count": 2},), 0, listing="unordered"),
)


def start(case: Case, emulator: Any, out: Path) -> subprocess.Popen[str]:
    if case.listing is not None:
        for fault in case.faults:
            emulator.add_fault({**fault, "operation": "ListWorkflowRuns", "workflowId": NIGHTLY_ID})
        pick = ["--workflow", "Nightly", "--latest"]
    elif case.final is None:
        pick = ["--run-id", STUCK_RUN_ID]
    else:
        overrides = {"statusReasons": list(case.reasons)} if case.reasons else None
        run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=600, final=case.final, overrides=overrides)
        pick = ["--run-id", run.id]
        for fault in case.faults:
            emulator.add_fault({**fault, "operation": "GetWorkflowRun", "runId": run.id})
    args = ["wait", "--space", SPACE, "--project", PROJECT, *pick, "--endpoint", emulator.base_url,
            "--interval", "0.1", "--timeout", case.timeout, "--json", "--output-file", str(out / "result.json"),
            "--dotenv", str(out / "result.env")]
    env = clean_env(CODECATALYST_TOKEN=TOKEN, CODECATALYST_RETRY_BASE="0")
    env = {k: v for k, v in env.items() if k not in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    return subprocess.Popen([*GATE, *args], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def left_in_session(pid: int) -> str:
    return subprocess.run(["pgrep", "-s", str(pid)], capture_output=True, text=True, check=False).stdout.strip()


@pytest.mark.posix
def test_many_gates_against_every_fault_end_as_documented(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator(scenario="stuck")
    listings = {order: start_emulator(scenario=nightly(order)) for order in LISTING_ORDERS}
    assert {case.listing for case in CASES} >= set(LISTING_ORDERS)  # a listing in each order
    running = []
    for round_ in range(ROUNDS):
        for number, case in enumerate(CASES):
            out = tmp_path / f"{round_}-{number}"
            out.mkdir()
            running.append((case, out, start(case, emulator if case.listing is None else listings[case.listing], out)))
    problems = []
    for case, out, gate in running:
        try:
            stdout, stderr = gate.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(gate.pid, 9)
            stdout, stderr = gate.communicate()
            problems.append(f"{case.name}: still running after 90 s")
            continue
        written = [out / "result.json", out / "result.env"]
        everything = stdout + stderr + "".join(p.read_text() for p in written if p.is_file())
        if gate.returncode != case.exit_code:
            problems.append(f"{case.name}: exit {gate.returncode}, expected {case.exit_code}: {stderr[-500:]}")
        if not all(p.is_file() for p in written):
            problems.append(f"{case.name}: an output is missing")
        elif list(json.loads((out / "result.json").read_text())) != RESULT_KEYS:
            problems.append(f"{case.name}: the result file lacks keys")
        elif json.loads(stdout)["exit-code"] != gate.returncode:
            problems.append(f"{case.name}: the result's exit-code is not the process's")
        elif case.listing is not None and json.loads(stdout)["run-id"] != NEWEST_ID:
            problems.append(f"{case.name}: picked run {json.loads(stdout)['run-id']}, not the newest")
        if TOKEN in everything:
            problems.append(f"{case.name}: the token leaked")
        if "Traceback" in everything:
            problems.append(f"{case.name}: a traceback: {stderr[-500:]}")
        if left := left_in_session(gate.pid):
            problems.append(f"{case.name}: processes left behind: {left}")
    assert problems == []
