"""The README keeps its set-up commands on top, its example output true, and a rule index identical to the registry."""

from __future__ import annotations

import re

from conftest import REPO

from asynclint.registry import rule_index_markdown

START, END = "<!-- rules:start -->\n", "<!-- rules:end -->"


def readme() -> str:
    return (REPO / "README.md").read_text()


def with_rule_index(text: str) -> str:
    """The README with the index between the markers generated from the rule classes."""
    assert START in text and END in text
    head, rest = text.split(START, 1)
    return head + START + rule_index_markdown() + END + rest.split(END, 1)[1]


def test_rule_index_matches_registry():
    text = readme()
    assert with_rule_index(text) == text, "README rule index drifted; run `python tests/test_readme.py` to regenerate it"


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


if __name__ == "__main__":
    # Regenerate the README rule index from the rule classes (never edit it by hand).
    (REPO / "README.md").write_text(with_rule_index(readme()))
