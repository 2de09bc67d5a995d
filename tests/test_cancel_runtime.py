"""ASY302's bug for real: a task that swallows `cancel()` is still running a second later; the fix
makes it stop at once.

The program runs under a real event loop in a subprocess, before and after the real CLI fixes it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import run_cli

PROGRAM = textwrap.dedent(
    """\
    import asyncio


    async def consume(queue):
        while True:
            try:
                await queue.get()
            except asyncio.CancelledError:
                print("cancel requested", flush=True)


    async def main():
        queue = asyncio.Queue()
        task = asyncio.create_task(consume(queue))
        await asyncio.sleep(0.05)
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=1.0)
        print("STOPPED" if done else "STILL RUNNING after cancel()", flush=True)
        print("cancelled:", task.cancelled(), flush=True)
        if not task.done():
            task.cancel()  # it swallows this too; leave without waiting for it


    asyncio.run(main())
    """
)


def run_program(path) -> str:
    # asyncio.run() cancels leftovers at exit and waits for them; a task that swallows
    # cancellation would hang it forever, hence the outer timeout.
    try:
        result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=4)
        return result.stdout
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout or b""
        return (output.decode() if isinstance(output, bytes) else output) + "HUNG AT EXIT"


def test_swallowed_cancel_keeps_task_alive_and_fix_stops_it(tmp_path):
    program = tmp_path / "consumer.py"
    program.write_text(PROGRAM)

    before = run_program(program)
    assert "STILL RUNNING after cancel()" in before
    assert "cancelled: False" in before

    result = run_cli("--fix", "--unsafe-fixes", "--select", "ASY302", "--no-cache", str(program), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "            raise\n" in program.read_text()

    after = run_program(program)
    assert "STOPPED" in after
    assert "cancelled: True" in after
    assert "HUNG" not in after
