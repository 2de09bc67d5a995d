"""The Rule base class. A rule is one class: a code, `visit_<NodeType>` methods, and messages."""

from __future__ import annotations

from typing import Any, ClassVar, Optional

import libcst as cst


class Rule:
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

    def __init__(self, config: Any):
        self.config = config

    @classmethod
    def handled_types(cls) -> dict[type, str]:
        handled = {}
        for attribute in dir(cls):
            if attribute.startswith("visit_"):
                node_type = getattr(cst, attribute[len("visit_") :], None)
                if isinstance(node_type, type):
                    handled[node_type] = attribute
        return handled

    def resolve_condition(self, condition: tuple, message: str, project: Any) -> Optional[str]:
        """Return the final message if the finding stands given the whole project, else None."""
        return message

    def keeps_fix(self, condition: tuple, project: Any) -> bool:
        """Whether the fix offered with a standing cross-file finding is still right given the
        whole project (called only when `resolve_condition` kept the finding)."""
        return True
