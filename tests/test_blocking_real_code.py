"""ASY100–ASY112 on the shapes real code has: what must stay quiet, the real-bug shapes that must be
found, sync code that runs on the loop thread, one-shot commands, and fixes that must not be offered.

Every case is written from a shape seen in real projects (see REAL-WORLD.md), never copied."""

from __future__ import annotations

import asyncio
import sqlite3
import textwrap
import threading

import pytest
from conftest import codes_and_lines, fix_snippet, lint_snippet

# Every blocking rule by its exact code: ASY103, ASY106 and ASY110 are opt-in.
BLOCKING = ",".join(f"ASY1{number:02d}" for number in range(13))


def codes(source: str, select: str = BLOCKING, **settings) -> list[tuple[str, int]]:
    return codes_and_lines(textwrap.dedent(source), select=select, **settings)


# -- precision: shapes that must not fire ---------------------------------------------------------
QUIET = {
    "non-blocking socket in the same function, waited on with add_writer": """
        import asyncio, socket

        async def connect_unix(path):
            loop = asyncio.get_running_loop()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.setblocking(False)
            while True:
                try:
                    sock.connect(path)
                except BlockingIOError:
                    waiter = loop.create_future()
                    loop.add_writer(sock, waiter.set_result, None)
                    await waiter
                else:
                    return sock
        """,
    "listener made non-blocking elsewhere; accept retried on BlockingIOError": """
        import asyncio, socket

        class Listener:
            def __init__(self, sock: socket.socket):
                self._sock = sock

            async def accept(self):
                loop = asyncio.get_running_loop()
                while True:
                    try:
                        client, _ = self._sock.accept()
                        return client
                    except BlockingIOError:
                        ready = loop.create_future()
                        loop.add_reader(self._sock, ready.set_result, None)
                        await ready
        """,
    "socket built non-blocking by a helper": """
        import socket

        def _make_socket():
            sock = socket.socket()
            sock.setblocking(False)
            return sock

        async def probe(addr):
            sock = _make_socket()
            sock.send(b"ping")
        """,
    "UDP connect to an IP literal only records the peer": """
        import socket

        async def local_address():
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        """,
    "numeric-only getaddrinfo never touches DNS (flags through a module constant)": """
        import socket

        _NUMERIC = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV

        async def parse(host, port):
            return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=_NUMERIC)
        """,
    "awaited call on a parameter annotated with a sync session type": """
        import sqlalchemy.orm

        async def history(session: sqlalchemy.orm.Session, query):
            result = await session.execute(query)
            return result.all()
        """,
    "acquire on a lock created on the line before and not shared yet": """
        import threading

        class Locks:
            def __init__(self):
                self._held = {}

            async def take(self, key):
                lock = threading.Lock()
                lock.acquire()
                self._held[key] = lock
        """,
    "async with on an asyncio lock": """
        import asyncio

        class Cache:
            def __init__(self):
                self._lock = asyncio.Lock()

            async def get(self):
                async with self._lock:
                    return 1
        """,
    "typing.BinaryIO parameters are as often in-memory buffers as files": """
        from typing import BinaryIO

        async def download_to_memory(out: BinaryIO, chunks):
            async for chunk in chunks:
                out.write(chunk)
            out.flush()
        """,
    "a threading lock around a short critical section without await": """
        import threading

        class Counter:
            def __init__(self):
                self._lock = threading.Lock()
                self.value = 0

            async def bump(self):
                with self._lock:
                    self.value += 1
        """,
    "put on an unbounded queue.Queue never waits": """
        import queue

        class Forwarder:
            def __init__(self):
                self.queue = queue.Queue()

            async def on_event(self, event):
                self.queue.put(event)
        """,
    "outcome of the future a static-method done-callback receives": """
        import concurrent.futures, logging

        class Reconciler:
            @staticmethod
            def _log(future):
                if not future.cancelled() and future.exception() is not None:
                    logging.error("failed")

            async def start(self, pool: concurrent.futures.ThreadPoolExecutor, work):
                pool.submit(work).add_done_callback(self._log)
        """,
    "result of the future a done-callback receives": """
        import concurrent.futures, logging

        def _log_failure(future):
            if future.exception() is not None:
                logging.error("failed", exc_info=future.exception())

        async def submit(pool: concurrent.futures.ThreadPoolExecutor, work):
            pool.submit(work).add_done_callback(_log_failure)
        """,
    "in-memory buffers are not files": """
        import io

        async def render(rows):
            out = io.StringIO()
            out.write(",".join(rows))
            return out.getvalue()
        """,
    "anyio.Path is async": """
        import anyio

        async def save(data):
            await anyio.Path("out").write_bytes(data)
            await anyio.Path("out").unlink()
        """,
    "a sync callback defined but never scheduled": """
        import time

        def later():
            time.sleep(1)

        async def main():
            return later
        """,
    "a sync method of a class that is not a protocol": """
        import time

        class Parser:
            def data_received(self, data):
                time.sleep(0.1)
        """,
    "file wrapped deliberately with anyio.wrap_file": """
        import anyio

        async def stream(path):
            async with anyio.wrap_file(open(path, "rb")) as f:
                return await f.read()
        """,
}


