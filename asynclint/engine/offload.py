"""The offload fix: move a blocking call to a worker thread, `await asyncio.to_thread(f, *args)`.

With `fix-offload = "run_in_executor"` it writes
`await asyncio.get_running_loop().run_in_executor(None, functools.partial(f, ...))` (every
supported target, py39 and later, has `asyncio.to_thread`).
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from asynclint.engine.context import Context
from asynclint.engine.fixes import Fix

_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _with_comma(arg: cst.Arg) -> cst.Arg:
    return arg.with_changes(comma=_COMMA)


def offload_fix(call: cst.Call, ctx: Context, construction_blocks: bool = False) -> Optional[Fix]:
    """None where moving the call would not keep its meaning: a `with` item, already awaited,
    in a generator expression, or a method whose receiver is built by another blocking call."""
    if construction_blocks or not ctx.can_insert_await() or type(ctx.parent) is cst.WithItem:
        return None
    args = list(call.args)
    style = ctx.config.fix_offload
    target = cst.Arg(value=call.func)
    if style == "to_thread":
        function, imports = ctx.module_attribute("asyncio", "to_thread")
        if function is None:
            return None
        new_args = [_with_comma(target), *args] if args else [target]
        if args:
            new_args[-1] = new_args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        offloaded = cst.Call(func=function, args=new_args)
        message = "Run it in a worker thread with `await asyncio.to_thread(...)`"
    else:
        loop, loop_imports = ctx.module_attribute("asyncio", "get_running_loop")
        if loop is None:
            return None
        imports = loop_imports
        work: cst.BaseExpression = call.func
        if args:
            partial, partial_imports = ctx.module_attribute("functools", "partial")
            if partial is None:
                return None
            imports = imports + partial_imports
            partial_args = [_with_comma(target), *args]
            partial_args[-1] = partial_args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            work = cst.Call(func=partial, args=partial_args)
        offloaded = cst.Call(
            func=cst.Attribute(value=cst.Call(func=loop), attr=cst.Name("run_in_executor")),
            args=[_with_comma(cst.Arg(cst.Name("None"))), cst.Arg(work)],
        )
        message = "Run it in the default executor with `await loop.run_in_executor(...)`"
    return Fix("unsafe", message, ((call, ctx.awaited(call, offloaded)),), imports)
