"""How a read of a value uses it: only inspected (its identity, its truth, a state query such as
`task.done()`), or used in a way that may wait for it, end it or hand it to other code.
"""

from __future__ import annotations

from typing import Collection, cast

import libcst as cst

from asynclint.engine.context import parent_of, truth_tested
from asynclint.semantics.scope import Path


def inspected(node: cst.CSTNode, path: Path) -> bool:
    """Read only for its identity or truth: `x is None`, `x == y`, `if x:`, `not x`, `del x`."""
    return type(parent_of(path)) in (cst.Comparison, cst.ComparisonTarget, cst.Del) or truth_tested(node, path)


def only_inspected(node: cst.CSTNode, path: Path, query_methods: Collection[str]) -> bool:
    """`inspected`, or queried without being waited for, ended or handed on: a method of
    `query_methods` (`task.done()`, `task.cancelled()`), or `len(x)`."""
    parent = parent_of(path)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return parent.attr.value in query_methods
    if type(parent) is cst.Arg:
        call = parent_of(cast(tuple, path)[1])  # a parent: path is not None
        return type(call) is cst.Call and type(call.func) is cst.Name and call.func.value == "len"
    return inspected(node, path)
