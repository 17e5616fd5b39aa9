"""Emulator fixtures: a ManualClock, emulators that are always stopped, and a small HTTP client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from gate.api.client import query_string
from gate.emulator import Emulator, ManualClock
from gate.emulator.seed import PROJECT, SPACE

TOKEN = "emulator-test-token"


class Api:
    """requests against one emulator, with the bearer token and the project's URL prefix."""

    def __init__(self, base_url: str, *, token: str | None = TOKEN) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def url(self, tail: str, *, space: str = SPACE, project: str = PROJECT) -> str:
        return f"{self.base_url}/v1/spaces/{space}/projects/{project}/{tail}"

    def request(self, method: str, tail: str, **kwargs: Any) -> requests.Response:
        """`params` go on the wire as the AWS SDKs encode them (a space as %20), as the emulator expects."""
        where = {k: kwargs.pop(k) for k in ("space", "project") if k in kwargs}
        kwargs.setdefault("timeout", 5)
        url = self.url(tail, **where)
        params = kwargs.pop("params", None)
        if params:
            url += "?" + query_string({name: str(value) for name, value in params.items()})
        return self.session.request(method, url, **kwargs)

    def get_run(self, run_id: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", f"workflowRuns/{run_id}", **kwargs)

    def list_runs(self, *, params: dict[str, Any] | None = None, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", "workflowRuns", params=params, json={} if body is None else body, **kwargs)

    def start(self, workflow_id: str, *, client_token: str | None = None, **kwargs: Any) -> requests.Response:
        body = {} if client_token is None else {"clientToken": client_token}
        return self.request("PUT", "workflowRuns", params={"workflowId": workflow_id}, json=body, **kwargs)

    def close(self) -> None:
        self.session.close()


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_emulator(manual_clock: ManualClock) -> Iterator[Callable[..., Emulator]]:
    """Starts emulators on 127.0.0.1:0 with the test's ManualClock; stops every one at teardown."""
    started: list[Emulator] = []

    def make(**kwargs: Any) -> Emulator:
        kwargs.setdefault("clock", manual_clock)
        emulator = Emulator(**kwargs).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    return make_emulator()


@pytest.fixture
def make_api() -> Iterator[Callable[..., Api]]:
    made: list[Api] = []

    def make(emulator: Emulator, **kwargs: Any) -> Api:
        api = Api(emulator.base_url, **kwargs)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(emulator: Emulator, make_api: Callable[..., Api]) -> Api:
    return make_api(emulator)


def error_of(response: requests.Response) -> tuple[int, str, str]:
    """(status, x-amzn-ErrorType, message), after checking the rest-json error shape."""
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"message"} and isinstance(body["message"], str) and body["message"]
    return response.status_code, response.headers.get("x-amzn-ErrorType", ""), body["message"]
