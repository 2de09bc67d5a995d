"""ASY200 on shapes from projects' fixed bugs: callables typed to return an awaitable (parameters,
attributes, type aliases) called without `await`, often only tested for truth; a coroutine bound to
a name that is never read."""

from __future__ import annotations

import textwrap

from conftest import fix_snippet, lint_snippet

TYPED = """
import asyncio
from typing import Awaitable, Callable, Coroutine, Optional

Check = Callable[["User"], Awaitable[bool]]


async def guard(user, check: Callable[["User"], Awaitable[bool]], sync_check: Callable[["User"], bool]):
    if check(user):  # !
        return True
    check(user)  # !
    if sync_check(user):
        return True
    allowed = await check(user)
    return allowed


async def aliased(user, check: Check, maybe: Optional[Check] = None):
    if not check(user):  # !
        raise PermissionError
    if maybe and await maybe(user):
        return True


class Hooks:
    on_close: Callable[[], Coroutine[None, None, None]]

    def __init__(self, on_open: Callable[[], Awaitable[None]], plain: Callable[[], None], other):
        self.on_open = on_open
        self.plain = plain
        self.other = other

    async def run(self):
        self.on_open()  # !
        self.on_close()  # !
        self.plain()
        self.other()
        await self.on_open()


async def forgotten():
    pause = asyncio.sleep(1)  # !
    later = asyncio.sleep(1)
    await later
    handle = asyncio.get_running_loop()
    return handle
"""


def marked(source: str) -> list[int]:
    return [n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if "# !" in line]


def test_asy200_typed_callables_and_forgotten_coroutines():
    assert [d.line for d in lint_snippet(TYPED, select="ASY200")] == marked(TYPED)


def test_asy200_typed_messages_say_what_is_known():
    by_line = {d.line: d.message for d in lint_snippet(TYPED, select="ASY200")}
    assert by_line[9].startswith("`check()` is typed to return an awaitable, which is always true")
    assert by_line[11].startswith("`check()` is typed to return an awaitable: this call")
    assert by_line[42].startswith("the coroutine from `asyncio.sleep()` is bound to `pause`")


def test_asy200_typed_callable_fix_inserts_await():
    fixed = fix_snippet(
        """
        from typing import Awaitable, Callable

        async def guard(user, check: Callable[[object], Awaitable[bool]]):
            if check(user):
                return True
        """,
        select="ASY200",
        unsafe=True,
    )
    assert "    if await check(user):\n" in fixed
