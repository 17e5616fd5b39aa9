"""The one sink: every way a result or an error leaves the process (stdout JSON, files, dotenv, Azure variables, GitHub
step outputs, summary and annotations). Formatters (gate.report.formats) only format; here the free text is masked
(the token, however a server echoed it; gate.report.redact) and everything written, and a file that cannot be written
never stops the others.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from gate.config import fields
from gate.config.settings import OutputTargets
from gate.errors import GateError, NotWritten
from gate.report.describe import PREFIX
from gate.report.redact import Redactor
from gate.result import FREE_TEXT, Result
from gate.textsafe import inert_line, json_text


def _replace(path: Path, text: str) -> None:
    from gate.report.files import write_atomic  # here, as the formats: `get` writes no file

    write_atomic(path, text)


def _append(path: Path, text: str) -> None:
    from gate.report.files import append

    append(path, text)


def redacted(result: Result, redactor: Redactor) -> Result:
    """The result with the token masked in its free text (the message, the workflow's name, the answer's unchecked
    fields), whatever a server echoed into it, in every run and every earlier attempt; the space, the project, IDs,
    times and statuses stay as they are."""
    return dataclasses.replace(result, response=redactor.response(result.response),
                               message=redactor.text(result.message), usual_note=redactor.text(result.usual_note),
                               workflow_name=result.workflow_name and redactor.text(result.workflow_name),
                               runs=tuple(redacted(run, redactor) for run in result.runs),
                               attempts=tuple(redacted(attempt, redactor) for attempt in result.attempts),
                               phases=tuple(dataclasses.replace(phase, status=redactor.text(phase.status))
                                            for phase in result.phases))


class Sink:
    """Writes results and errors where the settings say, masked and inert; remembers what could not be written."""

    def __init__(self, targets: OutputTargets, *, redactor: Redactor, stdout: TextIO, stderr: TextIO) -> None:
        self.targets, self._redactor, self._out, self._err = targets, redactor, stdout, stderr
        self.not_written: list[NotWritten] = []

    def _write(self, what: str, path: Path, write: Callable[[Path, str], None], text: str) -> bool:
        """Writes; False (and remembered) when the file could not be written. `what` is the field that named the
        file (`junit-xml`), worded as the door that received it does, or the file's own name (`$GITHUB_OUTPUT`)."""
        key = what if what in fields.BY_KEY else None
        said = self.targets.naming(what) if key else what
        try:
            write(path, text)
        except OSError as e:
            if not any(p.what == said and p.path == str(path) for p in self.not_written):  # told once per file
                self.not_written.append(NotWritten(said, str(path), e.strerror or type(e).__name__, key=key))
            return False
        return True

    def _print(self, stream: TextIO, text: str) -> None:
        stream.write(text)
        stream.flush()

    def _azure_summary(self, folder: Path, result: Result, stream: TextIO) -> None:
        """The Markdown summary, as a file the agent attaches to the run (no timeline: Azure draws no Mermaid)."""
        import secrets

        from gate.report import caps
        from gate.report.formats import azure

        path = azure.summary_path(folder, secrets.token_hex(4))

        def write(target: Path, text: str) -> None:
            target.parent.mkdir(exist_ok=True)
            _replace(target, text)

        if self._write("Azure summary", path, write, caps.cut_markdown(azure.summary_markdown(result))):
            self._print(stream, azure.upload_summary(path))

    def error(self, error: GateError, *, title: str = "CodeCatalyst gate: error") -> None:
        """An error that ended the gate before any result: one masked, inert line per line of it."""
        lines = [inert_line(self._redactor.text(line)) for line in str(error).splitlines() or [""]]
        if self.targets.github_commands:
            from gate.report.formats import github

            self._print(self._out, github.command("error", "\n".join(lines), title=title) + "\n")
        else:
            self._print(self._err, "".join(f"{PREFIX} error: {line}\n" for line in lines))

    def warning(self, text: str, *, title: str = "CodeCatalyst gate: warning") -> None:
        """One line of our own about how the gate runs (never the token): a warning annotation in Actions."""
        if self.targets.github_commands:
            from gate.report.formats import github

            self._print(self._out, github.command("warning", inert_line(text), title=title) + "\n")
        else:
            self._print(self._err, f"{PREFIX} warning: {inert_line(text)}\n")

    def document(self, document: dict[str, Any]) -> None:
        """A validated GetWorkflowRun answer as indented, inert JSON on stdout (`get`)."""
        self._print(self._out, json_text(self._redactor.response(document), indent=2) + "\n")

    def _dotenv(self, path: Path, result: Result) -> None:
        from gate.report.formats import dotenv

        text, emptied = dotenv.dotenv_text(result, prefix=self.targets.prefix)
        self._write("dotenv", path, _replace, text)
        if emptied:
            name = self.targets.naming
            self._print(self._err, f"{PREFIX} {name('dotenv')}: left {' and '.join(emptied)} empty to keep the file "
                                   f"under {dotenv.MAX_BYTES} bytes (GitLab's dotenv limit); {name('output-file')} "
                                   "keeps them whole\n")

    def _github(self, result: Result) -> None:
        from gate.report import caps
        from gate.report.formats import github

        targets = self.targets
        if targets.github_output is not None:
            values, emptied = caps.shed(result.to_strings(),
                                        size=lambda v: len(github.output_file_text(v).encode("utf-8", "replace")))
            self._write("$GITHUB_OUTPUT", targets.github_output, _append, github.output_file_text(values))
            if emptied:
                self.warning(f"left the outputs {', '.join(emptied)} empty to keep $GITHUB_OUTPUT under 1 MiB "
                             "(GitHub's limit on outputs)", title="CodeCatalyst gate: outputs cut")
        if targets.github_summary is not None:
            now = datetime.now(UTC)  # where the timeline ends a run still going: the wait has just ended
            self._write("$GITHUB_STEP_SUMMARY", targets.github_summary, _append,
                        caps.cut_markdown(github.step_summary(result, now=now)))
        annotation = github.failure_annotation(result) if targets.github_commands else None
        if annotation:
            self._print(self._out, annotation + "\n")

    def outputs(self, values: dict[str, str]) -> None:
        """Some step outputs now, before the result (the run the gate is about, as soon as it is known)."""
        if self.targets.github_output is not None:
            from gate.report.formats import github

            masked = {key: self._redactor.text(value) if key in FREE_TEXT else value for key, value in values.items()}
            self._write("$GITHUB_OUTPUT", self.targets.github_output, _append, github.output_file_text(masked))

    def result(self, result: Result) -> None:
        """Every requested output of the result. The caller holds signals around the wait and this."""
        result = redacted(result, self._redactor)
        targets = self.targets
        if targets.output_file is not None:
            self._write("output-file", targets.output_file, _replace, result.to_json() + "\n")
        if targets.dotenv_file is not None:
            self._dotenv(targets.dotenv_file, result)
        if targets.github_output is not None or targets.github_summary is not None or targets.github_commands:
            self._github(result)
        if targets.junit_xml is not None:
            from gate.report.formats import junit

            self._write("junit-xml", targets.junit_xml, _replace, junit.junit_xml(result))
        if targets.azure:
            from gate.report.formats import azure

            # Azure's commands go to stdout, or to stderr when stdout carries the JSON (the agent reads both).
            stream = self._err if targets.json_stdout else self._out
            self._print(stream, azure.commands_text(result, prefix=targets.prefix))
            if targets.azure_summary_dir is not None:
                self._azure_summary(targets.azure_summary_dir, result, stream)
        if targets.json_stdout:
            self._print(self._out, result.to_json() + "\n")
