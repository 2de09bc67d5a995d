"""An offload fix really unblocks the loop: loop lag measured before and after the real CLI fix."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import run_cli

PROGRAM = textwrap.dedent(
    """\
    import asyncio
    import subprocess
    import time


    async def ticker(lags):
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - before - 0.01)


    async def handler():
        subprocess.run(["sleep", "0.6"], check=True)


    async def main():
        lags = []
        tick = asyncio.create_task(ticker(lags))
        await asyncio.sleep(0.05)
        await handler()
        await asyncio.sleep(0.05)
        tick.cancel()
        print(f"max_lag_ms={max(lags) * 1000:.0f}")


    asyncio.run(main())
    """
)


def max_lag(path) -> float:
    output = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=30).stdout
    return float(output.strip().split("=")[1])


def test_offload_fix_stops_the_loop_stalling(tmp_path):
    program = tmp_path / "service.py"
    program.write_text(PROGRAM)
    assert max_lag(program) >= 400

    result = run_cli("--fix", "--unsafe-fixes", "--select", "ASY102", "--no-cache", str(program), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'await asyncio.to_thread(subprocess.run, ["sleep", "0.6"], check=True)' in program.read_text()
    assert max_lag(program) < 150
