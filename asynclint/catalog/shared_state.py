"""Shared state across await points (ASY500–ASY502): what serialises tasks, what carries context.

Executor submitters (`loop.run_in_executor`) are listed once, in `asynclint.catalog.tasks`.
"""

from __future__ import annotations

# `async with <one of these>:` keeps every other task out of the block, so state checked and
# written inside it cannot change underneath (ASY500/ASY501).
GUARD_TYPES: frozenset[str] = frozenset(
    {
        "asyncio.Lock",
        "asyncio.Condition",
        "asyncio.Semaphore",
        "asyncio.BoundedSemaphore",
        "asyncio.locks.Lock",
        "asyncio.locks.Condition",
        "asyncio.locks.Semaphore",
        "asyncio.locks.BoundedSemaphore",
        "anyio.Lock",
        "anyio.Condition",
        "anyio.Semaphore",
        "anyio.CapacityLimiter",
        "trio.Lock",
        "trio.StrictFIFOLock",
        "trio.Condition",
        "trio.Semaphore",
        "trio.CapacityLimiter",
        "aiorwlock.RWLock",
    }
)

# Receivers whose type is unknown (a lock passed in, made by a factory) still read as guards when
# the last word of their name says so: `self._lock`, `self._connect_mutex`, `self.sem`.
GUARD_NAME_WORDS: tuple[str, ...] = ("lock", "mutex", "semaphore", "sem", "cond", "condition", "limiter")

# The type a `contextvars.ContextVar(...)` call returns, so `VAR.get()` resolves (ASY502).
CONTEXT_VAR_TYPE = "contextvars.ContextVar"
RETURN_TYPES: dict[str, str] = {
    "contextvars.ContextVar": CONTEXT_VAR_TYPE,
}

# `ContextVar` methods that read the current context's value, and the one that sets it (a
# function that sets a variable before reading it does not depend on its caller's context).
CONTEXT_VAR_READS: frozenset[str] = frozenset({"get"})
CONTEXT_VAR_WRITES: frozenset[str] = frozenset({"set"})

# Library functions that read the caller's context: called in an executor thread they see the
# empty context (no current span, no bound log fields).
CONTEXT_READING_CALLS: frozenset[str] = frozenset(
    {
        "opentelemetry.context.get_current",
        "opentelemetry.context.get_value",
        "opentelemetry.trace.get_current_span",
        "structlog.contextvars.get_contextvars",
        "structlog.contextvars.get_merged_contextvars",
    }
)

# `asyncio.to_thread` (3.9+) runs the callable in the default executor inside a copy of the
# caller's context: the replacement for `loop.run_in_executor(None, f, *args)`.
TO_THREAD_SINCE: tuple[int, int] = (3, 9)
