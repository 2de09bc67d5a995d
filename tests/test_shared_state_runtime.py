"""ASY500–ASY502 bugs shown with real asyncio programs: two tasks interleave at the await and
connect twice, lose an update, or lose the request's context in the executor thread; the change
each rule suggests (a lock, `asyncio.to_thread`) makes the same program behave."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from conftest import run_cli


def run(path) -> str:
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def findings(path, code: str) -> list[tuple[str, int]]:
    result = run_cli(
        "--no-cache", "--select", code, "--output-format", "json", "--exit-zero", str(path), cwd=path.parent
    )
    assert result.returncode == 0, result.stderr
    return [(item["code"], item["line"]) for item in json.loads(result.stdout)]


LAZY_CONNECT = textwrap.dedent(
    """\
    import asyncio

    connects = 0


    async def connect():
        global connects
        connects += 1
        await asyncio.sleep(0.01)  # the handshake: other tasks run meanwhile
        return object()


    class Pool:
        def __init__(self):
            self._conn = None
            self._lock = asyncio.Lock()

        async def connection(self):
            if self._conn is None:
                self._conn = await connect()
            return self._conn


    async def main():
        pool = Pool()
        first, second = await asyncio.gather(pool.connection(), pool.connection())
        print(f"connects={connects} same={first is second}")


    asyncio.run(main())
    """
)
LAZY_CONNECT_LOCKED = LAZY_CONNECT.replace(
    """\
        if self._conn is None:
            self._conn = await connect()
""",
    """\
        async with self._lock:
            if self._conn is None:
                self._conn = await connect()
""",
)


def test_check_then_act_connects_twice_and_a_lock_stops_it(tmp_path):
    racy = tmp_path / "pool.py"
    racy.write_text(LAZY_CONNECT)
    assert findings(racy, "ASY500") == [("ASY500", 20)]
    assert run(racy) == "connects=2 same=False"  # one connection leaked

    racy.write_text(LAZY_CONNECT_LOCKED)
    assert LAZY_CONNECT_LOCKED != LAZY_CONNECT
    assert findings(racy, "ASY500") == []
    assert run(racy) == "connects=1 same=True"


DEPOSITS = textwrap.dedent(
    """\
    import asyncio


    class Account:
        def __init__(self):
            self.balance = 0
            self._lock = asyncio.Lock()

        async def _audit(self, amount):
            await asyncio.sleep(0)

        async def deposit(self, amount):
            balance = self.balance
            await self._audit(amount)
            self.balance = balance + amount


    async def main():
        account = Account()
        await asyncio.gather(*(account.deposit(1) for _ in range(100)))
        print(f"balance={account.balance}")


    asyncio.run(main())
    """
)
DEPOSITS_LOCKED = DEPOSITS.replace(
    """\
        balance = self.balance
        await self._audit(amount)
        self.balance = balance + amount
""",
    """\
        async with self._lock:
            balance = self.balance
            await self._audit(amount)
            self.balance = balance + amount
""",
)


def test_lost_update_loses_deposits_and_a_lock_keeps_them(tmp_path):
    racy = tmp_path / "account.py"
    racy.write_text(DEPOSITS)
    assert findings(racy, "ASY501") == [("ASY501", 15)]
    assert run(racy) == "balance=1"  # 99 of 100 deposits lost

    racy.write_text(DEPOSITS_LOCKED)
    assert DEPOSITS_LOCKED != DEPOSITS
    assert findings(racy, "ASY501") == []
    assert run(racy) == "balance=100"


REQUEST_CONTEXT = textwrap.dedent(
    """\
    import asyncio
    import contextvars

    request_id = contextvars.ContextVar("request_id", default="-")


    def render(page):
        return f"{request_id.get()}:{page}"


    async def handle(rid, page):
        request_id.set(rid)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, render, page)


    async def main():
        print(" ".join(await asyncio.gather(handle("a", 1), handle("b", 2))))


    asyncio.run(main())
    """
)


def test_context_is_lost_in_the_executor_and_the_fix_brings_it_back(tmp_path):
    program = tmp_path / "service.py"
    program.write_text(REQUEST_CONTEXT)
    assert findings(program, "ASY502") == [("ASY502", 14)]
    assert run(program) == "-:1 -:2"  # the thread saw the default, not the request's id

    result = run_cli("--fix", "--no-cache", "--select", "ASY502", str(program), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    fixed = program.read_text()
    assert fixed == REQUEST_CONTEXT.replace(
        "await loop.run_in_executor(None, render, page)", "await asyncio.to_thread(render, page)"
    )
    assert run(program) == "a:1 b:2"
    assert findings(program, "ASY502") == []
