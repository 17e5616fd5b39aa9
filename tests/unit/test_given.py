"""Issue 31 item 3: a refused gate's result keeps each value that was given, is good, and is not in the refusal."""

from __future__ import annotations

from gate.config.given import Given, given_values
from gate.config.inputs import RawInputs, parse_settings
from gate.errors import GateError, InputError
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN


def refused(raw: RawInputs) -> Given:
    try:
        parse_settings(raw, command="wait")
    except GateError as e:
        return given_values(raw, e)
    raise AssertionError("the inputs were accepted")


def test_the_good_values_stay_and_the_refused_one_goes() -> None:
    assert refused(RawInputs(space=SPACE, project="a/b", run_id=RUN_ID, token=TOKEN)) == Given(
        space=SPACE, project="", run_id=RUN_ID)
    assert refused(RawInputs(space=SPACE, project=PROJECT, run_id="../x", token=TOKEN)) == Given(
        space=SPACE, project=PROJECT)
    assert refused(RawInputs(space="x", project=PROJECT, run_id=RUN_ID, token="")) == Given(
        project=PROJECT, run_id=RUN_ID)  # two problems: the space and the token; the rest stays


def test_a_workflow_name_stays_unless_the_refusal_is_about_it() -> None:
    # --workflow without --start or --latest: the refusal names the workflow, so its name does not stay.
    assert refused(RawInputs(space=SPACE, project=PROJECT, workflow="Deploy", token=TOKEN)).workflow_name is None
    # A bad --since goes with --latest: the workflow itself is fine.
    kept = refused(RawInputs(space=SPACE, project=PROJECT, workflow="Deploy@main", latest=True, since="soon",
                             token=TOKEN))
    assert (kept.workflow_name, kept.space) == ("Deploy", SPACE)
    by_id = refused(RawInputs(space=SPACE, project=PROJECT, workflow=RUN_ID, latest=True, since="soon", token=TOKEN))
    assert by_id.workflow_name is None  # an ID is no name


def test_a_value_refused_by_its_key_alone_goes_too() -> None:
    error = InputError("CODECATALYST_SPACE", "ExampleCorp", "some rule", key="space")
    assert given_values(RawInputs(space=SPACE, project=PROJECT), error) == Given(project=PROJECT)
