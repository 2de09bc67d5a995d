"""Each question `asynclint.semantics` answers, asked directly: a case that says yes and a
look-alike that must say no."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from asynclint.catalog.tasks import RETURN_TYPES
from asynclint.semantics import arguments
from asynclint.semantics.names import Resolver
from asynclint.semantics.scope import BindingKind, ScopeKind, build_index


def _call(source: str) -> cst.Call:
    expression = cst.parse_expression(source)
    assert isinstance(expression, cst.Call)
    return expression


class _Module:
    """One parsed module with its index, answering names as a rule's Context does."""

    def __init__(self, source: str, module_name: str = "pkg.mod"):
        self.index = build_index(cst.parse_module(textwrap.dedent(source)), module_name, frozenset())
        self.resolver = Resolver(self.index, RETURN_TYPES)

    def qualified_name(self, expr, scope=None):
        return self.resolver.qualified_name(expr, scope or self.index.root)

    def type_of(self, expr, scope=None):
        return self.resolver.type_of(expr, scope or self.index.root)

    def scope(self, *names: str):
        """The scope of the def or class reached by `names` from the module (`"Client", "get"`)."""
        scope = self.index.root
        for name in names:
            [binding] = scope.bindings[name]
            scope = self.index.scopes[binding.node]
        return scope

    def bindings(self, name: str, *where: str):
        return self.scope(*where).bindings[name]


def _code(node) -> str:
    return cst.Module([]).code_for_node(node.value) if node is not None else "-"


# -- scopes and bindings: what binds each name, in which kind of scope -------------------------------
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import x.path", BindingKind.IMPORT),
        ("from os import path as x", BindingKind.IMPORT),
        ("x = 1", BindingKind.ASSIGN),
        ("a, *x = 1, 2", BindingKind.ASSIGN),
        ("x: int = 1", BindingKind.ANNOTATED),
        ("x += 1", BindingKind.AUGMENTED),
        ("def x(): ...", BindingKind.DEF),
        ("class x: ...", BindingKind.CLASS),
        ("for x in y: ...", BindingKind.FOR),
        ("with y as x: ...", BindingKind.WITH),
        ("try: ...\nexcept E as x: ...", BindingKind.EXCEPT),
        ("(x := 1)", BindingKind.WALRUS),
        ("match y:\n    case [*x]: ...", BindingKind.MATCH),
    ],
)
def test_each_construct_binds_its_kind(source, expected):
    [binding] = _Module(source).index.root.bindings["x"]
    assert binding.kind is expected


def test_scopes_have_the_kind_of_what_opens_them():
    module = _Module("class C:\n    def f(self, p):\n        g = lambda q: [i for i in q]\n")
    method = module.scope("C", "f")
    [param] = method.bindings["p"]
    assert param.kind is BindingKind.PARAM and param.index == 1
    kinds = sorted(scope.kind.value for scope in module.index.scopes.values())
    assert kinds == ["class", "comprehension", "function", "lambda", "module"]
    assert module.scope("C").kind is ScopeKind.CLASS and method.kind is ScopeKind.FUNCTION


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


# -- function kinds: is this a coroutine function? ---------------------------------------------------
_KINDS = """
import abc
import typing
from typing import overload
from functools import lru_cache

async def fetch(): ...
async def stream():
    yield 1
def rows():
    yield from range(3)
def plain(): ...
@lru_cache
async def cached(): ...

@overload
def load(x: int) -> int: ...
@overload
def load(x: str) -> str: ...
async def load(x): ...

try:
    async def either(): ...
except ImportError:
    def either(): ...

class Client(abc.ABC):
    @staticmethod
    async def make(): ...
    @abc.abstractmethod
    async def close(self): ...
    @typing.overload
    async def get(self, key: int) -> int: ...
    async def get(self, key): ...
    async def events(self):
        async def inner():
            yield 1
        return inner
"""


