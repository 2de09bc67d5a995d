"""SARIF and GitHub output, baselines and stdin, through the real `asynclint` command."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import REPO, run_cli

from asynclint.reporters.github import escape_data, escape_property

BLOCKING = """\
import time


async def handler(request):
    time.sleep(0.5)
    return "ok"
"""

TWO_FINDINGS = """\
import asyncio
import time


async def poll(queue):
    while not await queue.ready():
        time.sleep(0.5)


async def spawn(job):
    asyncio.create_task(job())
"""


@pytest.fixture
def project(write_tree):
    return write_tree({"app/__init__.py": "", "app/views.py": BLOCKING, "app/worker.py": TWO_FINDINGS})


def json_findings(*args, cwd, stdin=None) -> list[dict]:
    result = run_cli("--output-format", "json", *args, cwd=cwd, stdin=stdin)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


# -- SARIF -------------------------------------------------------------------------------------
def _section(page: str, heading: str) -> str:
    return page.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0].strip()


def _check_sarif_structure(log: dict) -> None:
    """The fields SARIF 2.1.0's schema requires, and the ones GitHub code scanning reads."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "asynclint" and driver["version"] and driver["informationUri"].startswith("https://")
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert re.fullmatch(r"ASY\d{3}", rule["id"])
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
    for result in run["results"]:
        assert result["ruleId"] == ids[result["ruleIndex"]]
        assert result["level"] in ("none", "note", "warning", "error")
        assert result["message"]["text"]
        assert "fixes" not in result  # no artifactChanges to offer: an invalid `fixes` is worse
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"]
        region = physical["region"]
        for key in ("startLine", "startColumn", "endLine", "endColumn"):
            assert isinstance(region[key], int) and region[key] >= 1
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])


