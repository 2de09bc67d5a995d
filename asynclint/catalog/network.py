"""Network clients, their timeouts, pools and TLS settings (ASY400–ASY407).

Qualified names are the ones import resolution produces; `Type.method` names apply to receivers
whose type is known (`session = aiohttp.ClientSession()` makes `session.get` →
`aiohttp.ClientSession.get`). Users add timeout context managers with `extend-timeout-contexts`.
"""

from __future__ import annotations

# What calls to these return, so that receivers of later calls have a known type.
RETURN_TYPES: dict[str, str] = {
    "aiohttp.ClientSession": "aiohttp.ClientSession",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession",
    "aiohttp.TCPConnector": "aiohttp.TCPConnector",
    "aiohttp.connector.TCPConnector": "aiohttp.TCPConnector",
    "aiohttp.ClientTimeout": "aiohttp.ClientTimeout",
    "httpx.AsyncClient": "httpx.AsyncClient",
    "httpx.Client": "httpx.Client",
    "ssl.create_default_context": "ssl.SSLContext",
    "ssl.SSLContext": "ssl.SSLContext",
    "ssl._create_unverified_context": "ssl.SSLContext",
    "httpx.create_ssl_context": "ssl.SSLContext",
    # Home Assistant hands out shared clients; typing them lets `session.get(..., ssl=False)` resolve.
    "homeassistant.helpers.aiohttp_client.async_get_clientsession": "aiohttp.ClientSession",
    "homeassistant.helpers.httpx_client.get_async_client": "httpx.AsyncClient",
}

# -- clients ------------------------------------------------------------------------------------
AIOHTTP_SESSIONS = frozenset({"aiohttp.ClientSession", "aiohttp.client.ClientSession"})
AIOHTTP_CONNECTORS = frozenset({"aiohttp.TCPConnector", "aiohttp.connector.TCPConnector"})
HTTPX_ASYNC_CLIENTS = frozenset({"httpx.AsyncClient"})
HTTPX_SYNC_CLIENTS = frozenset({"httpx.Client"})

# ClientSession keywords that set a timeout (the last two are aiohttp's deprecated spellings).
SESSION_TIMEOUT_KEYWORDS = frozenset({"timeout", "read_timeout", "conn_timeout"})

# ASY403: a function that runs once per event, message or request (a session made in it is made
# per event): decorated by a framework's registration decorator (the last name part: `@app.get`,
# `@router.post`, `@dp.message`, `@client.on(...)`), or taking the request/message being handled.
HANDLER_DECORATORS = frozenset(
    {
        "route",
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "websocket",
        "websocket_route",
        "on",
        "on_event",
        "event",
        "message",
        "message_handler",
        "callback_query",
        "command",
        "listener",
        "subscriber",
        "handler",
        "middleware",
        "on_message",
    }
)
# ...unless the event is the application's own start or stop (`@app.on_event("startup")`,
# `@app.listener("before_server_start")`, `@bot.event async def on_ready()`): matched as words of
# the decorator's string arguments and of the function's name.
LIFECYCLE_EVENT_WORDS = frozenset(
    {
        "startup",
        "start",
        "started",
        "shutdown",
        "stop",
        "stopped",
        "ready",
        "lifespan",
        "setup",
        "teardown",
        "cleanup",
        "serving",
        "init",
    }
)
HANDLER_ARGUMENT_TYPES = frozenset(
    {"Request", "BaseRequest", "WebSocket", "Message", "CallbackQuery", "Update", "Event"}
)
# ASY403: a session per loop iteration throws its pool away.
SESSION_CONSTRUCTORS = AIOHTTP_SESSIONS | HTTPX_ASYNC_CLIENTS | HTTPX_SYNC_CLIENTS
# ASY404: objects that hold sockets until closed.
CLOSEABLE_CLIENTS = AIOHTTP_SESSIONS | HTTPX_ASYNC_CLIENTS | AIOHTTP_CONNECTORS
# Method names that release a client (or prove its owner manages it by hand).
CLOSE_METHODS = frozenset({"close", "aclose", "__aexit__", "__exit__", "__aenter__", "__enter__", "detach"})

