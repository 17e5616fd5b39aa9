"""Where the result goes besides the exit code: stdout JSON, files, CI variables. Formatters only format."""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from gate.formats import azure, dotenv
from gate.progress import PREFIX
from gate.redact import Redactor
from gate.result import Result


@dataclass(frozen=True, kw_only=True)
class OutputTargets:
    json_stdout: bool = False
    output_file: Path | None = None
    dotenv_file: Path | None = None
    azure: bool = False  # Azure Pipelines logging commands (TF_BUILD=True): output variables, an error issue


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    """Readers never see half a file, even if we are killed mid-write.

    The file gets the mode `open()` would give it (0666 less the umask), not mkstemp's 0600: a CI agent
    outside the container (Jenkins reading a bind mount, say) must be able to read it.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # POSIX; on Windows the mode bits mean nothing here
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def redacted(result: Result, redactor: Redactor | None) -> Result:
    """The result with every known secret masked, whatever a server echoed into it."""
    if redactor is None:
        return result
    return dataclasses.replace(result, response=redactor.data(result.response), message=redactor.text(result.message))


def emit(result: Result, targets: OutputTargets, *, stdout: TextIO | None = None, stderr: TextIO | None = None,
         redactor: Redactor | None = None) -> None:
    """Write every requested output. Callers hold signals around the wait and this (signals.deferred_signals).

    Azure's commands go to stdout, or to stderr when stdout carries `--json` (the agent reads both).
    """
    result = redacted(result, redactor)
    out, err = stdout or sys.stdout, stderr or sys.stderr
    if targets.output_file is not None:
        write_atomic(targets.output_file, result.to_json() + "\n")
    if targets.dotenv_file is not None:
        text, emptied = dotenv.dotenv_text(result)
        write_atomic(targets.dotenv_file, text)
        if emptied:
            err.write(f"{PREFIX} --dotenv: left {' and '.join(emptied)} empty to keep the file under "
                      f"{dotenv.MAX_BYTES} bytes (GitLab's dotenv limit); --output-file keeps them whole\n")
            err.flush()
    if targets.azure:
        stream = err if targets.json_stdout else out
        stream.write(azure.commands_text(result))
        stream.flush()
    if targets.json_stdout:
        out.write(result.to_json() + "\n")
        out.flush()
