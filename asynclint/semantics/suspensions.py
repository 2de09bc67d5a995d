"""Where a coroutine can suspend, letting other tasks run: `await`, `async with`, `async for`
(in a statement or a comprehension). Nested functions and lambdas are not looked into.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from asynclint.semantics.scope import iter_subtree


def is_suspension(node: cst.CSTNode) -> bool:
    """`await ...`, `async with`, `async for`, or a comprehension's `async for`."""
    if type(node) is cst.Await:
        return True
    return type(node) in (cst.With, cst.For, cst.CompFor) and node.asynchronous is not None  # type: ignore[attr-defined]


def first_suspension(node: cst.CSTNode) -> Optional[cst.CSTNode]:
    """The first suspension point in `node` (itself included), in source order."""
    for current in iter_subtree(node):
        if is_suspension(current):
            return current
    return None


def suspends(node: cst.CSTNode) -> bool:
    """`node` has a suspension point (outside nested functions)."""
    return first_suspension(node) is not None