@pytest.mark.parametrize("source", QUIET.values(), ids=list(QUIET))
def test_quiet(source):
    assert codes(source) == []


def test_request_on_an_async_client_in_a_module_importing_urllib3_is_quiet():
    # flake8-async's ASYNC211 reports any `x.request("GET", ...)` once urllib3 is imported; an
    # aiohttp request used as an async context manager is not a sync call.
    source = """
        import aiohttp, urllib3

        async def fetch(session: aiohttp.ClientSession, url):
            async with session.request("GET", url) as response:
                return await response.read()
        """
    assert codes(source) == []


# -- recall: real-bug shapes that must be found ----------------------------------------------------
FOUND = {
    "ssl context built per connection": (
        """
        import ssl

        async def open_channel(host):
            context = ssl.create_default_context()
            context.load_verify_locations("/etc/ca.pem")
            return context
        """,
        [("ASY103", 5), ("ASY103", 6)],
    ),
    "client certificate loaded per request": (
        """
        import ssl

        async def call(cert):
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.load_cert_chain(cert)
            context.set_default_verify_paths()
        """,
        [("ASY103", 6), ("ASY103", 7)],
    ),
    "file-system mutations and listings": (
        """
        import glob, importlib, io, os

        async def rotate(path, name):
            os.makedirs(path, exist_ok=True)
            os.rename(path + ".1", path + ".2")
            os.replace(path, path + ".1")
            os.remove(path + ".3")
            os.unlink(path + ".4")
            os.rmdir(path + ".d")
            for name in glob.iglob(path + "*"):
                pass
            io.open_code(path)
            importlib.import_module(name)  # found in sys.modules after the first call: not reported
        """,
        [("ASY103", line) for line in (5, 6, 7, 8, 9, 10, 11, 13)],
    ),
    "Path receiver from an attribute assignment in __init__": (
        """
        from pathlib import Path

        class Store:
            def __init__(self, root):
                self.dir = Path(root)

            async def put(self, name, data):
                self.dir.mkdir(parents=True, exist_ok=True)
                (self.dir / name).write_bytes(data)
                for child in self.dir.iterdir():
                    child.unlink()
        """,
        [("ASY103", 9), ("ASY103", 10), ("ASY103", 11), ("ASY103", 12)],
    ),
    "receiver from a class-level annotation and a local annotation": (
        """
        from pathlib import Path

        class Backup:
            target: Path

            async def run(self):
                self.target.rmdir()
                spool: Path = self.target.parent
                spool.touch()
        """,
        [("ASY103", 8), ("ASY103", 10)],
    ),
    "module-level client used in a handler": (
        """
        import requests

        session = requests.Session()

        async def handler(url):
            return session.get(url).json()
        """,
        [("ASY101", 7)],
    ),
    "Optional and forward-referenced parameters": (
        """
        from pathlib import Path
        from typing import Optional
        import smtplib

        async def send(report: Optional[Path], relay: "smtplib.SMTP | None"):
            report.read_text()
            relay.send_message("m")
        """,
        [("ASY103", 7), ("ASY104", 8)],
    ),
    "SMTP client from __init__": (
        """
        import smtplib

        class Mailer:
            def __init__(self, host):
                self.smtp = smtplib.SMTP(host)

            async def notify(self, to, body):
                self.smtp.sendmail("bot@example.com", to, body)
        """,
        [("ASY104", 9)],
    ),
    "file objects: annotated parameters and an attribute holding open()": (
        """
        import io

        class Log:
            def __init__(self, path):
                self.handle = open(path, "a")

            async def copy(self, src: io.TextIOWrapper, dst: io.BufferedWriter):
                dst.write(src.read().encode())
                self.handle.flush()
        """,
        [("ASY103", 9), ("ASY103", 9), ("ASY103", 10)],
    ),
    "urllib3 pools": (
        """
        import urllib3

        pool = urllib3.HTTPConnectionPool("example.com")

        async def ping():
            return pool.request("GET", "/")
        """,
        [("ASY101", 7)],
    ),
    "process spawning": (
        """
        import os, subprocess

        async def launch(argv):
            proc = subprocess.Popen(argv)
            os.posix_spawn(argv[0], argv, {})
            os.waitid(os.P_PID, proc.pid, os.WEXITED)
        """,
        [("ASY102", 5), ("ASY102", 6), ("ASY102", 7)],
    ),
    "thread lock held across await (from __init__, and a class-level lock)": (
        """
        import asyncio, threading

        class Registry:
            shared = threading.RLock()

            def __init__(self):
                self._lock = threading.Lock()

            async def update(self, fetch):
                with self._lock:
                    self.state = await fetch()
                with self.shared:
                    async for item in fetch():
                        pass
        """,
        [("ASY106", 11), ("ASY106", 13)],
    ),
    "put on a bounded queue": (
        """
        import queue

        jobs = queue.Queue(maxsize=10)

        async def enqueue(job):
            jobs.put(job)
        """,
        [("ASY106", 7)],
    ),
    "acquire on a lock that was used before": (
        """
        import threading

        async def worker(jobs):
            lock = threading.Lock()
            jobs.append(lock)
            lock.acquire()
        """,
        [("ASY106", 7)],
    ),
}


