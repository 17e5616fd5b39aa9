"""The attacks of issue 30, replayed as written against the real gate (a subprocess) and the emulator on loopback.

Each test is named for the finding it replays (M1, M2, ... as SECURITY.md lists them) and failed on the code before
its fix.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from gate.errors import ExitCode
from tests.acceptance.conftest import TOKEN, requests_seen, run_gate, wait_args
from tests.acceptance.test_action_e2e import run_action, runner_env
from tests.acceptance.test_network_e2e import assert_readable, network_env
from tests.netutil import ConnectProxy

pytestmark = pytest.mark.e2e


def test_m1_a_loopback_endpoint_never_goes_through_http_proxy(start_emulator) -> None:
    """HTTP_PROXY is common on corporate runners: the bearer token must not reach it in clear text."""
    emulator = start_emulator(step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    with ConnectProxy() as proxy:  # it captures every request's head, and forwards no plain GET
        done = run_gate(*wait_args(emulator, run.id),
                        env=network_env(HTTP_PROXY=proxy.url, http_proxy=proxy.url, ALL_PROXY=proxy.url))
    assert done.returncode == 0, done.stderr
    assert proxy.heads == []
    assert requests_seen(emulator) and requests_seen(emulator)[-1] == 200


@pytest.mark.parametrize("proxy", [
    "http://proxyuser:Pr0xyPassw0rd@proxy.invalid:99999",  # a port out of range
    "http://proxyuser:Pr0xyPassw0rd@[::1:3128",  # a broken IPv6 literal
    "http://proxyuser:Pr0xyPassw0rd@[fe80::1%]:3128",
], ids=["port", "ipv6", "ipv6-zone"])
def test_m2_a_malformed_proxy_url_is_one_line_exit_6_without_its_password(proxy: str) -> None:
    """Nothing is sent: the endpoint is a name no one resolves, and the proxy is refused before any connection."""
    done = run_gate("wait", "--space", "ExampleCorp", "--project", "MyDemoProject", "--run-id",
                    "a1b2c3d4-5678-90ab-cdef-222222222222", "--endpoint", "https://codecatalyst.example",
                    "--timeout", "10", env=network_env(HTTPS_PROXY=proxy))
    assert done.returncode == ExitCode.UNAVAILABLE, done.stderr
    assert "Pr0xyPassw0rd" not in done.stderr + done.stdout and "proxyuser" not in done.stderr + done.stdout
    [told] = [line for line in done.stderr.splitlines() if "proxy" in line.lower()]
    assert told.endswith("HTTPS_PROXY is not a usable proxy URL (its port is not a number from 0 to 65535); set it "
                         "to http://host:port, with user:password@ before the host if the proxy asks for them") \
        if "99999" in proxy else "(its IPv6 address is not valid)" in told, done.stderr
    assert_readable(done.stderr)


def test_l1_a_netrc_entry_never_replaces_the_bearer_token(start_emulator, tmp_path: Path) -> None:
    """requests reads ~/.netrc for a request without auth, and its Basic header would win over ours."""
    (tmp_path / ".netrc").write_text("default login someone password netrc-S3cret\n")
    (tmp_path / ".netrc").chmod(0o600)
    emulator = start_emulator(step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    done = run_gate(*wait_args(emulator, run.id), env=network_env(HOME=str(tmp_path), NETRC=str(tmp_path / ".netrc")))
    assert done.returncode == 0, done.stderr  # the emulator wants `Bearer TOKEN` exactly, and refuses Basic
    assert requests_seen(emulator)[-1] == 200
    assert TOKEN not in done.stderr


def leaked(text: str, secret: str, *, least: int = 10) -> list[str]:
    """Every piece of `secret` of `least` characters that `text` holds."""
    return [secret[i:i + least] for i in range(len(secret) - least + 1) if secret[i:i + least] in text]


def everything(done, *files: Path) -> str:
    return done.stdout + done.stderr + "".join(f.read_text(encoding="utf-8") for f in files if f.exists())


def test_m3_a_padded_echo_is_masked_before_it_is_cut(start_emulator, tmp_path: Path) -> None:
    """A 403 whose message is padding, then the token, so that a cut at 500 characters falls on its last one (the
    issue's 34-character token: 460 characters of padding, and 33 of its characters went out)."""
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow")
    padding = "x" * (500 - len("token=") - len(TOKEN) + 1)
    emulator.add_fault({"kind": "access-denied", "message": padding + "token=" + TOKEN, "count": "always"})
    junit, result = tmp_path / "junit.xml", tmp_path / "result.json"
    done = run_gate(*wait_args(emulator, run.id, "--junit-xml", str(junit), "--output-file", str(result), "--json"),
                    env=network_env())
    assert done.returncode == ExitCode.API_REFUSED, done.stderr
    assert "token=***" in done.stderr and junit.exists() and result.exists()
    assert leaked(everything(done, junit, result), TOKEN) == []


QUOTED = 'ccTok"SECRET\\value-0f9d2c7a4b1e'  # `"` and `\`: JSON and repr() each escape them


def test_l3_a_json_encoded_echo_of_the_token_is_masked(start_emulator, tmp_path: Path) -> None:
    """A status reason JSON-encoded for display."""
    emulator = start_emulator(token=QUOTED, step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    emulator.add_fault({"kind": "schema-violation", "patch": {"statusReasons": [{"detail": QUOTED}]},
                        "count": "always"})
    summary = tmp_path / "summary.md"
    done = run_gate(*wait_args(emulator, run.id, "--junit-xml", str(tmp_path / "junit.xml")),
                    env=network_env(CODECATALYST_TOKEN=QUOTED, GITHUB_STEP_SUMMARY=str(summary)))
    assert done.returncode == 0, done.stderr
    assert "detail" in done.stderr + done.stdout  # the reason was shown...
    assert leaked(everything(done, summary, tmp_path / "junit.xml"), QUOTED) == []  # ...masked


def test_l3_a_repr_of_the_token_in_a_schema_violation_is_masked(start_emulator) -> None:
    emulator = start_emulator(token=QUOTED)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    emulator.add_fault({"kind": "schema-violation", "patch": {"status": QUOTED}})
    done = run_gate("get", "--space", "ExampleCorp", "--project", "MyDemoProject", "--run-id", run.id,
                    "--endpoint", emulator.base_url, env=network_env(CODECATALYST_TOKEN=QUOTED))
    assert done.returncode == ExitCode.INVALID_RESPONSE, done.stderr
    assert "$.status: '***' is not one of" in done.stderr
    assert leaked(done.stdout + done.stderr, QUOTED) == []


def test_l4_a_timestamp_with_a_trailing_newline_is_an_invalid_answer(start_emulator, tmp_path: Path) -> None:
    """rfc3339-validator matches with `$`, which also matches before a final newline: the value then became a line
    of its own in $GITHUB_OUTPUT."""
    emulator = start_emulator(step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    emulator.add_fault({"kind": "schema-violation", "patch": {"startTime": "2026-11-25T10:00:00Z\n"},
                        "count": "always"})
    output = tmp_path / "github_output"
    done = run_gate(*wait_args(emulator, run.id), env=network_env(GITHUB_OUTPUT=str(output)))
    assert done.returncode == ExitCode.INVALID_RESPONSE, done.stderr
    assert "$.startTime: '2026-11-25T10:00:00Z\\n' is not a 'date-time'" in done.stderr
    assert not output.exists() or "start-time=2026-11-25T10:00:00Z" not in output.read_text()


def test_l5_the_endpoint_error_never_repeats_the_credentials_it_refuses() -> None:
    done = run_gate("wait", "--space", "ExampleCorp", "--project", "MyDemoProject", "--run-id",
                    "a1b2c3d4-5678-90ab-cdef-222222222222", "--endpoint", "https://someone:S3cretPass@host.example",
                    env=network_env())
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert "'https://***@host.example' is invalid: must not carry credentials" in done.stderr
    assert "S3cretPass" not in done.stderr + done.stdout and "someone" not in done.stderr + done.stdout


LONE = "lone \ud800 and \udfff, a NUL \x00 and a pair \U0001f680"  # JSON's \\ud800: no UTF-8 encodes it


def test_l2_a_lone_surrogate_in_a_reason_never_overturns_a_passing_verdict(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator(step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    emulator.add_fault({"kind": "schema-violation", "patch": {"statusReasons": [{"message": LONE}]},
                        "count": "always"})
    files = {flag: tmp_path / name for flag, name in (("--output-file", "result.json"), ("--dotenv", "gate.env"),
                                                      ("--junit-xml", "junit.xml"))}
    done = run_gate(*wait_args(emulator, run.id, "--json", *[p for f, path in files.items() for p in (f, str(path))]),
                    env=network_env())
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(done.stdout)["status-reasons"] == [{"message": LONE}]  # JSON escapes mean the same value
    assert json.loads(files["--output-file"].read_text(encoding="utf-8"))["status-reasons"] == [{"message": LONE}]
    for path in files.values():
        path.read_text(encoding="utf-8")  # UTF-8 throughout (strict)
    assert "\\ud800" in files["--dotenv"].read_text(encoding="utf-8")

    got = run_gate("get", "--space", "ExampleCorp", "--project", "MyDemoProject", "--run-id", run.id,
                   "--endpoint", emulator.base_url, env=network_env())
    assert got.returncode == 0 and json.loads(got.stdout)["statusReasons"] == [{"message": LONE}], got.stderr

    action = run_action(action_env(emulator, tmp_path, run.id), timeout=60)
    assert action.returncode == 0, action.stdout + action.stderr
    assert "\nsuccess\n" in action.outputs_text and "\\ud800" in action.outputs_text
    assert "\\ud800" in action.summary


def action_env(emulator, tmp_path: Path, run_id: str) -> dict[str, str]:
    """The runner's environment for the Action (test_action_e2e.runner_env), less any proxy this machine sets."""
    return {**network_env(), **{k: v for k, v in runner_env(emulator, tmp_path, run_id).items()
                                if k.startswith(("INPUT_", "GITHUB_"))}}

def kind(path: Path) -> str:
    mode = path.lstat().st_mode
    return next(name for name, test in (("link", stat.S_ISLNK), ("fifo", stat.S_ISFIFO), ("char", stat.S_ISCHR),
                                        ("file", stat.S_ISREG)) if test(mode))


@pytest.fixture
def null_node(tmp_path: Path) -> Path:
    """A node of /dev/null's own device (char 1 3), made here: the test never touches the real one."""
    if os.geteuid() != 0:
        pytest.skip("mknod needs root")
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return node


@pytest.mark.posix
def test_m4_a_device_node_is_written_in_place_never_replaced(start_emulator, null_node: Path, tmp_path: Path) -> None:
    """As root (the image), `--junit-xml /dev/null` left /dev/null a regular 985-byte world-readable file."""
    emulator = start_emulator(step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    done = run_gate(*wait_args(emulator, run.id, "--junit-xml", str(null_node), "--output-file", str(null_node),
                               "--dotenv", str(null_node)), env=network_env())
    assert done.returncode == 0, done.stderr
    assert kind(null_node) == "char" and null_node.stat().st_rdev == os.makedev(1, 3)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]  # no temporary file left beside it


@pytest.mark.posix
def test_m4_a_fifo_is_written_in_place_and_one_with_no_reader_is_not_written(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator(step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    fifo = tmp_path / "result.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as reader:  # blocks until the gate opens it for writing
            received.append(reader.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    done = run_gate(*wait_args(emulator, run.id, "--output-file", str(fifo)), env=network_env())
    reader.join(10)
    assert done.returncode == 0, done.stderr
    assert kind(fifo) == "fifo" and json.loads(received[0])["result"] == "success"

    done = run_gate(*wait_args(emulator, run.id, "--junit-xml", str(fifo)), env=network_env())  # nobody reads
    assert done.returncode == ExitCode.NOT_WRITTEN, done.stderr
    assert f"could not write {fifo}: it is a FIFO that nothing reads" in done.stderr
    assert kind(fifo) == "fifo"


def test_m4_a_symbolic_link_is_refused_neither_followed_nor_replaced(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator(step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me\n")
    link = tmp_path / "result.json"
    link.symlink_to(target)
    for flag in ("--output-file", "--junit-xml", "--dotenv"):
        done = run_gate(*wait_args(emulator, run.id, flag, str(link)), env=network_env())
        assert done.returncode == ExitCode.USAGE, done.stderr
        assert f"{flag}: '{link}' is invalid: it is a symbolic link" in done.stderr
        assert kind(link) == "link" and target.read_text() == "keep me\n"
    assert requests_seen(emulator) == []  # refused before anything was sent


def test_a_folder_or_an_empty_path_is_refused_before_the_wait(start_emulator, tmp_path: Path) -> None:
    """A path that can never be written was taken, the run waited out, then exit 7 (second review: the Action's
    `exit-code` output already said 0 by then). click refuses a folder given as a flag; an empty flag and every
    Action input reach the gate's own rule."""
    emulator = start_emulator(step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    for flag in ("--output-file", "--junit-xml", "--dotenv"):
        done = run_gate(*wait_args(emulator, run.id, flag, ""), env=network_env())
        assert done.returncode == ExitCode.USAGE, done.stderr
        assert f"{flag}: '.' is invalid: it is a folder" in done.stderr
    env = runner_env(emulator, tmp_path, run.id, **{"junit-xml": str(tmp_path)})
    action = run_action(env)
    assert action.returncode == ExitCode.USAGE, action.stderr
    assert f"input 'junit-xml': '{tmp_path}' is invalid: it is a folder" in action.stdout + action.stderr
    assert requests_seen(emulator) == []  # refused before anything was sent


# --- limits ---------------------------------------------------------------------------------------------------------

@pytest.mark.posix
def test_a_token_file_without_end_is_refused_after_a_small_bound(start_emulator) -> None:
    """`--token-file /dev/zero` read until MemoryError (exit 70)."""
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow")
    env = {k: v for k, v in network_env().items() if k != "CODECATALYST_TOKEN"}
    done = run_gate(*wait_args(emulator, run.id, "--token-file", "/dev/zero"), env=env)
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert "--token-file: '/dev/zero' is invalid: must hold the token alone (larger than 64 KiB)" in done.stderr
    assert requests_seen(emulator) == []


def test_the_sso_cache_token_goes_only_to_codecatalysts_endpoints_unless_named(start_emulator, tmp_path: Path) -> None:
    """An IAM Identity Center token was sent to any https --endpoint (here: the emulator, as any other host)."""
    from gate.emulator.awscli import write_sso_home

    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow")
    config = write_sso_home(tmp_path, token=TOKEN, profile="ci")
    env = {**{k: v for k, v in network_env().items() if not k.startswith(("AWS_", "CODECATALYST_TOKEN"))},
           "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(config)}
    done = run_gate(*wait_args(emulator, run.id, "--profile", "ci"), env=env)
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert "is sent only to CodeCatalyst's own endpoints" in done.stderr
    assert "set AWS_ENDPOINT_URL_CODECATALYST to it" in done.stderr
    assert requests_seen(emulator) == [] and TOKEN not in done.stderr
    named = run_gate(*wait_args(emulator, run.id, "--profile", "ci", "--timeout", "5"),
                     env={**env, "AWS_ENDPOINT_URL_CODECATALYST": emulator.base_url})
    assert requests_seen(emulator), named.stderr  # told explicitly: sent


def test_3_mb_of_reasons_keep_the_actions_outputs_and_summary_under_1_mib(start_emulator, tmp_path: Path) -> None:
    """3 MB of reasons gave a 6 MB $GITHUB_OUTPUT and a 3 MB step summary (GitHub shows at most 1 MiB of one)."""
    emulator = start_emulator(step=200)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    reasons = [{"message": f"reason {i} " + "r" * 1_000_000} for i in range(3)]
    emulator.add_fault({"kind": "schema-violation", "patch": {"statusReasons": reasons}, "count": "always"})
    env = action_env(emulator, tmp_path, run.id)
    action = run_action(env, timeout=120)
    assert action.returncode == 0, action.stderr[-2000:]
    output, summary = Path(env["GITHUB_OUTPUT"]), Path(env["GITHUB_STEP_SUMMARY"])
    assert output.stat().st_size <= 1024 * 1024 and summary.stat().st_size <= 1024 * 1024
    assert "*The summary was cut here: it was " in action.summary
    assert "\nsuccess\n" in action.outputs_text and "left the outputs response, status-reasons empty" in action.stdout
