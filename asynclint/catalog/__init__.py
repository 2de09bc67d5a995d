"""Data, not code: which calls block, which types constructors return, which calls spawn tasks.

Each family keeps its facts in its own module here (`blocking`, `tasks`, `network`, ...). A module
may define `RETURN_TYPES` (callee qualified name → qualified type of the value it returns), which
receiver-type resolution merges: `requests.Session()` → `requests.Session`, so that
`session.get(...)` resolves to `requests.Session.get`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache


def _merged(table: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for key, value in getattr(module, table, {}).items():
            if merged.get(key, value) != value:
                raise RuntimeError(f"catalog disagrees on {table}[{key!r}]")
            merged[key] = value
    return merged


@cache
def return_types() -> dict[str, str]:
    return _merged("RETURN_TYPES")


@cache
def attribute_types() -> dict[str, str]:
    """`ATTRIBUTE_TYPES`: `Type.attribute` → type of its value (`pathlib.Path.parent` → `pathlib.Path`;
    `Type.__truediv__` for the `/` operator)."""
    return _merged("ATTRIBUTE_TYPES")


@cache
def item_types() -> dict[str, str]:
    """`ITEM_TYPES`: callee → type of the items its value yields when iterated."""
    return _merged("ITEM_TYPES")
