"""Calls that block the thread they run on, and therefore the event loop when made in a coroutine.

`BLOCKING_CALLS` maps a qualified name (after import resolution, or `Type.method` for a method on
a receiver of known type) to the rule that reports it and the non-blocking alternative named in
the message. Users add entries with `extend-blocking-calls` in `[tool.asynclint]`.

Deliberately absent: pure `os.path` string functions (`join`, `basename`, ...), `os.getcwd`,
`os.stat` and friends (microseconds on a local disk, and flagging them teaches users to ignore the
rule), `json`/`pickle` (CPU, not I/O).
"""

from __future__ import annotations

from typing import NamedTuple


class BlockingCall(NamedTuple):
    code: str
    instead: str  # what to use instead, shown in the message
    # Why moving the call to a worker thread would be wrong ("" when it is the usual remedy).
    no_offload: str = ""
    # It blocks only the first time for a given argument (the result is cached process-wide):
    # the cost is a start-up cost, so it is not reported, directly or at the end of a chain. Kept
    # here so that chain followers know the call and why it is left out.
    first_call_only: bool = False


def _entries(
    code: str, instead: str, *names: str, no_offload: str = "", first_call_only: bool = False
) -> dict[str, BlockingCall]:
    return {name: BlockingCall(code, instead, no_offload, first_call_only) for name in names}


# `anyio.wrap_file(open(...))`: the code has chosen to open synchronously and wrap the object.
FILE_WRAPPERS = frozenset({"anyio.wrap_file", "trio.wrap_file"})

# Reasons an offload fix is not offered.
_LAZY = "it returns an iterator: the work happens while iterating, back on the event loop"
_THREAD_BOUND = "sqlite3 connections and cursors may only be used in the thread that created them"


# Types of open file objects (`io.IOBase` stands for the value of `open()`) and their methods that
# do I/O. In-memory buffers (`io.BytesIO`, `io.StringIO`) are absent on purpose, and so are the
# protocols `typing.IO`/`TextIO`/`BinaryIO`: parameters annotated with them are in-memory buffers
# as often as files (upload spools, `download_to_memory(out: BinaryIO)`).
FILE_TYPES = (
    "io.IOBase",
    "io.TextIOWrapper",
    "io.BufferedReader",
    "io.BufferedWriter",
    "io.BufferedRandom",
    "io.FileIO",
)
FILE_METHODS = ("read", "readline", "readlines", "readinto", "write", "writelines", "flush", "truncate", "close")

_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_ASYNC_HTTP = "an async client (`httpx.AsyncClient`, `aiohttp.ClientSession`)"
_REDIS_COMMANDS = (
    "get", "set", "delete", "exists", "expire", "incr", "decr", "hget", "hset", "hgetall", "hdel",
    "lpush", "rpush", "lpop", "rpop", "lrange", "sadd", "srem", "smembers", "zadd", "zrange",
    "publish", "keys", "scan", "mget", "mset", "ping", "execute_command", "pipeline",
)
_MONGO_METHODS = (
    "find", "find_one", "insert_one", "insert_many", "update_one", "update_many", "replace_one",
    "delete_one", "delete_many", "aggregate", "count_documents", "find_one_and_update",
    "bulk_write", "create_index", "distinct",
)

