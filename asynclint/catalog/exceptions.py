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

# Calls that mean the handler deals with cancellation deliberately (Python 3.11+).
UNCANCEL_METHODS = frozenset({"uncancel"})
