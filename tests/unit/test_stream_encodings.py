"""Issue 28 item 2: a stream's encoding never makes a write raise (gate.textsafe.escape_what_streams_cannot_encode);
what the encoding lacks becomes JSON escapes, so JSON still parses to the same values and text stays readable."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from gate.textsafe import ESCAPE_UNENCODABLE, escape_unencodable, escape_what_streams_cannot_encode, json_text

VALUE = {"statusReasons": [{"message": "déploiement échoué ✗ 失败 🚀"}], "name": "A\\u2717"}


def stream(encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, newline="")


def written(wrapper: io.TextIOWrapper) -> bytes:
    wrapper.flush()
    buffer = wrapper.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", ["ascii", "cp1252", "latin-1", "utf-8", "cp437"])
def test_json_written_in_any_encoding_reads_back_as_the_same_value(encoding: str) -> None:
    out = stream(encoding)
    escape_what_streams_cannot_encode(out)
    out.write(json_text(VALUE) + "\n")
    assert json.loads(written(out).decode(encoding)) == VALUE


def test_without_the_handler_the_same_write_raises() -> None:
    out = stream("cp1252")
    with pytest.raises(UnicodeEncodeError):
        out.write(json_text(VALUE))
        out.flush()


def test_what_the_encoding_lacks_becomes_json_escapes_and_the_rest_stays() -> None:
    out = stream("cp1252")
    escape_what_streams_cannot_encode(out)
    out.write("é ✗ 失 🚀")
    assert written(out).decode("cp1252") == "é \\u2717 \\u5931 \\ud83d\\ude80"
    assert out.errors == ESCAPE_UNENCODABLE


def test_a_lone_surrogate_is_escaped_not_raised() -> None:
    out = stream("utf-8")
    escape_what_streams_cannot_encode(out)
    out.write("x\udc80y")
    assert written(out) == b"x\\udc80y"


def test_the_handler_only_handles_encoding() -> None:
    error = UnicodeDecodeError("ascii", b"\xff", 0, 1, "no")
    with pytest.raises(UnicodeDecodeError):
        escape_unencodable(error)


def test_streams_without_reconfigure_are_left_alone() -> None:
    plain = io.StringIO()
    escape_what_streams_cannot_encode(plain, None)
    plain.write("✗")
    assert plain.getvalue() == "✗"


def test_the_cli_door_escapes_its_streams_before_click_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from gate.doors import cli

    seen: list[object] = []
    monkeypatch.setattr(cli, "escape_what_streams_cannot_encode", lambda: seen.append("guarded"))
    result = CliRunner().invoke(cli.main, ["--version"])
    assert result.exit_code == 0 and seen == ["guarded"]