@pytest.mark.parametrize("source, expected", FOUND.values(), ids=list(FOUND))
def test_found(source, expected):
    assert codes(source) == expected


# -- sync code that runs on the loop thread --------------------------------------------------------
def test_protocol_callbacks_are_on_the_loop_thread():
    source = """
        import asyncio, time

        class Echo(asyncio.Protocol):
            def connection_made(self, transport):
                self.transport = transport

            def data_received(self, data):
                time.sleep(0.5)
                self.transport.write(data)

            def helper(self):
                time.sleep(0.5)

        class Loud(Echo):
            def eof_received(self):
                open("log").write("eof")

        class Ping(asyncio.DatagramProtocol):
            def datagram_received(self, data, addr):
                open("seen", "a")
        """
    assert codes(source) == [("ASY100", 9), ("ASY103", 17), ("ASY103", 21)]


def test_scheduled_callbacks_are_on_the_loop_thread():
    source = """
        import asyncio, functools, time, requests

        def flush(path):
            open(path, "w").close()

        def report(url):
            requests.post(url)

        class Poller:
            def tick(self):
                time.sleep(1)

            def on_done(self, future):
                requests.get("http://example.com")

            async def start(self, loop):
                loop.call_later(5, self.tick)
                future = loop.create_future()
                future.add_done_callback(self.on_done)

        async def main(url):
            loop = asyncio.get_running_loop()
            loop.call_soon(flush, "f")
            loop.call_at(loop.time() + 1, functools.partial(report, url))
        """
    assert codes(source) == [("ASY103", 5), ("ASY101", 8), ("ASY100", 12), ("ASY101", 15)]


def test_a_method_scheduled_from_a_classmethod_is_on_the_loop_thread():
    source = """
        import time

        class Ticker:
            def tick(self):
                time.sleep(1)

            def untouched(self):
                time.sleep(1)

            @classmethod
            async def start(cls, loop):
                loop.call_soon(cls.tick, cls())
        """
    assert codes(source) == [("ASY100", 6)]


def test_loop_only_decorators_shipped_and_configured():
    source = """
        import time
        from homeassistant.core import callback
        from myframework import on_loop

        @callback
        def async_update(self):
            time.sleep(1)

        @on_loop()
        def refresh():
            time.sleep(1)
        """
    assert codes(source) == [("ASY100", 8)]
    assert codes(source, extend_loop_only_decorators=("myframework.on_loop",)) == [("ASY100", 8), ("ASY100", 12)]


def test_no_await_fix_in_sync_callbacks():
    source = textwrap.dedent(
        """
        import asyncio, time

        class Slow(asyncio.Protocol):
            def data_received(self, data):
                time.sleep(0.1)
        """
    )
    [diagnostic] = lint_snippet(source, select="ASY100")
    assert diagnostic.fix is None


