"""Line/column of the few nodes that were reported, without libcst's whole-file position pass.

libcst's PositionProvider visits every node and tracks line/column for every token: about three
parses' worth of time for a file with one finding. The same codegen with position bookkeeping only
at the requested nodes costs about a tenth of a parse. Ranges are identical to PositionProvider's
(syntactic ranges: decorators and leading comments excluded), which a test checks on real code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange


class _AllFound(Exception):
    """Raised to stop code generation once every requested node has its range."""


@dataclass(frozen=False)
class _TargetedPositionState(CodegenState):
    wanted: set = field(default_factory=set)
    remaining: set = field(default_factory=set)
    computed: dict = field(default_factory=dict)
    starts: dict = field(default_factory=dict)
    line: int = 1
    column: int = 0
    scanned: int = 0  # tokens already folded into line/column

    def here(self) -> CodePosition:
        tokens = self.tokens
        if self.scanned < len(tokens):
            chunk = "".join(tokens[self.scanned :])
            self.scanned = len(tokens)
            breaks = chunk.count("\n") + chunk.count("\r") - chunk.count("\r\n")
            if breaks:
                self.line += breaks
                self.column = len(chunk) - max(chunk.rfind("\n"), chunk.rfind("\r")) - 1
            else:
                self.column += len(chunk)
        return CodePosition(self.line, self.column)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            self.starts[node] = self.here()

    def after_codegen(self, node: cst.CSTNode) -> None:
        if node in self.wanted:
            start = self.starts.pop(node)
            if node not in self.computed:
                self.computed[node] = CodeRange(start, self.here())
            self._found(node)

    def _found(self, node: cst.CSTNode) -> None:
        self.remaining.discard(node)
        if not self.remaining:
            raise _AllFound

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        if node not in self.wanted:
            yield
            return
        for hoisted in (start_node, end_node):
            if hoisted is not None:
                self.wanted.add(hoisted)
        start = self.here()
        try:
            yield
        finally:
            end = self.here()
            if start_node is not None:
                start = self.computed[start_node].start
            if end_node is not None:
                end = self.computed[end_node].end
            self.computed[node] = CodeRange(start, end)
        self._found(node)


def positions_of(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[cst.CSTNode, CodeRange]:
    wanted = set(nodes)
    if not wanted:
        return {}
    state = _TargetedPositionState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        wanted=set(wanted),
        remaining=wanted,
    )
    try:
        module._codegen(state)
    except _AllFound:
        pass  # the rest of the file holds nothing we were asked about
    return state.computed
