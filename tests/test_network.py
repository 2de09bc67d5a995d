"""Network client rules ASY400–ASY407: positives, look-alikes that must stay quiet, exact fixes."""

from __future__ import annotations

import json
import textwrap

import pytest
from conftest import codes_and_lines, fix_snippet, lint_snippet, run_cli

NETWORK = "ASY400,ASY401,ASY402,ASY403,ASY404,ASY405,ASY406,ASY407"


def reported(source: str, code: str, **settings) -> list[int]:
    return [line for found, line in codes_and_lines(source, select=code, **settings) if found == code]


def fixed(source: str, code: str, **settings) -> str:
    return fix_snippet(source, select=code, unsafe=True, **settings)


def assert_fix(source: str, expected: str, code: str, **settings) -> None:
    expected = textwrap.dedent(expected)
    result = fixed(source, code, **settings)
    assert result == expected
    # Idempotent: a second run changes nothing and the finding is gone.
    assert fixed(result, code, **settings) == result
    assert reported(result, code, **settings) == []


# -- ASY400 --------------------------------------------------------------------------------------
ASY400_POSITIVES = [
    """
    import aiohttp

    async def fetch(url):
        async with aiohttp.ClientSession() as session:  # here
            return await session.get(url)
    """,
    """
    from aiohttp import ClientSession

    async def fetch(url):
        async with ClientSession(headers={"User-Agent": "sdk"}) as session:  # here
            return await session.get(url)
    """,
    """
    import aiohttp as ah

    class Client:
        async def start(self):
            self.session = ah.ClientSession(raise_for_status=True)  # here
    """,
    """
    from aiohttp.client import ClientSession as Session

    def make():
        return Session()  # here
    """,
    # one request of the session relies on the session's default
    """
    import aiohttp

    async def sync(url):
        async with aiohttp.ClientSession() as session:  # here
            await session.post(url, json={}, timeout=aiohttp.ClientTimeout(sock_connect=5, sock_read=5))
            return await session.get(url)
    """,
]

ASY400_NEGATIVES = [
    # timeout given, directly or as a variable
    """
    import aiohttp

    async def fetch(url):
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            return await session.get(url)
    """,
    """
    import aiohttp

    TIMEOUT = aiohttp.ClientTimeout(total=10)

    async def fetch(url, timeout=TIMEOUT):
        async with aiohttp.ClientSession(timeout=timeout) as session:
            return await session.get(url)
    """,
    # timeout possibly given through **kwargs
    """
    import aiohttp

    def make(**options):
        return aiohttp.ClientSession(**options)
    """,
    """
    import aiohttp

    def make(settings):
        return aiohttp.ClientSession(base_url="https://api.example.com/", **settings.session_kwargs)
    """,
    # aiohttp's deprecated spellings still set a timeout
    """
    import aiohttp

    def make():
        return aiohttp.ClientSession(read_timeout=10, conn_timeout=3)
    """,
    # httpx defaults to 5 s
    """
    import httpx

    async def fetch(url):
        async with httpx.AsyncClient() as client:
            return await client.get(url)
    """,
    # a local class that happens to be called ClientSession
    """
    class ClientSession:
        pass

    def make():
        return ClientSession()
    """,
    # a parameter shadows the module
    """
    def make(aiohttp):
        return aiohttp.ClientSession()
    """,
    # every request of a local session sets its own timeout
    """
    import aiohttp

    async def fetch(url):
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, timeout=aiohttp.ClientTimeout(sock_connect=5, sock_read=5)) as response,
        ):
            return await response.read()
    """,
    """
    import aiohttp

    async def fetch(url, timeout):
        session = aiohttp.ClientSession()
        try:
            return await session.get(url, timeout=timeout)
        finally:
            await session.close()
    """,
]


