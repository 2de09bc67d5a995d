"""The project index: facts every file contributed in the first pass, merged for cross-file rules.

Fact collectors (`asynclint.checks.base.Collector`, run on every file whatever rules are selected)
record plain-data facts while the engine walks a file (`ctx.record_fact(kind, key, value)`), e.g.
"`pkg.util.load` is a sync function that calls `requests.get`". After every file is linted the
index answers questions such as "does this project function block, and through which chain?".
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from asynclint.engine.diagnostics import ModuleSummary


class ProjectIndex:
    def __init__(self, summaries: Iterable[Optional[ModuleSummary]]):
        self.modules: dict[str, ModuleSummary] = {}
        self.facts: dict[str, dict[str, Any]] = {}
        self.memo: dict[Any, Any] = {}  # rules cache derived answers here (e.g. blocking chains)
        for summary in summaries:
            if summary is None:
                continue
            self.modules.setdefault(summary.module_name, summary)
            for kind, entries in summary.facts.items():
                merged = self.facts.setdefault(kind, {})
                for key, value in entries.items():
                    merged.setdefault(key, value)

    def fact(self, kind: str, key: str, default: Any = None) -> Any:
        return self.facts.get(kind, {}).get(key, default)

    def has_module(self, name: str) -> bool:
        return name in self.modules
