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

# `asyncio.wait`: its `pending` set is what a cancel-and-drain gathers.
WAIT = frozenset({"asyncio.wait", "asyncio.tasks.wait"})

# Start-up and shutdown code, where a fan-out failing as a whole is what is wanted (a start-up
# that fails aborts; a shutdown runs independent cleanups): whole function names, then words of
# a function name split on "_".
LIFECYCLE_FUNCTIONS = frozenset({"__aenter__", "__aexit__", "async_reproduce_states"})
LIFECYCLE_WORDS = frozenset(
    {
        "close",
        "aclose",
        "stop",
        "shutdown",
        "teardown",
        "cleanup",
        "disconnect",
        "unload",
        "reset",
        "setup",
        "start",
        "startup",
        "initialize",
    }
)

# Context managers that cancel the code under them at a deadline (by the last part of their name:
# asyncio.timeout, asyncio.timeout_at, async_timeout.timeout, anyio.fail_after/move_on_after).
DEADLINE_CONTEXT_NAMES = frozenset({"timeout", "timeout_at", "fail_after", "move_on_after"})
