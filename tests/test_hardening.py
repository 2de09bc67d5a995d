"""Bad input never crashes a run, analyzed code is never imported, fixes never corrupt a file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import hypothesmith
import libcst as cst
import pytest
from conftest import REPO, run_cli
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from asynclint.checks import rules_for
from asynclint.config import Config
from asynclint.engine.fixer import fix_source
from asynclint.engine.linter import Linter
from asynclint.engine.project import ProjectIndex

BLOCKING = "import time\n\nasync def f():\n    time.sleep(1)\n"


def test_bad_inputs_get_one_line_each_and_the_run_goes_on(tmp_path):
    (tmp_path / "good.py").write_text(BLOCKING)
    (tmp_path / "nested.py").write_text("x = " + "(" * 3000 + "1" + ")" * 3000 + "\n")
    (tmp_path / "huge.py").write_bytes(b"x = 1\n" * (9 * 1024 * 1024 // 6 + 1))
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\n")
    os.symlink(tmp_path / "missing.py", tmp_path / "dangling.py")
    (tmp_path / "loop").mkdir()
    os.symlink(tmp_path / "loop", tmp_path / "loop" / "again")
    (tmp_path / "notes.txt").write_text("hello")
    started = time.perf_counter()
    result = run_cli("--output-format", "json", ".", "notes.txt", cwd=tmp_path)
    assert time.perf_counter() - started < 60
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    reported = {(d["path"], d["code"]): d["message"] for d in json.loads(result.stdout)}
    assert ("good.py", "ASY100") in reported
    assert "nested too deeply" in reported[("nested.py", "ASY001")] or "cannot parse" in reported[("nested.py", "ASY001")]
    assert ("huge.py", "ASY001") not in reported  # valid code, only too large: not a syntax error
    assert "binary file" in reported[("nul.py", "ASY001")]
    errors = result.stderr.splitlines()
    assert any("huge.py" in line and "MiB limit for analysis" in line for line in errors)
    assert any("dangling.py" in line and "broken symbolic link" in line for line in errors)
    assert any("notes.txt" in line and "not a Python file" in line for line in errors)


def test_fifo_directory_named_py_and_unreadable_file_do_not_stop_the_run(tmp_path):
    (tmp_path / "good.py").write_text(BLOCKING)
    os.mkfifo(tmp_path / "pipe.py")  # reading it would block forever
    (tmp_path / "package.py").mkdir()  # a directory that looks like a module
    (tmp_path / "package.py" / "inner.py").write_text(BLOCKING)
    locked = tmp_path / "locked.py"
    locked.write_text(BLOCKING)
    locked.chmod(0)
    try:
        result = run_cli("--output-format", "json", "pipe.py", "package.py", "locked.py", "good.py", cwd=tmp_path)
    finally:
        locked.chmod(0o644)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    paths = sorted(d["path"] for d in json.loads(result.stdout))
    assert "good.py" in paths and "package.py/inner.py" in paths
    assert any("pipe.py" in line and "not a regular file" in line for line in result.stderr.splitlines())
    if os.geteuid() != 0:  # root reads mode-000 files anyway
        assert "locked.py" not in paths
        assert any("locked.py" in line and "cannot read" in line for line in result.stderr.splitlines())


def test_50_mb_file_takes_bounded_time_and_memory(tmp_path):
    line = b"value = compute(alpha, beta, gamma)  # generated\n"
    (tmp_path / "generated.py").write_bytes(line * (50 * 1024 * 1024 // len(line)))
    (tmp_path / "good.py").write_text(BLOCKING)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "asynclint", "--no-cache", "--output-format", "json", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = process.stdout.read(), process.stderr.read()  # small: one diagnostic each
    _, status, usage = os.wait4(process.pid, 0)  # reaped here, to read its peak memory
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    reported = {(d["path"], d["code"]): d["message"] for d in json.loads(stdout)}
    assert ("good.py", "ASY100") in reported
    assert ("generated.py", "ASY001") not in reported
    assert b"generated.py: skipped:" in stderr and b"MiB limit for analysis" in stderr
    assert b"Traceback" not in stderr
    assert process.returncode == 1
    assert seconds < 60
    assert usage.ru_maxrss / 1024 < 400  # MB, peak of the whole run: the file is never parsed


def test_missing_path_exits_2(tmp_path):
    result = run_cli("does-not-exist", cwd=tmp_path)
    assert result.returncode == 2 and "does-not-exist" in result.stderr


def test_analyzed_code_is_never_imported(tmp_path):
    marker = tmp_path / "IMPORTED"
    package = tmp_path / "victim"
    package.mkdir()
    (package / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('imported')\n")
    (package / "side.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\n\nasync def ping():\n    pass\n\ndef load():\n    return 1\n"
    )
    (package / "user.py").write_text(
        "from victim.side import ping, load\nimport victim\n\nasync def main():\n    ping()\n    load()\n    victim.side.ping()\n"
    )
    result = run_cli("--no-cache", "--select", "ASY", ".", cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})
    assert "Traceback" not in result.stderr
    assert "ASY200" in result.stdout  # the cross-module question was really asked
    assert not marker.exists()


def test_installed_libraries_are_read_never_imported_astroid_included(tmp_path):
    # Library callees are answered from the library's source: statically, and through astroid for
    # what that cannot follow (here a method bound by assignment). Neither imports the library.
    marker = tmp_path / "IMPORTED"
    side_effect = f"open({str(marker)!r}, 'w').write('imported')\n"
    site = tmp_path / "site" / "trapclient"
    site.mkdir(parents=True)
    (site / "__init__.py").write_text(side_effect + "from .core import Client, connect\n")
    (site / "core.py").write_text(
        side_effect
        + "async def connect():\n    pass\n\n\nclass Client:\n    async def _send(self):\n        pass\n\n"
        + "    send = _send\n"
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.py").write_text(
        "import trapclient\n\n\nasync def main(client: trapclient.Client):\n"
        "    trapclient.connect()\n    client.send()\n"
    )
    result = run_cli(
        "--no-cache", "--select", "ASY200", "--output-format", "json", ".",
        cwd=project, env={"PYTHONPATH": str(tmp_path / "site")},
    )
    assert "Traceback" not in result.stderr
    assert sorted(d["line"] for d in json.loads(result.stdout)) == [5, 6]  # both questions answered
    assert not marker.exists()


def test_internal_rule_error_names_file_and_rule_and_keeps_other_results(tmp_path):
    (tmp_path / "a.py").write_text(BLOCKING)
    (tmp_path / "b.py").write_text("async def g():\n    pass\n")
    script = textwrap.dedent(
        """
        import sys
        from asynclint.checks.exceptions import ReturnInFinally

        def broken(self, node, ctx):
            raise ValueError("boom")

        ReturnInFinally.visit_Try = broken
        from asynclint.checks import blocking  # noqa: F401
        import libcst
        ReturnInFinally.handled_types = classmethod(lambda cls: {libcst.FunctionDef: "visit_Try"})
        from asynclint.cli import main
        sys.argv = ["asynclint", "--no-cache", "."]
        main()
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert "Traceback" not in result.stderr
    assert "internal error in ASY303" in result.stderr and "a.py" in result.stderr
    assert "a.py:4:5: ASY100" in result.stdout


