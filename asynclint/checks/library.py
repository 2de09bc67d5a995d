"""Blocking calls made inside installed libraries (ASY113): a coroutine calls a library function
that, following the library's own source, reaches a call of the blocking catalog."""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Any, Optional

import libcst as cst

from asynclint.catalog.blocking import BLOCKING_WAITS
from asynclint.catalog.tasks import CLOSED_WORLD_MODULES
from asynclint.checks.base import Rule
from asynclint.engine.context import Context
from asynclint.engine.offload import offload_fix
from asynclint.engine.project import ProjectIndex
from asynclint.semantics import library_blocking
from asynclint.semantics.blocking_calls import blocking_calls
from asynclint.semantics.coroutines import project_module_of, project_roots
from asynclint.semantics.libraries import LibraryAnswers
from asynclint.semantics.scope import BindingKind

# Waits that libraries make to guard a few lines of shared state, not to wait for work.
_SHORT_WAITS = (".acquire",)
_SHOWN_STEPS = 4  # a longer chain is shown as its first two calls, "…" and its last two


def chain_text(chain: list[str]) -> str:
    """`kumo.Device.refresh → _fetch → requests.Session.get`: the library call and the blocking
    call in full, the steps between by their last name."""
    steps = [chain[0], *(_short(step) for step in chain[1:-1]), chain[-1]]
    if len(steps) > _SHOWN_STEPS:
        steps = [steps[0], steps[1], "…", steps[-2], steps[-1]]
    return " → ".join(steps)


class LibraryBlockingCall(Rule):
    code = "ASY113"
    name = "library-blocking-call"
    summary = "an installed library function that blocks inside, called from async context"
    fix = "unsafe"
    default_enabled = False
    message = (
        "`{callee}()` blocks the event loop in `{function}()`: {{chain}}; "
        "offload it with `await asyncio.to_thread(...)`"
    )

    def __init__(self, config: Any):
        super().__init__(config)
        known = blocking_calls(config)
        self.known = frozenset(known) | frozenset(BLOCKING_WAITS)
        self.leaves = {name: entry.code for name, entry in known.items() if "ASY100" <= entry.code <= "ASY107"}
        self.leaves.update((name, "ASY106") for name in BLOCKING_WAITS if not name.endswith(_SHORT_WAITS))

    def visit_Call(self, node: cst.Call, ctx: Context) -> None:
        if not ctx.in_async_context:
            return
        callee = ctx.qualified_name(node.func)
        receiver = None  # what constructed the instance whose method is called
        if type(node.func) is cst.Attribute:
            instance = _instance_class(node.func.value, ctx)
            if ctx.type_of(node.func.value) is None and instance:
                callee = f"{instance}.{node.func.attr.value}"
            if instance and callee == f"{instance}.{node.func.attr.value}":
                receiver = _receiver_shape(node.func.value, ctx)
        elif type(node.func) is cst.Name and callee is None:
            instance = _instance_class(node.func, ctx)  # `handler()` on an instance: its `__call__`
            callee = f"{instance}.__call__" if instance else None
        if callee is None or callee in self.known or "." not in callee:
            return
        top = callee.split(".")[0]
        if top in CLOSED_WORLD_MODULES or (ctx.module_name and top == ctx.module_name.split(".")[0]):
            return  # the standard library (catalogued) and this project (ASY110)
        if library_blocking.is_async_variant(callee):
            return
        message = self.message.format(callee=_short(callee), function=ctx.function_name)
        # Most candidates do not stand: the fix is built only by the lint that places them.
        fix = offload_fix(node, ctx) if ctx.decides_candidates else None
        shape = _shape(node, ctx, constructs=_looks_like_class(callee))
        ctx.report(node, message, fix=fix, condition=("library-blocking", callee, *shape, receiver))

    def resolve_condition(self, condition: tuple, message: str, project: ProjectIndex) -> Optional[str]:
        callee = condition[1]
        if project_module_of(callee, project) is not None or callee.split(".")[0] in project_roots(project):
            return None
        shape = None
        if len(condition) == 6:
            shape = _call_shape(condition[2:5])
            if condition[5] is not None:
                shape = replace(shape, receiver=_call_shape(condition[5]))
        chain = library_blocking.blocking_chain(callee, self.leaves, LibraryAnswers.of(project), shape)
        if not chain:
            return None
        return message.replace("{chain}", chain_text(chain))


_CONSTANT_NAMES = {"None": None, "True": True, "False": False}


def _call_shape(data: Any) -> library_blocking.CallShape:
    positional, keywords, starred = data
    return library_blocking.CallShape(
        tuple(tuple(value) for value in positional),
        tuple((name, tuple(value)) for name, value in keywords),
        bool(starred),
    )


