"""Which sync project functions block, and through which calls: `BlockingFacts` records, in every
file, what each sync function calls and under which arguments; `blocking_chain` answers, for the
whole project, the shortest chain from a function to a blocking call of the catalog."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Optional

import libcst as cst

from asynclint.catalog import blocking as catalog
from asynclint.checks.base import Collector
from asynclint.semantics.always_raises import always_leaves, statements_of
from asynclint.semantics.blocking_calls import blocking_calls, does_not_block
from asynclint.semantics.constants import is_falsy_constant, is_none, is_true
from asynclint.semantics.function_kinds import decorated_with, is_generator_function
from asynclint.semantics.names import in_top_package
from asynclint.semantics.scope import BindingKind, ScopeKind, iter_subtree
from asynclint.semantics.type_tests import TypeTest, derived_from, literal_type, passes, required_type_tests

if TYPE_CHECKING:  # the engine imports semantics; these are needed for their types only
    from asynclint.engine.context import Context
    from asynclint.engine.project import ProjectIndex

# A fact kind `BlockingFacts` records: qualified name → True for a sync generator function.
SYNC_GENERATORS = "sync-generators"


def _runs_in_thread(decorator: cst.Decorator) -> bool:
    target = decorator.decorator
    return type(target) is cst.Call and any(
        arg.keyword is not None and arg.keyword.value == "thread" and is_true(arg.value)
        for arg in target.args
    )


def _describe(value: cst.BaseExpression, parameters: frozenset[str]) -> str:
    """What an argument is, as far as it decides branches: "falsy:TYPE" (None, False, 0),
    "literal:TYPE" (`"a.json"`, `b""`, `[]`...), "param:NAME" (the caller's own parameter, passed
    through) or "other"."""
    if is_falsy_constant(value):
        return f"falsy:{literal_type(value)}"
    kind = literal_type(value)
    if kind is not None:
        return f"literal:{kind}"
    if type(value) is cst.Name and value.value in parameters:
        return f"param:{value.value}"
    return "other"


def describe_arguments(call: cst.Call, parameters: frozenset[str]) -> Optional[tuple[list, dict]]:
    """What a call passes, each argument `_describe`d. None when `*args`/`**kwargs` hide it."""
    positional: list[str] = []
    keywords: dict[str, str] = {}
    for arg in call.args:
        if arg.star:
            return None
        described = _describe(arg.value, parameters)
        if arg.keyword is None:
            positional.append(described)
        else:
            keywords[arg.keyword.value] = described
    return positional, keywords


def _truthy_required(test: cst.CSTNode, parameters: frozenset[str], negated: bool) -> set[str]:
    """Parameters that must be truthy (not None) for `test` to be true (`negated`: to be false)."""
    if isinstance(test, cst.Name) and not negated:
        return {test.value} & parameters
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _truthy_required(test.expression, parameters, not negated)
    if isinstance(test, cst.BooleanOperation) and type(test.operator) is (cst.Or if negated else cst.And):
        return _truthy_required(test.left, parameters, negated) | _truthy_required(test.right, parameters, negated)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name):
        operator = type(test.comparisons[0].operator)
        comparator = test.comparisons[0].comparator
        if is_none(comparator):
            if (operator is cst.IsNot and not negated) or (operator is cst.Is and negated):
                return {test.left.value} & parameters
    return set()


def _guard(ctx: Context, parameters: frozenset[str]) -> tuple[set[str], list[TypeTest]]:
    """What must hold of the function's parameters for the current call to run: the parameters
    that must be truthy (it sits in `if param:`, the `else` of `if not param:`, or after
    `if not param: return` in an enclosing block), and the type tests that must pass or fail
    (`if isinstance(param, Path):`, after `if isinstance(param, bytes): return`)."""
    required: set[str] = set()
    tests: list[TypeTest] = []
    child: cst.CSTNode = ctx.node
    function = ctx.function

    def read(test: cst.BaseExpression, negated: bool) -> None:
        required.update(_truthy_required(test, parameters, negated))
        tests.extend(required_type_tests(test, _subjects(test, parameters, ctx), negated))

    for ancestor in ctx.ancestors():
        if ancestor is function:
            break
        if type(ancestor) is cst.If:
            if child is ancestor.body:
                read(ancestor.test, False)
            elif child is ancestor.orelse:
                read(ancestor.test, True)
        elif type(ancestor) is cst.IndentedBlock:
            for statement in ancestor.body:
                if statement is child:
                    break
                if type(statement) is cst.If and statement.orelse is None and always_leaves(statements_of(statement)):
                    read(statement.test, True)
        child = ancestor
    return required, tests


def _subjects(test: cst.BaseExpression, parameters: frozenset[str], ctx: Context) -> dict[str, str]:
    """The names a type test in `test` can be about: the parameters, and locals whose only value
    is read from one (`content = file[1] if isinstance(file, tuple) else file`)."""
    subjects = {name: name for name in parameters}
    for node in iter_subtree(test):
        if not (type(node) is cst.Call and type(node.func) is cst.Name and node.func.value in ("isinstance", "type")):
            continue
        subject = node.args[0].value if node.args else None
        if type(subject) is cst.Name and subject.value not in subjects:
            _, bindings = ctx.bindings(subject.value)
            if len(bindings) == 1 and bindings[0].kind is BindingKind.ASSIGN:
                parameter = derived_from(bindings[0].value, parameters)
                if parameter is not None:
                    subjects[subject.value] = parameter
    return subjects


def _parameter_names(function: Optional[cst.FunctionDef]) -> frozenset[str]:
    if function is None:
        return frozenset()
    params = function.params
    return frozenset(p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params))


def _signature(function: cst.FunctionDef, is_method: bool) -> list[list]:
    """[[name, positional, what the default is]] for the parameters a caller passes (no `self`);
    the default `_describe`d when it is a constant (None when there is none or it is not)."""
    params = function.params
    positional = [*params.posonly_params, *params.params]
    if is_method and positional:
        positional = positional[1:]

    def default(param: cst.Param) -> Optional[str]:
        if param.default is None:
            return None
        described = _describe(param.default, frozenset())
        return described if described != "other" else None

    signature = [[p.name.value, True, default(p)] for p in positional]
    signature += [[p.name.value, False, default(p)] for p in params.kwonly_params]
    return signature


def _bound_parameters(signature: Optional[list], arguments: Optional[tuple], caller: frozenset) -> frozenset:
    """(name, "falsy:TYPE" | "literal:TYPE") for the callee's parameters whose value this call
    makes certain: left at a constant default, or given a constant (directly or through a
    parameter of the caller that has one, `caller` being the caller's own)."""
    if signature is None or arguments is None:
        return frozenset()
    positional, keywords = arguments
    slots = [name for name, is_positional, _ in signature if is_positional]
    if len(positional) > len(slots):
        return frozenset()
    given = dict(zip(slots, positional))
    given.update(keywords)
    known_in_caller = dict(caller)
    bound = set()
    for name, _, default in signature:
        described = given.get(name, default)
        if described is not None and described.startswith("param:"):
            described = known_in_caller.get(described[6:])
        if described is not None and described.startswith(("falsy:", "literal:")):
            bound.add((name, described))
    return frozenset(bound)


def _falsy(bound: frozenset) -> set[str]:
    return {name for name, described in bound if described.startswith("falsy:")}


def _runs(tests: list, bound: frozenset) -> bool:
    """Whether a call under these type tests can run for a function called with `bound`: a test
    that must pass is taken only when the argument's type is known to pass it (a branch for one
    type of argument is not followed for an argument of unknown type, `get_media(reply.photo)`
    into `if isinstance(media, InputFile): ...`); one that must fail only when it is not known to
    pass."""
    known = dict(bound)
    for parameter, classes, must_pass, exact in tests:
        described = known.get(parameter)
        verdict = passes(described.split(":", 1)[1], classes, exact) if described is not None else None
        if (verdict is True) is not must_pass:
            return False
    return True


# -- facts --------------------------------------------------------------------------------------
class BlockingFacts(Collector):
    """Facts for `blocking_chain`: what each project function calls, directly, and under which
    arguments (for chains that a call's arguments turn off), each sync function's signature, and
    which functions no chain goes through. Recorded for every file whatever rules are selected."""

    def __init__(self, config: Any):
        super().__init__(config)
        self.known = blocking_calls(config)

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        callee = ctx.qualified_name(node.func)
        owner = sync_owner(ctx) if callee is not None else None
        if callee is None or owner is None:
            return
        entry = self.known.get(callee)
        if entry is not None and (entry.first_call_only or does_not_block(node, callee, ctx)):
            return
        kind = "blocking-direct" if entry is not None and entry.code <= "ASY107" else "sync-calls"
        ctx.append_fact(kind, owner, callee)
        parameters = _parameter_names(ctx.function)
        guard, tests = _guard(ctx, parameters) if parameters else (set(), [])
        arguments = describe_arguments(node, parameters)
        telling = arguments is not None and any(
            d.startswith(("falsy:", "param:")) or (d.startswith("literal:") and in_top_package(callee, ctx.module_name))
            for d in (*arguments[0], *arguments[1].values())
        )
        if guard or tests or telling:
            tested = [[name, list(classes) if classes else None, *rest] for name, classes, *rest in tests]
            ctx.append_fact("call-sites", owner, [callee, sorted(guard), arguments, tested])

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: Context) -> None:
        if node.asynchronous is not None:
            return
        scope = ctx.scope_of(node)
        name = ctx.resolver.function_qualified_name(scope) if scope is not None else None
        if name is None:
            return
        is_method = ctx.scope.kind is ScopeKind.CLASS and not any(
            type(d.decorator) is cst.Name and d.decorator.value == "staticmethod" for d in node.decorators
        )
        ctx.record_fact("signatures", name, _signature(node, is_method))
        if decorated_with(node, catalog.MEMOIZING_DECORATORS, ctx, ctx.scope):
            ctx.record_fact("memoized", name, True)
        if any(_runs_in_thread(d) for d in node.decorators):
            # `@work(thread=True)`: calling it starts a worker thread; the body never runs on the loop.
            ctx.record_fact("memoized", name, True)
        # A fact for `keeps_fix`: running a generator function in a thread runs none of its body.
        if is_generator_function(node):
            ctx.record_fact(SYNC_GENERATORS, name, True)


