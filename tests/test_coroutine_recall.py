"""ASY200 on shapes from projects' fixed bugs: callables typed to return an awaitable (parameters,
attributes, type aliases) called without `await`, often only tested for truth; a coroutine bound to
a name that is never read."""

from __future__ import annotations

import json
import textwrap

from conftest import fix_snippet, lint_snippet, run_cli

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


OPTIONAL_AND_TYPE_STATEMENTS = """
from typing import Any, Awaitable, Callable, Coroutine, Optional, Union

type Check = Callable[["User"], Awaitable[bool]]
type Gate[T] = Callable[[T], Coroutine[Any, Any, bool]]
type SyncCheck = Callable[["User"], bool]


async def by_statement(user, check: Check, gate: Gate["User"], plain: SyncCheck):
    if check(user):  # !
        return True
    if gate(user):  # !
        return True
    if plain(user):
        return True
    return await check(user) and await gate(user)


async def optional(
    user,
    check: Optional[Callable[["User"], Awaitable[bool]]] = None,
    later: "Check | None" = None,
    either: Union[None, Check] = None,
    sync: Optional[Callable[["User"], bool]] = None,
    mixed: Union[Check, SyncCheck, None] = None,
):
    if check is not None and check(user):  # !
        return True
    if later and later(user):  # !
        return True
    if either is not None and either(user):  # !
        return True
    if sync is not None and sync(user):
        return True
    if mixed is not None and mixed(user):
        return True
    if check is not None and await check(user):
        return True
    return later is not None and await later(user)


class Guard:
    check: Optional[Check] = None
    sync: SyncCheck | None = None

    async def allow(self, user):
        if self.check is not None and self.check(user):  # !
            return True
        if self.sync is not None and self.sync(user):
            return True
        return self.check is not None and await self.check(user)
"""


def test_asy200_optional_callables_and_type_statements():
    assert [d.line for d in lint_snippet(OPTIONAL_AND_TYPE_STATEMENTS, select="ASY200")] == marked(
        OPTIONAL_AND_TYPE_STATEMENTS
    )


def test_asy200_type_statement_via_cli(tmp_path):
    (tmp_path / "gate.py").write_text(
        "from typing import Awaitable, Callable\n\n"
        "type Check = Callable[[str], Awaitable[bool]]\n\n\n"
        "async def admit(user: str, check: Check | None) -> bool:\n"
        "    return bool(check) and await check(user)\n\n\n"
        "async def admit_wrongly(user: str, check: Check | None) -> bool:\n"
        "    if check and check(user):\n"
        "        return True\n"
        "    return False\n"
    )
    result = run_cli("--select", "ASY200", "--output-format", "json", str(tmp_path / "gate.py"))
    assert [(d["code"], d["line"]) for d in json.loads(result.stdout)] == [("ASY200", 11)]
