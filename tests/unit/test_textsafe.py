"""gate.textsafe and the result's JSON on their own: exact texts, so that a change in what is escaped, or how,
fails here first."""

from __future__ import annotations

from gate.errors import ExitCode
from gate.report.redact import MASK, Redactor, short_token_warning
from gate.result import Result, answers_in_result
from gate.textsafe import _visible, inert_line, json_text, one_line
from tests.conftest import PROJECT, RUN_ID, SPACE


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
