"""ASY300–ASY303: positives, the look-alikes that must stay silent, and the ASY302 fix."""

from __future__ import annotations

import pytest
from conftest import codes_and_lines, fix_snippet, lint_snippet

PRELUDE = "import asyncio\nfrom asyncio import CancelledError, gather\nimport concurrent.futures\n\n"


def found(body: str, select: str) -> list[tuple[str, int]]:
    # Lines are counted from the first line of `body`.
    offset = PRELUDE.count("\n")
    return [(code, line - offset) for code, line in codes_and_lines(PRELUDE + body, select=select)]


# -- ASY300 --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        "async def f(a, b):\n    await asyncio.gather(a(), b())\n",
        "async def f(a, b):\n    x, y = await gather(a(), b())\n",
        "async def f(coros):\n    return await asyncio.gather(*coros)\n",
        "async def f(a, b):\n    try:\n        pass\n    except Exception:\n        await asyncio.gather(a(), b())\n",
    ],
)
def test_asy300_positive(body):
    lines = found(body, "ASY300")
    assert [code for code, _ in lines] == ["ASY300"]


@pytest.mark.parametrize(
    "body",
    [
        "async def f(a):\n    await asyncio.gather(a())\n",
        "async def f(a, b):\n    await asyncio.gather(a(), b(), return_exceptions=True)\n",
        "async def f(a, b, flag):\n    await asyncio.gather(a(), b(), return_exceptions=flag)\n",
        "async def f(a, b, **kw):\n    await asyncio.gather(a(), b(), **kw)\n",
        "async def f(a, b):\n    try:\n        await asyncio.gather(a(), b())\n    except Exception:\n        pass\n",
        "async def f(a, b):\n    try:\n        await asyncio.gather(a(), b())\n    except (ValueError, OSError):\n        pass\n",
        "async def f(a, b):\n    future = asyncio.gather(a(), b())\n    return future\n",
        "def f(a, b):\n    return asyncio.gather(a(), b())\n",
        "async def f(a, b):\n    async with asyncio.TaskGroup() as tg:\n        tg.create_task(a())\n",
        "async def f(results):\n    await results.gather(1, 2)\n",
    ],
)
def test_asy300_look_alikes(body):
    assert found(body, "ASY300") == []


def test_asy300_message_depends_on_target_version():
    source = PRELUDE + "async def f(a, b):\n    await gather(a(), b())\n"
    [old] = lint_snippet(source, select="ASY300", target_version="py39")
    [new] = lint_snippet(source, select="ASY300", target_version="py311")
    assert "return_exceptions=True" in old.message and "TaskGroup" not in old.message
    assert "asyncio.TaskGroup" in new.message
    assert "the others keep running" in new.message


# -- ASY301 --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, line",
    [
        ("async def f(a, b):\n    await asyncio.gather(a(), b(), return_exceptions=True)\n", 2),
        ("async def f(a, b):\n    results = await gather(a(), b(), return_exceptions=True)\n    print('ok')\n", 2),
        ("async def f(a, b):\n    x, y = await gather(a(), b(), return_exceptions=True)\n    return isinstance(x, Exception)\n", 2),
        ("async def f(a, b):\n    results = await gather(a(), b(), return_exceptions=True)\n    for r in results:\n        print(r)\n", 2),
    ],
)
def test_asy301_positive(body, line):
    assert found(body, "ASY301") == [("ASY301", line)]


@pytest.mark.parametrize(
    "body",
    [
        "async def f(a, b):\n    rs = await gather(a(), b(), return_exceptions=True)\n    for r in rs:\n        if isinstance(r, Exception):\n            raise r\n",
        "async def f(a, b):\n    rs = await gather(a(), b(), return_exceptions=True)\n    return [r for r in rs if not isinstance(r, BaseException)]\n",
        "async def f(a, b):\n    rs = await gather(a(), b(), return_exceptions=True)\n    log_failures(rs)\n",
        "async def f(a, b):\n    return await gather(a(), b(), return_exceptions=True)\n",
        "async def f(self, a, b):\n    self.results = await gather(a(), b(), return_exceptions=True)\n",
        "async def f(a, b):\n    x, y = await gather(a(), b(), return_exceptions=True)\n    check(x)\n    check(y)\n",
        "async def f(a, b):\n    await gather(a(), b())\n",
    ],
)
def test_asy301_look_alikes(body):
    assert found(body, "ASY301") == []


# -- ASY302 --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "handler",
    [
        "except asyncio.CancelledError:\n        log()",
        "except CancelledError:\n        pass",
        "except asyncio.exceptions.CancelledError:\n        pass",
        "except concurrent.futures.CancelledError:\n        pass",
        "except BaseException:\n        log()",
        "except:\n        log()",
        "except (ValueError, asyncio.CancelledError):\n        log()",
        "except asyncio.CancelledError:\n        if urgent:\n            raise\n        log()",
        "except asyncio.CancelledError:\n        return None",
    ],
)
def test_asy302_positive(handler):
    body = f"async def f(job):\n    try:\n        await job()\n    {handler}\n    await job()\n"
    assert found(body, "ASY302") == [("ASY302", 4)]


