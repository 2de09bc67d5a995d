"""The GitHub Action (`action.yml`): a well-formed composite action whose steps' commands, run here
as the runner would run them, install asynclint, annotate, write SARIF and fail on findings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
import yaml
from conftest import REPO

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def expressions(value) -> list[str]:
    return EXPRESSION.findall(json.dumps(value))


def test_action_is_a_well_formed_composite_action():
    assert {"name", "description", "inputs", "runs"} <= set(ACTION)
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    step_ids = {step["id"] for step in steps if "id" in step}
    for name, spec in ACTION["inputs"].items():
        assert re.fullmatch(r"[a-z][a-z-]*", name) and "description" in spec and isinstance(spec.get("default"), str)
    for step in steps:
        assert ("run" in step) != ("uses" in step), step
        assert "name" in step
        if "run" in step:
            assert step["shell"] == "bash"  # composite actions require a shell per run step
            # Inputs reach scripts through env, never pasted into the script (no injection).
            assert not expressions(step["run"]), step["name"]
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]
    for expression in expressions(ACTION):
        for reference in re.findall(r"inputs\.([\w-]+)", expression):
            assert reference in ACTION["inputs"], reference
        for reference in re.findall(r"steps\.([\w-]+)\.outputs", expression):
            assert reference in step_ids, reference
    uses = {step["uses"].split("@")[0] for step in steps if "uses" in step}
    assert "github/codeql-action/upload-sarif" in uses


def _substitute(value: str, inputs: dict, outputs: dict) -> str:
    def one(match: re.Match) -> str:
        expression = match.group(1)
        found = re.fullmatch(r"inputs\.([\w-]+)", expression)
        if found:
            return inputs[found.group(1)]
        found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if found:
            return outputs.get(found.group(1), {}).get(found.group(2), "")
        raise AssertionError(f"expression not emulated: {expression}")

    return EXPRESSION.sub(one, value)


def _condition(step: dict, inputs: dict) -> bool:
    condition = step.get("if")
    if condition is None:
        return True
    condition = condition.replace("always() && ", "")
    found = re.fullmatch(r"inputs\.([\w-]+) (==|!=) '(.*)'", condition)
    assert found, f"condition not emulated: {condition}"
    equal = inputs[found.group(1)] == found.group(3)
    return equal if found.group(2) == "==" else not equal


@pytest.mark.slow
def test_running_the_action_steps_installs_annotates_writes_sarif_and_fails_on_findings(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(
        textwrap.dedent(
            """\
            import time


            async def handler():
                time.sleep(1)
            """
        )
    )
    (project / "pyproject.toml").write_text("[tool.asynclint]\n")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    output_file = tmp_path / "github_output"
    inputs = {name: spec["default"] for name, spec in ACTION["inputs"].items()}
    outputs: dict[str, dict[str, str]] = {}
    statuses = {}
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or not _condition(step, inputs):
            continue  # `uses` steps are GitHub's own actions (setup-python, upload-sarif)
        output_file.write_text("")
        env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
        env.update({key: _substitute(str(value), inputs, outputs) for key, value in step.get("env", {}).items()})
        env.update(
            PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
            GITHUB_ACTION_PATH=str(REPO),
            GITHUB_OUTPUT=str(output_file),
            NO_COLOR="1",
        )
        result = subprocess.run(
            ["bash", "-e", "-c", step["run"]], cwd=project, env=env, capture_output=True, text=True, timeout=900
        )
        statuses[step["name"]] = result
        if "id" in step:
            outputs[step["id"]] = dict(
                line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
            )
    install = statuses["Install asynclint"]
    assert install.returncode == 0, install.stderr[-2000:]
    assert install.stdout.strip().splitlines()[-1].startswith("asynclint")
    assert (venv / "bin" / "asynclint").is_file()  # installed where the later steps find it first
    check = statuses["Check (annotations on the pull request)"]
    assert check.returncode == 0  # the check step records the status, the last step fails
    assert "::error file=app.py,line=5,col=5" in check.stdout and "title=ASY100" in check.stdout
    assert outputs["check"] == {"findings": "1", "status": "1"}
    sarif = json.loads((project / inputs["sarif-file"]).read_text())
    assert sarif["version"] == "2.1.0"
    assert [result["ruleId"] for result in sarif["runs"][0]["results"]] == ["ASY100"]
    assert statuses["Fail on findings"].returncode == 1
    # A clean project passes the last step.
    (project / "app.py").write_text("async def handler():\n    return 1\n")
    env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", GITHUB_OUTPUT=str(output_file))
    env.update(ASYNCLINT_ARGS=".")
    output_file.write_text("")
    check_step = next(step for step in ACTION["runs"]["steps"] if step.get("id") == "check")
    subprocess.run(["bash", "-e", "-c", check_step["run"]], cwd=project, env=env, check=True, capture_output=True)
    assert "status=0" in output_file.read_text() and "findings=0" in output_file.read_text()
