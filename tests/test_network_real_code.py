"""ASY400/ASY402/ASY403/ASY405 on shapes real projects have (from the labeled corpus findings and
from projects' fixed bugs, in our own words): sessions whose requests bring their own bounds,
sessions made per event, HTTP/2 clients that negotiate ALPN themselves, connect deadlines set by
callers in other modules."""

from __future__ import annotations

import json
import textwrap

import pytest
from conftest import lint_snippet, run_cli


def marked(source: str) -> list[int]:
    return [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# !" in line]


def lines(source: str, code: str) -> list[int]:
    return [d.line for d in lint_snippet(source, select=code)]


# -- ASY400: every request on the session brings its own bound ----------------------------------
BOUNDED_SESSIONS = """
import asyncio

import aiohttp
from aiohttp import ClientSession, ClientTimeout


class BotSession:
    # The session is created by a method and stored; every request passes timeout=.
    def __init__(self, timeout=60):
        self._session = None
        self.timeout = timeout

    async def create_session(self):
        if self._session is None or self._session.closed:
            self._session = ClientSession(headers={"User-Agent": "bot"})
        return self._session

    async def close(self):
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def call(self, url, form, timeout=None):
        session = await self.create_session()
        async with session.post(url, data=form, timeout=self.timeout if timeout is None else timeout) as r:
            return await r.json()

    async def download(self, url, timeout=30):
        session = await self.create_session()
        async with session.get(url, timeout=timeout) as r:
            return await r.read()


class Transport:
    # A factory method returns the session; the only request maps the caller's timeouts.
    def __init__(self, client=None):
        self.client = client

    def get_client(self):
        if callable(self.client):
            return self.client()
        if isinstance(self.client, ClientSession):
            return self.client
        return ClientSession()

    async def handle(self, request, timeouts):
        if not isinstance(self.client, ClientSession):
            self.client = self.get_client()
        return await self.client.request(
            request.method, request.url, timeout=ClientTimeout(sock_connect=timeouts["connect"], sock_read=timeouts["read"])
        )


class SocketMode:
    # Only a websocket with a heartbeat: a session timeout would bound just the handshake.
    def __init__(self):
        self.http = aiohttp.ClientSession()

    async def connect(self, url):
        self.ws = await self.http.ws_connect(url, heartbeat=10)


async def under_a_deadline(url):
    async with aiohttp.ClientSession() as session:
        async with asyncio.timeout(10):
            async with session.get(url) as response:
                return await response.text()
"""


def test_asy400_every_request_bounded():
    assert lines(BOUNDED_SESSIONS, "ASY400") == []


UNBOUNDED_SESSIONS = """
import aiohttp


class Client:
    def __init__(self):
        self._session = aiohttp.ClientSession()  # !

    async def status(self):
        async with self._session.get("http://device/status", timeout=5) as r:
            return await r.json()

    async def firmware(self):
        async with self._session.get("http://device/firmware") as r:
            return await r.read()


class Handed:
    async def start(self):
        self._session = aiohttp.ClientSession()  # !
        self.api = DeviceApi(self._session)


def make_session():
    return aiohttp.ClientSession()  # !


async def streamed(url, path):
    async with aiohttp.ClientSession() as session:  # !
        async with session.get(url) as response:
            async for chunk in response.content.iter_chunked(65536):
                path.write(chunk)


async def websocket_without_heartbeat(url):
    async with aiohttp.ClientSession() as session:  # !
        async with session.ws_connect(url) as ws:
            async for message in ws:
                print(message)
"""


def test_asy400_unbounded_requests_or_unknown_uses():
    assert lines(UNBOUNDED_SESSIONS, "ASY400") == marked(UNBOUNDED_SESSIONS)


def test_asy400_message_points_at_connect_and_read_bounds():
    [diagnostic] = lint_snippet("import aiohttp\nS = aiohttp.ClientSession()\n", select="ASY400")
    assert "ClientTimeout(sock_connect=..., sock_read=...)" in diagnostic.message


# -- ASY403: a session made once per event ------------------------------------------------------
PER_EVENT = """
import asyncio

import aiohttp
import httpx
from aiohttp import web

routes = web.RouteTableDef()


@routes.get("/proxy")
async def proxy(request):
    async with aiohttp.ClientSession() as session:  # !
        async with session.get("http://backend/") as response:
            return web.Response(body=await response.read())


async def on_message(message: "aiogram.types.Message"):
    session = aiohttp.ClientSession()  # !
    try:
        await session.post("http://hook/", json={"text": message.text})
    finally:
        await session.close()


async def webhook(request: web.Request):
    async with httpx.AsyncClient() as client:  # !
        await client.post("http://hook/", content=await request.read())


class Poller:
    async def poll(self):
        async with aiohttp.ClientSession() as session:  # !
            return await session.get("http://device/status")

    async def run(self):
        while True:
            await self.poll()
            await asyncio.sleep(10)
"""


def test_asy403_session_per_event():
    assert lines(PER_EVENT, "ASY403") == marked(PER_EVENT)


ONCE = """
import aiohttp
from aiohttp import web

routes = web.RouteTableDef()


class Lazy:
    @routes.get("/lazy")
    async def handle(self, request):
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return await self._session.get("http://x/")


@routes.get("/shared")
async def shared(request):
    return await request.app["session"].get("http://x/")


async def main():
    async with aiohttp.ClientSession() as session:
        return await session.get("http://x/")


async def fetch_once(url):
    async with aiohttp.ClientSession() as session:
        return await session.get(url)


async def with_retries(url):
    for attempt in range(3):
        try:
            return await fetch_once(url)
        except OSError:
            continue


@property
def not_a_handler(self):
    return aiohttp.ClientSession()
"""


def test_asy403_look_alikes():
    assert lines(ONCE, "ASY403") == []


START_AND_STOP = """
import asyncio

import aiohttp
import discord
from fastapi import FastAPI
from sanic import Sanic

app = FastAPI()
server = Sanic("svc")
bot = discord.Client()


@app.on_event("startup")
async def warm_up():
    async with aiohttp.ClientSession() as session:
        await session.get("http://backend/health")


@server.listener("before_server_start")
async def check_backend(app, loop):
    async with aiohttp.ClientSession() as session:
        await session.get("http://backend/health")


@bot.event
async def on_ready():
    async with aiohttp.ClientSession() as session:
        await session.post("http://hook/", json={"ready": True})


@bot.event
async def on_message(message):
    async with aiohttp.ClientSession() as session:  # !
        await session.post("http://hook/", json={"text": message.content})


@app.on_event("shutdown")
async def say_goodbye():
    async with aiohttp.ClientSession() as session:
        await session.post("http://hook/", json={"bye": True})


def make_client():
    return aiohttp.ClientSession()


class Service:
    async def prime(self):
        async with aiohttp.ClientSession() as session:
            self.config = await (await session.get("http://config/")).json()

    async def refresh(self):
        async with aiohttp.ClientSession() as session:  # !
            return await session.get("http://device/")

    async def run(self):
        await self.prime()
        client = make_client()
        while True:
            await client.get("http://x/")
            await self.refresh()
            await asyncio.sleep(10)
"""


def test_asy403_start_up_and_shutdown_hooks_and_once_called_helpers():
    """A hook for the application's start or stop runs once; a factory or a coroutine called once
    before the loop is not per event; the handler per message and the coroutine called in the
    loop are."""
    assert lines(START_AND_STOP, "ASY403") == marked(START_AND_STOP)


# -- ASY402: HTTP/2 clients that set ALPN themselves stay silent ---------------------------------
GRPC_AND_H2 = """
import ssl

import grpc
import httpx
import h2.connection


def grpc_channel(target, ca):
    credentials = grpc.ssl_channel_credentials(root_certificates=ca)
    return grpc.aio.secure_channel(target, credentials)


def httpx_http2(ca_file):
    context = ssl.create_default_context(cafile=ca_file)
    return httpx.AsyncClient(http2=True, verify=context)


async def raw_h2(loop, host):
    context = ssl.create_default_context()
    context.set_alpn_protocols(["h2", "http/1.1"])
    transport, protocol = await loop.create_connection(Protocol, host, 443, ssl=context)
    return h2.connection.H2Connection()
"""


def test_asy402_grpc_and_http2_clients_with_their_own_alpn():
    assert lines(GRPC_AND_H2, "ASY402") == []


# -- ASY405: a deadline set by the callers, in this module or in the modules that call it --------
DEADLINE_TREE = {
    "app/__init__.py": "",
    "app/compat.py": """
        import asyncio
        import sys

        if sys.version_info >= (3, 11):
            async def wait_for(awaitable, timeout):
                async with asyncio.timeout(timeout):
                    return await awaitable
        else:
            async def wait_for(awaitable, timeout):
                return await asyncio.wait_for(awaitable, timeout)


        async def traced(awaitable, label):
            return await awaitable
        """,
    "app/net.py": """
        import asyncio


        async def resolve(host):
            return await asyncio.get_running_loop().getaddrinfo(host, 443)


        async def open_link(host, port):
            return await asyncio.open_connection(host, port)


        async def dial(host, port):
            return await asyncio.open_connection(host, port)  # !


        async def _raw(host, port):
            return await asyncio.open_connection(host, port)  # !


        async def probe(host, port):
            return await _raw(host, port)


        async def _handshake(host, port):
            return await asyncio.open_connection(host, port)


        async def session(host, port):
            return await _handshake(host, port)
        """,
    "app/client.py": """
        import asyncio

        from app import net
        from app.compat import traced, wait_for
        from app.net import dial, open_link, probe, session


        async def lookup(host):
            async with asyncio.timeout(5):
                return await net.resolve(host)


        async def connect(host, port):
            return await wait_for(open_link(host, port), 10)


        async def connect_with_deadline(host, port):
            return await asyncio.wait_for(dial(host, port), timeout=10)


        async def connect_forever(host, port):
            return await dial(host, port)


        async def checked(host, port):
            return await traced(probe(host, port), "probe")


        async def login(host, port):
            async with asyncio.timeout(3):
                return await session(host, port)
        """,
}


def test_asy405_deadlines_set_in_the_calling_modules(write_tree):
    root = write_tree(DEADLINE_TREE)
    result = run_cli("--select", "ASY405", "--output-format", "json", "--no-cache", ".", cwd=root)
    found = sorted((item["path"], item["line"]) for item in json.loads(result.stdout))
    net = textwrap.dedent(DEADLINE_TREE["app/net.py"])
    assert found == [("app/net.py", line) for line in marked(net)]


def test_asy405_a_file_linted_alone_has_no_callers():
    """Without the modules that call it (flake8, an editor), nothing shows a deadline: reported."""
    assert lines(textwrap.dedent(DEADLINE_TREE["app/net.py"]).replace("  # !", ""), "ASY405") == [6, 10, 14, 18, 26]


PLUGIN = """
import asyncio
import socket

from tornado import netutil
from tornado.tcpclient import TCPClient


async def _lookup(host, port):
    return await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)


class LoopResolver(netutil.Resolver):
    async def resolve(self, host, port, family=socket.AF_UNSPEC):
        return [(info[0], info[4]) for info in await _lookup(host, port)]


class Connector:
    client = TCPClient(resolver=LoopResolver())

    async def connect(self, host, port):
        return await self.client.connect(host, port)
"""


def test_asy405_library_plugin_runs_under_the_library_callers_deadline(write_tree):
    """A resolver handed to tornado's client is run by tornado inside `connect`, which the
    project bounds; the project never calls it itself."""
    root = write_tree({"svc/__init__.py": "", "svc/transport.py": PLUGIN})
    result = run_cli("--select", "ASY405", "--output-format", "json", "--no-cache", ".", cwd=root)
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    "change",
    [
        # the project also calls the helper itself, without a deadline
        PLUGIN + "\n\nasync def warm(host):\n    return await _lookup(host, 80)\n",
        # the project calls the plug-in's method itself
        PLUGIN + "\n\nasync def warm(host):\n    return await LoopResolver().resolve(host, 80)\n",
        # kept in a variable, not only handed to the library
        PLUGIN.replace("TCPClient(resolver=LoopResolver())", "LoopResolver()"),
        # a base class of the project's own: the project is who calls it
        PLUGIN.replace("netutil.Resolver", "Base").replace(
            "class LoopResolver", "class Base:\n    pass\n\n\nclass LoopResolver"
        ),
    ],
)
def test_asy405_library_plugin_look_alikes_stay_reported(change, write_tree):
    root = write_tree({"svc/__init__.py": "", "svc/transport.py": change})
    result = run_cli("--select", "ASY405", "--output-format", "json", "--no-cache", ".", cwd=root)
    assert [item["line"] for item in json.loads(result.stdout)] == [10]


