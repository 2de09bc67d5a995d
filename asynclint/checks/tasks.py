"""Coroutine and task lifecycle (ASY200–ASY204): coroutines never awaited, tasks lost to the garbage
collector or left running, pending sets of `asyncio.wait` and executor futures dropped.
"""

from __future__ import annotations

from typing import Iterator, Optional, cast

import libcst as cst

from asynclint.catalog import tasks as catalog
from asynclint.checks.base import Rule
from asynclint.engine.context import Context, iter_path, parent_of, truth_tested
from asynclint.engine.fixes import Fix
from asynclint.engine.project import ProjectIndex
from asynclint.semantics import coroutines
from asynclint.semantics.callees import callee_names, first_known
from asynclint.semantics.constants import is_none
from asynclint.semantics.function_kinds import definitions_make_coroutines
from asynclint.semantics.labels import callee_text, function_label
from asynclint.semantics.names import PLAIN_BASES, base_classes
from asynclint.semantics.references import only_inspected
from asynclint.semantics.scope import (
    Binding,
    BindingKind,
    Path,
    Scope,
    ScopeKind,
    dotted_name,
    iter_children,
    iter_subtree,
)
from asynclint.semantics.suspensions import suspends


# -- shared helpers ------------------------------------------------------------------------------
def _only_inspected(node: cst.CSTNode, path: Path) -> bool:
    """A read of a task (or task set) that neither waits for, cancels nor hands it on:
    `task.done()`, `task is None`, `if task:`, `len(pending)`, `del task`."""
    return only_inspected(node, path, catalog.TASK_INSPECTION_METHODS)


def _retained_by_config(ctx: Context, func: cst.BaseExpression, names: tuple[str, ...]) -> bool:
    retaining = ctx.config.task_retaining_calls
    return bool(retaining) and (dotted_name(func) in retaining or any(name in retaining for name in names))


_AWAITABLE_TYPES = frozenset(
    {
        "typing.Awaitable",
        "typing.Coroutine",
        "collections.abc.Awaitable",
        "collections.abc.Coroutine",
        "asyncio.Future",
        "asyncio.Task",
    }
)
_CALLABLE_TYPES = frozenset({"typing.Callable", "collections.abc.Callable"})


def _returns_awaitable(annotation: cst.BaseExpression, scope: Scope, ctx: Context, depth: int) -> bool:
    """`Callable[..., Awaitable[X]]` (or `Coroutine[...]`), directly, optional (`Optional[...]`,
    `... | None`: whenever it is called it is that callable), or through a type alias of the module
    (`Check = Callable[[User], Awaitable[bool]]`, `Check: TypeAlias = ...`, `type Check = ...`)."""
    if depth > 3:
        return False
    if type(annotation) is cst.SimpleString:
        text = annotation.evaluated_value
        try:
            annotation = cst.parse_expression(text) if isinstance(text, str) else annotation
        except cst.ParserSyntaxError:
            return False
        scope = scope.module
    members = _non_none_members(annotation, scope, ctx)
    if members is not None:
        return bool(members) and all(_returns_awaitable(member, scope, ctx, depth + 1) for member in members)
    if type(annotation) is cst.Subscript and type(annotation.value) is cst.Name:
        alias = _type_statement(annotation.value.value, ctx)
        if alias is not None:  # a generic alias: `type Check[T] = Callable[[T], Awaitable[bool]]`
            return _returns_awaitable(alias, scope.module, ctx, depth + 1)
    if type(annotation) is cst.Name:
        _, bindings = ctx.bindings(annotation.value, scope)
        if not bindings:
            alias = _type_statement(annotation.value, ctx)
            return alias is not None and _returns_awaitable(alias, scope.module, ctx, depth + 1)
        return all(
            binding.kind in (BindingKind.ASSIGN, BindingKind.ANNOTATED)
            and binding.value is not None
            and _returns_awaitable(binding.value, binding.scope, ctx, depth + 1)
            for binding in bindings
        )
    if type(annotation) is not cst.Subscript or ctx.qualified_name(annotation.value, scope) not in _CALLABLE_TYPES:
        return False
    if len(annotation.slice) != 2 or not isinstance(annotation.slice[1].slice, cst.Index):
        return False
    returned = annotation.slice[1].slice.value
    outer = returned.value if type(returned) is cst.Subscript else returned
    return ctx.qualified_name(outer, scope) in _AWAITABLE_TYPES


_OPTIONAL_TYPES = frozenset({"typing.Optional", "typing_extensions.Optional"})
_UNION_TYPES = frozenset({"typing.Union", "typing_extensions.Union"})


