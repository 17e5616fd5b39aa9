"""Issue 28 item 2: no stream encoding changes a verdict. The emulator, `get`, `wait --json` and the Action run as
subprocesses with stdout and stderr in cp1252 (a Windows runner's pipe), ASCII, and a C locale (coerced to UTF-8
as Python does by default, and not coerced), on a workflow whose name and status reason are outside ASCII and
outside cp1252. Each must end with the exit code it has in UTF-8, its JSON must parse back (read in the stream's
own encoding) to the same values, and the files it writes are UTF-8 whatever the locale.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values

from tests.acceptance.conftest import PROJECT, REPO, SPACE, TOKEN, clean_env

pytestmark = pytest.mark.e2e

WORKFLOW_NAME = "Déploiement ✗ 失败 🚀"  # é in cp1252, ✗ and 失败 not, 🚀 beyond the BMP
WORKFLOW_ID = "c0dec47a-0000-4000-8000-0000000e4c0d"
RUN_ID = "c0dec47a-0000-4000-8000-0000000e4c01"
REASON = "déploiement échoué ✗ 失败"
# name -> (the variables, the encoding Python then gives stdout and stderr)
ENCODINGS: dict[str, tuple[dict[str, str], str]] = {
    "utf-8": ({"PYTHONIOENCODING": "utf-8"}, "utf-8"),
    "cp1252": ({"PYTHONIOENCODING": "cp1252"}, "cp1252"),
    "ascii": ({"PYTHONIOENCODING": "ascii"}, "ascii"),
    "LANG=C": ({"LANG": "C"}, "utf-8"),  # Python coerces a C locale to UTF-8 (PEP 538/540)
    "LANG=C uncoerced": ({"LANG": "C", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}, "ascii"),
}


def encoded_env(name: str, **extra: str) -> dict[str, str]:
    variables, _ = ENCODINGS[name]
    env = {key: value for key, value in clean_env(CODECATALYST_TOKEN=TOKEN).items()
           if not key.startswith(("LC_", "LANG", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONCOERCECLOCALE"))}
    return {**env, **variables, **extra}


def scenario(folder: Path) -> Path:
    path = folder / "scenario-encodings.json"
    path.write_text(json.dumps({
        "description": "A workflow and a status reason outside ASCII and outside cp1252.",
        "workflows": [{"name": WORKFLOW_NAME, "id": WORKFLOW_ID, "timeline": [["IN_PROGRESS", 1]],
                       "final": {"status": "FAILED", "statusReasons": [{"message": REASON}]}}],
        "runs": [{"id": RUN_ID, "workflow": WORKFLOW_NAME, "startedAgo": 60}],
    }, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=[
    pytest.param(name, marks=pytest.mark.posix if name.startswith("LANG") else ())  # Windows ignores LANG
    for name in ENCODINGS])
def encoding(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def emulator_url(encoding: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The emulator itself runs in the encoding: its start-up lines name the workflow."""
    folder = tmp_path_factory.mktemp("encodings")
    with (folder / "emulator.err").open("wb") as errors:
        process = subprocess.Popen([sys.executable, "-m", "gate", "emulator", "--port", "0", "--token", TOKEN,
                                    "--scenario", str(scenario(folder))], env=encoded_env(encoding), cwd=REPO,
                                   stdout=subprocess.PIPE, stderr=errors)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().decode("ascii").strip()
        assert url.startswith("http://127.0.0.1:"), (url, (folder / "emulator.err").read_bytes())
        yield url
        assert process.poll() is None, (folder / "emulator.err").read_bytes()  # it outlived every line it wrote
        # Raises if undecodable. click.echo writes UTF-8 to a stream that says ASCII (click's own choice).
        stream_encoding = ENCODINGS[encoding][1]
        stderr = (folder / "emulator.err").read_bytes().decode("utf-8" if stream_encoding == "ascii"
                                                                 else stream_encoding)
        assert "Traceback" not in stderr and "emulator: workflow " in stderr, stderr
    finally:
        process.terminate()
        process.wait(10)
        assert process.stdout is not None
        process.stdout.close()


def run(args: list[str], encoding: str) -> tuple[int, str, str, str]:
    """Exit code, stdout and stderr read in the stream's encoding (strictly), and that encoding."""
    done = subprocess.run([sys.executable, "-m", "gate", *args], env=encoded_env(encoding), capture_output=True,
                          cwd=REPO, timeout=60, check=False)
    stream_encoding = ENCODINGS[encoding][1]
    return done.returncode, done.stdout.decode(stream_encoding), done.stderr.decode(stream_encoding), stream_encoding


