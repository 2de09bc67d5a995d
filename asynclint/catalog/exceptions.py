"""Exception and cancellation facts: which names are `CancelledError`, which handlers are broad."""

from __future__ import annotations

GATHER = frozenset({"asyncio.gather", "asyncio.tasks.gather"})

# Every spelling of the exception `Task.cancel()` raises inside the task.
CANCELLED_ERRORS = frozenset(
    {
        "asyncio.CancelledError",
        "asyncio.exceptions.CancelledError",
        "concurrent.futures.CancelledError",
        "concurrent.futures._base.CancelledError",
    }
)

# Handlers that also catch CancelledError (it derives from BaseException since Python 3.8).
CATCHES_CANCELLATION = CANCELLED_ERRORS | {"builtins.BaseException"}

# Handlers broad enough that a failing gather is dealt with.
BROAD_EXCEPTIONS = frozenset({"builtins.Exception", "builtins.BaseException"})

# Calls that mean the handler decides about cancellation itself (Python 3.11+):
# `if asyncio.current_task().cancelling(): raise`, `task.uncancel()`.
CANCELLATION_STATE_METHODS = frozenset({"cancelling", "uncancel"})

# Context managers that swallow the exception types given to them.
SUPPRESS = frozenset({"contextlib.suppress"})

# Helpers that wait for tasks or futures they are given (they start no work of their own).
WAITING_HELPERS = frozenset(
    {
        "asyncio.wait_for",
        "asyncio.shield",
        "asyncio.gather",
        "asyncio.wait",
        "asyncio.tasks.wait_for",
        "asyncio.tasks.shield",
        "asyncio.tasks.gather",
        "asyncio.tasks.wait",
    }
)
# A project's own wrapper of one of these (`utils.wait_for`) is taken to wait the same way.
WAITING_HELPER_NAMES = frozenset({"wait_for", "shield", "gather"})