def sync_owner(ctx: Context) -> Optional[str]:
    """The qualified name of the sync project function the current node is in, else None."""
    scope = ctx.function_scope
    return None if scope.is_async else ctx.resolver.function_qualified_name(scope)


def _steps(current: str, bound: frozenset, direct: dict, calls: dict, signatures: dict, sites: dict):
    """(callee, what the callee's parameters certainly are) for each call `current` can make when
    its own parameters are `bound`; for a blocking leaf the second item is None (only whether it
    is reachable matters)."""
    falsy = _falsy(bound)
    recorded: dict[str, list] = {}
    for callee, guard, arguments, tests in sites.get(current, ()):
        recorded.setdefault(callee, []).append((guard, arguments, tests))
    for kind, table in (("direct", direct), ("calls", calls)):
        seen: set[str] = set()
        for callee in table.get(current, ()):
            if callee in seen:
                continue
            seen.add(callee)
            occurrences = table[current].count(callee)
            known = recorded.get(callee, [])
            options: list[frozenset] = []
            if len(known) < occurrences:
                options.append(frozenset())  # an occurrence with no guard and no telling arguments
            for guard, arguments, tests in known:
                if falsy.isdisjoint(guard) and _runs(tests, bound):
                    arguments = (list(arguments[0]), dict(arguments[1])) if arguments is not None else None
                    options.append(_bound_parameters(signatures.get(callee), arguments, bound))
            if not options:
                continue
            if kind == "direct":
                yield callee, None
            else:
                for option in options:
                    yield callee, option


