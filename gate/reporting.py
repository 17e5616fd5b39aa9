"""Where the result goes besides the exit code: stdout JSON and files. Formatters only format."""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from gate.result import Result
from gate.signals import deferred_signals


@dataclass(frozen=True, kw_only=True)
class OutputTargets:
    json_stdout: bool = False
    output_file: Path | None = None


def write_atomic(path: Path, text: str) -> None:
    """Readers never see half a file, even if we are killed mid-write."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def emit(result: Result, targets: OutputTargets, *, stdout: TextIO | None = None) -> None:
    """Write every requested output; a signal arriving meanwhile waits until they are complete."""
    with deferred_signals():
        if targets.output_file is not None:
            write_atomic(targets.output_file, result.to_json() + "\n")
        if targets.json_stdout:
            out = stdout or sys.stdout
            out.write(result.to_json() + "\n")
            out.flush()
