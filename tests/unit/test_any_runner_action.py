"""Issue 28 item 1: the composite action (any-runner/action.yml) says exactly what the Docker action says.

Its inputs and outputs (names, descriptions, defaults, `required`) equal action.yml's and the field table's
(gate.config.fields.action_inputs); the file is what scripts/any_runner_action.py writes from action.yml; every
input reaches the gate through `env:` only, every output is the gate step's, and every action it uses is pinned.
The act tests (tests/container/test_act_composite.py) run it.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.config.fields import action_inputs

REPO = Path(__file__).resolve().parents[2]
DOCKER = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
COMPOSITE_TEXT = (REPO / "any-runner" / "action.yml").read_text(encoding="utf-8")
COMPOSITE = yaml.safe_load(COMPOSITE_TEXT)


def generator() -> Any:
    spec = importlib.util.spec_from_file_location("any_runner_action", REPO / "scripts" / "any_runner_action.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def steps(action: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in action["runs"]["steps"]}


def test_the_inputs_are_the_docker_actions_and_the_tables() -> None:
    assert COMPOSITE["inputs"] == DOCKER["inputs"]
    assert COMPOSITE["inputs"] == action_inputs()


def test_the_outputs_are_the_docker_actions_each_the_gate_steps_output_of_its_name() -> None:
    assert list(COMPOSITE["outputs"]) == list(DOCKER["outputs"])
    for name, output in COMPOSITE["outputs"].items():
        assert output == {**DOCKER["outputs"][name], "value": f"${{{{ steps.gate.outputs.{name} }}}}"}, name


def test_the_file_is_what_the_generator_writes_from_action_yml() -> None:
    assert generator().composite((REPO / "action.yml").read_text(encoding="utf-8")) == COMPOSITE_TEXT, (
        "any-runner/action.yml is out of date: run python scripts/any_runner_action.py")


def test_a_changed_input_makes_a_different_file() -> None:
    """The check above can fail: an input the Docker action gains is an input (and a variable) of the composite."""
    docker = (REPO / "action.yml").read_text(encoding="utf-8").replace(
        "\ninputs:\n", "\ninputs:\n  new-input:\n    description: A new one.\n    required: false\n    default: ''\n")
    written = yaml.safe_load(generator().composite(docker))
    assert written["inputs"]["new-input"] == {"description": "A new one.", "required": False, "default": ""}
    assert steps(written)["gate"]["env"]["INPUT_NEW_INPUT"] == "${{ inputs.new-input }}"


def test_every_input_reaches_the_gate_through_env_as_its_input_variable() -> None:
    env = steps(COMPOSITE)["gate"]["env"]
    assert {name: env[f"INPUT_{name.upper().replace('-', '_')}"] for name in DOCKER["inputs"]} == {
        name: f"${{{{ inputs.{name} }}}}" for name in DOCKER["inputs"]}


@pytest.mark.parametrize("step", COMPOSITE["runs"]["steps"], ids=lambda step: step["id"])
def test_no_run_text_holds_an_expression(step: dict[str, Any]) -> None:
    """Inputs and step outputs reach a shell only as variables: `${{ }}` in `run:` would splice text into a script."""
    assert "${{" not in step.get("run", "")


def test_every_action_used_is_pinned_by_commit() -> None:
    used = [step["uses"] for step in COMPOSITE["runs"]["steps"] if "uses" in step]
    assert used and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses) for uses in used), used
    assert "actions/setup-python" in used[0]
    assert steps(COMPOSITE)["setup"]["if"] == "steps.python.outputs.python == ''"


def test_the_gate_runs_the_images_entrypoint_from_the_checkout() -> None:
    gate = steps(COMPOSITE)["gate"]
    assert gate["run"] == '"$GATE_PYTHON" "$GITHUB_ACTION_PATH/../entrypoint.py"'
    assert gate["env"]["GATE_PYTHON"] == "${{ steps.install.outputs.python }}"
    assert (REPO / "entrypoint.py").is_file() and (REPO / "any-runner" / "install.py").is_file()


def installer() -> Any:
    spec = importlib.util.spec_from_file_location("any_runner_install", REPO / "any-runner" / "install.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_installer_pins_every_locked_version_without_its_hashes() -> None:
    """The lock's hashes cover the image's platforms only; the composite runs anywhere, at the same versions."""
    lock = (REPO / "scripts" / "container" / "constraints.txt").read_text(encoding="utf-8")
    pins = installer().pins(lock).splitlines()
    locked = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", lock, flags=re.MULTILINE)
    assert pins == [f"{name}=={version}" for name, version in locked] and len(pins) >= 10
    assert not [pin for pin in pins if "hash" in pin or "\\" in pin]


def test_the_installer_installs_pyprojects_dependencies() -> None:
    import tomllib

    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert installer().dependencies() == declared
