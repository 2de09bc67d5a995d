"""ASY405 at run time: a connect to a listener whose accept queue is full hangs (Linux drops the SYN
and the client keeps retrying); the program fixed by the real CLI gives up after the configured
deadline its caller passes (`timeout=`) with TimeoutError: the fix uses the function's own timeout
parameter, never a number of its own that could override the caller's."""

from __future__ import annotations

import select
import socket
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import run_cli

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="relies on Linux accept-queue overflow")

CLIENT = """\
import asyncio
import sys


async def main(port, timeout):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"ping\\n")
    print("connected", await reader.readline())


asyncio.run(main(int(sys.argv[1]), timeout=float(sys.argv[2])))
"""


@pytest.fixture
def stalled_port():
    """A loopback port that accepts no further connections: listen(0), never accept, and fill the
    accept queue until a new connect no longer completes."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(16):
            client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            client.setblocking(False)
            fillers.append(client)
            client.connect_ex(("127.0.0.1", port))
            _, writable, _ = select.select([], [client], [], 0.3)
            if not writable:
                break  # this connect hangs: the queue is full
        else:
            pytest.skip("the kernel kept accepting connections into a listen(0) queue")
        yield port
    finally:
        for client in fillers:
            client.close()
        listener.close()


def test_connect_hangs_and_the_asy405_fix_bounds_it(tmp_path, stalled_port):
    program = tmp_path / "client.py"
    program.write_text(CLIENT)
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\ndefault-timeout = 60\n")

    # The original program is still waiting for the connection when we give up on it.
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, str(program), str(stalled_port), "1"], capture_output=True, timeout=3)
    assert time.monotonic() - started >= 3

    found = run_cli("--no-cache", "--select", "ASY405", "client.py", cwd=tmp_path)
    assert found.returncode == 1 and "ASY405" in found.stdout and "client.py:6:" in found.stdout

    fixed = run_cli("--no-cache", "--fix", "--unsafe-fixes", "--select", "ASY405", "client.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert program.read_text() == CLIENT.replace(
        'await asyncio.open_connection("127.0.0.1", port)',
        'await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout=timeout)',
    )

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(program), str(stalled_port), "1"], capture_output=True, text=True, timeout=10
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert "TimeoutError" in result.stderr, textwrap.shorten(result.stderr, 400)
    assert "connected" not in result.stdout
    assert 0.9 <= elapsed < 3, elapsed


def test_the_fixed_connect_keeps_a_long_lived_connection(tmp_path):
    """The bound covers the connect only: a connection that then stays open longer than the
    caller's timeout (the server answers after 1.5 s) still works."""
    import threading

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve():
        connection, _ = listener.accept()
        with connection:
            connection.recv(16)
            time.sleep(1.5)
            connection.sendall(b"pong\n")

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    program = tmp_path / "client.py"
    program.write_text(CLIENT)
    fixed = run_cli("--no-cache", "--fix", "--unsafe-fixes", "--select", "ASY405", "client.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "timeout=timeout)" in program.read_text()
    try:
        result = subprocess.run(
            [sys.executable, str(program), str(port), "1"], capture_output=True, text=True, timeout=20
        )
    finally:
        server.join(5)
        listener.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "connected b'pong\\n'"
