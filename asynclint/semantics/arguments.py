"""Which argument of a call binds a parameter: `timeout=` given by keyword, the flags at position 5,
the first positional value. Answers "not given" (None) when `*args` hides where it would be.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst


def keyword_argument(call: cst.Call, name: str) -> Optional[cst.Arg]:
    """The `name=...` argument of `call`, or None."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional_arguments(call: cst.Call) -> list[cst.Arg]:
    """The plain positional arguments (no keyword, no `*`/`**`), in order."""
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def first_positional(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The value of the first plain positional argument, or None."""
    positional = positional_arguments(call)
    return positional[0].value if positional else None


def argument(call: cst.Call, position: int, name: str) -> Optional[cst.Arg]:
    """The argument bound to parameter `name`: given by keyword, or at `position` (when >= 0).
    None when it is not given, or when a `*args` before that position makes the place unknown."""
    found = keyword_argument(call, name) if name else None
    if found is not None or position < 0:
        return found
    positional = positional_arguments(call)
    if any(arg.star == "*" for arg in call.args[: len(positional) + 1]):
        return None
    return positional[position] if position < len(positional) else None


def has_star(call: cst.Call) -> bool:
    """`*args` or `**kwargs` among the arguments: what they bind is unknown."""
    return any(arg.star for arg in call.args)


def has_double_star(call: cst.Call) -> bool:
    """`**kwargs` among the arguments: any keyword may be given."""
    return any(arg.star == "**" for arg in call.args)
