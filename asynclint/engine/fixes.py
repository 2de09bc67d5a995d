"""Fixes as libcst node replacements, applied by node identity, plus the imports they need.

A rule describes a fix as "replace this node with that one" (a statement may become several
through `FlattenSentinel`), the modules it needs imported and module-level statements it needs
(such as a set that keeps tasks alive). The engine applies non-overlapping fixes, adds each import
once after the existing import block, and never writes a result that does not parse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import libcst as cst

Replacement = Union[cst.CSTNode, cst.FlattenSentinel, cst.RemovalSentinel]


@dataclass(eq=False)
class Fix:
    applicability: str  # "safe" or "unsafe"
    message: str
    edits: tuple[tuple[cst.CSTNode, Replacement], ...]
    imports: tuple[str, ...] = ()  # modules to `import` when not imported yet
    # (name, code): a module-level statement defining `name`, added once after the imports.
    statements: tuple[tuple[str, str], ...] = ()
    extra: dict = field(default_factory=dict)


class _Replacer(cst.CSTTransformer):
    def __init__(self, replacements: dict[cst.CSTNode, Replacement]):
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):
        replacement = self.replacements.get(original_node)
        if replacement is not None:
            return replacement
        return updated_node


def apply_edits(module: cst.Module, fixes: list[Fix]) -> cst.Module:
    replacements: dict[cst.CSTNode, Replacement] = {}
    for fix in fixes:
        for target, replacement in fix.edits:
            replacements[target] = replacement
    if replacements:
        module = module.visit(_Replacer(replacements))
    imports: list[str] = []
    statements: list[tuple[str, str]] = []
    for fix in fixes:
        imports.extend(name for name in fix.imports if name not in imports)
        statements.extend(item for item in fix.statements if item not in statements)
    return add_module_prelude(module, imports, statements)


def _top_level_names(module: cst.Module) -> tuple[set[str], set[str]]:
    """Module names imported plainly (`import x`) and all names bound at top level."""
    imported: set[str] = set()
    bound: set[str] = set()
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if alias.asname is None:
                            imported.add(cst.Module([]).code_for_node(alias.name))
                elif isinstance(small, (cst.Assign, cst.AnnAssign)):
                    targets = small.targets if isinstance(small, cst.Assign) else (small,)
                    for target in targets:
                        if isinstance(target.target, cst.Name):
                            bound.add(target.target.value)
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            bound.add(statement.name.value)
    return imported, bound


def _is_prelude(statement: cst.CSTNode, index: int) -> bool:
    """Docstring, `from __future__`, and import statements at the top of a module."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            continue
        if index == 0 and isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)):
            continue
        return False
    return True


def add_module_prelude(module: cst.Module, imports: list[str], statements: list[tuple[str, str]]) -> cst.Module:
    imported, bound = _top_level_names(module)
    new_imports = [name for name in imports if name not in imported]
    new_statements = [code for name, code in statements if name not in bound]
    if not new_imports and not new_statements:
        return module
    body = list(module.body)
    position = 0
    for index, statement in enumerate(body):
        if _is_prelude(statement, index):
            position = index + 1
        else:
            break
    import_lines = [cst.parse_statement(f"import {name}\n") for name in sorted(new_imports)]
    statement_lines = [cst.parse_statement(code if code.endswith("\n") else code + "\n") for code in new_statements]
    if statement_lines:
        statement_lines[0] = statement_lines[0].with_changes(leading_lines=[cst.EmptyLine()])
        if position < len(body):
            following = body[position]
            if hasattr(following, "leading_lines") and not following.leading_lines:
                body[position] = following.with_changes(leading_lines=[cst.EmptyLine()])
    # A new import placed right after a docstring gets a blank line, like isort would.
    if import_lines and position == 1 and not _has_imports(body[:1]):
        import_lines[0] = import_lines[0].with_changes(leading_lines=[cst.EmptyLine()])
    elif import_lines and position == 0 and body and _is_prelude_comment_owner(body[0]):
        # Keep a leading comment block (license, shebang) above the new import.
        first = body[0]
        import_lines[0] = import_lines[0].with_changes(leading_lines=first.leading_lines)
        body[0] = first.with_changes(leading_lines=[cst.EmptyLine()])
    body[position:position] = import_lines + statement_lines
    return module.with_changes(body=body)


def _has_imports(statements) -> bool:
    return any(
        isinstance(small, (cst.Import, cst.ImportFrom))
        for statement in statements
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
    )


def _is_prelude_comment_owner(statement: cst.CSTNode) -> bool:
    return bool(getattr(statement, "leading_lines", None))


def spans_overlap(first: tuple[int, int, int, int], second: tuple[int, int, int, int]) -> bool:
    start_a, end_a = first[:2], first[2:]
    start_b, end_b = second[:2], second[2:]
    return not (end_a <= start_b or end_b <= start_a)


def edit_span(fix: Fix, positions) -> Optional[tuple[int, int, int, int]]:
    """The smallest source range covering every node a fix replaces."""
    span = None
    for target, _ in fix.edits:
        position = positions.get(target)
        if position is None:
            return None
        current = (position.start.line, position.start.column, position.end.line, position.end.column)
        if span is None:
            span = current
        else:
            span = (
                *min(span[:2], current[:2]),
                *max(span[2:], current[2:]),
            )
    return span