def test_sarif_matches_json_and_carries_rule_pages(project):
    result = run_cli("--output-format", "sarif", "app", cwd=project)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    _check_sarif_structure(log)
    run = log["runs"][0]
    located = {
        (
            item["ruleId"],
            item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            item["locations"][0]["physicalLocation"]["region"]["startLine"],
            item["locations"][0]["physicalLocation"]["region"]["startColumn"],
            item["locations"][0]["physicalLocation"]["region"]["endLine"],
            item["locations"][0]["physicalLocation"]["region"]["endColumn"],
            item["message"]["text"],
        )
        for item in run["results"]
    }
    expected = {
        (d["code"], d["path"], d["line"], d["column"], d["end_line"], d["end_column"], d["message"])
        for d in json_findings("app", cwd=project)
    }
    assert located == expected and len(expected) == 3
    assert all(
        item["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        for item in run["results"]
    )
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    page = (REPO / "rules" / "ASY100.md").read_text()
    assert rules["ASY100"]["fullDescription"]["text"] == _section(page, "What it does")
    assert rules["ASY100"]["help"]["markdown"] == page
    assert rules["ASY100"]["name"] == "blocking-sleep"
    sleep = next(item for item in run["results"] if item["ruleId"] == "ASY100")
    assert sleep["properties"]["fix"] == {
        "applicability": "safe",
        "description": "Replace with `await asyncio.sleep(...)`",
    }


def test_sarif_fingerprints_survive_shifted_lines_and_tell_duplicates_apart(write_tree):
    root = write_tree({"poll.py": "import time\n\n\nasync def poll():\n    time.sleep(1)\n    time.sleep(1)\n"})

    def fingerprints() -> list[tuple[int, str]]:
        log = json.loads(run_cli("--output-format", "sarif", ".", cwd=root).stdout)
        return [
            (
                item["locations"][0]["physicalLocation"]["region"]["startLine"],
                item["partialFingerprints"]["asynclintKey/v1"],
            )
            for item in log["runs"][0]["results"]
        ]

    before = fingerprints()
    assert [line for line, _ in before] == [5, 6] and before[0][1] != before[1][1]
    (root / "poll.py").write_text("import logging\n" + (root / "poll.py").read_text())
    after = fingerprints()
    assert [line for line, _ in after] == [6, 7]
    assert [print_ for _, print_ in after] == [print_ for _, print_ in before]


def test_sarif_of_a_clean_tree_is_a_valid_empty_run(write_tree):
    root = write_tree({"ok.py": "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n"})
    result = run_cli("--output-format", "sarif", ".", cwd=root)
    assert result.returncode == 0
    log = json.loads(result.stdout)
    _check_sarif_structure(log)
    assert log["runs"][0]["results"] == []


# -- GitHub ------------------------------------------------------------------------------------
def test_github_workflow_commands(project):
    result = run_cli("--output-format", "github", "app/views.py", cwd=project)
    assert result.returncode == 1
    assert result.stdout == (
        "::error file=app/views.py,line=5,col=5,endLine=5,endColumn=20,title=ASY100::"
        "ASY100 `time.sleep` blocks the event loop in `handler()`; use `await asyncio.sleep()`\n"
    )


def test_github_escapes_properties_and_data(write_tree):
    root = write_tree({"odd,name:1.py": BLOCKING})
    result = run_cli("--output-format", "github", ".", cwd=root)
    assert result.stdout.startswith("::error file=odd%2Cname%3A1.py,line=5,")
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a,b:c%d\n") == "a%2Cb%3Ac%25d%0A"


# -- baseline ----------------------------------------------------------------------------------
def test_baseline_hides_known_findings_and_survives_shifted_lines(project):
    baseline = project / "asynclint-baseline.json"
    written = run_cli("--write-baseline", str(baseline), "app", cwd=project)
    assert written.returncode == 0, written.stderr
    assert "Wrote 3 findings" in written.stderr
    document = json.loads(baseline.read_text())
    entries = document["entries"]
    assert entries == sorted(entries, key=lambda e: (e["path"], e["code"], e["source"], e["occurrence"]))
    assert {"path": "app/views.py", "code": "ASY100", "source": "time.sleep(0.5)", "occurrence": 0} in entries
    assert run_cli("--baseline", str(baseline), "app", cwd=project).returncode == 0

    worker = project / "app" / "worker.py"
    worker.write_text(
        '"""Polling and spawning."""\nimport logging\n\n' + TWO_FINDINGS.replace("    while", "\n    while")
    )
    shifted = json_findings("app", cwd=project)
    assert sorted(d["line"] for d in shifted if d["path"] == "app/worker.py") == [11, 15]  # moved from 7, 11
    assert json_findings("--baseline", str(baseline), "app", cwd=project) == []

    worker.write_text(worker.read_text() + "\n\nasync def retry():\n    time.sleep(2)\n")
    new = json_findings("--baseline", str(baseline), "app", cwd=project)
    assert [(d["path"], d["code"], d["line"]) for d in new] == [
        ("app/worker.py", "ASY100", len(worker.read_text().splitlines()))
    ]
    result = run_cli("--baseline", str(baseline), "app", cwd=project)
    assert result.returncode == 1


def test_baseline_counts_identical_lines(write_tree):
    root = write_tree({"poll.py": "import time\n\n\nasync def poll():\n    time.sleep(1)\n    time.sleep(1)\n"})
    assert run_cli("--write-baseline", "base.json", ".", cwd=root).returncode == 0
    occurrences = sorted(entry["occurrence"] for entry in json.loads((root / "base.json").read_text())["entries"])
    assert occurrences == [0, 1]
    (root / "poll.py").write_text(
        "import time\n\n\nasync def poll():\n    time.sleep(1)\n    time.sleep(1)\n    time.sleep(1)\n"
    )
    remaining = json_findings("--baseline", "base.json", ".", cwd=root)
    assert len(remaining) == 1 and remaining[0]["code"] == "ASY100"


def test_baseline_is_stable_and_relative_to_its_own_directory(project):
    assert run_cli("--write-baseline", "base.json", "app", cwd=project).returncode == 0
    text = (project / "base.json").read_text()
    assert run_cli("--write-baseline", "base.json", "app", cwd=project).returncode == 0
    assert (project / "base.json").read_text() == text
    # Written from app/ with the baseline one level up: paths are still relative to base.json.
    run_cli("--write-baseline", "../base.json", ".", cwd=project / "app")
    assert (project / "base.json").read_text() == text
    assert run_cli("--baseline", "../base.json", ".", cwd=project / "app").returncode == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read baseline"),
        ("{not json", "not a baseline written by `asynclint --write-baseline`"),
        ('{"entries": []}', "not a baseline written by `asynclint --write-baseline`"),
        ('{"asynclint_baseline": 1, "entries": [{"path": "x.py"}]}', "entry 0 needs path, code, source and occurrence"),
    ],
)
def test_bad_baseline_is_a_usage_error(project, content, message):
    if content is not None:
        (project / "base.json").write_text(content)
    result = run_cli("--baseline", "base.json", "app", cwd=project)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