def test_killed_write_leaves_old_or_new_content(tmp_path):
    target = tmp_path / "big.py"
    old, new = b"a = 1\n" * 400_000, b"b = 2\n" * 400_000
    (tmp_path / "old.bin").write_bytes(old)
    (tmp_path / "new.bin").write_bytes(new)
    target.write_bytes(old)
    writer = textwrap.dedent(
        f"""
        from asynclint.engine.writer import write_atomic
        versions = [open({str(tmp_path / "new.bin")!r}, "rb").read(), open({str(tmp_path / "old.bin")!r}, "rb").read()]
        while True:
            for data in versions:
                write_atomic({str(target)!r}, data)
        """
    )
    for attempt in range(8):
        process = subprocess.Popen([sys.executable, "-c", writer])
        time.sleep(0.3 + attempt * 0.07)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert target.read_bytes() in (old, new)
    leftovers = [path.name for path in tmp_path.iterdir() if path.name.endswith(".asynclint")]
    assert len(leftovers) <= 8  # at most the one temp file in flight per kill, never a .py


SNIPPETS = [
    "time.sleep(1)",
    "asyncio.create_task(work())",
    "await asyncio.gather(work(), work())",
    "await asyncio.gather(work(), work(), return_exceptions=True)",
    "try:\n    await work()\nexcept asyncio.CancelledError:\n    pass",
    "try:\n    await work()\nfinally:\n    return 1",
    "session = aiohttp.ClientSession()",
    "loop = asyncio.get_event_loop()",
    "work()",
    "x = [time.sleep(i) for i in range(2)]",
    "def inner():\n    time.sleep(1)",
    "for i in range(2):\n    asyncio.ensure_future(work())",
    "async with aiohttp.ClientSession() as s:\n    await s.get('u')",
]
PROGRAM_HEAD = "import asyncio\nimport time\nimport aiohttp\n\n\nasync def work():\n    pass\n\n\nasync def main():\n"


def assert_lints_and_fixes_cleanly(data: bytes) -> None:
    """No internal error; every fix keeps the module parseable; a second pass changes nothing."""
    linter = Linter(Config(), rules_for(Config()))
    first = linter.lint("gen.py", data, module_name="gen", is_package=False)
    assert not first.result.errors
    project = ProjectIndex([first.result.summary])
    once = fix_source(linter, "gen.py", data, unsafe=True, project=project, module_name="gen", is_package=False)
    assert not once.errors
    cst.parse_module(once.data)
    twice = fix_source(linter, "gen.py", once.data, unsafe=True, project=project, module_name="gen", is_package=False)
    assert twice.data == once.data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=6))
def test_generated_programs_never_crash_and_fixes_are_idempotent(snippets):
    body = "".join(textwrap.indent(snippet, "    ") + "\n" for snippet in snippets)
    data = (PROGRAM_HEAD + body).encode()
    assert_lints_and_fixes_cleanly(data)


@pytest.mark.skipif(not (REPO / "bench" / "corpus").is_dir(), reason="run bench/corpus.py first")
def test_corpus_sample_has_no_internal_errors():
    sample = REPO / "bench" / "corpus" / "aiohttp"
    result = run_cli("--no-cache", "--exit-zero", str(sample))
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


PROBE = "\n\nimport asyncio\nimport time\n\n\nasync def _probe():\n    time.sleep(1)\n    asyncio.create_task(_probe())\n"


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles odd programs
@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_grammar_generated_programs_never_crash_the_engine(source):
    # Any program libcst parses is analyzed without an exception or an internal error; with a
    # fixable coroutine appended, every fix keeps it parseable and a second pass changes nothing.
    try:
        cst.parse_module(source)
        data = (source.rstrip("\\\n") + PROBE).encode()
        cst.parse_module(data)
    except Exception:
        assume(False)
    assert_lints_and_fixes_cleanly(data)
