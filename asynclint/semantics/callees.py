"""What a call calls, by name: its qualified name, and `Type.method` from the receiver's type when
that says more (`self.loop.create_task` with `self.loop = asyncio.get_event_loop()`).
"""

from __future__ import annotations

from typing import Collection, Optional

import libcst as cst

from asynclint.semantics.names import NameAnswers
from asynclint.semantics.scope import Scope


def callee_names(func: cst.BaseExpression, names: NameAnswers, scope: Optional[Scope] = None) -> tuple[str, ...]:
    """The callee's qualified name, then `Type.method` from the receiver's type when that differs;
    empty when neither is known. The last one names the method best."""
    found = []
    qualified = names.qualified_name(func, scope)
    if qualified is not None:
        found.append(qualified)
    if type(func) is cst.Attribute:
        receiver = names.type_of(func.value, scope)
        if receiver is not None and f"{receiver}.{func.attr.value}" != qualified:
            found.append(f"{receiver}.{func.attr.value}")
    return tuple(found)


def first_known(names: tuple[str, ...], known: Collection[str]) -> Optional[str]:
    """The first of `names` that `known` (a catalog) lists."""
    for name in names:
        if name in known:
            return name
    return None
