"""Each question `asynclint.semantics` answers, asked directly: a case that says yes and a
look-alike that must say no."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from asynclint.semantics import arguments


def _call(source: str) -> cst.Call:
    expression = cst.parse_expression(source)
    assert isinstance(expression, cst.Call)
    return expression


def _code(node) -> str:
    return cst.Module([]).code_for_node(node.value) if node is not None else "-"


# -- arguments -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "position", "name", "expected"),
    [
        ("getaddrinfo(h, p, 0, 0, 0, AI_NUMERICHOST)", 5, "flags", "AI_NUMERICHOST"),
        ("getaddrinfo(h, p, flags=AI_NUMERICHOST)", 5, "flags", "AI_NUMERICHOST"),
        ("Queue(10)", 0, "maxsize", "10"),
        ("Queue(maxsize=10)", 0, "maxsize", "10"),
        # look-alikes: not given, or hidden behind `*args`
        ("getaddrinfo(h, p)", 5, "flags", "-"),
        ("getaddrinfo(*where, AI_NUMERICHOST)", 1, "flags", "-"),
        ("wait_for(coro, timeout=None)", -1, "timeout_s", "-"),
        ("Queue(**options)", 0, "maxsize", "-"),
    ],
)
def test_argument_bound_to_a_parameter(source, position, name, expected):
    assert _code(arguments.argument(_call(source), position, name)) == expected


def test_keyword_and_positional_arguments():
    call = _call("f(a, *rest, b=1, **extra)")
    assert _code(arguments.keyword_argument(call, "b")) == "1"
    assert arguments.keyword_argument(call, "a") is None  # positional, not a keyword
    assert [_code(arg) for arg in arguments.positional_arguments(call)] == ["a"]
    assert cst.Module([]).code_for_node(arguments.first_positional(call)) == "a"
    assert arguments.first_positional(_call("f(*rest)")) is None
    assert arguments.has_star(call) and arguments.has_double_star(call)
    assert arguments.has_star(_call("f(*rest)")) and not arguments.has_double_star(_call("f(*rest)"))
    assert not arguments.has_star(_call("f(a, b=1)"))
