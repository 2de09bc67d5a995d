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


@cache
def return_types() -> dict[str, str]:
    merged: dict[str, str] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for callee, returned in getattr(module, "RETURN_TYPES", {}).items():
            if merged.get(callee, returned) != returned:
                raise RuntimeError(f"catalog disagrees on what {callee} returns")
            merged[callee] = returned
    return merged
