"""The render tests' shared fixture: `mmdc`, installed once (scripts/render/ensure-mermaid.sh) and cached; where
that is impossible every test that needs it skips with the reason."""

from __future__ import annotations

import pytest

from tests.render.mermaid_cli import ensure_mmdc


@pytest.fixture(scope="session")
def mmdc() -> str:
    path, why = ensure_mmdc()
    if path is None:
        pytest.skip(f"Mermaid's renderer cannot be installed here: {why}")
    return path
