"""gate.textsafe and the result's JSON on their own: exact texts, so that a change in what is escaped, or how,
fails here first."""

from __future__ import annotations

import dataclasses

from gate.errors import ExitCode
from gate.report.redact import MASK, Redactor, escaped_forms, short_token_warning
from gate.result import Result, Usual, answers_in_result, run_console_url
from gate.textsafe import (
    ESCAPE_UNENCODABLE,
    _visible,
    escape_what_streams_cannot_encode,
    inert_line,
    invisible,
    json_escape,
    json_text,
    one_line,
)
from tests.conftest import PROJECT, RUN_ID, SPACE, run_document


def test_one_line_makes_line_breaks_and_controls_visible() -> None:
    assert one_line("a\r\nb\nc\rd\te\x00\x7f\u0085\u2028") == "a\\nb\\nc\\rd\te\\x00\\x7f\\x85\\u2028"  # a tab stays


def test_an_invisible_character_is_shown_by_its_code_in_or_beyond_the_bmp() -> None:
    assert _visible("\u200b") == "\\u200b" and _visible("\uffff") == "\\uffff"
    assert _visible("\U00010000") == "\\U00010000" and _visible("\U000e0001") == "\\U000e0001"
    assert inert_line("a\u200bb\U000e0041c") == "a\\u200bb\\U000e0041c"
    assert inert_line("##vso[task] ##[error] é") == "**vso[task] **[error] é"  # visible text stays as it is


def test_json_text_is_compact_unless_indented_and_keeps_visible_unicode() -> None:
    assert json_text({"a": [1, "é"]}) == '{"a":[1,"é"]}'
    assert json_text({"a": [1, 2]}, indent=2) == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert json_text("x\u200by ##vso[ ##[") == '"x\\u200by \\u0023#vso[ \\u0023#["'


def test_the_result_object_is_indented_by_two() -> None:
    text = Result(kind="success", exit_code=ExitCode.SUCCESS, space=SPACE, project=PROJECT, run_id=RUN_ID).to_json()
    assert text.startswith('{\n  "result": "success",\n  "status": null,\n')


def test_answers_in_a_result_object_and_only_in_one() -> None:
    answer = {"id": RUN_ID, "status": "SUCCEEDED"}
    assert answers_in_result({"result": "success", "response": answer}) == [("$.response", answer)]
    assert answers_in_result({"result": "success", "response": None, "runs": []}) == [("$.response", None)]
    assert answers_in_result({"result": "success", "response": None, "runs": "x"}) == [("$.response", None)]
    assert answers_in_result({"result": "failure", "response": answer, "runs": [{"response": answer}, "odd"]}) == [
        ("$.runs[0].response", answer), ("$.runs[1].response", None)]
    assert answers_in_result(answer) is None  # an answer itself
    assert answers_in_result({"result": "success", "response": answer, "id": RUN_ID}) is None
    assert answers_in_result({"result": "success"}) is None and answers_in_result({"response": answer}) is None
    assert answers_in_result([answer]) is None and answers_in_result(None) is None


def test_the_longest_secret_is_masked_first() -> None:
    # "0abcdefgh" holds "abcdefgh": masked whole, not as "0***"; sorted by text instead, the shorter would go first
    assert Redactor("abcdefgh", "0abcdefgh").text("[0abcdefgh] [abcdefgh]") == f"[{MASK}] [{MASK}]"
    assert Redactor("0abcdefgh", "abcdefgh").text("0abcdefgh") == MASK


def test_a_token_of_exactly_the_minimum_is_masked_and_not_flagged() -> None:
    exact, short = Redactor("abcdefgh"), Redactor("abcdefg")
    assert (exact.text("abcdefgh"), exact.too_short) == (MASK, False)
    assert (short.text("abcdefg"), short.too_short) == ("abcdefg", True)


def test_the_warning_without_a_source_says_the_settings() -> None:
    assert short_token_warning("") == (
        "the token from the settings is shorter than 8 characters, so the gate does not mask it in what it prints "
        "and writes (masking so short a text would alter the data); a real CodeCatalyst token is longer")


