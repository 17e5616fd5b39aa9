"""One field table (gate.config.fields): every door's option, input and variable is a row of it, action.yml says
what the table says, and each door names a field as the user gave it."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from gate import defaults
from gate.config import fields, validation, variables
from gate.config.fields import FIELDS, Naming, Source
from gate.doors import action, cli
from gate.statuses import parse_success_statuses
from gate.verdict import PRECEDENCE

REPO = Path(__file__).resolve().parents[2]


def strangers(command: click.Command) -> list[str]:
    """The options of a CLI command that are no row of the table (or differ from theirs in variable)."""
    name = command.name or ""
    known = {opt: f for f in FIELDS if name in f.commands for opt in (f.flag, f.short) if opt}
    traps = {f"--{f.key}" for f in FIELDS if f.secret and name in f.commands}
    found = []
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        for opt in param.opts + param.secondary_opts:
            row = known.get(opt)
            if row is None and opt not in traps:
                found.append(opt)
            elif row is not None and (param.envvar != row.env or param.name != row.attribute):
                found.append(f"{opt} (env {param.envvar}, name {param.name}; the table: {row.env}, {row.attribute})")
    return found


@pytest.mark.parametrize("command", [cli.wait, cli.get], ids=["wait", "get"])
def test_every_option_of_a_command_is_a_row_of_the_table(command: click.Command) -> None:
    assert strangers(command) == []


@pytest.mark.parametrize("command", [cli.wait, cli.get], ids=["wait", "get"])
def test_every_row_for_a_command_is_one_of_its_options(command: click.Command) -> None:
    opts = {opt for param in command.params for opt in param.opts}
    assert [f.flag for f in fields.options_of(command.name or "") if f.flag not in opts] == []


def test_an_option_outside_the_table_is_found() -> None:
    """The check above can fail: an option added to a door without its row is named."""
    stray = click.Command("wait", params=[*cli.wait.params, click.Option(["--colour"]),
                                          click.Option(["--branch"], envvar="GIT_BRANCH")])
    assert strangers(stray) == ["--colour", "--branch (env GIT_BRANCH, name branch; the table: "
                                           "CODECATALYST_BRANCH, branch)"]


def test_action_yml_declares_the_tables_inputs_with_its_words_and_defaults() -> None:
    declared = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))["inputs"]
    expected = fields.action_inputs()
    block = yaml.safe_dump(expected, sort_keys=False, width=1000)
    assert declared == expected, f"action.yml's inputs differ from gate/config/fields.py; the table says:\n{block}"


def test_the_action_reads_every_input_of_the_table_into_its_field() -> None:
    for f in FIELDS:
        if f.action_input and f.kind not in ("flag",) and f.key not in ("junit-xml", "success-statuses"):
            raw = action.raw_inputs({f"INPUT_{f.action_input.upper()}": "given"})
            assert getattr(raw, f.attribute) == "given", f.key
    raw = action.raw_inputs({"INPUT_START": "true", "INPUT_SUCCESS-STATUSES": "FAILED", "INPUT_JUNIT-XML": "j.xml"})
    assert (raw.start, raw.success_statuses, raw.outputs.junit_xml) == ("true", ["FAILED"], Path("j.xml"))
    assert sorted(action.INPUT_NAMES) == sorted(f.action_input for f in FIELDS if f.action_input)


def test_the_variables_the_gate_reads_include_every_name_of_the_table() -> None:
    for f in FIELDS:
        names = {f.env} if f.env else set()
        if f.action_input:
            names |= {f"INPUT_{f.action_input.upper()}", f"INPUT_{f.action_input.upper().replace('-', '_')}"}
        assert names <= variables.READ, f.key


def test_the_documented_defaults_are_the_defaults() -> None:
    by = fields.BY_KEY
    assert validation.validate_timeout(by["timeout"].default or "", field="t") == defaults.DEFAULT_TIMEOUT
    assert validation.validate_heartbeat(by["heartbeat"].default or "", field="h") == defaults.DEFAULT_HEARTBEAT
    assert by["endpoint"].default == defaults.DEFAULT_ENDPOINT
    assert parse_success_statuses([by["success-statuses"].default or ""]) == defaults.DEFAULT_SUCCESS_STATUSES
    assert float(by["retry-base"].default or "") == defaults.BACKOFF_BASE
    assert by["output-prefix"].default == variables.DEFAULT_OUTPUT_PREFIX


def test_the_help_is_built_from_the_rows() -> None:
    text = CliRunner().invoke(cli.main, ["wait", "--help"], terminal_width=1000).output
    for f in fields.options_of("wait"):
        if not f.hidden:
            assert f.cli_help("wait") in re.sub(r"\s+", " ", text), f.key
    get = CliRunner().invoke(cli.main, ["get", "--help"], terminal_width=1000).output
    assert fields.BY_KEY["run-id"].cli_help("get") in get and "several" not in get


def test_the_help_says_the_verdicts_precedence() -> None:
    text = re.sub(r"\s+", " ", CliRunner().invoke(cli.main, ["wait", "--help"], terminal_width=1000).output)
    listed = re.search(r"the most serious outcome: ([\d/, ]+)\)", text)
    assert listed is not None, text
    codes = [int(code) for code in re.findall(r"\d+", listed[1])]
    assert codes == [int(code) for code in PRECEDENCE]


@pytest.mark.parametrize(("naming", "key", "said"), [
    (fields.CLI, "project", "--project"),
    (fields.CLI, "token", "CODECATALYST_TOKEN"),
    (Naming("cli", {"project": Source.ENV}), "project", "CODECATALYST_PROJECT"),
    (Naming("container", {"project": Source.ENV}), "project", "CODECATALYST_PROJECT"),
    (fields.ACTION, "project", "input 'project'"),
    (Naming("action", {"project": Source.ENV}), "project", "CODECATALYST_PROJECT"),
    (fields.ACTION, "retry-base", "CODECATALYST_RETRY_BASE"),
    (fields.ACTION, "fips", "fips"),
    (fields.ACTION, "dotenv", "dotenv"),
])
def test_each_door_names_a_field_as_its_value_was_given(naming: Naming, key: str, said: str) -> None:
    assert naming(key) == said


def test_an_action_never_names_a_flag() -> None:
    assert [key for key in fields.BY_KEY if fields.ACTION(key).startswith("-")] == []


def test_an_error_carries_the_fields_key_and_where_its_value_came_from() -> None:
    from gate.config.inputs import parse_settings
    from gate.errors import InputError, InputErrors

    env = {"CODECATALYST_SPACE": "ExampleCorp", "CODECATALYST_PROJECT": "a/b", "INPUT_RUN-ID": "nope",
           "INPUT_TOKEN": "t0ken-value"}
    with pytest.raises(InputErrors) as caught:
        parse_settings(action.raw_inputs(env), command="wait")
    found = {(e.key, e.source, e.field) for e in caught.value.errors}
    assert found == {("project", "env", "CODECATALYST_PROJECT"), ("run-id", "input", "input 'run-id'")}
    with pytest.raises(InputError) as one:
        parse_settings(action.raw_inputs({**env, "CODECATALYST_PROJECT": "",
                                          "INPUT_RUN-ID": "a1b2c3d4-5678-90ab-cdef-111111111111"}), command="wait")
    assert (one.value.key, one.value.source, one.value.field) == ("project", None, "input 'project'")


def test_the_cli_names_a_value_from_a_variable_by_the_variable() -> None:
    args = ["wait", "--space", "ExampleCorp", "--run-id", "a1b2c3d4-5678-90ab-cdef-111111111111"]
    shown = CliRunner().invoke(cli.main, args, env={"CODECATALYST_PROJECT": "a/b", "CODECATALYST_TOKEN": "t0ken"})
    assert shown.exit_code == 2 and "CODECATALYST_PROJECT: 'a/b' is invalid" in shown.output, shown.output
    shown = CliRunner().invoke(cli.main, [*args, "--project", "a/b"], env={"CODECATALYST_TOKEN": "t0ken"})
    assert "--project: 'a/b' is invalid" in shown.output, shown.output


@pytest.mark.parametrize(("naming", "said"), [(fields.CLI, "--junit-xml"), (fields.ACTION, "input 'junit-xml'"),
                                              (Naming("action", {"junit-xml": Source.ENV}), "CODECATALYST_JUNIT_XML")])
def test_a_file_that_cannot_be_written_is_named_as_the_door_names_it(tmp_path: Path, naming: Naming,
                                                                      said: str) -> None:
    import io

    from gate.config.settings import OutputTargets
    from gate.report.redact import Redactor
    from gate.report.sink import Sink
    from gate.result import Result

    sink = Sink(OutputTargets(junit_xml=tmp_path, naming=naming), redactor=Redactor(None), stdout=io.StringIO(),
                stderr=io.StringIO())
    sink.result(Result(kind="success", exit_code=0, space="s", project="p", run_id="r"))
    assert [(p.what, p.key) for p in sink.not_written] == [(said, "junit-xml")]
    assert str(sink.not_written[0]).startswith(f"{said}: could not write {tmp_path}: ")


def test_the_container_door_names_a_value_passed_with_docker_run_e_by_its_variable() -> None:
    from gate.doors import container

    args = ["wait", "--space", "ExampleCorp", "--run-id", "a1b2c3d4-5678-90ab-cdef-111111111111"]
    shown = CliRunner().invoke(cli.main, args, obj=container.DOCKER_RUN,
                               env={"CODECATALYST_PROJECT": "a/b", "CODECATALYST_TOKEN": "t0ken",
                                    "CODECATALYST_ENDPOINT": "ftp://x"})
    assert shown.exit_code == 2, shown.output
    assert "CODECATALYST_PROJECT: 'a/b' is invalid" in shown.output, shown.output
    assert "CODECATALYST_ENDPOINT: 'ftp://x' is invalid" in shown.output, shown.output


def test_no_module_spells_a_name_of_the_table() -> None:
    """A flag, a variable or an Action input's wording written out in the package is a second definition that the
    doors cannot reword: the names come from the table. The flat types cannot import it: statuses keeps its
    default's words."""
    import ast
    import io
    import tokenize

    names = {n for f in FIELDS for n in (f.flag, f.short, f.env) if n}
    names |= {f"input '{f.action_input}'" for f in FIELDS if f.action_input}
    found = []
    for path in sorted((REPO / "gate").rglob("*.py")):
        if "emulator" in path.parts or path.name == "fields.py":
            continue
        for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if token.type == tokenize.STRING and not token.string.lstrip("rbRB").startswith(("f", "F")):
                value = ast.literal_eval(token.string)
                if value in names:
                    found.append(f"{path.relative_to(REPO)}:{token.start[0]}: {value}")
    assert found == ["gate/statuses.py:21: --success-status"]
