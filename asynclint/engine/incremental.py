"""A buffer's syntax tree kept between edits, so the language server re-parses only the statement
an edit touched (a method of a 2,000-line class, not the whole file).

The tree after an edit is the old tree with that statement replaced by the parse of its new text.
It is used only when it renders back to exactly the new text; anything else (an edit across
statements, a class header, a line less indented than its block, a parse error) answers None and
the caller parses the whole buffer, so the answer is always the tree of the new text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Optional, Sequence, Union

import libcst as cst
from libcst._nodes.internal import CodegenState

from asynclint.engine.linter import MAX_BRACKET_DEPTH, bracket_depth

# Lines as libcst counts them: only \r\n, \r and \n end a line.
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")

Container = Union[cst.Module, cst.ClassDef]
Statement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]
Path = tuple[int, ...]  # indices from the module's body down through class bodies


def split_lines(text: str) -> list[str]:
    return _LINES.findall(text)


@dataclass(frozen=True)
class _Unit:
    """A statement of the module's body or of a class body, with the lines it covers."""

    start: int  # 0-based line where its leading comments and blank lines begin
    end: int  # line after its last
    path: Path


class ParsedBuffer:
    """The text of a buffer and its tree; `follow(new_text)` is the tree of the edited text."""

    def __init__(self, text: str, module: cst.Module):
        self.text = text
        self.module = module
        self._lines = split_lines(text)
        # Lines each statement renders to, by identity: a statement the edit did not touch keeps
        # its count, so only new statements are rendered.
        self._counts: Optional[dict[int, tuple[cst.CSTNode, int]]] = None

    def prime(self) -> None:
        """Count the lines of every statement now (once per full parse), so the first edit is fast."""
        if self._counts is None:
            self._counts = {}
            self._units()

    def follow(self, text: str) -> Optional[cst.Module]:
        """The tree of `text`, made from this one by re-parsing the statement the edit is in;
        None when that cannot be done exactly (the caller then parses the whole text)."""
        if text == self.text:
            return self.module
        new_lines = split_lines(text)
        old_lines = self._lines
        first = _common_prefix(old_lines, new_lines)
        tail = _common_suffix(old_lines, new_lines, first)
        old_end, new_end = len(old_lines) - tail, len(new_lines) - tail
        self.prime()
        for unit in self._candidates(first, old_end):
            delta = new_end - old_end
            replacement = self._reparse(unit, new_lines[unit.start : unit.end + delta])
            if replacement is None:
                continue
            sized, footer = replacement
            module = self._replace(unit, sized, delta)
            if self._ends_module(unit):
                module = module.with_changes(footer=tuple(footer))
            self.text, self.module, self._lines = text, module, new_lines
            return module
        return None

    # -- where the edit is -------------------------------------------------------------------
    def _candidates(self, first: int, old_end: int) -> list[_Unit]:
        """The statements the changed lines [first, old_end) lie in, innermost first. A pure
        insertion at a statement's end may belong to it or to the next one: both are tried."""
        found = []
        for unit in self._units():
            if unit.start <= first and old_end <= unit.end:
                if first == old_end == unit.end:
                    found.append(unit)  # typed at the end of this statement, before the next
                elif first < unit.end:
                    found.append(unit)
        # Innermost (shortest) first; a container is tried after its members.
        return sorted(found, key=lambda unit: (unit.end - unit.start, -len(unit.path)))

    def _units(self) -> list[_Unit]:
        assert self._counts is not None
        counts: dict[int, tuple[cst.CSTNode, int]] = {}
        units: list[_Unit] = []
        line = len(self.module.header)
        last = None
        for index, statement in enumerate(self.module.body):
            last = len(units)
            line = self._walk(statement, (index,), line, units, counts)
        if last is not None:
            # The blank and comment lines that end the module go with its last statement.
            units[last] = replace(units[last], end=units[last].end + len(self.module.footer))
        self._counts = counts
        return units

    def _ends_module(self, unit: _Unit) -> bool:
        return unit.path == (len(self.module.body) - 1,)

    def _walk(self, statement: cst.BaseStatement, path: Path, line: int, units: list[_Unit], counts: dict) -> int:
        size = self._count(statement, counts)
        units.append(_Unit(line, line + size, path))
        if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            block = statement.body
            inner = size - len(block.footer) - sum(self._count(member, counts) for member in block.body)
            at = line + inner
            for index, member in enumerate(block.body):
                at = self._walk(member, (*path, index), at, units, counts)
        return line + size

    def _count(self, node: cst.CSTNode, counts: dict) -> int:
        known = (self._counts or {}).get(id(node))
        if known is None or known[0] is not node:
            known = (node, len(split_lines(self.module.code_for_node(node))))
        counts[id(node)] = known
        return known[1]

    # -- the new statement -------------------------------------------------------------------
    def _reparse(
        self, unit: _Unit, lines: Sequence[str]
    ) -> Optional[tuple[list[tuple[Statement, int]], Sequence[cst.EmptyLine]]]:
        """The statements `lines` hold, parsed at the unit's place, each with the lines it takes, and
        the blank and comment lines after them when the unit ends the module; None unless they
        render back to exactly `lines`."""
        if not lines:
            return None
        module = self.module
        indents = self._indents(unit.path)
        prefix = "".join(indents)
        dedented = []
        for line in lines:
            if line.startswith(prefix):
                dedented.append(line[len(prefix) :])
            elif not line.strip():
                dedented.append(line)
            else:
                return None  # a line less indented than the block (a string's or a comment's)
        config = cst.PartialParserConfig(
            encoding=module.encoding, default_indent=module.default_indent, default_newline=module.default_newline
        )
        code = "".join(dedented)
        if bracket_depth(code.encode("utf-8", "surrogatepass")) > MAX_BRACKET_DEPTH:
            return None  # libcst's native parser would overflow its stack; the full parse reports it
        try:
            parsed = cst.parse_module(code, config)
        except Exception:
            return None  # a syntax error (mid-typing) or odd input: the full parse reports it
        if not parsed.body or (parsed.footer and not self._ends_module(unit)):
            return None  # trailing comments would belong to the next statement or the block
        statements = list(parsed.body)
        if parsed.header:
            statements[0] = statements[0].with_changes(leading_lines=(*parsed.header, *statements[0].leading_lines))
        state = CodegenState(module.default_indent, module.default_newline, indent_tokens=list(indents))
        sized = _render_in_place(statements, lines, prefix, state)
        for empty in parsed.footer:
            empty._codegen(state)
        if "".join(state.tokens) != "".join(lines):
            return None
        return sized, parsed.footer

    def _indents(self, path: Path) -> list[str]:
        """The indentation of each class block around the statement at `path`."""
        indents = []
        node: Container = self.module
        for index in path[:-1]:
            body = node.body if isinstance(node, cst.Module) else node.body.body
            child = body[index]
            assert isinstance(child, cst.ClassDef) and isinstance(child.body, cst.IndentedBlock)
            indent = child.body.indent
            indents.append(self.module.default_indent if indent is None else indent)
            node = child
        return indents

    def _replace(self, unit: _Unit, sized: list[tuple[Statement, int]], delta: int) -> cst.Module:
        counts = self._counts
        assert counts is not None
        statements = [statement for statement, _ in sized]
        for statement, size in sized:
            counts[id(statement)] = (statement, size)

        # Each enclosing class is a new node whose line count moves by the edit's.
        def replaced(container: Container, path: Path) -> Container:
            body = list(container.body if isinstance(container, cst.Module) else container.body.body)
            index = path[0]
            if len(path) == 1:
                body[index : index + 1] = statements
            else:
                old = body[index]
                assert isinstance(old, cst.ClassDef)
                new = replaced(old, path[1:])
                counts[id(new)] = (new, counts[id(old)][1] + delta)
                body[index] = new
            if isinstance(container, cst.Module):
                return container.with_changes(body=tuple(body))
            assert isinstance(container.body, cst.IndentedBlock)
            return container.with_changes(body=container.body.with_changes(body=tuple(body)))

        module = replaced(self.module, unit.path)
        assert isinstance(module, cst.Module)
        first = module.body[0] if module.body else None
        if first is not None and first.leading_lines:
            # What comes before a module's first statement is the module's header, as a full
            # parse has it.
            module = module.with_changes(
                header=(*module.header, *first.leading_lines),
                body=(first.with_changes(leading_lines=()), *module.body[1:]),
            )
            counts[id(module.body[0])] = (module.body[0], counts[id(first)][1] - len(first.leading_lines))
        return module


