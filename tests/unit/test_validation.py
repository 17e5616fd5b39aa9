"""Input rules match the whole value, name the field, the value and the rule."""

from __future__ import annotations

import pytest

from gate.config import validation
from gate.errors import ExitCode, InputError
from tests.conftest import RUN_ID

SPEC_SAMPLE_RUN_ID = "example-workflow-run-id-123abc"  # from the reference page's sample request


@pytest.mark.parametrize("value", ["ExampleCorp", "abc", "a-b_c.d", "x" * 63, "A1.b2-C3_d4"])
def test_valid_spaces(value: str) -> None:
    assert validation.validate_space(value) == value


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("ab", "length must be 3-63"),
        ("x" * 64, "length must be 3-63"),
        ("../x", "must be letters and digits"),
        ("a/b", "must be letters and digits"),
        ("abc\n", "must be letters and digits"),
        ("abc-", "must be letters and digits"),
        ("a--b", "must be letters and digits"),
        ("my space", "must be letters and digits"),
        ("abc%2F", "must be letters and digits"),
    ],
)
def test_invalid_spaces_name_field_value_and_rule(value: str, rule: str) -> None:
    with pytest.raises(InputError) as caught:
        validation.validate_space(value)
    message = str(caught.value)
    assert message.startswith("--space: ")
    assert repr(value) in message
    assert rule in message
    assert caught.value.exit_code == ExitCode.USAGE


def test_project_allows_one_character_but_space_does_not() -> None:
    assert validation.validate_project("p") == "p"
    with pytest.raises(InputError):
        validation.validate_space("p")
    with pytest.raises(InputError, match="length must be at least 1"):
        validation.validate_project("")


@pytest.mark.parametrize(
    "value",
    [
        SPEC_SAMPLE_RUN_ID,
        RUN_ID + "x",
        RUN_ID + "/../other",
        "x" + RUN_ID,
        RUN_ID + "\n",
        RUN_ID.replace("-", ""),
    ],
)
def test_run_id_must_be_a_whole_uuid(value: str) -> None:
    with pytest.raises(InputError, match=r"--run-id: .* must be a UUID"):
        validation.validate_run_id(value)


def test_run_id_accepts_upper_and_lower_hex() -> None:
    assert validation.validate_run_id(RUN_ID.upper()) == RUN_ID.upper()


@pytest.mark.parametrize(
    "value",
    [
        "https://codecatalyst.global.api.aws",
        "https://codecatalyst.global.api.aws/",
        "http://127.0.0.1:8080",
        "http://127.9.9.9:1",
        "http://localhost:9000",
        "http://[::1]:8080",
    ],
)
def test_accepted_endpoints(value: str) -> None:
    assert validation.validate_endpoint(value) == value.rstrip("/")


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("http://codecatalyst.global.api.aws", "plain http is allowed only for loopback"),
        ("http://10.0.0.1:8080", "plain http is allowed only for loopback"),
        ("http://localhost.evil.example", "plain http is allowed only for loopback"),
        ("ftp://example.com", "must be an https:// URL"),
        ("codecatalyst.global.api.aws", "must be an https:// URL"),
        ("https://code catalyst.example", "must not contain spaces"),
        ("https://user:pw@example.com", "must not carry credentials"),
        ("https://example.com/?x=1", "must not carry credentials, a query"),
        ("https://example.com:99999", "must be a URL"),
    ],
)
def test_rejected_endpoints(value: str, rule: str) -> None:
    with pytest.raises(InputError, match="--endpoint") as caught:
        validation.validate_endpoint(value)
    assert rule in str(caught.value)


@pytest.mark.parametrize(("value", "meant"), [
    # issue 23: an emulator user wants plain http on loopback, not "must be an https:// URL"
    ("127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("localhost:8080", "http://localhost:8080"),
    ("[::1]:8080", "http://[::1]:8080"),
    ("htp://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("http//127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("http:/127.0.0.1:8080/", "http://127.0.0.1:8080/"),
    ("htps://127.0.0.1:8443", "https://127.0.0.1:8443"),  # an s typed: the emulator with --cert
    ("codecatalyst.global.api.aws", "https://codecatalyst.global.api.aws"),
    ("htps://codecatalyst.global.api.aws", "https://codecatalyst.global.api.aws"),
    ("http://codecatalyst.global.api.aws", "https://codecatalyst.global.api.aws"),
    ("ftp://example.com", "https://example.com"),
])
def test_an_endpoint_without_its_scheme_suggests_the_url_it_likely_meant(value: str, meant: str) -> None:
    with pytest.raises(InputError, match="--endpoint") as caught:
        validation.validate_endpoint(value)
    assert str(caught.value).endswith(f"; did you mean {meant}?")
    assert validation.validate_endpoint(meant) == meant.rstrip("/")


@pytest.mark.parametrize("value", ["https://user:pw@example.com", "https://example.com:99999", "", "x y",
                                   "127.0.0.1:8080/?x=1", "https://"])
def test_no_suggestion_where_none_is_plain(value: str) -> None:
    with pytest.raises(InputError) as caught:
        validation.validate_endpoint(value)
    assert "did you mean" not in str(caught.value)


@pytest.mark.parametrize("value", [0.0, 0.05, -1.0, float("nan"), float("inf")])
def test_interval_floor(value: float) -> None:
    with pytest.raises(InputError, match="--interval"):
        validation.validate_interval(value)


def test_timeout_zero_means_none_and_negative_is_refused() -> None:
    assert validation.validate_timeout(0) is None
    assert validation.validate_timeout(5) == 5.0
    with pytest.raises(InputError, match="--timeout"):
        validation.validate_timeout(-1)


def test_token_is_stripped_and_never_named_in_errors() -> None:
    assert validation.validate_token("abc\n") == "abc"
    with pytest.raises(InputError) as caught:
        validation.validate_token("secret with space")
    assert "secret" not in str(caught.value)
    assert "<redacted>" in str(caught.value)
    with pytest.raises(InputError, match="token is required"):
        validation.validate_token("  ")
