"""Run by test_aws_cli.py with a Python that has botocore (not collected by pytest, not imported):
every operation through a real botocore client, its retries, and how it parses each error.

    python botocore_probe.py ENDPOINT WORKFLOW_ID OTHER_WORKFLOW_ID   (env from gate.emulator.awscli)
"""

import json
import sys
import time
import uuid

sleeps = []
time.sleep = lambda seconds: sleeps.append(seconds)  # record botocore's retry waits instead of waiting

import botocore.session  # noqa: E402 - after the sleep patch
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

endpoint, workflow_id, other_workflow_id = sys.argv[1:4]
session = botocore.session.Session()
# In Config, "max_attempts" counts retries after the first try; "total_max_attempts" counts every try
# (AWS_MAX_ATTEMPTS and the config file's max_attempts count every try too).
retrying = session.create_client("codecatalyst", endpoint_url=endpoint,
                                 config=Config(retries={"mode": "standard", "total_max_attempts": 3}))
once = session.create_client("codecatalyst", endpoint_url=endpoint,
                             config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
where = {"spaceName": "ExampleCorp", "projectName": "MyDemoProject"}
out = {"botocore": botocore.__version__}


def call(name, method, **params):
    try:
        answer = method(**where, **params)
    except ClientError as e:
        out[name] = {"error": e.response["Error"]["Code"], "message": e.response["Error"].get("Message"),
                     "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
        return None
    answer.pop("ResponseMetadata", None)
    out[name] = {"ok": answer}
    return answer


call("list_workflows", retrying.list_workflows)
call("get_workflow", retrying.get_workflow, id=workflow_id)
started = call("start_workflow_run", retrying.start_workflow_run, workflowId=workflow_id)
run = call("get_workflow_run", retrying.get_workflow_run, id=started["id"])  # after the queued 429 and 502
out["retry_sleeps"] = list(sleeps)
out["start_time_type"] = [type(run["startTime"]).__name__, str(run["startTime"].utcoffset())]
pages = retrying.get_paginator("list_workflow_runs").paginate(**where, workflowId=workflow_id,
                                                              PaginationConfig={"PageSize": 2})
out["paginated_ids"] = [item["id"] for page in pages for item in page["items"]]
call("start_with_token", once.start_workflow_run, workflowId=workflow_id, clientToken="probe-1")
call("start_with_token_again", once.start_workflow_run, workflowId=workflow_id, clientToken="probe-1")
call("validation", once.get_workflow_run, id="not-a-uuid")
call("not_found", once.get_workflow_run, id=str(uuid.uuid4()))
call("conflict", once.start_workflow_run, workflowId=other_workflow_id, clientToken="probe-1")
call("quota", once.list_workflows)
call("access_denied", once.list_workflows)
call("throttled", once.get_workflow, id=workflow_id)
print(json.dumps(out, default=lambda o: o.isoformat() if hasattr(o, "isoformat") else repr(o)))