def _non_none_members(annotation: cst.BaseExpression, scope: Scope, ctx: Context) -> Optional[list]:
    """The members of an optional or union annotation other than `None` (`Optional[X]`,
    `Union[X, None]`, `X | None`); None when `annotation` is neither."""
    if type(annotation) is cst.BinaryOperation and type(annotation.operator) is cst.BitOr:
        left = _non_none_members(annotation.left, scope, ctx)
        right = _non_none_members(annotation.right, scope, ctx)
        return (left if left is not None else [annotation.left]) + (right if right is not None else [annotation.right])
    if type(annotation) is cst.Name and annotation.value == "None":
        return []
    if type(annotation) is not cst.Subscript:
        return None
    qualified = ctx.qualified_name(annotation.value, scope)
    if qualified not in _OPTIONAL_TYPES and qualified not in _UNION_TYPES:
        return None
    members = []
    for element in annotation.slice:
        if not isinstance(element.slice, cst.Index):
            return None
        member = element.slice.value
        if not (type(member) is cst.Name and member.value == "None"):
            members.append(member)
    return members


def _type_statement(name: str, ctx: Context) -> Optional[cst.BaseExpression]:
    """The value of a module-level `type name = ...` statement (Python 3.12), which binds no
    ordinary name."""
    for statement in ctx.module.body:
        if type(statement) is not cst.SimpleStatementLine:
            continue
        for small in statement.body:
            if type(small) is cst.TypeAlias and small.name.value == name:
                return small.value
    return None


def _attribute_returns_awaitable(class_scope: Scope, attribute: str, ctx: Context) -> bool:
    """`check: Callable[..., Awaitable[bool]]` in the class body, `self.check: ... = check`, or
    `self.check = check` from an `__init__` parameter annotated that way."""
    annotations: list[tuple[cst.BaseExpression, Scope]] = []
    for binding in class_scope.bindings.get(attribute, ()):
        if binding.kind is not BindingKind.ANNOTATED or binding.annotation is None:
            return False
        annotations.append((binding.annotation, class_scope))
    for method, store in ctx.resolver.attribute_stores(class_scope, attribute):
        if store.annotation is not None:
            annotations.append((store.annotation, method))
            continue
        if type(store.value) is not cst.Name:
            return False
        _, bindings = ctx.bindings(store.value.value, method)
        if len(bindings) != 1 or bindings[0].kind is not BindingKind.PARAM or bindings[0].annotation is None:
            return False
        annotations.append((bindings[0].annotation, method))
    return bool(annotations) and all(_returns_awaitable(annotation, scope, ctx, 0) for annotation, scope in annotations)


def _walk_with_parents(node: cst.CSTNode, path: Path) -> Iterator[tuple[cst.CSTNode, Path]]:
    stack = [(node, path)]
    while stack:
        current, current_path = stack.pop()
        yield current, current_path
        for child in iter_children(current):
            stack.append((child, (child, current_path)))


