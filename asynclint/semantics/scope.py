"""One pass over a libcst module: scopes, bindings, name references, and the nodes rules asked for.

The walk is the hot path of the whole tool. It visits only fields that can hold code (never
whitespace or punctuation), allocates one tuple per node for the ancestor chain, and records an
event only for node types some enabled rule handles. Rules run after the walk, when every scope's
bindings are complete, so a name is resolved with Python's own rules no matter where in the
function it is assigned.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
from typing import Any, Callable, Optional, Union

import libcst as cst

# An ancestor chain: (node, chain of its parent), ending in None above the Module.
Path = Optional[tuple]

_SKIPPED_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "comma",
        "semicolon",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "trailing_whitespace",
        "newline",
        "operator",
        "equal",
        "colon",
        "dot",
        "asynchronous",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "default_indent",
        "default_newline",
        "encoding",
        "indent",
        "has_trailing_newline",
        "star",
        "relative",
    }
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _node_types(base: type) -> frozenset[type]:
    found = {base}
    for subclass in base.__subclasses__():
        found |= _node_types(subclass)
    return frozenset(found)


# `type(value) in NODE_TYPES` is `type(value) in NODE_TYPES` without the abstract base
# class's instance check, which the walks below would otherwise pay for every field of every node.
NODE_TYPES: frozenset[type] = _node_types(cst.CSTNode)


def child_fields(cls: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = tuple(
            field.name
            for field in dataclasses.fields(cls)
            if field.name not in _SKIPPED_FIELDS and not field.name.startswith("whitespace")
        )
        _CHILD_FIELDS[cls] = fields
    return fields


# Layout, punctuation and operator tokens: the walk never enters the fields that hold them, so no
# rule can ask to visit them (the linter refuses a rule that does). Every other concrete node
# type is dispatched, each node exactly once.
UNDISPATCHED: frozenset[type] = frozenset(
    cls
    for cls in (getattr(cst, name) for name in dir(cst))
    if isinstance(cls, type)
    and issubclass(cls, cst.CSTNode)
    and (
        issubclass(
            cls,
            (
                cst.BaseParenthesizableWhitespace,
                cst.BaseBinaryOp,
                cst.BaseUnaryOp,
                cst.BaseBooleanOp,
                cst.BaseCompOp,
                cst.BaseAugOp,
            ),
        )
        or cls
        in (
            cst.Comment,
            cst.EmptyLine,
            cst.TrailingWhitespace,
            cst.Newline,
            cst.Comma,
            cst.Semicolon,
            cst.Colon,
            cst.Dot,
            cst.AssignEqual,
            cst.LeftParen,
            cst.RightParen,
            cst.LeftSquareBracket,
            cst.RightSquareBracket,
            cst.LeftCurlyBrace,
            cst.RightCurlyBrace,
            cst.Asynchronous,
        )
    )
)
DISPATCHED: frozenset[type] = frozenset(
    cls
    for cls in (getattr(cst, name) for name in dir(cst))
    if isinstance(cls, type) and issubclass(cls, cst.CSTNode) and not inspect.isabstract(cls)
) - UNDISPATCHED


def iter_children(node: cst.CSTNode):
    """The code-bearing children of `node`, in source order (no whitespace or punctuation)."""
    for name in child_fields(type(node)):
        value = getattr(node, name)
        if type(value) in NODE_TYPES:
            yield value
        elif type(value) in (tuple, list):
            for item in value:
                if type(item) in NODE_TYPES:
                    yield item


def iter_subtree(node: cst.CSTNode, *, enter_scopes: bool = False):
    """`node` and its descendants; nested function, lambda and class bodies only if asked."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if not enter_scopes and current is not node and type(current) in SCOPE_NODES:
            continue
        children = list(iter_children(current))
        children.reverse()
        stack.extend(children)


