"""Keeping the token out of everything we print or write, even when a server echoes it back."""

from __future__ import annotations

from typing import Any

MASK = "***"


class Redactor:
    """Replaces every occurrence of the secrets it knows with a mask."""

    def __init__(self, *secrets: str | None) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = value.replace(secret, MASK)
        return value

    def data(self, value: Any) -> Any:
        """The same for every string (keys included) in a JSON-like value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value