BLOCKING_CALLS: dict[str, BlockingCall] = {
    "time.sleep": BlockingCall("ASY100", "`await asyncio.sleep()`"),
    # ASY101 blocking-http
    **_entries("ASY101", _ASYNC_HTTP, *(f"requests.{verb}" for verb in _HTTP_VERBS)),
    **_entries("ASY101", _ASYNC_HTTP, *(f"requests.Session.{verb}" for verb in _HTTP_VERBS)),
    **_entries("ASY101", _ASYNC_HTTP, *(f"httpx.{verb}" for verb in (*_HTTP_VERBS, "stream"))),
    **_entries("ASY101", "`httpx.AsyncClient`", *(f"httpx.Client.{verb}" for verb in (*_HTTP_VERBS, "send", "stream", "close"))),
    **_entries(
        "ASY101",
        _ASYNC_HTTP,
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib3.request",
        *(
            f"urllib3.{pool}.{method}"
            for pool in ("PoolManager", "HTTPConnectionPool")
            for method in ("request", "urlopen", "request_encode_url", "request_encode_body")
        ),
        "http.client.HTTPConnection.request",
        "http.client.HTTPConnection.getresponse",
        "http.client.HTTPSConnection.request",
        "http.client.HTTPSConnection.getresponse",
    ),
    # ASY102 blocking-subprocess
    **_entries(
        "ASY102",
        "`asyncio.create_subprocess_exec()`",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "subprocess.Popen",
        "subprocess.Popen.wait",
        "subprocess.Popen.communicate",
        "os.system",
        "os.popen",
        "os.wait",
        "os.waitpid",
        "os.wait3",
        "os.wait4",
        "os.spawnl",
        "os.spawnle",
        "os.spawnlp",
        "os.spawnlpe",
        "os.spawnv",
        "os.spawnve",
        "os.spawnvp",
        "os.spawnvpe",
        "os.posix_spawn",
        "os.posix_spawnp",
        "os.waitid",
    ),
    # ASY103 blocking-file-io
    **_entries(
        "ASY103",
        "`anyio.Path` or aiofiles",
        "builtins.open",
        "io.open",
        "io.open_code",
        "codecs.open",
        "os.fdopen",
        "pathlib.Path.open",
        "pathlib.Path.read_text",
        "pathlib.Path.read_bytes",
        "pathlib.Path.write_text",
        "pathlib.Path.write_bytes",
        "pathlib.Path.mkdir",
        "pathlib.Path.rmdir",
        "pathlib.Path.unlink",
        "pathlib.Path.rename",
        "pathlib.Path.replace",
        "pathlib.Path.touch",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "shutil.rmtree",
        "os.listdir",
        "os.remove",
        "os.unlink",
        "os.rename",
        "os.renames",
        "os.replace",
        "os.mkdir",
        "os.makedirs",
        "os.rmdir",
        "os.removedirs",
        "glob.glob",
    ),
    # An import reads and compiles files from disk, but only the first time: later calls find the
    # module in `sys.modules`. Measured on the corpus: 0 of 6 findings worth changing.
    **_entries("ASY103", "an import at start-up", "importlib.import_module", first_call_only=True),
    **_entries(
        "ASY103",
        "`anyio.Path` or aiofiles",
        "os.scandir",
        "os.walk",
        "glob.iglob",
        "pathlib.Path.iterdir",
        "pathlib.Path.glob",
        "pathlib.Path.rglob",
        no_offload=_LAZY,
    ),
    # File objects: `open()`'s value, parameters annotated `TextIO`/`BinaryIO`/`io.TextIOWrapper`.
    **_entries(
        "ASY103",
        "aiofiles or `anyio.wrap_file()`",
        *(f"{kind}.{method}" for kind in FILE_TYPES for method in FILE_METHODS),
    ),
    # Loading certificates reads the CA bundle from disk (tens of milliseconds, more on a cold cache).
    **_entries(
        "ASY103",
        "an SSL context created once at start-up",
        "ssl.create_default_context",
        "ssl.SSLContext.load_verify_locations",
        "ssl.SSLContext.load_cert_chain",
        "ssl.SSLContext.load_default_certs",
        "ssl.SSLContext.set_default_verify_paths",
    ),
    # ASY104 blocking-network-io
    **_entries(
        "ASY104",
        "`asyncio.open_connection()` / `loop.getaddrinfo()`",
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.gethostbyaddr",
        "socket.getaddrinfo",
        "socket.getnameinfo",
        "socket.create_connection",
        "socket.socket.connect",
        "socket.socket.accept",
        "socket.socket.recv",
        "socket.socket.recv_into",
        "socket.socket.recvfrom",
        "socket.socket.send",
        "socket.socket.sendall",
        "socket.socket.sendto",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "smtplib.SMTP.sendmail",
        "smtplib.SMTP.send_message",
        "ftplib.FTP",
        "ftplib.FTP_TLS",
    ),
    # ASY105 blocking-database
    **_entries(
        "ASY105",
        "an async driver (aiosqlite, asyncpg, psycopg's AsyncConnection, redis.asyncio, motor)",
        "psycopg2.connect",
        "psycopg.connect",
        "pymysql.connect",
        "MySQLdb.connect",
        "pymongo.MongoClient",
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.Engine.connect",
        "sqlalchemy.engine.Engine.begin",
        "sqlalchemy.orm.Session.execute",
        "sqlalchemy.orm.Session.commit",
        "sqlalchemy.orm.Session.query",
        "boto3.client",
        "boto3.resource",
    ),
    **_entries(
        "ASY105",
        "aiosqlite",
        "sqlite3.connect",
        "sqlite3.Connection.execute",
        "sqlite3.Connection.executemany",
        "sqlite3.Connection.executescript",
        "sqlite3.Connection.commit",
        "sqlite3.Connection.rollback",
        "sqlite3.Cursor.execute",
        "sqlite3.Cursor.executemany",
        "sqlite3.Cursor.executescript",
        "sqlite3.Cursor.fetchone",
        "sqlite3.Cursor.fetchmany",
        "sqlite3.Cursor.fetchall",
        no_offload=_THREAD_BOUND,
    ),
    **_entries("ASY105", "`redis.asyncio.Redis`", *(f"redis.Redis.{command}" for command in _REDIS_COMMANDS)),
    **_entries("ASY105", "motor or pymongo's AsyncMongoClient", *(f"pymongo.collection.Collection.{m}" for m in _MONGO_METHODS)),
    # ASY107 blocking-input
    **_entries(
        "ASY107",
        "a dedicated input thread",
        "builtins.input",
        "getpass.getpass",
        "sys.stdin.read",
        "sys.stdin.readline",
        "sys.stdin.readlines",
    ),
}

