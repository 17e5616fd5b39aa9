"""One reader for every time the gate reads (gate.timestamps.parse_time), with one rule: a time without an offset is
no time. Pinned here for the reader itself and for each place that reads a time through it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from gate.api.history import item_duration
from gate.config.validation import parse_since
from gate.errors import ExitCode, InputError
from gate.pick.cisince import ci_since
from gate.pick.workflows import newest_run
from gate.report.formats.mermaid import run_bars
from gate.result import Result
from gate.runref import RunRef
from gate.timestamps import MAX_LENGTH, duration_seconds, ended_before, parse_rfc3339, parse_time
from gate.wait.loop import RunState
from tests.conftest import PROJECT, RUN_ID, SPACE, WORKFLOW_ID, run_document

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ZONED, NAIVE = "2026-11-25T10:00:00Z", "2026-11-25T10:00:00"
LATER = "2026-11-25T10:03:25.500Z"


@pytest.mark.parametrize(("text", "moment"), [
    ("2026-11-25T10:00:00Z", START),
    ("2026-11-25t10:00:00z", START),  # RFC 3339 allows lower case
    ("2026-11-25 10:00:00Z", START),  # and a space for the T
    ("2026-11-25T10:00:00.250Z", START + timedelta(seconds=0.25)),
    ("2026-11-25T10:00:00.1234567Z", START + timedelta(microseconds=123456)),  # past microseconds: cut
    ("2026-11-25T11:30:00+01:30", START),
    ("2026-11-25T08:00:00-02:00", START),
    ("2026-11-25T10:00:00-00:00", START),
])
def test_a_time_with_its_offset_is_read_zoned(text: str, moment: datetime) -> None:
    read = parse_time(text)
    assert read == moment and read is not None and read.utcoffset() is not None
    assert parse_rfc3339(text) == moment


@pytest.mark.parametrize("value", [
    NAIVE,  # no offset: no moment, so no time (never a guess at UTC or the local zone)
    "2026-11-25T10:00:00.250",
    "2026-11-25",  # a date
    "2026-11-25T10:00Z",  # no seconds
    "2026-11-25T10:00:00+0100",  # an offset without its colon
    "2026-11-25T10:00:00+01",
    "20261125T100000Z",  # ISO 8601's basic form
    "2026-02-30T10:00:00Z",  # no such day
    "2026-11-25T10:00:00+24:00",  # no such offset
    "2026-11-25T23:59:60Z",  # a leap second Python cannot hold
    "２０２６-11-25T10:00:00Z",  # digits, but not ASCII ones
    " 2026-11-25T10:00:00Z",  # the reader takes the text as given; edges that read user input strip it
    "2026-11-25T10:00:00Z\n",
    "2026-11-25T10:00:00." + "0" * MAX_LENGTH + "Z",  # too long to read
    "", None, 1764064800, 1764064800.0, b"2026-11-25T10:00:00Z", START,
])
def test_anything_else_is_no_time(value: Any) -> None:
    assert parse_time(value) is None
    if isinstance(value, str):
        with pytest.raises(ValueError, match="is not an RFC 3339 date-time with a UTC offset"):
            parse_rfc3339(value)


def test_the_longest_time_read_is_max_length() -> None:
    longest = "2026-11-25T10:00:00." + "0" * (MAX_LENGTH - 26) + "+00:00"
    assert len(longest) == MAX_LENGTH and parse_time(longest) == START
    assert parse_time(longest.replace("+00:00", "0+00:00")) is None


def test_durations_and_ends_need_two_times() -> None:
    assert duration_seconds(ZONED, LATER) == 205.5
    assert duration_seconds("2026-11-25T11:00:00+01:00", LATER) == 205.5  # offsets count
    assert duration_seconds(NAIVE, "2026-11-25T10:03:25.500") is None  # two times without offsets: still none
    assert duration_seconds(NAIVE, LATER) is None and duration_seconds(ZONED, None) is None
    assert ended_before(ZONED, START + timedelta(seconds=1)) is True
    assert ended_before(ZONED, START) is False  # not before: at
    assert ended_before(NAIVE, START + timedelta(days=1)) is False
    assert ended_before(ZONED, None) is False


def _history(start: str) -> Any:
    return item_duration({"id": "other", "status": "SUCCEEDED", "workflowId": WORKFLOW_ID, "startTime": start,
                          "endTime": LATER})


def _newest(start: str) -> Any:
    run = newest_run([{"id": "r", "workflowId": WORKFLOW_ID, "startTime": start}], since=START)
    return run["id"] if run else None


def _ci(start: str) -> Any:
    return ci_since({"GITLAB_CI": "true", "CI_PIPELINE_CREATED_AT": start}, read_text=lambda path: "",
                    grace=0).moment


def _since(start: str) -> Any:
    try:
        return parse_since(f" {start} ")
    except InputError as e:
        assert e.exit_code == ExitCode.USAGE and e.field == "--since"
        return None


def _started_at(start: str) -> Any:
    state = RunState(RunRef(RUN_ID))
    state.saw("IN_PROGRESS", workflow_id=WORKFLOW_ID, start_time=start, at=START)
    return state.started_at


def _result(start: str) -> Any:
    run = Result(kind="success", exit_code=ExitCode.SUCCESS, space=SPACE, project=PROJECT, run_id=RUN_ID,
                 response=run_document(startTime=start), stale_if_ended_before=START + timedelta(days=1))
    return run.to_dict()["duration-seconds"]


def _bars(start: str) -> Any:
    going = Result(kind="timeout", exit_code=ExitCode.TIMEOUT, space=SPACE, project=PROJECT, run_id=RUN_ID,
                   response=run_document("IN_PROGRESS", startTime=start))
    return run_bars(going, now=START + timedelta(minutes=5)) or None


READERS: dict[str, Callable[[str], Any]] = {
    "history: a past run's duration": _history,
    "picking: the newest run": _newest,
    "CI: the pipeline's time": _ci,
    "--since": _since,
    "the wait: the run's start": _started_at,
    "the result: duration-seconds": _result,
    "the timeline: its bars": _bars,
}


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
def test_every_reader_reads_a_zoned_time_and_no_time_without_an_offset(reader: Callable[[str], Any]) -> None:
    assert reader(ZONED) is not None
    assert reader("2026-11-25T11:00:00+01:00") == reader(ZONED)
    assert reader(NAIVE) is None


def test_what_each_reader_makes_of_the_zoned_time() -> None:
    assert _history(ZONED) == 205.5 and _result(ZONED) == 205.5
    assert _newest(ZONED) == "r" and _newest("2026-11-25T09:59:59.999Z") is None  # started before since
    assert _ci(ZONED) == _since(ZONED) == _started_at(ZONED) == START
    assert _bars(ZONED)[0].start == START
    assert parse_time(ZONED) == datetime(2026, 11, 25, 5, 0, tzinfo=timezone(timedelta(hours=-5)))
