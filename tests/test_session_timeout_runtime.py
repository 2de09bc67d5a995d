"""ASY400 at run time, against a local aiohttp server on 127.0.0.1: a session without `timeout=`
waits on a stalled server; the program fixed by the real CLI gives up after the configured
`default-timeout`, and its long transfers (a streamed download, a slow upload, a websocket, each
lasting longer than that bound) still complete. A `total` bound, which the fix no longer inserts,
kills all but the websocket."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_cli

pytest.importorskip("aiohttp")

PROGRAM = Path(__file__).parent / "programs" / "session_timeout"
SESSION = "aiohttp.ClientSession() as session"


def run(folder: Path, mode: str, limit: float) -> tuple[str, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "client.py", mode], cwd=folder, capture_output=True, text=True, timeout=limit
    )
    return result.stdout.strip(), time.monotonic() - started


@pytest.fixture
def program(tmp_path):
    for name in ("client.py", "server.py"):
        shutil.copy(PROGRAM / name, tmp_path / name)
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\ndefault-timeout = 1\n")
    return tmp_path


def test_stalled_server_before_and_after_the_fix_and_long_transfers_still_work(program):
    # Before: the request to the stalled endpoint is still waiting when we give up on it.
    with pytest.raises(subprocess.TimeoutExpired):
        run(program, "stalled", 3)

    found = run_cli("--no-cache", "--select", "ASY400", "client.py", cwd=program)
    assert found.returncode == 1 and "ASY400" in found.stdout

    fixed = run_cli("--no-cache", "--fix", "--unsafe-fixes", "--select", "ASY400", "client.py", cwd=program)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    text = (program / "client.py").read_text()
    assert text == (PROGRAM / "client.py").read_text().replace(
        SESSION, "aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(sock_connect=1, sock_read=1)) as session"
    )

    # After: the stalled request gives up after the bound.
    output, _ = run(program, "stalled", 20)
    assert output.startswith("timed out after "), output
    waited = float(output.removeprefix("timed out after ").removesuffix("s"))  # measured by the program
    assert 0.9 <= waited < 3, waited

    # Transfers that last longer than the bound but keep data flowing are not cut off.
    for mode, expected in (("stream", "downloaded 10240"), ("upload", "uploaded 10240"), ("websocket", "ticks 10")):
        output, elapsed = run(program, mode, 15)
        assert output == expected, (mode, output)
        assert elapsed > 2, (mode, elapsed)


def test_a_total_bound_would_have_cut_the_long_transfers(program):
    client = program / "client.py"
    client.write_text(
        client.read_text().replace(SESSION, "aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as session")
    )
    for mode in ("stream", "upload"):
        output, _ = run(program, mode, 15)
        assert output.startswith("timed out"), (mode, output)
    # A websocket is bounded by `total` only during the handshake.
    assert run(program, "websocket", 15)[0] == "ticks 10"