SCOPE_NODES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class BindingKind(enum.Enum):
    """The statement or expression that binds a name."""

    IMPORT = "import"  # `import a.b` (binds `a`), `import a as b`, `from a import b`
    ASSIGN = "assign"  # `x = ...` (also each name of a tuple target)
    ANNOTATED = "annotated"  # `x: T` or `x: T = ...`
    AUGMENTED = "augmented"  # `x += ...`
    PARAM = "param"  # a parameter of a function or lambda
    DEF = "def"  # `def x` / `async def x`
    CLASS = "class"  # `class x`
    FOR = "for"  # the target of a `for` statement or comprehension clause
    WITH = "with"  # `with ... as x`
    EXCEPT = "except"  # `except E as x`
    WALRUS = "walrus"  # `(x := ...)`
    MATCH = "match"  # a `match` capture pattern (`case [x, *rest]`, `case P() as x`)


class ScopeKind(enum.Enum):
    """The construct that opens a scope."""

    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    LAMBDA = "lambda"
    COMPREHENSION = "comprehension"


@dataclasses.dataclass(eq=False)
class Binding:
    """One place a name is bound. `value` is the assigned expression where there is exactly one."""

    name: str
    kind: BindingKind
    node: cst.CSTNode
    path: Path
    scope: Scope
    value: Optional[cst.BaseExpression] = None
    annotation: Optional[cst.BaseExpression] = None
    qualified: Optional[str] = None  # for imports: the dotted name bound
    index: int = 0  # parameter position, for params


@dataclasses.dataclass(eq=False)
class AttributeStore:
    """`base.attr = value` (or `base.attr: T = value`) inside a function, e.g. `self.session = ...`."""

    base: str
    attr: str
    value: Optional[cst.BaseExpression]
    annotation: Optional[cst.BaseExpression]
    path: Path


class Scope:
    __slots__ = (
        "kind",
        "node",
        "parent",
        "is_async",
        "bindings",
        "references",
        "children",
        "declared_global",
        "declared_nonlocal",
        "attribute_stores",
        "star_imports",
        "name",
    )

    def __init__(self, kind: ScopeKind, node: cst.CSTNode, parent: Optional[Scope], is_async: bool = False):
        self.kind = kind
        self.node = node
        self.parent = parent
        self.is_async = is_async
        self.bindings: dict[str, list[Binding]] = {}
        self.references: dict[str, list[tuple[cst.Name, Path]]] = {}
        self.children: list[Scope] = []
        self.declared_global: set[str] = set()
        self.declared_nonlocal: set[str] = set()
        self.attribute_stores: list[AttributeStore] = []
        self.star_imports: list[str] = []
        self.name = getattr(getattr(node, "name", None), "value", None)
        if parent is not None:
            parent.children.append(self)

    def __repr__(self) -> str:
        return f"<Scope {self.kind.value} {self.name}>"

    @property
    def function_scope(self) -> Scope:
        """The nearest enclosing scope that is not a comprehension (comprehensions run inline)."""
        scope = self
        while scope.kind is ScopeKind.COMPREHENSION and scope.parent is not None:
            scope = scope.parent
        return scope

    def resolve(self, name: str) -> Optional[Scope]:
        """The scope whose binding of `name` a read in this scope sees, or None (builtin/unbound)."""
        scope: Optional[Scope] = self
        first = True
        while scope is not None:
            if name in scope.declared_global:
                scope = self.module
                return scope if name in scope.bindings else None
            visible = first or scope.kind is not ScopeKind.CLASS  # class bodies do not enclose their functions
            if visible and name in scope.bindings and name not in scope.declared_nonlocal:
                return scope
            first = False
            scope = scope.parent
        return None

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


class ModuleIndex:
    """Everything the walk learned about one module."""

    def __init__(self, module: cst.Module, module_name: str):
        self.module = module
        self.module_name = module_name
        self.scopes: dict[cst.CSTNode, Scope] = {}
        self.events: list[tuple[cst.CSTNode, Path, Scope]] = []
        self.root = Scope(ScopeKind.MODULE, module, None)
        self.scopes[module] = self.root


