"""The engine's dispatch contract: `visit_<NodeType>` runs for every node of that type, exactly
once, with the right parent; a hook the engine would never call is refused when the linter is
built; and the facts the project index needs do not depend on which rules are selected."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest
from conftest import make_config

from asynclint.checks import rules_for
from asynclint.checks.base import Rule, UnsupportedHook
from asynclint.config import Config
from asynclint.engine.linter import Linter
from asynclint.semantics.scope import DISPATCHED, build_index

REPO = Path(__file__).resolve().parent.parent

# Every place the semantic walk reads a node without walking it: parameters, annotations,
# assignment and loop targets, comprehension clauses, imports, `as` names, type parameters.
HEADERS = textwrap.dedent(
    '''
    from __future__ import annotations
    import os.path as osp, sys
    from .sibling import thing as other, more
    from pkg import *
    from . import (a, b)
    global_value: int = 1

    @decorator(arg=1)
    async def fetch[T: int](self, a, /, b: int = 2, *args: str, c, d=3, **kwargs: "X") -> dict[str, T]:
        global global_value
        x, *rest = y = await self.get(a)
        [p, (q, r)] = z
        obj.attr, items[0] = 1, 2
        counter += 1
        async with lock as held, open(p) as (f, g):
            pass
        for i, j in pairs:
            pass
        async for k in stream():
            pass
        try:
            pass
        except ValueError as error:
            pass
        try:
            pass
        except* OSError as group:
            pass
        values = [m for m in data if m for n in m]
        mapping = {key: value async for key, value in pairs() if key}
        lam = lambda u, *v, w=1, **kw: u
        if (walrus := compute()):
            pass
        match command:
            case [first, *others]:
                pass
            case {"key": found, **rest}:
                pass
            case Point(x=px) as point:
                pass
        def inner():
            nonlocal x
        return call(keyword=value, *args, **kwargs)

    class Service[K](Base, metaclass=Meta):
        field: int
        def method(self, /, *, key: K) -> None: ...

    type Alias[V] = list[V]
    '''
)


def _libcst_nodes(module: cst.Module) -> tuple[Counter, dict[int, cst.CSTNode]]:
    """Every node libcst's own visitor reaches, with each node's parent."""
    counts: Counter = Counter()
    parents: dict[int, cst.CSTNode] = {}

    class Everything(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if type(node) in DISPATCHED:
                counts[id(node)] += 1
            for child in node.children:
                parents[id(child)] = node
            return True

    module.visit(Everything())
    return counts, parents


@pytest.mark.parametrize(
    "name, source",
    [("headers", HEADERS)]
    + [(path.name, path.read_text()) for path in sorted((REPO / "asynclint" / "engine").glob("*.py"))],
)
def test_every_dispatchable_node_is_dispatched_once_with_its_parent(name, source):
    module = cst.parse_module(source)
    index = build_index(module, "pkg.mod", DISPATCHED, is_package=False)
    dispatched = Counter(id(node) for node, _, _ in index.events)
    expected, parents = _libcst_nodes(module)
    by_id = {id(node): node for node, _, _ in index.events}
    missing = Counter({key: n for key, n in expected.items() if dispatched[key] < n})
    assert not missing, f"never dispatched: {sorted({type(by_id.get(k, k)).__name__ for k in missing})}"
    assert dispatched == expected, "a node dispatched twice"
    for node, path, _ in index.events:
        assert path[0] is node
        if node is not module:
            assert path[1][0] is parents[id(node)], f"{type(node).__name__}: wrong parent"


def test_the_headers_source_really_holds_the_nodes_that_used_to_be_skipped():
    seen = {type(node) for node, _, _ in build_index(cst.parse_module(HEADERS), "m", DISPATCHED).events}
    for node_type in (
        cst.Param,
        cst.Parameters,
        cst.Annotation,
        cst.AssignTarget,
        cst.CompFor,
        cst.ImportAlias,
        cst.AsName,
        cst.ParamSlash,
        cst.ParamStar,
        cst.TypeParameters,
        cst.NameItem,
        cst.ImportStar,
    ):
        assert node_type in seen, node_type.__name__


class _ParamNames(Rule):
    code = "ASY100"  # borrowed: the dispatch is what is under test

    def visit_Param(self, node: cst.Param, ctx) -> None:
        ctx.report(node, f"param {node.name.value} in {ctx.scope.kind.value}")

    def visit_ImportAlias(self, node: cst.ImportAlias, ctx) -> None:
        ctx.report(node, f"import {cst.Module([]).code_for_node(node.name)}")


def test_a_rule_hook_on_a_formerly_skipped_type_runs_through_the_linter():
    config = make_config("ASY100")
    linter = Linter(config, [_ParamNames(config)])
    source = "import os.path as osp\n\nasync def f(a, *, b=1):\n    lambda c: c\n"
    messages = sorted(d.message for d in linter.lint("m.py", source.encode(), module_name="m", is_package=False).result.diagnostics)
    # Parameters belong to the scope the def or lambda is written in.
    assert messages == ["import os.path", "param a in module", "param b in module", "param c in function"]


@pytest.mark.parametrize(
    "hook",
    ["visit_Comma", "visit_SimpleWhitespace", "visit_Add", "visit_Cal", "visit_BaseExpression", "leave_Call"],
)
def test_a_hook_that_would_never_run_is_refused_when_the_linter_is_built(hook):
    def handler(self, node, ctx):
        ctx.report(node, "never")

    broken = type("Broken", (Rule,), {"code": "ASY100", hook: handler})
    config = make_config("ASY100")
    with pytest.raises(UnsupportedHook, match=hook):
        Linter(config, [broken(config)])


def test_every_shipped_rule_passes_the_check():
    config = Config()
    Linter(config, rules_for(config))  # raises on a hook that would never run


CROSS_MODULE = {
    "pkg/__init__.py": "",
    "pkg/jobs.py": "import time\n\nasync def refresh():\n    pass\n\ndef load():\n    time.sleep(1)\n",
    "pkg/app.py": (
        "from pkg.jobs import refresh, load\n\nasync def main():\n    refresh()\n    load()\n"
    ),
}


@pytest.mark.parametrize("select", ["ASY200", "ASY110"])
def test_project_facts_do_not_depend_on_which_rules_are_selected(tmp_path, select):
    for name, text in CROSS_MODULE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    jobs = str(tmp_path / "pkg" / "jobs.py")

    def facts(codes: str) -> dict:
        config = make_config(codes)
        summary = Linter(config, rules_for(config)).lint_path(jobs).result.summary
        assert summary is not None
        return summary.facts

    alone, others = facts(select), facts("ASY100" if select != "ASY100" else "ASY201")
    assert alone == others
    assert alone["coroutine-functions"] == {"pkg.jobs.refresh": True}
    assert alone["blocking-direct"] == {"pkg.jobs.load": ["time.sleep"]}
