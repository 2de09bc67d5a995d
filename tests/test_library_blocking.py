"""ASY113 library-blocking-call: blocking calls made inside installed libraries.

Real libraries are installed from the package index into a temporary environment once per test
session (a sync SDK built on urllib, a DNS resolver, a template engine, an MQTT client, a Redis
client, each with its async variant where it has one), together with small libraries written
here that pin down depth, branches and dispatch. asynclint reads that environment with
`--python`; it never runs that interpreter. When the index is unreachable the tests fail: they
do not skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from asynclint.catalog.blocking import BLOCKING_CALLS
from asynclint.checks.library import LibraryBlockingCall
from asynclint.semantics import environment, libraries, library_blocking
from asynclint.semantics.environment import EnvironmentNotFound, site_packages
from asynclint.semantics.libraries import LibraryAnswers
from tests.conftest import fix_snippet, lint_snippet, make_config, run_cli

# Pinned so the chains asserted here stay the libraries' own.
REAL_LIBRARIES = ("slack_sdk==3.48.0", "dnspython==2.9.2", "Jinja2==3.1.6", "paho-mqtt==2.2.0", "redis==8.1.0")

# Libraries written for these tests, installed into the same environment.
TEST_LIBRARIES = {
    # A chain of plain functions: `step0()` reaches `time.sleep` through ten calls.
    "deeplib/__init__.py": "\n".join(
        ["import time", ""]
        + [f"def step{n}():\n    return step{n + 1}()\n" for n in range(10)]
        + ["def step10():\n    time.sleep(1)\n"]
    ),
    "branchlib/__init__.py": """
        import os
        import sys
        import time
        import logging
        from typing import TYPE_CHECKING

        import requests_like

        DEBUG = False
        log = logging.getLogger(__name__)

        if TYPE_CHECKING:
            from typing import Any


        def only_on_error(path):
            try:
                return path.upper()
            except ValueError:
                time.sleep(1)


        def in_try_body(path):
            try:
                with open(path) as handle:
                    return handle.read()
            except OSError:
                return None


        def in_finally():
            try:
                return 1
            finally:
                time.sleep(0.1)


        def ordinary_branch(cached):
            if cached is not None:
                return cached
            return open("/etc/hosts").read()


        def only_when_type_checking():
            if TYPE_CHECKING:
                open("/etc/hosts")
            return 1


        def only_when_debugging():
            if DEBUG:
                open("/tmp/trace.log", "a")
            return 1


        def only_when_logger_debugs():
            if log.isEnabledFor(logging.DEBUG):
                open("/tmp/trace.log", "a")
            return 1


        def not_debugging_is_normal():
            if not DEBUG:
                time.sleep(0.5)


        def windows_only():
            if sys.platform == "win32":
                os.system("ipconfig /flushdns")
            return None


        def other_platforms_branch():
            if sys.platform == "win32":
                return None
            else:
                return os.system("true")


        def nt_only():
            if os.name == "nt":
                os.system("cls")


        def after_return():
            return 1
            time.sleep(1)


        def nested_definition():
            def later():
                time.sleep(1)

            return later


        def in_lambda():
            return lambda: time.sleep(1)


        def generator():
            time.sleep(1)
            yield 1


        async def coroutine_function():
            time.sleep(1)


        def remember(function):
            def remembered(*args):
                return function(*args)

            return remembered


        @remember
        def behind_a_decorator():
            time.sleep(1)


        _marked = []


        def mark(function):
            _marked.append(function)
            return function


        @mark
        def behind_an_identity_decorator():
            time.sleep(1)


        class Static:
            @staticmethod
            def wait():
                time.sleep(1)


        def load(path=None):
            if path is not None:
                with open(path) as handle:
                    return handle.read()
            return ""


        def send(payload):
            if isinstance(payload, str):
                with open(payload, "rb") as handle:
                    return handle.read()
            return payload


        def thumbnail(value=None):
            return open(value, "rb") if value is not None else None


        def async_refresh():
            # A sync function named for the loop it runs on: its name does not make it async.
            time.sleep(1)
        """,
    "requests_like/__init__.py": """
        # A stand-in with no dependencies of its own: an HTTP session that blocks on sockets.
        import socket


        class Session:
            def get(self, url):
                return socket.create_connection((url, 80))
        """,
    "dispatchlib/__init__.py": """
        import collections.abc
        import time
        import socket

        from not_installed_mixins import RetryMixin

        from dispatchlib.transport import Transport, make_transport

        _default_transport = Transport()


        class Base:
            def fetch(self):
                return self._get()

            def _get(self):
                return socket.create_connection(("example.com", 80))


        class Cached(Base):
            def _get(self):
                return b"cached"


        class Mixed(RetryMixin, Base):
            # `RetryMixin` comes from a library that is not installed: it may define `fetch`.
            pass


        class Measured(collections.abc.Sized, Base):
            def __len__(self):
                return 0


        class Abstract:
            def fetch(self):
                return self._get()

            def _get(self):
                raise NotImplementedError


        def call_it(callback):
            return callback()


        class WithInjected:
            def __init__(self, transport):
                self.transport = transport

            def send(self, data):
                return self.transport.send(data)


        class WithOwnTransport:
            def __init__(self):
                self.transport = Transport()

            def send(self, data):
                return self.transport.send(data)


        class WithEitherTransport:
            def __init__(self, fast):
                if fast:
                    self.transport = Transport()
                else:
                    self.transport = NullTransport()

            def send(self, data):
                return self.transport.send(data)


        class NullTransport:
            def send(self, data):
                return None


        class Child(WithOwnTransport):
            def __init__(self):
                super().__init__()
                self.extra = 1


        class LoadsOnInit:
            def __init__(self, path):
                self.path = path
                self.reload()

            def reload(self):
                with open(self.path) as handle:
                    self.data = handle.read()


        def module_default_send(data):
            return _default_transport.send(data)


        def annotated_factory_send(data):
            return make_transport().send(data)


        def sleepy_retry():
            time.sleep(0.1)
        """,
    "dispatchlib/transport.py": """
        import socket


        class Transport:
            def send(self, data):
                sock = socket.socket()
                sock.connect(("example.com", 80))
                sock.sendall(data)


        def make_transport() -> "Transport":
            return Transport()
        """,
    # Properties (a read runs the getter; the getter's return type types the value) and `__call__`.
    "proplib/__init__.py": """
        import functools
        import socket
        import time


        class Settings:
            def __init__(self, path):
                self.path = path

            @property
            def data(self):
                with open(self.path) as handle:
                    return handle.read()

            @data.setter
            def data(self, value):
                self._data = value

            @property
            def name(self):
                return "settings"

            @functools.cached_property
            def blob(self):
                return open(self.path, "rb").read()


        class Connection:
            def send(self, data):
                sock = socket.create_connection(("example.com", 80))
                sock.sendall(data)


        class Client:
            def __init__(self):
                self.settings = Settings("/etc/app.conf")

            @property
            def connection(self) -> Connection:
                return Connection()

            @property
            def fresh_connection(self):
                return Connection()

            def reload(self):
                return self.settings.data

            def label(self):
                return self.settings.name

            def blob_size(self):
                return len(self.settings.blob)

            def push(self, data):
                return self.connection.send(data)

            def push_fresh(self, data):
                return self.fresh_connection.send(data)


        class Retrier:
            def __call__(self, delay):
                time.sleep(delay)


        class Quiet:
            def __call__(self):
                return None


        def retry_once():
            retry = Retrier()
            retry(1)


        def quiet_once():
            quiet = Quiet()
            quiet()
        """,
    # Optional imports with a fallback in `except ImportError:`: the import is the normal path when
    # the module is there (the standard library, an installed source module), and only then.
    "fallbacklib/__init__.py": """
        try:
            import socket
        except ImportError:
            socket = None

        try:
            import dispatchlib.transport as transport
        except ImportError:
            transport = None

        try:
            from not_installed_speedups import parse
        except ImportError:
            def parse(path):
                return open(path).read()

        try:
            import not_installed_client as client
        except ImportError:
            client = None


        def via_standard_library():
            return socket.create_connection(("example.com", 80))


        def via_installed_library():
            return transport.make_transport().send(b"x")


        def via_missing_module(path):
            return parse(path)


        def via_missing_client():
            return client.connect()
        """,
    # Sockets made non-blocking by the library (an IOStream of its own): reads return at once.
    "streamlib/__init__.py": """
        import socket


        class Stream:
            def __init__(self, sock):
                self.socket = socket.socket()
                self.socket.setblocking(False)

            def read_into(self, buffer):
                return self.socket.recv_into(buffer)
        """,
    "streamlib/plain.py": """
        import socket


        class Stream:
            def __init__(self, sock):
                self.socket = socket.socket()

            def read_into(self, buffer):
                return self.socket.recv_into(buffer)
        """,
    # Dispatch through what the constructor was given: `self.loader` is the class the call site
    # passed when that is certain. `internalcode` gives the function back as it is (Jinja2's).
    "ctorlib/__init__.py": """
        class Loader:
            def get_source(self, name):
                return name


        class FileLoader(Loader):
            def __init__(self, root):
                self.root = root

            def get_source(self, name):
                with open(self.root + "/" + name) as handle:
                    return handle.read()


        def internalcode(function):
            _internal.add(function)
            return function


        _internal = set()


        class Environment:
            def __init__(self, loader: Loader = None, cache=None):
                self.loader = loader
                self.cache = cache

            @internalcode
            def get_template(self, name):
                return self._load(name)

            def _load(self, name):
                return self.loader.get_source(name)


        class Reloadable(Environment):
            def use(self, loader: Loader):
                self.loader = loader  # another assignment: what the constructor got is not certain


        class AsyncEnvironment:
            def __init__(self, loader):
                self.loader = loader

            def get_template(self, name):
                return self.loader.get_source(name)
        """,
    # An async flavour of a library: its constructor reads a file, and it is still never reported.
    "aiodispatch/__init__.py": """
        class Client:
            def __init__(self, path):
                self.config = open(path).read()

            async def send(self, data):
                return data
        """,
}


def _python_of(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@pytest.fixture(scope="session")
def library_env(tmp_path_factory) -> Path:
    """A virtual environment with the real libraries (from the package index) and the test ones."""
    venv = tmp_path_factory.mktemp("library-env") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    target = site_packages(str(_python_of(venv)))[0]
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", target, *REAL_LIBRARIES],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if install.returncode != 0:
        pytest.fail(f"cannot install {REAL_LIBRARIES} from the package index:\n{install.stderr[-2000:]}")
    for name, text in TEST_LIBRARIES.items():
        path = Path(target) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return _python_of(venv)


def findings(source: str, library_env: Path, **settings) -> list[tuple[int, str]]:
    diagnostics = lint_snippet(source, "ASY113", python=str(library_env), **settings)
    return [(diagnostic.line, diagnostic.message) for diagnostic in diagnostics]


def chains(source: str, library_env: Path) -> dict[int, str]:
    """Line → the chain part of each message."""
    return {line: message.split(": ", 1)[1].rsplit(";", 1)[0] for line, message in findings(source, library_env)}


def answer_for(qualified: str):
    """The answer for a call of `qualified` with no arguments, in the environment the last lint
    read."""
    leaves = LibraryBlockingCall(make_config("ASY113")).leaves
    return library_blocking.blocking_chain(qualified, leaves, LibraryAnswers(), library_blocking.CallShape())


# -- real libraries ------------------------------------------------------------------------------
def test_sync_sdk_over_urllib_and_its_async_client(library_env):
    source = """
        from slack_sdk import WebClient
        from slack_sdk.web.async_client import AsyncWebClient

        client = WebClient(token="xoxb-1")


        async def notify(text):
            client.chat_postMessage(channel="#ops", text=text)
            await AsyncWebClient(token="xoxb-1").chat_postMessage(channel="#ops", text=text)
        """
    found = chains(source, library_env)
    assert list(found) == [9]
    assert found[9].startswith("slack_sdk.WebClient.chat_postMessage → WebClient.api_call → …")
    assert found[9].endswith("→ urllib.request.urlopen")


def test_resolver_library_and_its_async_resolver(library_env):
    source = """
        import dns.asyncresolver
        import dns.resolver


        async def lookup(host):
            answer = dns.resolver.resolve(host, "A")
            resolver = dns.resolver.Resolver()
            await dns.asyncresolver.resolve(host, "A")
            quiet = dns.asyncresolver.Resolver()
            return answer, resolver, quiet
        """
    found = chains(source, library_env)
    assert sorted(found) == [7, 8]
    assert found[7].startswith("dns.resolver.resolve → get_default_resolver")
    assert found[7].endswith("→ builtins.open")
    assert found[8] == "dns.resolver.Resolver → Resolver.read_resolv_conf → maybe_open → builtins.open"


def test_redis_client_and_redis_asyncio(library_env):
    source = """
        import redis
        import redis.asyncio


        async def read(keys):
            sync = redis.Redis()
            values = sync.hmget("config", keys)
            plain = sync.get("config")  # the catalog's own call: ASY105 reports it, not ASY113
            fast = redis.asyncio.Redis()
            more = await fast.hmget("config", keys)
            return values, plain, more
        """
    assert chains(source, library_env) == {8: "redis.Redis.hmget → redis.Redis.execute_command"}


def test_template_engine_loading_from_disk(library_env):
    source = """
        import jinja2

        loader = jinja2.FileSystemLoader("templates")
        environment = jinja2.Environment(loader=loader)


        async def page(name):
            source, filename, uptodate = loader.get_source(environment, name)
            template = environment.get_template(name)
            return jinja2.Template(source).render(), template
        """
    found = chains(source, library_env)
    # `get_template` goes through `self.loader`, given to the constructor: a `FileSystemLoader`
    # here, bound once at module level. Rendering a template is CPU work.
    assert found[9] == "jinja2.FileSystemLoader.get_source → builtins.open"
    assert found[10].startswith("jinja2.Environment.get_template → Environment._load_template → …")
    assert found[10].endswith("→ FileSystemLoader.get_source → builtins.open")
    assert sorted(found) == [9, 10]


@pytest.mark.parametrize(
    ("code", "reported"),
    [
        ('jinja2.Environment(loader=jinja2.FileSystemLoader("templates")).get_template("x")', True),
        ('environment = jinja2.Environment(loader=jinja2.FileSystemLoader("t")); environment.get_template("x")', True),
        ('jinja2.Environment(loader=jinja2.DictLoader({})).get_template("x")', False),  # a loader in memory
        ('jinja2.Environment(loader=loader).get_template("x")', False),  # a parameter: not guessed
        ('jinja2.Environment().get_template("x")', False),
    ],
)
def test_template_engine_dispatch_through_the_constructors_loader(library_env, code, reported):
    source = f"""
        import jinja2


        async def page(loader):
            {code}
        """
    found = chains(source, library_env)
    assert bool(found) is reported
    if reported:
        assert list(found.values())[0].endswith("→ FileSystemLoader.get_source → builtins.open")


def test_mqtt_client_connect_and_tls_setup(library_env):
    source = """
        import paho.mqtt.client as mqtt


        class Bridge:
            def __init__(self):
                self.client = mqtt.Client()

            async def start(self, host):
                self.client.tls_set(ca_certs="/etc/ssl/certs/ca-certificates.crt")
                self.client.connect(host, 8883)
                self.client.loop_start()
        """
    found = chains(source, library_env)
    assert 11 in found and found[11].startswith("paho.mqtt.client.Client.connect → Client.reconnect")
    assert found[11].endswith(("socket.socket.connect", "socket.create_connection"))


def test_mqtt_tls_setup_loads_certificates(library_env):
    source = """
        import paho.mqtt.client as mqtt


        class Bridge:
            def __init__(self):
                self.client = mqtt.Client()

            async def start(self, host):
                self.client.tls_set(ca_certs="/etc/ssl/certs/ca-certificates.crt")
        """
    # `ssl` is bound by `import ssl` and, should that fail, `ssl = None` in `except ImportError`:
    # the import succeeds here, so `ssl.SSLContext(...)` is the context whose method is called.
    assert "ssl.SSLContext.load_verify_locations" in BLOCKING_CALLS
    assert chains(source, library_env) == {10: "paho.mqtt.client.Client.tls_set → ssl.SSLContext.load_verify_locations"}


def test_cli_reads_the_other_environment_and_offers_the_offload_fix(library_env, tmp_path):
    (tmp_path / "service.py").write_text(
        textwrap.dedent(
            """
            import asyncio

            import dns.resolver


            async def main():
                return dns.resolver.resolve("example.com", "A")


            asyncio.run(main())
            """
        )
    )
    result = run_cli(
        "--no-cache", "--select", "ASY113", "--python", str(library_env), "--output-format", "json", ".", cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    [diagnostic] = json.loads(result.stdout)
    assert diagnostic["line"] == 8
    assert diagnostic["message"].startswith("`resolve()` blocks the event loop in `main()`: dns.resolver.resolve → ")
    assert diagnostic["fix"]["applicability"] == "unsafe"
    # Without --python the environment is asynclint's own, where `dns` may be missing: either way
    # nothing from the other environment is found.
    fixed = run_cli(
        "--no-cache",
        "--select",
        "ASY113",
        "--python",
        str(library_env),
        "--fix",
        "--unsafe-fixes",
        "--diff",
        ".",
        cwd=tmp_path,
    )
    assert '+    return await asyncio.to_thread(dns.resolver.resolve, "example.com", "A")' in fixed.stdout


def test_config_key_python_is_relative_to_the_config_file(library_env, tmp_path):
    relative = os.path.relpath(library_env, tmp_path)
    (tmp_path / "pyproject.toml").write_text(f'[tool.asynclint]\nextend-select = ["ASY113"]\npython = "{relative}"\n')
    (tmp_path / "app.py").write_text("import redis\n\n\nasync def f(r: redis.Redis):\n    return r.hmget('k', ['a'])\n")
    result = run_cli("--no-cache", "app.py", cwd=tmp_path)
    assert "ASY113" in result.stdout, result.stdout + result.stderr


# -- libraries written for the tests: depth ------------------------------------------------------
@pytest.mark.parametrize("start", range(11))
def test_depth_is_bounded(library_env, start):
    source = f"""
        import deeplib


        async def handler():
            deeplib.step{start}()
        """
    length = 12 - start  # step{start} … step10, then time.sleep
    found = chains(source, library_env)
    if length <= library_blocking.MAX_DEPTH:
        assert list(found) == [6]
        assert found[6].startswith(f"deeplib.step{start} → ") and found[6].endswith(" → time.sleep")
    else:
        assert found == {}  # unknown past the depth bound: nothing reported
        assert answer_for(f"deeplib.step{start}") is None


def test_work_is_bounded(library_env, monkeypatch):
    monkeypatch.setattr(library_blocking, "MAX_FUNCTIONS", 3)
    libraries.clear_library_caches()
    source = """
        import deeplib


        async def handler():
            deeplib.step4()
        """
    assert chains(source, library_env) == {}
    assert answer_for("deeplib.step4") is None
    libraries.clear_library_caches()


# -- branches ------------------------------------------------------------------------------------
BRANCH_CASES = {
    # function → the chain, or None when the blocking call is not on the normal path
    "only_on_error": None,
    "in_try_body": "branchlib.in_try_body → builtins.open",
    "in_finally": "branchlib.in_finally → time.sleep",
    # `open(...).read()`: the file object's read is reached as surely as the open.
    "ordinary_branch": "branchlib.ordinary_branch → io.IOBase.read",
    "only_when_type_checking": None,
    "only_when_debugging": None,
    "only_when_logger_debugs": None,
    "not_debugging_is_normal": "branchlib.not_debugging_is_normal → time.sleep",
    "windows_only": None if sys.platform != "win32" else "branchlib.windows_only → os.system",
    "other_platforms_branch": "branchlib.other_platforms_branch → os.system" if sys.platform != "win32" else None,
    "nt_only": None if os.name != "nt" else "branchlib.nt_only → os.system",
    "after_return": None,
    "nested_definition": None,
    "in_lambda": None,
    "generator": None,
    "coroutine_function": None,
    "behind_a_decorator": None,
    # A decorator that gives the function back as it is replaces nothing.
    "behind_an_identity_decorator": "branchlib.behind_an_identity_decorator → time.sleep",
    "Static.wait": "branchlib.Static.wait → time.sleep",
    "async_refresh": "branchlib.async_refresh → time.sleep",
}


@pytest.mark.parametrize("function", sorted(BRANCH_CASES))
def test_normal_path_only(library_env, function):
    source = f"""
        import branchlib


        async def handler():
            branchlib.{function}()
        """
    expected = BRANCH_CASES[function]
    assert chains(source, library_env) == ({6: expected} if expected else {})


@pytest.mark.parametrize(
    ("call", "reported"),
    [
        ("branchlib.load()", False),  # the default is None: the file is not read
        ("branchlib.load(None)", False),
        ("branchlib.load(path=None)", False),
        ("branchlib.load('/etc/app.conf')", True),
        ("branchlib.load(path)", True),  # a value the source cannot know: the branch may run
        ("branchlib.send(data)", False),  # opens only what is a path; what `data` is, is not known
        ("branchlib.send('/tmp/payload.bin')", True),
        ("branchlib.send(None)", False),  # None is no `str`
        ("branchlib.thumbnail()", False),  # a conditional expression decided by the default
        ("branchlib.thumbnail(path)", True),
    ],
)
def test_branches_decided_by_the_arguments(library_env, call, reported):
    source = f"""
        import branchlib


        async def handler(path, data):
            {call}
        """
    assert bool(chains(source, library_env)) is reported


# -- dispatch ------------------------------------------------------------------------------------
DISPATCH_CASES = [
    # (code in the coroutine, the chain or None)
    ("dispatchlib.Base()", None),  # constructing Base does not block
    ("dispatchlib.Base().fetch()", "dispatchlib.Base.fetch → Base._get → socket.create_connection"),
    ("base = dispatchlib.Base(); base.fetch()", "dispatchlib.Base.fetch → Base._get → socket.create_connection"),
    ("cached = dispatchlib.Cached(); cached.fetch()", None),  # the subclass's override is followed
    ("abstract = dispatchlib.Abstract(); abstract.fetch()", None),
    ("mixed = dispatchlib.Mixed(); mixed.fetch()", None),  # an unreadable base comes first
    (
        "measured = dispatchlib.Measured(); measured.fetch()",
        "dispatchlib.Measured.fetch → Measured._get → socket.create_connection",
    ),
    ("dispatchlib.call_it(dispatchlib.sleepy_retry)", None),  # a callback is never guessed
    ("injected = dispatchlib.WithInjected(object()); injected.send(b'x')", None),
    (
        "own = dispatchlib.WithOwnTransport(); own.send(b'x')",
        "dispatchlib.WithOwnTransport.send → Transport.send → socket.socket.connect",
    ),
    ("either = dispatchlib.WithEitherTransport(True); either.send(b'x')", None),  # two classes disagree
    (
        "child = dispatchlib.Child(); child.send(b'x')",
        "dispatchlib.Child.send → Transport.send → socket.socket.connect",
    ),
    (
        "dispatchlib.LoadsOnInit('/etc/app.conf')",
        "dispatchlib.LoadsOnInit → LoadsOnInit.reload → builtins.open",
    ),
    (
        "dispatchlib.module_default_send(b'x')",
        "dispatchlib.module_default_send → Transport.send → socket.socket.connect",
    ),
    (
        "dispatchlib.annotated_factory_send(b'x')",
        "dispatchlib.annotated_factory_send → Transport.send → socket.socket.connect",
    ),
    (
        "import fallbacklib; fallbacklib.via_standard_library()",
        "fallbacklib.via_standard_library → socket.create_connection",
    ),
    (
        "import fallbacklib; fallbacklib.via_installed_library()",
        "fallbacklib.via_installed_library → Transport.send → socket.socket.connect",
    ),
    # The import fails there: which `parse` runs is not read as certain (unknown, not reported).
    ("import fallbacklib; fallbacklib.via_missing_module('/etc/app.conf')", None),
    ("import fallbacklib; fallbacklib.via_missing_client()", None),
    # A property's getter runs on a read, and what it returns types the value.
    ("import proplib; proplib.Client().reload()", "proplib.Client.reload → Settings.data → builtins.open"),
    ("import proplib; proplib.Client().label()", None),
    ("import proplib; proplib.Client().blob_size()", None),  # a cached property: not a plain getter
    (
        "import proplib; proplib.Client().push(b'x')",
        "proplib.Client.push → Connection.send → socket.create_connection",
    ),
    (
        "import proplib; proplib.Client().push_fresh(b'x')",
        "proplib.Client.push_fresh → Connection.send → socket.create_connection",
    ),
    # Calling an instance runs its class's `__call__`, in the library and in the coroutine.
    ("import proplib; proplib.retry_once()", "proplib.retry_once → Retrier.__call__ → time.sleep"),
    ("import proplib; proplib.quiet_once()", None),
    ("import proplib; retry = proplib.Retrier(); retry(1)", "proplib.Retrier.__call__ → time.sleep"),
    ("import proplib; quiet = proplib.Quiet(); quiet()", None),
    ("aiodispatch.Client('/etc/app.conf')", None),  # an async flavour is never reported
    ("import streamlib; stream = streamlib.Stream(None); stream.read_into(bytearray(10))", None),
    (
        "import streamlib.plain; stream = streamlib.plain.Stream(None); stream.read_into(bytearray(10))",
        "streamlib.plain.Stream.read_into → socket.socket.recv_into",
    ),
]


CONSTRUCTOR_CHAIN = "ctorlib.Environment.get_template → Environment._load → FileLoader.get_source → builtins.open"
CONSTRUCTOR_CASES = [
    # (code in the coroutine, the chain or None): `loader` is a parameter of the coroutine.
    ('ctorlib.Environment(ctorlib.FileLoader("/srv")).get_template("x")', CONSTRUCTOR_CHAIN),
    ('ctorlib.Environment(loader=ctorlib.FileLoader("/srv")).get_template("x")', CONSTRUCTOR_CHAIN),
    ('env = ctorlib.Environment(loader=ctorlib.FileLoader("/srv")); env.get_template("x")', CONSTRUCTOR_CHAIN),
    ('given = ctorlib.FileLoader("/srv"); ctorlib.Environment(given).get_template("x")', CONSTRUCTOR_CHAIN),
    ("MODULE_ENV.get_template('x')", CONSTRUCTOR_CHAIN),  # bound once at module level
    ('ctorlib.Environment(ctorlib.Loader()).get_template("x")', None),  # a loader that does not block
    ('ctorlib.Environment(loader).get_template("x")', None),  # passed through a parameter
    ('ctorlib.Environment().get_template("x")', None),
    ("EITHER_ENV.get_template('x')", None),  # two assignments with different loaders
    ("MAYBE_LOADER_ENV.get_template('x')", None),  # the loader's name is also bound to None
    ('ctorlib.Reloadable(ctorlib.FileLoader("/srv")).get_template("x")', None),  # `self.loader` set elsewhere too
    ('ctorlib.AsyncEnvironment(ctorlib.FileLoader("/srv")).get_template("x")', None),  # an async flavour
]


@pytest.mark.parametrize(("code", "expected"), CONSTRUCTOR_CASES)
def test_dispatch_through_what_the_constructor_was_given(library_env, code, expected):
    source = f"""
        import ctorlib

        MODULE_ENV = ctorlib.Environment(loader=ctorlib.FileLoader("/srv"))
        if ctorlib:
            EITHER_ENV = ctorlib.Environment(ctorlib.FileLoader("/srv"))
        else:
            EITHER_ENV = ctorlib.Environment(ctorlib.Loader())
        MAYBE_LOADER = None
        MAYBE_LOADER = ctorlib.FileLoader("/srv")
        MAYBE_LOADER_ENV = ctorlib.Environment(MAYBE_LOADER)


        async def handler(loader):
            {code}
        """
    found = chains(source, library_env)
    assert found == ({15: expected} if expected else {})


@pytest.mark.parametrize(("code", "expected"), DISPATCH_CASES)
def test_dispatch_is_followed_only_when_certain(library_env, code, expected):
    source = f"""
        import aiodispatch
        import dispatchlib


        async def handler():
            {code}
        """
    found = chains(source, library_env)
    if expected is None:
        assert found == {}
    else:
        assert list(found.values()) == [expected]


def test_receiver_types_in_the_coroutine(library_env):
    source = """
        import dispatchlib


        class Service:
            def __init__(self):
                self.transport = dispatchlib.WithOwnTransport()

            async def push(self, data, given: dispatchlib.WithOwnTransport):
                self.transport.send(data)
                given.send(data)
                await asyncio.to_thread(self.transport.send, data)

            def sync_path(self, data):
                self.transport.send(data)  # not async context
        """
    assert sorted(chains(source, library_env)) == [10, 11]


def test_no_report_outside_async_context_or_for_project_code(library_env):
    source = """
        import dispatchlib


        def sync(data):
            dispatchlib.LoadsOnInit("/etc/app.conf")


        async def handler():
            helper()


        def helper():
            dispatchlib.LoadsOnInit("/etc/app.conf")
        """
    assert chains(source, library_env) == {}


def test_offload_fix(library_env):
    source = """
        import dispatchlib


        async def handler(path):
            config = dispatchlib.LoadsOnInit(path)
            return config
        """
    fixed = fix_snippet(source, "ASY113", unsafe=True, python=str(library_env))
    assert "config = await asyncio.to_thread(dispatchlib.LoadsOnInit, path)" in fixed
    assert "import asyncio\n" in fixed


def test_answers_are_kept_in_the_cache_for_the_same_environment(tmp_path):
    """The chains a run finds are saved with the result cache and read back by the next run in the
    same environment, without reading the library again; a change to the environment (an
    install, an upgrade) makes the next run read it afresh."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = Path(site_packages(str(_python_of(venv)))[0])
    (site / "cachedlib").mkdir()
    library = site / "cachedlib" / "__init__.py"
    library.write_text("import time\n\n\ndef fetch():\n    return _wait()\n\n\ndef _wait():\n    time.sleep(1)\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.asynclint]\nextend-select = ["ASY113"]\n')
    (project / "main.py").write_text("import cachedlib\n\n\nasync def handler():\n    cachedlib.fetch()\n")
    other = project / "other.py"

    def messages(round: int) -> list[str]:
        other.write_text(f"ROUND = {round}\n")  # a changed tree: the run resolves again, not a replay
        result = run_cli("--python", str(venv), "--output-format", "json", ".", cwd=project)
        assert "Traceback" not in result.stderr, result.stderr
        return [d["message"] for d in json.loads(result.stdout) if d["code"] == "ASY113"]

    first = messages(1)
    assert len(first) == 1 and "cachedlib.fetch → _wait → time.sleep" in first[0]
    (stored,) = project.glob(".asynclint_cache/*/libraries.json")
    payload = json.loads(stored.read_bytes().partition(b"\n")[2])
    assert payload["blocking"] == {"cachedlib.fetch(;)": ["cachedlib.fetch", "cachedlib._wait", "time.sleep"]}
    # Edited in place (not an install): the kept answer is used, so the library was not read.
    library.write_text("def fetch():\n    return 1\n")
    assert messages(2) == first
    # An install changes the environment's fingerprint: the library is read again.
    (site / "cachedlib-2.0.dist-info").mkdir()
    assert messages(3) == []


# -- the environment ---------------------------------------------------------------------------
def test_environment_layout_is_read_not_run(tmp_path):
    """An "interpreter" that would leave a marker if anything ran it; a `.pth` whose import line
    would do the same. Reading the environment touches neither."""
    marker = tmp_path / "ran"
    prefix = tmp_path / "env"
    (prefix / "bin").mkdir(parents=True)
    python = prefix / "bin" / "python"
    python.write_text(f"#!/bin/sh\ntouch {marker}\n")
    python.chmod(0o755)
    site = prefix / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    extra = tmp_path / "src"
    extra.mkdir()
    (site / "editable.pth").write_text(f"{extra}\nimport os; open({str(marker)!r}, 'w')\n")
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.1\n")
    assert site_packages(str(python)) == [str(site), str(extra)]
    assert site_packages(str(prefix)) == [str(site), str(extra)]
    assert not marker.exists()
    with pytest.raises(EnvironmentNotFound):
        site_packages(str(tmp_path / "missing" / "python"))


def test_bad_python_option_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run_cli("--python", str(tmp_path / "nope" / "python"), ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no such interpreter or environment" in result.stderr


def test_default_environment_is_this_interpreters():
    environment.use_python(None)
    assert environment.search_path() == tuple(
        entry for entry in sys.path if entry and os.path.abspath(entry) != os.path.abspath(os.getcwd())
    )
