"""Rule families. Every module here is imported, and every `Rule` subclass with a code registered."""

from __future__ import annotations

import importlib
import pkgutil

from asynclint.checks.base import Rule


def all_rule_classes() -> dict[str, type[Rule]]:
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
    found: dict[str, type[Rule]] = {}
    stack = list(Rule.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.code:
            if cls.code in found and found[cls.code] is not cls:
                raise RuntimeError(f"two rules claim {cls.code}: {found[cls.code].__name__}, {cls.__name__}")
            found[cls.code] = cls
    return found
