"""Day-to-day CLI features through the real command: concise output, --show-fixes, fixing
settings in config (`unsafe-fixes`, `fixable`, `unfixable`), --watch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from conftest import run_cli

SOURCE = """\
import asyncio
import time


async def handler():
    time.sleep(1)
    asyncio.get_event_loop()
    asyncio.create_task(handler())
"""


def test_concise_output_is_one_line_per_finding(write_tree):
    root = write_tree({"app.py": SOURCE})
    full = run_cli("--no-cache", ".", cwd=root)
    concise = run_cli("--no-cache", "--output-format", "concise", ".", cwd=root)
    assert concise.returncode == full.returncode == 1
    first_lines = [line for line in full.stdout.splitlines() if line.startswith("app.py:")]
    assert concise.stdout.splitlines() == first_lines + full.stdout.splitlines()[-3:]
    assert len(first_lines) == 3 and "^^^" not in concise.stdout


def test_show_fixes_without_and_with_fix(write_tree):
    root = write_tree({"app.py": SOURCE})
    shown = run_cli("--no-cache", "--output-format", "concise", "--show-fixes", ".", cwd=root)
    assert "    fix (safe): Replace with `await asyncio.sleep(...)`" in shown.stdout
    assert "    fix (unsafe): Keep a reference" in shown.stdout
    assert (root / "app.py").read_text() == SOURCE  # showing is not fixing
    fixed = run_cli("--no-cache", "--fix", "--show-fixes", ".", cwd=root)
    assert "What was fixed:\n- app.py:\n    1 × ASY100 (blocking-sleep)\n    1 × ASY109 (get-event-loop-in-coroutine)\n" in fixed.stdout
    assert "Fixed 2 diagnostics in 1 file." in fixed.stdout and "ASY201" in fixed.stdout


def test_fix_settings_in_config(write_tree):
    root = write_tree(
        {
            "pyproject.toml": '[tool.asynclint]\nunsafe-fixes = true\nunfixable = ["ASY109"]\n',
            "app.py": SOURCE,
        }
    )
    result = run_cli("--no-cache", "--fix", ".", cwd=root)
    text = (root / "app.py").read_text()
    assert "await asyncio.sleep(1)" in text and "_background_tasks.add(task)" in text  # unsafe fix applied
    assert "asyncio.get_event_loop()" in text  # unfixable: left alone, and not marked fixable
    assert "ASY109" in result.stdout and "[*]" not in result.stdout
    # --no-unsafe-fixes overrides the config; `fixable` limits fixes to the rules listed.
    root = write_tree(
        {
            "pyproject.toml": '[tool.asynclint]\nunsafe-fixes = true\nfixable = ["ASY1"]\n',
            "app.py": SOURCE,
        }
    )
    run_cli("--no-cache", "--fix", "--no-unsafe-fixes", ".", cwd=root)
    text = (root / "app.py").read_text()
    assert "await asyncio.sleep(1)" in text and "get_running_loop" in text and "_background_tasks" not in text
    root = write_tree({"pyproject.toml": '[tool.asynclint]\nfixable = ["ASY9"]\n', "app.py": SOURCE})
    bad = run_cli("--no-cache", ".", cwd=root)
    assert bad.returncode == 2 and "fixable" in bad.stderr and "'ASY9'" in bad.stderr


def test_watch_checks_again_when_a_file_changes(write_tree):
    root = write_tree({"app.py": SOURCE, "clean.py": "x = 1\n"})
    env = dict(os.environ, NO_COLOR="1", ASYNCLINT_WATCH_INTERVAL="0.2")
    process = subprocess.Popen(
        [sys.executable, "-m", "asynclint", "--no-cache", "--watch", "--output-format", "concise", "."],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = []
        while "Found 3 diagnostics." not in lines:
            lines.append(process.stdout.readline().rstrip("\n"))
        time.sleep(0.5)
        (root / "app.py").write_text("x = 2\n")
        while "All checks passed!" not in lines:
            lines.append(process.stdout.readline().rstrip("\n"))
        assert process.poll() is None  # still watching
    finally:
        process.send_signal(signal.SIGINT)
        stderr = process.communicate(timeout=30)[1]
    assert process.returncode == 130
    assert stderr.count("Checking 2 files.") == 2 and "Traceback" not in stderr
    assert run_cli("--watch", "--fix", ".", cwd=root).returncode == 2