_HTTP_METHODS = ("request", "get", "post", "put", "patch", "delete", "head", "options")
# ClientSession methods that take a per-request `timeout=` overriding the session's.
AIOHTTP_REQUEST_METHODS = frozenset(_HTTP_METHODS)
# A websocket: after the handshake the session's `total` no longer applies; `heartbeat=` (or its
# own `timeout=`/`receive_timeout=`) is what notices a dead peer.
AIOHTTP_WEBSOCKET_METHODS = frozenset({"ws_connect"})
AIOHTTP_WEBSOCKET_BOUNDS = frozenset({"heartbeat", "timeout", "receive_timeout"})
# Reads of a client that neither send a request nor hand it on.
CLIENT_INSPECTIONS = frozenset({"closed", "connector", "cookie_jar", "headers", "loop"})
INSPECTING_FUNCTIONS = frozenset({"builtins.isinstance", "builtins.callable", "builtins.id", "builtins.repr"})
AIOHTTP_REQUESTS = frozenset(
    [f"aiohttp.ClientSession.{method}" for method in _HTTP_METHODS] + ["aiohttp.request", "aiohttp.client.request"]
)
HTTPX_FUNCTIONS = frozenset([f"httpx.{method}" for method in _HTTP_METHODS] + ["httpx.stream"])
HTTPX_CLIENT_METHODS = frozenset(
    f"httpx.{client}.{method}"
    for client in ("Client", "AsyncClient")
    for method in (*_HTTP_METHODS, "stream", "build_request")
)
HTTPX_TRANSPORTS = frozenset({"httpx.HTTPTransport", "httpx.AsyncHTTPTransport"})

# -- ASY401: timeouts switched off ---------------------------------------------------------------
AIOHTTP_TIMEOUTS = frozenset({"aiohttp.ClientTimeout", "aiohttp.client.ClientTimeout"})
# ClientTimeout fields in positional order; ceil_threshold is not a bound.
AIOHTTP_TIMEOUT_FIELDS = ("total", "connect", "sock_read", "sock_connect")
HTTPX_TIMEOUTS = frozenset({"httpx.Timeout"})
HTTPX_TIMEOUT_FIELDS = ("connect", "read", "write", "pool")
# Calls whose `timeout=None` means "wait forever".
HTTPX_TIMEOUT_TAKERS = HTTPX_ASYNC_CLIENTS | HTTPX_SYNC_CLIENTS | HTTPX_FUNCTIONS | HTTPX_CLIENT_METHODS
# aiohttp turns a per-request `timeout=None` into ClientTimeout(total=None).
AIOHTTP_TIMEOUT_TAKERS = frozenset(name for name in AIOHTTP_REQUESTS if name.startswith("aiohttp.ClientSession."))
# asyncio deadline helpers: qualified name → (position, keyword) of the delay argument.
ASYNCIO_DEADLINES: dict[str, tuple[int, str]] = {
    "asyncio.wait_for": (1, "timeout"),
    "asyncio.timeout": (0, "delay"),
    "asyncio.timeout_at": (0, "when"),
    "asyncio.tasks.wait_for": (1, "timeout"),
    "asyncio.timeouts.timeout": (0, "delay"),
    "asyncio.timeouts.timeout_at": (0, "when"),
}

# -- ASY402: HTTP/2 spoken over a TLS connection the code opens itself ---------------------------
SSL_CONTEXT_FACTORIES = frozenset(
    {"ssl.create_default_context", "ssl.SSLContext", "ssl._create_unverified_context", "httpx.create_ssl_context"}
)
# Constructing one of these means the module speaks HTTP/2 itself (the h2 protocol library).
HTTP2_CONNECTIONS = frozenset({"h2.connection.H2Connection"})
# Calls that run a TLS handshake with a caller's context: keyword, and position when positional.
TLS_CONNECTS: dict[str, tuple[str, int]] = {
    "asyncio.open_connection": ("ssl", -1),
    "asyncio.open_unix_connection": ("ssl", -1),
    "asyncio.start_server": ("ssl", -1),
    "asyncio.start_unix_server": ("ssl", -1),
    "asyncio.AbstractEventLoop.create_connection": ("ssl", -1),
    "asyncio.AbstractEventLoop.create_unix_connection": ("ssl", -1),
    "asyncio.AbstractEventLoop.create_server": ("ssl", -1),
    "asyncio.AbstractEventLoop.start_tls": ("sslcontext", 2),
    "asyncio.StreamWriter.start_tls": ("sslcontext", 0),
    "ssl.SSLContext.wrap_socket": ("", -1),
    "ssl.SSLContext.wrap_bio": ("", -1),
}
ALPN_METHODS = frozenset({"set_alpn_protocols", "set_npn_protocols"})

