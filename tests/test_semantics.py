"""Each question `asynclint.semantics` answers, asked directly: a case that says yes and a
look-alike that must say no."""

from __future__ import annotations

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


# -- callees and labels ----------------------------------------------------------------------------
class _Names:
    """Name answers from a table, as the engine's Context gives them."""

    def __init__(self, qualified: dict[str, str], types: dict[str, str]):
        self.qualified, self.types = qualified, types

    def qualified_name(self, expr, scope=None):
        return self.qualified.get(cst.Module([]).code_for_node(expr))

    def type_of(self, expr, scope=None):
        return self.types.get(cst.Module([]).code_for_node(expr))


def test_callee_names_add_the_receiver_type_only_when_it_says_more():
    from asynclint.semantics.callees import callee_names, first_known

    func = cst.parse_expression("self.loop.create_task")
    typed = _Names({"self.loop.create_task": "pkg.Worker.loop.create_task"}, {"self.loop": "asyncio.AbstractEventLoop"})
    names = callee_names(func, typed)
    assert names == ("pkg.Worker.loop.create_task", "asyncio.AbstractEventLoop.create_task")
    assert first_known(names, {"asyncio.AbstractEventLoop.create_task"}) == names[-1]
    # look-alikes: a receiver of unknown type, a name that resolves to nothing, nothing catalogued
    assert callee_names(func, _Names({"self.loop.create_task": "x.create_task"}, {})) == ("x.create_task",)
    assert callee_names(cst.parse_expression("spawn"), _Names({}, {})) == ()
    assert first_known(names, {"asyncio.create_task"}) is None


def test_labels_name_the_callee_as_written_and_the_function():
    from asynclint.semantics.labels import callee_text, function_label, location_label

    assert callee_text(cst.parse_expression("session.get"), "aiohttp.ClientSession.get") == "session.get"
    assert callee_text(cst.parse_expression("get_loop().create_task"), None) == "get_loop().create_task"
    long_receiver = cst.parse_expression("make(" + ", ".join(f"argument_{n}" for n in range(9)) + ").get")
    assert callee_text(long_receiver, "pkg.Client.get") == "pkg.Client.get"
    function = cst.ensure_type(cst.parse_statement("async def fetch():\n    pass\n"), cst.FunctionDef)
    assert function_label(function) == "`fetch()`"
    assert function_label(None) == "the module body"
    assert location_label(function) == "in `fetch()`"
    assert location_label(None) == "at module level"