@pytest.mark.parametrize(
    "body",
    [
        # Re-raises on every path.
        "async def f(job):\n    try:\n        await job()\n    except asyncio.CancelledError:\n        log()\n        raise\n",
        "async def f(job):\n    try:\n        await job()\n    except BaseException as e:\n        raise RuntimeError() from e\n",
        "async def f(job):\n    try:\n        await job()\n    except asyncio.CancelledError:\n        if x:\n            raise\n        else:\n            raise\n",
        # Exception does not catch CancelledError.
        "async def f(job):\n    try:\n        await job()\n    except Exception:\n        pass\n",
        # Nothing awaited in the try body.
        "async def f(job):\n    try:\n        job()\n    except asyncio.CancelledError:\n        pass\n",
        "async def f(job):\n    try:\n        def inner():\n            pass\n    except BaseException:\n        pass\n",
        # Sync functions are not async context.
        "def f(job):\n    try:\n        job()\n    except:\n        pass\n",
        # Deliberate handling with uncancel().
        "async def f(job):\n    try:\n        await job()\n    except asyncio.CancelledError:\n        asyncio.current_task().uncancel()\n",
    ],
)
def test_asy302_look_alikes(body):
    assert found(body, "ASY302") == []


def test_asy302_async_for_and_async_with_count_as_awaiting():
    body = "async def f(stream):\n    try:\n        async for x in stream:\n            use(x)\n    except BaseException:\n        pass\n    await stream.aclose()\n"
    assert found(body, "ASY302") == [("ASY302", 5)]


def test_asy302_allowed_shutdown_functions():
    source = PRELUDE + "async def main(job):\n    try:\n        await job()\n    except asyncio.CancelledError:\n        pass\n"
    assert codes_and_lines(source, select="ASY302", allow_swallowed_cancellation_in=("main",)) == []
    assert codes_and_lines(source, select="ASY302", allow_swallowed_cancellation_in=("snippet.main",)) == []
    assert codes_and_lines(source, select="ASY302", allow_swallowed_cancellation_in=("other",)) != []


def test_asy302_fix_appends_raise_and_is_idempotent():
    source = (
        "import asyncio\n\n\n"
        "async def consume(queue):\n"
        "    try:\n"
        "        await queue.get()\n"
        "    except asyncio.CancelledError:  # shutting down\n"
        "        print('bye')\n"
        "    except BaseException: cleanup()\n"
        "    await queue.put(None)\n"
    )
    fixed = fix_snippet(source, select="ASY302", unsafe=True)
    assert fixed == (
        "import asyncio\n\n\n"
        "async def consume(queue):\n"
        "    try:\n"
        "        await queue.get()\n"
        "    except asyncio.CancelledError:  # shutting down\n"
        "        print('bye')\n"
        "        raise\n"
        "    except BaseException: cleanup(); raise\n"
        "    await queue.put(None)\n"
    )
    assert fix_snippet(fixed, select="ASY302", unsafe=True) == fixed
    assert fix_snippet(source, select="ASY302", unsafe=False) == source


def test_asy302_no_fix_when_the_handler_leaves():
    body = "async def f(job):\n    while True:\n        try:\n            await job()\n        except asyncio.CancelledError:\n            break\n"
    [diagnostic] = lint_snippet(PRELUDE + body, select="ASY302")
    assert diagnostic.fix is None


# -- ASY303 --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, line",
    [
        ("async def f(job):\n    try:\n        await job()\n    finally:\n        return 1\n", 5),
        ("async def f(jobs):\n    for j in jobs:\n        try:\n            await j()\n        finally:\n            continue\n", 6),
        ("async def f(jobs):\n    for j in jobs:\n        try:\n            await j()\n        finally:\n            if j:\n                break\n", 7),
    ],
)
def test_asy303_positive(body, line):
    assert found(body, "ASY303") == [("ASY303", line)]


@pytest.mark.parametrize(
    "body",
    [
        "def f(job):\n    try:\n        job()\n    finally:\n        return 1\n",
        "async def f(job):\n    try:\n        return await job()\n    finally:\n        cleanup()\n",
        "async def f(jobs):\n    try:\n        await jobs()\n    finally:\n        for x in jobs:\n            break\n",
        "async def f(job):\n    try:\n        await job()\n    finally:\n        def later():\n            return 1\n",
        "async def f(job):\n    try:\n        await job()\n    except Exception:\n        return 1\n",
    ],
)
def test_asy303_look_alikes(body):
    assert found(body, "ASY303") == []


def test_asy302_catch_all_that_ends_the_coroutine_is_not_reported():
    # uvicorn's run_asgi: a top-level catch-all that logs; the task stops either way.
    body = "async def run(app):\n    try:\n        await app()\n    except BaseException as exc:\n        log(exc)\n"
    assert found(body, "ASY302") == []
    looping = "async def run(app):\n    while True:\n        try:\n            await app()\n        except BaseException as exc:\n            log(exc)\n"
    assert found(looping, "ASY302") == [("ASY302", 5)]
    followed = "async def run(app):\n    try:\n        await app()\n    except BaseException as exc:\n        log(exc)\n    await more()\n"
    assert found(followed, "ASY302") == [("ASY302", 4)]


def test_asy302_catch_all_followed_only_by_sync_code_is_not_reported():
    body = (
        "async def run(app, transport):\n    try:\n        await app()\n    except BaseException:\n"
        "        log()\n    transport.close()\n"
    )
    assert found(body, "ASY302") == []