# -- ASY405: connects that can hang ---------------------------------------------------------------
CONNECT_CALLS = frozenset(
    {
        "asyncio.open_connection",
        "asyncio.open_unix_connection",
        "asyncio.streams.open_connection",
        "asyncio.streams.open_unix_connection",
        "asyncio.AbstractEventLoop.create_connection",
        "asyncio.AbstractEventLoop.create_unix_connection",
        "asyncio.AbstractEventLoop.getaddrinfo",
    }
)
# Context managers that bound everything awaited inside them (`extend-timeout-contexts` adds more).
TIMEOUT_CONTEXTS = frozenset(
    {
        "asyncio.timeout",
        "asyncio.timeout_at",
        "asyncio.timeouts.timeout",
        "asyncio.timeouts.timeout_at",
        "async_timeout.timeout",
        "async_timeout.timeout_at",
        "anyio.fail_after",
        "anyio.move_on_after",
        "anyio.fail_at",
        "anyio.move_on_at",
        "trio.fail_after",
        "trio.move_on_after",
        "trio.fail_at",
        "trio.move_on_at",
    }
)
# Parameters that carry the caller's connect deadline (ASY405's fix passes them on).
TIMEOUT_PARAMETERS = frozenset({"timeout", "connect_timeout", "open_timeout", "conn_timeout", "timeout_s", "deadline"})
# Calls whose first argument is awaited under a deadline.
TIMEOUT_WRAPPERS = frozenset({"asyncio.wait_for", "asyncio.tasks.wait_for"})

# -- ASY406: certificate checks switched off ------------------------------------------------------
AIOHTTP_SSL_TAKERS = AIOHTTP_REQUESTS | AIOHTTP_CONNECTORS | frozenset({"aiohttp.ClientSession.ws_connect"})
AIOHTTP_SSL_OFF_KEYWORDS = frozenset({"ssl", "verify_ssl"})
HTTPX_VERIFY_TAKERS = (
    HTTPX_ASYNC_CLIENTS
    | HTTPX_SYNC_CLIENTS
    | HTTPX_FUNCTIONS
    | HTTPX_TRANSPORTS
    | frozenset({"httpx.create_ssl_context"})
)
UNVERIFIED_CONTEXT_FACTORIES = frozenset({"ssl._create_unverified_context"})
# Arguments that make an SSLContext server-side, where CERT_NONE only means "no client certificate".
SERVER_SIDE_MARKERS = frozenset({"ssl.Purpose.CLIENT_AUTH", "ssl.PROTOCOL_TLS_SERVER"})
CERT_NONE = frozenset({"ssl.CERT_NONE", "ssl.VerifyMode.CERT_NONE"})
# Words in a condition, function or variable name that mark an explicit opt-out of verification
# (`if args.insecure:`, `def _client_context_no_verify()`, `_insecure_transport = ...`) and words
# that mark the option asking for it (`if verify_ssl:` ... `else:` is the opt-out branch).
INSECURE_WORDS = (
    "insecure",
    "no_verify",
    "noverify",
    "skip_verify",
    "unverified",
    "not_verified",
    "disable_ssl",
    "ignore_ssl",
)
VERIFY_WORDS = ("verify", "verified", "check_cert", "validate_cert", "cert_reqs")
# Keywords of context factories that pin a private trust anchor.
TRUST_ANCHOR_KEYWORDS = frozenset({"cafile", "capath", "cadata"})
TRUST_ANCHOR_METHODS = frozenset({"load_verify_locations"})
# ...that load the public CA bundle, not a CA of the code's own.
PUBLIC_CA_BUNDLES = frozenset({"certifi.where"})

# -- ASY407: pools without a size limit -----------------------------------------------------------
HTTPX_LIMITS = frozenset({"httpx.Limits"})
