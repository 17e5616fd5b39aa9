"""What to do about a refusal, where the cause is likely (pure): a 401 or 403 (the token, its expiry, the project
role of its user) and a 404 (the ID, the project). Only what CodeCatalyst documents: a 403 AccessDeniedException
means "you don't have sufficient access ... Verify that you are a member of a role that allows this action"
(GetWorkflowRun's reference); a project's roles are Project administrator, Contributor, Reviewer and Read only; a
personal access token has an expiry time (CreateAccessToken's expiresTime) and acts as its user.
"""

from __future__ import annotations

from typing import Literal

Operation = Literal["GetWorkflowRun", "ListWorkflowRuns", "ListWorkflows", "StartWorkflowRun"]

# What each operation does, as the role's permission would say it.
DOING: dict[str, str] = {
    "GetWorkflowRun": "reading workflow runs",
    "ListWorkflowRuns": "listing workflow runs",
    "ListWorkflows": "listing workflows",
    "StartWorkflowRun": "starting workflow runs",
}
PROJECT_ROLES = "Project administrator, Contributor, Reviewer or Read only"


def refusal_hint(status: int, *, operation: str, space: str, project: str, target: str | None = None) -> str:
    """The hint for a refusal of `operation` in this space and project (`target`: the run or workflow ID asked
    about); empty where none is known."""
    where = f"project {project} of space {space}"
    if status == 401:
        return ("the token was not accepted: pass a CodeCatalyst personal access token that has not expired "
                "(each has an expiry time) or been deleted")
    if status == 403:
        return (f"the token acts as its user, who needs a role in {where} that allows {DOING.get(operation, 'this')} "
                f"(a project role: {PROJECT_ROLES}; CodeCatalyst lists each role's permissions), and personal "
                "access tokens expire: check the token's expiry in your CodeCatalyst user settings")
    if status == 404:
        if operation == "GetWorkflowRun":
            return f"no run {target} in {where}: check the run ID and the project"
        if operation in ("ListWorkflowRuns", "StartWorkflowRun"):
            return f"no workflow {target} in {where}: check the workflow ID and the project"
        return f"check the space ({space}) and the project ({project})"
    return ""
