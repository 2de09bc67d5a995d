"""A dropped task really is lost to the garbage collector, and the ASY201 fix really keeps it.

The program creates a task that waits on a future only the task references, drops the task
(ASY201), forces `gc.collect()` and then tries to resolve the future through a weak reference. It
runs under real asyncio in a subprocess, before and after `asynclint --fix --unsafe-fixes`.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import run_cli

PROGRAM = textwrap.dedent(
    """\
    import asyncio
    import gc
    import weakref

    completed = []


    async def job(future):
        value = await future
        completed.append(value)


    def start(future):
        asyncio.create_task(job(future))


    async def main():
        future = asyncio.get_running_loop().create_future()
        resolver = weakref.ref(future)
        start(future)
        del future
        await asyncio.sleep(0)  # the task starts and waits on the future
        gc.collect()
        future = resolver()
        if future is not None:
            future.set_result("payload")
        await asyncio.sleep(0.01)
        print("completed" if completed else "lost")


    asyncio.run(main())
    """
)


def run_program(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60)


def test_dropped_task_is_collected_and_the_fix_keeps_it(tmp_path):
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)

    before = run_program(program)
    assert before.returncode == 0, before.stderr
    assert before.stdout.strip() == "lost"
    assert "Task was destroyed but it is pending!" in before.stderr

    report = run_cli("--no-cache", "--select", "ASY201", "program.py", cwd=tmp_path)
    assert report.returncode == 1 and "program.py:14:5: ASY201" in report.stdout

    fixed = run_cli("--no-cache", "--select", "ASY201", "--fix", "--unsafe-fixes", "program.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    text = program.read_text()
    assert "_background_tasks = set()\n" in text
    assert "    task = asyncio.create_task(job(future))\n    _background_tasks.add(task)\n" in text

    after = run_program(program)
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip() == "completed"
    assert "Task was destroyed" not in after.stderr

    again = run_cli("--no-cache", "--select", "ASY2", "--fix", "--unsafe-fixes", "program.py", cwd=tmp_path)
    assert program.read_text() == text and again.returncode == 0
