"""The `asynclint` command as users run it: a real subprocess on real files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from conftest import run_cli

from asynclint.registry import RULES, measured

BLOCKING = "import time\n\n\nasync def handler(request):\n    time.sleep(0.5)\n    return 'ok'\n"
CLEAN = "import asyncio\n\n\nasync def handler(request):\n    await asyncio.sleep(0.5)\n"


@pytest.fixture
def project(write_tree):
    return write_tree({"app/views.py": BLOCKING, "app/clean.py": CLEAN, "app/__init__.py": ""})


def test_text_output_with_source_caret_and_summary(project):
    result = run_cli("app", cwd=project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "app/views.py:5:5: ASY100 `time.sleep` blocks the event loop in `handler()`; "
        "use `await asyncio.sleep()` [*]"
    )
    assert lines[1] == "        time.sleep(0.5)"
    assert lines[2] == "        ^^^^^^^^^^^^^^^"
    assert "Found 1 diagnostic." in result.stdout
    assert "[*] 1 fixable with the `--fix` option." in result.stdout
    assert "\x1b[" not in result.stdout


def test_clean_tree_exits_zero(project):
    result = run_cli("app/clean.py", cwd=project)
    assert result.returncode == 0
    assert "All checks passed!" in result.stdout


def test_default_path_is_current_directory(project):
    assert run_cli(cwd=project).returncode == 1


def test_color_only_when_forced_and_never_with_no_color(project):
    forced = run_cli("app", cwd=project, env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in forced.stdout
    assert "\x1b[" not in run_cli("app", cwd=project).stdout


def test_fix_is_atomic_idempotent_and_keeps_mode(project):
    views = project / "app" / "views.py"
    clean = project / "app" / "clean.py"
    os.chmod(views, 0o754)
    clean_before = clean.stat().st_mtime_ns
    result = run_cli("--fix", "app", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Fixed 1 diagnostic in 1 file." in result.stdout
    fixed = views.read_text()
    assert "    await asyncio.sleep(0.5)\n" in fixed and fixed.count("import asyncio") == 1
    assert stat.S_IMODE(views.stat().st_mode) == 0o754
    assert clean.stat().st_mtime_ns == clean_before
    assert not [p for p in (project / "app").iterdir() if p.name.startswith(".")]
    again = run_cli("--fix", "app", cwd=project)
    assert again.returncode == 0 and views.read_text() == fixed


def test_diff_writes_nothing(project):
    views = project / "app" / "views.py"
    result = run_cli("--diff", "app", cwd=project)
    assert result.returncode == 1
    assert "-    time.sleep(0.5)\n+    await asyncio.sleep(0.5)\n" in result.stdout
    assert "+import asyncio\n" in result.stdout
    assert views.read_text() == BLOCKING


@pytest.mark.parametrize(
    "args, code",
    [
        (["--select", "ASY1"], 1),
        (["--select", "ASY100"], 1),
        (["--select", "ASY2"], 0),
        (["--ignore", "ASY100"], 0),
        (["--ignore", "ASY1"], 0),
        (["--select", "ASY2", "--extend-select", "ASY100"], 1),
        (["--exit-zero"], 0),
    ],
)
def test_selection(project, args, code):
    assert run_cli(*args, "app", cwd=project).returncode == code


def test_unknown_code_is_a_usage_error(project):
    result = run_cli("--select", "ASY999", "app", cwd=project)
    assert result.returncode == 2
    assert "unknown rule code or prefix 'ASY999'" in result.stderr
    assert "Traceback" not in result.stderr


def test_json_output(project):
    result = run_cli("--output-format", "json", "app", cwd=project)
    [item] = json.loads(result.stdout)
    assert item == {
        "code": "ASY100",
        "message": "`time.sleep` blocks the event loop in `handler()`; use `await asyncio.sleep()`",
        "path": "app/views.py",
        "line": 5,
        "column": 5,
        "end_line": 5,
        "end_column": 20,
        "fix": {"applicability": "safe", "message": "Replace with `await asyncio.sleep(...)`"},
    }


def test_statistics(project):
    result = run_cli("--statistics", "app", cwd=project)
    assert result.stdout.split() == ["1", "ASY100", "[*]", "blocking-sleep"]


def test_list_rules_shows_every_catalog_code():
    result = run_cli("--list-rules")
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert listed == [rule.code for rule in RULES]
    assert "opt-in" in result.stdout
    assert "precision on real code" in result.stdout.splitlines()[0]
    for code, figure in measured().items():
        if figure.precision is not None:
            [row] = [line for line in result.stdout.splitlines() if line.startswith(code + " ")]
            assert f"{figure.precision:.2f} ({figure.labeled} labeled)" in row


def test_explain_prints_the_rule_page():
    result = run_cli("--explain", "asy100")
    assert result.returncode == 0
    assert result.stdout.startswith("# ASY100: blocking-sleep")
    bad = run_cli("--explain", "ASY999")
    assert bad.returncode == 2 and "unknown rule" in bad.stderr


def test_missing_path_is_a_usage_error(project):
    result = run_cli("nope.py", cwd=project)
    assert result.returncode == 2
    assert "path does not exist: nope.py" in result.stderr


def test_bad_files_are_reported_and_the_run_goes_on(write_tree):
    root = write_tree({"good.py": BLOCKING, "broken.py": "def f(:\n    pass\n"})
    (root / "latin.py").write_bytes(b"x = '\xe9\xff'\n")
    (root / "blob.py").write_bytes(b"\x00\x01\x02binary")
    (root / "empty.py").write_bytes(b"")
    (root / "crlf.py").write_bytes(b"\xef\xbb\xbfimport time\r\nasync def f():\r\n    time.sleep(1)\r\n")
    result = run_cli("--output-format", "json", ".", cwd=root)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    found = {(d["path"], d["code"], d["line"]) for d in json.loads(result.stdout)}
    assert ("good.py", "ASY100", 5) in found
    assert ("crlf.py", "ASY100", 3) in found
    assert ("broken.py", "ASY001", 1) in found
    messages = {d["path"]: d["message"] for d in json.loads(result.stdout)}
    assert "cannot decode as utf-8 at byte 5" in messages["latin.py"]
    assert "binary file" in messages["blob.py"]
    assert "empty.py" not in messages


class TestConfig:
    def test_pyproject_is_found_upward_and_applied(self, write_tree):
        root = write_tree(
            {
                "pyproject.toml": '[tool.asynclint]\nper-file-ignores = { "tests/*" = ["ASY100"] }\n',
                "src/app.py": BLOCKING,
                "tests/test_app.py": BLOCKING,
            }
        )
        result = run_cli("--output-format", "json", ".", cwd=root / "src")
        assert [d["path"] for d in json.loads(result.stdout)] == ["app.py"]
        result = run_cli("--output-format", "json", "src", "tests", cwd=root)
        assert [d["path"] for d in json.loads(result.stdout)] == ["src/app.py"]

    @pytest.mark.parametrize(
        "table, expected",
        [
            ("selec = ['ASY1']", "pyproject.toml: [tool.asynclint] selec: unknown key (did you mean 'select'?)"),
            ("select = 'ASY1'", "[tool.asynclint] select: expected a list of rule codes, got 'ASY1'"),
            ("ignore = ['ASY999']", "[tool.asynclint] ignore: unknown rule code or prefix 'ASY999'"),
            ("target-version = 'py27'", "[tool.asynclint] target-version: expected one of py39"),
            ("default-timeout = -1", "[tool.asynclint] default-timeout: expected a positive number"),
            ("select = [", "pyproject.toml: invalid TOML"),
        ],
    )
    def test_broken_config_names_file_and_key(self, write_tree, table, expected):
        root = write_tree({"pyproject.toml": f"[tool.asynclint]\n{table}\n", "app.py": BLOCKING})
        result = run_cli("app.py", cwd=root)
        assert result.returncode == 2
        assert expected in result.stderr
        assert "Traceback" not in result.stderr

    def test_explicit_config_file(self, write_tree):
        root = write_tree({"custom.toml": "[tool.asynclint]\nignore = ['ASY100']\n", "app.py": BLOCKING})
        assert run_cli("--config", "custom.toml", "app.py", cwd=root).returncode == 0

    def test_exclude_and_gitignore(self, write_tree):
        root = write_tree(
            {
                "pyproject.toml": "[tool.asynclint]\nextend-exclude = ['legacy']\n",
                ".gitignore": "generated/\n",
                "legacy/old.py": BLOCKING,
                "generated/out.py": BLOCKING,
                ".venv/lib/site.py": BLOCKING,
                "app.py": BLOCKING,
            }
        )
        result = run_cli("--output-format", "json", ".", cwd=root)
        assert [d["path"] for d in json.loads(result.stdout)] == ["app.py"]

    def test_a_family_prefix_selects_that_family_and_an_unknown_prefix_is_an_error(self, write_tree):
        root = write_tree(
            {
                "app.py": "import aiohttp, time\n\n\nasync def crawl(urls):\n    time.sleep(1)\n"
                "    for url in urls:\n        async with aiohttp.ClientSession() as session:\n"
                "            await session.get(url)\n"
            }
        )
        result = run_cli("--output-format", "json", "--select", "ASY4", "app.py", cwd=root)
        assert [d["code"] for d in json.loads(result.stdout)] == ["ASY403"]  # not ASY100, not opt-in ASY400
        result = run_cli("--select", "ASY9", "app.py", cwd=root)
        assert result.returncode == 2 and "unknown rule code or prefix 'ASY9'" in result.stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal_only(tmp_path):
    for number in range(30):
        (tmp_path / f"module_{number}.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "GITHUB_ACTIONS")}
    env["ASYNCLINT_PROGRESS_DELAY"] = "0"  # long runs only, normally: make this short run count
    command = [sys.executable, "-m", "asynclint", "--no-cache", "-j", "1", "--statistics", str(tmp_path)]
    controller, terminal = os.openpty()
    try:
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=terminal, env=env, timeout=300)
    finally:
        os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the terminal's other end is closed and drained
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)
    assert b"30/30 files" in drawn and b"[####" in drawn
    assert b"[####" not in result.stdout and b"ASY100" in result.stdout  # the report itself is untouched
    # In a pipe (CI logs, editors): never.
    piped = subprocess.run(command, capture_output=True, env=env, timeout=300)
    assert b"[####" not in piped.stderr and b"/30 files" not in piped.stderr
