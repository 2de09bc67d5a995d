"""Names and receivers → qualified names: `from time import sleep as pause` → `time.sleep`,
`self.session.get` → `requests.Session.get` when `self.session = requests.Session()`.

Resolution follows Python's scoping (a parameter named `requests` shadows the module) and never
guesses: when bindings disagree or a value is unknown the answer is None, and rules stay silent.
"""

from __future__ import annotations

import builtins
from typing import Mapping, Optional, Protocol

import libcst as cst

from asynclint.semantics.constants import is_none
from asynclint.semantics.scope import AttributeStore, Binding, BindingKind, ModuleIndex, Scope, ScopeKind, dotted_name

BUILTIN_NAMES = frozenset(dir(builtins))
_MAX_DEPTH = 12


class NameAnswers(Protocol):
    """What resolves names and types at a node: the rule's `Context` (the scope defaults to the
    current node's)."""

    def qualified_name(self, expr: cst.CSTNode, scope: Optional[Scope] = None) -> Optional[str]: ...

    def type_of(self, expr: cst.CSTNode, scope: Optional[Scope] = None) -> Optional[str]: ...


class Resolver:
    def __init__(
        self,
        index: ModuleIndex,
        return_types: Mapping[str, str],
        attribute_types: Optional[Mapping[str, str]] = None,
        item_types: Optional[Mapping[str, str]] = None,
    ):
        self.index = index
        self.module_name = index.module_name
        self.return_types = return_types
        # `Type.attribute` → type of the attribute's value (`pathlib.Path.parent` → `pathlib.Path`).
        self.attribute_types = attribute_types or {}
        # callee → type of the items its value yields (`pathlib.Path.iterdir` → `pathlib.Path`).
        self.item_types = item_types or {}
        self._names: dict[int, Optional[str]] = {}
        self._types: dict[int, Optional[str]] = {}
        # class scope -> attribute -> its `self.<attribute> = ...` stores (scopes live as long as
        # the resolver: one module's lint)
        self._stores: dict[int, dict[str, list[tuple[Scope, AttributeStore]]]] = {}
        self._depth = 0

    # -- bindings ----------------------------------------------------------------------------
    def bindings(self, name: str, scope: Scope) -> tuple[Optional[Scope], list[Binding]]:
        """The scope a read of `name` in `scope` resolves to, and that scope's bindings of it."""
        owner = scope.resolve(name)
        if owner is None:
            return None, []
        return owner, owner.bindings[name]

    def binding_qualified_name(self, binding: Binding) -> Optional[str]:
        if binding.kind is BindingKind.IMPORT:
            return binding.qualified
        if binding.kind in (BindingKind.DEF, BindingKind.CLASS):
            owner = binding.scope
            if owner.kind is ScopeKind.MODULE:
                return f"{self.module_name}.{binding.name}" if self.module_name else binding.name
            if owner.kind is ScopeKind.CLASS and owner.parent is not None and owner.parent.kind is ScopeKind.MODULE:
                return f"{self.class_qualified_name(owner)}.{binding.name}"
        return None

    def class_qualified_name(self, class_scope: Scope) -> str:
        name = class_scope.name or "?"
        return f"{self.module_name}.{name}" if self.module_name else name

    def function_qualified_name(self, function_scope: Scope) -> Optional[str]:
        """`pkg.mod.func` for a module-level function, `pkg.mod.Class.method` for a method of a
        module-level class; None for nested functions, lambdas and anything else."""
        parent = function_scope.parent
        if function_scope.kind is not ScopeKind.FUNCTION or parent is None:
            return None
        if parent.kind is ScopeKind.MODULE:
            return f"{self.module_name}.{function_scope.name}" if self.module_name else function_scope.name
        if parent.kind is ScopeKind.CLASS and parent.parent is not None and parent.parent.kind is ScopeKind.MODULE:
            return f"{self.class_qualified_name(parent)}.{function_scope.name}"
        return None

    # -- qualified names ---------------------------------------------------------------------
    def qualified_name(self, expr: cst.CSTNode, scope: Scope) -> Optional[str]:
        return self._remembered(self._names, self._qualified_name, expr, scope)

    def _remembered(self, answers: dict, answer, expr: cst.CSTNode, scope: Scope) -> Optional[str]:
        """`answer(expr, scope)`, computed once per node, within the depth bound; a cycle (`x = x.y`)
        reads the None stored while the first computation runs."""
        key = id(expr)
        if key in answers:
            return answers[key]
        if self._depth > _MAX_DEPTH:
            return None
        self._depth += 1
        answers[key] = None
        try:
            result = answer(expr, scope)
        finally:
            self._depth -= 1
        answers[key] = result
        return result

    def _qualified_name(self, expr: cst.CSTNode, scope: Scope) -> Optional[str]:
        if isinstance(expr, cst.Name):
            return self._name(expr.value, scope)
        if isinstance(expr, cst.Attribute):
            # A value of known type wins (`self.loop.create_task` is
            # `asyncio.AbstractEventLoop.create_task`); module paths have no type.
            base = self.type_of(expr.value, scope)
            if base is None:
                base = self.qualified_name(expr.value, scope)
            return f"{base}.{expr.attr.value}" if base is not None else None
        return None

    def _name(self, name: str, scope: Scope) -> Optional[str]:
        owner, bindings = self.bindings(name, scope)
        if owner is None:
            if scope.module.star_imports or any(s.star_imports for s in _chain(scope)):
                return None
            return f"builtins.{name}" if name in BUILTIN_NAMES else None
        imports = [binding for binding in bindings if binding.kind is BindingKind.IMPORT]
        if imports and (owner.kind is ScopeKind.MODULE or len(imports) == len(bindings)):
            # At module level an import wins over fallbacks such as `requests = None` in an
            # `except ImportError:`; inside a function any other binding shadows it.
            names = {binding.qualified for binding in imports}
            return names.pop() if len(names) == 1 else None
        if len(bindings) == 1:
            return self.binding_qualified_name(bindings[0])
        return None

    # -- types -------------------------------------------------------------------------------
    def type_of(self, expr: cst.CSTNode, scope: Scope) -> Optional[str]:
        """The qualified class of the value `expr` evaluates to, when the code makes it certain."""
        return self._remembered(self._types, self._type_of, expr, scope)

    def _type_of(self, expr: cst.CSTNode, scope: Scope) -> Optional[str]:
        if isinstance(expr, cst.Await):
            expr = expr.expression
        if isinstance(expr, cst.Call):
            return self._call_type(expr, scope)
        if isinstance(expr, cst.Name):
            owner, bindings = self.bindings(expr.value, scope)
            if owner is None:
                return None
            return self._agree([self._binding_type(binding) for binding in bindings if not _binds_none(binding)])
        if isinstance(expr, cst.Attribute):
            if isinstance(expr.value, cst.Name):
                class_scope = self.instance_class(expr.value.value, scope)
                if class_scope is not None:
                    return self._attribute_type(class_scope, expr.attr.value)
            if self.attribute_types:
                base = self.type_of(expr.value, scope)
                if base is not None:
                    return self.attribute_types.get(f"{base}.{expr.attr.value}")
            return None
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
            # `root / "name"` is a Path when `root` is one.
            left = self.type_of(expr.left, scope)
            return left if left is not None and self.attribute_types.get(f"{left}.__truediv__") == left else None
        return None

    def _call_type(self, call: cst.Call, scope: Scope) -> Optional[str]:
        callee = self.qualified_name(call.func, scope)
        if callee is None:
            return None
        known = self.return_types.get(callee)
        if known is not None:
            return known
        if type(call.func) is cst.Name:
            _, bindings = self.bindings(call.func.value, scope)
            if len(bindings) == 1 and bindings[0].kind is BindingKind.CLASS:
                return callee
        return None

    def _binding_type(self, binding: Binding) -> Optional[str]:
        scope = binding.scope
        if binding.annotation is not None:
            where = scope.parent if binding.kind is BindingKind.PARAM else scope
            return self.annotation_type(binding.annotation, where)
        if binding.kind is BindingKind.PARAM:
            class_scope = self.method_class(scope)
            if binding.index == 0 and class_scope is not None and not _is_static(scope.node):
                if _has_decorator(scope.node, "classmethod"):
                    return None
                return self.class_qualified_name(class_scope)
            return None
        if binding.kind in (BindingKind.ASSIGN, BindingKind.WALRUS, BindingKind.WITH) and binding.value is not None:
            return self.type_of(binding.value, scope)
        if binding.kind is BindingKind.FOR and self.item_types and binding.path is not None:
            loop = binding.path[0]
            if isinstance(loop, cst.For) and loop.target is binding.node and isinstance(loop.iter, cst.Call):
                callee = self.qualified_name(loop.iter.func, scope)
                return self.item_types.get(callee) if callee is not None else None
        if binding.kind is BindingKind.CLASS:
            return None
        return None

    @staticmethod
    def _agree(types: list[Optional[str]]) -> Optional[str]:
        if not types or None in types:
            return None
        unique = set(types)
        return unique.pop() if len(unique) == 1 else None

    def annotation_type(self, annotation: cst.CSTNode, scope: Optional[Scope]) -> Optional[str]:
        if scope is None:
            return None
        if isinstance(annotation, cst.SimpleString):
            # A forward reference: "Path", "Optional[Path]", "Path | None".
            text = annotation.evaluated_value
            if isinstance(text, str) and text.strip():
                try:
                    annotation = cst.parse_expression(text.strip())
                except (cst.ParserSyntaxError, RecursionError):
                    return None
                return self.annotation_type(annotation, scope.module)
            return None
        if isinstance(annotation, cst.Subscript):
            # Optional[T] and Union[T, None] carry T.
            outer = self.qualified_name(annotation.value, scope)
            if outer in ("typing.Optional", "typing.Union", "typing_extensions.Optional"):
                inner = [
                    element.slice.value
                    for element in annotation.slice
                    if isinstance(element.slice, cst.Index) and not is_none(element.slice.value)
                ]
                if len(inner) == 1:
                    return self.annotation_type(inner[0], scope)
            return None
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            sides = [side for side in (annotation.left, annotation.right) if not is_none(side)]
            return self.annotation_type(sides[0], scope) if len(sides) == 1 else None
        if isinstance(annotation, (cst.Name, cst.Attribute)):
            return self.qualified_name(annotation, scope)
        return None

    # -- classes and `self` ------------------------------------------------------------------
    @staticmethod
    def method_class(function_scope: Scope) -> Optional[Scope]:
        if function_scope.kind is ScopeKind.FUNCTION and function_scope.parent is not None:
            if function_scope.parent.kind is ScopeKind.CLASS:
                return function_scope.parent
        return None

    def instance_class(self, name: str, scope: Scope) -> Optional[Scope]:
        """The class scope when `name` is the `self` parameter of one of its methods."""
        owner, bindings = self.bindings(name, scope)
        if owner is None or len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind is not BindingKind.PARAM or binding.index != 0 or binding.annotation is not None:
            return None
        class_scope = self.method_class(owner)
        if class_scope is None or _is_static(owner.node) or _has_decorator(owner.node, "classmethod"):
            return None
        return class_scope

    def receiver_class(self, name: str, scope: Scope) -> Optional[Scope]:
        """The class scope when `name` is `self` in one of its methods, or `cls` in a classmethod."""
        class_scope = self.instance_class(name, scope)
        if class_scope is not None:
            return class_scope
        owner, bindings = self.bindings(name, scope)
        if owner is None or len(bindings) != 1 or bindings[0].kind is not BindingKind.PARAM or bindings[0].index != 0:
            return None
        class_scope = self.method_class(owner)
        return class_scope if class_scope is not None and _has_decorator(owner.node, "classmethod") else None

    def callable_bindings(self, expr: cst.CSTNode, scope: Scope) -> list[Binding]:
        """The bindings a called `name` or `self.name` (`cls.name`) reads: the name's own, or the
        member's in the receiver's class body. Empty when neither is known."""
        if type(expr) is cst.Name:
            return self.bindings(expr.value, scope)[1]
        if type(expr) is cst.Attribute and type(expr.value) is cst.Name:
            class_scope = self.receiver_class(expr.value.value, scope)
            if class_scope is not None:
                return class_scope.bindings.get(expr.attr.value, [])
        return []

    def self_name(self, function_scope: Scope) -> Optional[str]:
        """The name of the first parameter of a method (usually `self`)."""
        if self.method_class(function_scope) is None or _is_static(function_scope.node):
            return None
        for name, bindings in function_scope.bindings.items():
            if any(binding.kind is BindingKind.PARAM and binding.index == 0 for binding in bindings):
                return name
        return None

    def attribute_stores(self, class_scope: Scope, attr: str) -> list[tuple[Scope, AttributeStore]]:
        """Every `self.<attr> = value` in the methods of `class_scope`, with the method's scope."""
        stores = self._stores.get(id(class_scope))
        if stores is None:
            stores = self._stores[id(class_scope)] = {}
            for method in class_scope.children:
                if method.kind is not ScopeKind.FUNCTION:
                    continue
                self_name = self.self_name(method)
                if self_name is None:
                    continue
                for store in method.attribute_stores:
                    if store.base == self_name:
                        stores.setdefault(store.attr, []).append((method, store))
                for nested in _descendants(method):
                    for store in nested.attribute_stores:
                        if store.base == self_name and nested.resolve(self_name) is method:
                            stores.setdefault(store.attr, []).append((nested, store))
        return stores.get(attr, [])

    def _attribute_type(self, class_scope: Scope, attr: str) -> Optional[str]:
        types: list[Optional[str]] = []
        for binding in class_scope.bindings.get(attr, ()):
            if binding.kind is BindingKind.ANNOTATED and binding.annotation is not None:
                types.append(self.annotation_type(binding.annotation, class_scope))
            elif binding.kind is BindingKind.ASSIGN and binding.value is not None and not is_none(binding.value):
                # A class-level default (`lock = threading.Lock()`) is what instances share.
                types.append(self.type_of(binding.value, class_scope))
            elif binding.kind in (BindingKind.DEF, BindingKind.CLASS):
                return None
        for method, store in self.attribute_stores(class_scope, attr):
            if store.annotation is not None:
                types.append(self.annotation_type(store.annotation, method))
            elif store.value is not None and not is_none(store.value):
                types.append(self.type_of(store.value, method))
            elif store.value is None:
                types.append(None)
        return self._agree(types)

    def dotted(self, expr: cst.CSTNode) -> Optional[str]:
        return dotted_name(expr)


