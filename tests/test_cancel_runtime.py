"""ASY302's bug and fixes for real: a worker that swallows `cancel()` is still running a second
later; after the real CLI fixes it, the worker stops at once AND still handles ordinary errors
exactly as before (logged, and the loop goes on).

Each program runs under a real event loop in a subprocess, before and after `asynclint --fix`.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from conftest import run_cli

# The worker's clause is substituted in; the job fails with OSError on its first call, so the
# program shows how ordinary errors are handled, then waits until it is cancelled.
PROGRAM = textwrap.dedent(
    """\
    import asyncio
    import os
    from asyncio import CancelledError


    async def job(calls):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        await asyncio.sleep(3600)


    async def worker(calls, handled):
        while True:
            try:
                await job(calls)
            {clause}
                handled.append("handled")


    async def main():
        calls, handled = [], []
        task = asyncio.create_task(worker(calls, handled))
        await asyncio.sleep(0.05)
        print("ordinary error handled:", handled == ["handled"], "calls:", len(calls), flush=True)
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=1.0)
        print("STOPPED" if done else "STILL RUNNING after cancel()", flush=True)
        print("cancelled:", task.cancelled(), flush=True)
        if not task.done():
            os._exit(0)  # it would swallow the runner's cancel too and hang asyncio.run()


    asyncio.run(main())
    """
)


def run_program(path) -> str:
    # asyncio.run() cancels leftovers at exit and waits for them; a task that swallows
    # cancellation would hang it forever, hence the outer timeout.
    try:
        result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=6)
        return result.stdout + result.stderr
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout or b""
        return (output.decode() if isinstance(output, bytes) else output) + "HUNG AT EXIT"


@pytest.mark.parametrize(
    "clause, inserted",
    [
        # An explicit clause that also handles OSError through a tuple: a clause is put before it.
        ("except (OSError, CancelledError):", "except CancelledError:\n            raise\n"),
        # A catch-all: ordinary errors must stay handled, not turn fatal.
        ("except BaseException:", "except asyncio.CancelledError:\n            raise\n"),
        ("except:", "except asyncio.CancelledError:\n            raise\n"),
    ],
)
def test_catch_all_fix_stops_on_cancel_and_still_handles_errors(tmp_path, clause, inserted):
    program = tmp_path / "worker.py"
    program.write_text(PROGRAM.replace("{clause}", clause))

    before = run_program(program)
    assert "ordinary error handled: True calls: 2" in before
    assert "STILL RUNNING after cancel()" in before and "cancelled: False" in before

    result = run_cli("--fix", "--unsafe-fixes", "--select", "ASY302", "--no-cache", str(program), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert inserted in program.read_text()

    after = run_program(program)
    assert "ordinary error handled: True calls: 2" in after  # same handling as before
    assert "STOPPED" in after and "cancelled: True" in after
    assert "HUNG" not in after and "Traceback" not in after


EXPLICIT = textwrap.dedent(
    """\
    import asyncio
    import os


    async def consume(queue, seen):
        while True:
            try:
                item = await queue.get()
                if item == "bad":
                    raise ValueError(item)
                seen.append(item)
            except ValueError:
                seen.append("error")
            except asyncio.CancelledError:
                print("cancel requested", flush=True)


    async def main():
        queue, seen = asyncio.Queue(), []
        task = asyncio.create_task(consume(queue, seen))
        for item in ("a", "bad", "b"):
            queue.put_nowait(item)
        await asyncio.sleep(0.05)
        print("seen:", seen, flush=True)
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=1.0)
        print("STOPPED" if done else "STILL RUNNING after cancel()", flush=True)
        print("cancelled:", task.cancelled(), flush=True)
        if not task.done():
            os._exit(0)


    asyncio.run(main())
    """
)


def test_explicit_clause_fix_appends_raise(tmp_path):
    program = tmp_path / "consumer.py"
    program.write_text(EXPLICIT)

    before = run_program(program)
    assert "seen: ['a', 'error', 'b']" in before
    assert "STILL RUNNING after cancel()" in before and "cancelled: False" in before

    result = run_cli("--fix", "--unsafe-fixes", "--select", "ASY302", "--no-cache", str(program), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'print("cancel requested", flush=True)\n            raise\n' in program.read_text()

    after = run_program(program)
    assert "seen: ['a', 'error', 'b']" in after
    assert "cancel requested" in after and "STOPPED" in after and "cancelled: True" in after
    assert "HUNG" not in after


CANCEL_THEN_AWAIT = textwrap.dedent(
    """\
    import asyncio


    async def child():
        await asyncio.sleep(3600)


    async def stop(task):
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass  # the child's own cancellation: expected
        await asyncio.sleep(0)
        return "stopped cleanly"


    async def main():
        task = asyncio.create_task(child())
        await asyncio.sleep(0.01)
        print(await stop(task), flush=True)


    asyncio.run(main())
    """
)


def test_cancel_then_await_is_left_alone(tmp_path):
    # Appending `raise` here would re-raise the child's cancellation and break the shutdown;
    # asynclint reports nothing and offers nothing.
    program = tmp_path / "stop.py"
    program.write_text(CANCEL_THEN_AWAIT)
    result = run_cli("--select", "ASY302,ASY304", "--no-cache", str(program), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stopped cleanly" in run_program(program)
    broken = tmp_path / "broken.py"
    broken.write_text(CANCEL_THEN_AWAIT.replace("pass  # the child's own cancellation: expected", "raise"))
    assert "stopped cleanly" not in run_program(broken)


UNDER_TIMEOUT = textwrap.dedent(
    """\
    import asyncio


    async def sync_forever(stop):
        try:
            await stop.wait()
        except asyncio.CancelledError:
            print("sync stopped", flush=True)


    async def main():
        try:
            async with asyncio.timeout(0.1):
                await sync_forever(asyncio.Event())
            print("RETURNED NORMALLY, no timeout", flush=True)
        except TimeoutError:
            print("TIMED OUT as asked", flush=True)


    asyncio.run(main())
    """
)


def test_coroutine_under_a_callers_timeout_times_out_after_the_fix(tmp_path):
    program = tmp_path / "client.py"
    program.write_text(UNDER_TIMEOUT)
    before = run_program(program)
    assert "RETURNED NORMALLY, no timeout" in before

    result = run_cli("--fix", "--unsafe-fixes", "--select", "ASY302", "--no-cache", str(program), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'print("sync stopped", flush=True)\n        raise\n' in program.read_text()

    after = run_program(program)
    assert "sync stopped" in after and "TIMED OUT as asked" in after
