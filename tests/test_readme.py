"""The README keeps its set-up commands on top, its example output true, and a rule index identical to the registry."""

from __future__ import annotations

import re

from conftest import REPO

from asynclint.registry import rule_index_markdown


def readme() -> str:
    return (REPO / "README.md").read_text()


def test_rule_index_matches_registry():
    text = readme()
    start, end = "<!-- rules:start -->\n", "<!-- rules:end -->"
    assert start in text and end in text
    index = text.split(start, 1)[1].split(end, 1)[0]
    assert index == rule_index_markdown(), "README rule index drifted; paste registry.rule_index_markdown()"


def test_two_setup_commands_on_top_and_ci_runs_the_second():
    blocks = re.findall(r"```(?:sh|bash|console)\n(.*?)```", readme(), flags=re.DOTALL)
    assert len(blocks) >= 2
    first, second = blocks[0].strip(), blocks[1].strip()
    assert "pip install" in first and "asynclint fixtures" in first
    assert "pip install" in second and ".[test]" in second and "pytest" in second
    ci = (REPO / ".ci" / "run").read_text()
    for line in second.splitlines():
        assert line.strip() in ci, f"`.ci/run` does not run the README's test command line {line!r}"


def test_what_it_looks_like_is_what_the_command_prints():
    from conftest import run_cli

    section = readme().split("## What it looks like\n", 1)[1]
    block = re.search(r"```console\n(.*?)```", section, flags=re.DOTALL).group(1)
    command, expected = block.split("\n", 1)
    assert command.startswith("$ asynclint ")
    result = run_cli("--no-cache", *command[len("$ asynclint ") :].split(), cwd=REPO)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == expected, "README 'What it looks like' drifted; paste the command's output"