# -- stdin -------------------------------------------------------------------------------------
def test_stdin_is_reported_under_the_given_name(project):
    result = run_cli("--stdin-filename", "app/new.py", "-", cwd=project, stdin=BLOCKING)
    assert result.returncode == 1
    assert result.stdout.startswith("app/new.py:5:5: ASY100 ")
    assert [d["path"] for d in json_findings("--stdin-filename", "app/new.py", cwd=project, stdin=BLOCKING)] == [
        "app/new.py"
    ]


def test_stdin_config_applies_as_if_the_file_were_there(write_tree):
    root = write_tree({"pyproject.toml": '[tool.asynclint]\nper-file-ignores = { "tests/*" = ["ASY100"] }\n'})
    (root / "src").mkdir()
    assert json_findings("--stdin-filename", "tests/test_new.py", cwd=root, stdin=BLOCKING) == []
    assert len(json_findings("--stdin-filename", "src/new.py", cwd=root, stdin=BLOCKING)) == 1
    # From a subdirectory, the pyproject.toml above is still found.
    assert json_findings("--stdin-filename", "../tests/test_new.py", cwd=root / "src", stdin=BLOCKING) == []


def test_stdin_fix_prints_only_the_fixed_source(project):
    result = run_cli("--fix", "--stdin-filename", "app/views.py", cwd=project, stdin=BLOCKING)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == 'import time\nimport asyncio\n\n\nasync def handler(request):\n    await asyncio.sleep(0.5)\n    return "ok"\n'
    )
    assert (project / "app" / "views.py").read_text() == BLOCKING  # nothing written to disk
    again = run_cli("--fix", "--stdin-filename", "app/views.py", cwd=project, stdin=result.stdout)
    assert again.stdout == result.stdout and again.returncode == 0


def test_stdin_fix_with_remaining_findings_keeps_stdout_clean(project):
    source = TWO_FINDINGS
    result = run_cli("--fix", "--stdin-filename", "app/worker.py", cwd=project, stdin=source)
    assert result.returncode == 1
    assert "await asyncio.sleep(0.5)" in result.stdout and "ASY201" not in result.stdout
    assert "app/worker.py:11:5: ASY201" in result.stderr
    untouched = run_cli("--fix", "--stdin-filename", "app/ok.py", cwd=project, stdin="x = 1\n")
    assert untouched.stdout == "x = 1\n" and untouched.returncode == 0


def test_stdin_fix_keeps_crlf_bytes(project):
    data = BLOCKING.replace("\n", "\r\n").encode()
    completed = subprocess.run(
        [sys.executable, "-m", "asynclint", "--fix", "--stdin-filename", "app/views.py"],
        cwd=project,
        input=data,
        capture_output=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert b"    await asyncio.sleep(0.5)\r\n" in completed.stdout
    assert b"\n" not in completed.stdout.replace(b"\r\n", b"")


def test_stdin_filename_with_paths_is_a_usage_error(project):
    result = run_cli("--stdin-filename", "x.py", "app", cwd=project, stdin=BLOCKING)
    assert result.returncode == 2 and "--stdin-filename" in result.stderr
