"""`codecatalyst-gate emulator start-run`: start a run on a running emulator and print its ID, so trying the gate
needs no curl. Loopback only, stdlib HTTP; the workflow is picked by name as the gate picks it (gate.pick.workflows)."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

from gate.config.validation import is_loopback_host, likely_endpoint
from gate.errors import GateError, InputError, InvalidResponse
from gate.textsafe import inert_line


def query_string(params: dict[str, str]) -> str:
    """As the AWS SDKs (and gate.api.client) encode it: a space is %20, never `+`."""
    return urllib.parse.urlencode(params, quote_via=urllib.parse.quote, safe="-_.~")


# No proxy, whatever HTTP_PROXY says: the request is for loopback and must stay there.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# How long to wait for an emulator started a moment ago (`emulator &` on the line before) to listen.
UP_WITHIN = 10.0


class StartFailed(GateError):
    """The emulator could not be reached or refused to start the run."""


def check_endpoint(endpoint: str) -> str:
    """The emulator's URL; only loopback, since this command is for the local emulator alone."""
    try:
        parts = urllib.parse.urlsplit(endpoint.strip())
        scheme, host, _ = parts.scheme, parts.hostname or "", parts.port
    except ValueError:  # a bad port or IPv6 literal
        scheme, host = "", ""
    if scheme not in ("http", "https") or not is_loopback_host(host):
        meant = likely_endpoint(endpoint)
        loopback = meant is not None and is_loopback_host(urllib.parse.urlsplit(meant).hostname or "")
        raise InputError("--endpoint", endpoint, "must be the emulator's loopback URL, like http://127.0.0.1:8080 "
                                                 "(the first line `codecatalyst-gate emulator` prints)"
                                                 + (f"; did you mean {meant}?" if loopback else ""))
    if urllib.parse.urlsplit(endpoint.strip()).path.strip("/"):
        base = urllib.parse.urlsplit(endpoint.strip())
        raise InputError("--endpoint", endpoint, "must be the emulator's address alone, with no path; did you mean "
                                                 f"{base.scheme}://{base.netloc}?")
    return endpoint.strip().rstrip("/")


def serve_command(endpoint: str) -> str:
    """The command that starts an emulator where `endpoint` says one should answer."""
    parts = urllib.parse.urlsplit(endpoint)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or "127.0.0.1"
    options = "" if host in ("127.0.0.1", "localhost") else f" --host {host}"
    if parts.scheme == "https":
        options += " --cert CERT.pem --key KEY.pem"
    return f"codecatalyst-gate emulator{options} --port {port} &"


def not_the_emulator(method: str, url: str, status: int) -> StartFailed:
    """One line: what answered where, and what to do (no server text)."""
    parts = urllib.parse.urlsplit(url)
    return StartFailed(f"what answers at {parts.scheme}://{parts.netloc} is not the emulator: {method} {parts.path} "
                       f"got HTTP {status}, an answer the emulator never gives; start the emulator on a free port "
                       "(`codecatalyst-gate emulator --port 0 &` prints its URL first) and pass that URL as "
                       "--endpoint")


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):  # not JSON, or not text
        return None
    return document if isinstance(document, dict) else None


def _call(method: str, url: str, *, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """The answer's JSON object; StartFailed for a refusal or for an answer the emulator would never give."""
    request = urllib.request.Request(url, method=method, data=json.dumps(body or {}).encode(),
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    try:
        with _DIRECT.open(request, timeout=10) as answer:
            status, document = answer.status, _json_object(answer.read())
    except urllib.error.HTTPError as e:
        error = _json_object(e.read())
        if error is None or not isinstance(error.get("message", ""), str):
            raise not_the_emulator(method, url, e.code) from None
        kind = "".join(c for c in e.headers.get("x-amzn-ErrorType", "") if c.isalnum())  # a type name, no more
        raise StartFailed(f"{method} {urllib.parse.urlsplit(url).path}: HTTP {e.code} {kind}: "
                          f"{inert_line(error.get('message', ''))[:300]}") from None
    if document is None:
        raise not_the_emulator(method, url, status)
    return document


def start_run(*, endpoint: str, space: str, project: str, workflow: str, token: str,
              sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.monotonic) -> str:
    """The new run's ID. `workflow` is a name (exact, as in the emulator's log) or a workflow ID."""
    from gate.pick.workflows import follow_pages, is_workflow_id, pick_workflow

    base = f"{check_endpoint(endpoint)}/v1/spaces/{urllib.parse.quote(space)}/projects/{urllib.parse.quote(project)}"
    listing = f"{base}/workflows?"
    deadline = now() + UP_WITHIN
    while True:
        try:
            if is_workflow_id(workflow):
                workflow_id = workflow
            else:
                try:
                    items = follow_pages(lambda next_token: _call("POST", listing + query_string(
                        {"maxResults": "100"} | ({"nextToken": next_token} if next_token else {})), token=token))
                    workflow_id = str(pick_workflow(items, name=workflow, branch=None, repository=None)["id"])
                except (InvalidResponse, TypeError, AttributeError, KeyError) as e:  # a listing no emulator sends
                    raise not_the_emulator("POST", listing.rstrip("?"), 200) from e
            url = f"{base}/workflowRuns?" + query_string({"workflowId": workflow_id})
            run = _call("PUT", url, token=token, body={"clientToken": str(uuid.uuid4())})
            if not isinstance(run.get("id"), str):
                raise not_the_emulator("PUT", url, 200)
            return str(run["id"])
        except urllib.error.URLError as e:  # not listening yet, or not at all
            if now() >= deadline:
                raise StartFailed(f"no emulator answers at {endpoint} ({e.reason}); start one with "
                                  f"`{serve_command(check_endpoint(endpoint))}`") from None
            sleep(0.1)
        except (OSError, http.client.HTTPException) as e:  # dropped, timed out, or not HTTP at all
            raise StartFailed(f"no emulator answers at {endpoint} ({type(e).__name__}: what listens there hung up, "
                              "stayed silent or does not speak HTTP); start the emulator on a free port "
                              "(`codecatalyst-gate emulator --port 0 &` prints its URL first) and pass that URL as "
                              "--endpoint") from None