# -- one-shot commands ------------------------------------------------------------------------------
CLI = """
    import asyncio, json, typer

    app = typer.Typer()

    @app.command()
    async def export(path: str):
        with open(path, "w") as out:
            json.dump({}, out)
    """
SCRIPT = """
    import asyncio, shutil

    async def main(src, dst):
        def copy():
            shutil.copytree(src, dst)
        copy()
        shutil.rmtree(src)

    if __name__ == "__main__":
        asyncio.run(main("a", "b"))
    """
LONG_RUNNING = """
    import json
    from homeassistant.core import HomeAssistant

    async def async_setup_entry(hass: HomeAssistant, entry):
        with open(hass.config.path("store.json")) as f:
            return json.load(f)
    """
DISCORD_BOT = """
    import discord
    from discord.ext import commands

    bot = commands.Bot(command_prefix="!")

    @bot.command()
    async def log(ctx):
        with open("log.txt") as f:
            await ctx.send(f.read())
    """


def test_one_shot_cli_commands_and_scripts_are_not_reported_by_default():
    assert codes(CLI) == []
    assert codes(SCRIPT) == []
    assert codes(CLI, blocking_in_one_shot_commands=True) == [("ASY103", 8)]
    assert codes(SCRIPT, blocking_in_one_shot_commands=True) == [("ASY103", 8)]


def test_long_running_components_are_still_reported():
    # An integration's setup coroutine runs while the rest of the process serves; a bot command
    # decorated `.command()` in a module that does not import a CLI framework is a handler.
    assert codes(LONG_RUNNING) == [("ASY103", 6)]
    assert codes(DISCORD_BOT) == [("ASY103", 9)]


def test_get_event_loop_is_reported_in_one_shot_commands():
    source = CLI + "\n    @app.command()\n    async def show():\n        asyncio.get_event_loop()\n"
    assert codes(source, select="ASY109") == [("ASY109", 13)]


# -- executors: coroutine and generator functions, host offloaders ---------------------------------
def test_generator_function_handed_to_an_executor():
    source = """
        import asyncio, os

        def walk(root):
            for entry in os.scandir(root):
                yield entry.name

        def names(root):
            return list(walk(root))

        async def main(root):
            await asyncio.to_thread(walk, root)
            await asyncio.to_thread(names, root)
        """
    [diagnostic] = lint_snippet(textwrap.dedent(source), select="ASY112")
    assert diagnostic.line == 12
    assert "is a generator function" in diagnostic.message


def test_host_offloaders_shipped_and_configured():
    source = """
        from homeassistant.core import HomeAssistant
        from myhost import Host

        async def refresh():
            return 1

        async def async_setup(hass: HomeAssistant, host: Host):
            await hass.async_add_executor_job(refresh)
            await host.run_blocking(refresh)
        """
    assert codes(source, select="ASY112") == [("ASY112", 9)]
    assert codes(source, select="ASY112", extend_offloaders=("myhost.Host.run_blocking",)) == [
        ("ASY112", 9),
        ("ASY112", 10),
    ]


# -- fixes that must not be offered ----------------------------------------------------------------
def test_no_offload_for_lazy_iterators_or_sqlite3():
    source = textwrap.dedent(
        """
        import os, sqlite3
        from pathlib import Path

        async def scan(root, db):
            for entry in os.walk(root):
                pass
            list(Path(root).glob("*.py"))
            conn = sqlite3.connect(db)
            conn.execute("select 1")
        """
    )
    diagnostics = lint_snippet(source, select=BLOCKING)
    assert [(d.code, d.line) for d in diagnostics] == [("ASY103", 6), ("ASY103", 8), ("ASY105", 9), ("ASY105", 10)]
    assert all(d.fix is None for d in diagnostics)
    assert fix_snippet(source, select=BLOCKING, unsafe=True) == source


def test_transitive_fix_not_offered_for_a_generator_function():
    source = textwrap.dedent(
        """
        import os

        def files(root):
            yield from os.listdir(root)

        def count(root):
            return len(os.listdir(root))

        async def main(root):
            for name in files(root):
                print(name)
            count(root)
        """
    )
    diagnostics = lint_snippet(source, select="ASY110")
    assert [(d.line, d.fix is not None) for d in diagnostics] == [(11, False), (13, True)]


