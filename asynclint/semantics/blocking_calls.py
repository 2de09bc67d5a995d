"""Which calls block the event loop: the blocking catalog with the user's `extend-blocking-calls`,
and the catalog calls that provably do not wait where they are made (a numeric-host lookup, an
operation on a socket made non-blocking)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, Optional

import libcst as cst

from asynclint.catalog import blocking as catalog
from asynclint.semantics.arguments import argument, first_positional
from asynclint.semantics.constants import is_false_or_zero
from asynclint.semantics.scope import BindingKind, iter_subtree

if TYPE_CHECKING:  # the engine imports semantics; the context is needed for its type only
    from asynclint.engine.context import Context


def blocking_calls(config: Any) -> dict[str, catalog.BlockingCall]:
    """The catalog plus the user's `extend-blocking-calls`."""
    merged = dict(catalog.BLOCKING_CALLS)
    for name, code in config.extend_blocking_calls:
        merged[name] = catalog.BlockingCall(code, "a non-blocking equivalent")
    return merged


def _mentions(expr: cst.CSTNode, names: frozenset[str], ctx: Context, depth: int = 0) -> bool:
    """Whether `expr` uses one of the constant `names` (`socket.AI_NUMERICHOST`), also through a
    module-level name bound to an expression that does (`_NUMERIC = AI_NUMERICHOST | ...`)."""
    for node in iter_subtree(expr):
        if type(node) is cst.Attribute and node.attr.value in names:
            return True
        if type(node) is cst.Name:
            if node.value in names:
                return True
            if depth < 2:
                _, bindings = ctx.bindings(node.value)
                if any(b.value is not None and _mentions(b.value, names, ctx, depth + 1) for b in bindings):
                    return True
    return False


_NUMERIC_LOOKUP = {
    # callee → (position, keyword) of the flags argument, and the flag that keeps DNS out of it.
    "socket.getaddrinfo": (5, "flags", frozenset({"AI_NUMERICHOST"})),
    "socket.getnameinfo": (1, "flags", frozenset({"NI_NUMERICHOST"})),
}


_WOULD_BLOCK = frozenset({"BlockingIOError", "InterruptedError", "SSLWantReadError", "SSLWantWriteError"})


def _catches_would_block(ctx: Context) -> bool:
    """The call sits in a `try` body whose handlers catch `BlockingIOError`: a non-blocking socket
    operation whose waiting is done by the loop (`loop.add_reader`/`add_writer`)."""
    child: Optional[cst.CSTNode] = ctx.node
    for ancestor in ctx.ancestors():
        if ancestor is ctx.function:
            return False
        if type(ancestor) is cst.Try and child is ancestor.body:
            for handler in ancestor.handlers:
                if handler.type is not None and any(
                    type(node) in (cst.Name, cst.Attribute)
                    and (node.value if type(node) is cst.Name else node.attr.value) in _WOULD_BLOCK
                    for node in iter_subtree(handler.type)
                ):
                    return True
        child = ancestor
    return False


def _made_non_blocking(receiver: cst.BaseExpression, ctx: Context) -> bool:
    """`sock.setblocking(False)` / `sock.settimeout(0)` on the same receiver in this function, or
    in the same-module helper whose result `sock` is."""
    text = ctx.source_of(receiver)
    function = ctx.function
    if function is None:
        return False
    if _calls_setblocking_false(function, lambda value: ctx.source_of(value) == text):
        return True
    if type(receiver) is cst.Name:
        _, bindings = ctx.bindings(receiver.value)
        for binding in bindings:
            if type(binding.value) is cst.Call and type(binding.value.func) is cst.Name:
                _, helpers = ctx.bindings(binding.value.func.value, binding.scope)
                for helper in helpers:
                    if helper.kind is BindingKind.DEF and _calls_setblocking_false(helper.node, lambda value: True):
                        return True
    return False


def _calls_setblocking_false(function: cst.CSTNode, same_receiver) -> bool:
    for node in iter_subtree(function, enter_scopes=False):
        if type(node) is cst.Call and type(node.func) is cst.Attribute and node.args:
            if node.func.attr.value in ("setblocking", "settimeout") and is_false_or_zero(node.args[0].value):
                if same_receiver(node.func.value):
                    return True
    return False


def _is_ip_literal(node: Optional[cst.CSTNode]) -> bool:
    if type(node) is not cst.SimpleString:
        return False
    value = node.evaluated_value
    try:
        ipaddress.ip_address(value if isinstance(value, str) else "")
    except ValueError:
        return False
    return True


def _udp_connect_to_address(node: cst.Call, receiver: cst.BaseExpression, ctx: Context) -> bool:
    """`udp.connect((host, port))` on a datagram socket only selects a route and records the peer;
    it waits only to resolve a host name, so it counts as blocking only for a name literal."""
    target = first_positional(node)
    if type(target) is not cst.Tuple or not target.elements:
        return False
    host = target.elements[0].value
    if type(host) is cst.SimpleString and not _is_ip_literal(host):
        return False
    if type(receiver) is not cst.Name:
        return False
    _, bindings = ctx.bindings(receiver.value)
    return bool(bindings) and all(
        type(b.value) is cst.Call and _mentions(b.value, frozenset({"SOCK_DGRAM"}), ctx, 2) for b in bindings
    )


def does_not_block(node: cst.Call, callee: str, ctx: Context) -> bool:
    """Catalog calls that provably do not wait here."""
    numeric = _NUMERIC_LOOKUP.get(callee)
    if numeric is not None:
        position, keyword, flags = numeric
        value = argument(node, position, keyword)
        return value is not None and _mentions(value.value, flags, ctx)
    if callee.startswith("socket.socket.") and type(node.func) is cst.Attribute:
        receiver = node.func.value
        return (
            _catches_would_block(ctx)
            or _made_non_blocking(receiver, ctx)
            or (callee == "socket.socket.connect" and _udp_connect_to_address(node, receiver, ctx))
        )
    return False
