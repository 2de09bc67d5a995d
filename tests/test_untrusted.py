"""The tool itself holds no surprises on someone else's repository: --fix never replaces a link or
rewrites a read-only file, each file gets its own configuration, errors name what is wrong."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import run_cli

BLOCKING = "import time\n\nasync def f():\n    time.sleep(1)\n"
FIXED = "import time\nimport asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n"


def test_fix_writes_a_linked_file_at_its_target_and_keeps_the_link(write_tree):
    root = write_tree({"pyproject.toml": "[tool.asynclint]\n", "real/impl.py": BLOCKING})
    (root / "alias.py").symlink_to(root / "real" / "impl.py")
    result = run_cli("--fix", "alias.py", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    assert (root / "alias.py").is_symlink()
    assert os.readlink(root / "alias.py") == str(root / "real" / "impl.py")
    assert (root / "real" / "impl.py").read_text() == FIXED
    assert result.returncode == 0 and "Fixed 1 diagnostic in 1 file." in result.stdout


def test_fix_does_not_write_through_a_link_leaving_the_project(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text(BLOCKING)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.asynclint]\n")
    (project / "shared.py").symlink_to(outside)
    result = run_cli("--fix", ".", cwd=project)
    assert "Traceback" not in result.stderr, result.stderr
    assert outside.read_text() == BLOCKING and (project / "shared.py").is_symlink()
    lines = [line for line in result.stderr.splitlines() if "shared.py" in line]
    assert lines == [f"asynclint: error: shared.py: not fixed: it is a symbolic link to {outside}, outside the project"]
    assert result.returncode == 1 and "shared.py:4:5: ASY100" in result.stdout


def test_fix_leaves_a_read_only_file_alone_and_says_so(write_tree):
    root = write_tree({"pyproject.toml": "[tool.asynclint]\n", "locked.py": BLOCKING, "open.py": BLOCKING})
    (root / "locked.py").chmod(0o444)
    try:
        result = run_cli("--fix", ".", cwd=root)
    finally:
        (root / "locked.py").chmod(0o644)
    assert "Traceback" not in result.stderr, result.stderr
    assert (root / "locked.py").read_text() == BLOCKING
    assert (root / "open.py").read_text() == FIXED
    assert "asynclint: error: locked.py: not fixed: the file is read-only" in result.stderr.splitlines()
    assert "Fixed 1 diagnostic in 1 file." in result.stdout and "locked.py:4:5: ASY100" in result.stdout
    assert result.returncode == 1
    # --diff writes nothing, so it still shows what the fix would be.
    (root / "locked.py").chmod(0o444)
    try:
        shown = run_cli("--diff", "locked.py", cwd=root)
    finally:
        (root / "locked.py").chmod(0o644)
    assert "+    await asyncio.sleep(1)" in shown.stdout


def json_codes(result):
    assert "Traceback" not in result.stderr, result.stderr
    return sorted((d["path"], d["code"]) for d in json.loads(result.stdout))


MONOREPO = {
    "pyproject.toml": "[tool.asynclint]\nignore = ['ASY100']\nper-file-ignores = {'tools/*' = ['ASY102']}\n",
    "top.py": BLOCKING,
    "tools/run.py": "import os\n\nasync def f():\n    os.system('ls')\n",
    "service/pyproject.toml": "[tool.asynclint]\nextend-exclude = ['generated']\nper-file-ignores = {'tests/*' = ['ASY100']}\n",
    "service/app.py": BLOCKING,
    "service/tests/test_app.py": BLOCKING,
    "service/generated/out.py": BLOCKING,
    "service/docs/pyproject.toml": "[project]\nname = 'docs'\n",  # no [tool.asynclint]: the parent's applies
    "service/docs/conf.py": BLOCKING,
}


def test_each_file_uses_its_nearest_configuration_whatever_else_is_passed(write_tree):
    root = write_tree(MONOREPO)
    whole = json_codes(run_cli("--output-format", "json", ".", cwd=root))
    assert whole == [("service/app.py", "ASY100"), ("service/docs/conf.py", "ASY100")]
    # The same files, passed alone or together, from the root or from inside: the same findings.
    assert json_codes(run_cli("--output-format", "json", "service/app.py", cwd=root)) == [("service/app.py", "ASY100")]
    assert json_codes(run_cli("--output-format", "json", "top.py", "service/app.py", cwd=root)) == [
        ("service/app.py", "ASY100")
    ]
    assert json_codes(run_cli("--output-format", "json", "top.py", "tools/run.py", cwd=root)) == []
    inside = json_codes(run_cli("--output-format", "json", "--no-cache", "..", cwd=root / "service" / "tests"))
    assert inside == [("../app.py", "ASY100"), ("../docs/conf.py", "ASY100")]
    # The command line applies on top of every file's settings (each keeps its own ignores).
    assert json_codes(run_cli("--output-format", "json", "--select", "ASY102", ".", cwd=root)) == []
    assert json_codes(run_cli("--output-format", "json", "--select", "ASY100", "service", cwd=root)) == [
        ("service/app.py", "ASY100"),
        ("service/docs/conf.py", "ASY100"),
    ]
    extended = json_codes(run_cli("--output-format", "json", "--extend-select", "ASY401", "--ignore", "ASY100", ".", cwd=root))
    assert extended == []
    # --config: one file for everything, nested tables ignored.
    explicit = json_codes(run_cli("--output-format", "json", "--config", "pyproject.toml", ".", cwd=root))
    assert explicit == []


def test_a_broken_nested_configuration_is_a_config_error(write_tree):
    root = write_tree({**MONOREPO, "service/pyproject.toml": "[tool.asynclint]\nselect = ['ASY999']\n"})
    result = run_cli(".", cwd=root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "service/pyproject.toml: [tool.asynclint] select: unknown rule code or prefix 'ASY999'" in result.stderr


def test_force_exclude_keeps_excluded_paths_out_when_named(write_tree):
    root = write_tree(
        {
            "pyproject.toml": "[tool.asynclint]\nextend-exclude = ['vendor', 'migrations/*.py']\n",
            ".gitignore": "build_out/\n",
            "vendor/lib/client.py": BLOCKING,
            "migrations/0001.py": BLOCKING,
            "build_out/gen.py": BLOCKING,
            "app.py": BLOCKING,
        }
    )
    named = ["vendor/lib/client.py", "migrations/0001.py", "build_out/gen.py", "app.py"]
    # Named explicitly, a file inside an excluded directory is checked (what you name is what you get)...
    plain = json_codes(run_cli("--output-format", "json", *named, cwd=root))
    assert ("vendor/lib/client.py", "ASY100") in plain
    # ...unless --force-exclude (what the pre-commit hooks pass) or force-exclude = true says otherwise.
    forced = json_codes(run_cli("--output-format", "json", "--force-exclude", *named, cwd=root))
    assert forced == [("app.py", "ASY100")]
    (root / "pyproject.toml").write_text(
        "[tool.asynclint]\nextend-exclude = ['vendor', 'migrations/*.py']\nforce-exclude = true\n"
    )
    assert json_codes(run_cli("--output-format", "json", *named, cwd=root)) == [("app.py", "ASY100")]
    # Everything named is excluded: nothing to do, not an error (pre-commit on a vendored-only commit).
    only = run_cli("vendor/lib/client.py", cwd=root)
    assert only.returncode == 0 and "no Python files found" in only.stderr and "Traceback" not in only.stderr


def test_only_unusable_paths_is_an_error_not_a_pass(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    os.symlink(tmp_path / "gone.py", tmp_path / "dangling.py")
    result = run_cli("notes.txt", "dangling.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "All checks passed" not in result.stdout
    assert result.stderr.splitlines()[-1] == (
        "asynclint: error: no Python files to check (every path given was skipped, see above)"
    )


def test_flake8_plugin_reads_each_files_nearest_configuration(write_tree):
    waits = "import mylib\n\nasync def f():\n    mylib.wait()\n"
    root = write_tree(
        {
            "pyproject.toml": "[tool.asynclint]\n",
            "top.py": waits,
            "service/pyproject.toml": "[tool.asynclint]\nextend-blocking-calls = {'mylib.wait' = 'ASY101'}\n",
            "service/app.py": waits,
        }
    )

    def flake8(*paths):
        result = subprocess.run(
            [sys.executable, "-m", "flake8", "--select", "ASY", *paths], cwd=root, capture_output=True, text=True
        )
        assert "Traceback" not in result.stderr, result.stderr
        return sorted(line.split(":")[0] + " " + line.split(" ")[1] for line in result.stdout.splitlines())

    assert flake8(".") == ["./service/app.py ASY101"]
    assert flake8("top.py", "service/app.py") == ["service/app.py ASY101"]
    assert flake8("top.py") == []
    assert flake8("service/app.py") == ["service/app.py ASY101"]


def test_configuration_mistakes_are_errors_that_name_the_setting(write_tree):
    root = write_tree({"app.py": BLOCKING})
    cases = {
        "[tool.asynclint]\ndefault-timeout = inf\n": "[tool.asynclint] default-timeout: expected a positive number",
        "[tool.asynclint]\ndefault-timeout = nan\n": "[tool.asynclint] default-timeout: expected a positive number",
        "[tool.asynclint]\ndefault-timeout = 0\n": "[tool.asynclint] default-timeout: expected a positive number",
        "[tool.asynclint]\nselect = ['']\n": "[tool.asynclint] select: empty rule code",
        "[tool.asynclint]\nignore = ['  ']\n": "[tool.asynclint] ignore: empty rule code",
        "[tool]\nasynclint = 'strict'\n": "pyproject.toml: [tool.asynclint] must be a table",
        "tool.asynclint = ['ASY100']\n": "pyproject.toml: [tool.asynclint] must be a table",
    }
    for text, expected in cases.items():
        (root / "pyproject.toml").write_text(text)
        result = run_cli("app.py", cwd=root)
        assert result.returncode == 2, (text, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        (line,) = result.stderr.splitlines()
        assert expected in line, (text, line)


def test_lower_case_codes_mean_the_same_in_pyproject_and_on_the_command_line(write_tree):
    root = write_tree({"pyproject.toml": "[tool.asynclint]\nignore = ['asy100']\n", "app.py": BLOCKING})
    assert json_codes(run_cli("--output-format", "json", "app.py", cwd=root)) == []
    (root / "pyproject.toml").write_text("[tool.asynclint]\n")
    assert json_codes(run_cli("--output-format", "json", "--ignore", "asy100", "app.py", cwd=root)) == []
    assert json_codes(run_cli("--output-format", "json", "--select", "asy1", "app.py", cwd=root)) == [
        ("app.py", "ASY100")
    ]
    (root / "pyproject.toml").write_text("[tool.asynclint]\nselect = ['asy1']\n")
    assert json_codes(run_cli("--output-format", "json", "app.py", cwd=root)) == [("app.py", "ASY100")]


def test_command_line_errors_name_the_option(write_tree):
    root = write_tree({"app.py": BLOCKING})
    for option, value, reason in (
        ("--select", "ASY999", "unknown rule code or prefix 'ASY999'"),
        ("--ignore", "", "empty rule code"),
        ("--extend-select", "nope", "unknown rule code or prefix 'nope'"),
    ):
        result = run_cli(option, value, "app.py", cwd=root)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.splitlines() == [f"asynclint: error: {option}: {reason}"]


def _interrupt(args, cwd, when):
    """Run the command in its own process group and press Ctrl-C (SIGINT to the group, as a
    terminal does) once `when(process)` says so."""
    process = subprocess.Popen(
        [sys.executable, "-m", "asynclint", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    when(process)
    assert process.poll() is None, "finished before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def _mapped(process, name):
    """Wait until the process has loaded a native module whose path contains `name`."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with open(f"/proc/{process.pid}/maps") as maps:
                if name in maps.read():
                    return
        except FileNotFoundError:
            return
        time.sleep(0.002)


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc")
def test_ctrl_c_while_importing_exits_130_with_one_line(tmp_path):
    (tmp_path / "app.py").write_text(BLOCKING)
    # `_datetime` is loaded while the command imports its modules (click, libcst), not before.
    code, out, err = _interrupt(["--no-cache", "."], tmp_path, lambda process: _mapped(process, "_datetime"))
    assert (code, err) == (130, "asynclint: interrupted\n")


