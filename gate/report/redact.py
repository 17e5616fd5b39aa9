"""Keeping the token out of everything we print or write, even when a server echoes it back, without altering data.

The token is masked in free text only (server messages, status reasons, names, log lines, errors, tracebacks),
and only when it is at least MIN_MASKED_TOKEN characters long. Masking a shorter one hides nothing worth hiding
and corrupts what happens to contain it: `x` made "ExampleCorp" "E***ampleCorp", in values and keys alike. Values
the gate checked against its own inputs or a strict pattern (space, project, IDs, timestamps, statuses) and the
names of the API's fields and of our own are data, never altered: no real token fits in them unless the user typed
it there. What a server puts in free-form places (status reasons, fields the API does not define), names
included, is free text.
"""

from __future__ import annotations

import json
from typing import Any

from gate.defaults import MIN_MASKED_TOKEN

MASK = "***"
# The GetWorkflowRun fields the schema pins to a name, a UUID, an enum or a timestamp, and the identity check to
# what was asked (gate.api.schema): kept as the server sent them, like the result's space, project and run IDs.
STRUCTURED_FIELDS = frozenset({"spaceName", "projectName", "id", "workflowId", "status", "startTime", "endTime",
                               "lastUpdatedTime"})
# Every field the schema defines: their names stay as they are (the others are the server's, free text).
ANSWER_FIELDS = STRUCTURED_FIELDS | {"statusReasons"}


class Redactor:
    """Replaces the secrets it knows, those long enough to mask, wherever they occur in free text."""

    def __init__(self, *secrets: str | None, min_length: int = MIN_MASKED_TOKEN) -> None:
        given = {s for s in secrets if s}
        # Each secret as it is and as text built from it shows it (escaped_forms). Longest first, so a secret that
        # contains another, or a form that contains the plain one, is masked whole.
        forms = {form for s in given if len(s) >= min_length for form in escaped_forms(s)}
        self._secrets = sorted(forms, key=len, reverse=True)
        self.too_short = any(len(s) < min_length for s in given)  # some secret is left as it is (warn once)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, MASK)
        return value

    def data(self, value: Any) -> Any:
        """The same for every string in free-form JSON from a server, the names of its objects included."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(key)): self.data(v) for key, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value

    def response(self, document: dict[str, Any] | None) -> dict[str, Any] | None:
        """A validated GetWorkflowRun answer: its structured fields as sent, the names of the fields the API defines
        too, everything else (status reasons, fields of the server's own) as `data`."""
        if document is None or not self._secrets:
            return document
        return {key if key in ANSWER_FIELDS else self.text(key): value if key in STRUCTURED_FIELDS else self.data(value)
                for key, value in document.items()}


def escaped_forms(secret: str) -> set[str]:
    """The secret, and the forms it takes inside text made from a string that holds it: JSON-escaped (once, twice,
    and with `\\/` as some encoders write `/`) and Python's repr with either quote (a schema violation quotes the
    value it names). A token may hold `"` and `\\`, which each of these writes differently."""
    once = json.dumps(secret)[1:-1]
    forms = {secret, once, json.dumps(secret, ensure_ascii=False)[1:-1], once.replace("/", "\\/"),
             json.dumps(once)[1:-1], repr(secret)[1:-1]}
    for quote in ("'", '"'):
        forms.add(secret.replace("\\", "\\\\").replace(quote, "\\" + quote))
    return forms


def short_token_warning(source: str) -> str:
    """Why a token is not masked: names its source, never its value."""
    return (f"the token from {source or 'the settings'} is shorter than {MIN_MASKED_TOKEN} characters, so the gate "
            "does not mask it in what it prints and writes (masking so short a text would alter the data); a real "
            "CodeCatalyst token is longer")