def test_offloading_a_generator_function_runs_nothing_in_the_thread():
    """Why ASY112 reports it and no fix offers it: the body runs where it is iterated."""
    loop_thread: list[int] = []
    body_threads: list[int] = []

    def numbers():
        body_threads.append(threading.get_ident())
        yield 1

    async def main():
        loop_thread.append(threading.get_ident())
        generator = await asyncio.to_thread(numbers)
        assert body_threads == []  # the thread only created the generator
        assert list(generator) == [1]

    asyncio.run(main())
    assert body_threads == loop_thread


def test_offloading_sqlite3_calls_breaks_them():
    """Why no offload fix is offered for sqlite3: the connection is bound to its thread."""

    async def main():
        conn = sqlite3.connect(":memory:")
        with pytest.raises(sqlite3.ProgrammingError):
            await asyncio.to_thread(conn.execute, "select 1")
        conn.close()

    asyncio.run(main())


def test_offloading_an_iterator_call_leaves_the_work_on_the_loop(tmp_path):
    """Why `os.walk` gets no offload fix: `to_thread(os.walk, d)` returns before walking."""
    (tmp_path / "a").mkdir()
    visited_in: list[int] = []

    async def main():
        walker = await asyncio.to_thread(lambda: _tracking_walk(tmp_path, visited_in))
        assert visited_in == []
        list(walker)
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert visited_in and set(visited_in) == {loop_thread}


def _tracking_walk(root, visited_in):
    import os

    for entry in os.walk(root):
        visited_in.append(threading.get_ident())
        yield entry


def test_transitive_chain_ends_at_calls_that_do_not_block():
    source = """
        import socket

        def _source_ip(target):
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.connect(("gateway.example.com", 80))
            return probe.getsockname()[0]

        def local_ip():
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.setblocking(False)
            probe.connect(("8.8.8.8", 80))
            return probe.getsockname()[0]

        async def describe():
            return local_ip(), _source_ip("example.com")
        """
    assert codes(source, select="ASY110") == [("ASY110", 16)]


def test_udp_connect_waits_only_for_a_host_name_literal():
    source = """
        import socket

        def route_to(host, port):
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.connect((host, port))
            return probe.getsockname()[0]

        async def addresses(host):
            route_to(host, 80)
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.connect(("time.example.com", 123))
        """
    assert codes(source) == [("ASY104", 12)]


GUARDED_LOOKUP = """
    import socket

    class Directory:
        def find(self, host=None, port=None, name=None):
            if host and port:
                if host == "localhost":
                    host = socket.gethostbyname(host)
                name = f"{host}:{port}"
            return self.entries.get(name)

    class Client:
        def lookup(self, host=None, port=None, name=None):
            return self.directory.find(host, port, name)

        def __init__(self):
            self.directory = Directory()

        async def by_name(self, name):
            return self.lookup(name=name)

        async def by_address(self, host, port):
            return self.lookup(host, port)

        async def by_default(self):
            return self.lookup(None, None, "primary")
    """


def test_transitive_chain_that_the_arguments_turn_off_is_quiet():
    # `lookup(name=...)` leaves host and port at None, which `find` passes on to `if host and
    # port:`: the lookup cannot happen. With a host and port it can.
    found = lint_snippet(textwrap.dedent(GUARDED_LOOKUP), select="ASY110")
    assert [(d.line, d.message.split(":", 1)[1].split(";")[0].strip()) for d in found] == [
        (23, "lookup → find → socket.gethostbyname")
    ]


def test_early_return_on_a_missing_argument_turns_the_chain_off():
    source = """
        import requests

        def refresh(url=None):
            if url is None:
                return {}
            return requests.get(url).json()

        async def handler(url):
            refresh()
            refresh(None)
            refresh(url)
        """
    assert codes(source, select="ASY110") == [("ASY110", 12)]


def test_transitive_chain_does_not_go_through_memoized_functions_or_imports():
    source = """
        import functools, importlib, ssl

        @functools.cache
        def _shared_context():
            context = ssl.create_default_context()
            context.set_default_verify_paths()
            return context

        def client_context():
            return _shared_context()

        def backend(name):
            return importlib.import_module("drivers." + name)

        def fresh_context():
            return ssl.create_default_context()

        async def connect(name):
            client_context()
            backend(name)
            fresh_context()
        """
    assert codes(source, select="ASY110") == [("ASY110", 22)]