@pytest.mark.parametrize(
    ("name", "where", "coroutine", "async_generator", "generator"),
    [
        ("fetch", (), True, False, False),
        ("load", (), True, False, False),  # the `@overload` stubs are left out
        ("make", ("Client",), True, False, False),  # staticmethod leaves it as it is
        ("close", ("Client",), True, False, False),
        ("get", ("Client",), True, False, False),
        ("events", ("Client",), True, False, False),  # the yield is in a nested function
        # look-alikes
        ("stream", (), False, True, False),  # an async generator function makes no coroutine
        ("rows", (), False, False, True),
        ("plain", (), False, False, False),
        ("cached", (), False, False, False),  # an unknown decorator may return anything
        ("either", (), False, False, False),  # one definition is sync
    ],
)
def test_what_calling_a_definition_makes(name, where, coroutine, async_generator, generator):
    from asynclint.semantics import function_kinds

    module = _Module(_KINDS)
    bindings = module.bindings(name, *where)
    assert bool(function_kinds.definitions_make_coroutines(bindings, module)) is coroutine
    assert function_kinds.definitions_make_async_generators(bindings, module) is async_generator
    assert function_kinds.definitions_make_generators(bindings, module) is generator


def test_only_definitions_are_answered_here():
    from asynclint.semantics import function_kinds

    module = _Module("import asyncio\nfrom asyncio import sleep\nhandler = make_handler()\n")
    for name in ("sleep", "handler"):
        assert function_kinds.definitions_make_coroutines(module.bindings(name), module) is None


# -- receivers: which class does `self.x` / `cls.x` look in? ------------------------------------------
_RECEIVERS = """
class Worker:
    async def run(self):
        self.step()
    @classmethod
    def build(cls):
        return cls.create()
    @staticmethod
    def helper(self):
        return self.step()
    def annotated(self: "Other"):
        return self.step()

def outside(self):
    return self.step()
"""


@pytest.mark.parametrize(
    ("function", "receiver", "found"),
    [
        (("Worker", "run"), "self", True),
        (("Worker", "build"), "cls", True),
        # look-alikes: a staticmethod's first parameter, an annotated one, a plain function's
        (("Worker", "helper"), "self", False),
        (("Worker", "annotated"), "self", False),
        (("outside",), "self", False),
    ],
)
def test_receiver_class(function, receiver, found):
    module = _Module(_RECEIVERS)
    class_scope = module.resolver.receiver_class(receiver, module.scope(*function))
    assert (class_scope is module.scope("Worker")) is found
    assert (class_scope is None) is not found


def test_callable_bindings_follow_names_and_receivers():
    module = _Module(_RECEIVERS + "\nstep = None\n")
    run = module.scope("Worker", "run")
    [run_binding] = module.resolver.callable_bindings(cst.parse_expression("self.run"), run)
    assert run_binding.node is run.node
    assert module.resolver.callable_bindings(cst.parse_expression("other.run"), run) == []
    assert [b.kind for b in module.resolver.callable_bindings(cst.parse_expression("step"), run)] == [BindingKind.ASSIGN]


# -- function names ------------------------------------------------------------------------------
def test_function_qualified_name():
    module = _Module(_RECEIVERS + "\ndef outer():\n    def nested(): ...\n")
    assert module.resolver.function_qualified_name(module.scope("Worker", "run")) == "pkg.mod.Worker.run"
    assert module.resolver.function_qualified_name(module.scope("outside")) == "pkg.mod.outside"
    assert module.resolver.function_qualified_name(module.scope("outer", "nested")) is None
    assert module.resolver.function_qualified_name(module.scope("Worker")) is None


def test_in_top_package():
    from asynclint.semantics.names import in_top_package

    assert in_top_package("pkg.util.load", "pkg.views")
    assert in_top_package("pkg", "pkg.views")
    assert not in_top_package("pkgextra.load", "pkg.views")
    assert not in_top_package("pkg.util.load", "")


