"""Rule families. Every module here is imported, and every `Rule` subclass with a code registered."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, TypeVar

from asynclint.checks.base import Collector, Rule


def _import_families() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")


_V = TypeVar("_V", bound=type)


def _subclasses(root: _V) -> list[_V]:
    found: list[_V] = []
    stack = list(root.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("asynclint."):  # a test's own rule classes stay out
            found.append(cls)
    return found


def all_rule_classes() -> dict[str, type[Rule]]:
    _import_families()
    found: dict[str, type[Rule]] = {}
    for cls in _subclasses(Rule):
        if cls.code:
            if cls.code in found and found[cls.code] is not cls:
                raise RuntimeError(f"two rules claim {cls.code}: {found[cls.code].__name__}, {cls.__name__}")
            found[cls.code] = cls
    return found


def rules_for(config: Any) -> list[Rule]:
    """The enabled rules of `config`, constructed: what a `Linter` is given."""
    enabled = config.enabled
    return [cls(config) for code, cls in sorted(all_rule_classes().items()) if code in enabled]


def _import_semantics() -> None:
    """The collectors live in `asynclint/semantics/`, beside the answers they record facts for."""
    import asynclint.semantics as semantics

    for module in pkgutil.iter_modules(semantics.__path__):
        importlib.import_module(f"{semantics.__name__}.{module.name}")


def collectors_for(config: Any) -> list[Collector]:
    """Every fact collector: the engine runs them all, whatever rules are selected."""
    _import_families()
    _import_semantics()
    classes = sorted(set(_subclasses(Collector)), key=lambda cls: (cls.__module__, cls.__qualname__))
    return [cls(config) for cls in classes]