def test_numeric_literals_of_every_form_are_read_without_error():
    source = """
        import queue, time

        def pack(flags=0x40, mask=0b1, size=1_000):
            if flags:
                time.sleep(0x0)
            return mask

        async def handler():
            pack(0x7)
            pack(0o0, 0_0)
            queue.Queue(maxsize=0x10).put(1)
        """
    found = lint_snippet(textwrap.dedent(source), select=BLOCKING)
    assert [(d.code, d.line) for d in found] == [("ASY110", 10), ("ASY106", 12)]


def test_transitive_chain_does_not_go_through_functions_that_run_in_a_thread():
    source = """
        from pathlib import Path
        from textual import work

        class Tree:
            @work(thread=True)
            def load(self, root: Path):
                return list(root.iterdir())

            def load_here(self, root: Path):
                return list(root.iterdir())

            async def reload(self, root: Path):
                await self.load(root).wait()
                self.load_here(root)
        """
    assert codes(source, select="ASY110") == [("ASY110", 15)]


# A helper that dispatches on its argument's type reaches the blocking call only for one type.
MEDIA_DISPATCH = """
    import os
    from pathlib import Path

    class LocalFile: ...
    class RemotePhoto: ...

    def sniff_kind(path):
        with open(path, "rb") as handle:
            return handle.read(8)

    def to_attachment(item, *, caption=""):
        if isinstance(item, RemotePhoto):
            return {"photo": item, "caption": caption}
        if isinstance(item, (LocalFile, os.PathLike)):
            return {"file": item, "kind": sniff_kind(item)}
        return None

    def attach_path(item):
        if not isinstance(item, str):
            return to_attachment(item)
        return {"kind": sniff_kind(item)}
"""


def test_branch_for_one_argument_type_is_not_followed_for_an_argument_of_unknown_type():
    # The server's reply is some media object: whether `to_attachment` ever reaches the file read
    # depends on its type, which nothing here tells. Staying quiet is the honest answer.
    source = MEDIA_DISPATCH + """
    async def forward(reply, caption):
        return to_attachment(reply.photo, caption=caption)
    """
    assert codes(source, select="ASY110") == []


def test_branch_for_one_argument_type_is_followed_for_an_argument_known_to_have_it():
    # A string path never passes `isinstance(item, str)` negatively: the read runs on the loop.
    # Nor does a literal pass `isinstance(item, (LocalFile, os.PathLike))`, so that branch is off.
    source = MEDIA_DISPATCH + """
    async def upload_report():
        return attach_path("report.pdf")

    async def upload_nothing():
        return to_attachment("report.pdf")
    """
    found = lint_snippet(textwrap.dedent(source), select="ASY110")
    assert [(d.line, d.message.split(":", 1)[1].split(";")[0].strip()) for d in found] == [
        (25, "attach_path → sniff_kind → builtins.open")
    ]


def test_early_return_on_the_type_of_a_constant_argument_turns_the_chain_off():
    source = """
        from pathlib import Path

        def load_blob(source):
            if isinstance(source, (bytes, bytearray)):
                return bytes(source)
            return Path(source).read_bytes()

        async def handler(name):
            load_blob(b"inline payload")
            load_blob("fallback.bin")
            load_blob(name)
        """
    # Only the bytes literal certainly returns early; a name of unknown type falls through to the read.
    assert codes(source, select="ASY110") == [("ASY110", 11), ("ASY110", 12)]


def test_type_test_on_a_local_read_from_the_parameter_is_a_test_on_the_parameter():
    # The file is opened only for a path-like part; what the coroutine passes was turned into
    # bytes in a thread just before, and nothing says which type it has now.
    source = """
        import asyncio, os

        def _to_bytes(spec):
            with open(spec, "rb") as handle:
                return handle.read()

        def body_of(spec):
            part = spec[1] if isinstance(spec, tuple) else spec
            if isinstance(part, os.PathLike):
                return _to_bytes(part)
            return part

        def body_with_fallback(spec):
            part = spec[1] if isinstance(spec, tuple) else spec
            if part is None:
                return b""
            return _to_bytes(part)

        async def send(spec):
            spec = await asyncio.to_thread(_to_bytes, spec)
            body_of(spec)
            body_with_fallback(spec)
        """
    # A test that is not about the type (`part is None`) leaves the chain as it was.
    assert codes(source, select="ASY110") == [("ASY110", 23)]