# -- the rules that ask: one answer, each rule's own use of it ------------------------------------
_OFFLOADED = """
import asyncio
from typing import overload

async def fetch(): ...
async def stream():
    yield 1
def rows():
    yield 1
def plain(): ...
def wrap(f): return f
@wrap
async def wrapped(): ...

class Poller:
    async def poll(self): ...
    @classmethod
    async def make(cls): ...
    async def run(self):
        await asyncio.to_thread(fetch)
        await asyncio.to_thread(stream)
        await asyncio.to_thread(rows)
        await asyncio.to_thread(self.poll)
        await asyncio.to_thread(fetch())
        await asyncio.to_thread(plain)
        await asyncio.to_thread(wrapped)
    @classmethod
    async def start(cls):
        await asyncio.to_thread(cls.make)
"""


def test_asy112_names_each_kind_of_function_handed_to_a_thread():
    from conftest import lint_snippet

    found = {d.line: d.message for d in lint_snippet(_OFFLOADED, select="ASY112")}
    lines = _OFFLOADED.splitlines()

    def line_of(text: str) -> int:
        return next(number for number, line in enumerate(lines, 1) if line.strip() == text)

    assert "is a coroutine function" in found.pop(line_of("await asyncio.to_thread(fetch)"))
    assert "is an async generator function" in found.pop(line_of("await asyncio.to_thread(stream)"))
    assert "is a generator function" in found.pop(line_of("await asyncio.to_thread(rows)"))
    assert "is a coroutine function" in found.pop(line_of("await asyncio.to_thread(self.poll)"))
    assert "coroutine object" in found.pop(line_of("await asyncio.to_thread(fetch())"))
    assert "is a coroutine function" in found.pop(line_of("await asyncio.to_thread(cls.make)"))
    assert found == {}  # `plain` runs in the thread; `wrapped` is whatever `wrap` returns


def test_asy200_and_asy112_agree_on_async_generators():
    from conftest import codes_and_lines

    source = """
    import asyncio

    async def stream():
        yield 1

    async def fetch(): ...

    async def main():
        stream()
        fetch()
        await asyncio.to_thread(stream)
    """
    # ASY200: calling an async generator function makes an async generator, not a coroutine.
    assert codes_and_lines(source, select="ASY200") == [("ASY200", 11)]
    assert codes_and_lines(source, select="ASY112") == [("ASY112", 12)]


# -- exits: does this block always raise, or always leave? ------------------------------------------
def _statements(source: str):
    from asynclint.semantics.always_raises import statements_of

    [statement] = cst.parse_module(textwrap.dedent(source)).body
    return statements_of(statement)


@pytest.mark.parametrize(
    ("source", "raises", "leaves"),
    [
        ("if x:\n    raise ValueError\n", True, True),
        ("if x: return\n", False, True),  # a one-line suite leaves too
        ("if x:\n    log()\n    continue\n", False, True),
        ("if x:\n    if y:\n        return 1\n    else:\n        raise E\n", False, True),
        ("if x:\n    with lock:\n        raise E\n", True, True),
        ("if x:\n    sys.exit(1)\n", True, True),
        ("if x:\n    try:\n        return f()\n    except E:\n        break\n", False, True),
        # look-alikes: a path that falls through
        ("if x:\n    if y:\n        return\n", False, False),
        ("if x:\n    log()\n", False, False),
        ("if x:\n    try:\n        return f()\n    except E:\n        log()\n", False, False),
        ("if x:\n    for item in items:\n        break\n", False, False),
    ],
)
def test_always_raises_and_always_leaves(source, raises, leaves):
    from asynclint.semantics.always_raises import always_leaves, always_raises

    statements = _statements(source)
    assert always_raises(statements) is raises
    assert always_leaves(statements) is leaves


# -- references: is this read only an inspection? -------------------------------------------------------
def _read_of(source: str, name: str = "task"):
    """The path of the last read of `name` in `source` (module level)."""
    index = build_index(cst.parse_module(textwrap.dedent(source)), "pkg.mod", frozenset())
    [*_, (node, path)] = index.root.references[name]
    return node, path