# Waiting on threads, thread-safe futures, locks and queues (ASY106). No offload fix: the right
# change is an asyncio primitive, not a thread that waits for a thread.
BLOCKING_WAITS: dict[str, str] = {
    "concurrent.futures.Future.result": "`await asyncio.wrap_future(future)`",
    "concurrent.futures.Future.exception": "`await asyncio.wrap_future(future)`",
    "concurrent.futures.wait": "`await asyncio.wait()` on wrapped futures",
    "concurrent.futures.as_completed": "`asyncio.as_completed()` on wrapped futures",
    "threading.Thread.join": "`await asyncio.to_thread(thread.join)`",
    "threading.Lock.acquire": "`asyncio.Lock`",
    "threading.RLock.acquire": "`asyncio.Lock`",
    "threading.Semaphore.acquire": "`asyncio.Semaphore`",
    "threading.BoundedSemaphore.acquire": "`asyncio.BoundedSemaphore`",
    "threading.Event.wait": "`asyncio.Event`",
    "threading.Condition.acquire": "`asyncio.Condition`",
    "threading.Condition.wait": "`asyncio.Condition`",
    "threading.Condition.wait_for": "`asyncio.Condition`",
    "threading.Barrier.wait": "`asyncio.Barrier`",
    "queue.Queue.get": "`asyncio.Queue` (or `get_nowait()`)",
    "queue.Queue.put": "`asyncio.Queue` (or `put_nowait()`)",
    "queue.Queue.join": "`asyncio.Queue`",
}