# Bases that give a class no behaviour of its own.
PLAIN_BASES = frozenset({"builtins.object", "abc.ABC", "typing.Generic", "typing.Protocol"})


def base_classes(class_node: cst.ClassDef) -> list[cst.BaseExpression]:
    """The base class expressions of a class statement (`Generic[T]` as `Generic`), without the
    keywords (`metaclass=...`)."""
    return [
        arg.value.value if type(arg.value) is cst.Subscript else arg.value
        for arg in class_node.bases
        if arg.keyword is None
    ]


def in_top_package(qualified: str, module_name: str) -> bool:
    """`qualified` lies in the top-level package of `module_name` (the analyzed project's own code,
    as far as one file can tell)."""
    top = module_name.split(".")[0] if module_name else ""
    return bool(top) and (qualified == top or qualified.startswith(top + "."))


def _binds_none(binding: Binding) -> bool:
    assigned = binding.kind in (BindingKind.ASSIGN, BindingKind.ANNOTATED)
    return assigned and is_none(binding.value) and binding.annotation is None


def _chain(scope: Scope):
    current: Optional[Scope] = scope
    while current is not None:
        yield current
        current = current.parent


def _descendants(scope: Scope):
    for child in scope.children:
        yield child
        yield from _descendants(child)


def _has_decorator(function: cst.CSTNode, name: str) -> bool:
    for decorator in getattr(function, "decorators", ()):
        target = decorator.decorator
        if type(target) is cst.Name and target.value == name:
            return True
    return False


def _is_static(function: cst.CSTNode) -> bool:
    return _has_decorator(function, "staticmethod")