def blocking_chain(start: str, project: ProjectIndex, arguments: Any = None) -> Optional[list[str]]:
    """Shortest path from a sync project function to a catalog blocking call, or None. A step
    is not taken when the call sits behind `if param:` and this path's arguments make
    `param` falsy (`get_node(name=n)` never reaches `if host and port: gethostbyname(host)`)."""
    key = ("blocking-chain", start, repr(arguments))
    if key in project.memo:
        return project.memo[key]
    tables = project.memo.get("blocking-chain-tables")
    if tables is None:
        memoized = project.facts.get("memoized", {})
        # A memoized function blocks only on its first call, and one decorated to run in a
        # worker thread never blocks the loop: no chain goes through either.
        tables = project.memo["blocking-chain-tables"] = tuple(
            {name: value for name, value in project.facts.get(kind, {}).items() if name not in memoized}
            for kind in ("blocking-direct", "sync-calls")
        )
    direct, calls = tables
    signatures = project.facts.get("signatures", {})
    sites = project.facts.get("call-sites", {})
    if start not in direct and start not in calls:
        project.memo[key] = None
        return None
    if arguments is not None:
        arguments = (list(arguments[0]), dict(arguments[1]))
    first = (start, _bound_parameters(signatures.get(start), arguments, frozenset()))
    previous: dict[tuple, Optional[tuple]] = {first: None}
    queue = deque([first])
    found: Optional[list[str]] = None
    while queue and found is None:
        state = queue.popleft()
        current, bound = state
        for callee, next_bound in _steps(current, bound, direct, calls, signatures, sites):
            if next_bound is not None:
                following = (callee, next_bound)
                if following not in previous and (callee in direct or callee in calls):
                    previous[following] = state
                    queue.append(following)
                continue
            path = [callee]
            walk: Optional[tuple] = state
            while walk is not None:
                path.append(walk[0])
                walk = previous[walk]
            found = list(reversed(path))
            break
    project.memo[key] = found
    return found