@pytest.mark.parametrize(
    ("source", "inspected", "only_inspected"),
    [
        ("task is None\n", True, True),
        ("if task:\n    pass\n", True, True),
        ("ok = not task\n", True, True),
        ("del task\n", True, True),
        ("task.done()\n", False, True),
        ("len(task)\n", False, True),
        # look-alikes: waited for, ended, handed on, stored
        ("task.cancel()\n", False, False),
        ("keep(task)\n", False, False),
        ("other = task\n", False, False),
        ("sorted(task)\n", False, False),
    ],
)
def test_reference_classification(source, inspected, only_inspected):
    from asynclint.semantics import references

    node, path = _read_of(source)
    assert references.inspected(node, path) is inspected
    assert references.only_inspected(node, path, {"done", "cancelled"}) is only_inspected


# -- suspensions: where can the coroutine let other tasks run? ------------------------------------------
@pytest.mark.parametrize(
    ("source", "first"),
    [
        ("async def f():\n    x = 1\n    await g()\n", "await g()"),
        ("async def f():\n    async with lock:\n        pass\n", "async with"),
        ("async def f():\n    async for item in feed:\n        pass\n", "async for"),
        ("async def f():\n    rows = [r async for r in feed]\n", "async for"),
        # look-alikes: a sync `with`/`for`, an await inside a nested function
        ("async def f():\n    with lock:\n        for item in items:\n            pass\n", None),
        ("async def f():\n    async def inner():\n        await g()\n    return inner\n", None),
    ],
)
def test_suspension_points(source, first):
    from asynclint.semantics.suspensions import first_suspension, suspends

    function = cst.ensure_type(cst.parse_module(source).body[0], cst.FunctionDef)
    found = first_suspension(function.body)
    if first is None:
        assert found is None and not suspends(function.body)
        return
    assert suspends(function.body)
    if type(found) is cst.Await:
        assert cst.Module([]).code_for_node(found) == first
    else:
        assert found.asynchronous is not None and first.startswith("async")


def test_base_classes():
    from asynclint.semantics.names import base_classes

    node = cst.ensure_type(cst.parse_statement("class C(Base, Generic[T], mixins.Log, metaclass=Meta): ...\n"), cst.ClassDef)
    assert [cst.Module([]).code_for_node(base) for base in base_classes(node)] == ["Base", "Generic", "mixins.Log"]
    plain = cst.ensure_type(cst.parse_statement("class C: ...\n"), cst.ClassDef)
    assert base_classes(plain) == []


# -- constants -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "none", "true", "false_or_zero", "falsy"),
    [
        ("None", True, False, False, True),
        ("True", False, True, False, False),
        ("False", False, False, True, True),
        ("0", False, False, True, True),
        ("0.0", False, False, True, True),
        # look-alikes: other constants, names that hold a constant, a string
        ("1", False, False, False, False),
        ("NONE", False, False, False, False),
        ("false", False, False, False, False),
        ('""', False, False, False, False),
    ],
)
def test_constants(source, none, true, false_or_zero, falsy):
    from asynclint.semantics import constants

    node = cst.parse_expression(source)
    assert constants.is_none(node) is none
    assert constants.is_true(node) is true
    assert constants.is_false_or_zero(node) is false_or_zero
    assert constants.is_falsy_constant(node) is falsy


def test_decorated_with_reads_called_and_plain_decorators():
    from asynclint.semantics.function_kinds import decorated_with, decorator_target

    module = _Module("import functools\n\n@functools.lru_cache(maxsize=8)\ndef load(): ...\n\n@wraps\ndef other(): ...\n")
    load, other = (module.bindings(name)[0].node for name in ("load", "other"))
    assert cst.Module([]).code_for_node(decorator_target(load.decorators[0])) == "functools.lru_cache"
    assert decorated_with(load, {"functools.lru_cache"}, module, module.index.root)
    assert not decorated_with(other, {"functools.lru_cache"}, module, module.index.root)