NESTED_LOOP_CALLS = frozenset(
    {
        "asyncio.run",
        "asyncio.AbstractEventLoop.run_until_complete",
        "asyncio.AbstractEventLoop.run_forever",
        "asyncio.BaseEventLoop.run_until_complete",
        "asyncio.BaseEventLoop.run_forever",
    }
)
GET_EVENT_LOOP = "asyncio.get_event_loop"
EXECUTORS = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
    }
)
# Functions that run their callable argument in a worker thread: (qualified name, position of
# the callable among positional arguments).
OFFLOADERS: dict[str, int] = {
    "asyncio.to_thread": 0,
    "asyncio.AbstractEventLoop.run_in_executor": 1,
    "anyio.to_thread.run_sync": 0,
    # Host frameworks' own (users add theirs with `extend-offloaders`, callable first).
    "homeassistant.core.HomeAssistant.async_add_executor_job": 0,
    "homeassistant.core.HomeAssistant.async_add_import_executor_job": 0,
}

# Path methods and properties whose value is a Path again: `(root / "x").parent.read_text()`.
_PATH_RETURNING = (
    "home", "cwd", "joinpath", "with_name", "with_suffix", "with_stem", "resolve", "absolute",
    "expanduser", "relative_to",
)
# What iterating the value of a call yields: `for child in root.iterdir(): child.unlink()`.
ITEM_TYPES: dict[str, str] = {f"pathlib.Path.{method}": "pathlib.Path" for method in ("iterdir", "glob", "rglob")}
ATTRIBUTE_TYPES: dict[str, str] = {"pathlib.Path.parent": "pathlib.Path", "pathlib.Path.__truediv__": "pathlib.Path"}

RETURN_TYPES: dict[str, str] = {
    "requests.Session": "requests.Session",
    "requests.session": "requests.Session",
    "requests.sessions.Session": "requests.Session",
    "httpx.Client": "httpx.Client",
    "urllib3.PoolManager": "urllib3.PoolManager",
    "urllib3.ProxyManager": "urllib3.PoolManager",
    "urllib3.proxy_from_url": "urllib3.PoolManager",
    "urllib3.poolmanager.PoolManager": "urllib3.PoolManager",
    "urllib3.connectionpool.HTTPConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.HTTPSConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.HTTPConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.HTTPSConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.connection_from_url": "urllib3.HTTPConnectionPool",
    "urllib3.PoolManager.connection_from_url": "urllib3.HTTPConnectionPool",
    "urllib3.PoolManager.connection_from_host": "urllib3.HTTPConnectionPool",
    "ssl.SSLContext": "ssl.SSLContext",
    "ssl.create_default_context": "ssl.SSLContext",
    "builtins.open": "io.IOBase",
    "io.open": "io.IOBase",
    "io.open_code": "io.IOBase",
    "os.fdopen": "io.IOBase",
    "pathlib.Path.open": "io.IOBase",
    **{f"pathlib.Path.{method}": "pathlib.Path" for method in _PATH_RETURNING},
    "http.client.HTTPConnection": "http.client.HTTPConnection",
    "http.client.HTTPSConnection": "http.client.HTTPSConnection",
    "subprocess.Popen": "subprocess.Popen",
    "pathlib.Path": "pathlib.Path",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "pathlib.PurePath": "pathlib.PurePath",
    "socket.socket": "socket.socket",
    "smtplib.SMTP": "smtplib.SMTP",
    "sqlite3.connect": "sqlite3.Connection",
    "sqlite3.Connection.cursor": "sqlite3.Cursor",
    "redis.Redis": "redis.Redis",
    "redis.StrictRedis": "redis.Redis",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "pymongo.MongoClient": "pymongo.MongoClient",
    "sqlalchemy.create_engine": "sqlalchemy.engine.Engine",
    "threading.Thread": "threading.Thread",
    "threading.Lock": "threading.Lock",
    "threading.RLock": "threading.RLock",
    "threading.Semaphore": "threading.Semaphore",
    "threading.BoundedSemaphore": "threading.BoundedSemaphore",
    "threading.Event": "threading.Event",
    "threading.Condition": "threading.Condition",
    "threading.Barrier": "threading.Barrier",
    "queue.Queue": "queue.Queue",
    "queue.LifoQueue": "queue.Queue",
    "queue.PriorityQueue": "queue.Queue",
    "concurrent.futures.ThreadPoolExecutor": "concurrent.futures.ThreadPoolExecutor",
    "concurrent.futures.ProcessPoolExecutor": "concurrent.futures.ProcessPoolExecutor",
    "concurrent.futures.ThreadPoolExecutor.submit": "concurrent.futures.Future",
    "concurrent.futures.ProcessPoolExecutor.submit": "concurrent.futures.Future",
    "concurrent.futures.Executor.submit": "concurrent.futures.Future",
    "asyncio.run_coroutine_threadsafe": "concurrent.futures.Future",
}

