"""What a rule sees while it looks at one node: names, types, async context, ancestors, report().

The engine sets `node`, `path` and `scope` before each call; rules never track imports or
nesting themselves.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

import libcst as cst

from asynclint.engine.fixes import Fix
from asynclint.semantics.names import Resolver
from asynclint.semantics.scope import Binding, ModuleIndex, Path, Scope


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
    cls = type(parent)
    if cls in (cst.If, cst.While, cst.IfExp, cst.Assert, cst.CompIf):
        return parent.test is node
    if cls is cst.UnaryOperation:
        return type(parent.operator) is cst.Not
    if cls is cst.BooleanOperation:
        # The left operand is always tested; the right one only when the whole is.
        return parent.left is node or truth_tested(parent, path[1])
    return False


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

    @property
    def function_scope(self) -> Scope:
        return self.scope.function_scope

    @property
    def in_async_context(self) -> bool:
        """Inside an `async def` body, not in a nested def, lambda or class body."""
        scope = self.scope.function_scope
        return scope.kind == "function" and scope.is_async

    @property
    def function(self) -> Optional[cst.FunctionDef]:
        scope = self.scope.function_scope
        return scope.node if scope.kind == "function" else None

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
            if any(binding.kind == "import" and binding.qualified == module for binding in bindings):
                if all(binding.kind == "import" for binding in bindings) and scope.resolve(name) is root:
                    return name, False
        top = module.split(".")[0]
        owner = scope.resolve(top)
        if owner is None:
            return module, True
        if owner is root and all(
            binding.kind == "import" and binding.qualified == top for binding in root.bindings[top]
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
        self.reports.append(Report(code or self.rule_code, node, message, fix, condition))

    def record_fact(self, kind: str, key: str, value: Any) -> None:
        """Contribute a fact to the project index (must be plain data: str, int, list, tuple, dict)."""
        self.facts.setdefault(kind, {})[key] = value

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
            (type(parent) in (cst.Attribute, cst.Subscript) and parent.value is original)
            or (type(parent) is cst.Call and parent.func is original)
            or (type(parent) is cst.BinaryOperation and type(parent.operator) is cst.Power and parent.left is original)
        )
        lpar, rpar = getattr(original, "lpar", ()), getattr(original, "rpar", ())
        if needs_parens and not lpar:
            lpar, rpar = (cst.LeftParen(),), (cst.RightParen(),)
        if hasattr(expression, "lpar"):
            expression = expression.with_changes(lpar=(), rpar=())
        return cst.Await(expression=expression, lpar=lpar, rpar=rpar)
