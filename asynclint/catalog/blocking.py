"""Calls that block the thread they run on, and therefore the event loop when made in a coroutine.

`BLOCKING_CALLS` maps a qualified name (after import resolution, or `Type.method` for methods on
a receiver of known type) to the rule that reports it and the non-blocking alternative named in
the message. Users add entries with `extend-blocking-calls` in `[tool.asynclint]`.
"""

from __future__ import annotations

from typing import NamedTuple


class BlockingCall(NamedTuple):
    code: str
    instead: str  # what to use instead, shown in the message


BLOCKING_CALLS: dict[str, BlockingCall] = {
    "time.sleep": BlockingCall("ASY100", "`await asyncio.sleep()`"),
}

RETURN_TYPES: dict[str, str] = {}