def _render_in_place(
    statements: list[Statement], lines: Sequence[str], prefix: str, state: CodegenState
) -> list[tuple[Statement, int]]:
    """Each statement rendered into `state` at its place, with the lines it takes. A blank or
    comment line before a statement at the top of the parsed text is indented there
    (`EmptyLine.indent`) exactly when it was indented in the buffer."""
    result = []
    line = 0
    for statement in statements:
        if prefix:
            leading = []
            for offset, empty in enumerate(statement.leading_lines):
                original = lines[line + offset] if line + offset < len(lines) else ""
                leading.append(empty.with_changes(indent=original.startswith(prefix)))
            statement = statement.with_changes(leading_lines=tuple(leading))
        rendered = len(state.tokens)
        statement._codegen(state)
        size = len(split_lines("".join(state.tokens[rendered:])))
        result.append((statement, size))
        line += size
    return result


def _common_prefix(old: list[str], new: list[str]) -> int:
    limit = min(len(old), len(new))
    index = 0
    while index < limit and old[index] == new[index]:
        index += 1
    return index


def _common_suffix(old: list[str], new: list[str], prefix: int) -> int:
    limit = min(len(old), len(new)) - prefix
    count = 0
    while count < limit and old[-1 - count] == new[-1 - count]:
        count += 1
    return count