def target(url: str) -> list[str]:
    return ["--space", SPACE, "--project", PROJECT, "--endpoint", url]


def test_get_prints_json_that_parses_back_to_the_answer(encoding: str, emulator_url: str) -> None:
    code, out, err, _ = run(["get", *target(emulator_url), "--run-id", RUN_ID], encoding)
    assert code == 0, err
    answer = json.loads(out)
    assert (answer["id"], answer["status"], answer["statusReasons"]) == (RUN_ID, "FAILED", [{"message": REASON}])
    assert "Traceback" not in err


def test_a_failed_run_is_exit_1_with_valid_json_and_the_same_values(encoding: str, emulator_url: str,
                                                                   tmp_path: Path) -> None:
    files = {flag: tmp_path / name for flag, name in (("--output-file", "result.json"), ("--dotenv", "gate.env"),
                                                      ("--junit-xml", "junit.xml"))}
    args = ["wait", *target(emulator_url), "--workflow", WORKFLOW_ID, "--latest", "--since", "2000-01-01T00:00:00Z",
            "--interval", "0.1", "--json", *[part for flag, path in files.items() for part in (flag, str(path))]]
    code, out, err, stream_encoding = run(args, encoding)
    assert code == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    result = json.loads(out)
    assert (result["result"], result["status"], result["exit-code"]) == ("failure", "FAILED", 1)
    assert (result["workflow-name"], result["status-reasons"]) == (WORKFLOW_NAME, [{"message": REASON}])
    # Files are UTF-8 whatever the locale: the same result, byte for byte in every encoding but the timing.
    assert json.loads(files["--output-file"].read_text(encoding="utf-8")) == result
    dotenv = dotenv_values(files["--dotenv"], encoding="utf-8")
    assert json.loads(dotenv["CODECATALYST_GATE_STATUS_REASONS"] or "") == [{"message": REASON}]
    assert WORKFLOW_NAME in files["--junit-xml"].read_text(encoding="utf-8")
    if stream_encoding == "ascii":  # the reason line degrades to escapes, never to an exception
        assert "\\u2717" in err and "✗" not in err, err


@pytest.fixture(scope="module")
def utf8_result(emulator_url: str, encoding: str) -> dict[str, Any]:
    code, out, err, _ = run(["wait", *target(emulator_url), "--run-id", RUN_ID, "--interval", "0.1", "--json"],
                            "utf-8")
    assert code == 1, err
    return dict(json.loads(out))


def test_the_json_is_the_same_as_in_utf_8(encoding: str, emulator_url: str, utf8_result: dict[str, Any]) -> None:
    code, out, err, _ = run(["wait", *target(emulator_url), "--run-id", RUN_ID, "--interval", "0.1", "--json"],
                            encoding)
    assert code == 1, err
    assert json.loads(out) == utf8_result


def test_the_action_fails_the_step_with_utf_8_outputs(encoding: str, emulator_url: str, tmp_path: Path) -> None:
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    output.touch()
    summary.touch()
    inputs = {"INPUT_SPACE": SPACE, "INPUT_PROJECT": PROJECT, "INPUT_WORKFLOW": WORKFLOW_ID, "INPUT_LATEST": "true",
              "INPUT_SINCE": "2000-01-01T00:00:00Z", "INPUT_TOKEN": TOKEN, "INPUT_ENDPOINT": emulator_url,
              "INPUT_INTERVAL": "0.1", "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
              "GITHUB_ACTIONS": "true"}
    env = {**encoded_env(encoding), **inputs}
    env.pop("CODECATALYST_TOKEN")
    done = subprocess.run([sys.executable, str(REPO / "entrypoint.py")], env=env, capture_output=True, cwd=REPO,
                          timeout=60, check=False)
    log = done.stdout.decode(ENCODINGS[encoding][1]) + done.stderr.decode(ENCODINGS[encoding][1])
    assert done.returncode == 1, log
    assert "Traceback" not in log
    written = output.read_text(encoding="utf-8")
    assert REASON in written and WORKFLOW_NAME in written
    assert REASON in summary.read_text(encoding="utf-8")
    assert "exit-code<<" in written or "exit-code=1" in written
    assert TOKEN not in log and TOKEN not in written