# -- ASY200 --------------------------------------------------------------------------------------
class CoroutineNotAwaited(Rule):
    code = "ASY200"
    name = "coroutine-not-awaited"
    summary = "coroutine created and never awaited"
    fix = "unsafe"
    dropped = (
        "`{callee}()` is a coroutine function: this call in {function} creates a coroutine that is "
        "never awaited, so its body never runs; `await` it (or schedule it with `asyncio.create_task` "
        "and keep the task)"
    )
    truth = (
        "`{callee}()` returns a coroutine, which is always true when tested in {function}, and its body "
        "never runs; `await` it to test its result"
    )
    typed_dropped = (
        "`{callee}()` is typed to return an awaitable: this call in {function} creates one that is never "
        "awaited, so the work never runs; `await` it"
    )
    typed_truth = (
        "`{callee}()` is typed to return an awaitable, which is always true when tested in {function}, "
        "and the work never runs; `await` it to test its result"
    )
    unused = (
        "the coroutine from `{callee}()` is bound to `{name}` in {function} and never awaited, so its body "
        "never runs; `await` it (or schedule it with `asyncio.create_task` and keep the task)"
    )
    request = (
        "`{callee}()` returns a request that only runs when awaited: dropped in {function}, it is never "
        "sent; use `async with {callee}(...) as response:`"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        dropped = type(ctx.parent) is cst.Expr
        if not dropped and not truth_tested(node, ctx.path):
            self._bound_and_forgotten(node, ctx)
            return
        verdict = self.verdict(node.func, ctx)
        if verdict is None:
            return
        kind, qualified = verdict
        callee = callee_text(node.func, qualified)
        function = function_label(ctx.function)
        if kind == "request":
            if dropped:
                ctx.report(node, self.request.format(callee=callee, function=function))
            return
        if kind == "typed":
            template = self.typed_dropped if dropped else self.typed_truth
        else:
            template = self.dropped if dropped else self.truth
        message = template.format(callee=callee, function=function)
        fix = None
        if ctx.can_insert_await():
            fix = Fix("unsafe", f"Insert `await` before `{callee}()`", ((node, ctx.awaited(node, node)),))
        condition = ("coroutine-function", qualified) if kind == "maybe" else None
        ctx.report(node, message, fix=fix, condition=condition)

    def _bound_and_forgotten(self, node: cst.Call, ctx: Context) -> None:
        """`c = asyncio.sleep(1)` in a function, and `c` is never read again: the coroutine is
        created and thrown away."""
        parent = ctx.parent
        if type(parent) is not cst.Assign or parent.value is not node or len(parent.targets) != 1:
            return
        target = parent.targets[0].target
        if type(target) is not cst.Name or target.value == "_" or ctx.function is None:
            return
        owner = ctx.scope.resolve(target.value)
        if owner is None or owner is not ctx.function_scope or owner.kind is not ScopeKind.FUNCTION:
            return
        if len(owner.bindings[target.value]) != 1 or ctx.references(owner, target.value):
            return
        verdict = self.verdict(node.func, ctx)
        if verdict is None or verdict[0] == "request":
            return
        kind, qualified = verdict
        callee = callee_text(node.func, qualified)
        message = self.unused.format(callee=callee, name=target.value, function=function_label(ctx.function))
        condition = ("coroutine-function", qualified) if kind == "maybe" else None
        ctx.report(node, message, condition=condition)

    @classmethod
    def verdict(cls, func: cst.BaseExpression, ctx: Context) -> Optional[tuple[str, Optional[str]]]:
        """("yes", name) for a known coroutine function, ("maybe", qualified) when the project or
        a library must answer, ("request", name) for aiohttp's lazy requests, None otherwise."""
        if type(func) is cst.Name:
            owner, bindings = ctx.bindings(func.value)
            if owner is None or not bindings:
                return None
            if all(
                binding.kind in (BindingKind.PARAM, BindingKind.ANNOTATED) and binding.annotation is not None
                for binding in bindings
            ):
                typed = all(
                    binding.annotation is not None and _returns_awaitable(binding.annotation, binding.scope, ctx, 0)
                    for binding in bindings
                )
                return ("typed", func.value) if typed else None
            if all(binding.kind is BindingKind.DEF for binding in bindings):
                return ("yes", func.value) if definitions_make_coroutines(bindings, ctx) else None
            if not all(binding.kind is BindingKind.IMPORT for binding in bindings):
                return None
        elif type(func) is cst.Attribute and type(func.value) is cst.Name:
            class_scope = ctx.resolver.receiver_class(func.value.value, ctx.scope)
            if class_scope is not None:
                attribute = func.attr.value
                members = class_scope.bindings.get(attribute)
                if members and _attribute_returns_awaitable(class_scope, attribute, ctx):
                    return ("typed", f"self.{attribute}")
                if members:
                    made = definitions_make_coroutines(members, ctx)
                    return ("yes", None) if made else None
                if _attribute_returns_awaitable(class_scope, attribute, ctx):
                    return ("typed", f"self.{attribute}")
                if any(True for _ in ctx.resolver.attribute_stores(class_scope, attribute)):
                    return None  # an instance attribute holding some callable
        # A receiver of known type names the method best (`self.bus.publish` → `pkg.Bus.publish`).
        names = callee_names(func, ctx)
        if not names:
            return None
        qualified = names[-1]
        return cls._qualified_verdict(qualified, ctx)

    @classmethod
    def _qualified_verdict(cls, qualified: str, ctx: Context) -> Optional[tuple[str, Optional[str]]]:
        if qualified in catalog.COROUTINE_FUNCTIONS or qualified in ctx.config.extend_coroutine_functions:
            return "yes", qualified
        if qualified in catalog.AWAITABLE_REQUESTS:
            return "request", None
        top = qualified.split(".")[0]
        if top in catalog.CLOSED_WORLD_MODULES:
            return None
        module_name = ctx.module_name
        if module_name and qualified.startswith(module_name + "."):
            local = cls._local_definition(qualified[len(module_name) + 1 :].split("."), ctx)
            if local is not None:
                return ("yes", qualified) if local else None
        return "maybe", qualified

    @staticmethod
    def _local_definition(parts: list[str], ctx: Context) -> Optional[bool]:
        """Whether `parts` (`func` or `Class.method`) defined in this module makes coroutines;
        None when the answer is elsewhere (an inherited method)."""
        scope = ctx.module_scope
        for position, part in enumerate(parts):
            bindings = scope.bindings.get(part)
            if not bindings:
                # Only `Class.method` may be inherited; `Class.attribute.method` goes through an
                # instance attribute of unknown type.
                return None if position == len(parts) - 1 and position > 0 else False
            if position == len(parts) - 1:
                return bool(definitions_make_coroutines(bindings, ctx))
            if len(bindings) != 1 or bindings[0].kind is not BindingKind.CLASS:
                return False
            class_scope = ctx.scope_of(bindings[0].node)
            if class_scope is None:
                return False
            scope = class_scope
        return False

    def resolve_condition(self, condition: tuple, message: str, project: ProjectIndex) -> Optional[str]:
        if condition[0] != "coroutine-function":
            return message
        return message if coroutines.is_coroutine_function(condition[1], project) else None


# -- ASY201 --------------------------------------------------------------------------------------
TASK_HELPERS = (
    "task-helpers"  # fact kind: qualified name of a project function → True when it returns a new task it keeps nowhere
)
_RETAINED_AFTER_TASK_METHODS = frozenset({"add_done_callback", "set_name"})
_COLLECTING_FUNCTIONS = frozenset({"builtins.list", "builtins.set", "builtins.tuple", "builtins.any", "builtins.all"})


def _spawner(node: cst.Call, ctx: Context, scope: Optional[Scope] = None) -> Optional[str]:
    names = callee_names(node.func, ctx, scope)
    qualified = first_known(names, catalog.TASK_SPAWNERS)
    if qualified is None:
        qualified = _loop_spawner(node.func)
    if qualified is None or _retained_by_config(ctx, node.func, names):
        return None
    return qualified


def _loop_spawner(func: cst.BaseExpression) -> Optional[str]:
    """`<something>loop.create_task(...)` on a loop object of unknown type (`self._loop`,
    `self.hass.loop`, a `loop` parameter): a loop's `create_task` keeps only a weak reference."""
    if type(func) is not cst.Attribute or func.attr.value != "create_task":
        return None
    receiver = func.value
    last = (
        receiver.attr.value
        if type(receiver) is cst.Attribute
        else receiver.value
        if type(receiver) is cst.Name
        else None
    )
    if last is None or not last.lower().endswith("loop"):
        return None
    return "asyncio.AbstractEventLoop.create_task"


def _is_underscore_assignment(parent: cst.CSTNode, node: cst.CSTNode) -> bool:
    if type(parent) is cst.AnnAssign:
        return parent.value is node and type(parent.target) is cst.Name and parent.target.value == "_"
    return (
        type(parent) is cst.Assign
        and parent.value is node
        and len(parent.targets) == 1
        and type(parent.targets[0].target) is cst.Name
        and parent.targets[0].target.value == "_"
    )


def _discarded(node: cst.CSTNode, path: Path, ctx: Context) -> Optional[str]:
    """How the value of `node` is thrown away: "dropped" (a statement of its own, or through a
    conditional expression or a comprehension used as a statement), "bound to `_`", or None."""
    through_collection = False
    for _ in range(8):
        parent = parent_of(path)
        if parent is None or path is None:
            return None
        up = path[1]
        if isinstance(parent, cst.Expr):
            return "dropped" if not through_collection else "dropped (the comprehension's result is discarded)"
        if _is_underscore_assignment(parent, node):
            return "bound to `_`"
        if isinstance(parent, cst.IfExp) and parent.test is not node:
            node, path = parent, up
            continue
        if isinstance(parent, (cst.ListComp, cst.SetComp)) and parent.elt is node:
            node, path, through_collection = parent, up, True
            continue
        if isinstance(parent, cst.GeneratorExp) and parent.elt is node and up is not None:
            # `list(create_task(c) for c in coros)` as a statement: the generator runs, the list is dropped.
            arg_path = up[1]
            call_path = arg_path[1] if arg_path is not None else None
            call = call_path[0] if call_path is not None else None
            if (
                type(call) is cst.Call
                and len(call.args) == 1
                and call.args[0].value is parent
                and ctx.qualified_name(call.func) in _COLLECTING_FUNCTIONS
            ):
                node, path, through_collection = call, call_path, True
                continue
            return None
        return None
    return None


class DanglingTask(Rule):
    code = "ASY201"
    name = "dangling-task"
    summary = "task created and no reference kept"
    fix = "unsafe"
    message = (
        "the task from `{callee}()` in {function} is {how}: the event loop keeps only a weak reference, "
        "so the task can be garbage-collected before it finishes; keep a reference (a set of tasks "
        "with `add_done_callback(set.discard)`) or use `asyncio.TaskGroup`"
    )
    helper_message = (
        "`{callee}()` returns a new task that it keeps nowhere, and {function} drops it: the event loop "
        "keeps only a weak reference, so the task can be garbage-collected before it finishes; keep a "
        "reference (a set of tasks with `add_done_callback(set.discard)`) or use `asyncio.TaskGroup`"
    )
    set_name = "_background_tasks"

    # Facts for cross-module answers: project functions that return a task they do not keep.
    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: Context) -> None:
        scope = ctx.scope_of(node)
        qualified = ctx.resolver.function_qualified_name(scope) if scope is not None and ctx.module_name else None
        if qualified is not None and self._returns_unkept_task(node, ctx):
            ctx.record_fact(TASK_HELPERS, qualified, True)

    @staticmethod
    def _returns_unkept_task(node: cst.FunctionDef, ctx: Context) -> bool:
        """Every `return` gives back a task created right here: `return create_task(...)`, or a
        local bound once to one and otherwise only given callbacks or a name."""
        scope = ctx.scope_of(node)
        if scope is None:
            return False
        returns = [item for item in iter_subtree(node.body) if type(item) is cst.Return]
        if not returns:
            return False
        for item in returns:
            value = item.value
            if type(value) is cst.Call and _spawner(value, ctx, scope) is not None:
                continue
            if type(value) is not cst.Name:
                return False
            bindings = scope.bindings.get(value.value, [])
            if (
                len(bindings) != 1
                or bindings[0].kind is not BindingKind.ASSIGN
                or type(bindings[0].value) is not cst.Call
                or _spawner(bindings[0].value, ctx, scope) is None
            ):
                return False
            for reference, path, _ in ctx.references(scope, value.value):
                parent = parent_of(path)
                if type(parent) is cst.Return:
                    continue
                if (
                    type(parent) is cst.Attribute
                    and parent.value is reference
                    and parent.attr.value in _RETAINED_AFTER_TASK_METHODS | catalog.TASK_INSPECTION_METHODS
                ):
                    continue
                return False
        return True

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if ctx.function_name == "__del__":
            return  # a best-effort close from a finalizer: the object is already going away
        qualified = _spawner(node, ctx)
        if qualified is None:
            self._helper_dropped(node, ctx)
            return
        if self._wraps_held_task(node, qualified, ctx) or self._sleeps_forever(node, ctx):
            return
        parent = ctx.parent
        fix = None
        how = _discarded(node, ctx.path, ctx)
        if how is not None:
            if isinstance(parent, (cst.Expr, cst.Assign, cst.AnnAssign)):
                fix = self._fix(node, parent, ctx)
        elif self._only_gets_a_callback(node, ctx):
            how = "dropped after `add_done_callback`"
        else:
            return
        callee = callee_text(node.func, qualified)
        message = self.message.format(callee=callee, function=function_label(ctx.function), how=how)
        ctx.report(node, message, fix=fix)

    def _helper_dropped(self, node: cst.Call, ctx: Context) -> None:
        """A call to a project function that returns a task, as a statement: decided once every
        module's facts are in."""
        parent = ctx.parent
        if type(parent) is not cst.Expr or type(node.func) not in (cst.Name, cst.Attribute):
            return
        names = callee_names(node.func, ctx)
        qualified = names[-1] if names else None
        if qualified is None or qualified.split(".")[0] in catalog.CLOSED_WORLD_MODULES:
            return
        local = self._local_helper(qualified, ctx)
        if local is False:
            return
        callee = callee_text(node.func, qualified)
        message = self.helper_message.format(callee=callee, function=function_label(ctx.function))
        if local:
            ctx.report(node, message, fix=self._fix(node, parent, ctx))
        else:
            # Another module's function: decided from the project's facts; the fix is only built
            # for helpers of this module (a statement that merely calls something is common).
            ctx.report(node, message, condition=(TASK_HELPERS, qualified))

    def _local_helper(self, qualified: str, ctx: Context) -> Optional[bool]:
        """For `func` or `Class.method` defined in this module: whether it returns an unkept task.
        None when the answer is in another module (or an inherited method)."""
        module_name = ctx.module_name
        if not module_name or not qualified.startswith(module_name + "."):
            return None
        parts = qualified[len(module_name) + 1 :].split(".")
        scope = ctx.module_scope
        if len(parts) == 2:
            classes = scope.bindings.get(parts[0], [])
            if len(classes) != 1 or classes[0].kind is not BindingKind.CLASS:
                return False
            class_scope = ctx.scope_of(classes[0].node)
            if class_scope is None:
                return False
            scope = class_scope
        elif len(parts) != 1:
            return False
        bindings = scope.bindings.get(parts[-1], [])
        if not bindings:
            return None if len(parts) == 2 else False
        if len(bindings) != 1 or not isinstance(bindings[0].node, cst.FunctionDef):
            return False
        return self._returns_unkept_task(bindings[0].node, ctx)

    def resolve_condition(self, condition: tuple, message: str, project: ProjectIndex) -> Optional[str]:
        if condition[0] != TASK_HELPERS:
            return message
        return message if project.fact(TASK_HELPERS, condition[1]) else None

    @staticmethod
    def _sleeps_forever(node: cst.Call, ctx: Context) -> bool:
        """The task runs a function of this module that first awaits `sleep(math.inf)` (a shutdown
        hook waiting to be cancelled): the loop's timer holds the sleep's future, and the future
        holds the task, so it cannot be collected."""
        if not node.args or not isinstance(node.args[0].value, cst.Call):
            return False
        func = node.args[0].value.func
        if not isinstance(func, cst.Name):
            return False
        _, bindings = ctx.bindings(func.value)
        if len(bindings) != 1 or bindings[0].kind is not BindingKind.DEF:
            return False
        function = cast(cst.FunctionDef, bindings[0].node)
        for item in iter_subtree(function.body):
            if isinstance(item, cst.Await):
                awaited = item.expression
                return (
                    isinstance(awaited, cst.Call)
                    and ctx.qualified_name(awaited.func, bindings[0].scope) in catalog.SLEEPS
                    and len(awaited.args) == 1
                    and ctx.source_of(awaited.args[0].value).replace(" ", "")
                    in ("math.inf", "inf", 'float("inf")', "float('inf')")
                )
        return False

    @staticmethod
    def _wraps_held_task(node: cst.Call, qualified: str, ctx: Context) -> bool:
        """`ensure_future(task)` of a task or future that is already held returns that same object."""
        if not qualified.endswith("ensure_future") or not node.args or node.args[0].keyword is not None:
            return False
        value = node.args[0].value
        if type(value) is cst.Call:
            return False
        if ctx.type_of(value) in catalog.TASK_TYPES:
            return True
        if type(value) is not cst.Name:
            return False
        owner, bindings = ctx.bindings(value.value)
        if owner is None or not bindings:
            return False
        for binding in bindings:
            made = binding.value
            if binding.kind not in (BindingKind.ASSIGN, BindingKind.ANNOTATED) or type(made) is not cst.Call:
                return False
            # `create_task(...)`, or a call that runs a spawner: `context.run(loop.create_task, coro)`.
            if _spawner(made, ctx, binding.scope) is None and not any(
                _loop_spawner(arg.value) is not None
                or ctx.qualified_name(arg.value, binding.scope) in catalog.TASK_SPAWNERS
                for arg in made.args
                if type(arg.value) is cst.Attribute
            ):
                return False
        return True

    @staticmethod
    def _only_gets_a_callback(node: cst.Call, ctx: Context) -> bool:
        """`asyncio.create_task(...).add_done_callback(cb)` as a statement: the callback does not
        keep the task alive, and nothing else refers to it."""
        attribute = ctx.parent
        if type(attribute) is not cst.Attribute or attribute.attr.value != "add_done_callback":
            return False
        call_path = cast(tuple, ctx.path)[1][1]  # the path of the current node is never None
        call = call_path[0] if call_path is not None else None
        return type(call) is cst.Call and call.func is attribute and type(parent_of(call_path)) is cst.Expr

    def _fix(self, node: cst.Call, small: cst.CSTNode, ctx: Context) -> Optional[Fix]:
        statement_path = cast(tuple, ctx.path)[1][1]  # Call → Expr/Assign → SimpleStatementLine
        statement = statement_path[0] if statement_path is not None else None
        if type(statement) is not cst.SimpleStatementLine or len(statement.body) != 1:
            return None
        if type(parent_of(statement_path)) not in (cst.IndentedBlock, cst.Module):
            return None
        keeper = self._keeper_set(ctx)
        if keeper is None:
            return None
        local = self._local_name(ctx)
        if type(small) is cst.Assign:
            first = small.with_changes(targets=[small.targets[0].with_changes(target=cst.Name(local))])
        else:
            first = cst.Assign(targets=[cst.AssignTarget(cst.Name(local))], value=node)
        lines = [
            statement.with_changes(body=[first]),
            cst.parse_statement(f"{keeper}.add({local})\n"),
            cst.parse_statement(f"{local}.add_done_callback({keeper}.discard)\n"),
        ]
        return Fix(
            "unsafe",
            f"Keep a reference: add the task to `{keeper}` until it is done",
            ((statement, cst.FlattenSentinel(lines)),),
            statements=((keeper, f"{keeper} = set()"),),
        )

    def _keeper_set(self, ctx: Context) -> Optional[str]:
        """A module-level set name usable here: unbound, or already bound to exactly `set()`."""
        root = ctx.module_scope
        for attempt in range(10):
            name = self.set_name if attempt == 0 else f"{self.set_name}_{attempt}"
            owner = ctx.scope.resolve(name)
            if owner is not None and owner is not root:
                continue
            bindings = root.bindings.get(name, [])
            if all(_is_empty_set(binding) for binding in bindings):
                return name
        return None

    @staticmethod
    def _local_name(ctx: Context) -> str:
        scope = ctx.function_scope
        holder = scope.node
        used = {item.value for item in iter_subtree(holder, enter_scopes=True) if type(item) is cst.Name}
        used.update(scope.bindings)
        for attempt in range(1000):
            name = "task" if attempt == 0 else f"task_{attempt}"
            if name not in used:
                return name
        return "task_"  # pragma: no cover


