"""GitHub Actions formats: workflow commands, the outputs file, the step summary, with hostile server text."""

from __future__ import annotations

import re

import pytest

from gate.errors import ExitCode
from gate.report.formats import github
from gate.result import RESULT_KEYS, Result
from tests.conftest import PROJECT, RUN_ID, SPACE, WORKFLOW_ID, run_document

HOSTILE_REASONS = [
    {"message": "Build failed\n::set-output name=result::success"},
    {"message": "::error::injected\r\n::add-mask::x"},
    {"message": "x\nghadelimiter_0123\nexit-code<<EOF\n0\nEOF"},
    {"message": "line%0A::warning::percent-encoded"},
    {"message": "sep\u2028::error::after U+2028\u0085::error::after NEL"},
    {"message": "| table | break |\n\n# heading <script>alert(1)</script> [link](javascript:x)"},
    {"message": "ansi \x1b[31mred\x1b[0m NUL \x00"},
]


def parse_output_file(text: str) -> list[tuple[str, str]]:
    """The runner's reading of GITHUB_OUTPUT: `name=value` lines, or `name<<DELIM` … a line equal to DELIM."""
    pairs: list[tuple[str, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)  # ValueError: an unterminated block, as the runner fails
            pairs.append((name, "\n".join(lines[i + 1:end])))
            i = end + 1
        else:
            name, value = line.split("=", 1)
            pairs.append((name, value))
            i += 1
    return pairs


def failed_result(**overrides: object) -> Result:
    return Result(kind="failure", exit_code=ExitCode.RUN_FAILED, space=SPACE, project=PROJECT, run_id=RUN_ID,
                  polls=3, response=run_document("FAILED", **overrides), message="the run ended FAILED")


def test_escape_data_and_property_follow_the_runner() -> None:
    assert github.escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert github.command("error", "x\ny", title="t: a, b") == "::error title=t%3A a%2C b::x%0Ay"


def test_delimiter_is_random_and_absent_from_every_value() -> None:
    first = github.new_delimiter(["a"])
    assert first != github.new_delimiter(["a"])
    assert re.fullmatch(r"ghadelimiter_[0-9a-f]{32}", first)


def test_delimiter_never_occurs_in_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = iter(["aa" * 16, "bb" * 16])
    monkeypatch.setattr(github.secrets, "token_hex", lambda n: next(tokens))
    assert github.new_delimiter([f"x ghadelimiter_{'aa' * 16} y"]) == f"ghadelimiter_{'bb' * 16}"


def test_outputs_file_holds_exactly_the_result_keys_whatever_the_reasons_say() -> None:
    result = failed_result(statusReasons=HOSTILE_REASONS)
    pairs = parse_output_file(github.output_file_text(result.to_strings()))
    assert [name for name, _ in pairs] == list(RESULT_KEYS)
    assert dict(pairs) == result.to_strings()
    assert dict(pairs)["result"] == "failure" and dict(pairs)["exit-code"] == "1"


def test_summary_escapes_markdown_and_html_and_keeps_one_line_per_reason() -> None:
    summary = github.step_summary(failed_result(statusReasons=HOSTILE_REASONS))
    reason_lines = [line for line in summary.splitlines() if line.startswith("- ")]
    assert len(reason_lines) == len(HOSTILE_REASONS)
    assert "<script>" not in summary and "\x1b" not in summary and "\x00" not in summary
    assert "\u2028" not in summary and "\u0085" not in summary
    assert "\\<script\\>" in summary and "\\| table \\|" in summary
    table_rows = [line for line in summary.splitlines() if line.startswith("|")]
    assert all(line.count("|") - line.count("\\|") == 3 for line in table_rows), table_rows


def test_summary_shows_status_link_times_and_duration() -> None:
    summary = github.step_summary(failed_result())
    assert "FAILED" in summary
    assert f"](https://codecatalyst.aws/spaces/{SPACE}/projects/{PROJECT}/ci/workflows/" in summary
    assert "2026\\-11\\-25T10\\:00\\:00\\.000Z" in summary  # start, escaped
    assert "| Duration | 03:25 |" in summary


def test_failure_annotation_is_one_command_line_with_every_reason() -> None:
    annotation = github.failure_annotation(failed_result(statusReasons=HOSTILE_REASONS))
    assert annotation is not None
    assert "\n" not in annotation and "\r" not in annotation
    assert annotation.startswith(  # issue 31: it names the run and its workflow
        f"::error title=CodeCatalyst gate%3A failure (FAILED)::run {RUN_ID} (workflow {WORKFLOW_ID}): "
        "the run ended FAILED%0A")
    assert annotation.count("%0A") == len(HOSTILE_REASONS)  # one line each, none split by its own newlines
    assert "\u2028" not in annotation and "\x1b" not in annotation


def test_no_annotation_on_success() -> None:
    success = Result(kind="success", exit_code=ExitCode.SUCCESS, space=SPACE, project=PROJECT, run_id=RUN_ID,
                     polls=1, response=run_document("SUCCEEDED"))
    assert github.failure_annotation(success) is None