# -- where sync code runs on the event loop's thread ---------------------------------------------
# Methods asyncio calls on the loop thread for a protocol object (subclasses of these bases).
PROTOCOL_BASES = frozenset(
    {
        f"{module}.{name}"
        for module in ("asyncio", "asyncio.protocols")
        for name in ("BaseProtocol", "Protocol", "BufferedProtocol", "DatagramProtocol", "SubprocessProtocol")
    }
)
PROTOCOL_CALLBACKS = frozenset(
    {
        "connection_made", "connection_lost", "data_received", "eof_received", "pause_writing",
        "resume_writing", "get_buffer", "buffer_updated", "datagram_received", "error_received",
        "pipe_data_received", "pipe_connection_lost", "process_exited",
    }
)
# Methods whose callable argument the loop calls on its thread: name → position among positional
# arguments. Matched by method name: the receiver (a loop, future or task) is rarely typed.
LOOP_CALLBACK_SCHEDULERS: dict[str, int] = {
    "call_soon": 0,
    "call_soon_threadsafe": 0,
    "call_later": 1,
    "call_at": 1,
    "add_done_callback": 0,
}
# Decorators that mark a sync function as running on the loop thread (users add their own with
# `extend-loop-only-decorators`).
LOOP_ONLY_DECORATORS = frozenset({"homeassistant.core.callback"})

# -- one-shot commands ----------------------------------------------------------------------------
# A coroutine run by these from a script (module level, or a sync function of a module with an
# `if __name__ == "__main__":` block) is the whole program: nothing else waits on its loop.
SCRIPT_RUNNERS = frozenset(
    {
        "asyncio.run",
        "anyio.run",
        "trio.run",
        "asyncio.AbstractEventLoop.run_until_complete",
        "asyncio.Runner.run",
    }
)
# A coroutine decorated `@<x>.command(...)` (or `callback`, `group`, `default`) in a module that
# imports one of these CLI frameworks is a command-line command.
CLI_FRAMEWORKS = frozenset({"click", "asyncclick", "typer", "cyclopts"})
CLI_DECORATORS = frozenset({"command", "callback", "group", "default"})

# `threading` locks whose `with` statement waits for another thread (ASY106), and what builds them.
THREAD_LOCKS = frozenset(
    {"threading.Lock", "threading.RLock", "threading.Semaphore", "threading.BoundedSemaphore", "threading.Condition"}
)
THREAD_LOCK_CONSTRUCTORS = frozenset(
    {"threading.Lock", "threading.RLock", "threading.Semaphore", "threading.BoundedSemaphore"}
)

# Decorators that cache a function's result: a blocking call inside runs once per argument, at the
# first call (start-up, typically), so ASY110 does not follow a chain through the function.
MEMOIZING_DECORATORS = frozenset(
    {"functools.cache", "functools.lru_cache", "functools.cached_property", "toolz.memoize", "cachetools.cached"}
)

# `put()` on these never waits when they are built without a `maxsize` (ASY106).
UNBOUNDED_PUTS = frozenset({"queue.Queue.put"})
QUEUE_CONSTRUCTORS = frozenset({"queue.Queue", "queue.LifoQueue", "queue.PriorityQueue"})
# Reading a future's outcome, which waits only while it is not done (ASY106).
FUTURE_OUTCOMES = frozenset({"concurrent.futures.Future.result", "concurrent.futures.Future.exception"})
