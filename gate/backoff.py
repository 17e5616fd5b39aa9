"""Retry delays for transient failures: capped exponential backoff with full jitter (pure)."""

from __future__ import annotations

import random
from collections.abc import Callable

BACKOFF_BASE = 2.0
BACKOFF_CAP = 60.0
DEFAULT_MAX_RETRIES = 8


def retry_delay(
    attempt: int,
    *,
    floor: float,
    base: float = BACKOFF_BASE,
    cap: float = BACKOFF_CAP,
    uniform: Callable[[float, float], float] = random.uniform,
) -> float:
    """Delay before retry number `attempt` (1-based): full jitter, never below `floor` (the interval)."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return max(floor, uniform(0.0, ceiling))