def _is_empty_set(binding: Binding) -> bool:
    value = binding.value
    return (
        binding.kind in (BindingKind.ASSIGN, BindingKind.ANNOTATED)
        and type(value) is cst.Call
        and type(value.func) is cst.Name
        and value.func.value == "set"
        and not value.args
    )


# -- ASY202 --------------------------------------------------------------------------------------
class TaskNeverAwaitedOrCancelled(Rule):
    code = "ASY202"
    name = "task-never-awaited-or-cancelled"
    summary = "task stored but never awaited or cancelled"
    default_enabled = False
    local_message = (
        "task `{name}` from `{callee}()` in {function} is never awaited, cancelled or handed on: its "
        "exception is never retrieved and it keeps running on its own; `await` it, cancel it, or use "
        "`asyncio.TaskGroup`"
    )
    attribute_message = (
        "task stored in `self.{name}` by `{callee}()` is never awaited or cancelled by any method of "
        "`{cls}`; cancel and await it when the object shuts down (e.g. in `close()`)"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        qualified = _spawner(node, ctx)
        if qualified is None:
            return
        parent = ctx.parent
        if type(parent) is cst.Assign and parent.value is node and len(parent.targets) == 1:
            target = parent.targets[0].target
        elif type(parent) is cst.AnnAssign and parent.value is node:
            target = parent.target
        else:
            return
        callee = callee_text(node.func, qualified)
        if type(target) is cst.Name and target.value != "_":
            self._local(node, target.value, callee, ctx)
        elif type(target) is cst.Attribute and type(target.value) is cst.Name:
            self._attribute(node, target, callee, ctx)

    def _local(self, node: cst.Call, name: str, callee: str, ctx: Context) -> None:
        owner = ctx.scope.resolve(name)
        if owner is None or owner.kind is not ScopeKind.FUNCTION or owner is not ctx.function_scope:
            return  # module globals and closures are read from elsewhere
        for reference, path, _ in ctx.references(owner, name):
            if not _only_inspected(reference, path):
                return
        ctx.report(node, self.local_message.format(name=name, callee=callee, function=function_label(ctx.function)))

    def _attribute(self, node: cst.Call, target: cst.Attribute, callee: str, ctx: Context) -> None:
        attribute = target.attr.value
        if not attribute.startswith("_") or attribute.startswith("__"):
            return  # a public attribute may be awaited or cancelled by code in other modules
        receiver = cast(cst.Name, target.value)  # the caller checked
        class_scope = ctx.resolver.instance_class(receiver.value, ctx.scope)
        if class_scope is None or not self._bases_in_module(cast(cst.ClassDef, class_scope.node), ctx, 0):
            return
        if self._attribute_handled(attribute, ctx):
            return
        message = self.attribute_message.format(name=attribute, callee=callee, cls=class_scope.name)
        ctx.report(node, message)

    def _bases_in_module(self, class_node: cst.ClassDef, ctx: Context, depth: int) -> bool:
        """Every base class is defined in this module (so all their code is visible) or plain."""
        if depth > 8:
            return False
        for value in base_classes(class_node):
            if ctx.qualified_name(value, ctx.module_scope) in PLAIN_BASES:
                continue
            if type(value) is not cst.Name:
                return False
            bindings = ctx.module_scope.bindings.get(value.value, [])
            if len(bindings) != 1 or bindings[0].kind is not BindingKind.CLASS:
                return False
            if not self._bases_in_module(cast(cst.ClassDef, bindings[0].node), ctx, depth + 1):
                return False
        return True

    @staticmethod
    def _attribute_handled(attribute: str, ctx: Context) -> bool:
        """Any read of `<anything>.attribute` in the module that awaits, cancels or hands it on;
        a string equal to the name (`getattr(self, "_task")`) counts too."""
        module = ctx.module
        for node, path in _walk_with_parents(module, (module, None)):
            if isinstance(node, cst.SimpleString) and node.evaluated_value == attribute:
                return True
            if not isinstance(node, cst.Attribute) or node.attr.value != attribute:
                continue
            parent = parent_of(path)
            if type(parent) is cst.AssignTarget and parent.target is node:
                continue
            if isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is node:
                continue
            if not _only_inspected(node, path):
                return True
        return False


# -- ASY203 --------------------------------------------------------------------------------------
class WaitPendingNotCancelled(Rule):
    code = "ASY203"
    name = "wait-pending-not-cancelled"
    summary = "pending tasks of `asyncio.wait` left running"
    default_enabled = False
    message = (
        "`asyncio.wait(..., {why})` in {function} can return with tasks still pending, and the pending "
        "set is {how}: those tasks keep running unobserved; cancel them (`for task in pending: "
        "task.cancel()`) or await them"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if first_known(callee_names(node.func, ctx), catalog.WAIT_FUNCTIONS) is None:
            return
        why = self._may_leave_pending(node, ctx)
        if why is None:
            return
        awaited = ctx.parent
        if type(awaited) is not cst.Await:
            return
        await_path = ctx.path[1] if ctx.path is not None else None
        how = self._pending_fate(awaited, await_path, ctx)
        if how is None:
            return
        awaitables = (
            node.args[0].value if node.args and node.args[0].keyword is None and not node.args[0].star else None
        )
        if awaitables is None or not self._owned_here(awaitables, node, ctx, 0):
            return  # the tasks are reachable elsewhere, so whoever holds them can still cancel them
        if self._last_wait_of_run_coroutine(ctx):
            return  # the runner cancels and awaits what is left as soon as the coroutine returns
        ctx.report(node, self.message.format(why=why, function=function_label(ctx.function), how=how))

    @staticmethod
    def _last_wait_of_run_coroutine(ctx: Context) -> bool:
        """The coroutine handed to `asyncio.run(main())` (or another runner: `runner.run(...)`,
        `uvloop.run(...)`, a project's `asyncio_run(...)`) awaits nothing after this wait, outside
        any loop: it returns right after, and the runner cancels every task still pending."""
        function = ctx.function
        if function is None or function.asynchronous is None:
            return False
        child: cst.CSTNode = ctx.node
        for ancestor in iter_path(ctx.path[1] if ctx.path is not None else None):
            if ancestor is function:
                break
            if isinstance(ancestor, (cst.For, cst.While)) and child is ancestor.body:
                return False
            if isinstance(ancestor, cst.IndentedBlock):
                later = ancestor.body[ancestor.body.index(child) + 1 :] if child in ancestor.body else ()
                if any(suspends(statement) for statement in later):
                    return False
            child = ancestor
        return _run_by_a_runner(function.name.value, ctx)

    def _owned_here(self, expr: cst.BaseExpression, wait: cst.Call, ctx: Context, depth: int) -> bool:
        """Whether some awaitable in `expr` is reachable only through this wait: created inline
        (`[asyncio.create_task(...)]`), or a local created in this function and otherwise only
        inspected. Parameters, attributes and collections used elsewhere belong to someone else."""
        if depth > 4:
            return False
        if isinstance(expr, cst.Call):
            # A new task: spawned here, or a coroutine `wait` wraps in one. Other calls may
            # return a future that its owner keeps (`state.wait_for_position()`).
            if first_known(callee_names(expr.func, ctx), catalog.TASK_SPAWNERS) is not None:
                return True
            verdict = CoroutineNotAwaited.verdict(expr.func, ctx)
            return verdict is not None and verdict[0] == "yes"
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            return any(
                type(element) is cst.Element and self._owned_here(element.value, wait, ctx, depth + 1)
                for element in expr.elements
            )
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self._owned_here(expr.elt, wait, ctx, depth + 1)
        if not isinstance(expr, cst.Name):
            return False
        owner = ctx.scope.resolve(expr.value)
        if owner is None or owner is not ctx.function_scope or owner.kind is not ScopeKind.FUNCTION:
            return False
        bindings = owner.bindings[expr.value]
        if not all(
            binding.kind in (BindingKind.ASSIGN, BindingKind.ANNOTATED) and binding.value is not None
            for binding in bindings
        ):
            return False
        if not any(
            self._owned_here(cast(cst.BaseExpression, binding.value), wait, ctx, depth + 1)  # not None: checked above
            for binding in bindings
        ):
            return False
        for reference, path, _ in ctx.references(owner, expr.value):
            if any(node is wait for node in iter_path(path)):
                continue
            if not _only_inspected(reference, path):
                return False
        return True

    @staticmethod
    def _may_leave_pending(node: cst.Call, ctx: Context) -> Optional[str]:
        for arg in node.args:
            if arg.keyword is None:
                continue
            if arg.keyword.value == "timeout" and not is_none(arg.value):
                return "timeout=…"
            if arg.keyword.value == "return_when":
                when = ctx.qualified_name(arg.value)
                if when is not None and when.endswith((".FIRST_COMPLETED", ".FIRST_EXCEPTION")):
                    return f"return_when={when.rsplit('.', 1)[1]}"
        return None

    @staticmethod
    def _pending_fate(awaited: cst.Await, path: Path, ctx: Context) -> Optional[str]:
        parent = parent_of(path)
        if isinstance(parent, cst.Expr):
            return "dropped"
        if isinstance(parent, cst.Subscript) and parent.value is awaited:
            index = parent.slice[0].slice if len(parent.slice) == 1 else None
            if isinstance(index, cst.Index) and type(index.value) is cst.Integer and index.value.value == "0":
                return "dropped"
            return None
        if not isinstance(parent, cst.Assign) or parent.value is not awaited or len(parent.targets) != 1:
            return None
        target = parent.targets[0].target
        if isinstance(target, (cst.Tuple, cst.List)):
            if len(target.elements) != 2:
                return None
            pending = target.elements[1].value
            if type(pending) is not cst.Name:
                return None
            if pending.value == "_":
                return "bound to `_`"
            return None if _used(pending.value, ctx) else "never iterated, cancelled or handed on"
        if type(target) is cst.Name:
            return None if _used(target.value, ctx, any_read=True) else "never used"
        return None


_RUNNER_NAMES = ("run", "_run", "run_until_complete")


def _run_by_a_runner(name: str, ctx: Context) -> bool:
    """Somewhere in the module `<runner>(name(...))`, where the runner's name is `run` or ends in
    `_run`/`run_until_complete`."""
    for node in iter_subtree(ctx.module, enter_scopes=True):
        if type(node) is not cst.Call or not node.args:
            continue
        first = node.args[0].value
        if type(first) is not cst.Call or type(first.func) is not cst.Name or first.func.value != name:
            continue
        func = node.func
        last = func.attr.value if type(func) is cst.Attribute else func.value if type(func) is cst.Name else ""
        if last == "run" or last.endswith(_RUNNER_NAMES[1:]):
            return True
    return False


def _used(name: str, ctx: Context, any_read: bool = False) -> bool:
    owner = ctx.scope.resolve(name)
    if owner is None or owner.kind is not ScopeKind.FUNCTION:
        return True  # module-level or unknown: assume someone reads it
    for reference, path, _ in ctx.references(owner, name):
        if any_read or not _only_inspected(reference, path):
            return True
    return False


# -- ASY204 --------------------------------------------------------------------------------------
class ExecutorFutureDropped(Rule):
    code = "ASY204"
    name = "executor-future-dropped"
    summary = "`run_in_executor` future dropped"
    fix = "unsafe"
    message = (
        "the future from `{callee}()` is dropped in {function}: an exception raised by the job is "
        "never seen and nothing waits for it; `await` it (or keep the future and check its result)"
    )

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if type(ctx.parent) is not cst.Expr:
            return
        qualified = first_known(callee_names(node.func, ctx), catalog.EXECUTOR_SUBMITTERS)
        if qualified is None:
            return
        callee = callee_text(node.func, qualified)
        fix = None
        if ctx.can_insert_await():
            fix = Fix("unsafe", "Insert `await`", ((node, ctx.awaited(node, node)),))
        ctx.report(node, self.message.format(callee=callee, function=function_label(ctx.function)), fix=fix)
