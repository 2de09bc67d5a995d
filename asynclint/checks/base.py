"""The Rule base class. A rule is one class: a code, `visit_<NodeType>` methods, and messages.

`Collector` is the same shape without a code: it records facts for the project index and the
engine runs it on every file whatever rules are selected, so no rule's answer depends on which
other rules are enabled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Optional

import libcst as cst

if TYPE_CHECKING:
    from asynclint.engine.context import Context
    from asynclint.engine.project import ProjectIndex


class UnsupportedHook(TypeError):
    """A rule or collector asks for a hook the engine never calls (a misspelt node type, a
    token the walk does not dispatch, a `leave_` method)."""


class Visitor:
    """What rules and collectors share: `visit_<NodeType>(node, ctx)` hooks and a per-file hook."""

    def __init__(self, config: Any):
        self.config = config

    @classmethod
    def handled_types(cls) -> dict[type, str]:
        """`{libcst node type: method name}` for every `visit_<NodeType>`; raises `UnsupportedHook`
        for a hook that would never run."""
        from asynclint.semantics.scope import DISPATCHED

        handled = {}
        for attribute in dir(cls):
            if attribute.startswith("leave_"):
                raise UnsupportedHook(f"{cls.__name__}.{attribute}: the engine calls `visit_` hooks only")
            if not attribute.startswith("visit_"):
                continue
            node_type = getattr(cst, attribute[len("visit_") :], None)
            if node_type not in DISPATCHED:
                what = "not a libcst node type" if not isinstance(node_type, type) else "never dispatched (layout or token)"
                raise UnsupportedHook(f"{cls.__name__}.{attribute}: {attribute[len('visit_'):]} is {what}")
            handled[node_type] = attribute
        return handled

    def begin_file(self, ctx: Context) -> None:
        """Called once per file before any `visit_` hook: reset per-file state here."""

    def end_file(self, ctx: Context) -> None:
        """Called once per file after every `visit_` hook."""


class Rule(Visitor):
    """Subclass, set `code`, `name`, `summary` (and `fix`, `default_enabled` when they differ from
    the defaults), and define `visit_Call(self, node, ctx)` (any libcst node type). These class
    attributes are the rule's only metadata: the registry, `--list-rules`, the README rule index,
    config validation and the flake8 plugin all read them from here.

    `ctx` is an `asynclint.engine.context.Context`. Rules that depend on other files report with
    `condition=(...)` and implement `resolve_condition`, which the engine calls once the project
    index is built.
    """

    code: ClassVar[str] = ""  # "ASY100"
    name: ClassVar[str] = ""  # "blocking-sleep": kebab-case, what `--list-rules` and the pages call it
    summary: ClassVar[str] = ""  # one line for the README rule index and `--list-rules`
    fix: ClassVar[Optional[str]] = None  # the fixes it offers: None, "safe" or "unsafe" (a test checks)
    default_enabled: ClassVar[bool] = True  # False: opt-in, on only when its exact code is selected

    def resolve_condition(self, condition: tuple, message: str, project: ProjectIndex) -> Optional[str]:
        """Return the final message if the finding stands given the whole project, else None."""
        return message

    def keeps_fix(self, condition: tuple, project: ProjectIndex) -> bool:
        """Whether the fix offered with a standing cross-file finding is still right given the
        whole project (called only when `resolve_condition` kept the finding)."""
        return True


class Collector(Visitor):
    """Records facts other files and rules need (`ctx.record_fact`); never reports. Every
    subclass in `asynclint/checks/` or `asynclint/semantics/` runs on every file."""
