"""The summary's timeline drawn by Mermaid's own renderer (issue 22, item 5): for one run, for a group and for
hostile names, mmdc must succeed and draw exactly the rows and bars the gate wrote, to scale, in any time zone,
with nothing injected."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from gate.report.formats import github, mermaid
from gate.result import Phase, Result, Usual
from tests.render.mermaid_cli import Drawing, render
from tests.unit.test_mermaid import HOSTILE_NAMES, START, at, failed, going, run

pytestmark = [pytest.mark.render, pytest.mark.timeout(1200)]  # the first test may install chromium and mermaid-cli


def timeline(results: list[Result], **kw: object) -> str:
    text = mermaid.gantt(results, **kw)
    assert text is not None
    return text


def assert_safe(drawing: Drawing) -> None:
    svg = drawing.svg.lower()
    for needle in ("<script", "javascript:", "<a ", "<foreignobject", "onclick", "onerror", "syntax error"):
        assert needle not in svg, needle


def assert_to_scale(drawing: Drawing, spans: dict[str, tuple[float, float]]) -> None:
    """Each bar where its seconds (from the first bar's start) put it, on one scale, within a pixel or two."""
    first = min(spans, key=lambda key: spans[key][0])
    longest = max(spans, key=lambda key: spans[key][1] - spans[key][0])
    scale = drawing.tasks[longest].width / (spans[longest][1] - spans[longest][0])
    origin = drawing.tasks[first].x - spans[first][0] * scale
    for key, (start, end) in spans.items():
        bar = drawing.tasks[key]
        assert bar.x == pytest.approx(origin + start * scale, abs=2), key
        assert bar.end == pytest.approx(origin + end * scale, abs=2), key


def test_one_run_with_its_phases_and_its_usual_duration(mmdc: str, tmp_path: Path) -> None:
    phases = (Phase("VALIDATING", at(2)), Phase("PROVISIONING", at(20)), Phase("IN_PROGRESS", at(60)),
              Phase("FAILED", at(205)))
    result = failed(phases=phases, usual=Usual(median_seconds=120.0, count=20))
    drawing = render(mmdc, timeline([result]), tmp_path, png=True)
    assert drawing.sections == ["Deploy a1b2c3d4"]
    assert {key: bar.label for key, bar in drawing.tasks.items()} == {
        "r0b0": "VALIDATING", "r0b1": "PROVISIONING", "r0b2": "IN_PROGRESS", "r0u": "usual 2m00s"}
    assert all("crit" in bar.classes for key, bar in drawing.tasks.items() if key != "r0u")
    assert "crit" not in drawing.tasks["r0u"].classes  # the reference bar is not an outcome
    assert_to_scale(drawing, {"r0b0": (0, 20), "r0b1": (20, 60), "r0b2": (60, 205), "r0u": (0, 120)})
    assert drawing.ticks[0].startswith("10:00") and len(set(drawing.ticks)) == len(drawing.ticks)  # UTC
    assert_safe(drawing)


@pytest.mark.parametrize("timezone", ["Asia/Kolkata", "America/St_Johns"])  # half-hour offsets
def test_a_group_most_serious_first_to_scale_wherever_it_is_viewed(mmdc: str, tmp_path: Path, timezone: str) -> None:
    ok = run(run_id="a1b2c3d4-5678-90ab-cdef-000000000001", name="Build", usual=Usual(median_seconds=200, count=5))
    bad = failed(run_id="b1b2c3d4-5678-90ab-cdef-000000000002", name="Test", usual=Usual(median_seconds=90, count=8))
    late = going(run_id="c1b2c3d4-5678-90ab-cdef-000000000003", name="Deploy")
    group = dataclasses.replace(late, runs=(ok, bad, late))
    summary = github.step_summary(group, now=START + timedelta(minutes=10))
    block = summary.split("```mermaid\n", 1)[1].split("```", 1)[0]
    drawing = render(mmdc, block, tmp_path, timezone=timezone)
    assert drawing.sections == ["Deploy c1b2c3d4", "Test b1b2c3d4", "Build a1b2c3d4"]
    marks = {key: bar.classes for key, bar in drawing.tasks.items()}
    assert "active" in marks["r0b0"] and "crit" in marks["r1b0"] and "done" in marks["r2b0"]
    assert {key: bar.label for key, bar in drawing.tasks.items()} == {
        "r0b0": "IN_PROGRESS", "r1b0": "FAILED", "r1u": "usual 1m30s", "r2b0": "SUCCEEDED", "r2u": "usual 3m20s"}
    assert_to_scale(drawing, {"r0b0": (0, 600), "r1b0": (0, 205), "r1u": (0, 90), "r2b0": (0, 205),
                              "r2u": (0, 200)})
    assert drawing.ticks[0].startswith("10:00")  # the times are UTC, whatever the viewer's zone
    assert_safe(drawing)


def test_hostile_names_are_drawn_as_plain_rows(mmdc: str, tmp_path: Path) -> None:
    runs = [failed(name=name, run_id=f"a1b2c3d4-5678-90ab-cdef-{i:012d}", phases=(Phase(f"x:{name}", at(5)),))
            for i, name in enumerate(HOSTILE_NAMES)]
    drawing = render(mmdc, timeline(runs), tmp_path)
    assert drawing.sections == [mermaid.section_name(r) for r in runs]  # each whole, on its own row
    assert len(drawing.tasks) == len(runs)
    assert all(bar.label.startswith("status x_") for bar in drawing.tasks.values())
    assert_to_scale(drawing, {f"r{i}b0": (0, 205) for i in range(len(runs))})
    assert_safe(drawing)


def test_a_run_rerun_after_a_failure_is_drawn_as_each_of_its_attempts(mmdc: str, tmp_path: Path) -> None:
    """Issue 29: the failed first attempt keeps its row, marked as failed, before the attempt that passed; the IDs
    share their first 8 characters and still get a row each."""
    first = failed(run_id="0000000a-0000-4000-8000-000000000001", name="Deploy")
    last = dataclasses.replace(run(run_id="0000000a-0000-4000-8000-000000000002", name="Deploy",
                                   startTime="2026-11-25T10:04:00.000Z", endTime="2026-11-25T10:06:00.000Z"),
                               attempts=(first,))
    drawing = render(mmdc, timeline([last]), tmp_path)
    assert drawing.sections == ["Deploy 0000000a-0000-4000-8000-000000000001",
                                "Deploy 0000000a-0000-4000-8000-000000000002"]
    assert "crit" in drawing.tasks["r0b0"].classes and "done" in drawing.tasks["r1b0"].classes
    assert_to_scale(drawing, {"r0b0": (0, 205.5), "r1b0": (240, 360)})
    assert_safe(drawing)