def _value(expr: cst.BaseExpression, ctx: Context, constructs: bool) -> tuple:
    """("=", constant) for a literal the library's branches can be decided on; for an argument
    of a constructor, ("class", name) for a new instance of `name` (see `_argument_class`);
    ("?",) otherwise."""
    if type(expr) is cst.Name and expr.value in _CONSTANT_NAMES:
        return ("=", _CONSTANT_NAMES[expr.value])
    if isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString)):
        try:
            return ("=", ast.literal_eval(expr.value))
        except (ValueError, SyntaxError):
            return ("?",)
    made = _argument_class(expr, ctx) if constructs else None
    return ("class", made) if made else ("?",)


def _shape(call: cst.Call, ctx: Context, constructs: bool) -> tuple[tuple, tuple, bool]:
    """What the call passes, as plain data: positional values, (keyword, value) pairs, and
    whether `*args`/`**kwargs` hide the rest."""
    positional, keywords, starred = [], [], False
    for arg in call.args:
        if arg.star:
            starred = True
        elif arg.keyword is not None:
            keywords.append((arg.keyword.value, _value(arg.value, ctx, constructs)))
        else:
            positional.append(_value(arg.value, ctx, constructs))
    return tuple(positional), tuple(keywords), starred


def _looks_like_class(qualified: str) -> bool:
    return qualified.rsplit(".", 1)[-1][:1].isupper()


def _argument_class(expr: cst.BaseExpression, ctx: Context) -> Optional[str]:
    """The class that made the argument's value when that is certain: a construction written in
    place (`FileSystemLoader("templates")`), or a name or `self.name` every assignment of which
    constructs the same class (a `None` among them, a parameter or anything else: not certain).
    Only CapWords names are passed on; the library's source decides whether they are classes."""
    made = None
    if type(expr) is cst.Call:
        made = ctx.qualified_name(expr.func)
    elif type(expr) in (cst.Name, cst.Attribute):
        made = _instance_class(expr, ctx, none_allowed=False)
    return made if made is not None and _looks_like_class(made) else None


def _receiver_shape(receiver: cst.BaseExpression, ctx: Context) -> Optional[tuple[tuple, tuple, bool]]:
    """The classes of the instances the receiver's constructor was passed, when every
    construction of it passes the same ones; None when none is passed or they differ."""
    calls = _constructions(receiver, ctx, none_allowed=True)
    shapes = set()
    for call in calls or ():
        positional, keywords, starred = _shape(call, ctx, constructs=True)
        shapes.add(
            (
                tuple(value if value[0] == "class" else ("?",) for value in positional),
                tuple((name, value if value[0] == "class" else ("?",)) for name, value in keywords),
                starred,
            )
        )
    if len(shapes) != 1:
        return None
    shape = shapes.pop()
    values = [*shape[0], *(value for _, value in shape[1])]
    return shape if any(value[0] == "class" for value in values) else None


def _short(qualified: str) -> str:
    """`Resolver.resolve` for a method, `maybe_open` for a function."""
    return ".".join(qualified.rsplit(".", 2)[-2:]) if _looks_like_method(qualified) else qualified.rsplit(".", 1)[-1]


def _looks_like_method(qualified: str) -> bool:
    parts = qualified.split(".")
    return len(parts) >= 2 and parts[-2][:1].isupper()


def _instance_class(receiver: cst.BaseExpression, ctx: Context, none_allowed: bool = True) -> Optional[str]:
    """The callable that made `client` (or `self.client`, or `Client(...)` itself) when every
    assignment of it is a call of the same library callable: `lib.Client`, whose methods are
    then checked against the library's source (a function that is not a class makes no answer
    there)."""
    calls = _constructions(receiver, ctx, none_allowed)
    classes = set()
    for call in calls or ():
        callee = ctx.qualified_name(call.func)
        if callee is None:
            return None
        classes.add(callee)
    if len(classes) != 1:
        return None
    return classes.pop()


def _constructions(receiver: cst.BaseExpression, ctx: Context, none_allowed: bool) -> Optional[list[cst.Call]]:
    """The calls assigned to `client` (or `self.client`, or `Client(...)` itself); None when an
    assignment is something else (`None` aside, when allowed)."""
    values: list[Optional[cst.BaseExpression]] = []
    if type(receiver) is cst.Name:
        owner, bindings = ctx.bindings(receiver.value)
        if owner is None or not bindings:
            return None
        for binding in bindings:
            assigned = binding.kind in (BindingKind.ASSIGN, BindingKind.ANNOTATED, BindingKind.WALRUS)
            if not assigned or binding.value is None:
                return None
            values.append(binding.value)
    elif type(receiver) is cst.Call:
        values.append(receiver)  # `Client(...).send()`
    elif type(receiver) is cst.Attribute and type(receiver.value) is cst.Name:
        class_scope = ctx.resolver.instance_class(receiver.value.value, ctx.scope)
        if class_scope is None:
            return None
        for _method, store in ctx.resolver.attribute_stores(class_scope, receiver.attr.value):
            if store.value is None:
                return None
            values.append(store.value)
        if not values:
            return None
    else:
        return None
    calls = []
    for value in values:
        if type(value) is cst.Name and value.value == "None" and none_allowed:
            continue
        if type(value) is not cst.Call:
            return None  # an `await`, a `None` not allowed, anything else
        calls.append(value)
    return calls
