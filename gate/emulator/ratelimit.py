"""A rate limit, as the service applies one: a token bucket per caller (per bearer token, or per space), refilled
at `rate` requests per second up to `burst`; a request that finds it empty is answered 429 ThrottlingException
(the model's error shape), with a `Retry-After` header when asked (whole seconds until a token is back).

Scenario key: `"rateLimit": {"rate": 3, "burst": 3, "per": "token", "retryAfter": false}` (`burst`: default the
rate rounded up, at least 1; `per`: `token` (default) or `space`); `--rate-limit R` is `{"rate": R}`.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

from gate.emulator import checks
from gate.emulator.clock import Clock
from gate.emulator.model import ApiError

SCOPES = ("token", "space")
_KEYS = ("rate", "burst", "per", "retryAfter")


@dataclass(frozen=True)
class RateLimit:
    rate: float  # requests per second, > 0
    burst: float  # the bucket's size: requests that may come at once
    per: str = "token"  # one bucket per bearer token, or per space
    retry_after: bool = False  # 429s say when to come back

    @staticmethod
    def of(rate: float, *, burst: float | None = None, per: str = "token", retry_after: bool = False) -> RateLimit:
        return RateLimit(rate, max(1.0, float(math.ceil(rate))) if burst is None else burst, per, retry_after)


def rate_problem(value: float) -> str | None:
    """Why `value` cannot be a rate limit (None: it can)."""
    if not math.isfinite(value) or value <= 0:
        return "must be a number of requests per second above 0"
    return None


def parse_rate_limit(raw: Any, path: str = "$.rateLimit") -> RateLimit:
    spec = checks.obj(raw, path, allowed=_KEYS, required=("rate",))
    rate = checks.number(spec["rate"], f"{path}.rate")
    if rate_problem(rate):
        raise checks.fail(f"{path}.rate", "must be above 0 (requests per second)")
    burst = None if spec.get("burst") is None else checks.number(spec["burst"], f"{path}.burst", minimum=1)
    if not isinstance(spec.get("retryAfter", False), bool):
        raise checks.fail(f"{path}.retryAfter", "must be true or false")
    return RateLimit.of(rate, burst=burst, per=checks.choice(spec.get("per", "token"), f"{path}.per", SCOPES),
                        retry_after=spec.get("retryAfter", False))


class Limiter:
    """The buckets, one per caller; thread-safe (the server answers on many threads)."""

    def __init__(self, limit: RateLimit, clock: Clock) -> None:
        self.limit, self._clock = limit, clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # caller -> (tokens, when counted)
        self.refused = 0

    def take(self, *, token: str, space: str) -> ApiError | None:
        """None: the request may go on; else the 429 to answer."""
        key = token if self.limit.per == "token" else space.lower()
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.get(key, (self.limit.burst, now))
            tokens = min(self.limit.burst, tokens + max(0.0, now - then) * self.limit.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            self.refused += 1
            wait = (1.0 - tokens) / self.limit.rate
        headers = (("Retry-After", str(max(1, math.ceil(wait)))),) if self.limit.retry_after else ()
        return ApiError("ThrottlingException", "Rate exceeded", headers=headers)