def test_what_counts_as_invisible() -> None:
    # Cc, Cf (U+0600 only by its category), Zl, Zp, a default-ignorable letter (U+115F); then visible ones
    assert [invisible(c) for c in "\x00\u0600\u2028\u2029\u115f\u200b"] == [True] * 6
    assert [invisible(c) for c in "a é€\u00a0"] == [False] * 5


def test_json_escapes_are_utf16_units() -> None:
    assert json_escape("é") == "\\u00e9" and json_escape("#") == "\\u0023"
    assert json_escape("\U0001f600") == "\\ud83d\\ude00"  # beyond the BMP: a surrogate pair


def test_the_result_s_text_of_numbers_and_json() -> None:
    run = Result(kind="failure", exit_code=ExitCode.RUN_FAILED, space=SPACE, project=PROJECT, run_id=RUN_ID,
                 response=run_document("FAILED", statusReasons=[{"message": "é"}]),
                 usual=Usual(median_seconds=250.0, count=3))
    texts = run.to_strings()
    assert (texts["duration-seconds"], texts["usual-duration-seconds"]) == ("205.5", "250")  # a whole float: no .0
    assert texts["status-reasons"] == '[{"message":"é"}]' and texts["exit-code"] == "1"
    assert (texts["stale"], texts["started"], texts["workflow-name"]) == ("false", "false", "")


def test_the_console_url_quotes_every_segment() -> None:
    assert run_console_url(space="a/b", project="p q", workflow_id=None, run_id="r?1") == (
        "https://codecatalyst.aws/spaces/a%2Fb/projects/p%20q/ci/workflows/runs/r%3F1")
    assert run_console_url(space="s", project="p", workflow_id="w/1", run_id="r") == (
        "https://codecatalyst.aws/spaces/s/projects/p/ci/workflows/w%2F1/runs/r")


def test_every_escaped_form_of_a_secret() -> None:
    secret = "p/q\"r\\s'té"
    assert escaped_forms(secret) == {
        secret,
        'p/q\\"r\\\\s\'t\\u00e9',  # JSON
        'p/q\\"r\\\\s\'té',  # JSON, non-ASCII as it is
        'p\\/q\\"r\\\\s\'t\\u00e9',  # JSON with \/
        'p/q\\\\\\"r\\\\\\\\s\'t\\\\u00e9',  # JSON of JSON
        "p/q\"r\\\\s\\'té",  # repr, and the backslash-quote form for '
    }


class Stream:
    """A text stream as escape_what_streams_cannot_encode sees it."""

    def __init__(self, **errors: str) -> None:
        self.__dict__.update(errors)
        self.calls: list[str] = []

    def flush(self) -> None:
        self.calls.append("flush")

    def reconfigure(self, *, errors: str) -> None:
        self.calls.append(errors)


def test_streams_are_reconfigured_once_to_escape() -> None:
    fresh, done, bare = Stream(errors="strict"), Stream(errors=ESCAPE_UNENCODABLE), Stream()
    escape_what_streams_cannot_encode(fresh, done, bare)
    assert fresh.calls == ["flush", ESCAPE_UNENCODABLE] and bare.calls == ["flush", ESCAPE_UNENCODABLE]
    assert done.calls == []  # already escaping: left alone


def test_the_json_form_that_keeps_non_ascii_escapes_controls() -> None:
    forms = escaped_forms("té\x1bx")  # repr writes ESC as \x1b, JSON as \u001b
    assert "té\\u001bx" in forms and "t\\u00e9\\u001bx" in forms  # JSON with é kept, and JSON all ASCII


def test_several_runs_are_under_runs_whatever_keys_the_result_holds() -> None:
    one = Result(kind="success", exit_code=ExitCode.SUCCESS, space=SPACE, project=PROJECT, run_id=RUN_ID)
    group = dataclasses.replace(one, runs=(one, one))
    assert group.to_dict()["runs"] == [one.to_dict(), one.to_dict()]
    started = dataclasses.replace(group, keys=("run-id", "exit-code"))
    assert started.to_dict() == {"run-id": RUN_ID, "exit-code": 0, "runs": [one.to_dict(), one.to_dict()]}
