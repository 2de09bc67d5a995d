"""Which constant an expression is, when it is written as one: `None`, `True`, `False`, `0`."""

from __future__ import annotations

import ast
from typing import Optional

import libcst as cst


def is_none(node: Optional[cst.CSTNode]) -> bool:
    return type(node) is cst.Name and node.value == "None"


def is_true(node: Optional[cst.CSTNode]) -> bool:
    return type(node) is cst.Name and node.value == "True"


def is_false(node: Optional[cst.CSTNode]) -> bool:
    return type(node) is cst.Name and node.value == "False"


def is_false_or_zero(node: Optional[cst.CSTNode]) -> bool:
    """`False`, `0`, `0.0` (`lock.acquire(False)`, `sock.settimeout(0)`)."""
    if is_false(node):
        return True
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return ast.literal_eval(node.value) == 0
        except (ValueError, SyntaxError):
            return False
    return False


def is_falsy_constant(node: Optional[cst.CSTNode]) -> bool:
    """`None`, `False` or a zero."""
    return is_none(node) or is_false_or_zero(node)
