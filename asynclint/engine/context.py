"""What a rule sees while it looks at one node: names, types, async context, ancestors, report().

The engine sets `node`, `path` and `scope` before each call; rules never track imports or
nesting themselves.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Hashable, Iterator, Optional, TypeVar, cast

import libcst as cst

from asynclint.catalog import blocking as blocking_catalog
from asynclint.engine.fixes import Fix
from asynclint.semantics.names import Resolver
from asynclint.semantics.scope import Binding, BindingKind, ModuleIndex, Path, Scope, ScopeKind, dotted_name

T = TypeVar("T")


class Report:
    __slots__ = ("code", "node", "message", "fix", "condition")

    def __init__(
        self,
        code: str,
        node: cst.CSTNode,
        message: str,
        fix: Optional[Fix],
        condition: Optional[tuple],
    ):
        self.code = code
        self.node = node
        self.message = message
        self.fix = fix
        self.condition = condition


def iter_path(path: Path) -> Iterator[cst.CSTNode]:
    """Nodes from `path`'s own node up to the Module."""
    while path is not None:
        yield path[0]
        path = path[1]


def parent_of(path: Path) -> Optional[cst.CSTNode]:
    return path[1][0] if path is not None and path[1] is not None else None


def truth_tested(node: cst.CSTNode, path: Path) -> bool:
    """Whether the value of `node` (at `path`) is only used for its truth: `if x:`, `not x`, `x and y`."""
    parent = parent_of(path)
    if isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.Assert, cst.CompIf)):
        return parent.test is node
    if isinstance(parent, cst.UnaryOperation):
        return isinstance(parent.operator, cst.Not)
    if isinstance(parent, cst.BooleanOperation):
        # The left operand is always tested; the right one only when the whole is.
        return parent.left is node or truth_tested(parent, cast(tuple, path)[1])  # a parent: path is not None
    return False


def _is_def(node: cst.CSTNode, asynchronous: bool) -> bool:
    return isinstance(node, cst.FunctionDef) and (node.asynchronous is not None) == asynchronous


def _is_main_guard(statement: cst.CSTNode) -> bool:
    """`if __name__ == "__main__":`"""
    if not isinstance(statement, cst.If) or not isinstance(statement.test, cst.Comparison):
        return False
    test = statement.test
    comparator = test.comparisons[0].comparator if len(test.comparisons) == 1 else None
    return (
        isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
        and isinstance(comparator, cst.SimpleString)
        and comparator.evaluated_value == "__main__"
    )


