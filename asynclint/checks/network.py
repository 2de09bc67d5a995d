"""Network clients (ASY400–ASY407): missing or disabled timeouts, sessions thrown away or leaked,
TLS without ALPN for HTTP/2, certificate checks switched off, pools without a bound.
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterator, Optional, Union, cast

import libcst as cst

from asynclint.catalog import network as catalog
from asynclint.checks.base import Rule
from asynclint.engine.context import Context, iter_path, parent_of
from asynclint.engine.fixes import Fix
from asynclint.semantics import coroutines
from asynclint.semantics.arguments import argument, has_double_star, has_star, keyword_argument
from asynclint.semantics.callees import callee_names, first_known
from asynclint.semantics.constants import is_false, is_none
from asynclint.semantics.function_kinds import decorator_target
from asynclint.semantics.labels import callee_text, function_label, location_label
from asynclint.semantics.references import inspected
from asynclint.semantics.scope import (
    Binding,
    BindingKind,
    Path,
    Scope,
    ScopeKind,
    dotted_name,
    iter_children,
    iter_subtree,
)

_SCOPE_NODES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


# -- shared helpers ------------------------------------------------------------------------------
def _is_name(node: Optional[cst.CSTNode], value: str) -> bool:
    return type(node) is cst.Name and node.value == value


def _seconds(value: float) -> cst.BaseExpression:
    """`30` for 30 or 30.0, `1.5` for 1.5: ints are written without `.0`."""
    number = float(value)
    text = str(int(number)) if number.is_integer() else repr(number)
    return cst.parse_expression(text)


def _keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
    )


def append_keyword(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """`call` with `arg` added last, following the call's layout (one line, or one argument per
    line with a trailing comma)."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=(arg,))
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # Trailing comma: the last argument keeps its comma and comment but now breaks to the
        # argument indentation; the new argument ends the same way the old last one did.
        trailing = last.comma
        if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
            between = args[-2].comma.whitespace_after
        else:
            between = call.whitespace_before_args
        closing = trailing.whitespace_after
        if isinstance(closing, cst.ParenthesizedWhitespace) and isinstance(between, cst.ParenthesizedWhitespace):
            args[-1] = last.with_changes(
                comma=trailing.with_changes(
                    whitespace_after=closing.with_changes(indent=between.indent, last_line=between.last_line)
                )
            )
            end = cst.ParenthesizedWhitespace(
                first_line=cst.TrailingWhitespace(), indent=closing.indent, last_line=closing.last_line
            )
            args.append(arg.with_changes(comma=cst.Comma(whitespace_after=end)))
        else:
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            args.append(arg.with_changes(comma=trailing))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(arg)
    return call.with_changes(args=tuple(args))


def classify_reference(node: cst.CSTNode, path: Path) -> str:
    """How a read of a client object uses it: "close" (close/aclose or a manual context-manager
    call, anywhere in an attribute chain), "with" (`async with x:`), "use" (a method call or an
    inspection, which keeps it here), or "escape" (anything that may hand it to other code)."""
    parent = parent_of(path)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        current, current_path = parent, cast(tuple, path)[1]  # a parent: path is not None
        while True:
            if current.attr.value in catalog.CLOSE_METHODS:
                return "close"
            up = parent_of(current_path)
            if type(up) is cst.Attribute and up.value is current:
                current, current_path = up, current_path[1]
                continue
            break
        up = parent_of(current_path)
        if type(up) is cst.Call and up.func is current:
            return "use"
        return "use" if inspected(current, current_path) else "escape"
    if type(parent) is cst.WithItem and parent.item is node:
        return "with"
    return "use" if inspected(node, path) else "escape"


def _local_target(ctx: Context) -> Optional[str]:
    """The name the current call is assigned to (`x = call(...)`, `x: T = call(...)`)."""
    parent = ctx.parent
    if type(parent) is cst.Assign and parent.value is ctx.node and len(parent.targets) == 1:
        target = parent.targets[0].target
    elif type(parent) is cst.AnnAssign and parent.value is ctx.node:
        target = parent.target
    else:
        return None
    return target.value if type(target) is cst.Name else None


def _within(node: cst.CSTNode, path: Path) -> bool:
    return any(ancestor is node for ancestor in iter_path(path))


# -- ASY400 --------------------------------------------------------------------------------------
class ClientSessionWithoutTimeout(Rule):
    code = "ASY400"
    name = "client-session-without-timeout"
    summary = "`aiohttp.ClientSession` without `timeout=`"
    fix = "unsafe"
    default_enabled = False
    message = (
        "`{callee}()` {function} has no `timeout=`: aiohttp then allows 5 minutes per request, so a "
        "stalled server holds this coroutine (and its connection) that long; pass "
        "`timeout=aiohttp.ClientTimeout(sock_connect=..., sock_read=...)` (requests with their own "
        "`timeout=` keep it)"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        qualified = ctx.qualified_name(node.func)
        if qualified not in catalog.AIOHTTP_SESSIONS or has_double_star(node):
            return
        if any(arg.keyword is not None and arg.keyword.value in catalog.SESSION_TIMEOUT_KEYWORDS for arg in node.args):
            return
        if self._every_request_bounded(node, ctx):
            return
        message = self.message.format(callee=callee_text(node.func, qualified), function=location_label(ctx.function))
        ctx.report(node, message, fix=self._fix(node, ctx))

    def _every_request_bounded(self, node: cst.Call, ctx: Context) -> bool:
        """Every request made on the session brings its own bound: its own `timeout=`, an enclosing
        deadline (`async with asyncio.timeout(...)`, `wait_for`), or, for a websocket, a heartbeat.
        The session is followed through a local, an attribute (`self._session`) and the methods
        that return it (`session = await self.create_session()`); any other use of it (handed to
        other code) means its requests cannot be seen."""
        handles = _SessionHandles(ctx)
        if not handles.start(node, ctx.path, ctx.scope):
            return False
        requests = 0
        for use, bounded in handles.uses():
            if use == "escape" or (use == "request" and not bounded):
                return False
            requests += use == "request"
        return requests > 0

    def _fix(self, node: cst.Call, ctx: Context) -> Optional[Fix]:
        timeout_class, imports = self._client_timeout(ctx)
        if timeout_class is None:
            return None
        seconds = _seconds(self.config.default_timeout)
        # Bound the connect and each wait for data, not the whole exchange: a `total` would also
        # cut off long downloads, uploads and streamed responses on this session.
        value = cst.Call(
            func=timeout_class,
            args=(
                _keyword_arg("sock_connect", seconds).with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                ),
                _keyword_arg("sock_read", seconds),
            ),
        )
        replacement = append_keyword(node, _keyword_arg("timeout", value))
        text = cst.Module([]).code_for_node(value)
        return Fix("unsafe", f"Add `timeout={text}`", ((node, replacement),), imports)

    @staticmethod
    def _client_timeout(ctx: Context) -> tuple[Optional[cst.BaseExpression], tuple[str, ...]]:
        root = ctx.module_scope
        for name, bindings in root.bindings.items():
            if all(
                binding.kind is BindingKind.IMPORT and binding.qualified in catalog.AIOHTTP_TIMEOUTS
                for binding in bindings
            ):
                if ctx.scope.resolve(name) is root:
                    return cst.Name(name), ()
        return ctx.module_attribute("aiohttp", "ClientTimeout")


def _await_stripped(expr: Optional[cst.BaseExpression]) -> Optional[cst.BaseExpression]:
    return expr.expression if type(expr) is cst.Await else expr


def _self_attribute(expr: Optional[cst.BaseExpression]) -> Optional[str]:
    if type(expr) is cst.Attribute and _is_name(expr.value, "self"):
        return expr.attr.value
    return None