def test_asy405_library_plugin_method_name_shared_by_calls_that_cannot_bind_to_it(write_tree):
    """Another module awaits `.resolve()` on a value of unknown type (an async path) with no
    argument, or with a keyword the plug-in's method lacks: neither call can run
    `resolve(self, host, port)`, so the plug-in stays the library's."""
    paths = (
        "async def canonical(item):\n    full = await item.location.resolve()\n    return str(full)\n\n\n"
        "async def strict(item):\n    full = await item.location.resolve(strict=True)\n    return str(full)\n"
    )
    root = write_tree({"svc/__init__.py": "", "svc/transport.py": PLUGIN, "svc/files.py": paths})
    result = run_cli("--select", "ASY405", "--output-format", "json", "--no-cache", ".", cwd=root)
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    "call",
    ["resolver.resolve(host, port)", "resolver.resolve(host, port=port)", "resolver.resolve(*address)"],
)
def test_asy405_a_call_that_may_bind_to_the_plugin_method_keeps_it_reported(call, write_tree):
    """An unknown object's `.resolve(...)` whose arguments fit the plug-in's method may be the
    project calling the plug-in itself, without a deadline: still reported."""
    caller = f"async def lookup(resolver, host, port, address):\n    found = await {call}\n    return list(found)\n"
    root = write_tree({"svc/__init__.py": "", "svc/transport.py": PLUGIN, "svc/lookups.py": caller})
    result = run_cli("--select", "ASY405", "--output-format", "json", "--no-cache", ".", cwd=root)
    assert [(item["path"], item["line"]) for item in json.loads(result.stdout)] == [("svc/transport.py", 10)]
