"""Blocking calls in async context (ASY100–ASY112): the event loop stalls while they run."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from asynclint.checks.base import Rule
from asynclint.engine.context import Context
from asynclint.engine.fixes import Fix


class BlockingSleep(Rule):
    code = "ASY100"
    message = "`{callee}` blocks the event loop in `{function}()`; use `await asyncio.sleep()`"

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not ctx.in_async_context or ctx.qualified_name(node.func) != "time.sleep":
            return
        message = self.message.format(callee="time.sleep", function=ctx.function_name)
        ctx.report(node, message, fix=self._fix(node, ctx))

    @staticmethod
    def _fix(node: cst.Call, ctx: Context) -> Optional[Fix]:
        if not ctx.can_insert_await():
            return None
        sleep, imports = ctx.module_attribute("asyncio", "sleep")
        if sleep is None:
            return None
        replacement = ctx.awaited(node, node.with_changes(func=sleep))
        return Fix("safe", "Replace with `await asyncio.sleep(...)`", ((node, replacement),), imports)