class Context:
    def __init__(self, path: str, index: ModuleIndex, resolver: Resolver, config: Any, target_version: tuple[int, int]):
        self.filename = path
        self.index = index
        self.module = index.module
        self.resolver = resolver
        self.config = config
        self.target_version = target_version
        self.reports: list[Report] = []
        self.facts: dict[str, dict[str, Any]] = {}
        self.node: cst.CSTNode = index.module
        self.path: Path = None
        self.scope: Scope = index.root
        self.rule_code = ""
        # This lint decides cross-file candidates (the project is known). Without it a candidate
        # (`condition=...`) is kept unplaced and its fix dropped: a rule need not build one.
        self.decides_candidates = False
        self._answers: dict[Hashable, Any] = {}

    # -- where are we ------------------------------------------------------------------------
    @property
    def module_name(self) -> str:
        return self.index.module_name

    @property
    def parent(self) -> Optional[cst.CSTNode]:
        return parent_of(self.path)

    def ancestors(self, path: Path = None) -> Iterator[cst.CSTNode]:
        """Ancestors of the current node (or of `path`'s node), innermost first."""
        path = self.path if path is None else path
        return iter_path(path[1] if path is not None else None)

    def ancestor(self, level: int) -> Optional[cst.CSTNode]:
        """The current node's ancestor `level` steps up (1 is the parent, 2 the grandparent)."""
        return next(itertools.islice(self.ancestors(), level - 1, None), None)

    @property
    def module_scope(self) -> Scope:
        return self.index.root

    def calls(self) -> Iterator[tuple[cst.Call, Path, Scope]]:
        """Every call in the module, in source order, with its path and scope."""
        for node, path, scope in self.index.events:
            if type(node) is cst.Call:
                yield cast(cst.Call, node), path, scope

    @property
    def function_scope(self) -> Scope:
        return self.scope.function_scope

    @property
    def in_async_context(self) -> bool:
        """Inside an `async def` body, not in a nested def, lambda or class body."""
        scope = self.scope.function_scope
        return scope.kind is ScopeKind.FUNCTION and scope.is_async

    @property
    def on_loop_thread(self) -> bool:
        """In async context, or in sync code that runs on the event loop's thread: the callbacks of
        an `asyncio.Protocol` subclass, functions this module hands to `call_soon`/`call_later`/
        `call_at`/`add_done_callback`, and functions with a loop-only decorator
        (`homeassistant.core.callback`, `extend-loop-only-decorators`)."""
        if self.in_async_context:
            return True
        scope = self.scope.function_scope
        if scope.kind is not ScopeKind.FUNCTION:
            return False
        return scope.node in self._callbacks()

    def is_done_callback(self, function: Optional[cst.CSTNode]) -> bool:
        """`function` is handed to `add_done_callback`: the future it receives is already done."""
        return function is not None and self._callbacks().get(function) == "add_done_callback"

    def _callbacks(self) -> dict[cst.CSTNode, str]:
        def first_use_of_each() -> dict[cst.CSTNode, str]:
            found: dict[cst.CSTNode, str] = {}
            for node, how in self._find_loop_callbacks():
                found.setdefault(node, how)
            return found

        return self.answer(Context._find_loop_callbacks, first_use_of_each)

    @property
    def in_one_shot_command(self) -> bool:
        """Inside a coroutine that is a whole one-shot program: a click/typer/cyclopts command, or
        the coroutine a script hands to `asyncio.run` (or a function nested in one of those)."""
        commands = self.answer(Context._find_one_shot_commands, lambda: frozenset(self._find_one_shot_commands()))
        if not commands:
            return False
        scope: Optional[Scope] = self.scope
        while scope is not None:
            if scope.kind is ScopeKind.FUNCTION and scope.node in commands:
                return True
            scope = scope.parent
        return False

    def _find_loop_callbacks(self) -> Iterator[tuple[cst.CSTNode, str]]:
        decorators = blocking_catalog.LOOP_ONLY_DECORATORS | set(self.config.extend_loop_only_decorators)
        for node, scope in self.index.scopes.items():
            if isinstance(node, cst.FunctionDef) and node.asynchronous is None:
                for decorator in node.decorators:
                    target = decorator.decorator
                    if type(target) is cst.Call:
                        target = target.func
                    if self.resolver.qualified_name(target, scope.parent or scope) in decorators:
                        yield node, "decorator"
            elif isinstance(node, cst.ClassDef) and self._is_protocol(node, scope.parent, set()):
                for name, bindings in scope.bindings.items():
                    if name in blocking_catalog.PROTOCOL_CALLBACKS:
                        for b in bindings:
                            if b.kind is BindingKind.DEF and _is_def(b.node, asynchronous=False):
                                yield b.node, "protocol"
        for node, _, scope in self.calls():
            if type(node.func) is not cst.Attribute:
                continue
            position = blocking_catalog.LOOP_CALLBACK_SCHEDULERS.get(node.func.attr.value)
            positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
            if position is None or len(positional) <= position:
                continue
            callback = positional[position]
            if type(callback) is cst.Call and self.resolver.qualified_name(callback.func, scope) == "functools.partial":
                callback = callback.args[0].value if callback.args else callback
            # The sync defs the callback (a name, `self.method`, `cls.method`) certainly is.
            bindings = self.resolver.callable_bindings(callback, scope)
            if bindings and all(b.kind is BindingKind.DEF and _is_def(b.node, asynchronous=False) for b in bindings):
                for binding in bindings:
                    yield binding.node, node.func.attr.value

    def _is_protocol(self, node: cst.ClassDef, scope: Optional[Scope], seen: set) -> bool:
        if scope is None or node in seen:
            return False
        seen.add(node)
        for base in node.bases:
            if self.resolver.qualified_name(base.value, scope) in blocking_catalog.PROTOCOL_BASES:
                return True
            if type(base.value) is cst.Name:
                owner, bindings = self.resolver.bindings(base.value.value, scope)
                definition = bindings[0].node if owner is not None and len(bindings) == 1 else None
                if isinstance(definition, cst.ClassDef) and self._is_protocol(definition, owner, seen):
                    return True
        return False

    def _find_one_shot_commands(self) -> Iterator[cst.CSTNode]:
        root = self.index.root
        imports = {
            (binding.qualified or "").split(".")[0]
            for bindings in root.bindings.values()
            for binding in bindings
            if binding.kind is BindingKind.IMPORT
        }
        cli_module = bool(imports & blocking_catalog.CLI_FRAMEWORKS)
        if cli_module:
            for node in self.index.scopes:
                if isinstance(node, cst.FunctionDef) and node.asynchronous is not None and self._is_cli_command(node):
                    yield node
        script = any(_is_main_guard(statement) for statement in self.module.body)
        for node, _, scope in self.calls():
            if not node.args:
                continue
            where = scope.function_scope
            in_script_function = script and where.kind is ScopeKind.FUNCTION and not where.is_async
            if where.kind is not ScopeKind.MODULE and not in_script_function:
                continue
            if self.resolver.qualified_name(node.func, scope) not in blocking_catalog.SCRIPT_RUNNERS:
                continue
            target = node.args[0].value
            if type(target) is cst.Call:
                target = target.func
            if type(target) is cst.Name:
                for binding in self.resolver.bindings(target.value, scope)[1]:
                    if binding.kind is BindingKind.DEF and _is_def(binding.node, asynchronous=True):
                        yield binding.node

    @staticmethod
    def _is_cli_command(node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            target = decorator.decorator
            if type(target) is cst.Call:
                target = target.func
            name = dotted_name(target)
            if name is not None and name.rsplit(".", 1)[-1] in blocking_catalog.CLI_DECORATORS:
                return True
        return False

    @property
    def function(self) -> Optional[cst.FunctionDef]:
        scope = self.scope.function_scope
        return cast(cst.FunctionDef, scope.node) if scope.kind is ScopeKind.FUNCTION else None

    @property
    def function_name(self) -> str:
        function = self.function
        return function.name.value if function is not None else "<module>"

    def scope_of(self, node: cst.CSTNode) -> Optional[Scope]:
        """The scope a function, lambda, class or comprehension node opens."""
        return self.index.scopes.get(node)

    # -- names -------------------------------------------------------------------------------
    def qualified_name(self, expr: cst.CSTNode, scope: Optional[Scope] = None) -> Optional[str]:
        return self.resolver.qualified_name(expr, scope or self.scope)

    def type_of(self, expr: cst.CSTNode, scope: Optional[Scope] = None) -> Optional[str]:
        return self.resolver.type_of(expr, scope or self.scope)

    def bindings(self, name: str, scope: Optional[Scope] = None) -> tuple[Optional[Scope], list[Binding]]:
        return self.resolver.bindings(name, scope or self.scope)

    def references(self, binding_scope: Scope, name: str) -> list[tuple[cst.Name, Path, Scope]]:
        """Every read of `name` that resolves to `binding_scope`'s binding, with path and scope."""
        found: list[tuple[cst.Name, Path, Scope]] = []
        stack = [binding_scope]
        while stack:
            scope = stack.pop()
            for name_node, path in scope.references.get(name, ()):
                if scope.resolve(name) is binding_scope:
                    found.append((name_node, path, scope))
            stack.extend(scope.children)
        return found

    def module_alias(self, module: str, scope: Optional[Scope] = None) -> tuple[Optional[str], bool]:
        """The name to write for `module` at the current node, and whether an import is needed.

        `import asyncio as aio` gives ("aio", False); no import gives ("asyncio", True); a local
        that shadows the module name gives (None, False) and no fix should be offered.
        """
        scope = scope or self.scope
        root = self.index.root
        for name, bindings in root.bindings.items():
            if any(binding.kind is BindingKind.IMPORT and binding.qualified == module for binding in bindings):
                if all(binding.kind is BindingKind.IMPORT for binding in bindings) and scope.resolve(name) is root:
                    return name, False
        top = module.split(".")[0]
        owner = scope.resolve(top)
        if owner is None:
            return module, True
        if owner is root and all(
            binding.kind is BindingKind.IMPORT and binding.qualified == top for binding in root.bindings[top]
        ):
            return module, "." in module
        return None, False

    # -- output ------------------------------------------------------------------------------
    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        code: Optional[str] = None,
        fix: Optional[Fix] = None,
        condition: Optional[tuple] = None,
    ) -> None:
        code = code or self.rule_code
        if not code:
            raise RuntimeError("a fact collector cannot report")
        self.reports.append(Report(code, node, message, fix, condition))

    def answer(self, question: Hashable, compute: Callable[[], T]) -> T:
        """What `compute()` answers about this file, computed the first time any rule asks
        `question` while the file is linted (a walk of a whole class body for every `try` in it
        would otherwise be repeated for each)."""
        if question not in self._answers:
            self._answers[question] = compute()
        return self._answers[question]

    def record_fact(self, kind: str, key: str, value: Any) -> None:
        """Contribute a fact to the project index (must be plain data: str, int, list, tuple, dict)."""
        self.facts.setdefault(kind, {})[key] = value

    def append_fact(self, kind: str, key: str, item: Any) -> None:
        """Add `item` to the list fact `kind`/`key` (plain data, as for `record_fact`)."""
        self.facts.setdefault(kind, {}).setdefault(key, []).append(item)

    def source_of(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    # -- building fixes ----------------------------------------------------------------------
    def can_insert_await(self, node: Optional[cst.CSTNode] = None) -> bool:
        """An `await` may replace the current node: async context, not inside a generator
        expression (that would turn it into an async generator), not already awaited."""
        if not self.in_async_context:
            return False
        if type(self.parent) is cst.Await:
            return False
        function = self.function
        for ancestor in self.ancestors():
            if ancestor is function:
                break
            if type(ancestor) is cst.GeneratorExp:
                return False
        return True

    def module_attribute(self, module: str, attribute: str) -> tuple[Optional[cst.BaseExpression], tuple[str, ...]]:
        """An expression for `module.attribute` valid at the current node, plus imports needed."""
        alias, needs_import = self.module_alias(module)
        if alias is None:
            return None, ()
        return cst.parse_expression(f"{alias}.{attribute}"), ((module,) if needs_import else ())

    def awaited(self, original: cst.BaseExpression, expression: cst.BaseExpression) -> cst.Await:
        """`await expression`, replacing `original`, parenthesised where precedence requires."""
        parent = self.parent
        needs_parens = (
            (isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is original)
            or (isinstance(parent, cst.Call) and parent.func is original)
            or (
                isinstance(parent, cst.BinaryOperation)
                and isinstance(parent.operator, cst.Power)
                and parent.left is original
            )
        )
        lpar, rpar = getattr(original, "lpar", ()), getattr(original, "rpar", ())
        if needs_parens and not lpar:
            lpar, rpar = (cst.LeftParen(),), (cst.RightParen(),)
        if hasattr(expression, "lpar"):
            expression = expression.with_changes(lpar=(), rpar=())
        return cst.Await(expression=expression, lpar=lpar, rpar=rpar)