@pytest.mark.parametrize("source", ASY400_POSITIVES)
def test_asy400_reports_session_without_timeout(source):
    expected = [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# here" in line]
    assert reported(source, "ASY400") == expected


@pytest.mark.parametrize("source", ASY400_NEGATIVES)
def test_asy400_look_alikes(source):
    assert reported(source, "ASY400") == []


def test_asy400_message_names_the_callee_and_function():
    [diagnostic] = lint_snippet(ASY400_POSITIVES[0], select="ASY400")
    assert "`aiohttp.ClientSession()` in `fetch()`" in diagnostic.message
    [module_level] = lint_snippet("import aiohttp\nSESSION = aiohttp.ClientSession()\n", select="ASY400")
    assert "`aiohttp.ClientSession()` at module level has no `timeout=`" in module_level.message
    assert "5 minutes" in diagnostic.message
    assert diagnostic.fix is not None and diagnostic.fix.applicability == "unsafe"


def test_asy400_fix_module_import():
    assert_fix(
        """
        import aiohttp

        async def fetch(url):
            async with aiohttp.ClientSession() as session:
                return await session.get(url)
        """,
        """
        import aiohttp

        async def fetch(url):
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(sock_connect=30, sock_read=30)) as session:
                return await session.get(url)
        """,
        "ASY400",
    )


def test_asy400_fix_uses_imported_client_timeout_and_config_seconds():
    assert_fix(
        """
        from aiohttp import ClientSession, ClientTimeout

        def make(headers):
            return ClientSession(headers=headers)
        """,
        """
        from aiohttp import ClientSession, ClientTimeout

        def make(headers):
            return ClientSession(headers=headers, timeout=ClientTimeout(sock_connect=12.5, sock_read=12.5))
        """,
        "ASY400",
        default_timeout=12.5,
    )


def test_asy400_fix_adds_import_when_only_the_session_is_imported():
    assert_fix(
        """
        from aiohttp import ClientSession

        def make():
            return ClientSession()
        """,
        """
        from aiohttp import ClientSession
        import aiohttp

        def make():
            return ClientSession(timeout=aiohttp.ClientTimeout(sock_connect=5, sock_read=5))
        """,
        "ASY400",
        default_timeout=5.0,
    )


def test_asy400_fix_alias_and_multiline_call():
    assert_fix(
        """
        import aiohttp as ah

        def make(headers):
            return ah.ClientSession(
                headers=headers,
                raise_for_status=True,  # fail loudly
            )
        """,
        """
        import aiohttp as ah

        def make(headers):
            return ah.ClientSession(
                headers=headers,
                raise_for_status=True,  # fail loudly
                timeout=ah.ClientTimeout(sock_connect=30, sock_read=30),
            )
        """,
        "ASY400",
    )


def test_asy400_fix_single_argument_with_trailing_comma():
    assert_fix(
        """
        import aiohttp

        def make(connector):
            return aiohttp.ClientSession(
                connector=connector,
            )
        """,
        """
        import aiohttp

        def make(connector):
            return aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(sock_connect=30, sock_read=30),
            )
        """,
        "ASY400",
    )


# -- ASY401 --------------------------------------------------------------------------------------
ASY401_POSITIVES = [
    """
    import aiohttp

    TIMEOUT = aiohttp.ClientTimeout(total=None)  # here
    """,
    """
    from aiohttp import ClientTimeout

    TIMEOUT = ClientTimeout()  # here
    """,
    """
    import aiohttp

    TIMEOUT = aiohttp.ClientTimeout(None, sock_read=None)  # here
    """,
    """
    import httpx

    client = httpx.AsyncClient(timeout=None)  # here
    """,
    """
    import httpx

    def get(url):
        return httpx.get(url, timeout=None)  # here
    """,
    """
    import httpx

    async def get(url):
        async with httpx.AsyncClient() as client:
            return await client.get(url, timeout=None)  # here
    """,
    """
    import httpx

    TIMEOUT = httpx.Timeout(None)  # here
    """,
    """
    import aiohttp

    async def stream(session: aiohttp.ClientSession, url):
        return await session.get(url, timeout=None)  # here
    """,
    """
    import asyncio

    async def wait(event):
        await asyncio.wait_for(event.wait(), None)  # here
        await asyncio.wait_for(event.wait(), timeout=None)  # here
    """,
    """
    import asyncio

    async def wait(event):
        async with asyncio.timeout(None):  # here
            await event.wait()
    """,
]

ASY401_NEGATIVES = [
    """
    import aiohttp

    A = aiohttp.ClientTimeout(total=None, sock_read=30)
    B = aiohttp.ClientTimeout(total=60)
    C = aiohttp.ClientTimeout(None, 5)
    D = aiohttp.ClientTimeout(**settings)
    """,
    """
    import httpx

    A = httpx.AsyncClient(timeout=10)
    B = httpx.Timeout(None, connect=5.0)
    C = httpx.AsyncClient()
    """,
    """
    import asyncio

    async def wait(event, timeout=None):
        await asyncio.wait_for(event.wait(), timeout)
        await asyncio.wait_for(event.wait(), 5)
    """,
    # the documented way to set a deadline later
    """
    import asyncio

    async def wait(event, loop):
        async with asyncio.timeout(None) as cm:
            cm.reschedule(loop.time() + 10)
            await event.wait()
    """,
    # unrelated `timeout=None`
    """
    def get(cache, key):
        return cache.get(key, timeout=None)
    """,
]


@pytest.mark.parametrize("source", ASY401_POSITIVES)
def test_asy401_reports_disabled_timeouts(source):
    expected = [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# here" in line]
    assert reported(source, "ASY401") == expected


@pytest.mark.parametrize("source", ASY401_NEGATIVES)
def test_asy401_look_alikes(source):
    assert reported(source, "ASY401") == []


def test_asy401_is_opt_in():
    source = "import httpx\nclient = httpx.AsyncClient(timeout=None)\n"
    assert [code for code, _ in codes_and_lines(source)] == []
    assert [code for code, _ in codes_and_lines(source, select="ASY4")] == []
    assert [code for code, _ in codes_and_lines(source, select="ASY401")] == ["ASY401"]


# -- ASY402 --------------------------------------------------------------------------------------
H2_CLIENT = """
import asyncio
import ssl

import h2.connection


async def connect(host):
    context = ssl.create_default_context()
    context.load_verify_locations("ca.pem")
    reader, writer = await asyncio.open_connection(host, 443, ssl=context, server_hostname=host)  # here
    connection = h2.connection.H2Connection()
    connection.initiate_connection()
    writer.write(connection.data_to_send())
    return reader, writer, connection
"""


def test_asy402_reports_h2_over_context_without_alpn():
    expected = [n for n, line in enumerate(textwrap.dedent(H2_CLIENT).splitlines(), 1) if "# here" in line]
    assert reported(H2_CLIENT, "ASY402") == expected
    [diagnostic] = lint_snippet(H2_CLIENT, select="ASY402")
    assert "`context`" in diagnostic.message and "set_alpn_protocols" in diagnostic.message


@pytest.mark.parametrize(
    "source",
    [
        # module-level context, loop.create_connection, from-import of H2Connection
        """
        import asyncio
        import ssl
        from h2.connection import H2Connection

        CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

        async def connect(protocol_factory, host):
            loop = asyncio.get_running_loop()
            return await loop.create_connection(protocol_factory, host, 443, ssl=CONTEXT)  # here

        def make_connection():
            return H2Connection()
        """,
        # sync h2 with wrap_socket
        """
        import socket
        import ssl
        import h2.connection

        def connect(host):
            ctx = ssl.create_default_context()
            sock = ctx.wrap_socket(socket.create_connection((host, 443)), server_hostname=host)  # here
            return sock, h2.connection.H2Connection()
        """,
    ],
)
def test_asy402_other_handshakes(source):
    expected = [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# here" in line]
    assert reported(source, "ASY402") == expected


ASY402_NEGATIVES = [
    # ALPN set (in the same function, or from another function on a module-level context)
    H2_CLIENT.replace('context.load_verify_locations("ca.pem")', 'context.set_alpn_protocols(["h2"])'),
    """
    import asyncio
    import ssl
    import h2.connection

    CONTEXT = ssl.create_default_context()

    def configure():
        CONTEXT.set_alpn_protocols(["h2"])

    async def connect(host):
        reader, writer = await asyncio.open_connection(host, 443, ssl=CONTEXT)
        return reader, writer, h2.connection.H2Connection()
    """,
    # HTTP/1.1 only: the module does not speak h2
    H2_CLIENT.replace("import h2.connection", "").replace("h2.connection.H2Connection()", "None"),
    # handed to a helper that may set ALPN
    H2_CLIENT.replace('context.load_verify_locations("ca.pem")', "configure_tls(context)"),
    # returned: the caller owns it
    """
    import ssl
    import h2.connection

    def make_context():
        context = ssl.create_default_context()
        return context

    def make_connection():
        return h2.connection.H2Connection()
    """,
    # httpx negotiates ALPN itself (httpcore sets it on the context at every connect)
    """
    import ssl
    import httpx
    import h2.connection

    def make_client():
        context = ssl.create_default_context()
        return httpx.AsyncClient(http2=True, verify=context)
    """,
    # the context is not a name bound once
    """
    import asyncio
    import ssl
    import h2.connection

    async def connect(host, strict):
        context = ssl.create_default_context()
        if not strict:
            context = make_lenient()
        reader, writer = await asyncio.open_connection(host, 443, ssl=context)
        return h2.connection.H2Connection()
    """,
]


@pytest.mark.parametrize("source", ASY402_NEGATIVES)
def test_asy402_look_alikes(source):
    assert reported(source, "ASY402") == []


def test_asy402_fix_inserts_alpn_after_creation():
    expected = H2_CLIENT.replace(
        "    context = ssl.create_default_context()\n",
        '    context = ssl.create_default_context()\n    context.set_alpn_protocols(["h2"])\n',
    )
    assert_fix(H2_CLIENT, expected, "ASY402")


def test_asy402_fix_at_module_level_keeps_comment():
    assert_fix(
        """
        import asyncio
        import ssl
        from h2.connection import H2Connection

        CONTEXT = ssl.create_default_context()  # shared by every connection
        TIMEOUT = 5

        async def connect(host):
            reader, writer = await asyncio.open_connection(host, 443, ssl=CONTEXT)
            return reader, writer, H2Connection()
        """,
        """
        import asyncio
        import ssl
        from h2.connection import H2Connection

        CONTEXT = ssl.create_default_context()  # shared by every connection
        CONTEXT.set_alpn_protocols(["h2"])
        TIMEOUT = 5

        async def connect(host):
            reader, writer = await asyncio.open_connection(host, 443, ssl=CONTEXT)
            return reader, writer, H2Connection()
        """,
        "ASY402",
    )


# -- ASY403 --------------------------------------------------------------------------------------
ASY403_POSITIVES = [
    """
    import aiohttp

    async def crawl(urls):
        pages = []
        for url in urls:
            async with aiohttp.ClientSession() as session:  # here
                async with session.get(url) as response:
                    pages.append(await response.text())
        return pages
    """,
    """
    import httpx

    async def poll(queue):
        while True:
            job = await queue.get()
            client = httpx.AsyncClient()  # here
            await client.post(job.url, json=job.payload)
            await client.aclose()
    """,
    """
    import aiohttp

    async def fetch_all(urls):
        return [await aiohttp.ClientSession().get(url) for url in urls]  # here
    """,
    """
    import httpx

    def sync_all(urls):
        results = []
        async_urls = []
        for url in urls:
            with httpx.Client() as client:  # here
                results.append(client.get(url).json())
        return results
    """,
]

ASY403_NEGATIVES = [
    # one session, used in the loop
    """
    import aiohttp

    async def crawl(urls):
        async with aiohttp.ClientSession() as session:
            for url in urls:
                async with session.get(url) as response:
                    await response.text()
    """,
    # a session per host, kept for reuse
    """
    import aiohttp

    async def open_all(hosts):
        sessions = {}
        for host in hosts:
            sessions[host] = aiohttp.ClientSession(base_url=host)
        return sessions
    """,
    """
    import aiohttp

    async def open_all(hosts, pool):
        for host in hosts:
            session = aiohttp.ClientSession(base_url=host)
            pool.append(session)
    """,
    """
    import aiohttp

    def clients(hosts):
        return {host: aiohttp.ClientSession(base_url=host) for host in hosts}
    """,
    # lazily created once
    """
    import aiohttp

    async def crawl(urls):
        session = None
        for url in urls:
            if session is None:
                session = aiohttp.ClientSession()
            await session.get(url)
    """,
    # retry loop: leaves after success
    """
    import aiohttp

    async def fetch(url):
        for attempt in range(3):
            try:
                async with aiohttp.ClientSession() as session:
                    async with session.get(url) as response:
                        return await response.json()
            except aiohttp.ClientError:
                continue
    """,
    # reconnect loop around a long-lived stream
    """
    import asyncio
    import aiohttp

    async def listen(url, handle):
        while True:
            try:
                async with aiohttp.ClientSession() as session:
                    async with session.ws_connect(url) as ws:
                        async for message in ws:
                            handle(message)
            except aiohttp.ClientError:
                await asyncio.sleep(5)
    """,
    # a loop that encloses a whole nested function
    """
    import aiohttp

    def handlers(routes):
        for route in routes:
            async def handler(request):
                async with aiohttp.ClientSession() as session:
                    return await session.get(route)
            yield handler
    """,
    # passed on: whoever receives it may keep it
    """
    import aiohttp

    async def start(workers):
        for worker in workers:
            worker.attach(aiohttp.ClientSession())
    """,
]


@pytest.mark.parametrize("source", ASY403_POSITIVES)
def test_asy403_reports_session_per_iteration(source):
    expected = [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# here" in line]
    assert reported(source, "ASY403") == expected


@pytest.mark.parametrize("source", ASY403_NEGATIVES)
def test_asy403_look_alikes(source):
    assert reported(source, "ASY403") == []


# -- ASY404 --------------------------------------------------------------------------------------
ASY404_POSITIVES = [
    """
    import aiohttp

    async def fetch(url):
        session = aiohttp.ClientSession()  # here
        async with session.get(url) as response:
            return await response.text()
    """,
    """
    import httpx

    async def fetch(url):
        client = httpx.AsyncClient(base_url=url)  # here
        response = await client.get("/")
        if client.is_closed:
            raise RuntimeError
        return response.json()
    """,
    """
    import aiohttp

    async def fetch(url):
        # the connector was meant for the session, which builds its own instead
        connector = aiohttp.TCPConnector(limit=10)  # here
        async with aiohttp.ClientSession() as session:
            return await session.get(url)
    """,
]

ASY404_NEGATIVES = [
    """
    import aiohttp

    async def fetch(url):
        async with aiohttp.ClientSession() as session:
            return await session.get(url)
    """,
    """
    import aiohttp

    async def fetch(url):
        session = aiohttp.ClientSession()
        async with session:
            return await session.get(url)
    """,
    """
    import aiohttp

    async def fetch(url):
        session = aiohttp.ClientSession()
        try:
            return await session.get(url)
        finally:
            await session.close()
    """,
    """
    import httpx

    async def fetch(url):
        client = httpx.AsyncClient()
        try:
            return await client.get(url)
        finally:
            await client.aclose()
    """,
    # returned, stored, passed on
    """
    import aiohttp

    def make():
        session = aiohttp.ClientSession()
        return session
    """,
    """
    import aiohttp

    class Api:
        async def start(self):
            session = aiohttp.ClientSession()
            self.session = session
    """,
    """
    import aiohttp

    async def make():
        connector = aiohttp.TCPConnector(limit=10)
        return aiohttp.ClientSession(connector=connector)
    """,
    """
    import aiohttp
    import contextlib

    async def run(stack: contextlib.AsyncExitStack):
        session = aiohttp.ClientSession()
        await stack.enter_async_context(session)
    """,
    """
    import aiohttp

    async def serve(app):
        session = aiohttp.ClientSession()
        app.on_cleanup.append(lambda _: session.close())
    """,
    # module level and attributes live as long as the program
    """
    import aiohttp

    SESSION = aiohttp.ClientSession()

    class Api:
        def __init__(self):
            self._session = aiohttp.ClientSession()
    """,
    # yielded (a fixture or async generator owns it)
    """
    import aiohttp

    async def session_fixture():
        session = aiohttp.ClientSession()
        yield session
        await session.close()
    """,
]


@pytest.mark.parametrize("source", ASY404_POSITIVES)
def test_asy404_reports_unclosed_clients(source):
    expected = [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# here" in line]
    assert reported(source, "ASY404") == expected


@pytest.mark.parametrize("source", ASY404_NEGATIVES)
def test_asy404_look_alikes(source):
    assert reported(source, "ASY404") == []


def test_asy404_message_says_how_to_close():
    [diagnostic] = lint_snippet(ASY404_POSITIVES[1], select="ASY404")
    assert "`client`" in diagnostic.message and "await client.aclose()" in diagnostic.message


# -- ASY405 --------------------------------------------------------------------------------------
ASY405_POSITIVES = [
    """
    import asyncio

    async def connect(host, port):
        reader, writer = await asyncio.open_connection(host, port)  # here
        return reader, writer
    """,
    """
    import asyncio

    async def connect(path):
        return await asyncio.open_unix_connection(path)  # here
    """,
    """
    import asyncio

    async def connect(factory, host):
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_connection(factory, host, 443)  # here
        infos = await loop.getaddrinfo(host, 443)  # here
        return transport, infos
    """,
    """
    import asyncio

    async def connect(factory, host):
        return await asyncio.get_running_loop().create_connection(factory, host, 80)  # here
    """,
    """
    import asyncio

    class Client:
        def __init__(self, loop: asyncio.AbstractEventLoop):
            self._loop = loop

        async def connect(self, factory, host):
            return await self._loop.create_connection(factory, host, 80)  # here
    """,
]

ASY405_NEGATIVES = [
    """
    import asyncio

    async def connect(host, port):
        return await asyncio.wait_for(asyncio.open_connection(host, port), timeout=5)
    """,
    """
    import asyncio

    async def connect(host, port):
        async with asyncio.timeout(5):
            return await asyncio.open_connection(host, port)
    """,
    """
    import asyncio
    import async_timeout

    async def connect(host, port):
        async with async_timeout.timeout(5):
            return await asyncio.open_connection(host, port)
    """,
    """
    import asyncio
    import anyio

    async def connect(host, port):
        with anyio.fail_after(5):
            return await asyncio.open_connection(host, port)
    """,
    # the caller in this module bounds the helper
    """
    import asyncio

    class Connection:
        async def _open(self):
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

        async def connect(self):
            await asyncio.wait_for(self._open(), timeout=self.timeout)
    """,
    # not awaited here: handed to something else
    """
    import asyncio

    async def connect(host, port, tasks):
        tasks.append(asyncio.ensure_future(asyncio.open_connection(host, port)))
    """,
    # a local function named like asyncio's
    """
    async def open_connection(host, port):
        return host, port

    async def connect(host, port):
        return await open_connection(host, port)
    """,
]


@pytest.mark.parametrize("source", ASY405_POSITIVES)
def test_asy405_reports_unbounded_connects(source):
    expected = [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# here" in line]
    assert reported(source, "ASY405") == expected


@pytest.mark.parametrize("source", ASY405_NEGATIVES)
def test_asy405_look_alikes(source):
    assert reported(source, "ASY405") == []


def test_asy405_extend_timeout_contexts():
    source = """
    import asyncio
    from myproject.deadlines import deadline

    async def connect(host, port):
        async with deadline(5):
            return await asyncio.open_connection(host, port)
    """
    assert reported(source, "ASY405") == [7]
    assert reported(source, "ASY405", extend_timeout_contexts=("myproject.deadlines.deadline",)) == []


def test_asy405_fix_wraps_in_wait_for():
    assert_fix(
        """
        import asyncio

        async def connect(host, port, timeout):
            reader, writer = await asyncio.open_connection(host, port)
            return reader, writer
        """,
        """
        import asyncio

        async def connect(host, port, timeout):
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=timeout)
            return reader, writer
        """,
        "ASY405",
    )


def test_asy405_fix_adds_import_and_respects_alias():
    assert_fix(
        """
        from asyncio import open_connection

        async def connect(host, port, *, connect_timeout=10.0):
            return await open_connection(host, port)
        """,
        """
        from asyncio import open_connection
        import asyncio

        async def connect(host, port, *, connect_timeout=10.0):
            return await asyncio.wait_for(open_connection(host, port), timeout=connect_timeout)
        """,
        "ASY405",
        default_timeout=2.5,
    )
    assert_fix(
        """
        import asyncio as aio

        async def resolve(host, timeout=None):
            return await aio.get_running_loop().getaddrinfo(host, 443)
        """,
        """
        import asyncio as aio

        async def resolve(host, timeout=None):
            return await aio.wait_for(aio.get_running_loop().getaddrinfo(host, 443), timeout=timeout)
        """,
        "ASY405",
    )


def test_asy405_offers_no_fix_that_could_override_a_callers_deadline():
    # Without a timeout parameter the caller's deadline is unknown: any number written here could
    # cut a longer one short (a library's `open_timeout=60`), so the finding comes without a fix.
    [diagnostic] = lint_snippet(
        """
        import asyncio

        async def open_stream(host, port):
            return await asyncio.open_connection(host, port)
        """,
        select="ASY405",
    )
    assert diagnostic.fix is None
    # A timeout parameter that the function already uses is applied some other way: no fix either.
    [diagnostic] = lint_snippet(
        """
        import asyncio

        async def open_stream(host, port, timeout):
            log(timeout)
            return await asyncio.open_connection(host, port)
        """,
        select="ASY405",
    )
    assert diagnostic.fix is None


def test_asy405_deadline_two_calls_up_in_the_module():
    source = """
    import asyncio

    async def _proxy(host):
        return await asyncio.get_running_loop().create_connection(Protocol, host, 3128)

    class Connect:
        async def _open(self):
            return await _proxy(self.host)

        async def connect(self):
            async with asyncio.timeout(self.open_timeout):
                return await self._open()

    async def unbounded(host):
        return await asyncio.open_connection(host, 80)
    """
    assert reported(source, "ASY405") == [16]


# -- ASY406 --------------------------------------------------------------------------------------
ASY406_POSITIVES = [
    # the public CA bundle is no private trust anchor: any public certificate then passes
    """
    import ssl

    import certifi

    def public_bundle():
        context = ssl.create_default_context(cafile=certifi.where())
        context.check_hostname = False  # here
        return context

    def public_bundle_loaded():
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(certifi.where())
        context.check_hostname = False  # here
        return context
    """,
    """
    import aiohttp

    async def fetch(url):
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(sock_connect=5, sock_read=5)) as session:
            async with session.get(url, ssl=False) as response:  # here
                return await response.text()
    """,
    """
    import aiohttp

    def make():
        return aiohttp.TCPConnector(verify_ssl=False)  # here
    """,
    """
    import httpx

    client = httpx.AsyncClient(verify=False)  # here
    response = httpx.get("https://example.com", verify=False)  # here
    """,
    """
    import ssl

    def make_context():
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # here (one finding for the context, not two)
        return context
    """,
    # the option asks for verification and the branch switches it off: an inverted flag
    """
    import ssl

    def get_api(entry):
        kwargs = {}
        if entry["verify_ssl"]:
            ssl_context = ssl.create_default_context()
            ssl_context.check_hostname = False
            ssl_context.verify_mode = ssl.CERT_NONE  # here
            kwargs["ssl_wrapper"] = ssl_context.wrap_socket
        return kwargs
    """,
    # host name off on a context trusting the public CAs
    """
    import ssl

    def relaxed():
        context = ssl.create_default_context()
        context.check_hostname = False  # here
        return context
    """,
    # a branch on something else is no opt-in
    """
    import httpx

    def client(url):
        if url.startswith("https://internal"):
            return httpx.AsyncClient(verify=False)  # here
        return httpx.AsyncClient()
    """,
    """
    import ssl

    class Client:
        def __init__(self):
            self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            self._ssl.check_hostname = False  # here
    """,
    """
    import ssl

    CONTEXT = ssl._create_unverified_context()  # here
    """,
    """
    import ssl

    ssl._create_default_https_context = ssl._create_unverified_context  # here
    """,
]

ASY406_NEGATIVES = [
    """
    import aiohttp
    import httpx

    async def fetch(session: aiohttp.ClientSession, url, context):
        await session.get(url, ssl=context)
        await session.get(url, ssl=True)
        httpx.AsyncClient(verify=True)
        httpx.AsyncClient(verify="ca.pem")
    """,
    # `ssl=False` on asyncio means "no TLS", not "TLS without verification"
    """
    import asyncio

    async def connect(host):
        return await asyncio.open_connection(host, 80, ssl=False)
    """,
    # unknown receiver
    """
    async def fetch(client, url):
        return await client.get(url, ssl=False, verify=False)
    """,
    # server-side contexts: CERT_NONE only means "no client certificate"
    """
    import ssl

    def server_context(cert, key):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        context.verify_mode = ssl.CERT_NONE
        return context

    def other_server_context():
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.verify_mode = ssl.CERT_NONE
        return context
    """,
    # verification kept on
    """
    import ssl

    def client_context():
        context = ssl.create_default_context()
        context.check_hostname = True
        context.verify_mode = ssl.CERT_REQUIRED
        return context
    """,
    # explicit opt-in: a factory taking `verified: bool`
    """
    import ssl

    def make_ssl_context(verified: bool):
        if verified:
            return ssl.create_default_context()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if not verified:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context
    """,
    """
    import ssl

    def make_ssl_context(verified: bool):
        if verified:
            context = ssl.create_default_context()
        else:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context
    """,
    # explicit opt-in: a CLI flag, a setting, an option named for it
    """
    import ssl
    import httpx

    def connect_kwargs(args):
        kwargs = {}
        if args.insecure and args.uri.startswith("wss://"):
            kwargs["ssl"] = ssl._create_unverified_context()
        return kwargs

    def api_client(settings):
        if settings.tls_insecure_skip_verify:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            context = ssl.create_default_context(cafile=settings.ca_file)
        return httpx.AsyncClient(verify=context)

    def session_kwargs(verify_ssl):
        return {"verify": True} if verify_ssl else {"verify": httpx.create_ssl_context(verify=False)}
    """,
    # explicit opt-in: a function or a variable named for the unverified context
    """
    import ssl
    import httpx

    def _client_context_no_verify():
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context

    _insecure_transport = httpx.AsyncHTTPTransport(verify=False)
    """,
    # a private trust anchor: certificates are still checked, against the CA the code pins
    """
    import ssl

    def direct_context(cadata):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=cadata)
        return context

    def cluster_context(ca_file):
        context = ssl.create_default_context(cafile=ca_file)
        context.check_hostname = False
        return context
    """,
    # not an SSLContext
    """
    class Options:
        check_hostname = True

    def relax(options: Options):
        options.check_hostname = False
    """,
]


@pytest.mark.parametrize("source", ASY406_POSITIVES)
def test_asy406_reports_disabled_verification(source):
    expected = [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# here" in line]
    assert reported(source, "ASY406") == expected


@pytest.mark.parametrize("source", ASY406_NEGATIVES)
def test_asy406_look_alikes(source):
    assert reported(source, "ASY406") == []


def test_asy406_test_helpers_are_not_reported(write_tree):
    source = "import ssl\n\ndef client_context():\n    context = ssl.create_default_context()\n    context.check_hostname = False\n    return context\n"
    assert [d.line for d in lint_snippet(source, select="ASY406", path="pkg/client.py")] == [5]
    root = write_tree(
        {"pkg/__init__.py": "", "pkg/utils_test.py": source, "tests/conftest.py": source, "pkg/client.py": source}
    )
    result = run_cli("--no-cache", "--select", "ASY406", "--output-format", "json", ".", cwd=root)
    found = sorted(d["path"].replace("\\", "/") for d in json.loads(result.stdout))
    assert found == ["pkg/client.py"]


def test_asy406_reports_at_the_argument():
    [diagnostic] = lint_snippet("import aiohttp\nc = aiohttp.TCPConnector(limit=5, ssl=False)\n", select="ASY406")
    assert (diagnostic.line, diagnostic.column, diagnostic.end_column) == (2, 35, 44)
    assert "`ssl=False` on `aiohttp.TCPConnector()`" in diagnostic.message


# -- ASY407 --------------------------------------------------------------------------------------
ASY407_POSITIVES = [
    """
    import aiohttp

    def make():
        return aiohttp.TCPConnector(limit=0)  # here
    """,
    """
    import httpx

    LIMITS = httpx.Limits(max_connections=None)  # here
    KEEPALIVE_ONLY = httpx.Limits(max_keepalive_connections=10)  # here
    """,
]

ASY407_NEGATIVES = [
    """
    import aiohttp
    import httpx

    A = aiohttp.TCPConnector(limit=100)
    B = aiohttp.TCPConnector()
    C = aiohttp.TCPConnector(limit_per_host=0)
    D = httpx.Limits(max_connections=50, max_keepalive_connections=10)
    E = httpx.Limits(**settings)
    """,
]


@pytest.mark.parametrize("source", ASY407_POSITIVES)
def test_asy407_reports_unbounded_pools(source):
    expected = [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# here" in line]
    assert reported(source, "ASY407") == expected


@pytest.mark.parametrize("source", ASY407_NEGATIVES)
def test_asy407_look_alikes(source):
    assert reported(source, "ASY407") == []


# -- all together, through the CLI ---------------------------------------------------------------
def test_cli_fixes_network_rules_with_configured_timeout(write_tree):
    root = write_tree(
        {
            "pyproject.toml": """
            [tool.asynclint]
            default-timeout = 7
            """,
            "client.py": """
            import asyncio
            import aiohttp


            async def main(host, timeout=7):
                reader, writer = await asyncio.open_connection(host, 8080)
                async with aiohttp.ClientSession() as session:
                    await session.get(f"http://{host}/")
            """,
        }
    )
    result = run_cli("--no-cache", "--fix", "--unsafe-fixes", "--select", NETWORK, "client.py", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "client.py").read_text() == textwrap.dedent(
        """
        import asyncio
        import aiohttp


        async def main(host, timeout=7):
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, 8080), timeout=timeout)
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(sock_connect=7, sock_read=7)) as session:
                await session.get(f"http://{host}/")
        """
    )
    again = run_cli("--no-cache", "--fix", "--unsafe-fixes", "--select", NETWORK, "client.py", cwd=root)
    assert again.returncode == 0 and "Fixed" not in again.stdout


@pytest.mark.parametrize(
    "source",
    [
        # `sock=` wraps a socket that is already connected
        """
        import asyncio

        async def wrap(sock, factory):
            loop = asyncio.get_running_loop()
            return await loop.create_connection(factory, sock=sock)
        """,
        # a timeout imported under another name, with a fallback import
        """
        import asyncio
        import sys

        if sys.version_info >= (3, 11):
            from asyncio import timeout as connect_timeout
        else:
            from async_timeout import timeout as connect_timeout

        async def connect(host, port):
            async with connect_timeout(5):
                return await asyncio.open_connection(host, port)
        """,
        # the coroutine is raced by the caller, which owns the deadline
        """
        import asyncio

        async def resolve(host):
            loop = asyncio.get_running_loop()
            return await loop.getaddrinfo(host, 443)

        async def resolve_all(hosts, timeout):
            coros = []
            for host in hosts:
                coros.append(resolve(host))
            return await asyncio.wait([asyncio.ensure_future(c) for c in coros], timeout=timeout)
        """,
    ],
)
def test_asy405_more_look_alikes(source):
    assert reported(source, "ASY405") == []


def test_asy405_unrelated_sync_call_with_the_same_name_does_not_hide_a_finding():
    source = """
    import asyncio

    class Client:
        async def connect(self):
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)  # here

        def bind(self, signal):
            signal.connect(self.on_signal)
    """
    assert reported(source, "ASY405") == [6]


def test_asy405_running_the_coroutine_is_not_a_deadline():
    source = """
    import asyncio

    async def main(host):
        reader, writer = await asyncio.open_connection(host, 80)  # here
        writer.close()

    async def run_all(hosts):
        await asyncio.gather(*(main(host) for host in hosts))
        asyncio.create_task(main("a"))

    asyncio.run(main("example.com"))
    """
    assert reported(source, "ASY405") == [5]


def test_asy402_h2_server_context():
    source = """
    import asyncio
    import ssl

    from h2.config import H2Configuration
    from h2.connection import H2Connection


    async def serve(handler, cert, key):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        return await asyncio.start_server(handler, "0.0.0.0", 8443, ssl=context)  # here


    def new_connection():
        return H2Connection(config=H2Configuration(client_side=False))
    """
    expected = [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# here" in line]
    assert reported(source, "ASY402") == expected


def test_asy402_start_tls_positional_context():
    source = """
    import asyncio
    import ssl
    import h2.connection


    async def upgrade(transport, protocol, host):
        loop = asyncio.get_running_loop()
        context = ssl.create_default_context()
        return await loop.start_tls(transport, protocol, context, server_hostname=host)  # here


    def new_connection():
        return h2.connection.H2Connection()
    """
    expected = [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# here" in line]
    assert reported(source, "ASY402") == expected
