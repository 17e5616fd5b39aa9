"""Issue 31 item 2: a refusal says what to do where the cause is likely; an answer that is not CodeCatalyst's is
told as such (gate.api.hints, gate.api.client)."""

from __future__ import annotations

import pytest
import responses

from gate.api.client import CodeCatalystClient
from gate.api.hints import refusal_hint
from gate.api.operations import Api
from gate.errors import ApiRefused, InvalidResponse
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, WORKFLOW_ID

ENDPOINT = "https://codecatalyst.example.test"
RUN_URL = f"{ENDPOINT}/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns/{RUN_ID}"
START_URL = f"{ENDPOINT}/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns?workflowId={WORKFLOW_ID}"
DENIED = {"x-amzn-ErrorType": "AccessDeniedException"}


def api() -> Api:
    return Api(CodeCatalystClient(endpoint=ENDPOINT, token=TOKEN, env={}, mask=str), space=SPACE, project=PROJECT)


@pytest.mark.parametrize(("operation", "doing"), [("GetWorkflowRun", "reading workflow runs"),
                                                  ("StartWorkflowRun", "starting workflow runs"),
                                                  ("ListWorkflows", "listing workflows")])
def test_a_403_names_the_role_to_have_where_and_the_expiry(operation: str, doing: str) -> None:
    hint = refusal_hint(403, operation=operation, space=SPACE, project=PROJECT, target=RUN_ID)
    assert f"a role in project {PROJECT} of space {SPACE} that allows {doing}" in hint
    assert "Project administrator, Contributor, Reviewer or Read only" in hint
    assert "personal access tokens expire" in hint


def test_a_404_says_which_id_to_check_and_other_refusals_have_no_hint() -> None:
    def hint(status: int, operation: str) -> str:
        return refusal_hint(status, operation=operation, space=SPACE, project=PROJECT, target="X")

    assert hint(404, "GetWorkflowRun") == f"no run X in project {PROJECT} of space {SPACE}: check the run ID and " \
                                          "the project"
    assert hint(404, "StartWorkflowRun") == hint(404, "ListWorkflowRuns") == \
        f"no workflow X in project {PROJECT} of space {SPACE}: check the workflow ID and the project"
    assert hint(404, "ListWorkflows") == f"check the space ({SPACE}) and the project ({PROJECT})"
    assert "expir" in hint(401, "GetWorkflowRun")
    assert hint(400, "GetWorkflowRun") == hint(409, "StartWorkflowRun") == hint(402, "StartWorkflowRun") == ""


@responses.activate
def test_the_api_adds_the_hint_to_the_refusal() -> None:
    responses.put(START_URL, status=403, json={"message": "denied"}, headers=DENIED)
    with pytest.raises(ApiRefused) as caught:
        api().start_run(WORKFLOW_ID, client_token="t1")
    assert str(caught.value).startswith("HTTP 403 AccessDeniedException: denied; the token acts as its user")
    assert "starting workflow runs" in str(caught.value) and caught.value.status == 403


@responses.activate
def test_an_html_page_is_not_codecatalyst_but_a_refusal_or_a_gateway_page_stays_what_it_was() -> None:
    responses.get(RUN_URL, status=404, body="<html>Not Found</html>", content_type="text/html")
    with pytest.raises(InvalidResponse, match=r"^what answers at https://codecatalyst\.example\.test is not "
                                              r"CodeCatalyst \(nor the emulator\): GET /v1/spaces/.* got HTTP 404 "
                                              r"with an HTML page; check the endpoint"):
        api().get_run(RUN_ID)
    responses.replace(responses.GET, RUN_URL, status=403, body="<html>no</html>", content_type="text/html",
                      headers=DENIED)  # CodeCatalyst's error type: its refusal, whatever the body
    with pytest.raises(ApiRefused, match="HTTP 403 AccessDeniedException"):
        api().get_run(RUN_ID)
    responses.replace(responses.GET, RUN_URL, status=200, body="not json", content_type="application/json")
    with pytest.raises(InvalidResponse, match="not valid JSON"):  # JSON promised: a broken answer, as before
        api().get_run(RUN_ID)
