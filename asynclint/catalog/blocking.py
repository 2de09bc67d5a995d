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


def _entries(code: str, instead: str, *names: str) -> dict[str, BlockingCall]:
    return {name: BlockingCall(code, instead) for name in names}


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
    **_entries("ASY101", "`httpx.AsyncClient`", *(f"httpx.Client.{verb}" for verb in (*_HTTP_VERBS, "send", "stream"))),
    **_entries(
        "ASY101",
        _ASYNC_HTTP,
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib3.request",
        "urllib3.PoolManager.request",
        "urllib3.PoolManager.urlopen",
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
    ),
    # ASY103 blocking-file-io
    **_entries(
        "ASY103",
        "`anyio.Path` or aiofiles",
        "builtins.open",
        "io.open",
        "codecs.open",
        "pathlib.Path.open",
        "pathlib.Path.read_text",
        "pathlib.Path.read_bytes",
        "pathlib.Path.write_text",
        "pathlib.Path.write_bytes",
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "shutil.rmtree",
        "os.listdir",
        "os.scandir",
        "os.walk",
        "glob.glob",
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
}

RETURN_TYPES: dict[str, str] = {
    "requests.Session": "requests.Session",
    "requests.session": "requests.Session",
    "requests.sessions.Session": "requests.Session",
    "httpx.Client": "httpx.Client",
    "urllib3.PoolManager": "urllib3.PoolManager",
    "http.client.HTTPConnection": "http.client.HTTPConnection",
    "http.client.HTTPSConnection": "http.client.HTTPSConnection",
    "subprocess.Popen": "subprocess.Popen",
    "pathlib.Path": "pathlib.Path",
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
