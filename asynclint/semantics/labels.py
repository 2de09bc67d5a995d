"""How a message names code: the callee as written (`session.get`), the function a finding is in
(`` `fetch()` ``)."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from asynclint.semantics.scope import dotted_name

_LONGEST_CALLEE = 60


def callee_text(func: cst.BaseExpression, qualified: Optional[str]) -> str:
    """The callee as written (`session.get`, `asyncio.get_running_loop().getaddrinfo`) when it is
    short and on one line, else its qualified name."""
    text = dotted_name(func)
    if text is None:
        text = cst.Module([]).code_for_node(func)
        if len(text) > _LONGEST_CALLEE or "\n" in text:
            text = qualified or "call"
    return text


def function_label(function: Optional[cst.FunctionDef], outside: str = "the module body") -> str:
    """`` `fetch()` `` for the function a finding is in, `outside` for code at module level."""
    return f"`{function.name.value}()`" if function is not None else outside


def location_label(function: Optional[cst.FunctionDef]) -> str:
    """Where a finding is, as a phrase: "in `fetch()`" or "at module level"."""
    return f"in {function_label(function)}" if function is not None else "at module level"