def _many(root, count):
    for number in range(count):
        (root / f"m{number:04}.py").write_text(BLOCKING)


def test_ctrl_c_during_a_parallel_run_exits_130_with_one_line(tmp_path):
    _many(tmp_path, 6000)
    # Early enough that an idle machine has not finished 6,000 files; on a slow one the signal may
    # land while the command is still importing, which must end the same way.
    code, out, err = _interrupt(["--no-cache", "-j", "2", "."], tmp_path, lambda process: time.sleep(1.5))
    assert (code, err, out) == (130, "asynclint: interrupted\n", "")


def test_interrupted_fix_names_the_files_already_rewritten(tmp_path):
    _many(tmp_path, 600)

    def some_rewritten(process):
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if sum(1 for path in tmp_path.glob("m*.py") if "await" in path.read_text()) >= 3:
                return
            time.sleep(0.01)

    code, out, err = _interrupt(["--no-cache", "-j", "1", "--fix", "."], tmp_path, some_rewritten)
    assert code == 130 and "Traceback" not in err
    (line,) = err.splitlines()
    prefix = "asynclint: interrupted; --fix had already rewritten "
    assert line.startswith(prefix)
    count, names = line[len(prefix) :].split(" files: ")
    named = set(names.split(", "))
    rewritten = {path.name for path in tmp_path.glob("m*.py") if path.read_text() != BLOCKING}
    assert named == rewritten and int(count) == len(rewritten) >= 3
    assert all((tmp_path / name).read_text() == FIXED for name in rewritten)  # each whole, never half


def test_statistics_marks_what_these_findings_can_fix_and_honours_json(write_tree):
    root = write_tree(
        {
            "with_open.py": "async def f():\n    with open('x') as handle:\n        return handle.read()\n",
            "sleep.py": BLOCKING,
        }
    )
    # ASY103 has a fix in general, but not for a `with` item: these findings are not fixable.
    text = run_cli("--statistics", "--unsafe-fixes", "--extend-select", "ASY103", ".", cwd=root)
    rows = [line.split() for line in text.stdout.splitlines()]
    assert ["1", "ASY100", "[*]", "blocking-sleep"] in rows
    assert [row for row in rows if row[1] == "ASY103"] == [["1", "ASY103", "blocking-file-io"]]
    records = json.loads(
        run_cli("--statistics", "--output-format", "json", "--extend-select", "ASY103", ".", cwd=root).stdout
    )
    assert {record["code"]: (record["count"], record["fixable"], record["unsafe_fixable"]) for record in records} == {
        "ASY100": (1, 1, 0),
        "ASY103": (1, 0, 0),
    }