def resolve_relative(module_name: str, is_package: bool, level: int, target: Optional[str]) -> Optional[str]:
    """`from ..x import y` inside `module_name` → the absolute dotted package the import names."""
    parts = module_name.split(".") if module_name else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        if level - 1 > len(parts):
            return None
        parts = parts[: len(parts) - (level - 1)]
    if target:
        parts = parts + target.split(".")
    return ".".join(parts) if parts else None


def dotted_name(node: Union[cst.Attribute, cst.Name, Any]) -> Optional[str]:
    """`a.b.c` as a string, or None if the expression is not a plain dotted name."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


class _Walker:
    def __init__(self, index: ModuleIndex, interesting: frozenset, is_package: bool):
        self.index = index
        self.interesting = interesting
        self.is_package = is_package
        self.events = index.events
        # Nodes the semantic walk reads without walking (binding targets, parameter and import
        # names, headers) are still dispatched: `mark` records events for their subtree only.
        self.names_wanted = cst.Name in interesting
        self.special: dict[type, Callable] = {
            cst.Name: self._name,
            cst.Attribute: self._attribute,
            cst.Arg: self._arg,
            cst.FunctionDef: self._function,
            cst.Lambda: self._lambda,
            cst.ClassDef: self._class,
            cst.Assign: self._assign,
            cst.AnnAssign: self._annassign,
            cst.AugAssign: self._augassign,
            cst.For: self._for,
            cst.With: self._with,
            cst.ExceptHandler: self._except,
            cst.ExceptStarHandler: self._except,
            cst.NamedExpr: self._walrus,
            cst.Import: self._import,
            cst.ImportFrom: self._import_from,
            cst.Global: self._global,
            cst.Nonlocal: self._nonlocal,
            cst.ListComp: self._comprehension,
            cst.SetComp: self._comprehension,
            cst.GeneratorExp: self._comprehension,
            cst.DictComp: self._comprehension,
            cst.MatchAs: self._match_name,
            cst.MatchStar: self._match_name,
        }

    # -- generic traversal -------------------------------------------------------------------
    def walk(self, node: cst.CSTNode, parent: Path, scope: Scope) -> None:
        cls = type(node)
        path = (node, parent)
        if cls in self.interesting:
            self.events.append((node, path, scope))
        special = self.special.get(cls)
        if special is not None:
            special(node, path, scope)
            return
        for name in child_fields(cls):
            value = getattr(node, name)
            if type(value) in NODE_TYPES:
                self.walk(value, path, scope)
            elif type(value) in (tuple, list):
                for item in value:
                    if type(item) in NODE_TYPES:
                        self.walk(item, path, scope)

    def walk_children(self, node: cst.CSTNode, path: Path, scope: Scope, skip=()) -> None:
        for name in child_fields(type(node)):
            if name in skip:
                continue
            value = getattr(node, name)
            if type(value) in NODE_TYPES:
                self.walk(value, path, scope)
            elif type(value) in (tuple, list):
                for item in value:
                    if type(item) in NODE_TYPES:
                        self.walk(item, path, scope)

    def mark(self, node: cst.CSTNode, parent: Path, scope: Scope) -> None:
        """Dispatch `node` and its subtree without recording bindings or references."""
        cls = type(node)
        if cls is cst.Name:
            if self.names_wanted:
                self.events.append((node, (node, parent), scope))
            return
        path = (node, parent)
        if cls in self.interesting:
            self.events.append((node, path, scope))
        self.mark_children(node, path, scope)

    def mark_children(self, node: cst.CSTNode, path: Path, scope: Scope, fields: tuple[str, ...] = ()) -> None:
        for name in fields or child_fields(type(node)):
            value = getattr(node, name)
            if type(value) in NODE_TYPES:
                self.mark(value, path, scope)
            elif type(value) in (tuple, list):
                for item in value:
                    if type(item) in NODE_TYPES:
                        self.mark(item, path, scope)

    def event(self, node: cst.CSTNode, path: Path, scope: Scope) -> None:
        """Dispatch `node` alone (its children are walked or marked by the caller)."""
        if type(node) in self.interesting:
            self.events.append((node, path, scope))

    def name_event(self, node: cst.CSTNode, parent: Path, scope: Scope) -> None:
        if self.names_wanted and type(node) is cst.Name:
            self.events.append((node, (node, parent), scope))

    def maybe(self, node: Optional[cst.CSTNode], path: Path, scope: Scope) -> None:
        if isinstance(node, cst.CSTNode):
            self.walk(node, path, scope)

    def bind(self, scope: Scope, name: str, kind: BindingKind, node: cst.CSTNode, path: Path, **extra) -> Binding:
        if name in scope.declared_global:
            scope = scope.module
        binding = Binding(name, kind, node, path, scope, **extra)
        scope.bindings.setdefault(name, []).append(binding)
        return binding

    # -- names and attributes ----------------------------------------------------------------
    def _name(self, node: cst.Name, path: Path, scope: Scope) -> None:
        scope.references.setdefault(node.value, []).append((node, path))

    def _attribute(self, node: cst.Attribute, path: Path, scope: Scope) -> None:
        self.walk(node.value, path, scope)
        if self.names_wanted:
            self.events.append((node.attr, (node.attr, path), scope))

    def _arg(self, node: cst.Arg, path: Path, scope: Scope) -> None:
        if node.keyword is not None and self.names_wanted:
            self.events.append((node.keyword, (node.keyword, path), scope))
        self.walk(node.value, path, scope)

    # -- scopes ------------------------------------------------------------------------------
    def _parameters(self, params: cst.Parameters, path: Path, outer: Scope, inner: Scope) -> None:
        params_path = (params, path)
        self.event(params, params_path, outer)
        for marker in (params.star_arg, params.posonly_ind):
            if isinstance(marker, (cst.ParamStar, cst.ParamSlash)):
                self.mark(marker, params_path, outer)
        index = 0
        for group in (params.posonly_params, params.params):
            for param in group:
                self._param(param, params_path, outer, inner, index)
                index += 1
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self._param(star, params_path, outer, inner, -1)
        for param in params.kwonly_params:
            self._param(param, params_path, outer, inner, -1)

    def _param(self, param: cst.Param, path: Path, outer: Scope, inner: Scope, index: int) -> None:
        param_path = (param, path)
        self.event(param, param_path, outer)
        self.name_event(param.name, param_path, outer)
        annotation = param.annotation.annotation if param.annotation is not None else None
        if param.annotation is not None:
            self.walk(param.annotation.annotation, self.annotation_path(param.annotation, param_path, outer), outer)
        self.maybe(param.default, param_path, outer)
        self.bind(inner, param.name.value, BindingKind.PARAM, param, param_path, annotation=annotation, index=index)

    def annotation_path(self, annotation: cst.Annotation, path: Path, scope: Scope) -> Path:
        annotation_path = (annotation, path)
        self.event(annotation, annotation_path, scope)
        return annotation_path

    def _function(self, node: cst.FunctionDef, path: Path, scope: Scope) -> None:
        for decorator in node.decorators:
            self.walk(decorator, path, scope)
        self.name_event(node.name, path, scope)
        if node.type_parameters is not None:
            self.mark(node.type_parameters, path, scope)
        if node.returns is not None:
            self.walk(node.returns.annotation, self.annotation_path(node.returns, path, scope), scope)
        self.bind(scope, node.name.value, BindingKind.DEF, node, path)
        inner = Scope(ScopeKind.FUNCTION, node, scope, is_async=node.asynchronous is not None)
        self.index.scopes[node] = inner
        self._parameters(node.params, path, scope, inner)
        self.walk(node.body, path, inner)

    def _lambda(self, node: cst.Lambda, path: Path, scope: Scope) -> None:
        inner = Scope(ScopeKind.LAMBDA, node, scope)
        self.index.scopes[node] = inner
        self._parameters(node.params, path, scope, inner)
        self.walk(node.body, path, inner)

    def _class(self, node: cst.ClassDef, path: Path, scope: Scope) -> None:
        for decorator in node.decorators:
            self.walk(decorator, path, scope)
        self.name_event(node.name, path, scope)
        if node.type_parameters is not None:
            self.mark(node.type_parameters, path, scope)
        for arg in (*node.bases, *node.keywords):
            self.walk(arg, path, scope)
        self.bind(scope, node.name.value, BindingKind.CLASS, node, path)
        inner = Scope(ScopeKind.CLASS, node, scope)
        self.index.scopes[node] = inner
        self.walk(node.body, path, inner)

    def _comprehension(
        self, node: Union[cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp], path: Path, scope: Scope
    ) -> None:
        inner = Scope(ScopeKind.COMPREHENSION, node, scope)
        self.index.scopes[node] = inner
        for_in: Optional[cst.CompFor] = node.for_in
        first = True
        for_path = path
        while for_in is not None:
            for_path = (for_in, for_path)  # each `for` clause is a child of the one before
            self.event(for_in, for_path, inner)
            # The first iterable is evaluated in the enclosing scope.
            self.walk(for_in.iter, for_path, scope if first else inner)
            self.store(for_in.target, for_path, inner, BindingKind.FOR, None)
            for condition in for_in.ifs:
                self.walk(condition, for_path, inner)
            for_in = for_in.inner_for_in
            first = False
        if isinstance(node, cst.DictComp):
            self.walk(node.key, path, inner)
            self.walk(node.value, path, inner)
        else:
            self.walk(node.elt, path, inner)

    # -- bindings ----------------------------------------------------------------------------
    def store(
        self,
        target: cst.CSTNode,
        path: Path,
        scope: Scope,
        kind: BindingKind,
        value: Optional[cst.BaseExpression],
        annotation: Optional[cst.BaseExpression] = None,
    ) -> None:
        cls = type(target)
        if isinstance(target, cst.Name):
            self.name_event(target, path, scope)
            self.bind(scope, target.value, kind, target, path, value=value, annotation=annotation)
        elif isinstance(target, (cst.Tuple, cst.List)):
            target_path: Path = (target, path)
            self.event(target, target_path, scope)
            for element in target.elements:
                element_path = (element, target_path)
                self.event(element, element_path, scope)
                self.store(element.value, element_path, scope, kind, None)
        elif isinstance(target, cst.StarredElement):
            target_path = (target, path)
            self.event(target, target_path, scope)
            self.store(target.value, target_path, scope, kind, None)
        elif isinstance(target, cst.Attribute):
            target_path = (target, path)
            if cls in self.interesting:
                self.events.append((target, target_path, scope))
            self.walk(target.value, target_path, scope)
            if self.names_wanted:
                self.events.append((target.attr, (target.attr, target_path), scope))
            if type(target.value) is cst.Name:
                scope.function_scope.attribute_stores.append(
                    AttributeStore(target.value.value, target.attr.value, value, annotation, path)
                )
        else:
            self.walk(target, path, scope)

    def _assign(self, node: cst.Assign, path: Path, scope: Scope) -> None:
        single = len(node.targets) == 1
        for target in node.targets:
            target_path = (target, path)
            self.event(target, target_path, scope)
            value = node.value if single else None
            self.store(target.target, target_path, scope, BindingKind.ASSIGN, value)
        self.walk(node.value, path, scope)

    def _annassign(self, node: cst.AnnAssign, path: Path, scope: Scope) -> None:
        annotation = node.annotation.annotation
        self.walk(annotation, self.annotation_path(node.annotation, path, scope), scope)
        if node.value is not None:
            self.walk(node.value, path, scope)
        self.store(node.target, path, scope, BindingKind.ANNOTATED, node.value, annotation)

    def _augassign(self, node: cst.AugAssign, path: Path, scope: Scope) -> None:
        self.walk(node.target, path, scope)
        self.walk(node.value, path, scope)
        if type(node.target) is cst.Name:
            self.bind(scope, node.target.value, BindingKind.AUGMENTED, node.target, path)

    def _for(self, node: cst.For, path: Path, scope: Scope) -> None:
        self.walk(node.iter, path, scope)
        self.store(node.target, path, scope, BindingKind.FOR, None)
        self.walk(node.body, path, scope)
        self.maybe(node.orelse, path, scope)

    def _with(self, node: cst.With, path: Path, scope: Scope) -> None:
        for item in node.items:
            item_path = (item, path)
            if WithItem in self.interesting:
                self.events.append((item, item_path, scope))
            self.walk(item.item, item_path, scope)
            if item.asname is not None:
                asname_path = (item.asname, item_path)
                self.event(item.asname, asname_path, scope)
                self.store(item.asname.name, asname_path, scope, BindingKind.WITH, item.item)
        self.walk(node.body, path, scope)

    def _except(self, node: cst.ExceptHandler, path: Path, scope: Scope) -> None:
        self.maybe(node.type, path, scope)
        if node.name is not None:
            self.mark(node.name, path, scope)
            if type(node.name.name) is cst.Name:
                self.bind(scope, node.name.name.value, BindingKind.EXCEPT, node, path)
        self.walk(node.body, path, scope)

    def _walrus(self, node: cst.NamedExpr, path: Path, scope: Scope) -> None:
        self.walk(node.value, path, scope)
        self.name_event(node.target, path, scope)
        if type(node.target) is cst.Name:
            self.bind(scope.function_scope, node.target.value, BindingKind.WALRUS, node.target, path, value=node.value)

    def _match_name(self, node: Union[cst.MatchAs, cst.MatchStar], path: Path, scope: Scope) -> None:
        self.walk_children(node, path, scope, skip=("name",))
        if isinstance(node.name, cst.Name):
            self.name_event(node.name, path, scope)
            self.bind(scope, node.name.value, BindingKind.MATCH, node.name, path)

    def _global(self, node: cst.Global, path: Path, scope: Scope) -> None:
        self.mark_children(node, path, scope)
        scope.declared_global.update(item.name.value for item in node.names)

    def _nonlocal(self, node: cst.Nonlocal, path: Path, scope: Scope) -> None:
        self.mark_children(node, path, scope)
        scope.declared_nonlocal.update(item.name.value for item in node.names)

    def _import(self, node: cst.Import, path: Path, scope: Scope) -> None:
        self.mark_children(node, path, scope)
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                self.bind(scope, alias.asname.name.value, BindingKind.IMPORT, alias, path, qualified=full)
            else:
                root = full.split(".")[0]
                self.bind(scope, root, BindingKind.IMPORT, alias, path, qualified=root)

    def _import_from(self, node: cst.ImportFrom, path: Path, scope: Scope) -> None:
        self.mark_children(node, path, scope)
        target = dotted_name(node.module) if node.module is not None else None
        level = len(node.relative)
        if level:
            base = resolve_relative(self.index.module_name, self.is_package, level, target)
            if base is None:
                base = "." * level + (target or "")
        else:
            base = target or ""
        if isinstance(node.names, cst.ImportStar):
            scope.star_imports.append(base)
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            bound = name
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                bound = alias.asname.name.value
            self.bind(scope, bound, BindingKind.IMPORT, alias, path, qualified=f"{base}.{name}" if base else name)


# `With` items are reported as their own events when a rule asks for them.
WithItem = cst.WithItem


def build_index(
    module: cst.Module, module_name: str, interesting: frozenset, is_package: bool = False
) -> ModuleIndex:
    index = ModuleIndex(module, module_name)
    walker = _Walker(index, interesting, is_package)
    path = (module, None)
    if cst.Module in interesting:
        index.events.append((module, path, index.root))
    for statement in module.body:
        walker.walk(statement, path, index.root)
    return index