class _SessionHandles:
    """Where one session created in a module goes: the local it is bound to, the `self.<attribute>`
    it is stored in, the functions that return it, and the locals bound to any of those."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.attributes: set[str] = set()
        self.functions: set[str] = set()
        self.locals: list[tuple[Scope, str]] = []
        self._nodes: Optional[list[tuple[cst.CSTNode, Path, Scope]]] = None

    def nodes(self) -> list[tuple[cst.CSTNode, Path, Scope]]:
        """Every node of the module with its path and the scope of its innermost function."""
        if self._nodes is None:
            ctx = self.ctx
            found: list[tuple[cst.CSTNode, Path, Scope]] = []
            stack: list[tuple[cst.CSTNode, Path, Scope]] = [(ctx.module, (ctx.module, None), ctx.module_scope)]
            while stack:
                node, path, scope = stack.pop()
                found.append((node, path, scope))
                inner = scope
                if type(node) is cst.FunctionDef:
                    inner = ctx.scope_of(node) or scope
                for child in iter_children(node):
                    stack.append((child, (child, path), inner))
            self._nodes = found
        return self._nodes

    def start(self, node: cst.Call, path: Path, scope: Scope) -> bool:
        ctx = self.ctx
        parent = parent_of(path)
        if type(parent) is cst.WithItem and parent.item is node:
            target = parent.asname.name if parent.asname is not None else None
            if type(target) is not cst.Name:
                return False
            return self._add_local(scope, target.value)
        if type(parent) is cst.Return:
            return self._add_function(ctx.function)
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            stored: Optional[cst.BaseExpression] = None
            if isinstance(parent, cst.AnnAssign):
                stored = parent.target
            elif len(parent.targets) == 1:
                stored = parent.targets[0].target
            if isinstance(stored, cst.Name):
                return self._add_local(scope, stored.value)
            attribute = _self_attribute(stored)
            if attribute is not None:
                self.attributes.add(attribute)
                self._grow()
                return True
        return False

    def _add_local(self, scope: Scope, name: str) -> bool:
        owner = scope.resolve(name)
        if owner is None or owner.kind is not ScopeKind.FUNCTION:
            return False
        self.locals.append((owner, name))
        return True

    def _add_function(self, function: Optional[cst.FunctionDef]) -> bool:
        if function is None:
            return False
        self.functions.add(function.name.value)
        self._grow()
        return True

    def _is_handle(self, expr: Optional[cst.BaseExpression]) -> bool:
        expr = _await_stripped(expr)
        if _self_attribute(expr) in self.attributes:
            return True
        if type(expr) is cst.Call and not expr.args:
            func = expr.func
            name = func.value if type(func) is cst.Name else _self_attribute(func)
            return name in self.functions
        return False

    def _grow(self) -> None:
        """Functions that return a stored session, attributes that store a returned one, and the
        locals bound to any of them, until nothing new appears."""
        for _ in range(4):
            before = (len(self.attributes), len(self.functions))
            for found, path, _scope in self.nodes():
                if isinstance(found, cst.Return) and self._is_handle(found.value):
                    function = next((a for a in iter_path(path) if isinstance(a, cst.FunctionDef)), None)
                    if function is not None:
                        self.functions.add(function.name.value)
                elif isinstance(found, cst.Assign) and len(found.targets) == 1 and self._is_handle(found.value):
                    attribute = _self_attribute(found.targets[0].target)
                    if attribute is not None:
                        self.attributes.add(attribute)
            if (len(self.attributes), len(self.functions)) == before:
                break
        for found, _path, scope in self.nodes():
            if type(found) is cst.Assign and len(found.targets) == 1 and type(found.targets[0].target) is cst.Name:
                if self._is_handle(found.value):
                    self._add_local(scope, found.targets[0].target.value)

    def uses(self) -> Iterator[tuple[str, bool]]:
        """("request", bounded) for each request made on the session, ("escape", False) for a use
        that may hand it on; closes, inspections and the stores and returns followed above are skipped."""
        ctx = self.ctx
        for owner, name in self.locals:
            for reference, path, scope in ctx.references(owner, name):
                yield self._classify(reference, path, scope)
        if self.attributes or self.functions:
            for found, path, scope in self.nodes():
                if type(found) is cst.Attribute and _self_attribute(found) in self.attributes:
                    up = parent_of(path)
                    if type(up) is cst.Attribute and up.value is found and up.attr.value in self.functions:
                        continue
                    yield self._classify(found, path, scope)

    def _classify(self, node: cst.BaseExpression, path: Path, scope: Scope) -> tuple[str, bool]:
        ctx = self.ctx
        parent = parent_of(path)
        if type(parent) is cst.Attribute and parent.value is node:
            method = parent.attr.value
            call_path = cast(tuple, path)[1][1]  # a parent: path is not None
            call = call_path[0] if call_path is not None else None
            if type(call) is cst.Call and call.func is parent:
                if method in catalog.AIOHTTP_REQUEST_METHODS:
                    own = keyword_argument(call, "timeout") is not None or has_double_star(call)
                    return "request", own or _under_deadline(call, call_path, scope, ctx)
                if method in catalog.AIOHTTP_WEBSOCKET_METHODS:
                    own = any(keyword_argument(call, bound) is not None for bound in catalog.AIOHTTP_WEBSOCKET_BOUNDS)
                    return "request", own or has_double_star(call) or _under_deadline(call, call_path, scope, ctx)
                if method in catalog.CLOSE_METHODS:
                    return "close", True
                return "escape", False
            if method in catalog.CLOSE_METHODS or method in catalog.CLIENT_INSPECTIONS:
                return "close", True
            return "escape", False
        if type(parent) is cst.WithItem:
            return "close", True
        if type(parent) is cst.Call and parent.func is node:
            return "close", True  # the attribute also holds a factory (`self.client()`), not this session
        if type(parent) in (cst.AssignTarget, cst.AnnAssign, cst.Return) or inspected(node, path):
            return "close", True
        if type(parent) is cst.Assign and parent.value is node:
            return "close", True  # `session = self._session`: that local is followed as well
        if type(parent) is cst.Arg:
            call = parent_of(cast(tuple, path)[1])  # a parent: path is not None
            if type(call) is cst.Call and ctx.qualified_name(call.func, scope) in catalog.INSPECTING_FUNCTIONS:
                return "close", True
        return "escape", False


def _under_deadline(node: cst.CSTNode, path: Path, scope: Scope, ctx: Context) -> bool:
    """Inside `async with asyncio.timeout(...)` (or another timeout context) or the first argument
    of `asyncio.wait_for`, within the same function."""
    child = node
    for ancestor in iter_path(path[1] if path is not None else None):
        if isinstance(ancestor, _SCOPE_NODES):
            return False
        if isinstance(ancestor, cst.With) and child is ancestor.body:
            for item in ancestor.items:
                call = item.item
                if isinstance(call, cst.Call) and (
                    ctx.qualified_name(call.func, scope) in catalog.TIMEOUT_CONTEXTS
                    or dotted_name(call.func) in catalog.TIMEOUT_CONTEXTS
                ):
                    return True
        elif isinstance(ancestor, cst.Call) and type(child) is cst.Arg and ancestor.args and ancestor.args[0] is child:
            if ctx.qualified_name(ancestor.func, scope) in catalog.TIMEOUT_WRAPPERS:
                return True
        child = ancestor
    return False


# -- ASY401 --------------------------------------------------------------------------------------
class TimeoutDisabled(Rule):
    code = "ASY401"
    name = "timeout-disabled"
    summary = "timeout explicitly disabled"
    default_enabled = False
    message = (
        "{what} {function}: {consequence}; set a finite bound (streaming and server-sent-event "
        "clients may need one only on connect: `ClientTimeout(sock_connect=...)`, `httpx.Timeout(None, connect=...)`)"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        names = callee_names(node.func, ctx)
        if not names:
            return
        what = consequence = None
        if first_known(names, catalog.AIOHTTP_TIMEOUTS):
            if self._all_unbounded(node, catalog.AIOHTTP_TIMEOUT_FIELDS, None):
                what = f"`{callee_text(node.func, names[0])}({self._shown_args(node)})` sets no bound at all"
                consequence = "a request through it can wait forever on a server that stops answering"
        elif first_known(names, catalog.HTTPX_TIMEOUTS):
            if self._httpx_timeout_unbounded(node):
                what = f"`{callee_text(node.func, names[0])}({self._shown_args(node)})` disables every timeout"
                consequence = "connect, read, write and pool waits are unbounded"
        elif first_known(names, catalog.HTTPX_TIMEOUT_TAKERS | catalog.AIOHTTP_TIMEOUT_TAKERS):
            arg = keyword_argument(node, "timeout")
            if arg is not None and is_none(arg.value):
                what = f"`{callee_text(node.func, names[0])}(..., timeout=None)` disables the timeout"
                consequence = "the request can wait forever on a server that stops answering"
        else:
            deadline = first_known(names, catalog.ASYNCIO_DEADLINES)
            if deadline is not None:
                position, keyword = catalog.ASYNCIO_DEADLINES[deadline]
                arg = argument(node, position, keyword)
                if arg is not None and is_none(arg.value) and not self._rescheduled(node, ctx):
                    what = f"`{callee_text(node.func, deadline)}(..., None)` sets no deadline"
                    consequence = "the awaited operation can wait forever"
        if what is not None:
            ctx.report(
                node, self.message.format(what=what, function=location_label(ctx.function), consequence=consequence)
            )

    @staticmethod
    def _shown_args(node: cst.Call) -> str:
        return ", ".join(
            cst.Module([]).code_for_node(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for arg in node.args
        )

    @staticmethod
    def _all_unbounded(node: cst.Call, fields: tuple[str, ...], first: Optional[str]) -> bool:
        """Every bound the call sets is None (an empty call sets none)."""
        if has_star(node):
            return False
        positional = [arg for arg in node.args if arg.keyword is None]
        names = ([first] if first else []) + list(fields)
        for index, arg in enumerate(positional):
            if index >= len(names) or not is_none(arg.value):
                return False
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in names and not is_none(arg.value):
                return False
        return True

    def _httpx_timeout_unbounded(self, node: cst.Call) -> bool:
        if has_star(node):
            return False
        first = argument(node, 0, "timeout")
        given = {arg.keyword.value for arg in node.args if arg.keyword is not None}
        if first is None and not set(catalog.HTTPX_TIMEOUT_FIELDS) <= given:
            return False  # httpx requires either a default or all four fields
        return self._all_unbounded(node, catalog.HTTPX_TIMEOUT_FIELDS, "timeout")

    @staticmethod
    def _rescheduled(node: cst.Call, ctx: Context) -> bool:
        """`async with asyncio.timeout(None) as cm:` later moved with `cm.reschedule(...)`."""
        parent = ctx.parent
        if type(parent) is not cst.WithItem or parent.asname is None or type(parent.asname.name) is not cst.Name:
            return False
        name = parent.asname.name.value
        owner = ctx.scope.resolve(name)
        if owner is None:
            return False
        for reference, path, _ in ctx.references(owner, name):
            up = parent_of(path)
            if type(up) is cst.Attribute and up.value is reference and up.attr.value == "reschedule":
                return True
        return False


# -- ASY402 --------------------------------------------------------------------------------------
class Http2ContextWithoutAlpn(Rule):
    code = "ASY402"
    name = "http2-context-without-alpn"
    summary = "SSL context without ALPN given to an HTTP/2 client"
    fix = "unsafe"
    message = (
        "SSL context `{name}` is used for the TLS connection of `{callee}()` {function}, and this "
        "module speaks HTTP/2 (`h2`), but no ALPN protocols are set on it: the handshake never agrees "
        "on `h2`, so the server answers HTTP/1.1 or drops the connection; call "
        '`{name}.set_alpn_protocols(["h2"])` after creating it'
    )

    def __init__(self, config: Any):
        super().__init__(config)
        self._speaks_http2: Optional[bool] = None

    def begin_file(self, ctx: Context) -> None:
        self._speaks_http2 = None

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if ctx.qualified_name(node.func) not in catalog.SSL_CONTEXT_FACTORIES:
            return
        name = _local_target(ctx)
        statement = parent_of(cast(tuple, ctx.path)[1])  # the path of the current node is never None
        if name is None or type(statement) is not cst.SimpleStatementLine:
            return
        owner = ctx.scope.resolve(name)
        if owner is None or len(owner.bindings[name]) != 1 or not self._module_speaks_http2(ctx):
            return
        connection = self._first_tls_use(owner, name, ctx)
        if connection is None:
            return
        call, callee = connection
        alpn = cst.parse_statement(f'{name}.set_alpn_protocols(["h2"])\n')
        fix = Fix(
            "unsafe",
            f'Insert `{name}.set_alpn_protocols(["h2"])` after the context is created',
            ((statement, cst.FlattenSentinel([statement, alpn])),),
        )
        message = self.message.format(name=name, callee=callee, function=location_label(ctx.function))
        ctx.report(call, message, fix=fix)

    def _module_speaks_http2(self, ctx: Context) -> bool:
        if self._speaks_http2 is None:
            self._speaks_http2 = any(
                ctx.qualified_name(call.func, scope) in catalog.HTTP2_CONNECTIONS for call, _, scope in ctx.calls()
            )
        return self._speaks_http2

    @staticmethod
    def _first_tls_use(owner: Scope, name: str, ctx: Context) -> Optional[tuple[cst.Call, str]]:
        """The first call that runs a handshake with the context, or None when ALPN is set on it,
        it is handed to other code, or no handshake is visible."""
        uses: list[tuple[cst.Call, str]] = []
        for reference, path, scope in ctx.references(owner, name):
            parent = parent_of(path)
            if type(parent) is cst.Attribute and parent.value is reference:
                method = parent.attr.value
                if method in catalog.ALPN_METHODS:
                    return None
                call = parent_of(cast(tuple, path)[1])  # a parent: path is not None
                if method in ("wrap_socket", "wrap_bio") and type(call) is cst.Call and call.func is parent:
                    uses.append((call, f"{name}.{method}"))
                continue
            if type(parent) is cst.Arg and parent.value is reference and not parent.star:
                call = parent_of(cast(tuple, path)[1])  # a parent: path is not None
                if type(call) is not cst.Call:
                    return None
                names = callee_names(call.func, ctx, scope)
                connect = first_known(names, catalog.TLS_CONNECTS)
                if connect is None:
                    return None  # handed to other code, which may set ALPN
                keyword, position = catalog.TLS_CONNECTS[connect]
                if argument(call, position, keyword) is not parent:
                    return None
                uses.append((call, callee_text(call.func, connect)))
                continue
            if type(parent) in (cst.AssignTarget, cst.AugAssign) or inspected(reference, path):
                continue
            return None
        return uses[0] if uses else None


# -- ASY403 --------------------------------------------------------------------------------------
class ClientSessionInLoop(Rule):
    code = "ASY403"
    name = "client-session-in-loop"
    summary = "HTTP client session created inside a loop"
    message = (
        "`{callee}()` is created on every iteration of the {loop} {function}: each one opens a new "
        "connection pool, so connections, keep-alive and DNS caching are never reused; create one "
        "client before the loop and reuse it"
    )

    per_event = (
        "`{callee}()` is created on every call of {function}, which runs once per {what}: each call "
        "opens a new connection pool, so connections, keep-alive and DNS caching are never reused; "
        "create one client when the application starts and reuse it"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        qualified = ctx.qualified_name(node.func)
        if qualified not in catalog.SESSION_CONSTRUCTORS:
            return
        loop = self._enclosing_loop(node, ctx)
        if loop is None:
            self._per_event(node, qualified, ctx)
            return
        if isinstance(loop, _COMPREHENSIONS):
            if node in (getattr(loop, "elt", None), getattr(loop, "value", None), getattr(loop, "key", None)):
                return  # builds a collection of clients that outlive the comprehension
        elif self._retry_loop(loop, ctx):
            return
        if not self._confined_to_iteration(node, loop, ctx):
            return
        kind = (
            "comprehension"
            if isinstance(loop, _COMPREHENSIONS)
            else ("`while` loop" if type(loop) is cst.While else "`for` loop")
        )
        message = self.message.format(
            callee=callee_text(node.func, qualified), loop=kind, function=location_label(ctx.function)
        )
        ctx.report(node, message)

    def _per_event(self, node: cst.Call, qualified: str, ctx: Context) -> None:
        function = ctx.function
        if function is None or function.asynchronous is None:
            return
        what = self._runs_per_event(function, ctx)
        if what is None or not self._confined_to_iteration(node, function, ctx):
            return
        message = self.per_event.format(
            callee=callee_text(node.func, qualified), function=function_label(ctx.function), what=what
        )
        ctx.report(node, message)

    def _runs_per_event(self, function: cst.FunctionDef, ctx: Context) -> Optional[str]:
        """ "event" for a handler registered with a framework decorator, "request"/"message" for a
        coroutine taking the request or message it handles, "iteration of a loop" for one this
        module calls from a repeating loop body; None otherwise."""
        for decorator in function.decorators:
            target = decorator_target(decorator)
            arguments = decorator.decorator.args if type(decorator.decorator) is cst.Call else ()
            if type(target) is cst.Attribute and target.attr.value in catalog.HANDLER_DECORATORS:
                names = [function.name.value] + [
                    argument.value.evaluated_value
                    for argument in arguments
                    if type(argument.value) is cst.SimpleString and isinstance(argument.value.evaluated_value, str)
                ]
                if any(_lifecycle_event(name) for name in names):
                    return None  # runs when the application starts or stops, not per event
                return "event it handles"
        params = function.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            annotation = param.annotation.annotation if param.annotation is not None else None
            if type(annotation) is cst.SimpleString:
                text = annotation.evaluated_value
                name = text if isinstance(text, str) else None
            else:
                name = dotted_name(annotation) if annotation is not None else None
            if name is not None and name.rsplit(".", 1)[-1] in catalog.HANDLER_ARGUMENT_TYPES:
                return f"{name.rsplit('.', 1)[-1].lower()} it handles"
        name = function.name.value
        for call, path, _scope in ctx.calls():
            func = call.func
            short = func.value if type(func) is cst.Name else func.attr.value if type(func) is cst.Attribute else None
            if short != name:
                continue
            child: cst.CSTNode = call
            for ancestor in iter_path(path[1] if path is not None else None):
                if isinstance(ancestor, _SCOPE_NODES):
                    break
                if (
                    isinstance(ancestor, (cst.For, cst.While))
                    and child is ancestor.body
                    and not self._retry_loop(ancestor, ctx)
                ):
                    return "iteration of the loop that calls it"
                child = ancestor
        return None

    @staticmethod
    def _enclosing_loop(
        node: cst.Call, ctx: Context
    ) -> Optional[Union[cst.For, cst.While, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp]]:
        child: cst.CSTNode = node
        for ancestor in ctx.ancestors():
            if isinstance(ancestor, _SCOPE_NODES):
                return None
            if isinstance(ancestor, (cst.For, cst.While)) and child is ancestor.body:
                return ancestor
            if isinstance(ancestor, _COMPREHENSIONS):
                if child in (
                    getattr(ancestor, "elt", None),
                    getattr(ancestor, "key", None),
                    getattr(ancestor, "value", None),
                ):
                    return ancestor
            child = ancestor
        return None

    def _retry_loop(self, loop: Union[cst.For, cst.While], ctx: Context) -> bool:
        """A loop that leaves after a success (`return`/`break`: retries, fail-over) or, when it
        repeats without iterating over data (`while`, `for attempt in range(n)`), one that keeps
        each client for a long-lived inner loop (reconnecting a stream)."""
        exits, nests = _exits_and_inner_loops(loop.body)
        if exits:
            return True
        if not nests:
            return False
        if isinstance(loop, cst.While):
            return True
        iterable = loop.iter
        return type(iterable) is cst.Call and ctx.qualified_name(iterable.func) in ("builtins.range", "itertools.count")

    @staticmethod
    def _confined_to_iteration(node: cst.Call, loop: cst.CSTNode, ctx: Context) -> bool:
        """The client visibly dies with the iteration: `async with Client() ...`, `Client().get(...)`,
        or a local bound only inside the loop that is only used, closed or entered."""
        parent = ctx.parent
        if type(parent) is cst.WithItem and parent.item is node:
            return True
        if type(parent) is cst.Attribute and parent.value is node:
            return classify_reference(node, ctx.path) in ("use", "close")
        name = _local_target(ctx)
        if name is None:
            return False
        owner = ctx.scope.resolve(name)
        if owner is None or owner is not ctx.function_scope or owner.kind is not ScopeKind.FUNCTION:
            return False
        if not all(_within(loop, binding.path) for binding in owner.bindings[name]):
            return False  # also bound outside the loop: possibly created once and reused
        for reference, path, scope in ctx.references(owner, name):
            if scope.function_scope is not owner or classify_reference(reference, path) == "escape":
                return False
        return True


def _lifecycle_event(name: str) -> bool:
    """`startup`, `before_server_start`, `on_ready`: the name of a start or stop event."""
    return any(word in catalog.LIFECYCLE_EVENT_WORDS for word in re.split(r"[^a-z]+", name.lower()))


def _exits_and_inner_loops(block: cst.CSTNode) -> tuple[bool, bool]:
    """Whether `block` has a `return` or a `break` of its own loop, and whether it has inner loops."""
    exits = nests = False
    stack: list[tuple[cst.CSTNode, int]] = [(block, 0)]
    while stack:
        node, depth = stack.pop()
        cls = type(node)
        if isinstance(node, _SCOPE_NODES):
            continue
        if cls is cst.Return or (cls is cst.Break and depth == 0):
            exits = True
        inner = depth
        if cls in (cst.For, cst.While):
            nests = True
            inner = depth + 1
        for child in iter_children(node):
            stack.append((child, inner))
    return exits, nests


# -- ASY404 --------------------------------------------------------------------------------------
class ClientSessionNotClosed(Rule):
    code = "ASY404"
    name = "client-session-not-closed"
    summary = "HTTP client session or connector never closed"
    message = (
        "`{callee}()` bound to `{name}` {function} is never closed, returned, stored or passed on: "
        "its connections and sockets leak until garbage collection{warning}; "
        "use `async with {callee}(...) as {name}:` or `{closing}` in a `finally`"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        qualified = ctx.qualified_name(node.func)
        if qualified not in catalog.CLOSEABLE_CLIENTS:
            return
        name = _local_target(ctx)
        if name is None:
            return
        owner = ctx.scope.resolve(name)
        if owner is None or owner is not ctx.function_scope or owner.kind is not ScopeKind.FUNCTION:
            return  # module globals and class attributes live as long as the program
        for reference, path, scope in ctx.references(owner, name):
            if scope.function_scope is not owner:
                return  # captured by a nested function that outlives this call
            if classify_reference(reference, path) != "use":
                return
        closing = f"await {name}.aclose()" if qualified in catalog.HTTPX_ASYNC_CLIENTS else f"await {name}.close()"
        if qualified in catalog.AIOHTTP_SESSIONS:
            warning = ' (aiohttp logs "Unclosed client session")'
        elif qualified in catalog.AIOHTTP_CONNECTORS:
            warning = ' (aiohttp logs "Unclosed connector")'
        else:
            warning = ""
        callee = callee_text(node.func, qualified)
        message = self.message.format(
            callee=callee, name=name, function=location_label(ctx.function), closing=closing, warning=warning
        )
        ctx.report(node, message)


# -- ASY405 --------------------------------------------------------------------------------------
_COLLECTING_METHODS = frozenset({"append", "extend", "add", "insert"})


def _handed_on(path: Path) -> bool:
    """The coroutine of a call is kept to be awaited elsewhere, where a deadline may apply:
    stored (`connector = connect()`), returned, put in a list or collection to be raced later.
    Running it (`asyncio.run(main())`, `create_task(...)`, `gather(...)`) does not count."""
    parent = parent_of(path)
    if type(parent) in (cst.Assign, cst.AnnAssign, cst.Return, cst.Element):
        return True
    if type(parent) is cst.Arg:
        call = parent_of(cast(tuple, path)[1])  # a parent: path is not None
        return (
            type(call) is cst.Call and type(call.func) is cst.Attribute and call.func.attr.value in _COLLECTING_METHODS
        )
    return False


class ConnectWithoutTimeout(Rule):
    code = "ASY405"
    name = "connect-without-timeout"
    summary = "connection opened with no timeout"
    fix = "unsafe"
    default_enabled = False
    message = (
        "`{callee}()` {function} has no timeout: {consequence}; wrap it in "
        "`asyncio.wait_for(..., timeout=...)` or `async with asyncio.timeout(...)`"
    )
    connect = "a connect to a host that drops packets waits out the kernel's SYN retries (minutes)"
    lookup = "a DNS lookup waits out the resolver's timeouts and retries, and this coroutine with it"

    def __init__(self, config: Any):
        super().__init__(config)
        self._timeout_contexts = catalog.TIMEOUT_CONTEXTS | frozenset(config.extend_timeout_contexts)
        self._bounded_functions: Optional[frozenset] = None

    def begin_file(self, ctx: Context) -> None:
        self._bounded_functions = None

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if type(ctx.parent) is not cst.Await:
            return
        connect = first_known(callee_names(node.func, ctx), catalog.CONNECT_CALLS)
        if (
            connect is None
            or keyword_argument(node, "sock") is not None
            or self._bounded(node, ctx.path, ctx.scope, ctx)
        ):
            return  # `sock=` wraps a socket that is already connected
        function = ctx.function
        if function is not None and function.name.value in self._functions_bounded_by_callers(ctx):
            return  # a caller in this module bounds it, or hands the coroutine to code that may
        callee = callee_text(node.func, connect)
        consequence = self.lookup if connect.endswith(".getaddrinfo") else self.connect
        message = self.message.format(callee=callee, function=location_label(ctx.function), consequence=consequence)
        enclosing = ctx.resolver.function_qualified_name(ctx.function_scope) if ctx.module_name else None
        condition = (DEADLINE_CALLS, enclosing) if enclosing is not None else None
        ctx.report(node, message, fix=self._fix(node, ctx), condition=condition)

    # -- deadlines set in other modules ---------------------------------------------------------
    def visit_Module(self, node: cst.Module, ctx: Context) -> None:
        """Record, for the project index, every call this module makes (callee, calling function,
        whether a deadline bounds it there) and which of its functions bound the awaitable they are
        given (`async def wait_for(fut, timeout): async with asyncio.timeout(timeout): return await fut`)."""
        module = ctx.module_name
        if not module:
            return
        calls: list[list] = []
        for call, path, scope in ctx.calls():
            callee = ctx.qualified_name(call.func, scope)
            if callee is None:
                func = call.func
                if type(func) is cst.Attribute:
                    callee = "." + func.attr.value  # a method of an object of unknown type
                elif type(func) is cst.Name:
                    callee = "." + func.value
                else:
                    continue
            bounded: Union[bool, str] = _handed_on(path) or self._bounded(call, path, scope, ctx)
            if not bounded:
                bounded = self._wrapper_candidate(call, path, scope, ctx) or False
            calls.append([callee, ctx.resolver.function_qualified_name(scope.function_scope), bounded, _arity(call)])
        bounds: dict[str, bool] = {}
        for qualified, function in _module_functions(ctx.module, module):
            bounds[qualified] = bounds.get(qualified, True) and self._bounds_its_argument(function, ctx)
        plugins = self._library_plugins(ctx, module)
        ctx.record_fact(DEADLINE_CALLS, module, {"calls": calls, "functions": sorted(bounds), "plugins": plugins})
        wrappers = sorted(name for name, bounded in bounds.items() if bounded)
        if wrappers:
            ctx.record_fact(DEADLINE_WRAPPERS, module, wrappers)

    @staticmethod
    def _library_plugins(ctx: Context, module: str) -> list:
        """Module-level classes built on a library's base class whose instances this module only
        hands to library calls (`TCPClient(resolver=LoopResolver())`): the library runs their
        methods inside its own operations. Per class: [qualified name, bases, the callees it is
        handed to, [[method, what it accepts (`_accepts`)], ...]]; the project decides what is a library."""
        plugins = []
        for statement in ctx.module.body:
            if type(statement) is not cst.ClassDef or not statement.bases:
                continue
            bases = [ctx.qualified_name(base.value) for base in statement.bases]
            if any(base is None for base in bases):
                continue
            class_scope = ctx.scope_of(statement)
            owner, bindings = ctx.bindings(statement.name.value, ctx.module_scope)
            if class_scope is None or owner is None or len(bindings) != 1:
                continue
            handed_to: list[str] = []
            for reference, path, scope in ctx.references(owner, statement.name.value):
                call = parent_of(path)
                argument = parent_of(cast(tuple, path)[1]) if type(call) is cst.Call else None
                outer = parent_of(cast(tuple, path)[1][1]) if type(argument) is cst.Arg else None
                receiver = ctx.qualified_name(outer.func, scope) if type(outer) is cst.Call else None
                if receiver is None or cast(cst.Call, call).func is not reference:
                    handed_to = []
                    break
                handed_to.append(receiver)
            methods = [
                [name, _accepts(cast(cst.FunctionDef, found[0].node))]
                for name, found in class_scope.bindings.items()
                if found[0].kind is BindingKind.DEF and type(found[0].node) is cst.FunctionDef
            ]
            if handed_to:
                plugins.append([f"{module}.{statement.name.value}", bases, handed_to, methods])
        return plugins

    @staticmethod
    def _wrapper_candidate(call: cst.Call, path: Path, scope: Scope, ctx: Context) -> Optional[str]:
        """The qualified name of the call `call` is the first argument of (`wait_for(call, ...)`
        with a project `wait_for`): a deadline if the project shows that function bounds it."""
        parent = parent_of(path)
        if type(parent) is not cst.Arg or parent.keyword is not None:
            return None
        outer = parent_of(cast(tuple, path)[1])
        if type(outer) is not cst.Call or not outer.args or outer.args[0] is not parent:
            return None
        return ctx.qualified_name(outer.func, scope)

    def _bounds_its_argument(self, function: cst.FunctionDef, ctx: Context) -> bool:
        """An `async def` whose first parameter is awaited under a deadline or handed to
        `asyncio.wait_for` as the awaitable (a project's own `wait_for`)."""
        params = function.params.params
        if function.asynchronous is None or not params:
            return False
        first = params[0].name.value
        owner = ctx.scope_of(function)
        if owner is None:
            return False
        references = ctx.references(owner, first)
        if not references:
            return False
        for reference, path, scope in references:
            parent = parent_of(path)
            if parent is not None and type(parent) in (cst.Await, cst.Arg):
                target, target_path = parent, cast(tuple, path)[1]  # `await fut`, `wait_for(fut, t)`
            else:
                target, target_path = reference, path
            if not self._bounded(target, target_path, scope, ctx):
                return False
        return True

    def _fix(self, node: cst.Call, ctx: Context) -> Optional[Fix]:
        """Bound the call by the enclosing function's own timeout parameter, so the caller's
        deadline is the one used. A fixed number could cut short a longer deadline the caller (or
        the library calling back) already sets, so without such a parameter there is no fix."""
        parameter = self._timeout_parameter(ctx)
        if parameter is None:
            return None
        wait_for, imports = ctx.module_attribute("asyncio", "wait_for")
        if wait_for is None:
            return None
        first = cst.Arg(value=node, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        timeout = _keyword_arg("timeout", cst.Name(parameter))
        replacement = cst.Call(func=wait_for, args=(first, timeout))
        return Fix("unsafe", f"Wrap in `asyncio.wait_for(..., timeout={parameter})`", ((node, replacement),), imports)

    @staticmethod
    def _timeout_parameter(ctx: Context) -> Optional[str]:
        """A parameter of the enclosing function named like a connect deadline, not read anywhere
        in it yet (a used one is already applied some other way)."""
        function = ctx.function
        if function is None:
            return None
        params = function.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            name = param.name.value
            if name not in catalog.TIMEOUT_PARAMETERS:
                continue
            owner = ctx.function_scope
            if owner is not None and not ctx.references(owner, name):
                return name
        return None

    def _bounded(self, node: cst.CSTNode, path: Path, scope: Scope, ctx: Context) -> bool:
        """Inside a timeout context manager, or the awaitable handed to `asyncio.wait_for`."""
        child = node
        for ancestor in iter_path(path[1] if path is not None else None):
            if isinstance(ancestor, _SCOPE_NODES):
                return False
            if isinstance(ancestor, cst.With) and child is ancestor.body:
                if any(self._is_timeout_context(item.item, scope, ctx) for item in ancestor.items):
                    return True
            elif (
                isinstance(ancestor, cst.Call)
                and type(child) is cst.Arg
                and ancestor.args
                and ancestor.args[0] is child
            ):
                if ctx.qualified_name(ancestor.func, scope) in catalog.TIMEOUT_WRAPPERS:
                    return True
            child = ancestor
        return False

    def _is_timeout_context(self, item: cst.BaseExpression, scope: Scope, ctx: Context) -> bool:
        if type(item) is cst.Name:
            owner, bindings = ctx.bindings(item.value, scope)
            return bool(bindings) and all(
                binding.kind is BindingKind.ASSIGN
                and binding.value is not None
                and self._is_timeout_context(binding.value, binding.scope, ctx)
                for binding in bindings
            )
        if type(item) is not cst.Call:
            return False
        if ctx.qualified_name(item.func, scope) in self._timeout_contexts:
            return True
        if type(item.func) is cst.Name:
            # `try: from asyncio import timeout` / `except ImportError: from async_timeout import timeout`
            _, bindings = ctx.bindings(item.func.value, scope)
            if bindings and all(
                binding.kind is BindingKind.IMPORT and binding.qualified in self._timeout_contexts
                for binding in bindings
            ):
                return True
        return dotted_name(item.func) in self._timeout_contexts

    def _functions_bounded_by_callers(self, ctx: Context) -> frozenset:
        """Names of functions this module calls under a deadline, or calls without awaiting the
        coroutine (handed to `wait_for`, `gather` or a list raced later: the deadline is there),
        and, transitively, the functions those call: a deadline two calls up bounds this one too."""
        names = self._bounded_functions
        if names is None:
            found = set()
            calls_from: dict[str, set[str]] = {}
            for call, path, scope in ctx.calls():
                func = call.func
                short = (
                    func.value if type(func) is cst.Name else func.attr.value if type(func) is cst.Attribute else None
                )
                if short is None:
                    continue
                if _handed_on(path) or self._bounded(call, path, scope, ctx):
                    found.add(short)
                caller = next((node for node in iter_path(path) if type(node) is cst.FunctionDef), None)
                if caller is not None:
                    calls_from.setdefault(caller.name.value, set()).add(short)
            pending = list(found)
            while pending:
                for callee in calls_from.get(pending.pop(), ()):
                    if callee not in found:
                        found.add(callee)
                        pending.append(callee)
            names = frozenset(found)
            self._bounded_functions = names
        return names

    def resolve_condition(self, condition: tuple, message: str, project: Any) -> Optional[str]:
        if condition[0] != DEADLINE_CALLS:
            return message
        return None if _bounded_by_every_caller(condition[1], project) else message


# Fact kinds for ASY405 across modules.
DEADLINE_CALLS = "connect-deadline-calls"  # module → [[callee, calling function or None, bounded, `_arity`], ...]
DEADLINE_WRAPPERS = "connect-deadline-wrappers"  # module → [qualified names of project `wait_for`s]


def _module_functions(tree: cst.Module, module: str) -> Iterator[tuple[str, cst.FunctionDef]]:
    """Functions and methods with a stable qualified name (also under a module-level `if`/`try`,
    such as a version switch), with that name."""
    pending: list[tuple[cst.CSTNode, str]] = [(tree, module)]
    while pending:
        node, prefix = pending.pop()
        for child in iter_children(node):
            if type(child) is cst.FunctionDef:
                yield f"{prefix}.{child.name.value}", child
            elif type(child) is cst.ClassDef:
                pending.append((child.body, f"{prefix}.{child.name.value}"))
            elif isinstance(
                child,
                (
                    cst.If,
                    cst.Else,
                    cst.Try,
                    cst.TryStar,
                    cst.ExceptHandler,
                    cst.ExceptStarHandler,
                    cst.Finally,
                    cst.IndentedBlock,
                    cst.With,
                ),
            ):
                pending.append((child, prefix))


def _bounded_by_every_caller(function: str, project: Any) -> bool:
    """Every call in the project that may run `function` (by its qualified name, or by its last
    name where the callee is not resolved to some other definition: a method of an object of
    unknown type, a re-export) is bounded by a deadline there, or is made by a function that is
    itself bounded by every one of its callers. At least one such call must exist, unless the
    function is a method of a library plug-in (see `_library_plugins`) that the project never
    calls: the library runs it inside the operation its caller bounds."""
    sites, definitions, wrappers, plugin_methods = _deadline_call_graph(project)
    memo = project.memo.setdefault("asy405:bounded", {})

    def bounded(name: str, visiting: frozenset) -> bool:
        if name in memo:
            return memo[name]
        if name in visiting:
            return False  # recursion without a deadline on the way in
        short = name.rsplit(".", 1)[-1]
        accepts = plugin_methods.get(name)
        candidates = [
            (callee, caller, how)
            for callee, caller, how, arity in sites.get(short, ())
            if callee == name
            or (
                callee not in definitions
                and _may_name(callee, name)
                # an unresolved `.resolve()` cannot run a plug-in's `resolve(self, host, port)`
                and not (accepts is not None and not _fits(arity, accepts))
            )
        ]
        if not candidates:
            return name in plugin_methods  # run by the library it is handed to, under its caller's deadline
        answer = all(
            how is True
            or (isinstance(how, str) and how in wrappers)
            or (caller is not None and bounded(caller, visiting | {name}))
            for _callee, caller, how in candidates
        )
        if answer or not visiting:  # a False found inside a cycle depends on the way in
            memo[name] = answer
        return answer

    return bounded(function, frozenset())


def _arity(call: cst.Call) -> list:
    """What a call passes, for matching it against a signature: [positional count, keyword
    names, whether `*`/`**` hides more]."""
    keywords = sorted(arg.keyword.value for arg in call.args if arg.keyword is not None)
    positional = sum(1 for arg in call.args if arg.keyword is None and not arg.star)
    return [positional, keywords, any(arg.star for arg in call.args)]


def _accepts(function: cst.FunctionDef) -> list:
    """What a method accepts, `self` left out: [required positional count, most positional (-1:
    any), names that can be passed by keyword (None: any), required keyword-only names]."""
    params = function.params
    positional = [*params.posonly_params, *params.params][1:]
    required = sum(1 for param in positional if param.default is None)
    most = -1 if isinstance(params.star_arg, cst.Param) else len(positional)
    names = None if params.star_kwarg is not None else [p.name.value for p in (*params.params[1:], *params.kwonly_params)]
    required_keywords = [p.name.value for p in params.kwonly_params if p.default is None]
    return [required, most, names, required_keywords]


def _fits(arity: list, accepts: list) -> bool:
    """Whether a call passing `arity` could bind to a method accepting `accepts` (certain only
    when the call hides nothing behind `*`/`**`)."""
    positional, keywords, hidden = arity
    required, most, names, required_keywords = accepts
    if hidden:
        return True
    if most != -1 and positional > most:
        return False
    if names is not None and any(keyword not in names for keyword in keywords):
        return False
    if any(keyword not in keywords for keyword in required_keywords):
        return False
    return positional + len(keywords) >= required


def _may_name(callee: str, function: str) -> bool:
    """An unresolved `.name`, or a dotted name that does not resolve to a project definition
    (a package re-export `pkg.func` of `pkg.mod.func`) and could still be `function`."""
    if callee.startswith("."):
        return True
    return callee.split(".")[0] == function.split(".")[0]


def _deadline_call_graph(project: Any) -> tuple[dict[str, list], frozenset, frozenset, dict[str, list]]:
    """Call sites by the callee's last name, the project's function definitions, its
    `wait_for`-like wrappers and the methods of library plug-ins, built once per project."""
    cached = project.memo.get("asy405:graph")
    if cached is None:
        sites: dict[str, list] = {}
        functions: set[str] = set()
        for recorded in project.facts.get(DEADLINE_CALLS, {}).values():
            for callee, caller, how, arity in recorded["calls"]:
                sites.setdefault(callee.rsplit(".", 1)[-1], []).append((callee, caller, how, arity))
            functions.update(recorded["functions"])
        definitions = frozenset(functions)
        methods: dict[str, list] = {}
        for recorded in project.facts.get(DEADLINE_CALLS, {}).values():
            for cls, bases, handed_to, members in recorded["plugins"]:
                made = [site[0] for site in sites.get(cls.rsplit(".", 1)[-1], ()) if site[0] == cls]
                if (
                    len(made) == len(handed_to)  # not made anywhere else in the project
                    and all(coroutines.project_module_of(base, project) is None for base in bases)
                    and all(coroutines.project_module_of(callee, project) is None for callee in handed_to)
                ):
                    methods.update((f"{cls}.{member}", accepts) for member, accepts in members)
        wrappers = frozenset(name for names in project.facts.get(DEADLINE_WRAPPERS, {}).values() for name in names)
        cached = (sites, definitions, wrappers, methods)
        project.memo["asy405:graph"] = cached
    return cached


# -- ASY406 --------------------------------------------------------------------------------------
class TlsVerificationDisabled(Rule):
    code = "ASY406"
    name = "tls-verification-disabled"
    summary = "TLS certificate verification disabled"
    default_enabled = False
    argument_message = (
        "`{argument}` on `{callee}()` {function} turns off TLS certificate verification: anyone on "
        "the network path can impersonate the server; trust the server's CA instead "
        "(`ssl.create_default_context(cafile=...)`)"
    )
    attribute_message = (
        "`{target} = {value}` {function} turns off {what} for SSL context `{context}`: {risk}; "
        "load the server's CA (`load_verify_locations`) instead"
    )
    patch_message = (
        "`{target} = ssl._create_unverified_context` {function} makes every connection that uses the "
        "default context skip certificate and host name checks; remove it and trust the server's CA instead"
    )
    factory_message = (
        "`{callee}()` {function} creates a context that verifies neither certificate nor host name; "
        "use `ssl.create_default_context()` (with `cafile=` for a private CA)"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        names = callee_names(node.func, ctx)
        if not names:
            return
        aiohttp_call = first_known(names, catalog.AIOHTTP_SSL_TAKERS)
        if aiohttp_call is not None:
            for keyword in sorted(catalog.AIOHTTP_SSL_OFF_KEYWORDS):
                self._report_false(node, keyword, aiohttp_call, ctx)
        httpx_call = first_known(names, catalog.HTTPX_VERIFY_TAKERS)
        if httpx_call is not None:
            self._report_false(node, "verify", httpx_call, ctx)
        factory = first_known(names, catalog.UNVERIFIED_CONTEXT_FACTORIES)
        if factory is not None and not self._server_side(node, ctx.scope, ctx):
            callee = callee_text(node.func, factory)
            self._report(node, self.factory_message.format(callee=callee, function=location_label(ctx.function)), ctx)

    def _report_false(self, node: cst.Call, keyword: str, callee: str, ctx: Context) -> None:
        arg = keyword_argument(node, keyword)
        if arg is not None and is_false(arg.value):
            message = self.argument_message.format(
                argument=f"{keyword}=False",
                callee=callee_text(node.func, callee),
                function=location_label(ctx.function),
            )
            self._report(arg, message, ctx)

    def visit_Assign(self, node: cst.Assign, ctx: Context) -> None:
        if ctx.qualified_name(node.value) in catalog.UNVERIFIED_CONTEXT_FACTORIES:
            # `ssl._create_default_https_context = ssl._create_unverified_context` switches
            # verification off for every urllib/http.client connection of the process.
            patched = ctx.source_of(node.targets[0].target)
            self._report(node, self.patch_message.format(target=patched, function=location_label(ctx.function)), ctx)
            return
        for target in node.targets:
            attribute = target.target
            if type(attribute) is not cst.Attribute:
                continue
            field = attribute.attr.value
            if field == "check_hostname" and is_false(node.value):
                what, value = "host name checking", "False"
                risk = "a certificate issued for any other host by a trusted CA is accepted"
            elif field == "verify_mode" and ctx.qualified_name(node.value) in catalog.CERT_NONE:
                what, value = "certificate verification", ctx.source_of(node.value)
                risk = "anyone on the network path can impersonate the server"
            else:
                continue
            creator = self._client_context_creator(attribute.value, ctx)
            if creator is None:
                continue
            if field == "verify_mode" and not self._verifies_by_default(creator, ctx):
                continue
            context = ctx.source_of(attribute.value)
            if field == "check_hostname":
                if self._sets_cert_none(attribute.value, context, ctx):
                    continue  # one finding per context: the `verify_mode = CERT_NONE` line says it all
                if self._pins_trust_anchor(creator, attribute.value, context, ctx):
                    continue  # certificates are still checked, against a private CA the code trusts
            elif self._sets_hostname_off(attribute.value, context, ctx):
                what = "certificate verification and host name checking"
            message = self.attribute_message.format(
                target=ctx.source_of(attribute),
                value=value,
                function=location_label(ctx.function),
                what=what,
                context=context,
                risk=risk,
            )
            self._report(node, message, ctx)

    def _report(self, node: cst.CSTNode, message: str, ctx: Context) -> None:
        if _test_module(ctx) or self._opted_in(ctx):
            return
        ctx.report(node, message)

    @staticmethod
    def _opted_in(ctx: Context) -> bool:
        """Verification is off only on an explicit opt-out: inside `if insecure:` (or the `else` of
        `if verify:`), in a function or assigned to a name that says so (`_context_no_verify()`,
        `_insecure_transport = ...`). `if verify_ssl:` around code that disables it is the bug."""
        if ctx.function is not None and _says(ctx.function_name, catalog.INSECURE_WORDS):
            return True
        child: cst.CSTNode = ctx.node
        for ancestor in ctx.ancestors():
            if isinstance(ancestor, cst.Assign):
                if any(_says(ctx.source_of(target.target), catalog.INSECURE_WORDS) for target in ancestor.targets):
                    return True
            if isinstance(ancestor, cst.AnnAssign) and _says(ctx.source_of(ancestor.target), catalog.INSECURE_WORDS):
                return True
            if isinstance(ancestor, (cst.If, cst.IfExp)) and child is not ancestor.test:
                positive = child is ancestor.body
                verdict = _condition_opts_out(ancestor.test, positive, ctx)
                if verdict is not None:
                    return verdict
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
                break
            child = ancestor
        return False

    @staticmethod
    def _context_statements(context: str, ctx: Context) -> Iterator[cst.CSTNode]:
        holder = ctx.function if ctx.function is not None else ctx.module
        yield from iter_subtree(holder)

    def _sets_cert_none(self, expr: cst.BaseExpression, context: str, ctx: Context) -> bool:
        for node in self._context_statements(context, ctx):
            if type(node) is cst.Assign and any(
                type(target.target) is cst.Attribute
                and target.target.attr.value == "verify_mode"
                and ctx.source_of(target.target.value) == context
                for target in node.targets
            ):
                return ctx.qualified_name(node.value) in catalog.CERT_NONE
        return False

    def _sets_hostname_off(self, expr: cst.BaseExpression, context: str, ctx: Context) -> bool:
        for node in self._context_statements(context, ctx):
            if (
                type(node) is cst.Assign
                and is_false(node.value)
                and any(
                    type(target.target) is cst.Attribute
                    and target.target.attr.value == "check_hostname"
                    and ctx.source_of(target.target.value) == context
                    for target in node.targets
                )
            ):
                return True
        return False

    def _pins_trust_anchor(
        self, creator: tuple[cst.Call, Scope], expr: cst.BaseExpression, context: str, ctx: Context
    ) -> bool:
        """`create_default_context(cafile=...)` or `context.load_verify_locations(...)`, with a CA
        of the code's own: the public bundle (`cafile=certifi.where()`) trusts every public CA, so
        without the host-name check any holder of a public certificate passes."""
        call, scope = creator
        anchors = [
            arg for arg in call.args if arg.keyword is not None and arg.keyword.value in catalog.TRUST_ANCHOR_KEYWORDS
        ]
        for node in self._context_statements(context, ctx):
            if (
                type(node) is cst.Call
                and type(node.func) is cst.Attribute
                and node.func.attr.value in catalog.TRUST_ANCHOR_METHODS
                and ctx.source_of(node.func.value) == context
            ):
                anchors.extend(node.args)
        return bool(anchors) and not any(
            type(arg.value) is cst.Call and ctx.qualified_name(arg.value.func, scope) in catalog.PUBLIC_CA_BUNDLES
            for arg in anchors
        )

    def _client_context_creator(self, expr: cst.BaseExpression, ctx: Context) -> Optional[tuple[cst.Call, Scope]]:
        """The call that created the (client-side) SSL context `expr` holds, when it is certain."""
        if ctx.type_of(expr) != "ssl.SSLContext":
            return None
        values: list[tuple[Optional[cst.BaseExpression], Scope]] = []
        if type(expr) is cst.Name:
            _, bindings = ctx.bindings(expr.value)
            values = [(binding.value, binding.scope) for binding in bindings if _assigned(binding)]
            if len(values) != len(bindings):
                return None
        elif type(expr) is cst.Attribute and type(expr.value) is cst.Name:
            class_scope = ctx.resolver.instance_class(expr.value.value, ctx.scope)
            if class_scope is None:
                return None
            values = [
                (store.value, method) for method, store in ctx.resolver.attribute_stores(class_scope, expr.attr.value)
            ]
        if not values:
            return None
        for value, scope in values:
            if (
                type(value) is not cst.Call
                or ctx.qualified_name(value.func, scope) not in catalog.SSL_CONTEXT_FACTORIES
            ):
                return None
            if self._server_side(value, scope, ctx):
                return None
        return cast(cst.Call, values[0][0]), values[0][1]  # each value is a Call: checked in the loop

    @staticmethod
    def _server_side(call: cst.Call, scope: Scope, ctx: Context) -> bool:
        return any(ctx.qualified_name(arg.value, scope) in catalog.SERVER_SIDE_MARKERS for arg in call.args)

    @staticmethod
    def _verifies_by_default(creator: tuple[cst.Call, Scope], ctx: Context) -> bool:
        """`verify_mode = CERT_NONE` only switches something off on a context that verifies:
        `create_default_context()` or `SSLContext(PROTOCOL_TLS_CLIENT)` (a bare `SSLContext()` could
        be either side and already verifies nothing)."""
        call, scope = creator
        qualified = ctx.qualified_name(call.func, scope)
        if qualified in ("ssl.create_default_context", "httpx.create_ssl_context"):
            return True
        if qualified == "ssl.SSLContext":
            return any(ctx.qualified_name(arg.value, scope) == "ssl.PROTOCOL_TLS_CLIENT" for arg in call.args)
        return False


def _says(text: str, words: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in words)


def _condition_terms(test: cst.BaseExpression, positive: bool) -> Iterator[tuple[cst.BaseExpression, bool]]:
    """The terms of an `if` test with the polarity under which the branch runs: in the body of
    `if a and not b:` both `a` (True) and `b` (False) hold; `or` decides nothing."""
    if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
        yield from _condition_terms(test.expression, not positive)
    elif type(test) is cst.BooleanOperation:
        if (type(test.operator) is cst.And) == positive:
            yield from _condition_terms(test.left, positive)
            yield from _condition_terms(test.right, positive)
    else:
        yield test, positive


def _condition_opts_out(test: cst.BaseExpression, positive: bool, ctx: Context) -> Optional[bool]:
    """True when the branch runs because the user asked for no verification, False when it runs
    because they asked for verification, None when the test says neither."""
    for term, holds in _condition_terms(test, positive):
        if type(term) is cst.Comparison:
            continue
        text = ctx.source_of(term)
        if _says(text, catalog.INSECURE_WORDS):
            return holds
        if _says(text, catalog.VERIFY_WORDS):
            return not holds
    return None


def _test_module(ctx: Context) -> bool:
    parts = ctx.module_name.split(".") if ctx.module_name else []
    name = os.path.basename(ctx.filename)
    return name == "conftest.py" or any(
        part.startswith("test_") or part.endswith("_test") or part in ("test", "tests", "testing") for part in parts
    )


def _assigned(binding: Binding) -> bool:
    return binding.kind in (BindingKind.ASSIGN, BindingKind.ANNOTATED) and binding.value is not None


# -- ASY407 --------------------------------------------------------------------------------------
class UnboundedConnectionPool(Rule):
    code = "ASY407"
    name = "unbounded-connection-pool"
    summary = "connection pool without a size limit"
    message = (
        "{what} {function}: the pool opens as many connections as there are concurrent requests, "
        "so a burst exhausts file descriptors or overloads the server; {instead}"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        qualified = ctx.qualified_name(node.func)
        if qualified in catalog.AIOHTTP_CONNECTORS:
            limit = keyword_argument(node, "limit")
            if limit is None:
                return
            value = limit.value
            if (type(value) is cst.Integer and value.evaluated_value == 0) or is_none(value):
                what = (
                    f"`{callee_text(node.func, qualified)}(limit={ctx.source_of(value)})` removes the connection limit"
                )
                self._report(node, what, "keep a bound (aiohttp's default is `limit=100`)", ctx)
        elif qualified in catalog.HTTPX_LIMITS:
            if has_double_star(node):
                return
            arg = keyword_argument(node, "max_connections")
            callee = callee_text(node.func, qualified)
            if arg is None:
                what = (
                    f"`{callee}(...)` without `max_connections=` has no connection limit (httpx's default pool has 100)"
                )
            elif is_none(arg.value):
                what = f"`{callee}(max_connections=None)` removes the connection limit"
            else:
                return
            self._report(node, what, "pass `max_connections=` (httpx's default is 100)", ctx)

    def _report(self, node: cst.Call, what: str, instead: str, ctx: Context) -> None:
        ctx.report(node, self.message.format(what=what, function=location_label(ctx.function), instead=instead))
