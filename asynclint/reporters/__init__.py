"""Output formats. Each reporter turns the sorted list of diagnostics into text on stdout."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable


def formats() -> list[str]:
    return sorted(module.name for module in pkgutil.iter_modules(__path__) if not module.name.startswith("_"))


def renderer(name: str) -> Callable[..., str]:
    return importlib.import_module(f"{__name__}.{name}").render
